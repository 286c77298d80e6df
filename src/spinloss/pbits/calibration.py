"""p-bits calibrated from the device: the sigmoid, the correlation time, the energy per random bit.

A p-bit is a low-barrier magnet (Delta ~ 0-3) whose easy-axis component m.u fluctuates
thermally; an input (a current through the write channel, or a field along the easy axis) tilts
its time average into a sigmoid <m.u> ~ tanh((x - x0)/x_s) (docs/physics.md sections 6 and 9;
Camsari, Faria, Sutton, Datta, PRX 7, 031014 (2017)). :func:`calibrate` measures it with the
batched stochastic LLG of :mod:`spinloss.dynamics` (the device's alpha_eff = alpha + spin
pumping, its torques, and its Joule heating when ``[heating] enabled``): D devices per input run
for ``duration`` each; the first ``burn_in`` of every run is dropped.

Statistics (docs/pbits.md section 4). For each input the series x_d(t_k) = m.u of device d at
record times t_k (spacing dt_r) gives

* the mean <m> over devices and times;
* the normalized autocorrelation rho(k) of the fluctuations (FFT, averaged over devices) and the
  integrated autocorrelation time tau_int = dt_r (1/2 + sum_{k=1}^{M} rho(k)), with Sokal's
  automatic window M = the first k >= 5 tau_int/dt_r (A. Sokal, "Monte Carlo methods in
  statistical mechanics", Cargese lectures 1996; the window keeps the noise of the tail out
  while its bias is of order exp(-5)). tau_int = integral of rho(t) dt is the
  ``correlation_time`` of the p-bit: successive samples a time tau_int apart are, for the
  variance of an average, worth one independent sample;
* the standard error of <m>: for a stationary series of n samples the variance of its mean is
  sigma^2 (2 tau_int / dt_r) / n (1 + O(tau_int / T)), and the D devices are independent, so
  SE = sigma sqrt(2 tau_int / (dt_r n D)) (``mean_m_uncertainty``). The spread of the D device
  means, std / sqrt(D), is reported beside it as an independent check
  (``mean_m_spread_uncertainty``);
* the ``flip_rate``: transitions between the wells m.u > +1/2 and m.u < -1/2 (the retention
  criterion) per device per second. For a two-state (telegraph) p-bit with flip rate nu the
  autocorrelation is exp(-2 nu t), so tau_int -> 1/(2 nu) = tau_dwell / 2: Brown's relaxation
  time of <m_z>, half his dwell time, as Delta grows (:func:`uniaxial_correlation_time`).

Energy per random bit (``energy_per_flip``): a p-bit gives one fresh random bit per correlation
time, so E = (P_drive + P_read) tau_c at the sigmoid's centre, with
P_drive = I^2 R_write, I = (|x0| + x_s) (I per J) the write current that moves the output by
one sigmoid width from zero (R_write and I per J of the device's write path: the channel of an
SOT p-bit, the MTJ of an STT one, :meth:`spinloss.device.Device.write_path`) (current input only: a field input has no drive circuit here), and
P_read = V_read^2 / R_MTJ, R_MTJ = (RA / A)(1 + TMR/2) the mean of the parallel and antiparallel
resistances, read continuously (a p-bit's state is read whenever a neighbour updates) [D].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import integrate, optimize

from ..device import mtj_resistances
from ..errors import PhysicsError, SpinlossInputError
from ..io import JsonResult
from ..progress import note
from ..units import KB, MU0
from ..vectors import orthonormal_frame

INPUTS = ("current", "field")
#: Sokal's window constant (tau_int is summed up to lags c tau_int).
SOKAL_WINDOW = 5.0
#: Well thresholds for counting flips (m.u > +1/2, m.u < -1/2: the retention criterion).
FLIP_THRESHOLD = 0.5
#: Default number of devices per input point.
DEFAULT_DEVICES = 16
#: Records per correlation time (estimated beforehand) and the default run length in
#: correlation times: 400 tau gives ~200 independent samples per device, 3200 per input with the
#: default 16 devices, a standard error ~0.02 on <m> (docs/pbits.md section 4).
RECORDS_PER_TAU = 20
DEFAULT_DURATION_TAUS = 400.0
#: Bounds on the default duration (s).
MIN_DEFAULT_DURATION = 5e-9
MAX_DEFAULT_DURATION = 1e-6
#: Fraction of each run dropped as burn-in (at least 5 estimated correlation times).
BURN_IN_FRACTION = 0.1
#: Most records kept per device (memory: records x 3 x devices x 8 bytes).
MAX_RECORDS = 20_000
#: Fewest records per device by default: a magnet whose estimated correlation time is far longer
#: than the run (a stable magnet, not a p-bit) is still sampled, and the run's warnings say so.
MIN_RECORDS = 200


# ----------------------------------------------------------------------------- exact references

def boltzmann_average(params, axis, *, n_theta: int = 64, n_phi: int = 256, tol: float = 1e-8) -> float:
    """<m.axis> in thermal equilibrium, the integral over the sphere of (m.a) exp(-e(m) V/(k_B T))
    divided by that of exp(-e(m) V/(k_B T)) (docs/physics.md section 9), e the macrospin's energy
    density (:func:`spinloss.dynamics.energy_density`: Zeeman + anisotropy + demag) of
    ``params`` (scalars; V and T from them).

    Quadrature in a frame whose pole is ``axis``: Gauss-Legendre in cos(theta), the trapezoid
    rule in phi (spectral for a periodic integrand); the grid is doubled until two successive
    values agree to ``tol`` (a PhysicsError if they never do)."""
    from ..dynamics import energy_density

    u, e1, e2 = orthonormal_frame(axis)
    scale = float(np.asarray(params.volume)) / (KB * float(np.asarray(params.temperature)))
    if not (scale > 0 and math.isfinite(scale)):
        raise PhysicsError("the Boltzmann average needs T > 0 and V > 0")
    prev = None
    for _ in range(6):
        x, wx = np.polynomial.legendre.leggauss(n_theta)
        phi = np.arange(n_phi) * (2 * np.pi / n_phi)
        s = np.sqrt(1 - x * x)
        m = (x[:, None, None] * u + (s[:, None] * np.cos(phi))[..., None] * e1
             + (s[:, None] * np.sin(phi))[..., None] * e2).reshape(-1, 3)
        e = np.asarray(energy_density(params, m)).reshape(n_theta, n_phi) * scale
        w = np.exp(-(e - e.min())) * wx[:, None]
        val = float(np.sum(w * x[:, None]) / np.sum(w))
        if prev is not None and abs(val - prev) <= tol:
            return val
        prev = val
        n_theta, n_phi = 2 * n_theta, 2 * n_phi
    raise PhysicsError("the Boltzmann average did not converge (energy landscape too sharp for the grid)")


def uniaxial_correlation_time(delta: float, diffusion: float, xi: float = 0.0) -> float:
    """Exact integrated autocorrelation time (s) of m_z for an axially symmetric uniaxial macrospin,
    p_eq(z) ~ exp(Delta z^2 + xi z) on [-1, 1] (xi = mu0 M_s V H / (k_B T) for a field H along the
    axis), rotational diffusion coefficient D (1/s, :func:`spinloss.dynamics.analytic.rotational_diffusion_coefficient`).

    The 1D generator of m_z is L f = (D / p) d/dz [(1 - z^2) p f'] (the one behind
    :func:`spinloss.dynamics.analytic.uniaxial_mean_first_passage_time`), so
    tau_int = int_0^inf C(t) dt / C(0) = <dz, (-L)^{-1} dz> / var, and with
    Phi(z) = int_{-1}^{z} (y - <z>) p(y) dy an integration by parts gives [D]

        tau_int = (1 / (D var)) int_{-1}^{1} Phi(z)^2 / ((1 - z^2) p(z)) dz.

    Checks: Delta = xi = 0 gives 1/(2D) (free rotational diffusion of an l = 1 harmonic); for a
    high barrier it tends to tau_dwell / 2, half of Brown's dwell time (the two-state limit), with
    O(1/Delta) corrections."""
    if delta < 0 or diffusion <= 0:
        raise ValueError("delta must be >= 0 and diffusion > 0")
    c = delta + abs(xi)      # shift of the exponent: p is evaluated as exp(Delta z^2 + xi z - c)

    def p_raw(z):
        return np.exp(delta * z * z + xi * z - c)

    kw = dict(epsabs=0, epsrel=1e-12, limit=400)
    pts = [0.0] if delta > 0 else None
    Z = integrate.quad(p_raw, -1, 1, points=pts, **kw)[0]
    # <z> = 0 by symmetry without a field
    mu = 0.0 if xi == 0 else integrate.quad(lambda z: z * p_raw(z), -1, 1, points=pts, **kw)[0] / Z
    var = integrate.quad(lambda z: (z - mu) ** 2 * p_raw(z), -1, 1, points=pts, **kw)[0] / Z

    def phi(z):
        return integrate.quad(lambda y: (y - mu) * p_raw(y), -1, z, **kw)[0] / Z

    def integrand(z):
        if abs(z) >= 1:
            return 0.0
        f = phi(z) if z <= 0 else -integrate.quad(lambda y: (y - mu) * p_raw(y), z, 1, **kw)[0] / Z
        return f * f / ((1 - z * z) * p_raw(z) / Z)

    val = integrate.quad(integrand, -1, 1, points=[mu] if -1 < mu < 1 else None, epsabs=0, epsrel=1e-9,
                         limit=400)[0]
    return val / (diffusion * var)


# ----------------------------------------------------------------------------- statistics

def integrated_autocorrelation(series, dt: float, window: float = SOKAL_WINDOW) -> dict:
    """tau_int (s) of the rows of ``series`` (D, n) sampled every ``dt`` (module docstring):
    fluctuations about the common mean, autocovariance by FFT averaged over the rows, Sokal's
    window. Returns ``tau``, ``rho`` (up to the window), ``window`` (lags), ``variance``."""
    x = np.asarray(series, dtype=float)
    if x.ndim == 1:
        x = x[None]
    D, n = x.shape
    y = x - x.mean()
    size = 1 << int(math.ceil(math.log2(2 * n)))
    f = np.fft.rfft(y, n=size, axis=1)
    acov = np.fft.irfft(f * np.conj(f), n=size, axis=1)[:, :n].sum(axis=0) / (D * np.arange(n, 0, -1))
    var = float(acov[0])
    if not var > 0:
        return {"tau": 0.0, "rho": np.ones(1), "window": 0, "variance": 0.0}
    rho = acov / var
    tau_k = 0.5
    M = n - 1
    for k in range(1, n):
        tau_k += rho[k]
        if k >= window * tau_k:
            M = k
            break
    return {"tau": max(tau_k, 0.5) * dt, "rho": rho[:M + 1], "window": M, "variance": var,
            "window_reached": M < n - 1}


def count_flips(series, threshold: float = FLIP_THRESHOLD) -> np.ndarray:
    """Transitions between the wells x > threshold and x < -threshold per row of ``series``."""
    x = np.asarray(series, dtype=float)
    out = np.zeros(x.shape[0], dtype=np.int64)
    for d in range(x.shape[0]):
        state = np.where(x[d] > threshold, 1, np.where(x[d] < -threshold, -1, 0))
        s = state[state != 0]
        out[d] = int(np.count_nonzero(np.diff(s))) if s.size else 0
    return out


def fit_sigmoid(x, y, sigma) -> dict:
    """Weighted least-squares fit of y = tanh((x - x0)/x_s): ``x0``, ``x_s`` (units of x), their
    standard errors (from the covariance, scaled by the reduced chi^2 when it exceeds 1), and
    ``reduced_chi2`` (how well a tanh describes the device: ~1 when it does within the errors)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    s = np.maximum(np.asarray(sigma, dtype=float), 1e-6)
    span = float(np.ptp(x)) or 1.0
    # start: x0 where y changes sign (interpolated between neighbours), x_s from the slope there
    # (negative for a falling sigmoid)
    order = np.argsort(x)
    xs, ys = x[order], y[order]
    k = int(np.argmin(np.abs(ys)))
    x0 = float(xs[k])
    for a in range(xs.size - 1):
        if ys[a] == 0 or ys[a] * ys[a + 1] < 0:
            x0 = float(xs[a] - ys[a] * (xs[a + 1] - xs[a]) / (ys[a + 1] - ys[a])) if ys[a] != ys[a + 1] else float(xs[a])
            k = a
            break
    k2 = min(k + 1, xs.size - 1)
    k1 = max(k2 - 1, 0)
    slope = (ys[k2] - ys[k1]) / (xs[k2] - xs[k1]) if xs[k2] != xs[k1] else 0.0
    xs0 = 1.0 / slope if slope != 0 else span / 2

    def model(t, a, b):
        return np.tanh((t - a) / b)

    try:
        p, cov = optimize.curve_fit(model, x, y, p0=[x0, xs0], sigma=s, absolute_sigma=True, maxfev=20000)
    except (RuntimeError, ValueError) as exc:
        raise PhysicsError(f"the sigmoid fit failed ({exc}): widen --range to include both saturations") from None
    r = (y - model(x, *p)) / s
    dof = max(x.size - 2, 1)
    chi2 = float(np.sum(r * r) / dof)
    err = np.sqrt(np.diag(cov)) * math.sqrt(max(chi2, 1.0))
    return {"x0": float(p[0]), "x_s": float(p[1]), "x0_uncertainty": float(err[0]),
            "x_s_uncertainty": float(err[1]), "reduced_chi2": chi2, "formula": "<m> = tanh((x - x0)/x_s)"}


# ----------------------------------------------------------------------------- result

@dataclass
class CalibrationResult(JsonResult):
    """The calibration of a p-bit (JSON keys are the command's contract): per input (SI) the mean
    easy-axis magnetization and its standard error, the correlation time and flip rate; the
    sigmoid fit; the energy per random bit; the device numbers at the sigmoid's centre
    (``centre``)."""

    device: str
    input_kind: str
    inputs: np.ndarray
    mean_m: np.ndarray
    mean_m_uncertainty: np.ndarray
    mean_m_spread_uncertainty: np.ndarray
    correlation_time: np.ndarray
    flip_rate: np.ndarray
    sigmoid: dict | None
    energy_per_flip: float | None
    energy: dict
    centre: dict
    settings: dict
    boltzmann: np.ndarray | None = None
    warnings: list = field(default_factory=list)

    def as_dict(self) -> dict:
        unit = "A/m^2" if self.input_kind == "current" else "A/m"
        return {"device": self.device, "input_kind": self.input_kind, "input": self.inputs,
                "input_unit": unit, "mean_m": self.mean_m, "mean_m_uncertainty": self.mean_m_uncertainty,
                "mean_m_spread_uncertainty": self.mean_m_spread_uncertainty,
                "correlation_time": self.correlation_time, "flip_rate": self.flip_rate, "sigmoid": self.sigmoid,
                "energy_per_flip": self.energy_per_flip, "energy": self.energy, "centre": self.centre,
                "boltzmann_mean_m": self.boltzmann, "settings": self.settings, "warnings": self.warnings,
                "units": {"devices": "1", "effective_damping": "1", "heating": "1", "seed": "1", "reduced_chi2": "1", "input": unit, "mean_m": "1", "mean_m_uncertainty": "1", "mean_m_spread_uncertainty": "1",
                          "correlation_time": "s", "flip_rate": "1/s", "x0": unit, "x_s": unit,
                          "x0_uncertainty": unit, "x_s_uncertainty": unit, "energy_per_flip": "J",
                          "drive_energy": "J", "read_energy": "J", "drive_current": "A", "drive_power": "W",
                          "read_power": "W", "channel_resistance": "Ohm", "read_resistance": "Ohm",
                          "read_voltage": "V", "duration": "s", "burn_in": "s", "record_interval": "s",
                          "time_step": "s", "temperature": "K", "boltzmann_mean_m": "1",
                          "thermal_stability": "1", "estimated_correlation_time": "s",
                          "peak_temperature": "K", "steady_state_temperature": "K", "drive_current_density": "A/m^2"}}

    def timing(self):
        """The :class:`~spinloss.pbits.sampler.DeviceTiming` of this p-bit (at the centre)."""
        from .sampler import DeviceTiming

        return DeviceTiming(self.centre["correlation_time"], self.energy_per_flip, source=self.device)


# ----------------------------------------------------------------------------- calibration

def estimated_correlation_time(device, temperature=None) -> dict:
    """A-priori tau_c (s) of the device's p-bit at zero input, to choose the record interval and
    the default run length (the calibration measures the real one): for an axially symmetric
    magnet the exact uniaxial value (:func:`uniaxial_correlation_time`); otherwise Brown's form
    tau_dwell / 2 = (1/2) tau_r sqrt(pi/Delta) exp(Delta) with the relaxation time
    tau_r = (1 + alpha^2) / (alpha gamma mu0 H_c) of the curvature field H_c = (k_1 + k_2) /
    (2 mu0 M_s) of the well (within a factor of a few for in-plane films, whose low-damping
    escape is not Brown's). Returns ``tau``, ``thermal_stability``, ``diffusion`` (1/s),
    ``curvature_field`` (A/m), ``axial``."""
    from ..dynamics.analytic import rotational_diffusion_coefficient
    from ..dynamics.energy import energy_curvatures
    from ..experiments.rare_events import is_axially_symmetric

    T = device.temperature if temperature is None else float(temperature)
    well = device.starting_well(T)
    params = well.params
    try:
        delta = max(float(device.thermal_stability(T)), 0.0)
    except PhysicsError:
        delta = 0.0
    alpha, gamma = float(np.asarray(params.damping)), float(np.asarray(params.gamma))
    ms = device.saturation_magnetization
    d = rotational_diffusion_coefficient(alpha, ms, device.geometry.volume, T, gamma)
    h11, h22, _, _, _ = energy_curvatures(replace(params, temperature=0.0), well.minimum)
    hc = max((float(h11) + float(h22)) / (2 * MU0 * ms), 1.0)
    # the polarization matters only under a current: the zero-input p-bit's symmetry is the energy's
    axial = bool(is_axially_symmetric(replace(params, polarization=params.anisotropy_axis))[0])
    if axial:
        tau = uniaxial_correlation_time(min(delta, 40.0), d)
    else:
        tau_r = (1 + alpha ** 2) / (alpha * gamma * MU0 * hc)
        tau = 0.5 * tau_r * math.sqrt(math.pi / max(delta, 0.5)) * math.exp(min(delta, 40.0))
        tau = max(tau, tau_r)      # no faster than the relaxation inside the well
    return {"tau": tau, "thermal_stability": delta, "diffusion": d, "curvature_field": hc, "axial": axial}


def auto_current_range(device, temperature=None, points: int = 9) -> np.ndarray:
    """A current-density range (A/m^2) that should span a p-bit's sigmoid (for callers that need
    device numbers without a measured range, e.g. ``spinloss pbit maxcut --device``): +-3 x_s
    with the estimate x_s ~ J_c0 / max(Delta, 1), J_c0 = alpha H_c / (H_DL/J) the collinear
    instability current of the well (the damping-like torque along the easy axis tilts the
    dwell times as exp(+-Delta J/J_c0), so <m> ~ tanh(Delta J / J_c0); Koch, Katine, Sun, PRL 92,
    088302 (2004)). Raises PhysicsError when the torque's polarization is not along the easy axis
    (a current then does not bias the p-bit)."""
    T = device.temperature if temperature is None else float(temperature)
    t = device.torque(T)
    u = np.asarray(device.easy_axis, dtype=float)
    s = np.asarray(t.polarization, dtype=float)
    if abs(float(s @ u)) / (np.linalg.norm(s) * np.linalg.norm(u)) < 0.5:
        raise PhysicsError("the torque's polarization is not along the easy axis: a current does not bias this "
                           "p-bit's output (use a field input, or a device with s along the easy axis)")
    a_dl = abs(device.field_per_current(T)[0])
    if not a_dl > 0:
        raise PhysicsError("the device has no damping-like torque: a current does not bias its p-bit")
    est = estimated_correlation_time(device, T)
    alpha = float(np.asarray(device.macrospin_parameters(temperature=T).damping))
    jc0 = alpha * est["curvature_field"] / a_dl
    xs = jc0 / max(est["thermal_stability"], 1.0)
    return np.linspace(-3 * xs, 3 * xs, points)


def calibrate(device, *, input: str = "current", values, duration: float | None = None,
              devices: int = DEFAULT_DEVICES, seed: int = 0, temperature: float | None = None,
              readout: dict | None = None, record_interval: float | None = None,
              burn_in: float | None = None, boltzmann: bool | None = None, progress=None) -> CalibrationResult:
    """Calibrate the p-bit of ``device`` (module docstring).

    ``input`` current (``values`` current densities in the torque reference layer, A/m^2, a DC
    current from t = 0) or field (``values`` fields along the easy axis, A/m, added to the file's
    applied field); ``duration`` (s) of each run (default :data:`DEFAULT_DURATION_TAUS` estimated
    correlation times, within [5 ns, 1 us]); ``devices`` runs per input; ``readout``
    {``read_voltage`` (V), ``resistance_area`` (Ohm m^2), ``tmr``} for the read energy (None: no
    read energy); ``boltzmann`` (default: for a field input) adds the exact equilibrium <m.u>
    (:func:`boltzmann_average`) per input. Noise keyed by ``seed``; progress as
    :func:`spinloss.dynamics.simulate`. Ctrl-C propagates (nothing partial is returned)."""
    from .. import dynamics as dyn

    if input not in INPUTS:
        raise SpinlossInputError("<api>", "input", f"must be one of {', '.join(INPUTS)}")
    xs = np.atleast_1d(np.asarray(values, dtype=float))
    if xs.ndim != 1 or xs.size < 1 or not np.all(np.isfinite(xs)):
        raise SpinlossInputError("<api>", "values", "must be a finite 1-D array of inputs")
    T = device.temperature if temperature is None else float(temperature)
    if not T > 0:
        raise PhysicsError("a p-bit needs thermal fluctuations: T > 0")
    devices = int(devices)
    if devices < 2:
        raise SpinlossInputError("<api>", "devices", "needs at least 2 devices per input (the spread check)")
    est = estimated_correlation_time(device, T)
    tau_est = est["tau"]
    if duration is None:
        duration = float(np.clip(DEFAULT_DURATION_TAUS * tau_est, MIN_DEFAULT_DURATION, MAX_DEFAULT_DURATION))
    if not (duration > 0 and math.isfinite(duration)):
        raise SpinlossInputError("<api>", "duration", "must be > 0")
    P, D = xs.size, devices
    n = P * D
    base = device.macrospin_parameters(temperature=T)
    u = np.asarray(device.easy_axis, dtype=float)
    u = u / np.linalg.norm(u)
    per = np.repeat(xs, D)
    waveform = None
    schedule = None
    warnings = []
    if input == "field":
        h = np.asarray(base.applied_field, dtype=float) + per[:, None] * u
        params = replace(base, applied_field=h)
        max_current = 0.0
    else:
        params = base
        waveform = dyn.Waveform.constant(per, 0.0, 2.0 * duration)
        max_current = float(np.max(np.abs(per)))
        if device.heating_enabled:
            schedule = device.heating_schedule(per, width=duration, temperature=T, rise_time=0.0, fall_time=0.0)
    dt = dyn.heun_time_step(params, max_current, schedule)
    if record_interval is None:
        record_interval = min(tau_est / RECORDS_PER_TAU, duration / MIN_RECORDS)
    record_interval = max(record_interval, dt, duration / MAX_RECORDS)
    if burn_in is None:
        burn_in = max(BURN_IN_FRACTION * duration, min(5 * tau_est, 0.5 * duration))
    if not 0 <= burn_in < duration:
        raise SpinlossInputError("<api>", "burn_in", "must be >= 0 and shorter than the duration")
    # half the devices of each input start at +u, half at -u (no bias from the start)
    m0 = np.where((np.arange(n) % 2 == 0)[:, None], u, -u)
    note(progress, "calibration", f"{P} inputs x {D} devices, {duration:.3g} s each, time step {dt:.3g} s, "
                                  f"estimated tau_c {tau_est:.3g} s")
    res = dyn.simulate(params, m0, waveform, duration, dt, seed=seed, record_every=record_interval,
                       progress=progress, schedule=schedule)
    t = res.times
    proj = np.einsum("tnk,k->tn", res.trajectory, u)       # (n_rec, n)
    if tau_est > max(duration, MAX_DEFAULT_DURATION):
        warnings.append(f"Delta = {est['thermal_stability']:.3g}: the estimated correlation time {tau_est:.3g} s is "
                        f"longer than the {duration:.3g} s run: the magnet hardly flips and is not a p-bit (a p-bit "
                        "needs a barrier of a few kT)")
    keep = t >= burn_in
    if keep.sum() < 2:
        raise SpinlossInputError("<api>", "record_interval", f"{record_interval:.3g} s leaves fewer than 2 "
                                 f"records after the burn-in of a {duration:.3g} s run")
    t_used = float(t[keep][-1] - t[keep][0]) if keep.sum() > 1 else 0.0
    dt_r = float(t[1] - t[0]) if t.size > 1 else duration
    mean = np.empty(P)
    se = np.empty(P)
    spread = np.empty(P)
    tau = np.empty(P)
    rate = np.empty(P)
    for p in range(P):
        x = proj[keep][:, p * D:(p + 1) * D].T      # (D, n)
        ac = integrated_autocorrelation(x, dt_r)
        mean[p] = float(x.mean())
        nrec = x.shape[1]
        se[p] = math.sqrt(ac["variance"] * (2 * ac["tau"] / dt_r) / (nrec * D)) if ac["variance"] > 0 else 0.0
        spread[p] = float(np.std(x.mean(axis=1), ddof=1) / math.sqrt(D))
        tau[p] = ac["tau"]
        rate[p] = float(count_flips(x).sum()) / (D * t_used) if t_used > 0 else float("nan")
        if ac["tau"] > 0.05 * t_used:
            warnings.append(f"input {xs[p]:.4g}: the correlation time {ac['tau']:.3g} s is more than 5 % of the "
                            f"averaging time {t_used:.3g} s: lengthen --duration")
        if ac["tau"] <= dt_r:
            warnings.append(f"input {xs[p]:.4g}: the record interval {dt_r:.3g} s does not resolve the correlation "
                            f"time (the p-bit is faster there than estimated): {ac['tau']:.3g} s is an upper bound "
                            "(the standard error, from the same records, stays valid)")
    sig = None
    if P >= 3:
        try:
            sig = fit_sigmoid(xs, mean, np.maximum(se, spread))
        except PhysicsError as exc:
            warnings.append(str(exc))
    # the device numbers at the centre of the sigmoid (the input nearest x0 without a fit)
    x_c = sig["x0"] if sig is not None else float(xs[int(np.argmin(np.abs(mean)))])
    order = np.argsort(xs)
    tau_c = float(np.exp(np.interp(x_c, xs[order], np.log(np.maximum(tau[order], 1e-300)))))
    rate_c = float(np.interp(x_c, xs[order], rate[order]))
    energy = energy_per_random_bit(device, input, sig, tau_c, readout, T)
    bz = None
    if boltzmann or (boltzmann is None and input == "field"):
        bz = np.array([boltzmann_average(replace(base, applied_field=np.asarray(base.applied_field) + x * u), u)
                       for x in xs])
    if input == "current" and device.heating_available:
        try:
            heat = device.pulse_heating(current_density=float(np.max(np.abs(xs))), width=duration,
                                        temperature=T, rise_time=0.0, fall_time=0.0)
            energy["peak_temperature"] = float(heat.peak_temperature)
            energy["steady_state_temperature"] = float(heat.ambient_temperature + heat.steady_state_rise)
            warnings.extend(heat.warnings)
        except PhysicsError as exc:
            warnings.append(str(exc))
    settings = {"duration": duration, "devices": D, "seed": int(seed), "temperature": T, "time_step": dt,
                "record_interval": dt_r, "burn_in": burn_in, "thermal_stability": est["thermal_stability"],
                "estimated_correlation_time": tau_est, "heating": bool(schedule is not None),
                "effective_damping": float(np.asarray(base.damping))}
    return CalibrationResult(device=device.stack.name, input_kind=input, inputs=xs, mean_m=mean,
                             mean_m_uncertainty=se, mean_m_spread_uncertainty=spread, correlation_time=tau,
                             flip_rate=rate, sigmoid=sig, energy_per_flip=energy["total"], energy=energy,
                             centre={"input": x_c, "correlation_time": tau_c, "flip_rate": rate_c},
                             settings=settings, boltzmann=bz, warnings=warnings)


def energy_per_random_bit(device, input: str, sigmoid: dict | None, correlation_time: float,
                          readout: dict | None, temperature: float) -> dict:
    """The energy of one random bit (J) and its parts (module docstring): ``drive_energy``
    (current input with a sigmoid fit; else None), ``read_energy`` (with ``readout``; else None),
    ``total`` (their sum over the parts known; None if neither)."""
    out = {"definition": "(P_drive + P_read) tau_c; P_drive = I^2 R_write at I = (|x0| + x_s) (I per J), "
                         "R_write the write path (SOT: the channel; STT: the MTJ); "
                         "P_read = V_read^2 / R_MTJ, R_MTJ = (RA/A)(1 + TMR/2)",
           "correlation_time": correlation_time, "drive_energy": None, "read_energy": None}
    if input == "current" and sigmoid is not None:
        path = device.write_path(temperature)
        j = abs(sigmoid["x0"]) + abs(sigmoid["x_s"])
        i = j * path["current_per_density"]
        p = i * i * path["resistance"]
        out.update({"drive_current_density": j, "drive_current": i, "channel_resistance": path["resistance"],
                    "drive_path": path["kind"], "drive_power": p, "drive_energy": p * correlation_time})
    if readout is not None:
        r = mtj_resistances(readout["resistance_area"], device.geometry.area, readout["tmr"])["mean"]
        p = readout["read_voltage"] ** 2 / r
        out.update({"read_voltage": readout["read_voltage"], "read_resistance": r, "read_power": p,
                    "read_energy": p * correlation_time})
    parts = [v for v in (out["drive_energy"], out["read_energy"]) if v is not None]
    out["total"] = float(sum(parts)) if parts else None
    return out
