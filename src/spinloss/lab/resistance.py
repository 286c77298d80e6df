"""Resistance model of a device: R_xx and R_xy of any state m and current (docs/lab.md section 1).

Physics (docs/physics.md section 5; axes of section 2: current along +x, normal +z)::

    R_xx = R0 + AMR m_x^2 + SMR (1 - m_y^2) + R0 [USMR + USMR_magnon f(H)] J m_y
    R_xy = AHE m_z + PHE m_x m_y

``AMR``, ``SMR``, ``AHE`` and ``PHE`` are resistances (Ohm). With these definitions ``PHE`` is the
*full swing* of R_xy when m turns in the plane from phi = -45 deg to +45 deg (m_x m_y = sin(2 phi)/2),
and ``AHE`` half the full swing from m_z = -1 to +1; papers that write
R_xy = R_AHE cos(theta) + R_PHE sin^2(theta) sin(2 phi) (Avci et al., PRB 90, 224427 (2014)) use
R_PHE(theirs) = PHE/2. The unidirectional magnetoresistance (USMR) is a ratio per current density:
Delta R_xx / R0 = USMR J m_y (m^2/A), J the current density in the torque reference layer, odd in J
and in m_y; its magnon part USMR_magnon is suppressed by a field, f(H) = 1 / (1 + |H| / H_m)
(phenomenological; H_m = ``USMR_magnon_field``, default infinite: no suppression). A magnetic tunnel
junction readout (TMR) is the cell's readout (``[readout]``, docs/energy.md), unchanged.

The device file's optional ``[resistance]`` table (keys in :data:`RESISTANCE_KEYS`)::

    [resistance]
    R0 = "250 Ohm"            # longitudinal resistance of the Hall bar section
    AMR = "0.5 Ohm"
    SMR = "0.3 Ohm"
    AHE = "1.2 Ohm"
    PHE = "0.1 Ohm"
    USMR = 1e-14              # 1/(A/m^2): Delta R_xx/R0 per current density, or "1e-14 m^2/A"
    USMR_magnon = 0.0
    USMR_magnon_field = "inf"
    anomalous_nernst = "0.5 uV/K"     # S_ANE (V/K): E_ANE = S_ANE grad(T) x m
    thermal_conductivity = "20 W/m/K" # kappa of the vertical gradient dT/dz = q / kappa

Thermal term (anomalous Nernst effect, docs/lab.md section 2.3): E_ANE = S_ANE grad(T) x m, with
the vertical gradient dT/dz = q / kappa set by the Joule power per area q = R_sheet (I / W)^2 that
leaves the top-insulated film through the substrate (T rises towards +z); the Hall voltage gains
V_ANE = S_ANE W (dT/dz) m_x. This simple explicit gradient is the placeholder for the heating
model: :func:`anomalous_nernst_voltage` takes the gradient as an input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

#: Keys of the ``[resistance]`` table -> (dimension given to pint, SI unit, default).
RESISTANCE_KEYS = {
    "R0": ("[mass] * [length] ** 2 / [current] ** 2 / [time] ** 3", "Ohm", 0.0),
    "AMR": ("[mass] * [length] ** 2 / [current] ** 2 / [time] ** 3", "Ohm", 0.0),
    "SMR": ("[mass] * [length] ** 2 / [current] ** 2 / [time] ** 3", "Ohm", 0.0),
    "AHE": ("[mass] * [length] ** 2 / [current] ** 2 / [time] ** 3", "Ohm", 0.0),
    "PHE": ("[mass] * [length] ** 2 / [current] ** 2 / [time] ** 3", "Ohm", 0.0),
    "USMR": ("[length] ** 2 / [current]", "m^2/A", 0.0),
    "USMR_magnon": ("[length] ** 2 / [current]", "m^2/A", 0.0),
    "USMR_magnon_field": ("[current] / [length]", "A/m", math.inf),
    "anomalous_nernst": ("[mass] * [length] ** 2 / [current] / [time] ** 3 / [temperature]", "V/K", 0.0),
    "thermal_conductivity": ("[mass] * [length] / [time] ** 3 / [temperature]", "W/(m K)", 20.0),
}

#: The SI unit of each key of :data:`RESISTANCE_KEYS` (for the units tables of the lab's results).
RESISTANCE_UNITS = {k: unit for k, (_, unit, _) in RESISTANCE_KEYS.items()}

#: Largest resistance (Ohm) a file may give: beyond it a value is a typo.
MAX_RESISTANCE = 1e9


def parse_quantity(value, dimensionality: str, si_unit: str, *, source: str, key: str,
                   allow_inf: bool = False) -> float:
    """A number (SI) or a string with a unit of ``dimensionality`` (pint) -> SI float; errors
    name ``source`` and ``key``. Fields may also be given in T/mT/Oe (mu0 H)."""
    from ..units import to_si, unit_registry

    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError(source, key, f"expected a number ({si_unit}) or a string with a unit")
    if dimensionality == "[current] / [length]":
        return to_si(value, "field", source=source, key=key, allow_inf=allow_inf)
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("inf", "+inf", "infinity"):
            out = math.inf
        else:
            ureg = unit_registry()
            try:
                q = ureg.Quantity(text.replace("Ohm", "ohm").replace("uohm", "uOhm"))
                if not isinstance(q, ureg.Quantity):
                    q = ureg.Quantity(q)
                ok = q.check(dimensionality) if dimensionality else q.dimensionless
                out = float(q.to_base_units().magnitude)
            except Exception as exc:  # noqa: BLE001 - pint raises many types
                raise ConfigError(source, key, f"cannot parse {text!r} as a quantity ({exc})") from None
            if not ok:
                raise ConfigError(source, key, f"{text!r} has the wrong dimension: expected {si_unit}")
    else:
        out = float(value)
    if math.isnan(out) or (math.isinf(out) and not allow_inf):
        raise ConfigError(source, key, "must be finite")
    return out


@dataclass(frozen=True)
class ResistanceModel:
    """Magnetoresistance of the Hall bar (module docstring): ``R0``, ``AMR``, ``SMR``, ``AHE``,
    ``PHE`` (Ohm), ``USMR``, ``USMR_magnon`` (m^2/A: ratio per current density),
    ``USMR_magnon_field`` (A/m), ``anomalous_nernst`` S_ANE (V/K), ``thermal_conductivity`` kappa
    (W/(m K))."""

    R0: float = 0.0
    AMR: float = 0.0
    SMR: float = 0.0
    AHE: float = 0.0
    PHE: float = 0.0
    USMR: float = 0.0
    USMR_magnon: float = 0.0
    USMR_magnon_field: float = math.inf
    anomalous_nernst: float = 0.0
    thermal_conductivity: float = 20.0

    @classmethod
    def from_table(cls, table: dict | None, *, source: str = "<api>") -> "ResistanceModel":
        """The ``[resistance]`` table of a device file (unknown keys are errors)."""
        if table is None:
            return cls()
        if not isinstance(table, dict):
            raise ConfigError(source, "resistance", "must be a table")
        values = {}
        for k, v in table.items():
            if k not in RESISTANCE_KEYS:
                raise ConfigError(source, f"resistance.{k}", f"unknown key (known: {', '.join(RESISTANCE_KEYS)})")
            dim, unit, _ = RESISTANCE_KEYS[k]
            x = parse_quantity(v, dim, unit, source=source, key=f"resistance.{k}",
                               allow_inf=k == "USMR_magnon_field")
            if unit == "Ohm" and abs(x) > MAX_RESISTANCE:
                raise ConfigError(source, f"resistance.{k}", f"{x:.3g} Ohm is beyond {MAX_RESISTANCE:g} Ohm: a missing unit?")
            if k == "R0" and x < 0:
                raise ConfigError(source, "resistance.R0", "must be >= 0")
            if k in ("USMR_magnon_field", "thermal_conductivity") and not x > 0:
                raise ConfigError(source, f"resistance.{k}", "must be > 0")
            values[k] = x
        return cls(**values)

    @classmethod
    def from_device(cls, device) -> "ResistanceModel":
        """The ``[resistance]`` table of a :class:`spinloss.device.Device` (its raw file contents)."""
        raw = device.raw or {}
        return cls.from_table(raw.get("resistance"), source=device.source)

    # ------------------------------------------------------------------ resistances
    def usmr_per_current_density(self, field_magnitude=0.0):
        """u(|H|) = USMR + USMR_magnon / (1 + |H| / H_m) (m^2/A) at the field magnitude |H| (A/m): the
        relative USMR change dR/R per current density (R_xx gains R0 u J m_y). Not the cell's
        dimensionless ``[readout] usmr_ratio`` (dR/R at the read current density)."""
        h = np.abs(np.asarray(field_magnitude, dtype=float))
        f = 1.0 / (1.0 + h / self.USMR_magnon_field) if math.isfinite(self.USMR_magnon_field) else 1.0
        return self.USMR + self.USMR_magnon * f

    def longitudinal(self, m, current_density=0.0, field_magnitude=0.0):
        """R_xx (Ohm) of the state(s) m (..., 3) at current density J (A/m^2, reference layer) and
        field magnitude |H| (A/m, for the magnon USMR): docs/physics.md section 5."""
        m = np.asarray(m, dtype=float)
        mx, my = m[..., 0], m[..., 1]
        return (self.R0 + self.AMR * mx**2 + self.SMR * (1.0 - my**2)
                + self.R0 * self.usmr_per_current_density(field_magnitude)
                * np.asarray(current_density, dtype=float) * my)

    def transverse(self, m):
        """R_xy (Ohm) of the state(s) m (..., 3): AHE m_z + PHE m_x m_y (docs/physics.md section 5)."""
        m = np.asarray(m, dtype=float)
        return self.AHE * m[..., 2] + self.PHE * m[..., 0] * m[..., 1]

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in RESISTANCE_KEYS}


def anomalous_nernst_voltage(m, temperature_gradient, coefficient: float, width: float):
    """V_ANE (V) across a Hall bar of width W (m): S_ANE W (dT/dz) m_x, from E = S_ANE grad(T) x m
    with a vertical gradient dT/dz (K/m) (grad(T) x m = dT/dz (z x m), whose y part is m_x)."""
    m = np.asarray(m, dtype=float)
    return coefficient * width * np.asarray(temperature_gradient, dtype=float) * m[..., 0]


def anomalous_nernst_longitudinal_voltage(m, temperature_gradient, coefficient: float, length: float):
    """V_ANE along the current (V) over a bar section of length L (m): -S_ANE L (dT/dz) m_y, the x part
    of E = S_ANE grad(T) x m with a vertical gradient (z x m has x component -m_y): odd in m_y like
    the USMR (docs/lab.md section 7.1)."""
    m = np.asarray(m, dtype=float)
    return -coefficient * length * np.asarray(temperature_gradient, dtype=float) * m[..., 1]


def vertical_temperature_gradient(power_per_area, thermal_conductivity: float):
    """dT/dz = q / kappa (K/m): the Joule power per area q (W/m^2) flowing down through a film of
    thermal conductivity kappa (W/(m K)) with an insulated top (T rises towards +z). The placeholder
    for the heating model (docs/lab.md section 2.3)."""
    return np.asarray(power_per_area, dtype=float) / thermal_conductivity
