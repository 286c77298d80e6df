"""Devices: a stack plus geometry, magnet, field, write pulse and (optionally) measured torques.

A device file is a stack file with these extra tables (names are the public contract)::

    [geometry]
    shape = "ellipse"              # ellipse | rectangle | ellipsoid
    length = "100 nm"              # along x (current direction)
    width = "50 nm"
    [magnet]
    layer = "free"                 # the free layer of the stack
    easy_axis = [0, 1, 0]
    anisotropy_field = "30 mT"     # or uniaxial_anisotropy (J/m^3) and/or surface_anisotropy (J/m^2)
    initial_direction = [0, -1, 0]
    [field]
    applied = ["0 mT", "0 mT", "0 mT"]
    [pulse]
    current_density = "5e11 A/m^2" # in the torque reference layer
    width = "2 ns"
    rise_time = "0.1 ns"
    [torques]                      # optional: measured torques replace the transport model
    damping_like_efficiency = 0.08
    field_like_efficiency = -0.02
    polarization = [0, -1, 0]
    [heating]                      # Joule heating of the write pulse (docs/heating.md)
    enabled = true                 # the dynamics follow T(t) (default false; the peak is always reported)
    substrate = "Si"               # the material under the stack, whose far side is the heat sink
    substrate_thickness = "40 nm"  # default: the spreading depth (pi/4) sqrt(A/pi) of the cell
    boundary_resistance = "0 m^2*K/W"   # between the stack and the substrate

Physics (docs/physics.md section 4): the demagnetizing tensor comes from the shape and the magnet's
thickness (an ellipse is an elliptic cylinder of the film's thickness (Beleggia et al. 2005); a
rectangle a prism (Aharoni); ``ellipsoid`` the inscribed ellipsoid (Osborn)); ``anisotropy_field`` is H_K = 2 K_u/(mu0 M_s) with
K_u = K_bulk + K_s/d; shape anisotropy comes on top through the demag tensor.

Initial direction: used exactly as given, normalized. At T = 0 a magnet exactly on its easy axis
feels no damping-like torque from a polarization along that axis (m x (m x s) = 0): to study
deterministic switching from rest, tilt ``initial_direction`` slightly (e.g. [0.01, -1, 0]) or use
T > 0. The threshold search (``spinloss threshold``) at T = 0 tilts by ``initial_tilt`` (default
1 degree, documented there) unless the file's direction is already off-axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .config import check_keys, read_toml, require
from .errors import ConfigError, PhysicsError, UnknownKeyError
from .materials import THERMAL_KEYS, check_value
from .stack import MAX_CURRENT_DENSITY, Stack, check_range, parse_direction
from .thermal import CALLEN_CALLEN_EXPONENT
from .transport import layer_neel_temperature, sot_field_per_current, torques as transport_torques
from .units import MU0, to_si

#: Largest field (A/m) a device file may give (applied field or anisotropy field): mu0 H ~ 126 T,
#: beyond any laboratory field; larger values are typos (a unit missed).
MAX_FIELD = 1e8
#: Longest pulse time (s) of a write pulse (width, rise, fall): beyond it a value is a typo and
#: could not be integrated in any case (1e12 time steps).
MAX_PULSE_TIME = 1.0

#: Largest finite thermal boundary resistance (m^2 K/W): 1e-6 is 100x the poorest measured
#: solid-solid interfaces (~1e-8); larger values are typos (give inf for an isolated stack).
MAX_BOUNDARY_RESISTANCE = 1e-6

#: Lateral sizes of a cell (m) that are physical: below 1 nm no magnet, above 1 mm no cell.
MIN_LATERAL_SIZE = 1e-9
MAX_LATERAL_SIZE = 1e-3

#: "resistance" is read by the lab (spinloss.lab.resistance.ResistanceModel.from_device), not here.
DEVICE_TABLES = {"geometry", "magnet", "field", "pulse", "torques", "readout", "cell", "heating", "resistance"}
GEOMETRY_KEYS = {"shape", "length", "width"}
#: Cell shapes: an elliptical cell (an elliptic cylinder of the film's thickness), a rectangle
#: (a prism), or the elliptical cell with the factors of its inscribed ellipsoid (the older
#: approximation, kept for comparisons).
GEOMETRY_SHAPES = ("ellipse", "rectangle", "ellipsoid")
MAGNET_KEYS = {"layer", "easy_axis", "anisotropy_field", "uniaxial_anisotropy", "surface_anisotropy",
               "initial_direction", "damping", "spin_pumping"}
FIELD_KEYS = {"applied"}
PULSE_KEYS = {"current_density", "width", "rise_time", "fall_time"}
TORQUE_KEYS = {"mechanism", "damping_like_efficiency", "field_like_efficiency", "polarization"}
HEATING_KEYS = {"enabled", "substrate", "substrate_thickness", "boundary_resistance",
                "electromigration_current_density", "anisotropy_exponent"}

#: Whether the *dynamics* (switch, threshold, wer, trace, design, ...) follow the Joule heating of
#: the write pulse when a device file does not say (``[heating] enabled``) [D]: off, so that every
#: result computed before the heating model existed is unchanged bit for bit (turning it on moves
#: the thresholds of the examples by tens of percent, docs/heating.md). The heat is there all the
#: same: the commands always report the magnet's peak temperature and warn past T_N, T_C and the
#: electromigration limit, and ``spinloss heating`` always computes it. STT devices (current
#: through the junction, not in the plane) have no heating model.
HEATING_DEFAULT = False
#: Default substrate under the stack: silicon (its far side is the heat sink).
DEFAULT_SUBSTRATE = "Si"
#: Largest current density (A/m^2) a metal layer of the stack may carry in a write pulse without
#: a warning [D]: 1e12 A/m^2 = 100 MA/cm^2. Electromigration limits DC interconnects to about
#: 1e10 A/m^2 for a ten-year life (lifetime ~ J^-n exp(E_a/k_B T), n ~ 2: J. R. Black, IEEE Trans.
#: Electron Devices 16, 338 (1969)); pulses at a low duty cycle tolerate more (Wu, Yuan, Kang,
#: Solid-State Electron. 45, 2051 (2001)), but no source read gives a limit for ns pulses: the
#: upper end of the range 1e11-1e12 A/m^2 of docs/physics.md section 4.3 is taken as a flag
#: (docs/heating.md section 6). Spin-loss switching at ~1e13 A/m^2 exceeds it.
ELECTROMIGRATION_CURRENT_DENSITY = 1e12
#: Within one slice of a heated run the magnet's temperature rise changes by at most this fraction
#: of the pulse's peak rise (the parameters are held at the slice midpoint; docs/heating.md). The
#: error falls about linearly with it: at 0.01 the T = 0 switching time of the heated Py/NiO device
#: (1.15e13 A/m^2, 2 ns, +460 K) is within ~0.3 % of the converged one, at 0.04 1.7 % off
#: (measured, tests/test_heating.py).
HEATING_SLICE_FRACTION = 0.01
#: The heated window of the dynamics ends when the magnet's rise has decayed below this fraction
#: of its peak (the jump to the ambient parameters is then smaller than one slice's change).
HEATING_END_FRACTION = 1e-3
#: The threshold and design searches try pulses that heat the magnet at most this fraction of the
#: way from the ambient to its Curie temperature: closer, M_s(T) -> 0 makes the torque field per
#: current diverge and the Bloch law (valid below ~0.6 T_C) has long lost its accuracy [D].
HEATING_CURIE_MARGIN = 0.95
#: Current density (A/m^2) at which the heat-flow model is built (results scale as (J/J_0)^2).
HEATING_REFERENCE_CURRENT_DENSITY = 1e12


@dataclass(frozen=True)
class HeatingSpec:
    """The ``[heating]`` table of a device file (docs/heating.md): ``enabled``; ``substrate`` (a
    library material under the stack, its far side the heat sink at the ambient temperature);
    ``substrate_thickness`` (m; None: :func:`spinloss.thermal.spreading_depth` of the cell's
    area; 0: the sink right under the stack); ``boundary_resistance`` (m^2 K/W, between the stack
    and the substrate; inf isolates the stack); ``electromigration_current_density`` (A/m^2, the
    warning limit); ``anisotropy_exponent`` n of K(T) ~ M_s(T)^n (Callen-Callen, 3)."""

    enabled: bool = HEATING_DEFAULT
    substrate: str = DEFAULT_SUBSTRATE
    substrate_thickness: float | None = None
    boundary_resistance: float = 0.0
    electromigration_current_density: float = ELECTROMIGRATION_CURRENT_DENSITY
    anisotropy_exponent: float = CALLEN_CALLEN_EXPONENT


@dataclass(frozen=True)
class Geometry:
    """Lateral shape of the magnet: ``shape`` ellipse | rectangle | ellipsoid, ``length`` along x
    (m), ``width`` along y (m); ``thickness`` (m) is the magnet layer's.

    Demagnetizing factors: an ``ellipse`` is an elliptic cylinder of the film's thickness
    (magnetometric factors, :func:`spinloss.dynamics.demag.flat_elliptic_cylinder`, Beleggia et al.
    2005); a ``rectangle`` a prism (Aharoni 1998); ``ellipsoid`` the same elliptical cell with
    the factors of the ellipsoid of equal axes (Osborn 1945), which underestimates the in-plane
    factors of a flat cell by ~2x (0.023 instead of 0.042 for a 100 nm x 3 nm disk)."""

    shape: str
    length: float
    width: float
    thickness: float

    @property
    def area(self) -> float:
        """Magnet area in the film plane (m^2)."""
        if self.shape in ("ellipse", "ellipsoid"):
            return np.pi * self.length * self.width / 4.0
        return self.length * self.width

    @property
    def volume(self) -> float:
        """Magnet volume (m^3)."""
        return self.area * self.thickness

    def demag_factors(self) -> np.ndarray:
        """Diagonal demagnetizing tensor (Nxx, Nyy, Nzz), trace 1."""
        from .dynamics import demag

        if self.shape == "ellipse":
            return np.asarray(demag.flat_elliptic_cylinder(self.length, self.width, self.thickness), dtype=float)
        if self.shape == "ellipsoid":
            return np.asarray(demag.ellipsoid(self.length / 2, self.width / 2, self.thickness / 2), dtype=float)
        return np.asarray(demag.prism(self.length, self.width, self.thickness), dtype=float)


@dataclass(frozen=True)
class Pulse:
    """Write pulse: ``current_density`` (A/m^2, in the torque reference layer), ``width`` (s, flat
    top), ``rise_time`` and ``fall_time`` (s, linear ramps)."""

    current_density: float
    width: float
    rise_time: float = 0.0
    fall_time: float | None = None

    @property
    def fall(self) -> float:
        return self.rise_time if self.fall_time is None else self.fall_time

    def effective_duration(self, width=None):
        """t_eff = integral of (j(t)/j0)^2 dt (s) of the trapezoid with flat top ``width`` (default
        the pulse's; arrays allowed): width + (rise + fall)/3, the duration that gives the Joule
        energy I^2 R t_eff of the pulse."""
        w = self.width if width is None else width
        return w + (self.rise_time + self.fall) / 3.0

    def duration(self, width=None):
        """Total duration rise + width + fall (s) of the trapezoid with flat top ``width`` (default
        the pulse's; arrays allowed): the time from the start of the pulse until j = 0 again."""
        w = self.width if width is None else width
        return self.rise_time + w + self.fall

    def charge_duration(self, width=None):
        """t_q = integral of j(t)/j0 dt (s) of the trapezoid: width + (rise + fall)/2, the duration
        that gives the charge I t_q the supply delivers (its energy V_dd I t_q)."""
        w = self.width if width is None else width
        return w + (self.rise_time + self.fall) / 2.0

    @property
    def squared_duration(self) -> float:
        """:meth:`effective_duration` of the pulse itself (s)."""
        return self.effective_duration()


@dataclass(frozen=True)
class TorqueSpec:
    """Torque acting on the magnet per unit current density in the reference layer.

    ``mechanism`` sot | stt; ``damping_like_efficiency`` and ``field_like_efficiency`` xi; unit
    ``polarization`` s; ``source`` says where they came from (transport model or the file)."""

    mechanism: str
    damping_like_efficiency: float
    field_like_efficiency: float
    polarization: tuple
    reference_layer: str
    source: str


@dataclass(frozen=True)
class Device:
    """A device: stack + geometry + magnet + field + pulse (+ torques). Build with
    :meth:`from_toml` / :meth:`from_dict`."""

    stack: Stack
    magnet_layer: str
    geometry: Geometry
    easy_axis: tuple
    anisotropy_field: float
    initial_direction: tuple
    applied_field: tuple
    pulse: Pulse
    torque_override: TorqueSpec | None = None
    damping: float | None = None
    spin_pumping: bool = True
    raw: dict = field(default=None, compare=False, hash=False, repr=False)
    source: str = "<api>"
    heating: HeatingSpec | None = None
    #: transport results by temperature (the device is immutable, so they never go stale)
    transport_cache: dict = field(default_factory=dict, init=False, compare=False, hash=False, repr=False)
    #: the heat-flow model and the magnet's temperature responses (immutable device: never stale)
    heating_cache: dict = field(default_factory=dict, init=False, compare=False, hash=False, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_toml(cls, path: str | Path, *, overrides: dict | None = None) -> "Device":
        raw = read_toml(path)
        return cls.from_dict(raw, source=str(path), overrides=overrides)

    @classmethod
    def from_dict(cls, raw: dict, *, source: str = "<api>", overrides: dict | None = None) -> "Device":
        import copy

        raw = copy.deepcopy(raw)
        # every override is applied to the raw file contents, which the device keeps: a device
        # derived with with_values() carries all earlier overrides (the file edited to them)
        for k, v in (overrides or {}).items():
            apply_device_override(raw, k, v, source=source)
        stack = Stack.from_dict(raw, source=source, extra_keys=DEVICE_TABLES)

        geo = require(raw, "geometry", source=source)
        check_keys(geo, GEOMETRY_KEYS, source=source, prefix="geometry")
        shape = geo.get("shape", "ellipse")
        if shape not in GEOMETRY_SHAPES:
            raise ConfigError(source, "geometry.shape", f"unknown shape {shape!r} ({' | '.join(GEOMETRY_SHAPES)})")
        length = _pos(geo, "length", "length", source, "geometry")
        width = _pos(geo, "width", "length", source, "geometry")
        for gkey, gval in (("length", length), ("width", width)):
            if not MIN_LATERAL_SIZE <= gval <= MAX_LATERAL_SIZE:
                raise ConfigError(source, f"geometry.{gkey}", f"{gval:.3g} m is outside the physical range of a "
                                  f"magnetic cell ({MIN_LATERAL_SIZE:g} m .. {MAX_LATERAL_SIZE:g} m): a missing unit?")

        mag = require(raw, "magnet", source=source)
        check_keys(mag, MAGNET_KEYS, source=source, prefix="magnet")
        layer_name = require(mag, "layer", source=source, prefix="magnet")
        if not isinstance(layer_name, str):
            raise ConfigError(source, "magnet.layer", "must be a layer name")
        if layer_name not in stack.layer_names:
            raise ConfigError(source, "magnet.layer", f"no layer named {layer_name!r} (layers: {', '.join(stack.layer_names)})")
        layer = stack.layer(layer_name)
        if layer.kind != "ferromagnet":
            raise ConfigError(source, "magnet.layer", f"layer {layer_name!r} is not a ferromagnet")
        d = float(np.asarray(layer.thickness))
        ms = float(np.asarray(layer.material.saturation_magnetization))
        easy = parse_direction(require(mag, "easy_axis", source=source, prefix="magnet"), source=source,
                               key="magnet.easy_axis")
        has_hk = "anisotropy_field" in mag
        has_k = "uniaxial_anisotropy" in mag or "surface_anisotropy" in mag
        if has_hk and has_k:
            raise ConfigError(source, "magnet.anisotropy_field",
                              "give either anisotropy_field or uniaxial_anisotropy/surface_anisotropy, not both")
        if has_hk:
            hk = to_si(mag["anisotropy_field"], "field", source=source, key="magnet.anisotropy_field")
            check_value(hk, "nonneg", source=source, key="magnet.anisotropy_field")
            _check_field(hk, source, "magnet.anisotropy_field")
        else:
            ku = to_si(mag.get("uniaxial_anisotropy", 0.0), "energy_density", source=source,
                       key="magnet.uniaxial_anisotropy")
            ks = to_si(mag.get("surface_anisotropy", 0.0), "surface_energy", source=source,
                       key="magnet.surface_anisotropy")
            keff = ku + ks / d
            if keff < 0:
                raise ConfigError(source, "magnet.uniaxial_anisotropy",
                                  "K_u + K_s/d < 0: give the easy axis of the resulting anisotropy instead")
            from .dynamics.terms import uniaxial_anisotropy_field

            hk = float(uniaxial_anisotropy_field(keff, ms))
            _check_field(hk, source, "magnet.uniaxial_anisotropy", "the anisotropy field 2 K/(mu0 M_s)")
        init = parse_direction(mag.get("initial_direction", list(-easy)), source=source,
                               key="magnet.initial_direction")
        if abs(float(init @ easy)) < 1e-9:
            raise ConfigError(source, "magnet.initial_direction", "is perpendicular to the easy axis (on the hard "
                              "plane): it names no well; tilt it towards the state the magnet starts in")
        damping = None
        if "damping" in mag:
            damping = to_si(mag["damping"], "dimensionless", source=source, key="magnet.damping")
            check_value(damping, "pos", source=source, key="magnet.damping")
        spin_pumping = mag.get("spin_pumping", True)
        if not isinstance(spin_pumping, bool):
            raise ConfigError(source, "magnet.spin_pumping", "must be true or false (add the damping of spin "
                                                             "pumping into the stack to the Gilbert damping)")

        fld = raw.get("field", {})
        check_keys(fld, FIELD_KEYS, source=source, prefix="field")
        applied = fld.get("applied", [0.0, 0.0, 0.0])
        if not isinstance(applied, list) or len(applied) != 3:
            raise ConfigError(source, "field.applied", "must be a list of 3 fields (A/m or \"10 mT\")")
        h_app = tuple(to_si(v, "field", source=source, key=f"field.applied[{i}]") for i, v in enumerate(applied))
        for i, h in enumerate(h_app):
            _check_field(abs(h), source, f"field.applied[{i}]")

        pul = raw.get("pulse", {})
        check_keys(pul, PULSE_KEYS, source=source, prefix="pulse")
        j = to_si(pul.get("current_density", float(np.asarray(stack.current_density))), "current_density",
                  source=source, key="pulse.current_density")
        check_range(abs(j), 0.0, MAX_CURRENT_DENSITY, "A/m^2", source=source, key="pulse.current_density")
        width_t = to_si(pul.get("width", 1e-9), "time", source=source, key="pulse.width")
        check_value(width_t, "nonneg", source=source, key="pulse.width")
        _check_pulse_time(width_t, source, "pulse.width")
        rise = to_si(pul.get("rise_time", 0.0), "time", source=source, key="pulse.rise_time")
        check_value(rise, "nonneg", source=source, key="pulse.rise_time")
        _check_pulse_time(rise, source, "pulse.rise_time")
        fall = None
        if "fall_time" in pul:
            fall = to_si(pul["fall_time"], "time", source=source, key="pulse.fall_time")
            check_value(fall, "nonneg", source=source, key="pulse.fall_time")
            _check_pulse_time(fall, source, "pulse.fall_time")

        override = None
        if "torques" in raw:
            tq = raw["torques"]
            check_keys(tq, TORQUE_KEYS, source=source, prefix="torques")
            mech = tq.get("mechanism", "sot")
            if mech not in ("sot", "stt"):
                raise ConfigError(source, "torques.mechanism", "must be sot or stt")
            xi_dl = to_si(require(tq, "damping_like_efficiency", source=source, prefix="torques"),
                          "dimensionless", source=source, key="torques.damping_like_efficiency")
            xi_fl = to_si(tq.get("field_like_efficiency", 0.0), "dimensionless", source=source,
                          key="torques.field_like_efficiency")
            pol = parse_direction(tq.get("polarization", [0, 1, 0]), source=source, key="torques.polarization")
            ref = layer_name if mech == "stt" else _reference_for(stack, layer_name)
            override = TorqueSpec(mech, xi_dl, xi_fl, tuple(pol), ref, f"{source} [torques]")

        for tname in ("readout", "cell"):
            if tname in raw and not isinstance(raw[tname], dict):
                raise ConfigError(source, tname, "must be a table")
        heating = parse_heating(raw.get("heating", {}), stack, layer_name,
                                override.mechanism if override is not None else "sot", source=source)

        return cls(stack=stack, magnet_layer=layer_name,
                   geometry=Geometry(shape, length, width, d), easy_axis=tuple(easy),
                   anisotropy_field=float(hk), initial_direction=tuple(init), applied_field=h_app,
                   pulse=Pulse(j, width_t, rise, fall), torque_override=override, damping=damping,
                   spin_pumping=spin_pumping, raw=raw, source=source, heating=heating)

    #: Largest lateral size (m) for which a macrospin is a fair model of the free layer [D]:
    #: a few tens of exchange lengths of a thin film; beyond it reversal proceeds by domains.
    MACROSPIN_MAX_LATERAL_SIZE = 200e-9

    #: Below this thermal stability the two states are not stable (superparamagnetic).
    SUPERPARAMAGNETIC_DELTA = 5.0

    def validity_warnings(self) -> list[str]:
        """Warnings about the macrospin model for this device (empty when it is a fair model):
        a lateral size beyond a macrospin, or a superparamagnetic magnet (Delta < 5 at the
        file's temperature)."""
        out = []
        T = self.temperature
        if T > 0:
            try:
                delta = self.thermal_stability(T)
            except (PhysicsError, ConfigError):
                delta = None
            if delta is not None and delta < self.SUPERPARAMAGNETIC_DELTA:
                out.append(f"superparamagnetic: Delta = {max(delta, 0.0):.2f} < {self.SUPERPARAMAGNETIC_DELTA:g} at {T:g} K; "
                           "the two states are not stable (thermal flips on the time scale tau_0 exp(Delta)), "
                           "switching probabilities include them and Brown's high-barrier formula does not apply")
        size = max(self.geometry.length, self.geometry.width)
        if size > self.MACROSPIN_MAX_LATERAL_SIZE:
            out.append(f"lateral size {size * 1e9:.0f} nm > {self.MACROSPIN_MAX_LATERAL_SIZE * 1e9:.0f} nm: "
                       "in micrometre Hall bars switching proceeds by domain nucleation and depinning and "
                       "macrospin thresholds can be off by orders of magnitude (Zhu et al., arXiv:2101.10521); "
                       "use micromagnetics for such devices")
        return out

    @property
    def write_mechanism(self) -> str:
        """How the write current acts: "sot" (in the plane of the stack; the default without
        ``[torques]``) or "stt" (``[torques] mechanism = "stt"``: across the MTJ)."""
        return self.torque_override.mechanism if self.torque_override is not None else "sot"

    @property
    def spin_transfer_write(self) -> bool:
        """True for an STT device: the write current crosses the MTJ instead of flowing in the
        plane of the stack (no in-plane channel, no heating model)."""
        return self.write_mechanism == "stt"

    # ------------------------------------------------------------------ Joule heating
    @property
    def heating_enabled(self) -> bool:
        """True when the dynamics follow the Joule heating of the write pulse (``[heating]``)."""
        return bool(self.heating is not None and self.heating.enabled)

    @property
    def heating_available(self) -> bool:
        """True when the heat-flow model can be built for this device (an in-plane write current,
        and every layer and the substrate with ``thermal_conductivity`` and ``heat_capacity``), so
        that the commands can report the peak temperature even with ``[heating] enabled = false``."""
        if self.spin_transfer_write:
            return False
        if "available" not in self.heating_cache:
            try:
                self.heat_conduction()
                self.heating_cache["available"] = True
            except (ConfigError, PhysicsError):
                self.heating_cache["available"] = False
        return self.heating_cache["available"]

    def heat_conduction(self):
        """The :class:`spinloss.thermal.HeatConduction` of the stack on its substrate (built once),
        with the Joule powers at :data:`HEATING_REFERENCE_CURRENT_DENSITY`. The substrate's default
        thickness is the spreading depth of the cell's area (docs/heating.md)."""
        from .thermal import heat_conduction, spreading_depth

        if "heat" not in self.heating_cache:
            spec = self.heating or HeatingSpec(enabled=False)
            thick = spec.substrate_thickness
            if thick is None:
                thick = spreading_depth(self.geometry.area)
            self.heating_cache["heat"] = heat_conduction(
                self.stack, current_density=HEATING_REFERENCE_CURRENT_DENSITY, substrate=spec.substrate,
                substrate_thickness=thick, boundary_resistance=spec.boundary_resistance, source=self.source)
        return self.heating_cache["heat"]

    def heating_ambient(self, temperature: float | None = None) -> float:
        """The heat sink's temperature (K) for a run at ``temperature``: that temperature, or the
        stack's for None or T = 0 (T = 0 means "no thermal noise", as in :meth:`macrospin_parameters`)."""
        return self.temperature if (temperature is None or float(temperature) <= 0) else float(temperature)

    def pulse_heating(self, current_density=None, width=None, temperature=None, *, rise_time=None, fall_time=None,
                      points: int = 600):
        """The :class:`spinloss.thermal.HeatingResult` of the write pulse (arguments override the
        file's pulse; ``temperature`` the ambient), with its validity warnings
        (:meth:`heating_warnings`). Computed whether or not ``[heating]`` is enabled (``enabled``
        in the result says whether the dynamics use it); STT devices have no heating model."""
        from .thermal import pulse_heating

        if self.spin_transfer_write:
            raise ConfigError(self.source, "torques.mechanism", "the Joule heating model is for a write current in "
                              "the plane of the stack; an STT device's current crosses the junction")
        p = self.pulse
        j = p.current_density if current_density is None else float(current_density)
        w = p.width if width is None else float(width)
        rise = p.rise_time if rise_time is None else float(rise_time)
        fall = p.fall if fall_time is None else float(fall_time)
        res = pulse_heating(self.heat_conduction(), magnet_layer=self.magnet_layer, current_density=j, width=w,
                            rise_time=rise, fall_time=fall, points=points,
                            ambient_temperature=self.heating_ambient(temperature))
        res.enabled = self.heating_enabled
        res.warnings = self.heating_warnings(res)
        return res

    def heating_warnings(self, result, *, electromigration: bool = True, cause: str = "the pulse") -> list[str]:
        """Warnings about a heated pulse (a :class:`spinloss.thermal.HeatingResult`): an AFI of the
        stack heated past its Neel temperature (the sink turns paramagnetic during the pulse), the
        magnet heated past its Curie temperature, and (``electromigration``) a metal layer carrying
        more than the electromigration limit of a write line (docs/heating.md). ``cause`` names what
        heats (the subject of the sentences)."""
        out = []
        T0 = result.ambient_temperature
        by_name = {l["name"]: l for l in result.layers}
        for layer in self.stack.layers:
            entry = by_name.get(layer.name)
            if entry is None:
                continue
            peak = entry["peak_temperature"]
            if layer.kind == "antiferromagnetic_insulator":
                tn = float(np.asarray(layer_neel_temperature(layer)))      # the film's T_N (finite size)
                if T0 <= tn < peak:
                    out.append(f"{cause} heats the AFI {layer.name!r} to {peak:.4g} K, past its Neel temperature "
                               f"{tn:.4g} K: the magnon sink turns paramagnetic")
            if layer.name == self.magnet_layer and layer.material.curie_temperature is not None:
                tc = float(np.asarray(layer.material.curie_temperature))
                if T0 < tc <= peak:
                    out.append(f"{cause} heats the magnet {layer.name!r} to {peak:.4g} K, past its Curie temperature "
                               f"{tc:.4g} K: it loses its magnetization (the macrospin model does not apply)")
        spec = self.heating or HeatingSpec(enabled=False)
        limit = spec.electromigration_current_density
        worst = max(((abs(l["current_density"]), l["name"]) for l in result.layers if not l["substrate"]),
                    default=(0.0, None))
        if electromigration and worst[0] > limit:
            out.append(f"layer {worst[1]!r} carries {worst[0]:.3g} A/m^2, beyond the electromigration limit "
                       f"{limit:.3g} A/m^2 of a write line ([heating] electromigration_current_density; docs/heating.md)")
        return out

    def measurement_heating_warnings(self, current_amplitude: float, temperature: float | None = None) -> list[str]:
        """Validity warnings of an AC measurement current I0 cos(wt) (``current_amplitude`` I0 in A,
        through the whole stack as in :meth:`channel`): its Joule heating in the steady state (the
        rms current density I0 / sqrt(2), held for 1 us, many thermal time constants of the stack)
        heats the magnet past its Curie temperature or an AFI past its Neel temperature, where the
        simulated signals no longer describe the device. STT devices (no in-plane heating model)
        give none."""
        if self.spin_transfer_write:
            return []
        ch = self.channel(temperature)
        j_rms = float(current_amplitude) / ch["current_per_density"] / math.sqrt(2.0)
        res = self.pulse_heating(current_density=j_rms, width=1e-6, temperature=temperature)
        cause = (f"the measurement current I0 = {current_amplitude:.3g} A ({j_rms:.3g} A/m^2 rms in "
                 f"{ch['reference_layer']}, steady Joule heating)")
        return self.heating_warnings(res, electromigration=False, cause=cause)

    def heating_response(self, width=None, rise_time=None, fall_time=None,
                         slice_fraction: float = HEATING_SLICE_FRACTION) -> dict:
        """The magnet's temperature rise theta(t) (K) of the trapezoid (flat top ``width``, the
        file's ramps unless given) at :data:`HEATING_REFERENCE_CURRENT_DENSITY`, cached: ``times``
        (s) and ``theta`` on a dense trace, its ``peak``, ``time_constant``, the window ``stop`` and
        the slice ``edges`` of :meth:`heating_schedule`."""
        p = self.pulse
        w = p.width if width is None else float(width)
        rise = p.rise_time if rise_time is None else float(rise_time)
        fall = p.fall if fall_time is None else float(fall_time)
        key = ("response", w, rise, fall, float(slice_fraction))
        if key in self.heating_cache:
            return self.heating_cache[key]
        model = self.heat_conduction()
        im = model.layer_index(self.magnet_layer)
        tau = model.time_constant
        end = rise + w + fall
        after = 12.0 * tau if math.isfinite(tau) else max(end, 1e-12)
        grid = model.trace_times(w, rise, fall, points=2000, after=after)
        theta = model.layer_rise(grid, w, rise, fall)[:, im]
        peak, stop, edges = _heating_window(grid, theta, [0.0, rise, rise + w, end], end, tau, slice_fraction)
        out = {"times": grid, "theta": theta, "peak": peak, "time_constant": tau, "stop": stop, "edges": edges}
        self.heating_cache[key] = out
        return out

    def waveform_heating_schedule(self, waveform, temperature=None, *,
                                  slice_fraction: float = HEATING_SLICE_FRACTION):
        """:meth:`heating_schedule` of an arbitrary piecewise-linear current shared by the run (a
        :class:`spinloss.dynamics.Waveform` of one row, e.g. a pulse train): its Joule heating
        f = (j/J_0)^2 is piecewise quadratic and integrated exactly; pulses add their heat."""
        if not self.heating_enabled:
            return None
        wt = np.asarray(waveform.times, dtype=float)
        wv = np.asarray(waveform.values, dtype=float)
        if wt.ndim == 2:
            if wt.shape[0] != 1:
                raise PhysicsError("the heating of a waveform is computed for one waveform shared by every device")
            wt, wv = wt[0], wv[0]
        if wt.size < 2 or not np.any(wv != 0):
            return None
        model = self.heat_conduction()
        im = model.layer_index(self.magnet_layer)
        tau = model.time_constant
        scale_t = tau if math.isfinite(tau) else float(wt[-1] - wt[0])
        end = float(wt[-1])
        after = 12.0 * tau if math.isfinite(tau) else max(end - float(wt[0]), 1e-12)
        pts = [np.linspace(float(wt[0]), end + after, 4000)]
        for tk in np.unique(wt):
            pts.append(tk + np.geomspace(1e-4 * scale_t, 10.0 * scale_t, 200))
        grid = np.unique(np.concatenate(pts + [wt]))
        grid = grid[(grid >= float(wt[0])) & (grid <= end + after)]
        theta = model.waveform_rise(grid, wt, wv, layer=im)
        peak, stop, edges = _heating_window(grid, theta, list(np.unique(wt)), end, tau, slice_fraction)
        if not peak > 0:
            return None
        return self._schedule_from_trace(grid, theta, peak, edges, np.ones(1), self.heating_ambient(temperature))

    def peak_temperature(self, current_density, width=None, temperature=None):
        """The magnet's peak temperature (K) in the write pulse of ``current_density`` (A/m^2, array
        allowed): T_0 + (J/J_0)^2 theta_peak, with or without ``[heating]`` enabled."""
        resp = self.heating_response(width)
        j = np.asarray(current_density, dtype=float)
        return self.heating_ambient(temperature) + (j / HEATING_REFERENCE_CURRENT_DENSITY) ** 2 * resp["peak"]

    def curie_current_density(self, width=None, temperature=None, fraction: float = 1.0) -> float:
        """The current density (A/m^2, magnitude) at which the pulse heats the magnet by ``fraction``
        of the way from the ambient to its Curie temperature (inf without a Curie temperature).
        The searches (threshold, design) stay below ``fraction`` = :data:`HEATING_CURIE_MARGIN`."""
        tc = self.layer.material.curie_temperature
        if tc is None:
            return math.inf
        resp = self.heating_response(width)
        T0 = self.heating_ambient(temperature)
        if not resp["peak"] > 0:
            return math.inf
        rise = fraction * max(float(np.asarray(tc)) - T0, 0.0)
        return HEATING_REFERENCE_CURRENT_DENSITY * math.sqrt(rise / resp["peak"])

    def heating_schedule(self, current_densities, width=None, temperature=None, *, rise_time=None, fall_time=None,
                         slice_fraction: float = HEATING_SLICE_FRACTION):
        """The :class:`spinloss.dynamics.ParameterSchedule` of the heated write pulse, one row per
        current density of ``current_densities`` (A/m^2, in the reference layer; the trapezoid of
        the file's rise and fall with flat top ``width``), for a run at ``temperature`` (K; the
        ambient, :meth:`heating_ambient`). None when heating is off or no current flows.

        At time t the magnet's mean temperature is T(t) = T_0 + (J/J_0)^2 theta(t) (theta from the
        heat-flow model at J_0, interpolated on a dense trace); the run's parameters are modified
        as (docs/heating.md): M_s -> M_s m(T), m the Bloch ratio M_s(T)/M_s(T_0); H_K -> H_K m^(n-1)
        (Callen-Callen, K ~ M_s^n); the torque per current -> (xi(T)/xi(T_0)) / m (the sink's
        temperature law in xi, the 1/M_s of the field per current); the noise temperature -> T(t)
        (it stays 0 for a deterministic run). Edges where theta has changed by ``slice_fraction``
        of its peak; the window closes when theta has decayed below :data:`HEATING_END_FRACTION`
        of it. Raises :class:`~spinloss.errors.PhysicsError` if a row heats the magnet to T_C."""
        if not self.heating_enabled:
            return None
        js = np.atleast_1d(np.asarray(current_densities, dtype=float)).ravel()
        if not np.any(js != 0):
            return None
        T0 = self.heating_ambient(temperature)
        resp = self.heating_response(width, rise_time, fall_time, slice_fraction)
        grid, theta, peak, edges = resp["times"], resp["theta"], resp["peak"], resp["edges"]
        if not peak > 0:
            return None
        scale = (js / HEATING_REFERENCE_CURRENT_DENSITY) ** 2
        return self._schedule_from_trace(grid, theta, peak, edges, scale, T0)

    def _schedule_from_trace(self, grid, theta, peak, edges, scale, T0):
        """The :class:`spinloss.dynamics.ParameterSchedule` of rows whose magnet rise is
        ``scale[row] * theta(t)`` (``theta`` on ``grid``) above the ambient ``T0`` (see
        :meth:`heating_schedule`)."""
        from .dynamics import MacrospinParameters, ParameterSchedule
        from .thermal import anisotropy_field_ratio, bloch_magnetization_ratio

        t_max = T0 + float(scale.max()) * peak
        tc = float(np.asarray(self.layer.material.curie_temperature))
        bloch_magnetization_ratio(t_max, T0, tc)      # refuses a row that reaches T_C
        n_cc = self.heating.anisotropy_exponent
        # the torque's temperature law on a table from T_0 to the hottest row's peak
        n_table = int(min(1001, max(33, math.ceil((t_max - T0) / 2.0) + 1)))     # <= 2 K apart
        t_table = np.linspace(T0, max(t_max, T0 + 1e-6), n_table)
        mt = None
        if self.torque_override is None or self.spin_pumping:
            mt = transport_torques(self.stack, temperature=t_table).magnet(self.magnet_layer)
        if self.torque_override is not None:
            xi_dl = np.ones_like(t_table)
            xi_fl = np.ones_like(t_table)
        else:
            xi_dl = np.broadcast_to(np.asarray(mt.xi_dl, dtype=float).reshape(-1), t_table.shape)
            xi_fl = np.broadcast_to(np.asarray(mt.xi_fl, dtype=float).reshape(-1), t_table.shape)
        r_dl = xi_dl / xi_dl[0] if xi_dl[0] != 0 else np.ones_like(xi_dl)
        r_fl = xi_fl / xi_fl[0] if xi_fl[0] != 0 else np.ones_like(xi_fl)
        # spin-pumping damping Delta alpha(T) = g mu_B hbar Re G_p(T) / (2 e^2 M_s(T) d): the sink's
        # law in G_p (transport at T) and 1/M_s (the Bloch ratio); the base damping keeps its own
        # Delta alpha(T_0) (docs/heating.md)
        if self.spin_pumping and mt is not None:
            sp = np.broadcast_to(np.asarray(mt.spin_pumping_damping, dtype=float).reshape(-1), t_table.shape)
        else:
            sp = np.zeros_like(t_table)

        def heated(base, temps):
            n = temps.size
            b = base.broadcast(n)
            m = bloch_magnetization_ratio(temps, T0, tc)
            b["saturation_magnetization"] = b["saturation_magnetization"] * m
            b["anisotropy_field"] = b["anisotropy_field"] * anisotropy_field_ratio(m, n_cc)
            b["damping"] = b["damping"] + (np.interp(temps, t_table, sp) / m - sp[0])
            b["damping_like_field_per_current"] = b["damping_like_field_per_current"] * np.interp(temps, t_table, r_dl) / m
            b["field_like_field_per_current"] = b["field_like_field_per_current"] * np.interp(temps, t_table, r_fl) / m
            b["spin_transfer_field_per_current"] = b["spin_transfer_field_per_current"] / m
            b["temperature"] = np.where(b["temperature"] > 0, temps, 0.0)
            return MacrospinParameters(**b)

        def parameters(base, times, rows):
            temps = T0 + scale[rows] * np.interp(times, grid, theta, left=0.0, right=float(theta[-1]))
            return heated(base, temps)

        def hottest(base):
            # every row at 9 temperatures up to its peak (the torque law may peak inside, near T_N)
            levels = np.linspace(0.0, 1.0, 9)
            if base.batch_size() == 1:
                return heated(base, (T0 + np.outer(scale * peak, levels)).ravel())
            n = base.batch_size()
            parts = [heated(base, np.full(n, T0 + float(scale.max()) * peak * lv)).broadcast(n) for lv in levels]
            return MacrospinParameters(**{k: np.concatenate([q[k] for q in parts]) for k in parts[0]})

        def state(times, rows):
            return T0 + scale[rows] * np.interp(times, grid, theta, left=0.0, right=float(theta[-1]))

        # the packed coefficients are tabulated every 0.05 K (the interpolation error of the
        # smoothest-varying M_s(T) is ~(0.05 K / T)^2 / 8 ~ 1e-9 relative)
        return ParameterSchedule(edges=edges, parameters=parameters, hottest=hottest, n_rows=int(scale.size),
                                 state=state, parameters_of_state=heated, state_range=(T0, max(t_max, T0 + 1e-6)),
                                 state_step=max(0.05, (t_max - T0) / 100_000))

    def with_values(self, overrides: dict) -> "Device":
        """A new device with ``overrides`` (``TABLE.KEY`` for device tables, stack keys otherwise)
        on top of this device's own (it equals the file edited to all of them)."""
        return Device.from_dict(self.raw, source=self.source, overrides=overrides)

    # ------------------------------------------------------------------ physics
    @property
    def layer(self):
        return self.stack.layer(self.magnet_layer)

    @property
    def saturation_magnetization(self) -> float:
        return float(np.asarray(self.layer.material.saturation_magnetization))

    @property
    def gilbert_damping(self) -> float:
        """The magnet's own (intrinsic) Gilbert damping: ``magnet.damping`` or the material's."""
        return float(self.damping if self.damping is not None else np.asarray(self.layer.material.damping))

    def transport(self, temperature: float | None = None):
        """The stack's :class:`spinloss.transport.TorqueResult` at ``temperature`` (K; default the
        file's), computed once per temperature."""
        key = None if temperature is None else float(temperature)
        res = self.transport_cache.get(key)
        if res is None:
            res = self.transport_cache[key] = transport_torques(self.stack, temperature=temperature)
        return res

    def damping_breakdown(self, temperature: float | None = None) -> dict:
        """The damping the dynamics use (docs/physics.md section 3, Onsager): ``gilbert_damping``
        (intrinsic), ``spin_pumping_damping`` Delta alpha = g mu_B hbar Re(G_p) / (2 e^2 M_s d) with
        G_p the spin-pumping conductance of every interface of the magnet that absorbs transverse
        spin (AFI sink, heavy metal; :attr:`spinloss.transport.MagnetTorque.spin_pumping_damping`),
        0 with ``magnet.spin_pumping = false``; ``effective_damping`` their sum. At T = 0 the
        stack's transport is evaluated at the file's temperature (as for the torque)."""
        alpha = self.gilbert_damping
        extra = 0.0
        if self.spin_pumping:
            T = self.temperature if temperature is None or temperature <= 0 else float(temperature)
            extra = float(np.asarray(self.transport(T).magnet(self.magnet_layer).spin_pumping_damping))
        return {"gilbert_damping": alpha, "spin_pumping_damping": extra, "effective_damping": alpha + extra}

    def effective_damping(self, temperature: float | None = None) -> float:
        """alpha_eff = alpha + Delta alpha (:meth:`damping_breakdown`)."""
        return self.damping_breakdown(temperature)["effective_damping"]

    @property
    def temperature(self) -> float:
        return float(np.asarray(self.stack.temperature))

    def torque(self, temperature: float | None = None) -> TorqueSpec:
        """Torque efficiencies on the magnet: from ``[torques]`` if given, else the transport model."""
        if self.torque_override is not None:
            return self.torque_override
        m = self.transport(temperature).magnet(self.magnet_layer)
        return TorqueSpec("sot", float(m.xi_dl), float(m.xi_fl), (0.0, 1.0, 0.0), m.reference_layer,
                          "transport model")

    def field_per_current(self, temperature: float | None = None) -> tuple[float, float]:
        """(H_DL/J, H_FL/J) in A/m per A/m^2: hbar xi / (2 e mu0 M_s d) (docs/physics.md section 2)."""
        t = self.torque(temperature)
        ms, d = self.saturation_magnetization, self.geometry.thickness
        return (float(sot_field_per_current(t.damping_like_efficiency, ms, d)),
                float(sot_field_per_current(t.field_like_efficiency, ms, d)))

    def macrospin_parameters(self, *, temperature: float | None = None, n: int | None = None):
        """:class:`spinloss.dynamics.MacrospinParameters` for this device (scalars)."""
        from .dynamics import MacrospinParameters

        T = self.temperature if temperature is None else float(temperature)
        # T = 0 means "no thermal noise" (deterministic dynamics); the film's transport (magnon
        # sink) is then still evaluated at the stack's temperature.
        t_transport = T if T > 0 else self.temperature
        t = self.torque(t_transport)
        a_dl, a_fl = self.field_per_current(t_transport)
        return MacrospinParameters(
            saturation_magnetization=self.saturation_magnetization, damping=self.effective_damping(t_transport),
            volume=self.geometry.volume, temperature=T, demag_factors=tuple(self.geometry.demag_factors()),
            anisotropy_axis=self.easy_axis, anisotropy_field=self.anisotropy_field,
            applied_field=self.applied_field, polarization=t.polarization,
            damping_like_field_per_current=a_dl, field_like_field_per_current=a_fl)

    def waveform(self, current_density=None, width=None, rise_time=None, fall_time=None, delay: float = 0.0):
        """The write pulse as a :class:`spinloss.dynamics.Waveform` (arguments override the file;
        current_density and width may be arrays of shape (N,))."""
        from .dynamics import Waveform

        p = self.pulse
        return Waveform.pulse(p.current_density if current_density is None else current_density,
                              p.width if width is None else width,
                              p.rise_time if rise_time is None else rise_time,
                              p.fall if fall_time is None else fall_time, delay)

    def channel(self, temperature: float | None = None) -> dict:
        """Write channel: current per current density in the reference layer and resistance.

        The channel is the whole conducting stack under the magnet (length x width of the device):
        I = W sum_i J_i d_i, R = R_sheet L / W. Returns ``current_per_density`` (A per A/m^2),
        ``resistance`` (Ohm), ``sheet_resistance`` (Ohm), ``reference_layer``.
        """
        res = self.transport(temperature)
        ref = next(l for l in res.layers if l.name == res.reference_layer)
        # I / J_ref = W sum_i (J_i / J_ref) d_i = W d_ref / (current fraction of the reference
        # layer): independent of the file's current density (which may be 0)
        per_density = float(np.asarray(ref.thickness)) / float(np.asarray(ref.current_fraction))
        g = self.geometry
        return {"current_per_density": g.width * per_density,
                "resistance": float(np.asarray(res.sheet_resistance)) * g.length / g.width,
                "sheet_resistance": float(np.asarray(res.sheet_resistance)),
                "reference_layer": res.reference_layer}

    def write_path(self, temperature: float | None = None, readout: "ReadoutSpec | None" = None) -> dict:
        """The write path of one write pulse: ``current_per_density`` (A per A/m^2 in the torque
        reference layer), ``resistance`` (Ohm), ``kind``, ``reference_layer``.

        SOT (no ``[torques]`` or ``mechanism = "sot"``): ``kind`` sot_channel, the in-plane channel
        of :meth:`channel` (and its ``sheet_resistance``). STT (``mechanism = "stt"``): ``kind`` mtj,
        the current through the junction, I = J A_magnet, R the mean of the P and AP states of the
        ``[readout]`` (``readout``, default :func:`parse_readout` of the file; :func:`mtj_resistances`;
        ``resistance_parallel``, ``resistance_antiparallel``; PhysicsError for a readout without an
        MTJ). ``temperature`` (K) is the channel's (default the file's); the MTJ has none."""
        if self.spin_transfer_write:
            readout = readout or parse_readout(self)
            if readout.kind != "mtj":
                raise PhysicsError("an STT cell needs an MTJ readout (its write path)")
            area = self.geometry.area
            r = mtj_resistances(readout.resistance_area, area, readout.tmr)
            return {"current_per_density": area, "resistance": r["mean"], "kind": "mtj",
                    "reference_layer": self.magnet_layer, "resistance_parallel": r["parallel"],
                    "resistance_antiparallel": r["antiparallel"]}
        ch = self.channel(temperature)
        return {"current_per_density": ch["current_per_density"], "resistance": ch["resistance"],
                "kind": "sot_channel", "reference_layer": ch["reference_layer"],
                "sheet_resistance": ch["sheet_resistance"]}

    def write_energy(self, current_density=None, width=None, temperature=None) -> dict:
        """Joule energy of one write pulse in the write path (:meth:`write_path`: the in-plane
        channel of an SOT device, the MTJ of an STT one), E = I^2 R t_eff (J, :func:`joule_energy`)
        with t_eff = integral (j/j0)^2 dt of the trapezoid (docs/physics.md section 6): the
        ``energy_per_pulse`` of ``switch`` and the ``channel`` energy of the cell model
        (:func:`spinloss.cells.cell_energy`). Returns ``current`` (A), ``resistance`` (Ohm),
        ``energy`` (J), ``effective_duration`` (s) and ``path`` (the write path's ``kind``)."""
        path = self.write_path(temperature)
        j = self.pulse.current_density if current_density is None else current_density
        p = self.pulse if width is None else replace(self.pulse, width=width)
        current = np.abs(np.asarray(j, dtype=float)) * path["current_per_density"]
        energy = joule_energy(current, path["resistance"], p.squared_duration)
        return {"current": current, "resistance": path["resistance"], "energy": energy,
                "effective_duration": p.squared_duration, "path": path["kind"]}

    def starting_well(self, temperature: float | None = None):
        """The :class:`spinloss.dynamics.energy.StartingWell` of the file's initial direction, with
        the macrospin parameters at ``temperature`` (K; default the file's)."""
        from .dynamics.energy import StartingWell

        params = self.macrospin_parameters(temperature=temperature)
        try:
            return StartingWell.find(params, self.easy_axis, self.initial_direction)
        except PhysicsError as exc:
            raise ConfigError(self.source, "magnet.initial_direction", str(exc)) from None

    def energy_barrier(self, temperature: float | None = None) -> float:
        """Energy barrier between the two easy-axis states (J), from the macrospin energy
        (anisotropy + demag + Zeeman) by a minimax path search on the sphere
        (:func:`spinloss.dynamics.energy.energy_landscape`)."""
        from .dynamics.energy import energy_landscape

        params = self.macrospin_parameters(temperature=temperature)
        return energy_landscape(params, np.asarray(self.easy_axis))["barrier"] * self.geometry.volume

    def thermal_stability(self, temperature: float | None = None) -> float:
        """Delta = E_b / (k_B T) (:func:`spinloss.dynamics.analytic.thermal_stability_of_barrier`)."""
        from .dynamics.analytic import thermal_stability_of_barrier

        T = self.temperature if temperature is None else float(temperature)
        return thermal_stability_of_barrier(self.energy_barrier(T), T)


# ----------------------------------------------------------------------------- write energy, MTJ


def joule_energy(current, resistance, effective_duration):
    """Joule energy I^2 R t_eff (J) of a current ``current`` (A; arrays broadcast) through
    ``resistance`` (Ohm) for the effective duration ``effective_duration`` (s: the integral of
    (I(t)/I)^2 dt, :meth:`Pulse.effective_duration`). The one home of the formula: the write energy
    (:meth:`Device.write_energy`), the cell's channel and transistor energies and its read energy
    (:mod:`spinloss.cells.cell`)."""
    return current ** 2 * resistance * effective_duration


def mtj_resistances(resistance_area, area, tmr) -> dict:
    """Resistances (Ohm) of an MTJ of area-resistance product ``resistance_area`` (Ohm m^2) and
    area ``area`` (m^2) with ``tmr`` = R_AP/R_P - 1: ``parallel`` R_P = RA/A, ``antiparallel``
    R_AP = R_P (1 + TMR), ``mean`` (R_P + R_AP)/2 = R_P (1 + TMR/2) (the write path of an STT cell,
    whose write starts in either state; the read resistance of a p-bit, whose state flips)."""
    rp = resistance_area / area
    rap = rp * (1 + tmr)
    return {"parallel": rp, "antiparallel": rap, "mean": 0.5 * (rp + rap)}


# ----------------------------------------------------------------------------- [readout]

#: The read current density of Choi et al.'s Fig. 5 (A/m^2, in the magnet): the default of a USMR
#: readout (``[readout] kind = "usmr"``) and of the virtual lab's USMR read (:mod:`spinloss.lab.usmr`).
USMR_READ_CURRENT_DENSITY = 1.3e11

READOUT_KEYS = {"kind", "tmr", "resistance_area", "read_voltage", "read_time", "polarization",
                "max_voltage", "read_current_density", "usmr_ratio"}

#: Readout defaults with sources (``usmr_ratio``: dR/R at the read current density, dimensionless).
READOUT_DEFAULTS = {
    "mtj": {"tmr": 1.5, "resistance_area": 10e-12, "read_voltage": 0.1, "read_time": 5e-9,
            "max_voltage": 0.5},
    "usmr": {"read_current_density": USMR_READ_CURRENT_DENSITY, "read_time": 5e-9, "usmr_ratio": 1e-5},
}
READOUT_SOURCES = {
    "tmr": "[M] CoFeB/MgO MTJs in MRAM: TMR 100-200 %; 150 % taken",
    "resistance_area": "[M] MgO barriers for MRAM: RA 2-20 Ohm um^2; 10 Ohm um^2 taken (SOT read); "
                       "STT cells use lower RA (set in [readout])",
    "read_voltage": "[D] 0.1 V: small enough for a low read disturb",
    "read_time": "[D] 5 ns sensing window",
    "max_voltage": "[M] MgO barrier breakdown ~1 V; 0.5 V taken as the reliability limit",
    "read_current_density": "[V] Choi et al., Nat. Commun. (2025), Fig. 5: 1.3e11 A/m^2 read",
    "usmr_ratio": "[D] not published for the stack: a parameter",
    "attempt_time": "[M] tau_0 = 1 ns",
}


@dataclass(frozen=True)
class ReadoutSpec:
    """Readout: ``kind`` mtj | usmr and its parameters (SI; TMR and ratios dimensionless)."""

    kind: str
    tmr: float | None = None
    resistance_area: float | None = None
    read_voltage: float | None = None
    read_time: float = READOUT_DEFAULTS["mtj"]["read_time"]
    polarization: float | None = None
    max_voltage: float | None = None
    read_current_density: float | None = None
    usmr_ratio: float | None = None

    @property
    def spin_polarization(self) -> float:
        """P from Julliere, TMR = 2P^2/(1 - P^2) -> P = sqrt(TMR/(2 + TMR)) unless given."""
        if self.polarization is not None:
            return self.polarization
        return math.sqrt(self.tmr / (2.0 + self.tmr))

    @property
    def stt_efficiency(self) -> float:
        """Slonczewski MTJ efficiency eta = P/(1 + P^2) (collinear states) [M]."""
        p = self.spin_polarization
        return p / (1.0 + p * p)


def table_number(table, key, dim, source, prefix, *, positive=True) -> float:
    """``table[key]`` in SI units of the dimension ``dim`` (:func:`spinloss.units.to_si`), a finite
    number > 0 (>= 0 with ``positive=False``), else ConfigError at ``prefix.key`` (the keys of
    ``[readout]`` and ``[cell]``)."""
    v = to_si(table[key], dim, source=source, key=f"{prefix}.{key}")
    if not (isinstance(v, float) and math.isfinite(v)) or (positive and v <= 0) or v < 0:
        raise ConfigError(source, f"{prefix}.{key}", "must be a finite number > 0" if positive
                          else "must be a finite number >= 0")
    return float(v)


def parse_readout(device) -> ReadoutSpec:
    """``[readout]`` of the device file -> :class:`ReadoutSpec` (unknown keys are errors)."""
    raw = (device.raw or {}).get("readout", {})
    src = device.source
    check_keys(raw, READOUT_KEYS, source=src, prefix="readout")
    kind = raw.get("kind", "mtj")
    if kind not in READOUT_DEFAULTS:
        raise ConfigError(src, "readout.kind", "must be mtj or usmr")
    allowed = {"kind", "read_time"} | set(READOUT_DEFAULTS[kind]) | ({"polarization"} if kind == "mtj" else set())
    for k in raw:
        if k not in allowed:
            raise ConfigError(src, f"readout.{k}", f"not a key of a {kind} readout (allowed: "
                                                   f"{', '.join(sorted(allowed))})")
    vals = dict(READOUT_DEFAULTS[kind])
    dims = {"tmr": "dimensionless", "resistance_area": None, "read_voltage": "voltage",
            "read_time": "time", "polarization": "dimensionless", "max_voltage": "voltage",
            "read_current_density": "current_density", "usmr_ratio": "dimensionless"}
    for k in raw:
        if k == "kind":
            continue
        if dims[k] is None:  # Ohm m^2: a plain number or "10 Ohm um^2"
            v = raw[k]
            if isinstance(v, str):
                from .units import unit_registry

                try:
                    q = unit_registry().Quantity(v.replace("Ohm", "ohm").replace("Ω", "ohm"))
                    v = float(q.to("ohm * meter ** 2").magnitude)
                except Exception:
                    raise ConfigError(src, f"readout.{k}", "expected an area resistance, e.g. "
                                                           "\"10 Ohm um^2\" or 1e-11 (Ohm m^2)") from None
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise ConfigError(src, f"readout.{k}", "must be > 0 (Ohm m^2)")
            vals[k] = float(v)
        else:
            vals[k] = table_number(raw, k, dims[k], src, "readout")
    if kind == "mtj" and "polarization" in vals and not 0 < vals["polarization"] < 1:
        raise ConfigError(src, "readout.polarization", "must be between 0 and 1")
    return ReadoutSpec(kind=kind, **vals)


#: Anisotropy keys of [magnet] that replace one another when one is overridden.
ANISOTROPY_KEYS = ("anisotropy_field", "uniaxial_anisotropy", "surface_anisotropy")


def apply_device_override(raw: dict, key: str, value, *, source: str) -> None:
    """Apply one ``--set`` override to the raw contents of a device file: ``TABLE.KEY`` of a
    device table, or a stack key (:func:`spinloss.stack.apply_override`). Overriding one way of
    giving the anisotropy (``magnet.anisotropy_field`` or ``magnet.uniaxial_anisotropy`` /
    ``surface_anisotropy``) replaces the file's other way."""
    from .stack import apply_override

    head = key.split(".")[0]
    if head not in DEVICE_TABLES:
        apply_override(raw, key, value, source=source)
        return
    parts = key.split(".")
    if len(parts) != 2:
        raise UnknownKeyError("<command line>", key, "expected TABLE.KEY for a device table")
    table = raw.setdefault(parts[0], {})
    if not isinstance(table, dict):
        raise ConfigError(source, parts[0], "must be a table")
    if parts[0] == "magnet" and parts[1] in ANISOTROPY_KEYS:
        if parts[1] == "anisotropy_field":
            table.pop("uniaxial_anisotropy", None)
            table.pop("surface_anisotropy", None)
        else:
            table.pop("anisotropy_field", None)
    table[parts[1]] = value


def _heating_window(grid, theta, kinks, end, tau, slice_fraction):
    """(peak, stop, edges) of a magnet rise ``theta`` on ``grid``: the window lasts until theta
    stays below :data:`HEATING_END_FRACTION` of its peak (after ``end``, the end of the current),
    the edges are every ``slice_fraction`` of the peak of variation of theta, plus ``kinks``."""
    peak = float(np.max(theta)) if np.size(theta) else 0.0
    t_first = float(grid[0])
    if not peak > 0:
        stop = end
    elif math.isfinite(tau):
        above = np.flatnonzero(theta >= HEATING_END_FRACTION * peak)
        stop = float(grid[min(above[-1] + 1, grid.size - 1)])
    else:
        stop = end + MAX_PULSE_TIME       # an isolated stack keeps its heat
    stop = max(stop, end, t_first + 1e-15)
    var = np.concatenate([[0.0], np.cumsum(np.abs(np.diff(theta)))])
    step = slice_fraction * peak if peak > 0 else 1.0
    cuts = np.interp(np.arange(step, var[-1], step), var, grid) if peak > 0 else np.zeros(0)
    edges = np.unique(np.concatenate([[t_first, stop], np.asarray(kinks, dtype=float), cuts]))
    edges = edges[(edges >= t_first) & (edges <= stop)]
    return peak, stop, edges


def parse_heating(table, stack: Stack, magnet_layer: str, mechanism: str, *, source: str) -> HeatingSpec:
    """The ``[heating]`` table (docs/heating.md): keys, units and ranges checked; when heating is
    on, every layer must have ``thermal_conductivity`` and ``heat_capacity``, the magnet a
    ``curie_temperature`` above the stack's temperature, and the substrate both thermal keys."""
    from .stack import MAX_THICKNESS

    if not isinstance(table, dict):
        raise ConfigError(source, "heating", "must be a table")
    check_keys(table, HEATING_KEYS, source=source, prefix="heating")
    enabled = table.get("enabled", HEATING_DEFAULT and mechanism != "stt")
    if not isinstance(enabled, bool):
        raise ConfigError(source, "heating.enabled", "must be true or false")
    if enabled and mechanism == "stt":
        raise ConfigError(source, "heating.enabled", "the Joule heating model is for a write current in the plane "
                          "of the stack; an STT device's current crosses the junction: set enabled = false")
    substrate = table.get("substrate", DEFAULT_SUBSTRATE)
    if not isinstance(substrate, str):
        raise ConfigError(source, "heating.substrate", "must be a material name (e.g. \"Si\")")
    thick = None
    if "substrate_thickness" in table:
        thick = to_si(table["substrate_thickness"], "length", source=source, key="heating.substrate_thickness")
        check_value(thick, "nonneg", source=source, key="heating.substrate_thickness")
        if thick > MAX_THICKNESS:
            raise ConfigError(source, "heating.substrate_thickness", f"{thick:.3g} m is beyond a thin-film model "
                              f"(maximum {MAX_THICKNESS:g} m): the sink sits within the diffusion length of a pulse")
    rb = to_si(table.get("boundary_resistance", 0.0), "thermal_resistance", source=source,
               key="heating.boundary_resistance", allow_inf=True)
    check_value(rb, "nonneg_or_inf", source=source, key="heating.boundary_resistance")
    if math.isfinite(rb) and rb > MAX_BOUNDARY_RESISTANCE:
        raise ConfigError(source, "heating.boundary_resistance", f"{rb:.3g} m^2 K/W is beyond any interface (maximum "
                          f"{MAX_BOUNDARY_RESISTANCE:g}; give inf for an isolated stack): a missing unit?")
    jem = to_si(table.get("electromigration_current_density", ELECTROMIGRATION_CURRENT_DENSITY), "current_density",
                source=source, key="heating.electromigration_current_density")
    check_value(jem, "pos", source=source, key="heating.electromigration_current_density")
    check_range(jem, 0.0, MAX_CURRENT_DENSITY, "A/m^2", source=source, key="heating.electromigration_current_density")
    n_cc = to_si(table.get("anisotropy_exponent", CALLEN_CALLEN_EXPONENT), "dimensionless", source=source,
                 key="heating.anisotropy_exponent")
    if not (1.0 <= n_cc <= 10.0):
        raise ConfigError(source, "heating.anisotropy_exponent", "must be between 1 and 10 (Callen-Callen: 3 for a "
                          "uniaxial anisotropy)")
    spec = HeatingSpec(enabled, substrate, None if thick is None else float(thick), float(rb), float(jem), float(n_cc))
    if enabled:
        mat = stack.library.lookup(substrate, source=source, key="heating.substrate")
        for k in THERMAL_KEYS:
            if getattr(mat, k) is None:
                raise ConfigError(source, "heating.substrate", f"the substrate {mat.name!r} has no {k} (needed by the "
                                  "Joule heating model)")
        for i, l in enumerate(stack.layers):
            if l.kind == "spin_sink":
                continue        # a boundary condition, no heat flow (thermal.heat_conduction)
            for k in THERMAL_KEYS:
                if getattr(l.material, k) is None:
                    raise ConfigError(source, f"layers[{i}].{k}", f"missing for layer {l.name!r} (material "
                                      f"{l.material.name}): the Joule heating model needs it (give it, or set "
                                      "[heating] enabled = false)")
        i = stack.index(magnet_layer)
        tc = stack.layers[i].material.curie_temperature
        if tc is None:
            raise ConfigError(source, f"layers[{i}].curie_temperature", f"missing for the magnet {magnet_layer!r} "
                              f"(material {stack.layers[i].material.name}): the Joule heating model needs M_s(T) "
                              "(give it, or set [heating] enabled = false)")
        if np.any(np.asarray(stack.temperature) >= np.asarray(tc)):
            raise ConfigError(source, "temperature", f"the stack's temperature is at or above the magnet's Curie "
                              f"temperature {float(np.max(tc)):g} K")
    return spec


def read_stack(path, overrides: dict | None = None) -> Stack:
    """The stack of a stack file or of a device file (its device tables are ignored)."""
    raw = read_toml(path)
    has_device = isinstance(raw, dict) and any(k in raw for k in DEVICE_TABLES)
    if has_device:
        for k in (overrides or {}):
            if k.split(".")[0] in DEVICE_TABLES:
                raise UnknownKeyError("<command line>", k, "a device-table key: this command reads the stack only")
    return Stack.from_dict(raw, source=str(path), overrides=overrides,
                           extra_keys=DEVICE_TABLES if has_device else ())


def _check_field(h, source, key, what="the field"):
    if h > MAX_FIELD:
        raise ConfigError(source, key, f"{what} {h:.3g} A/m (mu0 H = {h * MU0:.3g} T) is beyond any physical "
                                       f"field (maximum {MAX_FIELD:g} A/m): a missing unit?")


def _check_pulse_time(t, source, key):
    if t > MAX_PULSE_TIME:
        raise ConfigError(source, key, f"{t:.3g} s is not a write pulse (maximum {MAX_PULSE_TIME:g} s): a missing unit?")


def _pos(table, key, dim, source, prefix):
    v = to_si(require(table, key, source=source, prefix=prefix), dim, source=source, key=f"{prefix}.{key}")
    check_value(v, "pos", source=source, key=f"{prefix}.{key}")
    return float(v)


def _reference_for(stack: Stack, magnet: str) -> str:
    from .transport import reference_layer_index

    return stack.layers[reference_layer_index(stack, stack.index(magnet))].name
