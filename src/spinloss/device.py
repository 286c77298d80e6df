"""Devices: a stack plus geometry, magnet, field, write pulse and (optionally) measured torques.

A device file is a stack file with these extra tables (names are the public contract)::

    [geometry]
    shape = "ellipse"              # ellipse | rectangle
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

Physics (PHYSICS.md section 4): the demagnetizing tensor comes from the shape and the magnet's
thickness (an ellipse is an ellipsoid with semi-axes length/2, width/2, thickness/2 (Osborn); a
rectangle a prism (Aharoni)); ``anisotropy_field`` is H_K = 2 K_u/(mu0 M_s) with
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
from typing import Any

import numpy as np

from .config import check_keys, read_toml, require
from .errors import ConfigError, PhysicsError
from .materials import check_value
from .stack import STACK_KEYS, Stack, parse_direction
from .transport import torques as transport_torques
from .units import E_CHARGE, HBAR, KB, MU0, to_si

DEVICE_TABLES = {"geometry", "magnet", "field", "pulse", "torques", "readout", "cell"}
GEOMETRY_KEYS = {"shape", "length", "width"}
MAGNET_KEYS = {"layer", "easy_axis", "anisotropy_field", "uniaxial_anisotropy", "surface_anisotropy",
               "initial_direction", "damping"}
FIELD_KEYS = {"applied"}
PULSE_KEYS = {"current_density", "width", "rise_time", "fall_time"}
TORQUE_KEYS = {"mechanism", "damping_like_efficiency", "field_like_efficiency", "polarization"}


@dataclass(frozen=True)
class Geometry:
    """Lateral shape of the magnet: ``shape`` ellipse | rectangle, ``length`` along x (m),
    ``width`` along y (m); ``thickness`` (m) is the magnet layer's."""

    shape: str
    length: float
    width: float
    thickness: float

    @property
    def area(self) -> float:
        """Magnet area in the film plane (m^2)."""
        if self.shape == "ellipse":
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

    @property
    def squared_duration(self) -> float:
        """integral of (j(t)/j0)^2 dt (s): the effective duration for Joule energy."""
        return self.width + (self.rise_time + self.fall) / 3.0


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
    raw: dict = field(default=None, compare=False, hash=False, repr=False)
    source: str = "<api>"

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_toml(cls, path: str | Path, *, overrides: dict | None = None) -> "Device":
        raw = read_toml(path)
        return cls.from_dict(raw, source=str(path), overrides=overrides)

    @classmethod
    def from_dict(cls, raw: dict, *, source: str = "<api>", overrides: dict | None = None) -> "Device":
        import copy

        raw = copy.deepcopy(raw)
        stack_over, dev_over = {}, {}
        for k, v in (overrides or {}).items():
            head = k.split(".")[0]
            (dev_over if head in DEVICE_TABLES else stack_over)[k] = v
        for k, v in dev_over.items():
            parts = k.split(".")
            if len(parts) != 2:
                raise ConfigError("<command line>", k, "expected TABLE.KEY for a device table")
            raw.setdefault(parts[0], {})[parts[1]] = v
        stack = Stack.from_dict(raw, source=source, overrides=stack_over, extra_keys=DEVICE_TABLES)

        geo = require(raw, "geometry", source=source)
        check_keys(geo, GEOMETRY_KEYS, source=source, prefix="geometry")
        shape = geo.get("shape", "ellipse")
        if shape not in ("ellipse", "rectangle"):
            raise ConfigError(source, "geometry.shape", f"unknown shape {shape!r} (ellipse | rectangle)")
        length = _pos(geo, "length", "length", source, "geometry")
        width = _pos(geo, "width", "length", source, "geometry")

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
        else:
            ku = to_si(mag.get("uniaxial_anisotropy", 0.0), "energy_density", source=source,
                       key="magnet.uniaxial_anisotropy")
            ks = to_si(mag.get("surface_anisotropy", 0.0), "surface_energy", source=source,
                       key="magnet.surface_anisotropy")
            keff = ku + ks / d
            if keff < 0:
                raise ConfigError(source, "magnet.uniaxial_anisotropy",
                                  "K_u + K_s/d < 0: give the easy axis of the resulting anisotropy instead")
            hk = 2 * keff / (MU0 * ms)
        init = parse_direction(mag.get("initial_direction", list(-easy)), source=source,
                               key="magnet.initial_direction")
        damping = None
        if "damping" in mag:
            damping = to_si(mag["damping"], "dimensionless", source=source, key="magnet.damping")
            check_value(damping, "pos", source=source, key="magnet.damping")

        fld = raw.get("field", {})
        check_keys(fld, FIELD_KEYS, source=source, prefix="field")
        applied = fld.get("applied", [0.0, 0.0, 0.0])
        if not isinstance(applied, list) or len(applied) != 3:
            raise ConfigError(source, "field.applied", "must be a list of 3 fields (A/m or \"10 mT\")")
        h_app = tuple(to_si(v, "field", source=source, key=f"field.applied[{i}]") for i, v in enumerate(applied))

        pul = raw.get("pulse", {})
        check_keys(pul, PULSE_KEYS, source=source, prefix="pulse")
        j = to_si(pul.get("current_density", float(np.asarray(stack.current_density))), "current_density",
                  source=source, key="pulse.current_density")
        width_t = to_si(pul.get("width", 1e-9), "time", source=source, key="pulse.width")
        check_value(width_t, "nonneg", source=source, key="pulse.width")
        rise = to_si(pul.get("rise_time", 0.0), "time", source=source, key="pulse.rise_time")
        check_value(rise, "nonneg", source=source, key="pulse.rise_time")
        fall = None
        if "fall_time" in pul:
            fall = to_si(pul["fall_time"], "time", source=source, key="pulse.fall_time")
            check_value(fall, "nonneg", source=source, key="pulse.fall_time")

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
                   raw=raw, source=source)

    #: Largest lateral size (m) for which a macrospin is a fair model of the free layer [D]:
    #: a few tens of exchange lengths of a thin film; beyond it reversal proceeds by domains.
    MACROSPIN_MAX_LATERAL_SIZE = 200e-9

    def validity_warnings(self) -> list[str]:
        """Warnings about the macrospin model for this device (empty when it is a fair model)."""
        out = []
        size = max(self.geometry.length, self.geometry.width)
        if size > self.MACROSPIN_MAX_LATERAL_SIZE:
            out.append(f"lateral size {size * 1e9:.0f} nm > {self.MACROSPIN_MAX_LATERAL_SIZE * 1e9:.0f} nm: "
                       "in micrometre Hall bars switching proceeds by domain nucleation and depinning and "
                       "macrospin thresholds can be off by orders of magnitude (Zhu et al., arXiv:2101.10521); "
                       "use micromagnetics for such devices")
        return out

    def with_values(self, overrides: dict) -> "Device":
        """A new device with ``overrides`` (``TABLE.KEY`` for device tables, stack keys otherwise)."""
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
        return float(self.damping if self.damping is not None else np.asarray(self.layer.material.damping))

    @property
    def temperature(self) -> float:
        return float(np.asarray(self.stack.temperature))

    def torque(self, temperature: float | None = None) -> TorqueSpec:
        """Torque efficiencies on the magnet: from ``[torques]`` if given, else the transport model."""
        if self.torque_override is not None:
            return self.torque_override
        res = transport_torques(self.stack, temperature=temperature)
        m = res.magnet(self.magnet_layer)
        return TorqueSpec("sot", float(m.xi_dl), float(m.xi_fl), (0.0, 1.0, 0.0), m.reference_layer,
                          "transport model")

    def field_per_current(self, temperature: float | None = None) -> tuple[float, float]:
        """(H_DL/J, H_FL/J) in A/m per A/m^2: hbar xi / (2 e mu0 M_s d) (PHYSICS.md section 2)."""
        t = self.torque(temperature)
        f = HBAR / (2 * E_CHARGE * MU0 * self.saturation_magnetization * self.geometry.thickness)
        return t.damping_like_efficiency * f, t.field_like_efficiency * f

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
            saturation_magnetization=self.saturation_magnetization, damping=self.gilbert_damping,
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
        res = transport_torques(self.stack, temperature=temperature)
        j_ref = float(np.asarray(res.current_density))
        total = sum(float(np.asarray(l.current_density)) * float(np.asarray(l.thickness)) for l in res.layers)
        g = self.geometry
        return {"current_per_density": g.width * total / j_ref,
                "resistance": float(np.asarray(res.sheet_resistance)) * g.length / g.width,
                "sheet_resistance": float(np.asarray(res.sheet_resistance)),
                "reference_layer": res.reference_layer}

    def write_energy(self, current_density=None, width=None, temperature=None) -> dict:
        """Joule energy of one write pulse in the channel, E = I^2 R t_eff (J), with
        t_eff = integral (j/j0)^2 dt of the trapezoid (PHYSICS.md section 6)."""
        ch = self.channel(temperature)
        j = self.pulse.current_density if current_density is None else current_density
        p = self.pulse if width is None else replace(self.pulse, width=width)
        current = np.abs(np.asarray(j, dtype=float)) * ch["current_per_density"]
        energy = current ** 2 * ch["resistance"] * p.squared_duration
        return {"current": current, "resistance": ch["resistance"], "energy": energy,
                "effective_duration": p.squared_duration}

    def energy_barrier(self, temperature: float | None = None) -> float:
        """Energy barrier between the two easy-axis states (J), from the macrospin energy
        (anisotropy + demag + Zeeman) by a minimax path search on the sphere."""
        from .dynamics import energy_density

        params = self.macrospin_parameters(temperature=temperature)
        return energy_barrier_density(params, np.asarray(self.easy_axis), energy_density) * self.geometry.volume

    def thermal_stability(self, temperature: float | None = None) -> float:
        """Delta = E_b / (k_B T)."""
        T = self.temperature if temperature is None else float(temperature)
        return self.energy_barrier(T) / (KB * T)


def _pos(table, key, dim, source, prefix):
    v = to_si(require(table, key, source=source, prefix=prefix), dim, source=source, key=f"{prefix}.{key}")
    check_value(v, "pos", source=source, key=f"{prefix}.{key}")
    return float(v)


def _reference_for(stack: Stack, magnet: str) -> str:
    from .transport import _reference_layer

    return stack.layers[_reference_layer(stack, stack.index(magnet))].name


def energy_barrier_density(params, easy_axis, energy_fn, n_theta: int = 181, n_phi: int = 360) -> float:
    """Energy barrier (J/m^3); see :func:`energy_landscape`."""
    return energy_landscape(params, easy_axis, energy_fn, n_theta, n_phi)["barrier"]


def energy_landscape(params, easy_axis, energy_fn, n_theta: int = 181, n_phi: int = 360) -> dict:
    """Energy landscape between the states near +easy_axis and -easy_axis (J/m^3).

    Returns ``saddle`` (the lowest saddle joining the two wells), ``minimum_positive`` and
    ``minimum_negative`` (the well minima on either side of the plane normal to the easy axis)
    and ``barrier`` = saddle minus the higher of the two minima (the weaker state sets
    retention). Where a field has removed one of the wells, ``barrier`` is 0 and
    ``missing_well`` names it.

    Method: energy on a (theta, phi) grid in a frame whose pole is the easy axis; local minima by
    a 3x3 minimum filter (periodic in phi); the saddle level by flooding (bisection on the level
    with connected-component labelling, periodic in phi); then the saddle point refined as a
    stationary point of the energy on the sphere (Newton on the tangential gradient from the
    grid saddle) so that the result does not depend on the grid.
    """
    from scipy import ndimage
    from scipy.optimize import root

    u = np.asarray(easy_axis, dtype=float)
    u = u / np.linalg.norm(u)
    a = np.array([1.0, 0.0, 0.0]) if abs(u[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = a - (a @ u) * u
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(u, e1)

    def direction(th, ph):
        th, ph = np.asarray(th), np.asarray(ph)
        return (np.cos(th)[..., None] * u + (np.sin(th) * np.cos(ph))[..., None] * e1
                + (np.sin(th) * np.sin(ph))[..., None] * e2)

    def energy(m):
        m = np.atleast_2d(m)
        return np.asarray(energy_fn(params, m), dtype=float)

    th = np.linspace(0.0, np.pi, n_theta)
    ph = np.linspace(0.0, 2 * np.pi, n_phi, endpoint=False)
    T, P = np.meshgrid(th, ph, indexing="ij")
    e = energy(direction(T, P).reshape(-1, 3)).reshape(n_theta, n_phi)
    # pole rows are single points: use one value for the whole row
    e[0, :] = e[0, 0]
    e[-1, :] = e[-1, 0]

    # local minima of the grid (3x3 neighbourhood, periodic in phi)
    filt = ndimage.minimum_filter(e, size=3, mode=("nearest", "wrap"))
    is_min = e <= filt
    half = n_theta // 2
    top_min = e[: half][is_min[: half]]
    bot_min = e[half + 1:][is_min[half + 1:]]
    if top_min.size == 0 or bot_min.size == 0:
        which = "positive" if top_min.size == 0 else "negative"
        lo_side = float(e.min())
        return {"barrier": 0.0, "saddle": lo_side, "minimum_positive": float(e[: half].min()),
                "minimum_negative": float(e[half + 1:].min()), "missing_well": which}
    e_top, e_bot = float(top_min.min()), float(bot_min.min())
    i_top = np.argwhere(is_min[: half] & (e[: half] == e_top))[0]
    i_bot = np.argwhere(is_min[half + 1:] & (e[half + 1:] == e_bot))[0] + np.array([half + 1, 0])

    def labels(level):
        mask = e <= level
        lab, _ = ndimage.label(mask)
        # periodic in phi and single-node poles: merge labels through a union-find
        parent = {}

        def find(x):
            while parent.get(x, x) != x:
                x = parent[x]
            return x

        def union(x, y):
            if x and y:
                rx, ry = find(x), find(y)
                if rx != ry:
                    parent[rx] = ry

        for i in range(n_theta):
            union(lab[i, 0], lab[i, -1])
        for row in (0, n_theta - 1):
            ids = [v for v in np.unique(lab[row]) if v]
            for v in ids[1:]:
                union(ids[0], v)
        return lab, find

    def connected(level):
        lab, find = labels(level)
        la, lb = lab[tuple(i_top)], lab[tuple(i_bot)]
        return bool(la and lb and find(la) == find(lb))

    lo, hi = max(e_top, e_bot), float(e.max())
    if not connected(hi):
        raise PhysicsError("energy landscape has no path between the wells")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if connected(mid):
            hi = mid
        else:
            lo = mid
    saddle = hi
    # refine: the grid point nearest the saddle level among those in the joined component
    lab, find = labels(hi)
    root_label = find(lab[tuple(i_top)])
    comp = np.vectorize(lambda v: bool(v) and find(v) == root_label)(lab)
    cand = np.argwhere(comp)
    k = int(np.argmax(e[comp]))
    t0, p0 = th[cand[k][0]], ph[cand[k][1]]
    from .dynamics import effective_field

    def tangential_gradient(x):
        m = direction(x[0], x[1]).reshape(1, 3)
        h = np.asarray(effective_field(params, m))[0]
        e_th = direction(x[0] + np.pi / 2, x[1])
        e_ph = np.array([-np.sin(x[1]) * e1 + np.cos(x[1]) * e2]).reshape(3)
        return [h @ e_th, h @ e_ph]

    try:
        sol = root(tangential_gradient, [t0, p0], method="hybr", options={"xtol": 1e-13})
        if sol.success and 0 < sol.x[0] < np.pi:
            refined = float(energy(direction(sol.x[0], sol.x[1]))[0])
            # accept only a stationary point at the flooded level (within the grid's resolution)
            grid_step = np.pi / (n_theta - 1)
            if abs(refined - saddle) <= 4 * grid_step**2 * (float(e.max()) - min(e_top, e_bot)) + 1e-30:
                saddle = refined
    except (ValueError, FloatingPointError):
        pass
    return {"barrier": float(saddle - max(e_top, e_bot)), "saddle": float(saddle),
            "minimum_positive": e_top, "minimum_negative": e_bot, "missing_well": None}
