"""Physical constants (CODATA via scipy.constants) and unit parsing at the config boundary.

Inside the package everything is SI: m, s, A, A/m for fields H, tesla only for quantities named
``b_...`` (mu0*H), J/m^3, Ohm*m, Ohm^-1 m^-2 for interface conductances (charge units); W/m/K, J/m^3/K (per volume)
and m^2 K/W for the heat flow of docs/heating.md.
Strings with units ("5 nm", "1e11 A/m^2", "300 K", "10 mT") are converted with pint when read.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import scipy.constants as _c

from .errors import ConfigError

#: Reduced Planck constant (J s).
HBAR = _c.hbar
#: Elementary charge (C).
E_CHARGE = _c.e
#: Vacuum permeability (T m / A).
MU0 = _c.mu_0
#: Boltzmann constant (J/K).
KB = _c.k
#: Bohr magneton (J/T).
MU_B = _c.physical_constants["Bohr magneton"][0]
#: Electron gyromagnetic ratio |gamma_e| (rad s^-1 T^-1), docs/physics.md section 2.
GAMMA = 1.76085963e11
#: Electron g-factor magnitude (Lande), for spin pumping.
G_LANDE = 2.00231930436
#: hbar / (2 e): converts spin current in charge units (A/m^2) to angular momentum (J/m^2).
HBAR_OVER_2E = HBAR / (2.0 * E_CHARGE)

#: Dimension names used by the config schema -> pint dimensionality strings.
DIMENSIONS = {
    "length": "[length]",
    "time": "[time]",
    "temperature": "[temperature]",
    "current_density": "[current] / [length] ** 2",
    "current": "[current]",
    "resistivity": "[mass] * [length] ** 3 / [current] ** 2 / [time] ** 3",
    "resistance": "[mass] * [length] ** 2 / [current] ** 2 / [time] ** 3",
    "conductivity": "[current] ** 2 * [time] ** 3 / [mass] / [length] ** 3",
    "interface_conductance": "[current] ** 2 * [time] ** 3 / [mass] / [length] ** 4",
    "magnetization": "[current] / [length]",
    "energy_density": "[mass] / [length] / [time] ** 2",
    "surface_energy": "[mass] / [time] ** 2",
    "energy": "[mass] * [length] ** 2 / [time] ** 2",
    "voltage": "[mass] * [length] ** 2 / [current] / [time] ** 3",
    "frequency": "1 / [time]",
    "area": "[length] ** 2",
    "thermal_conductivity": "[mass] * [length] / [time] ** 3 / [temperature]",
    "heat_capacity": "[mass] / [length] / [time] ** 2 / [temperature]",
    "thermal_resistance": "[temperature] * [time] ** 3 / [mass]",
    "dimensionless": "",
}

#: Human-readable SI unit of each dimension, used in messages and docs.
SI_UNIT = {
    "length": "m",
    "time": "s",
    "temperature": "K",
    "current_density": "A/m^2",
    "current": "A",
    "resistivity": "Ohm*m",
    "resistance": "Ohm",
    "conductivity": "Ohm^-1 m^-1",
    "interface_conductance": "Ohm^-1 m^-2",
    "magnetization": "A/m",
    "energy_density": "J/m^3",
    "surface_energy": "J/m^2",
    "energy": "J",
    "voltage": "V",
    "frequency": "Hz",
    "area": "m^2",
    "thermal_conductivity": "W/m/K",
    "heat_capacity": "J/m^3/K",
    "thermal_resistance": "m^2 K/W",
    "dimensionless": "1",
    "field": "A/m",
}


@lru_cache(maxsize=1)
def unit_registry():
    """The pint registry (built lazily: it takes a fraction of a second)."""
    import pint

    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    # pint's oersted is the Gaussian-CGS unit (another dimension); in SI use 1 Oe = 1000/(4 pi) A/m.
    # Redefining it logs a warning from pint: silence that one message.
    import logging

    log = logging.getLogger("pint.util")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        ureg.define("Oe = 1000 / (4 * pi) * A / m = oersted")
    finally:
        log.setLevel(level)
    ureg.define("uOhm = 1e-6 * ohm")
    return ureg


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def to_si(value, dimension: str, *, source: str | None = None, key: str | None = None,
          allow_inf: bool = False, allow_nan: bool = False) -> float:
    """Convert a config value to an SI float.

    Plain numbers are taken as SI. Strings are parsed by pint and must have ``dimension``
    (one of :data:`DIMENSIONS`, or ``"field"``: A/m, or a flux density in T / mT / Oe that is
    divided by mu0, since in vacuum B = mu0 H). ``"inf"`` is accepted where ``allow_inf``.
    Raises :class:`ConfigError` naming ``source`` and ``key``.
    """
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("inf", "+inf", "infinity"):
            out = math.inf
        elif text.lower() in ("nan", "+nan", "-nan"):
            out = math.nan
        else:
            out = _parse_string(text, dimension, source, key)
    elif _is_number(value):
        try:
            out = float(value)
        except OverflowError:  # a TOML integer beyond the float range
            raise ConfigError(source, key, "must be finite") from None
    elif isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        arr = np.asarray(value, dtype=float)
        if np.any(np.isnan(arr)) and not allow_nan:
            raise ConfigError(source, key, "contains NaN")
        if np.any(np.isinf(arr)) and not allow_inf:
            raise ConfigError(source, key, "must be finite")
        return arr
    else:
        raise ConfigError(source, key, f"expected a number or a string with a unit "
                                       f"({SI_UNIT.get(dimension, dimension)}), got {type(value).__name__}")
    if math.isnan(out) and not allow_nan:
        raise ConfigError(source, key, "is NaN")
    if math.isinf(out) and not allow_inf:
        raise ConfigError(source, key, "must be finite")
    return out


def _parse_string(text: str, dimension: str, source, key) -> float:
    """Parse ``text`` with pint, check the dimension, return SI. Rounded to 15 significant
    digits: unit prefixes are applied by multiplying with inexact factors (1.5 * 1e-9 gives
    1.5000000000000002e-09), and values typed in decimal have fewer digits than that."""
    out = _parse_string_raw(text, dimension, source, key)
    return float(f"{out:.15g}") if math.isfinite(out) else out


def _parse_string_raw(text: str, dimension: str, source, key) -> float:
    ureg = unit_registry()
    try:
        q = ureg.Quantity(text)
        if not isinstance(q, ureg.Quantity):
            q = ureg.Quantity(q)
        float(q.magnitude)  # complex or non-numeric magnitudes are errors
    except Exception as exc:  # pint raises many types (ZeroDivisionError, TokenError, ...)
        raise ConfigError(source, key, f"cannot parse {text!r} as a quantity ({exc})") from None
    if dimension == "field":
        if q.check("[current] / [length]"):
            return float(q.to("A/m").magnitude)
        if q.check("[mass] / [current] / [time] ** 2"):  # tesla: mu0 H
            return float(q.to("T").magnitude) / MU0
        raise ConfigError(source, key, f"{text!r} is not a magnetic field (give A/m, T, mT or Oe)")
    dim = DIMENSIONS[dimension]
    if dimension == "dimensionless":
        if not q.dimensionless:
            raise ConfigError(source, key, f"{text!r} must be dimensionless")
        return float(q.to("").magnitude)
    if not q.check(dim):
        raise ConfigError(source, key, f"{text!r} has the wrong dimension: expected "
                                       f"{dimension.replace('_', ' ')} ({SI_UNIT[dimension]})")
    return float(q.to_base_units().magnitude)


def parse_duration(value, *, source=None, key=None) -> float:
    """A time in seconds; accepts "10 years", "1 day", "5 ns" or a number of seconds."""
    if isinstance(value, str):
        text = value.strip().replace("years", "year").replace("yr", "year")
        text = text.replace("year", "julian_year") if "julian_year" not in text else text
        return to_si(text, "time", source=source, key=key)
    return to_si(value, "time", source=source, key=key)
