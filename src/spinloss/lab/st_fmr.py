r"""Spin-torque ferromagnetic resonance (ST-FMR): the forward simulation (docs/lab.md section 6).

A microwave current I(t) = I_rf cos(w t) flows along +x through the device. Its spin-orbit torques
and its Oersted field drive the magnetization at w; the oscillating m changes the longitudinal
resistance through the magnet's own AMR and SMR (R_xx of docs/lab.md section 1), and the product
of the oscillating resistance and the current has a DC part, the mixing voltage

    V_mix = < I(t) R_xx(m(t)) > = (I_rf / 2) Re[ dR_xx/dm . dm_hat ]                          (1)

(time average; dm_hat the complex amplitude of m(t) - m0 = Re[dm_hat e^{i w t}]). For a single
ferromagnet (FM/AFI, FM/SiO2) this is the magnet rectifying its own torques with its own AMR:
there is no other layer to carry current or give an Oersted field.

Linear response [D]. At the equilibrium m0 (m0 x H_eff = 0, the applied field included) write
m = m0 + a e1 + b e2 in the film's tangent frame (m0, e1, e2 = m0 x e1; e1 = z x m0 normalized,
:func:`spinloss.vectors.film_tangent_frame`). The effective field linearizes as
H_eff(m0 + dm) = h0 m0 + (dH/dm) dm, and with the restoring stiffness (A/m per rad)

    K_ij = h0 delta_ij - e_i . (dH/dm) e_j        (h0 = m0 . H_eff(m0))

the Gilbert LLG equation dm/dt = -gamma mu0 m x H + alpha m x dm/dt, driven by the transverse
current-induced field h = H_DL (m0 x s) + H_FL s + (H_Oe + h_rf) y (amplitudes at I_rf, h_rf an
optional external microwave field in phase with the current; the
damping-like torque -gamma mu0 H_DL m x (m x s) is the torque of the field H_DL (m x s), docs/
physics.md section 2) becomes, with w' = gamma mu0 and e^{i w t},

    [ i w + w' K21        i w alpha + w' K22 ] [a]        [  h2 ]
    [ -i w alpha - w' K11   i w - w' K12     ] [b]  = w'  [ -h1 ]                            (2)

(h1 = h . e1, h2 = h . e2). For an in-plane film magnetized along an in-plane field at angle phi
from x, with K = diag(H1, H2), H1 = H + H_k, H2 = H + H_k + M_eff, (2) resonates at
w = w' sqrt(H1 H2) (Kittel) and near the resonance field H0 [D]

    Re a = [w h2 F_S + w' H2 h1 F_A] / (w' (H1 + H2) Delta),
    F_S = Delta^2 / ((H - H0)^2 + Delta^2),   F_A = Delta (H - H0) / ((H - H0)^2 + Delta^2),

with the half width Delta = alpha w / (gamma mu0) (A/m), h1 = (H_FL + H_Oe) cos(phi),
h2 = H_DL cos(phi) and dR_xx . dm = -(AMR + SMR) sin(2 phi) a. So V_mix = S F_S + A F_A with

    S = -(I_rf/2) (AMR + SMR) sin(2 phi) cos(phi) w H_DL / (w' (H1 + H2) Delta)
    A = -(I_rf/2) (AMR + SMR) sin(2 phi) cos(phi) H2 (H_FL + H_Oe) / ((H1 + H2) Delta)

and S/A = sqrt(H1/H2) H_DL/(H_FL + H_Oe): the ratio of Liu et al. (PRL 106, 036601 (2011)),
H_DL/(H_FL + H_Oe) = (S/A) sqrt(1 + M_eff/(H0 + H_k)). The simulation solves (2) exactly at every
field point (any anisotropy, any orientation); the closed forms above are what the analysis
(:mod:`spinloss.lab.st_fmr_fit`) inverts.

Inhomogeneous broadening: a Lorentzian distribution (half width Delta_0, A/m) of the local field
along m shifts K by delta I; the distribution's average of the response, analytic in delta in the
upper half plane, is the response at delta = +i Delta_0 (residue at the kernel's pole) [D]. So
K -> K + i Delta_0 I exactly, and the line width becomes Delta = Delta_0 + alpha w/(gamma mu0).

Reference method ``time-domain``: the LLG equation integrated in time under the sampled microwave
current (:func:`spinloss.dynamics.simulate_deterministic`), V(t) = R_xx(m(t)) I(t) averaged over
whole periods after the ring-up: it checks (1)-(2) with the engine's own torque conventions.

Not modelled: spin pumping and its inverse spin Hall voltage (a further symmetric part), the
rectification of the USMR and of the anomalous Nernst effect (static offsets), heating.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import ConfigError, PhysicsError
from ..io import JsonResult
from ..units import MU0
from ..vectors import film_tangent_frame
from .harmonic_hall import device_magnet, equilibrium, hall_bar_of_device
from .resistance import RESISTANCE_UNITS, ResistanceModel

#: Default in-plane angle (deg) of the field from the current: sin(2 phi) cos(phi) is largest
#: near 35 deg; 45 deg is the usual choice.
DEFAULT_FIELD_ANGLE = 45.0
#: Line widths on each side of the resonance covered by the automatic field range.
AUTO_WIDTHS = 15.0
#: Field points of the automatic range.
AUTO_POINTS = 201


def stiffness(field_fn, m0, e1, e2, eps: float = 1e-3):
    """K (N, 2, 2) of the module docstring (A/m): h0 delta_ij - e_i . (dH/dm) e_j at the states m0,
    dH/dm by central differences of ``field_fn`` (exact for the package's fields, linear in m)."""
    h0 = np.sum(field_fn(m0) * m0, axis=1)
    K = np.empty((m0.shape[0], 2, 2))
    for j, ej in enumerate((e1, e2)):
        dh = (field_fn(m0 + eps * ej) - field_fn(m0 - eps * ej)) / (2 * eps)
        for i, ei in enumerate((e1, e2)):
            K[:, i, j] = (h0 if i == j else 0.0) - np.sum(ei * dh, axis=1)
    return K


def linear_response(K, h1, h2, omega, alpha, gamma_mu0, broadening: float = 0.0):
    """Complex amplitudes (a, b) of m along (e1, e2) from equation (2) of the module docstring:
    stiffness ``K`` (N, 2, 2) (A/m), transverse drive ``h1``, ``h2`` (A/m, complex, (N,)), angular
    frequency ``omega`` (rad/s), Gilbert ``alpha``, ``gamma_mu0`` (rad s^-1 per A/m) and the
    Lorentzian inhomogeneous half width ``broadening`` (A/m: K -> K + i Delta_0 I)."""
    k11 = K[:, 0, 0] + 1j * broadening
    k22 = K[:, 1, 1] + 1j * broadening
    k12, k21 = K[:, 0, 1], K[:, 1, 0]
    w, wp = omega, gamma_mu0
    m11 = 1j * w + wp * k21
    m12 = 1j * w * alpha + wp * k22
    m21 = -1j * w * alpha - wp * k11
    m22 = 1j * w - wp * k12
    r1, r2 = wp * np.asarray(h2), -wp * np.asarray(h1)
    det = m11 * m22 - m12 * m21
    a = (r1 * m22 - m12 * r2) / det
    b = (m11 * r2 - m21 * r1) / det
    return a, b


def resistance_gradient(resistance: ResistanceModel, m):
    """dR_xx/dm (Ohm, (N, 3)) of R_xx = R0 + AMR m_x^2 + SMR (1 - m_y^2) (the current-independent part)."""
    m = np.asarray(m, dtype=float)
    g = np.zeros_like(m)
    g[:, 0] = 2.0 * resistance.AMR * m[:, 0]
    g[:, 1] = -2.0 * resistance.SMR * m[:, 1]
    return g


@dataclass
class StFmrResult(JsonResult):
    """Simulated ST-FMR mixing voltages: per point ``frequency`` (Hz), ``field`` (A/m, along the
    in-plane direction ``field_angle`` deg from x; negative values point the other way) and ``v``
    (V, the DC mixing voltage of equation (1)); ``magnetization`` the equilibrium states; ``details``
    the drive fields, the damping and the resonance of every frequency."""

    frequency: np.ndarray
    field: np.ndarray
    v: np.ndarray
    magnetization: np.ndarray
    field_angle: float
    current_amplitude: float
    method: str
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"frequency": self.frequency, "field": self.field, "v": self.v,
                "magnetization": self.magnetization, "field_angle": self.field_angle,
                "current_amplitude": self.current_amplitude, "method": self.method, "details": self.details,
                "units": {**RESISTANCE_UNITS, "frequency": "Hz", "field": "A/m", "v": "V", "magnetization": "1", "field_angle": "deg",
                          "current_amplitude": "A", "current_density": "A/m^2", "damping_like_field": "A/m",
                          "field_like_field": "A/m", "oersted_field": "A/m", "polarization": "1",
                          "damping_like_efficiency": "1", "field_like_efficiency": "1", "effective_damping": "1",
                          "gilbert_damping": "1", "spin_pumping_damping": "1", "inhomogeneous_broadening": "A/m",
                          "rf_field": "A/m", "resonance_field": "A/m", "linewidth": "A/m", "resistance": "Ohm",
                          "linear_v": "V", "periods": "1", "joule_power_per_area": "W/m^2",
                          "temperature_gradient": "K/m", "nernst_voltage": "V"}}

    def to_csv(self, comment: str | None = None) -> str:
        """The points in the fit's input format (docs/lab.md section 6.3): frequency [GHz], field [A/m], v [V]."""
        lines = [f"# {c}" for c in (comment or "").splitlines() if comment]
        lines.append("frequency [GHz],field [A/m],v [V]")
        for f, h, v in zip(self.frequency, self.field, self.v):
            lines.append(f"{f / 1e9:.10g},{h:.10g},{v:.12g}")
        return "\n".join(lines) + "\n"


def field_vectors(field, angle_deg: float):
    """Applied fields (N, 3) (A/m): magnitude ``field`` (signed) along the in-plane direction at
    ``angle_deg`` from x."""
    a = math.radians(angle_deg)
    h = np.asarray(field, dtype=float)
    return np.stack([h * math.cos(a), h * math.sin(a), np.zeros_like(h)], axis=1)


class StFmrModel:
    """The device's magnet, damping and drive for ST-FMR at the microwave amplitude ``current_amplitude``
    I_rf (A): builds equilibria, stiffnesses and the mixing voltage (module docstring)."""

    def __init__(self, device, current_amplitude: float, *, field_angle: float = DEFAULT_FIELD_ANGLE,
                 oersted: bool = True, resistance: ResistanceModel | None = None, rf_field: float = 0.0):
        from ..dynamics.integrators import effective_field

        if not (current_amplitude > 0 and math.isfinite(current_amplitude)):
            raise ConfigError("<api>", "current_amplitude", "must be > 0")
        if not math.isfinite(field_angle):
            raise ConfigError("<api>", "field_angle", "must be finite")
        self.device = device
        self.current_amplitude = float(current_amplitude)
        self.field_angle = float(field_angle)
        if not math.isfinite(rf_field):
            raise ConfigError("<api>", "rf_field", "must be finite")
        self.rf_field = float(rf_field)
        self.bar, self.info = hall_bar_of_device(device, current_amplitude, resistance=resistance, oersted=oersted)
        self.params, self.scale = device_magnet(device)
        self.alpha = float(np.asarray(self.params.damping))
        self.gamma_mu0 = float(np.asarray(self.params.gamma)) * MU0
        self._effective_field = effective_field
        if self.bar.resistance.AMR == 0 and self.bar.resistance.SMR == 0:
            raise ConfigError(device.source, "resistance", "ST-FMR needs AMR or SMR in the device's [resistance] "
                              "table: without a magnetoresistance nothing rectifies the current")

    def field_function(self, h_app):
        params_n = replace(self.params, applied_field=np.asarray(h_app, dtype=float))
        return lambda m: self._effective_field(params_n, m)

    def states(self, fields):
        """Equilibria m0 (N, 3) at the signed field magnitudes ``fields`` (A/m), started along the field."""
        h_app = field_vectors(fields, self.field_angle)
        nrm = np.linalg.norm(h_app, axis=1, keepdims=True)
        start = np.where(nrm > 0, h_app / np.where(nrm > 0, nrm, 1.0), np.asarray(self.device.easy_axis, float))
        scale = self.scale + float(np.max(np.abs(fields), initial=0.0)) + 1.0
        return equilibrium(self.field_function(h_app), start, scale=scale), h_app

    def drive(self, m0):
        """Transverse current-induced field h (A/m, (N, 3)) at I_rf on the states m0."""
        from ..dynamics.terms import spin_torque_field

        return (spin_torque_field(m0, self.bar.damping_like_field, self.bar.field_like_field, self.bar.polarization)
                + np.array([0.0, self.bar.oersted_field + self.rf_field, 0.0]))

    def mixing_voltage(self, fields, frequency: float, broadening: float = 0.0):
        """V_mix (V, (N,)) at the fields (A/m) and the frequency (Hz), and the states m0."""
        m0, h_app = self.states(fields)
        _, e1, e2 = film_tangent_frame(m0)
        K = stiffness(self.field_function(h_app), m0, e1, e2)
        h = self.drive(m0)
        a, b = linear_response(K, np.sum(h * e1, axis=1), np.sum(h * e2, axis=1), 2 * math.pi * frequency,
                               self.alpha, self.gamma_mu0, broadening)
        grad = resistance_gradient(self.bar.resistance, m0)
        dr = np.sum(grad * e1, axis=1) * a + np.sum(grad * e2, axis=1) * b
        return 0.5 * self.current_amplitude * np.real(dr), m0

    def resonance_frequency(self, field_value: float) -> float:
        """Lossless small-angle resonance (Hz) at one field: (gamma mu0 / 2 pi) sqrt(det K_sym)."""
        m0, h_app = self.states(np.array([field_value]))
        _, e1, e2 = film_tangent_frame(m0)
        K = stiffness(self.field_function(h_app), m0, e1, e2)[0]
        ks = 0.5 * (K + K.T)
        d = float(np.linalg.det(ks))
        if d <= 0:
            return 0.0
        return self.gamma_mu0 * math.sqrt(d) / (2 * math.pi)

    def resonance_field(self, frequency: float) -> float:
        """The positive field (A/m) whose resonance frequency is ``frequency`` (Hz) (brentq)."""
        from scipy.optimize import brentq

        hi = 1.0
        top = 2e7  # A/m (25 T): beyond any bench magnet
        while self.resonance_frequency(hi) < frequency:
            hi *= 2.0
            if hi > top:
                raise PhysicsError(f"no resonance at {frequency:.4g} Hz below {top * MU0:.3g} T")
        lo = hi / 2.0 if hi > 1.0 else 0.0
        if self.resonance_frequency(lo) > frequency:
            lo = 0.0
            if self.resonance_frequency(lo) > frequency:
                raise PhysicsError(f"the magnet resonates above {frequency:.4g} Hz already at zero field")
        return float(brentq(lambda h: self.resonance_frequency(h) - frequency, lo, hi, xtol=1e-9 * hi, rtol=1e-12))

    def linewidth(self, frequency: float, broadening: float = 0.0) -> float:
        """Half width Delta_0 + alpha w/(gamma mu0) (A/m) of the in-plane closed form."""
        return broadening + self.alpha * 2 * math.pi * frequency / self.gamma_mu0

    def auto_fields(self, frequency: float, broadening: float = 0.0, points: int = AUTO_POINTS):
        """Field points around the resonance: H0 +- AUTO_WIDTHS line widths (positive fields)."""
        h0 = self.resonance_field(frequency)
        dh = AUTO_WIDTHS * self.linewidth(frequency, broadening)
        lo = max(h0 - dh, 0.2 * h0)
        return np.linspace(lo, h0 + dh, points)

    def time_domain_voltage(self, fields, frequency: float, *, periods: int = 20, settle_periods=None,
                            points_per_period: int = 64, rtol: float = 1e-9, atol: float = 1e-11):
        """V_mix (V, (N,)) from the LLG integrated in time under I(t) = I_rf cos(w t): the magnet
        starts at m0, rings up for ``settle_periods`` (default: 6 decay times 1/(alpha w), at least
        10 periods) and V = (R_xx(m) - R_xx(m0)) I is averaged over the next ``periods`` periods.
        The Oersted field is folded into the field-like torque (needs s along y)."""
        from ..dynamics.integrators import Waveform, simulate_deterministic

        s = np.asarray(self.bar.polarization, dtype=float)
        if (self.bar.oersted_field + self.rf_field) != 0.0 and abs(abs(s[1]) - 1.0) > 1e-12:
            raise PhysicsError("the time-domain simulation folds the Oersted (and rf) field into the field-like torque, "
                               "which needs the polarization along y")
        m0, h_app = self.states(fields)
        omega = 2 * math.pi * frequency
        if settle_periods is None:
            decay = 1.0 / (self.alpha * omega)
            settle_periods = max(10, int(math.ceil(6 * decay * frequency)))
        total = settle_periods + periods
        period = 1.0 / frequency
        k = points_per_period
        t = np.arange(total * k + 1) * (period / k)
        wave = Waveform(t, np.cos(omega * t))
        h_y = self.bar.oersted_field + self.rf_field
        h_fl = self.bar.field_like_field + (h_y * s[1] if h_y else 0.0)
        p = replace(self.params, applied_field=h_app, polarization=tuple(s),
                    damping_like_field_per_current=self.bar.damping_like_field, field_like_field_per_current=h_fl,
                    spin_transfer_field_per_current=0.0)
        r = simulate_deterministic(p, m0, wave, total * period, rtol=rtol, atol=atol, record_every=period / k)
        traj = r.trajectory[settle_periods * k: total * k]
        c = r.current[settle_periods * k: total * k]
        res = self.bar.resistance
        dr = res.longitudinal(traj) - res.longitudinal(m0)[None, :]
        return np.mean(dr * c, axis=0) * self.current_amplitude, m0


def st_fmr(device, frequencies, current_amplitude: float, *, fields=None, field_angle: float = DEFAULT_FIELD_ANGLE,
           broadening: float = 0.0, method: str = "linear", oersted: bool = True,
           resistance: ResistanceModel | None = None, rf_field: float = 0.0, auto_points: int = AUTO_POINTS,
           periods: int = 20, progress=None) -> StFmrResult:
    """ST-FMR mixing voltages of ``device`` (module docstring) at each of ``frequencies`` (Hz) over
    ``fields`` (A/m, signed magnitudes along the in-plane direction ``field_angle`` deg from x; None:
    an automatic range of ``auto_points`` around each resonance), rf amplitude ``current_amplitude``
    (A), Lorentzian inhomogeneous half width ``broadening`` (A/m), ``method`` linear | time-domain;
    ``rf_field`` (A/m) an external microwave field along y in phase with the current (a nearby
    line's, or the field of a conventional FMR antenna: what drives a control without torques)."""
    from ..progress import Counter

    if method not in ("linear", "time-domain"):
        raise ConfigError("<api>", "method", "must be linear or time-domain")
    freqs = np.atleast_1d(np.asarray(frequencies, dtype=float))
    if freqs.size == 0 or np.any(~np.isfinite(freqs)) or np.any(freqs <= 0):
        raise ConfigError("<api>", "frequencies", "must be > 0 and finite")
    if not (broadening >= 0 and math.isfinite(broadening)):
        raise ConfigError("<api>", "broadening", "must be >= 0 and finite")
    if method == "time-domain" and broadening > 0:
        raise ConfigError("<api>", "broadening", "the time-domain method simulates one macrospin: no "
                          "inhomogeneous broadening (use the linear method)")
    model = StFmrModel(device, current_amplitude, field_angle=field_angle, oersted=oersted, resistance=resistance,
                       rf_field=rf_field)
    f_all, h_all, v_all, m_all, lin_all = [], [], [], [], []
    per_frequency = []
    with Counter(progress, "frequencies", total=len(freqs)) as counter:
        for f in freqs:
            h = model.auto_fields(f, broadening, auto_points) if fields is None else np.asarray(fields, dtype=float)
            v, m0 = model.mixing_voltage(h, f, broadening)
            if method == "time-domain":
                lin_all.append(v)
                v, m0 = model.time_domain_voltage(h, f, periods=periods)
            f_all.append(np.full(h.shape, f))
            h_all.append(h)
            v_all.append(v)
            m_all.append(m0)
            try:
                h0 = model.resonance_field(f)
            except PhysicsError:
                h0 = None
            per_frequency.append({"frequency": float(f), "resonance_field": h0,
                                  "linewidth": model.linewidth(f, broadening)})
            counter.add(1)
    details = dict(model.info)
    details.update(device.damping_breakdown())
    details.update({"inhomogeneous_broadening": float(broadening), "rf_field": float(rf_field),
                    "resonances": per_frequency,
                    "resistance": {k: v for k, v in model.bar.resistance.as_dict().items() if math.isfinite(v)}})
    drive = (abs(model.bar.damping_like_field) + abs(model.bar.field_like_field)
             + abs(model.bar.oersted_field + model.rf_field))
    details["warnings"] = ([] if drive > 1e-9 else
                           ["no drive at the magnet (no torque, no Oersted or rf field): V_mix is zero; a control "
                            "without a sink needs --rf-field to show its line"])
    if method == "time-domain":
        details["linear_v"] = np.concatenate(lin_all)
        details["periods"] = periods
    return StFmrResult(np.concatenate(f_all), np.concatenate(h_all), np.concatenate(v_all), np.concatenate(m_all),
                       float(field_angle), float(current_amplitude), method, details)
