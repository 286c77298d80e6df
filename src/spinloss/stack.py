"""Layer stacks: layers bottom to top, the interfaces between them, temperature and current.

A stack is read from a TOML file (``Stack.from_toml``) or a dict (``Stack.from_dict``). Values
are SI numbers or strings with units. Numeric values may also be numpy arrays (all broadcast to
one shape): that is how sweeps are evaluated in one vectorized pass (``Stack.with_values``).

Conventions (docs/physics.md section 2): layers are listed bottom (substrate side, z = 0) to top; the
film normal +z points up; the charge current flows along +x.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .config import check_keys, deep_copy, read_toml, require
from .errors import ConfigError, UnknownKeyError
from .materials import (MATERIAL_KEYS, Material, MaterialLibrary, check_value, default_library,
                        interface_kind_pair, load_library, material_from_table)
from .units import to_si

#: Top-level keys of a stack file (device files add their own tables).
STACK_KEYS = {"name", "temperature", "reference_temperature", "current_density", "layers",
              "interfaces", "library", "magnetization_direction", "description"}
LAYER_KEYS = {"name", "material", "thickness"} | set(MATERIAL_KEYS) | {"kind"}
INTERFACE_KEYS = {"between", "spin_mixing_conductance", "transmitted_mixing_conductance",
                  "spin_conductance", "magnon_interface_conductance"}


@dataclass(frozen=True)
class Layer:
    """One layer: a unique ``name``, its ``material`` and its ``thickness`` (m)."""

    name: str
    material: Material
    thickness: Any

    @property
    def kind(self) -> str:
        return self.material.kind


@dataclass(frozen=True)
class Interface:
    """The interface between layers ``index`` and ``index + 1`` (counted from the bottom).

    Attributes:
        spin_mixing_conductance: complex G_mix = G_r + i G_i (Ohm^-1 m^-2) for the spin component
            transverse to m at a normal-metal/ferromagnet interface: the transverse spin current
            leaving the metal is Q_N = G_mix psi_N - G_t psi_F (docs/transport.md, "Normal
            metal/ferromagnet interface"); with G_t = 0 all of it is absorbed at the interface.
        transmitted_mixing_conductance: complex G_t (Ohm^-1 m^-2, default 0): the part of the
            transverse spin that crosses into the magnet's own transverse channel,
            Q_F = G_t (psi_N - psi_F) (K.-W. Kim's transmitted mixing conductance).
        spin_conductance: G (Ohm^-1 m^-2) for the longitudinal channel of metal/metal interfaces
            (inf: u continuous); at a metal/perfect-sink interface, the conductance of every spin
            component into the sink (Q = G u, the sink at u = 0; finite).
        magnon_interface_conductance: G_int (Ohm^-1 m^-2) of a metal/AFI (or AFI/AFI) interface at
            the reference temperature: Q = G_int (u - u_m).
        specified: keys given in the file (the rest are library defaults).
    """

    index: int
    lower: str
    upper: str
    kinds: tuple
    spin_mixing_conductance: Any = None
    transmitted_mixing_conductance: Any = None
    spin_conductance: Any = None
    magnon_interface_conductance: Any = None
    specified: tuple = ()

    @property
    def is_reflecting(self) -> bool:
        """True where an insulator is on either side: no spin passes (Q = 0)."""
        return "insulator" in self.kinds


@dataclass(frozen=True)
class Stack:
    """A layer stack (bottom to top) with its temperature and reference current density.

    Attributes:
        name: label.
        layers: tuple of :class:`Layer`, bottom to top.
        interfaces: one :class:`Interface` for every pair of adjacent layers.
        temperature: K.
        reference_temperature: K, at which file values of temperature-dependent quantities hold.
        current_density: A/m^2 in the torque reference layer (see ``transport``).
        magnetization_direction: unit vector m of every ferromagnet (default +z) used to split
            spin into the parts along and transverse to m.
        source: the file it came from.
        raw: the parsed file contents (for overrides).
    """

    name: str
    layers: tuple
    interfaces: tuple
    temperature: Any = 300.0
    reference_temperature: float = 300.0
    current_density: Any = 1e11
    magnetization_direction: tuple = (0.0, 0.0, 1.0)
    source: str = "<api>"
    raw: dict = field(default=None, compare=False, hash=False, repr=False)
    library: MaterialLibrary = field(default=None, compare=False, hash=False, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_toml(cls, path: str | Path, *, overrides: dict | None = None,
                  library: MaterialLibrary | None = None) -> "Stack":
        """Read a stack file. ``overrides`` maps ``LAYER.KEY`` / ``interfaces.N.KEY`` / top-level
        keys to new values (numbers, strings with units, or numpy arrays for sweeps)."""
        raw = read_toml(path)
        return cls.from_dict(raw, source=str(path), overrides=overrides, library=library)

    @classmethod
    def from_dict(cls, raw: dict, *, source: str = "<api>", overrides: dict | None = None,
                  library: MaterialLibrary | None = None, extra_keys=()) -> "Stack":
        """Build and validate a stack from a dict with the layout of a stack file.

        ``extra_keys`` names further top-level tables that a caller (device files) handles.
        """
        raw = deep_copy(raw)
        base_dir = Path(source).parent if source and not source.startswith("<") else Path(".")
        if overrides:
            for key, value in overrides.items():
                apply_override(raw, key, value, source=source)
        check_keys(raw, STACK_KEYS | set(extra_keys), source=source, prefix="")
        lib = library
        if lib is None:
            lib_path = raw.get("library")
            if lib_path is not None:
                if not isinstance(lib_path, str):
                    raise ConfigError(source, "library", "must be a path string")
                p = Path(lib_path)
                if not p.is_absolute():
                    p = base_dir / p
                if not p.is_file():
                    raise ConfigError(source, "library", f"material library file {lib_path!r} not found")
                lib = load_library(p)
            else:
                lib = default_library()
        name = raw.get("name", Path(source).stem if not source.startswith("<") else "stack")
        if not isinstance(name, str):
            raise ConfigError(source, "name", "must be a string")
        temperature = to_si(raw.get("temperature", 300.0), "temperature", source=source, key="temperature")
        check_value(temperature, "pos", source=source, key="temperature")
        check_range(temperature, 0.0, MAX_TEMPERATURE, "K", source=source, key="temperature")
        t_ref = to_si(raw.get("reference_temperature", 300.0), "temperature", source=source,
                      key="reference_temperature")
        check_value(t_ref, "pos", source=source, key="reference_temperature")
        check_range(t_ref, MIN_REFERENCE_TEMPERATURE, MAX_TEMPERATURE, "K", source=source,
                    key="reference_temperature")
        if np.ndim(t_ref) != 0:
            raise ConfigError(source, "reference_temperature", "must be a single value")
        j = to_si(raw.get("current_density", 1e11), "current_density", source=source, key="current_density")
        check_value(j, "any", source=source, key="current_density")
        check_range(np.abs(j), 0.0, MAX_CURRENT_DENSITY, "A/m^2", source=source, key="current_density")
        mdir = raw.get("magnetization_direction", [0.0, 0.0, 1.0])
        mvec = parse_direction(mdir, source=source, key="magnetization_direction")

        layers_raw = require(raw, "layers", source=source)
        if not isinstance(layers_raw, list) or not layers_raw:
            raise ConfigError(source, "layers", "must be a non-empty array of tables ([[layers]])")
        names = layer_names(layers_raw, source=source)
        layers = []
        for i, (lname, lt) in enumerate(zip(names, layers_raw)):
            key = f"layers[{i}]"
            check_keys(lt, LAYER_KEYS, source=source, prefix=key)
            mat_spec = require(lt, "material", source=source, prefix=key)
            overrides_here = {k: v for k, v in lt.items() if k in MATERIAL_KEYS or k == "kind"}
            if isinstance(mat_spec, dict):
                mname = str(mat_spec.get("name", lname))
                table = {**mat_spec, **overrides_here}
                table.pop("name", None)
                base = None
                if "kind" not in table:
                    raise ConfigError(source, f"{key}.material.kind", "missing for an inline material")
                material = material_from_table(mname, table, source=source, key=f"{key}.material")
            elif isinstance(mat_spec, str):
                base = lib.lookup(mat_spec, source=source, key=f"{key}.material")
                if overrides_here:
                    material = material_from_table(base.name, overrides_here, source=source,
                                                   key=key, base=base)
                else:
                    material = base
            else:
                raise ConfigError(source, f"{key}.material", "must be a library name or an inline table")
            thickness = to_si(require(lt, "thickness", source=source, prefix=key), "length",
                              source=source, key=f"{key}.thickness")
            check_value(thickness, "pos", source=source, key=f"{key}.thickness")
            check_thickness(thickness, source=source, key=f"{key}.thickness")
            layers.append(Layer(lname, material, thickness))
        if not any(l.kind == "ferromagnet" for l in layers):
            raise ConfigError(source, "layers", "no ferromagnetic layer (a stack needs at least one magnet)")
        for i, l in enumerate(layers):
            if l.kind != "spin_sink":
                continue
            for k in (i - 1, i + 1):
                if 0 <= k < len(layers) and not (layers[k].material.is_metal or layers[k].kind == "insulator"):
                    raise ConfigError(source, f"layers[{i}]", f"a perfect spin sink ({l.name}) must touch a "
                                      f"metal (or an insulator), not a {layers[k].kind.replace('_', ' ')} "
                                      f"({layers[k].name}): it is the boundary condition of a metal's spin")

        interfaces = build_interfaces(layers, raw.get("interfaces", []), lib, source=source)
        stack = cls(name=name, layers=tuple(layers), interfaces=tuple(interfaces),
                    temperature=temperature, reference_temperature=float(t_ref), current_density=j,
                    magnetization_direction=tuple(mvec), source=source, raw=raw, library=lib)
        try:
            stack.shape
        except ValueError:
            raise ConfigError(source, None, "array-valued parameters do not broadcast to one shape") from None
        return stack

    # ------------------------------------------------------------------ queries
    def layer(self, name: str) -> Layer:
        for l in self.layers:
            if l.name == name:
                return l
        raise ConfigError(self.source, name, f"no layer named {name!r} (layers: {', '.join(self.layer_names)})")

    def index(self, name: str) -> int:
        for i, l in enumerate(self.layers):
            if l.name == name:
                return i
        raise ConfigError(self.source, name, f"no layer named {name!r} (layers: {', '.join(self.layer_names)})")

    @property
    def layer_names(self) -> list[str]:
        return [l.name for l in self.layers]

    @property
    def magnets(self) -> list[Layer]:
        return [l for l in self.layers if l.kind == "ferromagnet"]

    @property
    def shape(self) -> tuple:
        """Broadcast shape of all array-valued parameters (() for a single stack)."""
        arrays = [self.temperature, self.current_density]
        for l in self.layers:
            arrays.append(l.thickness)
            for k in MATERIAL_KEYS:
                v = getattr(l.material, k)
                if v is not None:
                    arrays.append(v)
        for itf in self.interfaces:
            for v in (itf.spin_mixing_conductance, itf.transmitted_mixing_conductance, itf.spin_conductance,
                      itf.magnon_interface_conductance):
                if v is not None:
                    arrays.append(v)
        return np.broadcast_shapes(*[np.shape(a) for a in arrays])

    def with_values(self, overrides: dict) -> "Stack":
        """A new stack with ``overrides`` applied (``LAYER.KEY``, ``interfaces.N.KEY``, or a
        top-level key); values may be numpy arrays, giving a vectorized stack."""
        if self.raw is None:
            raise ConfigError(self.source, None, "stack was not built from a file or dict")
        return Stack.from_dict(self.raw, source=self.source, overrides=overrides, library=self.library)

    def describe(self) -> str:
        rows = [f"{self.name}: {len(self.layers)} layers (bottom to top)"]
        for l in self.layers:
            rows.append(f"  {l.name:12s} {l.material.name:8s} {l.kind:28s} {np.asarray(l.thickness) * 1e9} nm")
        return "\n".join(rows)


# ---------------------------------------------------------------------- helpers

#: Physically meaningful film thicknesses (m): from 0.01 nm (a tenth of an atomic radius: the thin
#: limit of the model is still meaningful) to 100 um (a thick film); outside this range a value is
#: a typo (a unit missed, e.g. a 1 pm or a 1 km film), not a stack.
MIN_THICKNESS = 1e-11
MAX_THICKNESS = 1e-4


#: Temperatures (K) of a solid-state device: above 1e4 K nothing is solid (a typo).
MAX_TEMPERATURE = 1e4
#: The reference temperature of the temperature laws (K): they are normalized there, so it must be
#: a temperature where the magnon population is not vanishingly small.
MIN_REFERENCE_TEMPERATURE = 1.0
#: Largest current density (A/m^2) any file may give: 1e16 is four orders beyond the
#: electromigration limit of metal lines (~1e12); larger values are typos.
MAX_CURRENT_DENSITY = 1e16


#: Largest finite interface conductance (Ohm^-1 m^-2): 1e18 is 1000x the Sharvin conductance of
#: a metal (~1e15); larger values are typos (give "inf" for a transparent interface).
MAX_INTERFACE_CONDUCTANCE = 1e18


def check_conductance(value, *, source, key) -> None:
    arr = np.abs(np.asarray(value, dtype=float))
    finite = arr[np.isfinite(arr)]
    if finite.size and np.any(finite > MAX_INTERFACE_CONDUCTANCE):
        raise ConfigError(source, key, f"{float(finite.max()):.3g} Ohm^-1 m^-2 is beyond any interface "
                                       f"(maximum {MAX_INTERFACE_CONDUCTANCE:g}; give inf for a transparent one)")


def check_range(value, lo, hi, unit, *, source, key) -> None:
    """Refuse a value outside the physical range ``(lo, hi]`` (``[lo, hi]`` when lo > 0)."""
    arr = np.asarray(value, dtype=float)
    if np.any(arr > hi):
        raise ConfigError(source, key, f"{float(arr.max()):.3g} {unit} is beyond the physical range "
                                       f"(maximum {hi:g} {unit}): a missing unit?")
    if lo > 0 and np.any(arr < lo):
        raise ConfigError(source, key, f"{float(arr.min()):.3g} {unit} is below the physical range "
                                       f"(minimum {lo:g} {unit})")


def check_thickness(value, *, source, key) -> None:
    """Refuse a layer thickness outside [MIN_THICKNESS, MAX_THICKNESS] (physically absurd)."""
    arr = np.asarray(value, dtype=float)
    if np.any(arr < MIN_THICKNESS):
        raise ConfigError(source, key, f"{float(arr.min()):.3g} m is thinner than one atomic layer "
                                       f"(minimum {MIN_THICKNESS:g} m = 0.01 nm): a missing unit?")
    if np.any(arr > MAX_THICKNESS):
        raise ConfigError(source, key, f"{float(arr.max()):.3g} m is not a thin film (maximum "
                                       f"{MAX_THICKNESS:g} m = 100 um): a missing unit?")



def parse_direction(value, *, source, key) -> np.ndarray:
    """A 3-vector, normalized; ConfigError for a wrong length, NaN or zero vector."""
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise ConfigError(source, key, "must be a list of 3 numbers")
    vec = np.array([to_si(v, "dimensionless", source=source, key=f"{key}[{i}]") for i, v in enumerate(value)])
    big = float(np.max(np.abs(vec)))
    if not big > 0:
        raise ConfigError(source, key, "must not be the zero vector")
    vec = vec / big  # scale first: components near the float limit must not overflow the norm
    return vec / np.linalg.norm(vec)


def layer_names(layers_raw: list, *, source: str) -> list[str]:
    """Layer names: the ``name`` key, else the material name; repeated defaults get _2, _3, ..."""
    names: list[str] = []
    counts: dict[str, int] = {}
    for i, lt in enumerate(layers_raw):
        if not isinstance(lt, dict):
            raise ConfigError(source, f"layers[{i}]", "must be a table")
        if "name" in lt:
            n = lt["name"]
            if not isinstance(n, str) or not n:
                raise ConfigError(source, f"layers[{i}].name", "must be a non-empty string")
            if "." in n:
                raise ConfigError(source, f"layers[{i}].name", "must not contain '.'")
        else:
            m = lt.get("material")
            if isinstance(m, str):
                n = m
            elif isinstance(m, dict) and isinstance(m.get("name"), str):
                n = m["name"]
            else:
                n = f"layer{i}"
            counts[n] = counts.get(n, 0) + 1
            if counts[n] > 1:
                n = f"{n}_{counts[n]}"
        if n in names:
            raise ConfigError(source, f"layers[{i}].name", f"duplicate layer name {n!r}")
        names.append(n)
    return names


def build_interfaces(layers: list[Layer], interfaces_raw, lib: MaterialLibrary, *, source: str) -> list[Interface]:
    """One Interface per adjacent pair, library defaults filled in, file entries applied."""
    if not isinstance(interfaces_raw, list):
        raise ConfigError(source, "interfaces", "must be an array of tables ([[interfaces]])")
    index_of = {l.name: i for i, l in enumerate(layers)}
    given: dict[int, tuple[int, dict]] = {}
    for n, it in enumerate(interfaces_raw):
        key = f"interfaces[{n}]"
        check_keys(it, INTERFACE_KEYS, source=source, prefix=key)
        between = require(it, "between", source=source, prefix=key)
        if not (isinstance(between, list) and len(between) == 2 and all(isinstance(b, str) for b in between)):
            raise ConfigError(source, f"{key}.between", "must be a list of two layer names")
        for b in between:
            if b not in index_of:
                raise ConfigError(source, f"{key}.between", f"no layer named {b!r} (layers: {', '.join(index_of)})")
        ia, ib = index_of[between[0]], index_of[between[1]]
        if abs(ia - ib) != 1:
            raise ConfigError(source, f"{key}.between", f"layers {between[0]!r} and {between[1]!r} are not adjacent")
        lo = min(ia, ib)
        if lo in given:
            raise ConfigError(source, f"{key}.between", "this interface is already described")
        given[lo] = (n, it)

    out = []
    for i in range(len(layers) - 1):
        a, b = layers[i], layers[i + 1]
        kinds = (a.kind, b.kind)
        pair = interface_kind_pair(*kinds)
        defaults = dict(lib.interface_defaults.get(pair, {})) if pair else {}
        defaults.pop("references", None)
        vals: dict[str, Any] = {"spin_mixing_conductance": None, "transmitted_mixing_conductance": None,
                                "spin_conductance": None, "magnon_interface_conductance": None}
        specified: tuple = ()
        entries = [("<library>", "interface_defaults." + (pair or ""), defaults)]
        # material-pair defaults (e.g. "Pt/Py") override the kind pair's
        by_materials = lib.material_pair_defaults(a.material.name, b.material.name) if pair else None
        if by_materials is not None:
            table = {k: v for k, v in by_materials[1].items() if k != "references"}
            entries.append(("<library>", f"interface_defaults.{by_materials[0]}", table))
        if i in given:
            n, it = given[i]
            user = {k: v for k, v in it.items() if k != "between"}
            entries.append((source, f"interfaces[{n}]", user))
            specified = tuple(user)
        for src, prefix, table in entries:
            for k, v in table.items():
                key = f"{prefix}.{k}"
                if pair is None:
                    raise ConfigError(src, key, "an interface with an insulator reflects spin (Q = 0) and takes no conductance")
                if k == "spin_mixing_conductance":
                    if pair != "metal_ferromagnet" and not (pair == "metal_metal" and "ferromagnet" in kinds):
                        raise ConfigError(src, key, "only for a normal-metal/ferromagnet interface")
                    vals[k] = _complex_conductance(v, source=src, key=key)
                elif k == "transmitted_mixing_conductance":
                    if pair != "metal_ferromagnet":
                        raise ConfigError(src, key, "only for a normal-metal/ferromagnet interface")
                    vals[k] = _complex_conductance(v, source=src, key=key, allow_inf=False)
                elif k == "spin_conductance":
                    if pair == "metal_antiferromagnetic_insulator":
                        raise ConfigError(src, key, "a metal/AFI interface takes magnon_interface_conductance")
                    g = to_si(v, "interface_conductance", source=src, key=key, allow_inf=True)
                    check_value(g, "pos_or_inf", source=src, key=key)
                    check_conductance(g, source=src, key=key)
                    vals[k] = g
                elif k == "magnon_interface_conductance":
                    if pair != "metal_antiferromagnetic_insulator":
                        raise ConfigError(src, key, "only for an interface with an antiferromagnetic insulator")
                    g = to_si(v, "interface_conductance", source=src, key=key, allow_inf=True)
                    check_value(g, "nonneg_or_inf", source=src, key=key)
                    check_conductance(g, source=src, key=key)
                    vals[k] = g
        if pair == "metal_ferromagnet" and kinds[0] != kinds[1] and vals["spin_mixing_conductance"] is None:
            raise ConfigError(source, f"interface {a.name}/{b.name}", "spin_mixing_conductance missing and no library default")
        if pair in ("metal_metal", "metal_ferromagnet") and vals["spin_conductance"] is None:
            vals["spin_conductance"] = float("inf")
        if pair == "metal_ferromagnet":
            if vals["transmitted_mixing_conductance"] is None:
                vals["transmitted_mixing_conductance"] = 0.0
            gt, gm = vals["transmitted_mixing_conductance"], vals["spin_mixing_conductance"]
            if gm is not None and np.any(np.real(gt) > np.real(gm)):
                where = f"interfaces[{given[i][0]}]" if i in given else f"interface {a.name}/{b.name}"
                raise ConfigError(source, where, "transmitted_mixing_conductance must not exceed the real part of "
                                  "spin_mixing_conductance (the interface would create spin: G_mix - G_t is "
                                  "what it absorbs)")
        if pair == "metal_spin_sink" and vals["spin_conductance"] is None:
            raise ConfigError(source, f"interface {a.name}/{b.name}", "spin_conductance missing and no library default")
        if pair == "metal_spin_sink" and np.any(np.isinf(np.asarray(vals["spin_conductance"], dtype=float))):
            where = f"interfaces[{given[i][0]}]" if i in given else f"interface {a.name}/{b.name}"
            raise ConfigError(source, f"{where}.spin_conductance", "must be finite for a perfect sink (an "
                              "infinite conductance pumps spin out of the magnet without limit: alpha -> inf)")
        if pair == "metal_antiferromagnetic_insulator" and vals["magnon_interface_conductance"] is None:
            raise ConfigError(source, f"interface {a.name}/{b.name}", "magnon_interface_conductance missing and no library default")
        out.append(Interface(i, a.name, b.name, kinds, specified=specified, **vals))
    return out


def _complex_conductance(v, *, source, key, allow_inf=True):
    if isinstance(v, (list, tuple)):
        if len(v) != 2:
            raise ConfigError(source, key, "must be [real, imaginary] in Ohm^-1 m^-2")
        re = to_si(v[0], "interface_conductance", source=source, key=f"{key}[0]", allow_inf=allow_inf)
        im = to_si(v[1], "interface_conductance", source=source, key=f"{key}[1]")
    else:
        re = to_si(v, "interface_conductance", source=source, key=key, allow_inf=allow_inf)
        im = 0.0
    check_value(re, "nonneg_or_inf" if allow_inf else "nonneg", source=source, key=f"{key} (real part)")
    check_value(im, "any", source=source, key=f"{key} (imaginary part)")
    check_conductance(re, source=source, key=f"{key} (real part)")
    check_conductance(im, source=source, key=f"{key} (imaginary part)")
    return np.asarray(re) + 1j * np.asarray(im) if (np.ndim(re) or np.ndim(im)) else complex(re, im)


def apply_override(raw: dict, key: str, value, *, source: str) -> None:
    """Apply ``LAYER.KEY=value``, ``interfaces.N.KEY=value`` or ``KEY=value`` to a raw stack dict.

    For ``interfaces.N`` N is the 0-based position in the file's [[interfaces]] list; a layer is
    named as in the file (default: its material name, repeated names made unique with _2, _3).
    """
    cli = "<command line>"
    parts = key.split(".")
    if len(parts) == 1:
        raw[key] = value
        return
    if parts[0] == "interfaces":
        if len(parts) != 3:
            raise UnknownKeyError(cli, key, "expected interfaces.N.KEY")
        try:
            n = int(parts[1])
        except ValueError:
            raise UnknownKeyError(cli, key, "N in interfaces.N.KEY must be an integer") from None
        lst = raw.get("interfaces", [])
        if not (0 <= n < len(lst)):
            raise UnknownKeyError(cli, key, f"{source} has {len(lst)} [[interfaces]] entries")
        if parts[2] not in INTERFACE_KEYS - {"between"}:
            raise UnknownKeyError(cli, key, f"unknown interface key (allowed: {', '.join(sorted(INTERFACE_KEYS - {'between'}))})")
        if parts[2] in ("spin_mixing_conductance", "transmitted_mixing_conductance") and not isinstance(value, (list, tuple)):
            old = lst[n].get(parts[2])
            imag = old[1] if isinstance(old, list) and len(old) == 2 else 0.0
            value = [value, imag]
        lst[n][parts[2]] = value
        return
    if len(parts) != 2:
        raise UnknownKeyError(cli, key, "expected LAYER.KEY, interfaces.N.KEY or a top-level key")
    lname, lkey = parts
    layers = raw.get("layers")
    if not isinstance(layers, list):
        raise ConfigError(source, "layers", "missing")
    names = layer_names(layers, source=source)
    if lname not in names:
        raise UnknownKeyError(cli, key, f"no layer named {lname!r} (layers: {', '.join(names)})")
    if lkey not in LAYER_KEYS - {"name"}:
        raise UnknownKeyError(cli, key, f"unknown layer key {lkey!r}")
    layers[names.index(lname)][lkey] = value
