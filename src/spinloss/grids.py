"""The one parser of sweep axes, with the dimension of every file key checked.

Every sweep (``torque --vary``, ``switch --vary``, ``compare --map``, ``spinloss sweep``) reads its
axes here. A key is a file key in the ``--set`` syntax: ``LAYER.KEY`` (a material key or
``thickness``), ``interfaces.N.KEY``, a top-level stack key (``temperature``,
``current_density``) or ``TABLE.KEY`` of a device table (``pulse.width``, ``geometry.length``,
``magnet.anisotropy_field``, ...). :func:`key_dimension` knows the dimension of each; a value
with a unit of another dimension is refused (``pulse.width="1 A:2 A:2"``), plain numbers are SI.

Axis forms:

* a range ``"START:STOP:NUM"`` (inclusive, linear) or ``"START:STOP:NUM:log"`` (geometric);
  START and STOP may carry units (``"1 nm:10 nm:50"``);
* a list of values ``["2 nm", "3 nm"]`` (numbers, strings with units; strings without a
  dimension for non-numeric keys such as ``free.material``);
* for random sampling, ``"START:STOP"`` or ``"START:STOP:log"`` (uniform or log-uniform).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError
from .units import SI_UNIT, to_si

#: Dimensions of device-table keys (``TABLE.KEY``); the stack keys come from the materials table.
DEVICE_KEY_DIMENSIONS = {
    "geometry.length": "length",
    "geometry.width": "length",
    "magnet.anisotropy_field": "field",
    "magnet.uniaxial_anisotropy": "energy_density",
    "magnet.surface_anisotropy": "surface_energy",
    "magnet.damping": "dimensionless",
    "pulse.current_density": "current_density",
    "pulse.width": "time",
    "pulse.rise_time": "time",
    "pulse.fall_time": "time",
    "torques.damping_like_efficiency": "dimensionless",
    "torques.field_like_efficiency": "dimensionless",
    "cell.feature_size": "length",
    "cell.supply_voltage": "voltage",
    "cell.min_transistor_width": "length",
    "cell.peripheral_energy": "energy",
    "cell.max_uniaxial_anisotropy": "energy_density",
    "readout.tmr": "dimensionless",
    "readout.read_voltage": "voltage",
    "readout.read_time": "time",
    "readout.max_voltage": "voltage",
    "readout.read_current_density": "current_density",
    "readout.usmr_ratio": "dimensionless",
    "readout.polarization": "dimensionless",
    "heating.substrate_thickness": "length",
    "heating.boundary_resistance": "thermal_resistance",
    "heating.electromigration_current_density": "current_density",
    "heating.anisotropy_exponent": "dimensionless",
}

#: Top-level stack keys with a dimension.
TOP_KEY_DIMENSIONS = {"temperature": "temperature", "reference_temperature": "temperature",
                      "current_density": "current_density"}

#: Keys that take text, not numbers (categorical axes).
TEXT_KEYS = {"material", "kind", "name", "shape", "mechanism", "technology_node"}

#: How values of a dimension are shown when the user typed plain SI numbers.
DISPLAY = {"length": (1e9, "nm"), "resistivity": (1e8, "uOhm cm"), "time": (1e9, "ns")}


def key_dimension(key: str) -> str | None:
    """The dimension (a key of :data:`spinloss.units.DIMENSIONS`, or ``"field"``) of a file key
    in the ``--set`` syntax; None for a text key or a key this table does not know (the file
    loader then judges the value)."""
    from .materials import MATERIAL_KEYS

    if key in TOP_KEY_DIMENSIONS:
        return TOP_KEY_DIMENSIONS[key]
    if key in DEVICE_KEY_DIMENSIONS:
        return DEVICE_KEY_DIMENSIONS[key]
    parts = key.split(".")
    if parts[0] == "interfaces" and len(parts) == 3:
        return "interface_conductance" if parts[2] != "between" else None
    if len(parts) == 2:
        if parts[1] == "thickness":
            return "length"
        if parts[1] in MATERIAL_KEYS:
            return MATERIAL_KEYS[parts[1]][0]
    return None


def is_text_key(key: str) -> bool:
    return key.rsplit(".", 1)[-1] in TEXT_KEYS


@dataclass
class Axis:
    """One sweep axis: ``key``; ``values`` in SI (float array), or text values for a text key;
    ``display`` the values in ``unit`` (what the user typed, or a readable default); ``si_unit``
    the SI unit of the key; ``log`` a geometric range."""

    key: str
    values: np.ndarray
    display: np.ndarray
    unit: str
    si_unit: str
    log: bool = False
    dimension: str | None = None

    def __len__(self) -> int:
        return len(self.values)

    @property
    def label(self) -> str:
        return f"{self.key} ({self.unit})" if self.unit and self.unit != "1" else self.key

    @property
    def numeric(self) -> bool:
        return self.values.dtype.kind == "f"


def _pretty_unit(unit: str) -> str:
    from .units import unit_registry

    try:
        text = f"{unit_registry().Unit(unit):~P}"
    except Exception:  # noqa: BLE001 - a unit pint cannot print is shown as typed
        return unit
    return text.replace("Ω", "Ohm").replace("µ", "u") or "1"


def _split_value(text, source, key):
    """A value typed as number or "number unit" -> (float magnitude, unit or None)."""
    from .config import parse_scalar_text
    from .units import unit_registry

    v = parse_scalar_text(text) if isinstance(text, str) else text
    if isinstance(v, bool):
        raise ConfigError(source, key, f"expected a number, got {v!r}")
    if isinstance(v, (int, float)):
        return float(v), None
    if not isinstance(v, str) or not v.strip():
        raise ConfigError(source, key, f"cannot parse {text!r} as a number")
    try:
        q = unit_registry().Quantity(v)
        mag = float(q.magnitude)
    except Exception:  # noqa: BLE001 - pint raises many types
        raise ConfigError(source, key, f"cannot parse {text!r} as a number with a unit") from None
    return mag, str(q.units)


def _to_si_checked(magnitude: float, unit: str | None, dimension: str | None, source, key, typed=None) -> float:
    if unit is None:
        return float(magnitude)
    if dimension is None:
        raise ConfigError(source, key, f"this key takes plain numbers (its unit is not known here), got a unit {unit!r}")
    try:
        return float(to_si(f"{magnitude!r} {unit}", dimension, source=source, key=key))
    except ConfigError:
        if typed is None:
            raise
        expected = dimension.replace("_", " ")
        raise ConfigError(source, key, f"{str(typed).strip()!r} has the wrong dimension: expected {expected} "
                                       f"({SI_UNIT.get(dimension, 'A/m or T' if dimension == 'field' else '')})") from None


def _display(si: np.ndarray, dimension, unit_typed):
    if dimension == "temperature":  # offset units (degC) are shown in kelvin
        return si, "K"
    if unit_typed is not None:
        return None
    if dimension in DISPLAY:
        f, u = DISPLAY[dimension]
        return si * f, u
    return si, SI_UNIT.get(dimension, "") if dimension else ""


def parse_range(spec: str, key: str, *, source: str = "<command line>", allow_log: bool = True) -> Axis:
    """``"START:STOP:NUM[:log]"`` for ``key`` -> :class:`Axis` (SI values, dimension checked)."""
    if not isinstance(spec, str):
        raise ConfigError(source, key, f"expected \"START:STOP:NUM\", got {spec!r}")
    parts = spec.split(":")
    if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3].strip() not in ("log", "lin")):
        raise ConfigError(source, key, f"expected START:STOP:NUM[:log], got {spec!r}")
    try:
        num = int(parts[2])
    except ValueError:
        raise ConfigError(source, key, f"NUM must be an integer, got {parts[2]!r}") from None
    if num < 1 or num > 10_000_000:
        raise ConfigError(source, key, "NUM must be between 1 and 1e7")
    log = len(parts) == 4 and parts[3].strip() == "log"
    if log and not allow_log:
        raise ConfigError(source, key, "a log range is not allowed here")
    if is_text_key(key):
        raise ConfigError(source, key, "not a numeric key: give a list of values instead of a range")
    dim = key_dimension(key)
    (a, ua), (b, ub) = _split_value(parts[0], source, key), _split_value(parts[1], source, key)
    if (ua is None) != (ub is None):
        raise ConfigError(source, key, "START and STOP must both have a unit or both be plain SI numbers")
    a_si = _to_si_checked(a, ua, dim, source, key, parts[0])
    b_si = _to_si_checked(b, ub, dim, source, key, parts[1])
    if not (math.isfinite(a_si) and math.isfinite(b_si)):
        raise ConfigError(source, key, "START and STOP must be finite")
    if log:
        if a_si <= 0 or b_si <= 0:
            raise ConfigError(source, key, "a log range needs positive START and STOP")
        si = np.geomspace(a_si, b_si, num)
    else:
        si = np.linspace(a_si, b_si, num)
    shown = _display(si, dim, ua)
    if shown is None:  # in the unit typed for START
        factor = a / a_si if a_si != 0 else _unit_factor(ua, dim, source, key)
        display, unit = si * factor, _pretty_unit(ua)
    else:
        display, unit = shown
    return Axis(key, si, np.asarray(display, dtype=float), unit, SI_UNIT.get(dim, "") if dim else "", log, dim)


def _unit_factor(unit, dim, source, key) -> float:
    """Display units per SI unit of ``unit`` (for a START of 0)."""
    one = _to_si_checked(1.0, unit, dim, source, key)
    return 1.0 / one if one else 1.0


def parse_values(values, key: str, *, source: str = "<command line>") -> Axis:
    """A list of values for ``key`` -> :class:`Axis` (numbers or strings with units, dimension
    checked; text values for a text key)."""
    if not isinstance(values, (list, tuple)) or not values:
        raise ConfigError(source, key, "expected a non-empty list of values")
    if is_text_key(key):
        if not all(isinstance(v, str) and v for v in values):
            raise ConfigError(source, key, "a text key takes a list of names")
        arr = np.asarray(list(values), dtype=str)
        return Axis(key, arr, arr, "", "", False, None)
    dim = key_dimension(key)
    si, typed = [], []
    for i, v in enumerate(values):
        mag, unit = _split_value(v, source, f"{key}[{i}]")
        x = _to_si_checked(mag, unit, dim, source, f"{key}[{i}]", v)
        if not math.isfinite(x):
            raise ConfigError(source, f"{key}[{i}]", "must be finite")
        si.append(x)
        typed.append((mag, unit))
    si = np.asarray(si, dtype=float)
    units = {u for _, u in typed}
    if len(units) == 1 and None not in units and dim != "temperature":
        unit = units.pop()
        factor = _unit_factor(unit, dim, source, key)
        display, shown_unit = si * factor, _pretty_unit(unit)
    else:
        display, shown_unit = _display(si, dim, None)
    return Axis(key, si, np.asarray(display, dtype=float), shown_unit, SI_UNIT.get(dim, "") if dim else "",
                False, dim)


def parse_axis(value, key: str, *, source: str = "<command line>") -> Axis:
    """A range string or a list of values (module docstring) -> :class:`Axis`."""
    if isinstance(value, str):
        return parse_range(value, key, source=source)
    if isinstance(value, (list, tuple)):
        return parse_values(value, key, source=source)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return parse_values([value], key, source=source)
    raise ConfigError(source, key, "expected \"START:STOP:NUM[:log]\" or a list of values")


def parse_random_range(spec, key: str, *, source: str = "<command line>") -> tuple[float, float, bool]:
    """``"START:STOP[:log]"`` -> (lo, hi, log) in SI for random sampling (dimension checked)."""
    if not isinstance(spec, str):
        raise ConfigError(source, key, f"expected \"START:STOP\" or \"START:STOP:log\", got {spec!r}")
    parts = spec.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2].strip() not in ("log", "lin")):
        raise ConfigError(source, key, f"expected START:STOP[:log], got {spec!r}")
    if is_text_key(key):
        raise ConfigError(source, key, "not a numeric key: it cannot be sampled")
    dim = key_dimension(key)
    (a, ua), (b, ub) = _split_value(parts[0], source, key), _split_value(parts[1], source, key)
    lo = _to_si_checked(a, ua, dim, source, key, parts[0])
    hi = _to_si_checked(b, ub, dim, source, key, parts[1])
    log = len(parts) == 3 and parts[2].strip() == "log"
    if not (math.isfinite(lo) and math.isfinite(hi)) or not hi > lo:
        raise ConfigError(source, key, "START and STOP must be finite with START < STOP")
    if log and lo <= 0:
        raise ConfigError(source, key, "a log range needs positive START and STOP")
    return lo, hi, log


def parse_vary_item(item: str, *, source: str = "<command line>") -> Axis:
    """A command-line ``KEY=START:STOP:NUM[:log]`` -> :class:`Axis`."""
    from .config import split_key_value

    key, spec = split_key_value(item, expected="KEY=START:STOP:NUM", source=source)
    return parse_range(spec.strip(), key, source=source)


@dataclass
class Grid:
    """The axes of a cartesian sweep (axis i is array dimension i, ``indexing="ij"``)."""

    axes: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.axes)

    @property
    def keys(self) -> list[str]:
        return [a.key for a in self.axes]

    @property
    def values(self) -> list[np.ndarray]:
        return [a.values for a in self.axes]

    @property
    def display(self) -> list[np.ndarray]:
        return [a.display for a in self.axes]

    @property
    def units(self) -> list[str]:
        return [a.unit for a in self.axes]

    @property
    def si_units(self) -> list[str]:
        return [a.si_unit for a in self.axes]

    @property
    def log(self) -> list[bool]:
        return [a.log for a in self.axes]

    @property
    def shape(self) -> tuple:
        return tuple(len(a) for a in self.axes)

    def label(self, i: int) -> str:
        return self.axes[i].label

    def to_json(self) -> dict:
        return {a.key: a.values for a in self.axes}

    def units_json(self) -> dict:
        return {a.key: a.si_unit for a in self.axes}


def parse_vary_items(items, *, set_keys=(), max_keys: int | None = None, source: str = "<command line>") -> Grid:
    """``--vary`` items -> :class:`Grid` (values in SI, dimensions checked, no key twice)."""
    items = list(items)
    if max_keys is not None and len(items) > max_keys:
        raise ConfigError(source, "--vary", f"at most {({1: 'one', 2: 'two'}).get(max_keys, max_keys)} keys can be varied, got {len(items)}")
    grid = Grid()
    for item in items:
        axis = parse_vary_item(item, source=source)
        if axis.key in grid.keys:
            raise ConfigError(source, axis.key, "given twice in --vary")
        if axis.key in set_keys:
            raise ConfigError(source, axis.key, "given in both --set and --vary")
        grid.axes.append(axis)
    return grid
