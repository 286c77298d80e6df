"""Spin transport through a layer stack: 1D spin drift-diffusion with magnon sinks -> torques.

Model (docs/physics.md section 3; derivation in docs/transport.md):

* Charge: layers conduct in parallel with a common field E along +x, J_i = E / rho_i; insulators
  (and AFIs) carry none.
* Spin, in every metal: Q = -(sigma/2) du/dz + theta J (u = mu_s/e in volts, Q in A/m^2, flow
  towards +z positive, spin Hall polarization +y for theta > 0), d2u/dz2 = u/lambda^2.
* In a ferromagnet the spin is split into the part along m (real, spin-flip length lambda_sf) and
  the part transverse to m, a complex number psi = u.e1 + i u.e2 in the frame (m, e1, e2 = e1 x m)
  with 1/lambda_perp^2 = 1/lambda_sf^2 + 1/lambda_phi^2 + i/lambda_J^2 (the s-d exchange turns
  transverse spin about m as ds/dt = omega_J m x s; derived in docs/transport.md). The transverse
  spin lost inside the magnet through dephasing and precession is the torque on m; what spin flip
  removes goes to the lattice. ``spin_dephasing_length = 0`` is the limit of instantaneous dephasing: no
  transverse accumulation survives in the magnet and all transverse spin reaching it is torque.
* In an antiferromagnetic insulator (AFI) magnons carry spin: Q_m = -sigma_m du_m/dz,
  d2u_m/dz2 = u_m/lambda_m^2. A metal/AFI interface passes Q = G_int (u - u_m). An AFI on an
  insulator is a sink of conductance 1/G_eff = 1/G_int + 1/[(sigma_m/lambda_m) tanh(t/lambda_m)].
  G_int, sigma_m and lambda_m depend on T/T_N (T_N of the film: finite-size law) through a
  pluggable temperature law (default: the thermal number of gapped linear magnons).
* Interfaces: normal metal/ferromagnet, transverse: a three-terminal law, Q_N = G_mix psi_N -
  G_t psi_F leaves the metal, Q_F = G_t (psi_N - psi_F) enters the magnet's channel, the rest is
  absorbed at the interface (torque); G_mix = G_r + i G_i complex, G_t (transmitted mixing
  conductance) 0 by default. Longitudinal: Q = G (u_a - u_b) with G = ``spin_conductance`` (inf:
  continuous u); insulators reflect (Q = 0).
* Spin pumping: every magnet's pumping conductance (Onsager partner of the torque) is solved with
  the same conductances, the magnet held at unit transverse accumulation.

Torque efficiencies (docs/physics.md section 2) are the signed coefficients of
T = -gamma mu0 H_DL m x (m x s) - gamma mu0 H_FL m x s with s = +y (current along +x):
xi_DL = Re(tau)/J_ref and xi_FL = Im(tau)/J_ref, tau being the complex transverse torque (A/m^2,
charge units) computed for a unit projection of y on the plane transverse to m. They are
independent of the direction of m in this isotropic model; torques with other angular
dependences (e.g. from a spin anomalous Hall source along m) enter only the longitudinal
channel and are reported in the spin profiles, not in xi.

The solver is vectorized: any stack parameter may be a numpy array (a sweep) and all results
then have the broadcast shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable

import numpy as np

from .errors import PhysicsError
from .io import JsonResult, to_jsonable
from .stack import Stack
from .units import HBAR, E_CHARGE, MU0
from .vectors import polarization_frame

# Reference conductance for equation scaling (Ohm^-1 m^-2); any value of the order of the
# interface conductances keeps the linear systems well conditioned.
_G0 = 1e15


# ----------------------------------------------------------------------------- temperature law

#: Shift exponent of the finite-size law of T_N when a material gives none: 1/nu of the 3D
#: Heisenberg class, nu = 0.711 [M: Campostrini et al., PRB 65, 144520 (2002)].
HEISENBERG_SHIFT_EXPONENT = 1.0 / 0.711

#: 2 zeta(3) = integral of x^2/(e^x - 1) over x > 0: the gapless magnon number integral.
_TWO_ZETA3 = 2.0 * 1.2020569031595942


def film_neel_temperature(neel_temperature, thickness, finite_size_length=0.0, finite_size_exponent=None):
    """Neel temperature of an AFI film (K), docs/physics.md section 3.3:

        T_N(t) = T_N,bulk [1 - (t0/t)^lambda]     (0 for t <= t0: the film never orders)

    ``finite_size_length`` t0 (m; 0 or None: the bulk value), ``finite_size_exponent`` lambda
    (None: :data:`HEISENBERG_SHIFT_EXPONENT`). Arrays broadcast."""
    tn = np.asarray(neel_temperature, dtype=float)
    t0 = np.asarray(0.0 if finite_size_length is None else finite_size_length, dtype=float)
    lam = np.asarray(HEISENBERG_SHIFT_EXPONENT if finite_size_exponent is None else finite_size_exponent,
                     dtype=float)
    t = np.asarray(thickness, dtype=float)
    ratio = np.where(t0 > 0, t0 / t, 0.0)
    return tn * np.clip(1.0 - ratio ** lam, 0.0, 1.0)


def layer_neel_temperature(layer):
    """The finite-size Neel temperature (K) of an AFI :class:`~spinloss.stack.Layer` (its material's
    ``neel_temperature`` as the bulk value, ``neel_finite_size_length`` and ``_exponent``)."""
    mat = layer.material
    return film_neel_temperature(mat.neel_temperature, layer.thickness, mat.neel_finite_size_length,
                                 mat.neel_finite_size_exponent)


def _log_gapped_number_integral(delta):
    """log I(delta), I(delta) = integral_0^inf x^2 dx / (exp(sqrt(x^2 + delta^2)) - 1): the thermal
    number of one magnon branch eps = sqrt(Delta^2 + (hbar v k)^2) in units of (k_B T/hbar v)^3/(2 pi^2),
    delta = Delta/(k_B T). I(0) = 2 zeta(3); I ~ sqrt(pi/2) delta^(3/2) exp(-delta) for delta >> 1.

    Evaluated with x = delta sinh(w) (so sqrt(x^2 + delta^2) = delta cosh(w)) and exp(-delta) taken
    out, which keeps large delta free of underflow: I = exp(-delta) J,
    J = integral_0^W delta^3 sinh^2 w cosh w exp(-delta (cosh w - 1)) / (1 - exp(-delta cosh w)) dw;
    the integrand is even and analytic in w, so the trapezoid rule converges exponentially (300
    nodes: relative error < 1e-12 against adaptive quadrature, tests/test_transport_temperature.py).
    Vectorized over delta (only its distinct values are integrated)."""
    d = np.asarray(delta, dtype=float)
    flat, inverse = np.unique(np.maximum(d, 1e-8).ravel(), return_inverse=True)
    wmax = np.arccosh(1.0 + 60.0 / flat)          # delta (cosh w - 1) = 60 at the cut: e^-60
    s = np.linspace(0.0, 1.0, 301)
    w = wmax[:, None] * s[None, :]
    dd = flat[:, None]
    ch = np.cosh(w)
    f = dd ** 3 * np.sinh(w) ** 2 * ch * np.exp(-dd * (ch - 1.0)) / (-np.expm1(-dd * ch))
    weights = np.full(s.shape, 1.0)
    weights[0] = weights[-1] = 0.5
    J = (f * weights).sum(axis=1) * (wmax / (s.size - 1))
    out = np.log(J) - flat
    return out[inverse].reshape(d.shape)


def log_magnon_number_factor(temperature, gap_frequencies=(0.0,)):
    """log of :func:`magnon_number_factor` (stays finite where the factor underflows)."""
    from .units import KB

    h = 2.0 * np.pi * HBAR
    T = np.asarray(temperature, dtype=float)
    logs = np.array(np.broadcast_arrays(*[_log_gapped_number_integral(h * np.asarray(g, dtype=float) / (KB * T))
                                          for g in gap_frequencies]))
    top = np.max(logs, axis=0)
    return top + np.log(np.mean(np.exp(logs - top), axis=0)) - np.log(_TWO_ZETA3)


def magnon_number_factor(temperature, gap_frequencies=(0.0,)):
    """Thermal magnon number of an antiferromagnet with linear dispersion above a gap, relative to
    the same number without gaps: mean over the branches b of I(h f_b / k_B T) / (2 zeta(3))
    (docs/physics.md section 3.3; 1 for gapless branches, activated exp(-h f_b/k_B T) below a gap).
    Times T^3 it is proportional to the magnon number per volume (same spin-wave velocity for
    every branch). ``gap_frequencies``: the gaps Delta_b/h in Hz (arrays broadcast)."""
    return np.exp(log_magnon_number_factor(temperature, gap_frequencies))


@dataclass(frozen=True)
class MagnonTemperatureLaw:
    """Temperature dependence of an AFI's magnon transport (docs/physics.md section 3.3).

    A value given in a file at the reference temperature T_ref is scaled as
    v(T) = v_ref f(T)/f(T_ref), with tau = T/T_N and T_N the Neel temperature of the film (finite-size
    law, :func:`film_neel_temperature`). Default factors (docs/transport.md lists them):

    * population P(T): the thermal magnon number below T_N, frozen at its T_N value above. With
      ``population_law = "antiferromagnet"`` (default) P = min(tau, 1)^3 x
      :func:`magnon_number_factor` at min(T, T_N) with the material's gaps (``magnon_gap_frequency_low``,
      ``_high``): T^3 well above the gaps, activated below them [D, derived in docs/transport.md].
      ``"power"`` gives the former min(tau, 1)^population_exponent (1.5: a ferromagnet's magnons).
    * G_int: P x [1 + (peak_enhancement - 1) exp(-((tau - 1)/peak_width)^2)] (spin fluctuations
      enhance transmission near T_N, up to ~10x: Lin et al., PRL 116, 186601 (2016)) [D].
    * lambda_m: constant in the ordered state, falling above T_N (e-fold width ``paramagnet_width``
      in tau) to a floor ``paramagnet_floor`` [D].
    * sigma_m: P x (lambda_m factor)^2 [D].

    ``interface``, ``diffusion_length``, ``conductivity``: optional user functions of tau replacing
    the default factors.
    """

    peak_enhancement: float = 10.0
    peak_width: float = 0.15
    paramagnet_width: float = 0.05
    paramagnet_floor: float = 0.05
    population_law: str = "antiferromagnet"
    population_exponent: float = 1.5
    interface: Callable | None = None
    diffusion_length: Callable | None = None
    conductivity: Callable | None = None

    def __post_init__(self):
        if self.population_law not in ("antiferromagnet", "power"):
            raise PhysicsError(f"population_law must be 'antiferromagnet' or 'power', not {self.population_law!r}")

    def log_population(self, temperature, neel_temperature, gap_frequencies=(0.0,)):
        """log of :meth:`population`."""
        T = np.asarray(temperature, dtype=float)
        tn = np.asarray(neel_temperature, dtype=float)
        with np.errstate(divide="ignore"):
            log_tau = np.log(np.minimum(T / tn, 1.0))
        if self.population_law == "power":
            return self.population_exponent * log_tau
        return 3.0 * log_tau + log_magnon_number_factor(np.minimum(T, tn), gap_frequencies)

    def population(self, temperature, neel_temperature, gap_frequencies=(0.0,)):
        """Relative thermal magnon number P (dimensionless; 1 at T_N for gapless branches)."""
        return np.exp(self.log_population(temperature, neel_temperature, gap_frequencies))

    def _peak(self, tau):
        return 1.0 + (self.peak_enhancement - 1.0) * np.exp(-(((tau - 1.0) / self.peak_width) ** 2))

    def _length(self, tau):
        above = np.exp(-np.maximum(tau - 1.0, 0.0) / self.paramagnet_width)
        return self.paramagnet_floor + (1.0 - self.paramagnet_floor) * above

    def log_factor(self, kind, temperature, neel_temperature, gap_frequencies=(0.0,)):
        """log f(T) of ``kind`` ("interface", "diffusion_length" or "conductivity")."""
        T = np.asarray(temperature, dtype=float)
        tn = np.asarray(neel_temperature, dtype=float)
        tau = T / tn
        user = {"interface": self.interface, "diffusion_length": self.diffusion_length,
                "conductivity": self.conductivity}[kind]
        with np.errstate(divide="ignore"):
            if user is not None:
                return np.log(np.asarray(user(tau), dtype=float))
            if kind == "diffusion_length":
                return np.log(self._length(tau))
            pop = self.log_population(T, tn, gap_frequencies)
            if kind == "interface":
                return pop + np.log(self._peak(tau))
            # above T_N the paramagnet both relaxes fast and carries little: sigma_m falls with the
            # square of the decay-length factor, so the bulk conductance sigma_m/lambda_m falls too
            return pop + 2.0 * np.log(self._length(tau))

    def factor(self, kind, temperature, neel_temperature, gap_frequencies=(0.0,)):
        """The factor f(T) of ``kind`` ("interface", "diffusion_length" or "conductivity")."""
        return np.exp(self.log_factor(kind, temperature, neel_temperature, gap_frequencies))

    def scale(self, kind: str, value, temperature, reference_temperature, neel_temperature,
              gap_frequencies=(0.0,)):
        """v(T) = v_ref f(T)/f(T_ref) (in log space: no underflow for deep gaps or cold T_ref)."""
        num = self.log_factor(kind, temperature, neel_temperature, gap_frequencies)
        den = self.log_factor(kind, reference_temperature, neel_temperature, gap_frequencies)
        with np.errstate(invalid="ignore"):
            ratio = np.where(num == den, 1.0, np.exp(num - den))
        return value * ratio


DEFAULT_TEMPERATURE_LAW = MagnonTemperatureLaw()


def effective_sink_conductance(interface_conductance, magnon_spin_conductivity,
                               magnon_diffusion_length, thickness):
    """G_eff of an AFI film on a non-relaxing far side (Ohm^-1 m^-2), docs/physics.md section 3:
    1/G_eff = 1/G_int + 1/[(sigma_m/lambda_m) tanh(t/lambda_m)]."""
    bulk = magnon_spin_conductivity / magnon_diffusion_length * np.tanh(thickness / magnon_diffusion_length)
    with np.errstate(divide="ignore"):
        return 1.0 / (1.0 / interface_conductance + 1.0 / bulk)


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MagnetTorque:
    """Torque on one ferromagnetic layer.

    xi_dl, xi_fl: damping-like / field-like efficiencies per current density in
        ``reference_layer`` (dimensionless; docs/physics.md section 2 sign convention, s = +y).
    sigma_dl, sigma_fl: spin-torque conductivities, torque per electric field in charge units
        (Ohm^-1 m^-1; multiply by hbar/2e for angular momentum).
    b_dl, b_fl: mu0 H_DL, mu0 H_FL in tesla at the stack's current density.
    torque: complex transverse torque per area (A/m^2, charge units) at the stack's current.
    pumping_conductance: complex spin-pumping conductance of the magnet's environment
        (Ohm^-1 m^-2, charge units): the transverse spin current the magnet sends into its
        neighbours per unit transverse accumulation at its surfaces, backflow included
        (docs/transport.md, "Spin pumping"). Its real part damps.
    spin_pumping_damping: Delta alpha = g mu_B hbar Re(G_p) / (2 e^2 M_s d)
        (:func:`spin_pumping_damping`).
    """

    layer: str
    reference_layer: str
    xi_dl: Any
    xi_fl: Any
    sigma_dl: Any
    sigma_fl: Any
    b_dl: Any
    b_fl: Any
    torque: Any
    thickness: Any
    saturation_magnetization: Any
    pumping_conductance: Any = None
    spin_pumping_damping: Any = None


@dataclass(frozen=True)
class LayerCurrent:
    """Charge current in one layer: fraction of the total, density (A/m^2), Joule power (W/m^2)."""

    name: str
    material: str
    kind: str
    thickness: Any
    resistivity: Any
    current_fraction: Any
    current_density: Any
    joule_power: Any


@dataclass(frozen=True)
class TorqueResult(JsonResult):
    """Result of :func:`torques` (all arrays share the stack's broadcast shape)."""

    stack_name: str
    shape: tuple
    temperature: Any
    current_density: Any
    reference_layer: str
    electric_field: Any
    sheet_resistance: Any
    magnets: list
    layers: list
    spin_balance: dict
    profiles: dict | None = field(default=None, repr=False)

    def magnet(self, name: str | None = None) -> MagnetTorque:
        """The torque on magnet ``name`` (default: the first magnet)."""
        if name is None:
            return self.magnets[0]
        for m in self.magnets:
            if m.layer == name:
                return m
        raise KeyError(name)

    @property
    def joule_power(self):
        """Total Joule power per area of the stack (W/m^2)."""
        return sum(l.joule_power for l in self.layers)

    UNITS = {"xi_dl": "1", "xi_fl": "1", "sigma_dl": "Ohm^-1 m^-1", "sigma_fl": "Ohm^-1 m^-1",
             "b_dl": "T", "b_fl": "T", "current_density": "A/m^2", "electric_field": "V/m",
             "sheet_resistance": "Ohm", "joule_power": "W/m^2", "temperature": "K", "thickness": "m",
             "resistivity": "Ohm m", "current_fraction": "1", "spin_balance_residual": "1",
             "pumping_conductance": "Ohm^-1 m^-2",
             "spin_pumping_damping": "1"}

    def select(self, index) -> "TorqueResult":
        """The result at one point (or a sub-array) of a vectorized result: every array field
        indexed by ``index`` (a flat index into ``shape``, or a tuple)."""
        idx = np.unravel_index(index, self.shape) if isinstance(index, (int, np.integer)) and self.shape else index

        def pick(v):
            a = np.asarray(v)
            if a.ndim == 0:
                return v
            return np.broadcast_to(a, self.shape + a.shape[len(self.shape):])[idx]

        def pick_all(obj):
            return replace(obj, **{f.name: pick(getattr(obj, f.name)) for f in fields(obj)
                                   if not isinstance(getattr(obj, f.name), str)})

        balance = {"torque": {k: pick(v) for k, v in self.spin_balance["torque"].items()},
                   "relative_residual": pick(self.spin_balance["relative_residual"]),
                   "generated": self.spin_balance["generated"]}
        prof = None
        if self.profiles is not None:
            prof = {k: (pick(v) if k in ("z", "spin_accumulation", "spin_current") else v)
                    for k, v in self.profiles.items()}
        sub = np.empty(self.shape)[idx].shape if self.shape else ()
        return replace(self, shape=sub, temperature=pick(self.temperature),
                       current_density=pick(self.current_density), electric_field=pick(self.electric_field),
                       sheet_resistance=pick(self.sheet_resistance), magnets=[pick_all(m) for m in self.magnets],
                       layers=[pick_all(l) for l in self.layers], spin_balance=balance, profiles=prof)

    def as_dict(self) -> dict:
        """A JSON-serializable dict (arrays as nested lists, non-finite as None)."""
        out = {
            "stack": self.stack_name,
            "temperature": _j(self.temperature),
            "current_density": _j(self.current_density),
            "reference_layer": self.reference_layer,
            "electric_field": _j(self.electric_field),
            "sheet_resistance": _j(self.sheet_resistance),
            "units": dict(self.UNITS),
            "magnets": [
                {"layer": m.layer, "reference_layer": m.reference_layer, "xi_dl": _j(m.xi_dl),
                 "xi_fl": _j(m.xi_fl), "sigma_dl": _j(m.sigma_dl), "sigma_fl": _j(m.sigma_fl),
                 "b_dl": _j(m.b_dl), "b_fl": _j(m.b_fl),
                 "pumping_conductance": _j(m.pumping_conductance),
                 "spin_pumping_damping": _j(m.spin_pumping_damping)} for m in self.magnets],
            "layers": [
                {"name": l.name, "material": l.material, "kind": l.kind, "thickness": _j(l.thickness),
                 "resistivity": _j(l.resistivity), "current_fraction": _j(l.current_fraction),
                 "current_density": _j(l.current_density), "joule_power": _j(l.joule_power)}
                for l in self.layers],
            "spin_balance_residual": _j(self.spin_balance["relative_residual"]),
        }
        if self.profiles is not None:
            out["profiles"] = self.profiles
        return out

    def to_xarray(self):
        """An xarray.Dataset with units in the attributes (dimension ``point`` for sweeps)."""
        import xarray as xr

        dims = tuple(f"dim_{i}" for i in range(len(self.shape)))
        data = {}

        def put(name, value, unit, desc):
            arr = np.broadcast_to(np.asarray(value), self.shape)
            data[name] = xr.DataArray(arr, dims=dims, attrs={"units": unit, "description": desc})

        put("electric_field", self.electric_field, "V/m", "common electric field along x")
        put("sheet_resistance", self.sheet_resistance, "Ohm", "sheet resistance of the stack")
        for m in self.magnets:
            put(f"xi_dl_{m.layer}", m.xi_dl, "1", f"damping-like efficiency per J in {m.reference_layer}")
            put(f"xi_fl_{m.layer}", m.xi_fl, "1", f"field-like efficiency per J in {m.reference_layer}")
            put(f"sigma_dl_{m.layer}", m.sigma_dl, "Ohm^-1 m^-1", "damping-like spin-torque conductivity")
            put(f"sigma_fl_{m.layer}", m.sigma_fl, "Ohm^-1 m^-1", "field-like spin-torque conductivity")
            put(f"b_dl_{m.layer}", m.b_dl, "T", "mu0 H_DL at the stack current density")
            put(f"b_fl_{m.layer}", m.b_fl, "T", "mu0 H_FL at the stack current density")
            g_p = np.asarray(m.pumping_conductance)
            put(f"pumping_conductance_real_{m.layer}", g_p.real, "Ohm^-1 m^-2",
                "real part of the spin-pumping conductance of the magnet's environment")
            put(f"pumping_conductance_imag_{m.layer}", g_p.imag, "Ohm^-1 m^-2",
                "imaginary part of the spin-pumping conductance of the magnet's environment")
            put(f"spin_pumping_damping_{m.layer}", m.spin_pumping_damping, "1",
                "Delta alpha = g mu_B hbar Re(G_p) / (2 e^2 Ms d)")
        for l in self.layers:
            put(f"current_fraction_{l.name}", l.current_fraction, "1", "share of the charge current")
            put(f"current_density_{l.name}", l.current_density, "A/m^2", "charge current density")
            put(f"joule_power_{l.name}", l.joule_power, "W/m^2", "Joule power per area")
        return xr.Dataset(data, attrs={"stack": self.stack_name, "reference_layer": self.reference_layer,
                                       "conventions": "spinloss docs/physics.md section 2: current +x, normal +z, s = +y"})


def _j(x):
    """A field of the result as JSON (io.to_jsonable: floats, nested lists, non-finite as None,
    complex values as {"real", "imag"}, as in every result)."""
    a = np.asarray(x)
    return to_jsonable(a if a.dtype.kind == "c" else a.astype(float))


# ----------------------------------------------------------------------------- core solver


def _basis(lam, d):
    """tau = lam tanh(d/2lam) and kappa = tanh(d/2lam)/lam for the centered basis, inf-safe."""
    lam = np.asarray(lam)
    inf = np.isinf(lam) if not np.iscomplexobj(lam) else np.isinf(lam.real) | np.isinf(lam.imag)
    lam_safe = np.where(inf, 1.0, lam)
    x = d / (2.0 * lam_safe)
    # tanh of a large-real-part argument is 1 to double precision; avoid overflow warnings.
    big = np.real(x) > 40.0
    th = np.tanh(np.where(big, 0.0, x))
    th = np.where(big, 1.0, th)
    tau = np.where(inf, d / 2.0, lam_safe * th)
    kappa = np.where(inf, 0.0, th / lam_safe)
    return tau, kappa


@dataclass
class _Channel:
    """One spin channel of the whole stack (longitudinal: real, transverse: complex)."""

    status: list      # per layer: "insulator" | "active" | "grounded" (psi = 0) | "reservoir" (psi = 1)
    c: list           # per layer: spin conductivity coefficient (sigma/2 or sigma_m)
    lam: list         # per layer: decay length (complex for transverse FM)
    src: list         # per layer: source theta*J (A/m^2)
    d: list           # per layer: thickness
    gaps: list        # per gap: conductance G (complex array; inf allowed)
    mixing: list = None  # per gap: None, or (G_t, metal_below) for a normal-metal/ferromagnet gap
                         # of the transverse channel (three-terminal law, docs/transport.md)


#: Potential of the node beyond a non-active layer: grounded (the magnetization at rest) or the
#: pumping reservoir (a precessing magnet, unit spin accumulation).
_NODE_POTENTIAL = {"grounded": 0.0, "reservoir": 1.0}


def _solve_channel(ch: _Channel, n: int):
    """Solve the linear boundary-value problem of one channel for a batch of n points.

    Returns per-layer coefficient arrays (A, B) (None for inactive layers) and boundary values.
    """
    L = len(ch.status)
    mixing = ch.mixing if ch.mixing is not None else [None] * (L - 1)
    idx = {}
    for i, s in enumerate(ch.status):
        if s == "active":
            idx[i] = len(idx)
    m = 2 * len(idx)
    if m == 0:
        return {}, {}
    M = np.zeros((n, m, m), dtype=complex)
    rhs = np.zeros((n, m), dtype=complex)
    tau = {}
    kap = {}
    for i in idx:
        tau[i], kap[i] = _basis(ch.lam[i], ch.d[i])
        tau[i] = np.broadcast_to(tau[i], (n,))
        kap[i] = np.broadcast_to(kap[i], (n,))

    # Side values as linear forms: value = coefA*A + coefB*B + const
    def u_side(i, top):
        t = tau[i]
        return (np.ones(n), t if top else -t, np.zeros(n))

    def q_side(i, top):
        c = np.broadcast_to(ch.c[i], (n,))
        k = kap[i]
        s = np.broadcast_to(ch.src[i], (n,))
        return ((-c * k) if top else (c * k), -c, s)

    row = [0]

    def add(terms, const_extra=0.0):
        """Add one equation: sum(weight * linear form) + const_extra = 0."""
        r = row[0]
        total_const = np.zeros(n, dtype=complex) + const_extra
        for w, i, form in terms:
            a, b, cst = form
            j = 2 * idx[i]
            M[:, r, j] += w * a
            M[:, r, j + 1] += w * b
            total_const = total_const + w * cst
        rhs[:, r] = -total_const
        row[0] += 1

    def weights(G):
        G = np.broadcast_to(np.asarray(G, dtype=complex), (n,))
        ginf = np.isinf(G.real)
        mag = np.where(ginf, 0.0, np.abs(G))
        wq = np.where(ginf, 0.0, 1.0 / (_G0 + mag))           # weight of Q
        wu = np.where(ginf, 1.0, np.where(ginf, 0.0, G) / (_G0 + mag))  # weight of u difference
        return wq, wu, np.where(ginf, 0.0, 1.0) / (_G0 + mag)  # (.., weight of a finite conductance)

    one = np.ones(n)
    for i in idx:
        # bottom side of layer i
        below = i - 1
        if below < 0 or ch.status[below] == "insulator":
            add([(one / _G0, i, q_side(i, False))])
        elif ch.status[below] in _NODE_POTENTIAL:
            wq, wu, _ = weights(ch.gaps[below])
            v = _NODE_POTENTIAL[ch.status[below]]
            # Q_b = G (v - u_b)  ->  wq Q_b + wu u_b - wu v = 0
            add([(wq, i, q_side(i, False)), (wu, i, u_side(i, False))], const_extra=-wu * v)
        # (active below: equations added from the top side of the layer below)
        above = i + 1
        if above >= L or ch.status[above] == "insulator":
            add([(one / _G0, i, q_side(i, True))])
        elif ch.status[above] in _NODE_POTENTIAL:
            wq, wu, _ = weights(ch.gaps[i])
            v = _NODE_POTENTIAL[ch.status[above]]
            # Q_t = G (u_t - v)  ->  wq Q_t - wu u_t + wu v = 0
            add([(wq, i, q_side(i, True)), (-wu, i, u_side(i, True))], const_extra=wu * v)
        elif mixing[i] is not None:
            # normal-metal/ferromagnet interface of the transverse channel, both sides active:
            # Q_N = G_mix psi_N - G_t psi_F (spin current leaving the metal towards the magnet),
            # Q_F = G_t (psi_N - psi_F) (entering the magnet's transverse channel); the difference
            # G_mix psi_N - ... is absorbed at the interface (torque). Flows are signed along +z.
            g_t, metal_below = mixing[i]
            g_t = np.broadcast_to(np.asarray(g_t, dtype=complex), (n,))
            wq, wu, wg = weights(ch.gaps[i])
            wgt = 1.0 / (_G0 + np.abs(g_t))
            if metal_below:
                nm, fm, nm_top = i, above, True
            else:
                nm, fm, nm_top = above, i, False
            sgn = 1.0 if metal_below else -1.0   # flow from the metal to the magnet is sgn * Q
            add([(sgn * wq, nm, q_side(nm, nm_top)), (-wu, nm, u_side(nm, nm_top)),
                 (wg * g_t, fm, u_side(fm, not nm_top))])
            add([(sgn * wgt, fm, q_side(fm, not nm_top)), (-wgt * g_t, nm, u_side(nm, nm_top)),
                 (wgt * g_t, fm, u_side(fm, not nm_top))])
        else:
            # both active: continuity and the interface law
            add([(one / _G0, i, q_side(i, True)), (-one / _G0, above, q_side(above, False))])
            wq, wu, _ = weights(ch.gaps[i])
            add([(wq, i, q_side(i, True)), (-wu, i, u_side(i, True)), (wu, above, u_side(above, False))])
    assert row[0] == m
    # Row equilibration
    scale = np.max(np.abs(M), axis=2, keepdims=True)
    scale = np.where(scale > 0, scale, 1.0)
    sol = np.linalg.solve(M / scale, (rhs / scale[..., 0])[..., None])[..., 0]
    coef = {i: (sol[:, 2 * k], sol[:, 2 * k + 1]) for i, k in idx.items()}
    sides = {}
    for i in idx:
        A, B = coef[i]
        sides[i] = {
            "u_b": A - tau[i] * B, "u_t": A + tau[i] * B,
            "Q_b": q_side(i, False)[0] * A + q_side(i, False)[1] * B + q_side(i, False)[2],
            "Q_t": q_side(i, True)[0] * A + q_side(i, True)[1] * B + q_side(i, True)[2],
            "int_u": 2.0 * tau[i] * A,
        }
    return coef, sides


def reference_layer_index(stack: Stack, magnet_index: int) -> int:
    """Index of the layer whose current density the efficiencies refer to (issue 2, item 5):
    the non-magnetic metal with the largest |spin Hall angle| if one has a nonzero angle,
    else the magnet itself."""
    best, best_val = None, 0.0
    for i, l in enumerate(stack.layers):
        if l.kind == "normal_metal":
            v = float(np.max(np.abs(np.asarray(l.material.spin_hall_angle, dtype=float))))
            if v > best_val:
                best, best_val = i, v
    return best if best is not None else magnet_index


def torques(stack: Stack, *, temperature=None, profiles: bool = False,
            temperature_law: MagnonTemperatureLaw = DEFAULT_TEMPERATURE_LAW,
            points_per_layer: int = 41) -> TorqueResult:
    """Spin-orbit torques, current split and resistance of a stack (docs/physics.md section 3).

    Parameters
    ----------
    stack : Stack (parameters may be arrays; results broadcast).
    temperature : K, overrides the stack's temperature (may be an array).
    profiles : also return u(z) and Q(z) (charge units) for the actual magnetization direction.
    temperature_law : how AFI magnon transport scales with T/T_N.

    Returns
    -------
    TorqueResult with, for every ferromagnetic layer, xi_dl, xi_fl (per current density in the
    reference layer), sigma_dl, sigma_fl (Ohm^-1 m^-1), b_dl, b_fl (T at the stack's current
    density), the pumping conductance of its environment (Ohm^-1 m^-2, complex) and its spin-pumping
    damping; for every layer its current fraction, density and Joule power; the sheet resistance.
    """
    T = stack.temperature if temperature is None else np.asarray(temperature, dtype=float)
    if np.any(~np.isfinite(np.asarray(T, dtype=float))) or np.any(np.asarray(T) <= 0):
        raise PhysicsError("temperature must be positive and finite")
    shape = np.broadcast_shapes(stack.shape, np.shape(T))
    n = int(np.prod(shape)) if shape else 1

    def flat(v):
        return np.broadcast_to(np.asarray(v), shape).reshape(n)

    layers = stack.layers
    L = len(layers)
    d = [flat(l.thickness).astype(float) for l in layers]
    Tn = flat(T).astype(float)

    # ---- charge current
    metals = [i for i, l in enumerate(layers) if l.material.is_metal]
    rho = {i: flat(layers[i].material.resistivity).astype(float) for i in metals}
    magnet_idx = [i for i, l in enumerate(layers) if l.kind == "ferromagnet"]
    ref_stack = reference_layer_index(stack, magnet_idx[0])
    j_file = flat(stack.current_density).astype(float)
    # The model is linear in the current: solve at the file's current density, or at 1 A/m^2
    # where it is 0, and scale what depends on the current (fields, currents, powers) by
    # ``ratio``; efficiencies and conductivities do not depend on it (they are reported at J = 0).
    j_solve = np.where(j_file != 0.0, j_file, 1.0)
    ratio = j_file / j_solve
    E = j_solve * rho[ref_stack]
    J = {i: E / rho[i] for i in metals}
    total_current = sum(J[i] * d[i] for i in metals)
    sheet_conductance = sum(d[i] / rho[i] for i in metals)
    sheet_resistance = 1.0 / sheet_conductance

    # ---- channel parameters
    mvec = np.asarray(stack.magnetization_direction, dtype=float)
    e1, e2, y_par, y_perp = polarization_frame(mvec)   # the spin Hall polarization +y about m

    afi_params = {}
    for i, l in enumerate(layers):
        if l.kind == "antiferromagnetic_insulator":
            mat = l.material
            # T_N of the film (finite-size law); floored so that a film that never orders gives
            # tau >> 1 instead of a division by zero
            TN_bulk = flat(mat.neel_temperature).astype(float)
            TN = np.maximum(flat(layer_neel_temperature(l)).astype(float), 1e-9 * TN_bulk)
            gaps = tuple(flat(0.0 if g is None else g).astype(float)
                         for g in (mat.magnon_gap_frequency_low, mat.magnon_gap_frequency_high))
            lam_m = temperature_law.scale("diffusion_length", flat(mat.magnon_diffusion_length).astype(float),
                                          Tn, stack.reference_temperature, TN, gaps)
            sig_m = temperature_law.scale("conductivity", flat(mat.magnon_spin_conductivity).astype(float),
                                          Tn, stack.reference_temperature, TN, gaps)
            afi_params[i] = (TN, lam_m, sig_m, gaps)

    def is_mixing_gap(g):
        return {layers[g].kind, layers[g + 1].kind} == {"ferromagnet", "normal_metal"}

    gap_cache = {}

    def gap_conductance(g, transverse: bool):
        key = (g, transverse and is_mixing_gap(g))
        if key not in gap_cache:
            gap_cache[key] = _gap_conductance(g, transverse)
        return gap_cache[key]

    def _gap_conductance(g, transverse: bool):
        itf = stack.interfaces[g]
        a, b = layers[g], layers[g + 1]
        kinds = {a.kind, b.kind}
        if itf.is_reflecting:
            return np.zeros(n, dtype=complex)
        if "spin_sink" in kinds:
            # perfect sink (zero accumulation) behind the interface: one conductance for every
            # spin component, so the longitudinal and transverse channels see the same G
            return flat(itf.spin_conductance).astype(complex)
        if "antiferromagnetic_insulator" in kinds:
            G = flat(itf.magnon_interface_conductance).astype(float)
            if a.kind == "antiferromagnetic_insulator" and b.kind == "antiferromagnetic_insulator":
                return np.full(n, np.inf, dtype=complex)
            afi = g if a.kind == "antiferromagnetic_insulator" else g + 1
            TN, _, _, gaps = afi_params[afi]
            G = temperature_law.scale("interface", G, Tn, stack.reference_temperature, TN, gaps)
            return G.astype(complex)
        if transverse and is_mixing_gap(g):
            return flat(itf.spin_mixing_conductance).astype(complex)
        return flat(itf.spin_conductance).astype(complex)

    def build(transverse: bool, source_scale_nm: float, source_scale_fm_sahe: float,
              reservoir: int | None = None) -> _Channel:
        """The channel's layers and gaps. ``reservoir``: index of a magnet held at unit transverse
        accumulation (the pumping solve; all its neighbours see it through their full interface
        conductance, G_mix for a normal metal)."""
        status, c, lam, src, dd = [], [], [], [], []
        for i, l in enumerate(layers):
            mat = l.material
            dd.append(d[i])
            if l.kind == "insulator":
                status.append("insulator"); c.append(None); lam.append(None); src.append(None)
            elif i == reservoir:
                status.append("reservoir"); c.append(None); lam.append(None); src.append(None)
            elif l.kind == "spin_sink":
                # the perfect sink: a node at zero spin accumulation behind its interface
                status.append("grounded"); c.append(None); lam.append(None); src.append(None)
            elif l.kind == "antiferromagnetic_insulator":
                _, lam_m, sig_m, _ = afi_params[i]
                status.append("active"); c.append(sig_m); lam.append(lam_m); src.append(np.zeros(n))
            else:
                sigma = 1.0 / rho[i]
                theta = flat(mat.spin_hall_angle).astype(float)
                lsf = flat(mat.spin_diffusion_length).astype(float)
                if l.kind == "normal_metal":
                    status.append("active"); c.append(sigma / 2); lam.append(lsf)
                    src.append(theta * J[i] * source_scale_nm)
                elif transverse:
                    lphi = flat(mat.spin_dephasing_length).astype(float)
                    lj = flat(mat.spin_precession_length).astype(float)
                    if np.any(lphi == 0.0):
                        if not np.all(lphi == 0.0):
                            raise PhysicsError("spin_dephasing_length = 0 cannot be mixed with > 0 in one sweep")
                        status.append("grounded"); c.append(None); lam.append(None); src.append(None)
                        continue
                    # precession about m with +i (s-d exchange, frame e2 = e1 x m: docs/transport.md)
                    with np.errstate(divide="ignore"):
                        inv2 = 1.0 / lsf ** 2 + 1.0 / lphi ** 2 + 1j / lj ** 2
                    lam_perp = np.where(inv2 == 0, np.inf, 1.0 / np.sqrt(np.where(inv2 == 0, 1.0, inv2)))
                    status.append("active"); c.append(sigma / 2); lam.append(lam_perp)
                    src.append(theta * J[i] * source_scale_nm)
                else:
                    sahe = flat(mat.spin_anomalous_hall_angle).astype(float)
                    status.append("active"); c.append(sigma / 2); lam.append(lsf)
                    src.append(theta * J[i] * source_scale_nm + sahe * J[i] * source_scale_fm_sahe)
        gaps = [gap_conductance(g, transverse) for g in range(L - 1)]
        mixing = [None] * (L - 1)
        if transverse:
            for g in range(L - 1):
                if is_mixing_gap(g) and status[g] == "active" and status[g + 1] == "active":
                    g_t = flat(stack.interfaces[g].transmitted_mixing_conductance).astype(complex)
                    mixing[g] = (g_t, layers[g].kind == "normal_metal")
        return _Channel(status, c, lam, src, dd, gaps, mixing)

    # Transverse channel with a unit projection of +y: gives the efficiencies.
    tch = build(True, 1.0, 0.0)
    tcoef, tsides = _solve_channel(tch, n)

    def absorbed_at_gap(ch, sides, g):
        """Transverse spin absorbed at a normal-metal/ferromagnet gap: arriving from below minus
        leaving upwards (G_mix psi_N - G_t psi_F - Q_F, docs/transport.md)."""
        return sides[g]["Q_t"] - sides[g + 1]["Q_b"]

    def magnet_torque(ch, sides, i):
        """Transverse spin lost to the magnetization of magnet i (complex, A/m^2 charge units)."""
        mat = layers[i].material
        if ch.status[i] == "grounded":
            inflow = np.zeros(n, dtype=complex)
            if i - 1 >= 0 and ch.status[i - 1] == "active":
                inflow = inflow + sides[i - 1]["Q_t"]
            if i + 1 < L and ch.status[i + 1] == "active":
                inflow = inflow - sides[i + 1]["Q_b"]
            return inflow
        sigma = 1.0 / rho[i]
        lphi = flat(mat.spin_dephasing_length).astype(float)
        lj = flat(mat.spin_precession_length).astype(float)
        with np.errstate(divide="ignore"):
            rate = 1.0 / lphi ** 2 + 1j / lj ** 2
        tau_c = (sigma / 2) * rate * sides[i]["int_u"]
        for g in (i - 1, i):
            if 0 <= g < L - 1 and ch.mixing[g] is not None:
                tau_c = tau_c + absorbed_at_gap(ch, sides, g)
        return tau_c

    def pumping_conductance(i):
        """Complex conductance (Ohm^-1 m^-2) from magnet i, held at unit transverse accumulation,
        into its environment (all sources off, backflow included): the outflow through its two
        surfaces. Real part: the spin-pumping damping (Onsager partner of the torque)."""
        pch = build(True, 0.0, 0.0, reservoir=i)
        _, psides = _solve_channel(pch, n)
        out = np.zeros(n, dtype=complex)
        if i - 1 >= 0:
            if pch.status[i - 1] == "active":
                out = out - psides[i - 1]["Q_t"]
            elif pch.status[i - 1] == "grounded":
                out = out + pch.gaps[i - 1]
        if i + 1 < L:
            if pch.status[i + 1] == "active":
                out = out + psides[i + 1]["Q_b"]
            elif pch.status[i + 1] == "grounded":
                out = out + pch.gaps[i]
        return out

    magnets = []
    balance_terms = []
    torque_of = {}
    for i in magnet_idx:
        mat = layers[i].material
        tau_c = magnet_torque(tch, tsides, i)
        torque_of[i] = tau_c
        balance_terms.append(tau_c)
        ref = reference_layer_index(stack, i)
        j_ref = J[ref]
        ms = flat(mat.saturation_magnetization).astype(float)
        g_pump = pumping_conductance(i)
        # b = mu0 H = hbar xi J / (2 e Ms d) with xi J = tau (J: current density in the reference layer);
        # H/J is linear in xi, so H = sot_field_per_current(tau) directly
        tau_file = tau_c * ratio  # at the file's current density
        magnets.append(MagnetTorque(
            layer=layers[i].name, reference_layer=layers[ref].name,
            xi_dl=(tau_c.real / j_ref).reshape(shape), xi_fl=(tau_c.imag / j_ref).reshape(shape),
            sigma_dl=(tau_c.real / E).reshape(shape), sigma_fl=(tau_c.imag / E).reshape(shape),
            b_dl=(MU0 * sot_field_per_current(tau_file.real, ms, d[i])).reshape(shape),
            b_fl=(MU0 * sot_field_per_current(tau_file.imag, ms, d[i])).reshape(shape),
            torque=tau_file.reshape(shape), thickness=d[i].reshape(shape),
            saturation_magnetization=ms.reshape(shape),
            pumping_conductance=g_pump.reshape(shape),
            spin_pumping_damping=spin_pumping_damping(g_pump.real, ms, d[i]).reshape(shape)))

    # Spin balance of the transverse channel: torque + spin flip + magnon relaxation + what the
    # perfect sinks take = generated (0).
    for i, l in enumerate(layers):
        if l.kind == "spin_sink":
            inflow = np.zeros(n, dtype=complex)
            if i - 1 >= 0 and tch.status[i - 1] == "active":
                inflow = inflow + tsides[i - 1]["Q_t"]
            if i + 1 < L and tch.status[i + 1] == "active":
                inflow = inflow - tsides[i + 1]["Q_b"]
            balance_terms.append(inflow)
    flip_terms = []
    for i, s in enumerate(tch.status):
        if s != "active":
            continue
        l = layers[i]
        if l.kind == "antiferromagnetic_insulator":
            flip_terms.append(tch.c[i] / tch.lam[i] ** 2 * tsides[i]["int_u"])
        elif l.kind == "normal_metal":
            flip_terms.append(tch.c[i] / tch.lam[i] ** 2 * tsides[i]["int_u"])
        else:
            lsf = flat(l.material.spin_diffusion_length).astype(float)
            flip_terms.append(tch.c[i] / lsf ** 2 * tsides[i]["int_u"])
    terms = balance_terms + flip_terms
    total = sum(terms) if terms else np.zeros(n)
    biggest = np.max(np.abs(np.array(terms)), axis=0) if terms else np.zeros(n)
    sources = [np.abs(np.broadcast_to(sv, (n,))) for sv in tch.src if sv is not None]
    scale_src = np.max(np.array(sources), axis=0) if sources else np.zeros(n)
    biggest = np.maximum(biggest, scale_src)
    total = np.where(biggest > 1e-250, total, 0.0)
    biggest = np.where(biggest > 1e-250, biggest, 1.0)
    spin_balance = {
        "torque": {layers[i].name: (torque_of[i] * ratio).reshape(shape) for i in magnet_idx},
        "relative_residual": (np.abs(total) / biggest).reshape(shape),
        "generated": 0.0,
    }

    layer_results = []
    for i, l in enumerate(layers):
        if i in J:
            frac = J[i] * d[i] / total_current
            jd = J[i] * ratio
            power = jd ** 2 * rho[i] * d[i]
            r = rho[i]
        else:
            jd = np.zeros(n); frac = np.zeros(n); power = np.zeros(n); r = np.full(n, np.inf)
        layer_results.append(LayerCurrent(l.name, l.material.name, l.kind, d[i].reshape(shape),
                                          r.reshape(shape), frac.reshape(shape), jd.reshape(shape),
                                          power.reshape(shape)))

    prof = None
    if profiles:
        prof = _profiles(stack, layers, tch, tcoef, build, n, shape, mvec, e1, e2, y_par, y_perp,
                         points_per_layer)
        prof = _scale_profiles(prof, ratio.reshape(shape))

    return TorqueResult(stack_name=stack.name, shape=shape, temperature=Tn.reshape(shape),
                        current_density=j_file.reshape(shape), reference_layer=layers[ref_stack].name,
                        electric_field=(E * ratio).reshape(shape), sheet_resistance=sheet_resistance.reshape(shape),
                        magnets=magnets, layers=layer_results, spin_balance=spin_balance, profiles=prof)


def _scale_profiles(prof, ratio):
    """Profiles solved at ``j_solve`` scaled to the file's current density (the model is linear)."""
    if prof is None or np.all(ratio == 1.0):
        return prof
    out = dict(prof)
    for k in ("spin_current", "spin_accumulation"):
        arr = np.asarray(out[k])
        out[k] = arr * ratio[(...,) + (None,) * (arr.ndim - ratio.ndim)]
    return out


def _profile_values(A, B, c, lam, src, d, z):
    """u(z), Q(z) inside one layer (z local, 0..d) for the centered basis; shapes (n, nz)."""
    lam = np.asarray(lam)[:, None]
    dd = np.asarray(d)[:, None]
    A = A[:, None]
    B = B[:, None]
    inf = np.isinf(lam.real) if np.iscomplexobj(lam) else np.isinf(lam)
    lam_s = np.where(inf, 1.0, lam)
    x = (z - dd / 2) / lam_s
    y = dd / (2 * lam_s)
    den = 1.0 + np.exp(-2 * y)
    ch = (np.exp(x - y) + np.exp(-x - y)) / den
    sh = (np.exp(x - y) - np.exp(-x - y)) / den
    f1 = np.where(inf, 1.0, ch)
    f2 = np.where(inf, z - dd / 2, lam_s * sh)
    f1p = np.where(inf, 0.0, sh / lam_s)
    f2p = np.where(inf, 1.0, ch)
    u = A * f1 + B * f2
    Q = -np.asarray(c)[:, None] * (A * f1p + B * f2p) + np.asarray(src)[:, None]
    return u, Q


def _profiles(stack, layers, tch, tcoef, build, n, shape, mvec, e1, e2, y_par, y_perp, npts):
    """Spin accumulation (V) and spin current (A/m^2) vectors vs z for the actual m."""
    lch = build(False, y_par, float(mvec @ np.array([0.0, 1.0, 0.0])))
    lcoef, _ = _solve_channel(lch, n)
    z_all, u_all, q_all, names = [], [], [], []
    z0 = np.zeros(n)
    for i, l in enumerate(layers):
        d = tch.d[i]
        s = np.linspace(0.0, 1.0, npts)
        z = d[:, None] * s[None, :]
        u_vec = np.zeros((n, npts, 3))
        q_vec = np.zeros((n, npts, 3))
        if lch.status[i] == "active":
            ul, ql = _profile_values(*lcoef[i], lch.c[i], lch.lam[i], lch.src[i], d, z)
            u_vec += ul.real[..., None] * mvec
            q_vec += ql.real[..., None] * mvec
        if tch.status[i] == "active":
            ut, qt = _profile_values(*tcoef[i], tch.c[i], tch.lam[i], tch.src[i], d, z)
            ut, qt = ut * y_perp, qt * y_perp
            u_vec += ut.real[..., None] * e1 + ut.imag[..., None] * e2
            q_vec += qt.real[..., None] * e1 + qt.imag[..., None] * e2
        z_all.append(z0[:, None] + z)
        u_all.append(u_vec)
        q_all.append(q_vec)
        names += [l.name] * npts
        z0 = z0 + d
    z = np.concatenate(z_all, axis=1)
    u = np.concatenate(u_all, axis=1)
    q = np.concatenate(q_all, axis=1)
    return {"z": z.reshape(shape + z.shape[1:]), "spin_accumulation": u.reshape(shape + u.shape[1:]),
            "spin_current": q.reshape(shape + q.shape[1:]), "layer": names,
            "units": {"z": "m", "spin_accumulation": "V (mu_s/e)", "spin_current": "A/m^2 (charge units)"}}


def spin_pumping_damping(effective_conductance, saturation_magnetization, thickness, g_lande=None):
    """Damping enhancement by spin pumping into a sink (Onsager partner of the spin-loss torque).

    Delta alpha = g_L mu_B hbar G_eff / (2 e^2 M_s d), G_eff in charge units (Ohm^-1 m^-2) as in
    docs/physics.md section 3 [M: Tserkovnyak, Brataas, Bauer, PRL 88, 117601 (2002)].
    """
    from .units import G_LANDE, MU_B

    g = G_LANDE if g_lande is None else g_lande
    return g * MU_B * HBAR * np.asarray(effective_conductance, dtype=float) / (
        2 * E_CHARGE**2 * np.asarray(saturation_magnetization, dtype=float) * np.asarray(thickness, dtype=float))


def sot_field_per_current(efficiency, saturation_magnetization, thickness):
    """Torque field per current density, H / J = hbar xi / (2 e mu0 M_s d) (A/m per A/m^2)
    (docs/physics.md section 2), for a magnet of saturation magnetization M_s (A/m) and thickness d (m)
    and a torque efficiency xi (the damping-like xi_DL for H_DL, the field-like xi_FL for H_FL;
    the Slonczewski efficiency eta for STT). Linear in xi: given xi J (A/m^2) it returns H (A/m).
    Arrays broadcast. The one home of this conversion: the dynamics re-export it
    (:func:`spinloss.dynamics.llg.sot_field_per_current`), devices and cells call it."""
    xi = np.asarray(efficiency, dtype=float)
    ms = np.asarray(saturation_magnetization, dtype=float)
    d = np.asarray(thickness, dtype=float)
    return xi * (HBAR / (2 * E_CHARGE * MU0 * ms * d))
