r"""Harmonic Hall signals: the forward simulation (docs/lab.md section 2).

Convention of the harmonics (docs/physics.md section 5) [D]: for a current I(t) = I0 sin(w t) the
Hall voltage is V(t) = R_xy(m(t)) I(t) + V_ANE(t), and

    V_1w = (2/T) integral V(t) sin(w t) dt        (in-phase first harmonic)
    V_2w = -(2/T) integral V(t) cos(2 w t) dt     (amplitude of the -cos(2wt) term)

Both are amplitudes (not rms). In the small-current limit m(t) = m0 + m1 sin(wt), so
V_1w = I0 R_xy(m0) and V_2w = (I0/2) (dR_xy/dm) . m1: the factor 1/2 comes from
sin^2(wt) = (1 - cos 2wt)/2. ``lab harmonic-hall`` writes exactly these numbers.

Current-induced fields at the peak current I0 (docs/physics.md sections 2, 5), s the polarization:

    Delta H = H_DL (m x s) + H_FL s + H_Oe y

whose torque -gamma mu0 m x Delta H is the spin-orbit torque of the LLG equation. The Oersted
field of the current in the layers above and below the magnet (infinite sheets) is
H_Oe = (K_above - K_below) / 2 along y, K the sheet current per width: a heavy metal below gives
H_Oe < 0. The magnet's own current gives none.

Two methods:

- ``quasistatic``: m(t) follows the equilibrium of H_eff + Delta H(t) (the steady state of the LLG
  equation, m x (H_eff + Delta H) = 0, found by a vectorized relaxation + Newton solver), sampled
  at K phases of the period, and the harmonics projected (exact for a K-point trigonometric
  interpolation of the periodic V(t); all orders in I0).
- ``lockin``: the LLG equation integrated in time (Dormand-Prince, :func:`spinloss.dynamics.
  simulate_deterministic`) under the piecewise-linear sine current, and the recorded V(t) of the
  last periods projected as a lock-in does. At a frequency well below the FMR it agrees with the
  quasistatic method (docs/validation.md: 1 % and better).

Thermal term (anomalous Nernst, docs/lab.md section 2.3): V_ANE(t) = V_N (I(t)/I0)^2 m_x(t) with
V_N = S_ANE W dT/dz at I0 (:func:`spinloss.lab.resistance.anomalous_nernst_voltage`); its second
harmonic is V_N m_x / 2, its first harmonic 0 (at the quasistatic level).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import ConfigError, PhysicsError
from ..io import JsonResult
from ..vectors import orthonormal_frame
from .resistance import RESISTANCE_UNITS, ResistanceModel, anomalous_nernst_voltage, vertical_temperature_gradient

#: Scans: field sweeps along x, y (and z), or an in-plane rotation of the field ("angle").
SCANS = ("x", "y", "z", "angle")
#: Phase samples of one period in the quasistatic method (the aliasing error of the second
#: harmonic is of the order (Delta H / H_K)^(K-3): negligible for K = 16).
PHASE_SAMPLES = 16


# ============================================================================ equilibrium


def equilibrium(total_field, m0, *, scale: float, tol: float = 1e-12, relax_steps: int = 300,
                newton_steps: int = 80):
    """The steady states m (N, 3) with m x H(m) = 0 reached from ``m0`` (N, 3), H = ``total_field(m)``
    (A/m, (N, 3): effective field plus current-induced fields). A damped relaxation
    m <- m + (tau H_perp) (the LLG steady state of any alpha is the same: m parallel to H) brings
    each state near its attractor, then Newton steps in the tangent plane converge to
    |H_perp| < tol * scale. ``scale`` (A/m) is the largest stiffness (sets the relaxation step).
    Raises PhysicsError if a state does not converge."""
    m = np.array(m0, dtype=float)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    step = 0.4 / scale

    def perp(mm):
        h = total_field(mm)
        return h - np.sum(h * mm, axis=1, keepdims=True) * mm

    for _ in range(relax_steps):
        hp = perp(m)
        m = m + step * hp
        m /= np.linalg.norm(m, axis=1, keepdims=True)
        if np.max(np.linalg.norm(hp, axis=1)) < 1e-3 * scale:
            break
    eps = 1e-7
    for _ in range(newton_steps):
        _, e1, e2 = orthonormal_frame(m)   # any tangent basis will do for the Newton step
        hp = perp(m)
        r = np.stack([np.sum(hp * e1, axis=1), np.sum(hp * e2, axis=1)], axis=1)
        if np.max(np.abs(r)) < tol * scale:
            break
        jac = np.empty((m.shape[0], 2, 2))
        for k, e in enumerate((e1, e2)):
            mk = m + eps * e
            mk /= np.linalg.norm(mk, axis=1, keepdims=True)
            hk = perp(mk)
            jac[:, 0, k] = (np.sum(hk * e1, axis=1) - r[:, 0]) / eps
            jac[:, 1, k] = (np.sum(hk * e2, axis=1) - r[:, 1]) / eps
        det = jac[:, 0, 0] * jac[:, 1, 1] - jac[:, 0, 1] * jac[:, 1, 0]
        det = np.where(np.abs(det) > 1e-300, det, 1e-300)
        da = -(jac[:, 1, 1] * r[:, 0] - jac[:, 0, 1] * r[:, 1]) / det
        db = -(-jac[:, 1, 0] * r[:, 0] + jac[:, 0, 0] * r[:, 1]) / det
        # limit a Newton step to 0.2 rad (far from a root it may overshoot)
        size = np.sqrt(da**2 + db**2)
        f = np.minimum(1.0, 0.2 / np.maximum(size, 1e-300))
        m = m + (f * da)[:, None] * e1 + (f * db)[:, None] * e2
        m /= np.linalg.norm(m, axis=1, keepdims=True)
    else:
        hp = perp(m)
        if np.max(np.linalg.norm(hp, axis=1)) > 1e-6 * scale:
            raise PhysicsError("the equilibrium of the magnet under the scan field and the current-induced "
                               "fields did not converge (a field at an instability?)")
    return m


# ============================================================================ the Hall bar


@dataclass(frozen=True)
class HallBar:
    """What the harmonic Hall voltages depend on besides the magnet: the resistance model, the
    current amplitude ``current_amplitude`` I0 (A), the current-induced fields at I0 (A/m):
    ``damping_like_field`` H_DL and ``field_like_field`` H_FL along ``polarization`` s,
    ``oersted_field`` H_Oe (along y), and ``nernst_voltage`` V_N = S_ANE W dT/dz at I0 (V)."""

    resistance: ResistanceModel
    current_amplitude: float
    damping_like_field: float
    field_like_field: float
    oersted_field: float = 0.0
    polarization: tuple = (0.0, 1.0, 0.0)
    nernst_voltage: float = 0.0

    def current_field(self, m, c):
        """Delta H (A/m, (N, 3)) at the current I = c I0 (c (N,) or scalar) and state m (N, 3)."""
        from ..dynamics.terms import spin_torque_field

        c = np.asarray(c, dtype=float).reshape(-1, 1)
        oe = np.array([0.0, self.oersted_field, 0.0])
        return c * (spin_torque_field(m, self.damping_like_field, self.field_like_field, self.polarization) + oe)

    def hall_voltage(self, m, c):
        """V (V) at I = c I0: R_xy(m) I + V_N c^2 m_x."""
        c = np.asarray(c, dtype=float)
        return (self.resistance.transverse(m) * c * self.current_amplitude
                + self.nernst_voltage * c**2 * np.asarray(m)[..., 0])


def project_harmonics(v, phase):
    """(V_1w, V_2w) of samples v (..., K) at the uniformly spaced phases ``phase`` (K,) of one or
    more whole periods: V_1w = <2 V sin>, V_2w = -<2 V cos 2phi> (module docstring)."""
    v = np.asarray(v, dtype=float)
    return (2.0 * np.mean(v * np.sin(phase), axis=-1), -2.0 * np.mean(v * np.cos(2.0 * phase), axis=-1))


def quasistatic_harmonics(magnet_field, bar: HallBar, m_start, *, scale: float, phases: int = PHASE_SAMPLES,
                          voltage=None):
    """Quasistatic V_1w, V_2w (V, (N,)) and the zero-current states m0 (N, 3).

    ``magnet_field(m)`` is H_eff (A/m, (N, 3)) of the N field points (applied field included);
    ``m_start`` (N, 3) picks the branch of each point. ``voltage(m, c)`` (V) is the voltage whose
    harmonics are taken at the current I = c I0 (default the Hall voltage ``bar.hall_voltage``; the
    USMR readout passes the longitudinal one, :mod:`spinloss.lab.usmr`)."""
    m0 = equilibrium(magnet_field, m_start, scale=scale)
    n = m0.shape[0]
    phase = 2.0 * math.pi * np.arange(phases) / phases
    c = np.sin(phase)
    # every phase of every point in one batch: rows k*n .. (k+1)*n-1 are phase k
    cc = np.repeat(c, n)
    mm = np.tile(m0, (phases, 1))

    def total(m):
        return magnet_field_rows(magnet_field, m, n, phases) + bar.current_field(m, cc)

    m = equilibrium(total, mm, scale=scale)
    v = (bar.hall_voltage if voltage is None else voltage)(m, cc).reshape(phases, n).T
    v1, v2 = project_harmonics(v, phase)
    return v1, v2, m0


def magnet_field_rows(magnet_field, m, n, copies):
    """H_eff of ``copies`` stacked copies of the n points (rows k*n + i is point i)."""
    return np.concatenate([magnet_field(m[k * n:(k + 1) * n]) for k in range(copies)], axis=0)


# ============================================================================ devices


def oersted_field(device, current_amplitude: float) -> float:
    """H_Oe (A/m, along y) at the magnet for the current I0 (A) through the device's stack:
    (K_above - K_below)/2 with K_i = I0 f_i / W the sheet current of layer i (current fraction
    f_i, width W), each layer an infinite sheet (W >> thickness)."""
    res = device.transport()
    names = [l.name for l in res.layers]
    k = names.index(device.magnet_layer)
    w = device.geometry.width
    frac = [float(np.asarray(l.current_fraction)) for l in res.layers]
    below = sum(frac[:k]) * current_amplitude / w
    above = sum(frac[k + 1:]) * current_amplitude / w
    return 0.5 * (above - below)


def hall_bar_of_device(device, current_amplitude: float, *, resistance: ResistanceModel | None = None,
                       oersted: bool = True, temperature: float | None = None) -> tuple[HallBar, dict]:
    """The :class:`HallBar` of a device at current amplitude I0 (A) and a dict of what it used
    (current density in the reference layer, fields, gradient)."""
    res_model = resistance if resistance is not None else ResistanceModel.from_device(device)
    ch = device.channel(temperature)
    j0 = current_amplitude / ch["current_per_density"]
    a_dl, a_fl = device.field_per_current(temperature)
    t = device.torque(temperature)
    h_oe = oersted_field(device, current_amplitude) if oersted else 0.0
    w = device.geometry.width
    q = ch["sheet_resistance"] * (current_amplitude / w) ** 2
    grad = float(vertical_temperature_gradient(q, res_model.thermal_conductivity))
    v_n = float(anomalous_nernst_voltage(np.array([1.0, 0.0, 0.0]), grad, res_model.anomalous_nernst, w))
    bar = HallBar(res_model, current_amplitude, a_dl * j0, a_fl * j0, h_oe, tuple(t.polarization), v_n)
    info = {"current_density": j0, "reference_layer": ch["reference_layer"], "damping_like_field": a_dl * j0,
            "field_like_field": a_fl * j0, "oersted_field": h_oe, "polarization": list(t.polarization),
            "damping_like_efficiency": t.damping_like_efficiency, "field_like_efficiency": t.field_like_efficiency,
            "joule_power_per_area": q, "temperature_gradient": grad, "nernst_voltage": v_n,
            "torque_source": t.source}
    return bar, info


def scan_fields(scan: str, field, angle_deg=None):
    """Applied fields (A/m, (N, 3)) of a scan: along x, y or z, or in the plane at ``angle_deg``
    from x (field magnitudes ``field``)."""
    h = np.asarray(field, dtype=float)
    z = np.zeros_like(h)
    if scan == "x":
        return np.stack([h, z, z], axis=1)
    if scan == "y":
        return np.stack([z, h, z], axis=1)
    if scan == "z":
        return np.stack([z, z, h], axis=1)
    if scan == "angle":
        a = np.radians(np.asarray(angle_deg, dtype=float))
        return np.stack([h * np.cos(a), h * np.sin(a), z], axis=1)
    raise ConfigError("<api>", "scan", f"unknown scan {scan!r} ({' | '.join(SCANS)})")


def start_states(h_app, branch, easy_axis, scan: str):
    """Initial guesses (N, 3) that pick the branch: an angular scan starts along the field; a
    field sweep starts on the easy axis with the sign ``branch`` (the sign of m along the easy
    axis, m_z for a perpendicular film) tilted 0.3 rad towards the field."""
    h = np.asarray(h_app, dtype=float)
    nrm = np.linalg.norm(h, axis=1, keepdims=True)
    hd = np.where(nrm > 0, h / np.where(nrm > 0, nrm, 1.0), 0.0)
    if scan == "angle":
        return np.where(nrm > 0, hd, np.asarray(easy_axis, float))
    u = np.asarray(easy_axis, dtype=float)[None, :] * np.asarray(branch, dtype=float).reshape(-1, 1)
    m = u + 0.3 * hd
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def device_magnet(device):
    """(macrospin parameters at T = 0 with the file's applied field removed, stiffness scale A/m)."""
    from ..dynamics.integrators import largest_field

    p = replace(device.macrospin_parameters(temperature=0.0), temperature=0.0, applied_field=(0.0, 0.0, 0.0))
    return p, float(largest_field(p))


# ============================================================================ result


@dataclass
class HarmonicHallResult(JsonResult):
    """Simulated harmonic Hall voltages of a scan: per point ``scan``, ``field`` (A/m; the field
    magnitude of an angular scan), ``angle`` (deg, angular scans), ``branch`` (+1/-1: sign of m
    along the easy axis at the start; 0 for angular scans), ``v1w`` and ``v2w`` (V, amplitudes in
    the convention of the module docstring); ``m`` the zero-current states; ``details`` the
    current-induced fields and what they came from."""

    scan: list
    field: np.ndarray
    angle: np.ndarray | None
    branch: np.ndarray
    v1w: np.ndarray
    v2w: np.ndarray
    m: np.ndarray
    method: str
    current_amplitude: float
    frequency: float | None
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"scan": self.scan, "field": self.field, "angle": self.angle, "branch": self.branch,
                "v1w": self.v1w, "v2w": self.v2w, "magnetization": self.m, "method": self.method,
                "current_amplitude": self.current_amplitude, "frequency": self.frequency,
                "details": self.details,
                "units": {**RESISTANCE_UNITS, "field": "A/m", "angle": "deg", "branch": "1", "v1w": "V", "v2w": "V",
                          "magnetization": "1", "current_amplitude": "A", "frequency": "Hz",
                          "current_density": "A/m^2", "damping_like_field": "A/m", "field_like_field": "A/m",
                          "oersted_field": "A/m", "polarization": "1", "damping_like_efficiency": "1",
                          "field_like_efficiency": "1", "joule_power_per_area": "W/m^2",
                          "temperature_gradient": "K/m", "nernst_voltage": "V", "quasistatic_v1w": "V",
                          "quasistatic_v2w": "V", "periods": "1", "resistance": "Ohm"}}

    def to_csv(self, comment: str | None = None) -> str:
        """The points as a CSV in the fit's input format (docs/lab.md section 4)."""
        lines = []
        if comment:
            lines += [f"# {c}" for c in comment.splitlines()]
        angular = self.angle is not None
        lines.append("scan,field [A/m]," + ("angle [deg]," if angular else "branch,") + "v1w [V],v2w [V]")
        for i, s in enumerate(self.scan):
            mid = f"{self.angle[i]:.10g}," if angular else f"{int(self.branch[i]):d},"
            lines.append(f"{s},{self.field[i]:.10g},{mid}{self.v1w[i]:.12g},{self.v2w[i]:.12g}")
        return "\n".join(lines) + "\n"


def harmonic_hall(device, scan: str, fields, current_amplitude: float, *, angles=None, branches=(1, -1),
                  method: str = "quasistatic", frequency: float = 2e8, periods: int = 3,
                  points_per_period: int = 200, oersted: bool = True,
                  resistance: ResistanceModel | None = None, progress=None) -> HarmonicHallResult:
    """Harmonic Hall voltages of ``device`` for a scan (module docstring).

    ``scan`` x | y | z | angle; ``fields`` field values (A/m; for ``angle`` the field magnitudes,
    each combined with every angle of ``angles`` in degrees); ``branches`` the easy-axis signs
    simulated for field sweeps; ``current_amplitude`` I0 (A); ``method`` quasistatic | lockin
    (``frequency`` (Hz), ``periods`` integrated after one settling period, ``points_per_period`` of
    the sampled sine). The device file's own ``[field]`` is replaced by the scan field."""
    from ..progress import note

    if scan not in SCANS:
        raise ConfigError("<api>", "scan", f"unknown scan {scan!r} ({' | '.join(SCANS)})")
    if method not in ("quasistatic", "lockin"):
        raise ConfigError("<api>", "method", "must be quasistatic or lockin")
    if not (current_amplitude > 0 and math.isfinite(current_amplitude)):
        raise ConfigError("<api>", "current_amplitude", "must be > 0")
    fields = np.atleast_1d(np.asarray(fields, dtype=float))
    if scan == "angle":
        if angles is None:
            angles = np.linspace(0.0, 360.0, 37)
        hh, aa = np.meshgrid(fields, np.asarray(angles, dtype=float), indexing="ij")
        f_all, a_all = hh.ravel(), aa.ravel()
        b_all = np.zeros_like(f_all)
    else:
        bb, hh = np.meshgrid(np.asarray(branches, dtype=float), fields, indexing="ij")
        f_all, b_all = hh.ravel(), bb.ravel()
        a_all = None
    h_app = scan_fields(scan, f_all, a_all)
    bar, info = hall_bar_of_device(device, current_amplitude, resistance=resistance, oersted=oersted)
    params, scale = device_magnet(device)
    params_n = replace(params, applied_field=h_app)
    scale = scale + float(np.max(np.abs(h_app))) + 1.0

    from ..dynamics.integrators import effective_field

    def magnet_field(m):
        return effective_field(params_n, m)

    m_start = start_states(h_app, b_all if scan != "angle" else np.ones_like(f_all), device.easy_axis, scan)
    v1, v2, m0 = quasistatic_harmonics(magnet_field, bar, m_start, scale=scale)
    note(progress, "harmonic Hall", f"quasistatic harmonics of {len(f_all)} points")
    details = dict(info)
    details["resistance"] = bar.resistance.as_dict()
    if method == "lockin":
        lv1, lv2 = lockin_harmonics(params_n, bar, m0, frequency=frequency, periods=periods,
                                    points_per_period=points_per_period)
        details.update({"quasistatic_v1w": v1, "quasistatic_v2w": v2, "periods": periods})
        v1, v2 = lv1, lv2
        note(progress, "harmonic Hall", f"lock-in of the simulated time traces at {frequency:.3g} Hz")
    details["resistance"] = {k: v for k, v in details["resistance"].items() if math.isfinite(v)}
    return HarmonicHallResult([scan] * len(f_all), f_all, a_all, b_all.astype(int), v1, v2, m0, method,
                              float(current_amplitude), float(frequency) if method == "lockin" else None,
                              details)


def lockin_harmonics(params, bar: HallBar, m0, *, frequency: float, periods: int = 3,
                     points_per_period: int = 200, settle_periods: int = 1, rtol: float = 1e-9,
                     atol: float = 1e-11):
    """V_1w, V_2w (V, (N,)) from a lock-in of the simulated time trace: the LLG equation
    (``params`` with the scan fields, a batch of N points) integrated from the zero-current
    states ``m0`` under I(t) = I0 sin(2 pi f t), sampled at ``points_per_period`` phases of each
    period; the first ``settle_periods`` are discarded. The Oersted field is a field-like term
    along y: it is folded into the field-like field when s is along +-y."""
    from ..dynamics.integrators import Waveform, simulate_deterministic

    if not (frequency > 0 and math.isfinite(frequency)):
        raise ConfigError("<api>", "frequency", "must be > 0")
    s = np.asarray(bar.polarization, dtype=float)
    if bar.oersted_field != 0.0 and abs(abs(s[1]) - 1.0) > 1e-12:
        raise PhysicsError("the lock-in simulation folds the Oersted field into the field-like torque, "
                           "which needs the polarization along y")
    h_fl = bar.field_like_field + bar.oersted_field * (s[1] if bar.oersted_field else 0.0)
    period = 1.0 / frequency
    total = settle_periods + periods
    k = points_per_period
    t = np.arange(total * k + 1) * (period / k)
    wave = Waveform(t, np.sin(2.0 * math.pi * frequency * t))
    # the engine's field per current times a dimensionless "current" c(t) = I/I0
    p = replace(params, polarization=tuple(s), damping_like_field_per_current=bar.damping_like_field,
                field_like_field_per_current=h_fl, spin_transfer_field_per_current=0.0)
    r = simulate_deterministic(p, m0, wave, total * period, rtol=rtol, atol=atol, record_every=period / k)
    traj = r.trajectory[settle_periods * k: total * k]        # (samples, N, 3)
    c = r.current[settle_periods * k: total * k]              # (samples, N)
    v = bar.hall_voltage(traj, c)                             # (samples, N)
    phase = 2.0 * math.pi * frequency * r.times[settle_periods * k: total * k]
    return project_harmonics(v.T, phase)
