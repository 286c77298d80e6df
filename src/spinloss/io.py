"""Leaf helpers any layer may use: JSON encoding of results, atomic file output, provenance,
and the flattening of a JSON result into numeric variables (for xarray and the sweep store).

Encoding rules (the same everywhere):

* numpy arrays -> nested lists, numpy scalars -> Python numbers, non-finite floats -> ``null``;
* complex numbers -> ``{"real": x, "imag": y}`` (arrays of complex: ``{"real": [...], "imag": [...]}``);
* a result's units live in its ``"units"`` table, keyed by field name (the last component of a
  dotted key), SI unit strings ("A/m^2", "s", "J", "1" for dimensionless).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .errors import SpinlossInputError


# ============================================================================ JSON encoding


def to_jsonable(obj: Any) -> Any:
    """Convert results to plain JSON types (module docstring); objects with ``to_json`` give
    their dict."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, complex):
        return {"real": to_jsonable(obj.real), "imag": to_jsonable(obj.imag)}
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "c":
            return {"real": to_jsonable(obj.real.tolist()), "imag": to_jsonable(obj.imag.tolist())}
        if obj.dtype.kind in "US":
            return [str(x) for x in obj.ravel()] if obj.ndim else str(obj)
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "to_json"):
        return to_jsonable(obj.to_json())
    return str(obj)


class JsonResult:
    """The result protocol: ``to_json()`` (plain JSON types through :func:`to_jsonable`) and
    ``to_xarray()`` (the numeric fields as an ``xarray.Dataset`` with units in the attributes).

    Subclasses implement :meth:`as_dict` (fields with numpy values allowed; include a ``units``
    table); they may override :meth:`to_xarray` where the result has natural dimensions.
    """

    def as_dict(self) -> dict:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def to_json(self) -> dict:
        return to_jsonable(self.as_dict())

    def to_xarray(self):
        return dataset_from_json(self.to_json())


# ============================================================================ flattening


def _keyed_list(items: list) -> list[str] | None:
    """Names for a list of tables when every table has a distinct string ``name`` or ``layer``."""
    for k in ("name", "layer"):
        names = [it.get(k) for it in items]
        if all(isinstance(n, str) and n for n in names) and len(set(names)) == len(names):
            return names
    return None


def _numeric_array(value):
    """A float array for a JSON value made of numbers and nulls (None if it is not numeric or
    ragged)."""
    if isinstance(value, bool):
        return np.asarray(float(value))
    if isinstance(value, (int, float)):
        return np.asarray(float(value))
    if isinstance(value, np.ndarray):
        return value.astype(float) if value.dtype.kind in "biuf" else None
    if value is None:
        return None
    if isinstance(value, list):
        if not value:
            return None
        try:
            arr = np.array(value, dtype=object)
        except ValueError:
            return None
        if arr.dtype != object:
            return None
        flat = arr.ravel()
        if any(isinstance(x, (list, dict, str)) for x in flat):
            return None
        if not any(isinstance(x, (int, float)) and not isinstance(x, bool) for x in flat):
            return None
        return np.array([np.nan if x is None else float(x) for x in flat]).reshape(arr.shape)
    return None


def flatten_numeric(data: dict, *, skip=("units", "provenance")) -> dict[str, np.ndarray]:
    """The numeric fields of a JSON result: ``{"a.b.c": float array}``.

    Nested tables are joined with ``.``; a list of tables with distinct ``name``/``layer`` keys is
    keyed by those names, other lists of tables by index; complex ``{"real", "imag"}`` pairs give
    ``key.real`` and ``key.imag``; nulls become NaN; strings and ragged lists are left out.
    """
    out: dict[str, np.ndarray] = {}

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for k, v in value.items():
                if not prefix and k in skip:
                    continue
                walk(f"{prefix}.{k}" if prefix else str(k), v)
            return
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            names = _keyed_list(value) or [str(i) for i in range(len(value))]
            for name, v in zip(names, value):
                walk(f"{prefix}.{name}", v)
            return
        arr = _numeric_array(value)
        if arr is not None:
            out[prefix] = arr

    walk("", data)
    return out


def unit_of(key: str, units: dict | None) -> str | None:
    """The unit of dotted ``key`` from a result's ``units`` table (exact key, else its last
    component, else the table's ``"*"`` entry: the unit of every field it does not list, given by
    results whose other numbers are all counts, spins or probabilities); None if the result does
    not say."""
    if not units:
        return None
    if key in units and isinstance(units[key], str):
        return units[key]
    last = key.rsplit(".", 1)[-1]
    if last in ("real", "imag") and "." in key:
        last = key.rsplit(".", 2)[-2]
    u = units.get(last, units.get("*"))
    return u if isinstance(u, str) else None


def dataset_from_json(data: dict):
    """An ``xarray.Dataset`` of the numeric fields of a JSON result (see :func:`flatten_numeric`);
    array fields get dimensions ``<key>_dim<i>``; units from the result's ``units`` table."""
    import xarray as xr

    units = data.get("units") if isinstance(data.get("units"), dict) else {}
    variables = {}
    for key, arr in flatten_numeric(data).items():
        dims = tuple(f"{key}_dim{i}" for i in range(arr.ndim))
        attrs = {}
        u = unit_of(key, units)
        if u is not None:
            attrs["units"] = u
        variables[key] = xr.DataArray(arr, dims=dims, attrs=attrs)
    attrs = {k: (int(v) if isinstance(v, bool) else v) for k, v in data.items()
             if isinstance(v, (str, int, float, bool)) and not (isinstance(v, float) and not math.isfinite(v))}
    if isinstance(data.get("provenance"), dict):
        attrs.update(provenance_attrs(data["provenance"]))
    return xr.Dataset(variables, attrs=attrs)


# ============================================================================ atomic output


@contextlib.contextmanager
def atomic_path(path, *, mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix, so writers that look at it choose the
    format); on success it replaces ``path`` in one rename, on any error it is removed. A reader
    never sees a half-written file, and a crash leaves the old file (or none). The one-file case
    of :func:`atomic_paths`."""
    with atomic_paths([path], mode=mode) as (tmp,):
        yield tmp


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) inside the block and deliver it when the block ends (in the main
    thread; elsewhere signals cannot be handled and the block runs as is)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is signal.SIG_IGN:   # (a worker process ignores Ctrl-C)
        yield
        return
    caught: list = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        if callable(previous):
            previous(signal.SIGINT, None)
        else:
            raise KeyboardInterrupt


@contextlib.contextmanager
def atomic_paths(paths, *, mode: int = 0o644) -> Iterator[list]:
    """Several files that are replaced together: yields one temporary path beside each of
    ``paths`` (same suffix as its target); when the block succeeds they replace their targets one
    rename after the other with Ctrl-C held back (:func:`interrupts_held`), on any error (Ctrl-C
    included) every temporary file is removed and no target is touched. A run stopped while the
    files are written leaves every old file; one that finishes leaves every new one; never a mix."""
    targets = [Path(p) for p in paths]
    tmps: list = []
    try:
        for target in targets:
            directory = target.parent if str(target.parent) else Path(".")
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".part{target.suffix}", dir=directory)
            os.close(fd)
            tmps.append(Path(tmp))
        yield list(tmps)
        for tmp in tmps:
            os.chmod(tmp, mode)
        with interrupts_held():
            for tmp, target in zip(tmps, targets):
                os.replace(tmp, target)
    except BaseException:
        for tmp in tmps:
            with contextlib.suppress(OSError):
                if tmp.is_dir():
                    import shutil

                    shutil.rmtree(tmp)
                elif tmp.exists():
                    tmp.unlink()
        raise


def write_text_atomic(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes_atomic(path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def check_output_path(path, *, key: str, suffixes=None, source: str = "<command line>") -> Path:
    """Refuse, before any work, an output path that cannot be written: a missing or non-directory
    parent, a parent without write permission, an existing directory in its place, or a suffix
    not in ``suffixes``. Returns the path."""
    p = Path(path)
    if suffixes is not None:
        suf = p.suffix.lower()
        if suf not in suffixes:
            raise SpinlossInputError(source, key, f"{str(path)!r}: give a file ending in {', '.join(suffixes)}")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise SpinlossInputError(source, key, f"{str(path)!r}: folder {str(parent)!r} does not exist")
    if not parent.is_dir():
        raise SpinlossInputError(source, key, f"{str(path)!r}: {str(parent)!r} is not a folder")
    if not os.access(parent, os.W_OK):
        raise SpinlossInputError(source, key, f"{str(path)!r}: folder {str(parent)!r} is not writable")
    if p.is_dir() and suffixes is not None:
        raise SpinlossInputError(source, key, f"{str(path)!r} is a folder, not a file")
    return p


# ============================================================================ provenance


def file_sha256(path) -> str | None:
    """SHA-256 of a file's bytes (None if it cannot be read)."""
    try:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 16), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None


#: The command line being run (set by the command-line entry point, which may be called with its
#: own argument list); None: ``sys.argv``.
COMMAND_LINE: list | None = None


def set_command_line(argv) -> None:
    """Record the command line of the command being run, for the provenance of its outputs."""
    global COMMAND_LINE
    COMMAND_LINE = [str(a) for a in argv]


def current_command_line() -> list:
    return list(COMMAND_LINE if COMMAND_LINE is not None else sys.argv)


def provenance(inputs=(), *, seeds: dict | None = None, command_line=None, extra: dict | None = None) -> dict:
    """Where a result came from: package version, input files with their SHA-256, the command
    line (default: the one being run, :func:`current_command_line`), seeds and the time (UTC,
    ISO 8601)."""
    from .version import __version__

    files = []
    for p in inputs:
        if p is None:
            continue
        files.append({"path": str(p), "sha256": file_sha256(p)})
    out = {
        "package": "spinloss",
        "version": __version__,
        "python": sys.version.split()[0],
        "inputs": files,
        "command_line": current_command_line() if command_line is None else list(command_line),
        "seeds": dict(seeds or {}),
        "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    if extra:
        out.update(extra)
    return out


def provenance_attrs(prov: dict) -> dict:
    """Provenance flattened into string/number attributes (NetCDF and Zarr attributes)."""
    import json

    attrs = {"spinloss_version": str(prov.get("version", "")),
             "provenance_time": str(prov.get("time", "")),
             "command_line": " ".join(str(a) for a in prov.get("command_line", [])),
             "seeds": json.dumps(prov.get("seeds", {})),
             "inputs": json.dumps(prov.get("inputs", []))}
    for i, f in enumerate(prov.get("inputs", [])):
        attrs[f"input_{i}"] = str(f.get("path"))
        attrs[f"input_{i}_sha256"] = str(f.get("sha256"))
    return attrs


# ============================================================================ stacking


def stack_results(results: list, shape: tuple):
    """Per-point JSON results (flat, C order over ``shape``; None for a failed point) -> one JSON
    result whose numeric leaves are arrays over ``shape`` (NaN where a point failed or lacks the
    field, e.g. a null switching time). The structure (tables, lists of tables, text) is the
    first successful result's, completed by the later ones; a numeric leaf that is itself an
    array gets the grid's dimensions first."""
    good = [r for r in results if r is not None]
    if not good:
        return None
    n = len(results)

    def value_at(r, path):
        v = r
        try:
            for p in path:
                v = v[p]
        except (KeyError, IndexError, TypeError):
            return None
        return v

    def template_at(path):
        """The first result's value at ``path`` that is not null (numbers decide the leaf shape)."""
        first = None
        for r in good:
            v = value_at(r, path)
            if v is None:
                continue
            if first is None:
                first = v
            if _numeric_array(v) is not None:
                return v
        return first

    def build(path):
        node = template_at(path)
        if isinstance(node, dict):
            keys = []
            for r in good:  # keys in order of first appearance
                v = value_at(r, path)
                if isinstance(v, dict):
                    keys += [k for k in v if k not in keys]
            if set(keys) == {"real", "imag"}:
                return {"real": build(path + ("real",)), "imag": build(path + ("imag",))}
            return {k: build(path + (k,)) for k in keys}
        if isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
            return [build(path + (i,)) for i in range(len(node))]
        arr = _numeric_array(node)
        if arr is None:
            return node
        out = np.full((n,) + arr.shape, np.nan)
        for i, r in enumerate(results):
            a = _numeric_array(value_at(r, path)) if r is not None else None
            if a is not None and a.shape == arr.shape:
                out[i] = a
        return out.reshape(tuple(shape) + arr.shape)

    return build(())
