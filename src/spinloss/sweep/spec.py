"""A sweep's points (:class:`SweepDesign`) and the sweep file that names them (:class:`SweepFile`).

A sweep file (TOML; docs/sweeps.md)::

    command = "switch"                 # a sweepable command
    input = "pt_py_device.toml"        # relative to this file
    [options]                          # the command's options, long names without --
    trials = 64
    [axes]                             # cartesian grid, in this order (the --set/--vary key syntax)
    "pulse.current_density" = "1e12 A/m^2:3e12 A/m^2:5"
    "free.thickness" = ["2 nm", "3 nm"]
    [zip]                              # keys varied together (equal lengths): one dimension "zip"
    [random]                           # n samples, seed, KEY = "START:STOP[:log]": dimension "sample"

The points are the cartesian product of the dimensions in the order [axes] (one dimension per
key, named by the key), then [zip] (one dimension ``zip``), then [random] (one dimension
``sample``); point ``i`` is the C-order (last dimension fastest) flat index ``i`` of that grid.
Every axis is read by :mod:`spinloss.grids` (dimensions checked, SI values). Errors name the
file, the key and the rule (:class:`~spinloss.errors.ConfigError`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import read_toml
from ..errors import ConfigError
from ..grids import Axis, parse_axis, parse_random_range
from ..io import file_sha256
from ..units import SI_UNIT

SWEEP_KEYS = ("command", "input", "options", "axes", "zip", "random")
#: Dimension names of the [zip] and [random] tables.
ZIP_DIM, RANDOM_DIM = "zip", "sample"
#: Layout version of the store (part of the fingerprint).
STORE_FORMAT = 1


@dataclass(frozen=True)
class Dimension:
    """One dimension of the sweep grid: its ``name`` and the axes varied along it (one for a
    cartesian axis, named like its key; every key of [zip] or [random] otherwise)."""

    name: str
    axes: tuple
    table: str  # "axes", "zip" or "random"

    def __len__(self) -> int:
        return len(self.axes[0])


@dataclass
class SweepDesign:
    """The points of a sweep: ``dims`` (:class:`Dimension`), their product in C order.

    ``spec`` is the canonical, JSON-able description of the points (the axes as written, the
    random seed): two designs with the same ``spec`` have the same points."""

    dims: list
    spec: dict = field(default_factory=dict)
    random_seed: int | None = None

    @property
    def shape(self) -> tuple:
        return tuple(len(d) for d in self.dims)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.dims else 1

    @property
    def dim_names(self) -> list[str]:
        return [d.name for d in self.dims]

    @property
    def axes(self) -> list[Axis]:
        return [a for d in self.dims for a in d.axes]

    @property
    def keys(self) -> list[str]:
        return [a.key for a in self.axes]

    def table_of(self, key: str) -> str:
        """The table ([axes], [zip], [random]) that varies ``key``."""
        for d in self.dims:
            if any(a.key == key for a in d.axes):
                return d.table
        raise KeyError(key)

    def point(self, index: int) -> dict:
        """The overrides of point ``index`` (C-order flat index): key -> SI float or text."""
        where = np.unravel_index(int(index), self.shape) if self.dims else ()
        out = {}
        for d, i in zip(self.dims, where):
            for a in d.axes:
                v = a.values[int(i)]
                out[a.key] = v.item() if hasattr(v, "item") else v
        return out

    def first_point(self) -> dict:
        return self.point(0)

    @classmethod
    def from_tables(cls, axes: dict | None = None, zip: dict | None = None, random: dict | None = None, *,
                    source: str = "<api>") -> "SweepDesign":
        """Build the design from the [axes], [zip] and [random] tables (module docstring)."""
        dims: list[Dimension] = []
        seen: dict[str, str] = {}
        spec: dict = {}

        def claim(key, table):
            if key in seen:
                raise ConfigError(source, f"{table}.{key}", f"already varied in [{seen[key]}]: a key is swept once")
            seen[key] = table

        if axes is not None:
            _table(axes, "axes", source)
            spec["axes"] = []
            for key, value in axes.items():
                claim(key, "axes")
                dims.append(Dimension(key, (_axis(value, key, "axes", source),), "axes"))
                spec["axes"].append([key, value])
        if zip is not None:
            _table(zip, "zip", source)
            if not zip:
                raise ConfigError(source, "zip", "empty: give the keys varied together")
            zaxes = []
            spec["zip"] = []
            for key, value in zip.items():
                claim(key, "zip")
                zaxes.append(_axis(value, key, "zip", source))
                spec["zip"].append([key, value])
            n0 = len(zaxes[0])
            for a in zaxes[1:]:
                if len(a) != n0:
                    raise ConfigError(source, f"zip.{a.key}", f"has {len(a)} values, zip.{zaxes[0].key} has {n0}: "
                                                              "keys varied together need equal lengths")
            dims.append(Dimension(ZIP_DIM, tuple(zaxes), "zip"))
        seed = None
        if random is not None:
            _table(random, "random", source)
            n = random.get("n")
            if n is None:
                raise ConfigError(source, "random.n", "missing: the number of samples")
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10_000_000:
                raise ConfigError(source, "random.n", "must be an integer from 1 to 1e7")
            seed = random.get("seed", 0)
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                raise ConfigError(source, "random.seed", "must be an integer >= 0")
            keys = [k for k in random if k not in ("n", "seed")]
            if not keys:
                raise ConfigError(source, "random", "no key to sample: give KEY = \"START:STOP\"")
            rng = np.random.default_rng(seed)
            raxes = []
            spec["random"] = {"n": n, "seed": seed, "keys": []}
            for key in keys:
                claim(key, "random")
                raxes.append(_random_axis(random[key], key, n, rng, source))
                spec["random"]["keys"].append([key, random[key]])
            dims.append(Dimension(RANDOM_DIM, tuple(raxes), "random"))
        if not dims:
            raise ConfigError(source, "axes", "missing: give [axes], [zip] or [random] (the points of the sweep)")
        return cls(dims, spec, seed)


def _table(value, name, source):
    if not isinstance(value, dict):
        raise ConfigError(source, name, "must be a table")


def _axis(value, key, table, source) -> Axis:
    try:
        return parse_axis(value, key, source=source)
    except ConfigError as exc:
        raise ConfigError(source, f"{table}.{exc.key}" if exc.key else table, exc.rule) from None


def _random_axis(spec, key, n, rng, source) -> Axis:
    """``n`` samples of ``key`` from ``"START:STOP[:log]"`` (uniform, or uniform in log)."""
    try:
        lo, hi, log = parse_random_range(spec, key, source=source)
    except ConfigError as exc:
        raise ConfigError(source, f"random.{exc.key}" if exc.key else "random", exc.rule) from None
    u = rng.random(n)
    values = np.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * u) if log else lo + (hi - lo) * u
    from ..grids import key_dimension

    dim = key_dimension(key)
    unit = SI_UNIT.get(dim, "") if dim else ""
    return Axis(key, values, values.copy(), unit, unit, log, dim)


@dataclass
class SweepFile:
    """A parsed sweep file: ``command`` (a name), ``input`` (the input file, resolved against the
    sweep file's folder), ``options`` (the [options] table as written) and the ``design``."""

    path: Path
    command: str
    input: Path
    input_as_written: str
    options: dict
    design: SweepDesign
    raw: dict

    @property
    def source(self) -> str:
        return str(self.path)

    def identity(self) -> dict:
        """What makes two sweeps the same sweep (the store's fingerprint, with the design): the
        command, the input file as written and its contents (SHA-256), the options."""
        return {"command": self.command, "input": self.input_as_written, "input_sha256": file_sha256(self.input),
                "options": {k: self.options[k] for k in sorted(self.options)}}

    def default_store(self) -> Path:
        """``SWEEP.zarr`` next to ``SWEEP.toml``."""
        return self.path.with_suffix(".zarr")


def read_sweep(path) -> SweepFile:
    """Read and check a sweep file (module docstring); ConfigError naming file, key and rule."""
    p = Path(path)
    source = str(path)
    raw = read_toml(p)
    for k in raw:
        if k not in SWEEP_KEYS:
            raise ConfigError(source, k, f"unknown key (allowed: {', '.join(SWEEP_KEYS)})")
    command = raw.get("command")
    if command is None:
        raise ConfigError(source, "command", "missing: the command to sweep (e.g. \"switch\")")
    if not isinstance(command, str) or not command:
        raise ConfigError(source, "command", "must be a command name")
    inp = raw.get("input")
    if inp is None:
        raise ConfigError(source, "input", "missing: the command's input file, relative to this file")
    if not isinstance(inp, str) or not inp:
        raise ConfigError(source, "input", "must be a file name")
    input_path = Path(inp) if Path(inp).is_absolute() else (p.parent / inp)
    if not input_path.is_file():
        raise ConfigError(source, "input", f"{inp!r} not found (looked for {str(input_path)!r})")
    options = raw.get("options", {})
    if not isinstance(options, dict):
        raise ConfigError(source, "options", "must be a table")
    for k, v in options.items():
        items = v if isinstance(v, list) else [v]
        if not items and isinstance(v, list):
            raise ConfigError(source, f"options.{k}", "an empty list")
        for item in items:
            if isinstance(item, (dict, list)) or (isinstance(item, float) and not math.isfinite(item)):
                raise ConfigError(source, f"options.{k}", "must be a value (text, number, true/false) or a list of values")
    design = SweepDesign.from_tables(raw.get("axes"), raw.get("zip"), raw.get("random"), source=source)
    return SweepFile(p, command, input_path, inp, dict(options), design, raw)


def fingerprint(design: SweepDesign, identity: dict | None = None) -> tuple[str, dict]:
    """(SHA-256, canonical description) of a sweep: its points and ``identity`` (what the caller
    evaluates at them), the package version and the store format. A store is resumed only by the
    sweep with its fingerprint."""
    from ..version import __version__

    canon = {"format": STORE_FORMAT, "version": __version__, **(identity or {}), "points": design.spec}
    text = json.dumps(canon, sort_keys=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest(), canon


def first_difference(a: dict, b: dict) -> str | None:
    """The first top-level entry in which two canonical descriptions differ (for the message)."""
    for k in list(a) + [k for k in b if k not in a]:
        if a.get(k) != b.get(k):
            if k == "points" and isinstance(a.get(k), dict) and isinstance(b.get(k), dict):
                return next((f"[{t}]" for t in ("axes", "zip", "random") if a[k].get(t) != b[k].get(t)), "points")
            return {"input_sha256": "the input file's contents", "version": "the package version",
                    "format": "the store format"}.get(k, k)
    return None
