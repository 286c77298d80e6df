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

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .config import check_keys, read_toml, require
from .errors import ConfigError, PhysicsError, UnknownKeyError
from .materials import check_value
from .stack import MAX_CURRENT_DENSITY, Stack, check_range, parse_direction
from .transport import sot_field_per_current, torques as transport_torques
from .units import MU0, to_si

#: Largest field (A/m) a device file may give (applied field or anisotropy field): mu0 H ~ 126 T,
#: beyond any laboratory field; larger values are typos (a unit missed).
MAX_FIELD = 1e8
#: Longest pulse time (s) of a write pulse (width, rise, fall): beyond it a value is a typo and
#: could not be integrated in any case (1e12 time steps).
MAX_PULSE_TIME = 1.0

#: Lateral sizes of a cell (m) that are physical: below 1 nm no magnet, above 1 mm no cell.
MIN_LATERAL_SIZE = 1e-9
MAX_LATERAL_SIZE = 1e-3

#: "resistance" is read by the lab (spinloss.lab.resistance.ResistanceModel.from_device), not here.
DEVICE_TABLES = {"geometry", "magnet", "field", "pulse", "torques", "readout", "cell", "resistance"}
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
    #: transport results by temperature (the device is immutable, so they never go stale)
    transport_cache: dict = field(default_factory=dict, init=False, compare=False, hash=False, repr=False)

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

        return cls(stack=stack, magnet_layer=layer_name,
                   geometry=Geometry(shape, length, width, d), easy_axis=tuple(easy),
                   anisotropy_field=float(hk), initial_direction=tuple(init), applied_field=h_app,
                   pulse=Pulse(j, width_t, rise, fall), torque_override=override, damping=damping,
                   spin_pumping=spin_pumping, raw=raw, source=source)

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

    def write_energy(self, current_density=None, width=None, temperature=None) -> dict:
        """Joule energy of one write pulse in the channel, E = I^2 R t_eff (J), with
        t_eff = integral (j/j0)^2 dt of the trapezoid (docs/physics.md section 6)."""
        ch = self.channel(temperature)
        j = self.pulse.current_density if current_density is None else current_density
        p = self.pulse if width is None else replace(self.pulse, width=width)
        current = np.abs(np.asarray(j, dtype=float)) * ch["current_per_density"]
        energy = current ** 2 * ch["resistance"] * p.squared_duration
        return {"current": current, "resistance": ch["resistance"], "energy": energy,
                "effective_duration": p.squared_duration}

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
