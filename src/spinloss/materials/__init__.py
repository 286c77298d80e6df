"""The materials library: sourced defaults for ferromagnets, heavy metals, AFIs and insulators.

The library is one TOML data file (``library.toml`` beside this module). Users may load their
own file (same format) which extends or overrides the built-in one, and may override any key per
layer in a stack file. All values are SI at the reference temperature (300 K by default).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..config import check_keys
from ..errors import ConfigError
from ..units import to_si

KINDS = ("ferromagnet", "normal_metal", "antiferromagnetic_insulator", "insulator", "spin_sink")

#: Material keys: (dimension, allowed kinds, rule). Rules: "pos" > 0, "nonneg" >= 0,
#: "any" finite, "pos_or_inf" > 0 or inf, "nonneg_or_inf" >= 0 or inf, "unit" in [0, 1).
MATERIAL_KEYS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "resistivity": ("resistivity", ("ferromagnet", "normal_metal"), "pos"),
    "spin_hall_angle": ("dimensionless", ("ferromagnet", "normal_metal"), "any"),
    "spin_anomalous_hall_angle": ("dimensionless", ("ferromagnet",), "any"),
    "spin_diffusion_length": ("length", ("ferromagnet", "normal_metal"), "pos_or_inf"),
    "saturation_magnetization": ("magnetization", ("ferromagnet",), "pos"),
    "damping": ("dimensionless", ("ferromagnet",), "pos"),
    "spin_precession_length": ("length", ("ferromagnet",), "pos_or_inf"),
    "spin_dephasing_length": ("length", ("ferromagnet",), "nonneg_or_inf"),
    "neel_temperature": ("temperature", ("antiferromagnetic_insulator",), "pos"),
    "magnon_diffusion_length": ("length", ("antiferromagnetic_insulator",), "pos_or_inf"),
    "magnon_spin_conductivity": ("conductivity", ("antiferromagnetic_insulator",), "pos"),
    "magnon_gap_frequency_low": ("frequency", ("antiferromagnetic_insulator",), "nonneg"),
    "magnon_gap_frequency_high": ("frequency", ("antiferromagnetic_insulator",), "nonneg"),
    "neel_finite_size_length": ("length", ("antiferromagnetic_insulator",), "nonneg"),
    "neel_finite_size_exponent": ("dimensionless", ("antiferromagnetic_insulator",), "pos"),
    # heat flow and the magnet's temperature laws (docs/heating.md); optional per material, needed
    # by the Joule heating model of a device (``[heating]``)
    "curie_temperature": ("temperature", ("ferromagnet",), "pos"),
    "thermal_conductivity": ("thermal_conductivity", KINDS, "pos"),
    "heat_capacity": ("heat_capacity", KINDS, "pos"),
}

#: The keys of the heat flow (every kind of material may carry them, insulators included).
THERMAL_KEYS = ("thermal_conductivity", "heat_capacity")

#: Physical ranges of the material keys (SI; magnitudes for the angles; inf allowed where the rule
#: allows it). A value outside is a typo (a unit missed), not a material: refused with the range.
MATERIAL_RANGES: dict[str, tuple[float, float]] = {
    "resistivity": (1e-9, 1e-2),                 # below Ag (1.6e-8) / 10 .. a poor conductor
    "spin_hall_angle": (0.0, 10.0),
    "spin_anomalous_hall_angle": (0.0, 10.0),
    "spin_diffusion_length": (1e-11, 1e-3),
    "saturation_magnetization": (1e3, 1e7),      # a weak magnet .. 5x Fe
    "damping": (1e-6, 10.0),
    "spin_precession_length": (1e-12, 1e-3),
    "spin_dephasing_length": (0.0, 1e-3),
    "neel_temperature": (1.0, 1e4),
    "magnon_diffusion_length": (1e-11, 1.0),
    "magnon_spin_conductivity": (1e-6, 1e12),
    "magnon_gap_frequency_low": (1e9, 1e14),     # 1 GHz .. 100 THz (a magnon gap, not a typo)
    "magnon_gap_frequency_high": (1e9, 1e14),
    "neel_finite_size_length": (1e-11, 1e-7),    # 0.01 nm .. 100 nm
    "neel_finite_size_exponent": (0.1, 10.0),
    "curie_temperature": (1.0, 1e4),
    "thermal_conductivity": (1e-3, 1e4),       # an aerogel (~0.01) .. beyond diamond (~2000)
    "heat_capacity": (1e4, 1e8),               # per volume: solids are 1-5e6 J/m^3/K
}

#: Keys a material of each kind must have.
REQUIRED = {
    "ferromagnet": ("resistivity", "spin_diffusion_length", "saturation_magnetization", "damping",
                    "spin_precession_length", "spin_dephasing_length"),
    "normal_metal": ("resistivity", "spin_diffusion_length"),
    "antiferromagnetic_insulator": ("neel_temperature", "magnon_diffusion_length",
                                    "magnon_spin_conductivity"),
    "insulator": (),
    # a perfect spin sink: a reservoir held at zero spin accumulation (docs/physics.md sec. 3.8);
    # it has no bulk parameters, the interface in front of it sets how much spin it takes
    "spin_sink": (),
}

_META_KEYS = ("kind", "aliases", "references", "name", "description")

_BUILTIN = Path(__file__).with_name("library.toml")


def check_value(value, rule: str, *, source, key) -> None:
    """Raise ConfigError if ``value`` (scalar or array) breaks ``rule``."""
    arr = np.asarray(value, dtype=float)
    if np.any(np.isnan(arr)):
        raise ConfigError(source, key, "is NaN")
    if rule == "pos" and not np.all((arr > 0) & np.isfinite(arr)):
        raise ConfigError(source, key, "must be positive and finite")
    if rule == "nonneg" and not np.all((arr >= 0) & np.isfinite(arr)):
        raise ConfigError(source, key, "must be >= 0 and finite")
    if rule == "any" and not np.all(np.isfinite(arr)):
        raise ConfigError(source, key, "must be finite")
    if rule == "pos_or_inf" and not np.all(arr > 0):
        raise ConfigError(source, key, "must be positive (inf allowed)")
    if rule == "nonneg_or_inf" and not np.all(arr >= 0):
        raise ConfigError(source, key, "must be >= 0 (inf allowed)")


def check_material_range(name: str, value, *, source, key) -> None:
    """Refuse a material value outside :data:`MATERIAL_RANGES` (inf passes where allowed)."""
    lo, hi = MATERIAL_RANGES[name]
    arr = np.abs(np.asarray(value, dtype=float))
    finite = arr[np.isfinite(arr)]
    if finite.size == 0:
        return
    from ..units import SI_UNIT

    unit = SI_UNIT.get(MATERIAL_KEYS[name][0], "")
    u = f" {unit}" if unit and unit != "1" else ""   # a dimensionless value reads "1e+30", not "1e+30 1"
    what = name.replace("_", " ")
    if np.any(finite > hi):
        raise ConfigError(source, key, f"{float(finite.max()):.3g}{u} is beyond the physical range of {what} "
                                       f"(maximum {hi:g}{u}): a missing unit?")
    if lo > 0 and np.any((finite < lo) & (finite > 0 if MATERIAL_KEYS[name][2] in ("nonneg", "nonneg_or_inf", "any") else True)):
        raise ConfigError(source, key, f"{float(finite.min()):.3g}{u} is below the physical range of {what} "
                                       f"(minimum {lo:g}{u}): a missing unit?")


@dataclass(frozen=True)
class Material:
    """A material with its transport and magnetic parameters (SI units).

    Attributes (absent ones are None):
        name: library name.
        kind: ferromagnet | normal_metal | antiferromagnetic_insulator | insulator | spin_sink (a
            perfect sink: zero spin accumulation, no bulk parameters).
        resistivity: Ohm*m.
        spin_hall_angle: spin Hall (metals) or spin-Hall-like (ferromagnets) angle theta; Q_z,y = theta J_x.
        spin_anomalous_hall_angle: ferromagnets: source polarized along m, Q_z = theta_AH J_x (m.y) m.
        spin_diffusion_length: m (lambda_sf; for ferromagnets the longitudinal one).
        saturation_magnetization: A/m.
        damping: Gilbert alpha.
        spin_precession_length: m (lambda_J; inf switches precession off).
        spin_dephasing_length: m (lambda_phi; 0 = transverse spin absorbed at the interface).
        neel_temperature: K.
        magnon_diffusion_length: m (lambda_m at the reference temperature).
        magnon_spin_conductivity: Ohm^-1 m^-1 (sigma_m at the reference temperature; Q_m = -sigma_m du_m/dz).
        magnon_gap_frequency_low, magnon_gap_frequency_high: Hz, the gaps Delta/h of the two magnon
            branches of an AFI (linear dispersion above the gap; the thermal population law of
            ``transport.MagnonTemperatureLaw``). 0 = gapless.
        neel_finite_size_length, neel_finite_size_exponent: t0 (m) and lambda of the finite-size law
            T_N(t) = T_N,bulk [1 - (t0/t)^lambda] of a film of thickness t (``neel_temperature`` is the
            bulk value); t0 = 0 switches it off.
        curie_temperature: K (ferromagnets: the Bloch law of M_s(T), docs/heating.md).
        thermal_conductivity: W/m/K (heat flow across the film, docs/heating.md).
        heat_capacity: J/m^3/K (per volume).
        references: key -> source string.
    """

    name: str
    kind: str
    resistivity: Any = None
    spin_hall_angle: Any = 0.0
    spin_anomalous_hall_angle: Any = 0.0
    spin_diffusion_length: Any = None
    saturation_magnetization: Any = None
    damping: Any = None
    spin_precession_length: Any = None
    spin_dephasing_length: Any = None
    neel_temperature: Any = None
    magnon_diffusion_length: Any = None
    magnon_spin_conductivity: Any = None
    magnon_gap_frequency_low: Any = None
    magnon_gap_frequency_high: Any = None
    neel_finite_size_length: Any = None
    neel_finite_size_exponent: Any = None
    curie_temperature: Any = None
    thermal_conductivity: Any = None
    heat_capacity: Any = None
    references: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_metal(self) -> bool:
        return self.kind in ("ferromagnet", "normal_metal")

    @property
    def is_magnet(self) -> bool:
        return self.kind == "ferromagnet"

    def with_values(self, **values) -> "Material":
        return replace(self, **values)


def material_from_table(name: str, table: dict, *, source: str, key: str,
                        base: Material | None = None) -> Material:
    """Build a Material from a TOML table (plain SI numbers or strings with units).

    ``base`` supplies defaults (a library entry being overridden).
    """
    if not isinstance(table, dict):
        raise ConfigError(source, key, "must be a table")
    kind = table.get("kind", base.kind if base else None)
    if kind is None:
        raise ConfigError(source, f"{key}.kind", f"missing (one of {', '.join(KINDS)})")
    if kind not in KINDS:
        raise ConfigError(source, f"{key}.kind", f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    values: dict[str, Any] = {}
    if base is not None and base.kind == kind:
        values = {f.name: getattr(base, f.name) for f in fields(Material)
                  if f.name not in ("name", "kind", "references")}
    refs = dict(base.references) if base is not None else {}
    for k, v in table.items():
        if k in _META_KEYS:
            if k == "references":
                if not isinstance(v, dict):
                    raise ConfigError(source, f"{key}.references", "must be a table of strings")
                refs.update({str(a): str(b) for a, b in v.items()})
            continue
        if k not in MATERIAL_KEYS:
            raise ConfigError(source, f"{key}.{k}", f"unknown material key (known: {', '.join(MATERIAL_KEYS)})")
        dim, kinds, rule = MATERIAL_KEYS[k]
        if kind not in kinds:
            raise ConfigError(source, f"{key}.{k}", f"not a property of a {kind.replace('_', ' ')}")
        val = to_si(v, dim, source=source, key=f"{key}.{k}", allow_inf=rule.endswith("or_inf"))
        check_value(val, rule, source=source, key=f"{key}.{k}")
        check_material_range(k, val, source=source, key=f"{key}.{k}")
        values[k] = val
        if base is not None and k in refs and k in table:
            refs[k] = f"user value (library: {refs[k]})"
    for k in REQUIRED[kind]:
        if values.get(k) is None:
            raise ConfigError(source, f"{key}.{k}", f"missing (required for a {kind.replace('_', ' ')})")
    if kind == "insulator":
        # an insulator carries no charge or spin current: only its heat flow keys remain
        values = {k: v for k, v in values.items() if k in THERMAL_KEYS}
    return Material(name=name, kind=kind, references=refs, **values)


@dataclass(frozen=True)
class MaterialLibrary:
    """Named materials plus interface defaults, from one or more TOML files.

    ``interface_defaults`` maps a kind pair (``metal_ferromagnet``, ...) or a material pair
    (``"Pt/Py"``, library names, either order) to its default values; a material pair's values
    take precedence over its kind pair's (:meth:`interface_values`).
    """

    materials: dict
    aliases: dict
    interface_defaults: dict
    sources: tuple

    def lookup(self, name: str, *, source: str, key: str) -> Material:
        """The material called ``name`` (or one of its aliases); ConfigError if unknown."""
        canonical = self.aliases.get(name.lower())
        if canonical is None:
            known = ", ".join(sorted(self.materials))
            raise ConfigError(source, key, f"unknown material {name!r} (known: {known})")
        return self.materials[canonical]

    def extended(self, path: str | Path) -> "MaterialLibrary":
        """A library with the entries of the TOML file ``path`` added (overriding same names)."""
        return _build_library([*self.sources, str(path)])

    def material_pair_defaults(self, name_a: str, name_b: str) -> tuple[str, dict] | None:
        """(table name, values) of the material-pair defaults of materials ``name_a``, ``name_b``
        (either order), or None."""
        for key in (f"{name_a}/{name_b}", f"{name_b}/{name_a}"):
            if key in self.interface_defaults:
                return key, self.interface_defaults[key]
        return None


def interface_kind_pair(kind_a: str, kind_b: str) -> str | None:
    """The interface-default table of two adjacent layer kinds (None: an insulator reflects)."""
    kinds = {kind_a, kind_b}
    if "insulator" in kinds:
        return None
    if "spin_sink" in kinds:
        # only a metal passes spin into a perfect sink (the stack refuses other neighbours)
        return "metal_spin_sink"
    if "antiferromagnetic_insulator" in kinds:
        return "metal_antiferromagnetic_insulator"
    if kinds == {"ferromagnet", "normal_metal"}:
        return "metal_ferromagnet"
    return "metal_metal"


def _read_toml(path: str, *, source_for_errors: str) -> dict:
    from ..config import read_toml

    if not Path(path).is_file():
        raise ConfigError(source_for_errors, "library", f"material library file {path!r} not found")
    return read_toml(path)


#: Keys of each interface-default table (kind pairs; a material pair takes those of its kinds).
INTERFACE_PAIRS = {"metal_ferromagnet": ("spin_mixing_conductance", "transmitted_mixing_conductance",
                                         "spin_conductance"),
                   "metal_metal": ("spin_mixing_conductance", "spin_conductance"),
                   "metal_antiferromagnetic_insulator": ("magnon_interface_conductance",),
                   "metal_spin_sink": ("spin_conductance",)}


def _build_library(paths: list[str]) -> MaterialLibrary:
    materials: dict[str, Material] = {}
    aliases: dict[str, str] = {}
    iface: dict[str, dict] = {}
    pending_pairs: list[tuple[str, str, dict]] = []   # (path, "A/B", values): checked at the end
    for path in paths:
        data = _read_toml(path, source_for_errors=path)
        for name, table in data.items():
            if name == "interface_defaults":
                if not isinstance(table, dict):
                    raise ConfigError(path, name, "must be a table of tables")
                for pair, vals in table.items():
                    if not isinstance(vals, dict):
                        raise ConfigError(path, f"{name}.{pair}", "must be a table")
                    if "/" in pair:
                        pending_pairs.append((path, pair, vals))
                        continue
                    if pair not in INTERFACE_PAIRS:
                        raise ConfigError(path, f"{name}.{pair}", "unknown interface kind pair "
                                          f"(known: {', '.join(INTERFACE_PAIRS)}; or a material pair \"A/B\")")
                    check_keys(vals, set(INTERFACE_PAIRS[pair]) | {"references"}, source=path,
                               prefix=f"{name}.{pair}")
                    iface[pair] = {**iface.get(pair, {}), **vals}
                continue
            if not isinstance(table, dict):
                raise ConfigError(path, name, "each material must be a table")
            base = materials.get(name)
            mat = material_from_table(name, table, source=path, key=name, base=base)
            materials[name] = mat
            aliases[name.lower()] = name
            for alias in table.get("aliases", []):
                aliases[str(alias).lower()] = name
    for path, pair, vals in pending_pairs:
        key = f"interface_defaults.{pair}"
        names = pair.split("/")
        if len(names) != 2 or not all(names):
            raise ConfigError(path, key, "a material pair is written \"A/B\" (two library names)")
        canon = []
        for n in names:
            c = aliases.get(n.strip().lower())
            if c is None:
                raise ConfigError(path, key, f"unknown material {n.strip()!r} (known: {', '.join(sorted(materials))})")
            canon.append(c)
        kinds = interface_kind_pair(materials[canon[0]].kind, materials[canon[1]].kind)
        if kinds is None:
            raise ConfigError(path, key, "an interface with an insulator reflects spin (Q = 0) and takes no conductance")
        check_keys(vals, set(INTERFACE_PAIRS[kinds]) | {"references"}, source=path, prefix=key)
        existing = next((k for k in (f"{canon[0]}/{canon[1]}", f"{canon[1]}/{canon[0]}") if k in iface),
                        f"{canon[0]}/{canon[1]}")
        iface[existing] = {**iface.get(existing, {}), **vals}
    return MaterialLibrary(materials, aliases, iface, tuple(paths))


@lru_cache(maxsize=8)
def _cached(paths: tuple) -> MaterialLibrary:
    return _build_library(list(paths))


def default_library() -> MaterialLibrary:
    """The built-in library (``materials/library.toml``)."""
    return _cached((str(_BUILTIN),))


def load_library(*extra_paths: str | Path) -> MaterialLibrary:
    """The built-in library extended by the user's TOML files, in order."""
    return _cached((str(_BUILTIN), *(str(p) for p in extra_paths)))


def is_finite_positive(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0
