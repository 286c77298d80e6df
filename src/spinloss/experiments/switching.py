"""Switching experiments on a device: probability, threshold, traces, retention, resonance.

All experiments run the batched macrospin engine (:mod:`spinloss.dynamics`).

Switching outcome (used everywhere): after the write pulse the magnet relaxes with no current
until its energy (anisotropy + demag + Zeeman) is below the saddle between the two wells, then
the state is the sign of m . easy_axis. A trajectory below the saddle energy cannot leave its
well at T = 0, so the outcome is decided; at T > 0 the chance of a later thermal return is the
retention problem, exp(-Delta)-small. The relaxation is capped (``max_settle_time``); devices
still above the saddle then are classified by the sign of m . easy_axis and counted in
``undecided``.

Initial states at T > 0 are drawn from the equilibrium (harmonic Boltzmann) distribution of the
starting well: Gaussian deviations in the tangent plane with variances k_B T / (k_i V), k_i the
curvatures of the energy at the minimum. At T = 0 the file's ``initial_direction`` is used as given.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import PhysicsError, SpinlossInputError
from .rare_events import wilson_score
from ..units import GAMMA, KB, MU0


# ----------------------------------------------------------------------------- helpers


def _dyn():
    from .. import dynamics

    return dynamics


def _orthonormal(u):
    u = np.asarray(u, dtype=float)
    u = u / np.linalg.norm(u)
    a = np.array([1.0, 0.0, 0.0]) if abs(u[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = a - (a @ u) * u
    e1 /= np.linalg.norm(e1)
    return u, e1, np.cross(u, e1)


def relax_to_minimum(params, m0, max_iter: int = 20000) -> np.ndarray:
    """The energy minimum reached from ``m0`` by steepest descent on the sphere (T = 0, no current)."""
    dyn = _dyn()
    m = np.asarray(m0, dtype=float).reshape(1, 3)
    m = m / np.linalg.norm(m)
    # a tiny, fixed, generic tilt: an unstable equilibrium (e.g. a state whose well a field has
    # removed) is left instead of being returned as a "minimum"; a true minimum is regained
    m = m + 1e-5 * np.array([[0.5773, 0.5774, 0.5775]])
    m = m / np.linalg.norm(m)
    b = params.broadcast(1)
    # the largest stiffness of the energy (A/m) bounds a stable step of the descent
    scale = float(np.abs(b["anisotropy_field"][0]) + b["saturation_magnetization"][0] * np.ptp(b["demag_factors"][0])
                  + np.linalg.norm(b["applied_field"][0]) + 1.0)
    step = 0.5 / scale
    for _ in range(max_iter):
        h = dyn.effective_field(params, m)
        h_perp = h - (np.sum(h * m, axis=1, keepdims=True)) * m
        if np.linalg.norm(h_perp) < 1e-12 * scale:
            break
        m = m + step * h_perp
        m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m[0]


def energy_curvatures(params, m_min, eps: float = 1e-4):
    """Curvatures of the energy density (J/m^3 per rad^2) at the minimum ``m_min`` in the tangent
    frame (e1, e2) of :func:`_orthonormal`: returns (E11, E22, E12, e1, e2), central differences."""
    dyn = _dyn()
    m_min = np.asarray(m_min, dtype=float)
    _, e1, e2 = _orthonormal(m_min)

    def energy(a, b):
        v = m_min + a * e1 + b * e2
        v = v / np.linalg.norm(v)
        return float(dyn.energy_density(params, v.reshape(1, 3))[0])

    e0 = energy(0, 0)
    h11 = (energy(eps, 0) - 2 * e0 + energy(-eps, 0)) / eps**2
    h22 = (energy(0, eps) - 2 * e0 + energy(0, -eps)) / eps**2
    h12 = (energy(eps, eps) - energy(eps, -eps) - energy(-eps, eps) + energy(-eps, -eps)) / (4 * eps**2)
    return h11, h22, h12, e1, e2


def thermal_initial_states(params, m_min, n: int, temperature: float, volume: float, seed: int) -> np.ndarray:
    """n initial directions from the harmonic Boltzmann distribution around the minimum m_min."""
    m_min = np.asarray(m_min, dtype=float)
    if temperature <= 0 or n == 0:
        return np.tile(m_min, (n, 1))
    h11, h22, h12, e1, e2 = energy_curvatures(params, m_min)
    H = np.array([[h11, h12], [h12, h22]]) * volume
    w, v = np.linalg.eigh(H)
    if np.any(w <= 0):
        raise PhysicsError("the initial direction is not at an energy minimum: no thermal well to sample")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))
    z = rng.standard_normal((n, 2)) * np.sqrt(KB * temperature / w)
    dev = z @ v.T
    m = m_min + dev[:, :1] * e1 + dev[:, 1:] * e2
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def default_time_step(params, max_current: float = 0.0) -> float:
    """Heun time step: precession angle per step <= 0.02 rad at the largest field scale, clipped
    to [5e-15, 2e-13] s. The stochastic Heun scheme is weakly first order for the thermal field,
    second order deterministically; this keeps the deterministic error well below 1e-3."""
    b = params.broadcast(params.batch_size())
    ms = b["saturation_magnetization"]
    nd = b["demag_factors"]
    h = (np.abs(b["anisotropy_field"]) + ms * (nd.max(axis=1) - nd.min(axis=1))
         + np.linalg.norm(b["applied_field"], axis=1)
         + abs(max_current) * (np.abs(b["damping_like_field_per_current"]) + np.abs(b["field_like_field_per_current"])))
    h = float(np.max(h)) + 1.0
    dt = 0.02 / (b["gamma"].max() * MU0 * h)
    return float(min(max(dt, 5e-15), 2e-13))


@dataclass
class _Setup:
    params: Any
    easy: np.ndarray
    start: np.ndarray
    target: np.ndarray
    saddle: float
    barrier: float
    m_min: np.ndarray


def _setup(device, temperature: float | None):
    from ..device import energy_landscape

    dyn = _dyn()
    T = device.temperature if temperature is None else float(temperature)
    params = device.macrospin_parameters(temperature=T)
    easy = np.asarray(device.easy_axis, dtype=float)
    init = np.asarray(device.initial_direction, dtype=float)
    sgn = 1.0 if init @ easy >= 0 else -1.0
    land = energy_landscape(params, easy, dyn.energy_density)
    m_min = relax_to_minimum(replace(params, temperature=0.0), init)
    if (m_min @ easy) * sgn <= 0:
        raise PhysicsError("the initial direction relaxes into the other well: check the applied field")
    return _Setup(params, easy, sgn * easy, -sgn * easy, land["saddle"], land["barrier"], m_min)


def _decide(params, m, waveform_end, seed, stream_ids, dt, setup: _Setup, step_offset, max_settle_time,
            temperature):
    """Relax with no current until below the saddle; returns (final m, undecided mask, first
    crossing times of m.target > 0.5 during the relaxation (absolute, NaN if none))."""
    dyn = _dyn()
    m = np.array(m)
    t_done = 0.0
    chunk = 0.5e-9
    undecided = np.ones(len(m), dtype=bool)
    offset = step_offset
    t_cross = np.full(len(m), np.nan)
    while True:
        e = dyn.energy_density(_subset(params, slice(None), len(m)), m)
        undecided = e > setup.saddle
        if not np.any(undecided) or t_done >= max_settle_time:
            break
        idx = np.nonzero(undecided)[0]
        sub = _subset(params, idx, len(m))
        r = dyn.simulate(sub, m[idx], None, chunk, dt, seed=seed, stream_ids=stream_ids[idx],
                         step_offset=offset, start_time=waveform_end + t_done, switch_axis=setup.target)
        m[idx] = r.m_final
        first = np.isnan(t_cross[idx])
        t_cross[idx[first]] = r.switching_time[first]
        offset += int(round(chunk / dt)) + 1
        t_done += chunk
    return m, undecided, t_cross


def _subset(params, idx, n):
    """Parameters restricted to devices ``idx`` of a batch of n (scalars stay scalars)."""
    from dataclasses import fields

    out = {}
    vec = {"demag_factors", "anisotropy_axis", "applied_field", "polarization"}
    for f in fields(params):
        v = np.asarray(getattr(params, f.name), dtype=float)
        lead = v.shape[:-1] if f.name in vec else v.shape
        if len(lead) == 1 and lead[0] == n and n > 1:
            out[f.name] = v[idx]
        else:
            out[f.name] = getattr(params, f.name)
    return type(params)(**out)


# ----------------------------------------------------------------------------- switching


@dataclass
class SwitchingResult:
    """Outcome of :func:`switching_probability` (arrays over the grid of conditions)."""

    switching_probability: Any
    trials: int
    switched: Any
    uncertainty: Any
    mean_switching_time: Any
    energy_per_pulse: Any
    current_density: Any
    pulse_width: Any
    temperature: float
    undecided: Any
    time_step: float
    seed: int
    grid: dict = field(default_factory=dict)
    interrupted: bool = False

    def to_json(self) -> dict:
        return {"switching_probability": _j(self.switching_probability), "trials": self.trials,
                "switched": _j(self.switched), "uncertainty": _j(self.uncertainty),
                "mean_switching_time": _j(self.mean_switching_time),
                "energy_per_pulse": _j(self.energy_per_pulse), "current_density": _j(self.current_density),
                "pulse_width": _j(self.pulse_width), "temperature": self.temperature,
                "undecided": _j(self.undecided), "time_step": self.time_step, "seed": self.seed,
                "grid": {k: _j(v) for k, v in self.grid.items()}, "interrupted": self.interrupted,
                "units": {"current_density": "A/m^2", "pulse_width": "s", "mean_switching_time": "s",
                          "energy_per_pulse": "J", "temperature": "K"}}


    def to_xarray(self):
        """An xarray.Dataset over the grid of conditions, units in the attributes."""
        import xarray as xr

        shape = np.shape(self.switching_probability)
        dims = tuple(f"dim_{i}" for i in range(len(shape)))

        def da(v, unit, desc):
            return xr.DataArray(np.broadcast_to(np.asarray(v, dtype=float), shape), dims=dims,
                                attrs={"units": unit, "description": desc})

        return xr.Dataset({
            "switching_probability": da(self.switching_probability, "1", "fraction of trials switched"),
            "uncertainty": da(self.uncertainty, "1", "Wilson 68 % half-width"),
            "mean_switching_time": da(self.mean_switching_time, "s", "mean first crossing of m.target > 0.5"),
            "energy_per_pulse": da(self.energy_per_pulse, "J", "Joule energy of the pulse in the channel"),
            "current_density": da(self.current_density, "A/m^2", "in the torque reference layer"),
            "pulse_width": da(self.pulse_width, "s", "flat top of the pulse"),
        }, attrs={"trials": self.trials, "temperature_K": self.temperature, "seed": self.seed,
                  "interrupted": int(self.interrupted)})


def _j(x):
    a = np.asarray(x, dtype=float) if not isinstance(x, (list, tuple)) or len(x) else np.asarray(x)
    if a.ndim == 0:
        v = float(a)
        return v if math.isfinite(v) else None
    return [_j(v) for v in a]


def switching_probability(device, *, current_density=None, pulse_width=None, temperature=None,
                          trials: int = 200, seed: int = 0, dt: float | None = None,
                          max_settle_time: float = 20e-9, progress=None,
                          block_devices: int = 8192) -> SwitchingResult:
    """Probability that one write pulse switches the device (PHYSICS.md section 4).

    ``current_density`` (A/m^2, in the torque reference layer) and ``pulse_width`` (s) may be
    scalars or arrays of the same shape (a grid): each grid point gets ``trials`` devices,
    simulated in batches of about ``block_devices``; on Ctrl-C the finished blocks are kept and
    the result says ``interrupted`` (``trials`` then counts the finished ones). Returns probabilities with Wilson (68 %) uncertainties, the mean
    time of the first crossing of m.target > 0.5 among switched trials, and the Joule energy of
    the pulse in the write channel.
    """
    dyn = _dyn()
    if trials < 1:
        raise SpinlossInputError("<api>", "trials", "must be >= 1")
    T = device.temperature if temperature is None else float(temperature)
    j = np.asarray(device.pulse.current_density if current_density is None else current_density, dtype=float)
    w = np.asarray(device.pulse.width if pulse_width is None else pulse_width, dtype=float)
    j, w = np.broadcast_arrays(j, w)
    shape = j.shape
    jf, wf = j.ravel(), w.ravel()
    if np.any(wf < 0) or not np.all(np.isfinite(jf)):
        raise SpinlossInputError("<api>", "pulse", "pulse width must be >= 0 and current finite")
    setup = _setup(device, T)
    n_pts = jf.size
    n = n_pts * trials
    jj = np.repeat(jf, trials)
    ww = np.repeat(wf, trials)
    params = setup.params
    if dt is None:
        dt = default_time_step(params, float(np.max(np.abs(jf))) if n_pts else 0.0)
    m0 = thermal_initial_states(replace(params, temperature=0.0), setup.m_min, n, T,
                                device.geometry.volume, seed) if T > 0 else np.tile(
        np.asarray(device.initial_direction, dtype=float), (n, 1))
    p = device.pulse
    duration = float(np.max(ww)) + p.rise_time + p.fall
    n_steps = int(math.ceil(duration / dt)) + 1
    # Trials run in blocks (all grid points x a block of trials each); an interrupt (Ctrl-C)
    # keeps every finished block. Stream ids are global (point * trials + trial), so results do
    # not depend on the block size.
    ids = np.arange(n, dtype=np.uint64).reshape(n_pts, trials)
    block = max(1, min(trials, block_devices // max(n_pts, 1)))
    ok = np.zeros((n_pts, trials), dtype=bool)
    t_first = np.full((n_pts, trials), np.nan)
    und = np.zeros((n_pts, trials), dtype=bool)
    done = 0
    interrupted = False
    bar = _progress_bar(progress, trials, "trials")
    try:
        while done < trials:
            sl = slice(done, min(done + block, trials))
            sel = ids[:, sl].ravel()
            idx = sel.astype(np.int64)
            wave = dyn.Waveform.pulse(jj[idx], ww[idx], p.rise_time, p.fall)
            res = dyn.simulate(params, m0[idx], wave, duration, dt, seed=seed, stream_ids=sel,
                               switch_axis=setup.target)
            if res.interrupted:
                raise KeyboardInterrupt
            m_end, undecided, t_settle = _decide(params, res.m_final, duration, seed, sel, dt, setup, n_steps,
                                                 max_settle_time, T)
            cols = sl.stop - sl.start
            ok[:, sl] = ((m_end @ setup.target) > 0).reshape(n_pts, cols)
            t_first[:, sl] = np.where(np.isnan(res.switching_time), t_settle, res.switching_time).reshape(n_pts, cols)
            und[:, sl] = undecided.reshape(n_pts, cols)
            done = sl.stop
            if bar is not None:
                bar.update(cols)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if bar is not None:
            bar.close()
    if done == 0:
        raise KeyboardInterrupt
    ok, t_first, und = ok[:, :done], t_first[:, :done], und[:, :done]
    k = ok.sum(axis=1)
    prob = k / done
    _, half = wilson_score(k, done, z=1.0)  # 68 % half-width
    t_sw = np.where(ok, t_first, np.nan)
    mean_t = np.full(n_pts, np.nan)
    for i in range(n_pts):
        if np.any(np.isfinite(t_sw[i])):
            mean_t[i] = float(np.nanmean(t_sw[i]))
    energy = device.write_energy(current_density=jf, width=wf, temperature=T if T > 0 else None)["energy"]
    return SwitchingResult(prob.reshape(shape), done, k.reshape(shape), half.reshape(shape),
                           mean_t.reshape(shape), energy.reshape(shape), j, w, T,
                           und.sum(axis=1).reshape(shape), dt, seed, interrupted=interrupted)


def _progress_bar(progress, total, unit):
    """A tqdm bar on stderr when ``progress`` is truthy (None/False: none)."""
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)


# ----------------------------------------------------------------------------- threshold


@dataclass
class ThresholdResult:
    critical_current_density: float | None
    uncertainty: float | None
    pulse_width: float
    temperature: float
    method: str
    reason: str | None = None
    details: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"critical_current_density": self.critical_current_density, "uncertainty": self.uncertainty,
                "pulse_width": self.pulse_width, "temperature": self.temperature, "method": self.method,
                "reason": self.reason, "details": self.details,
                "units": {"critical_current_density": "A/m^2", "pulse_width": "s", "temperature": "K"}}


def deterministic_switches(device, current_density, pulse_width=None, *, initial_tilt_deg: float = 1.0,
                           rtol: float = 1e-7, max_settle_time: float = 50e-9, setup=None) -> np.ndarray:
    """T = 0 outcome (bool array) of one pulse for each current density (adaptive Dormand-Prince).

    A magnet exactly on its easy axis feels no damping-like torque from a collinear polarization:
    if ``initial_direction`` is within 1e-6 rad of the axis it is tilted by ``initial_tilt_deg``
    towards x (or z for an x easy axis) so that the dynamics can start (documented choice).
    """
    dyn = _dyn()
    if setup is None:  # the T = 0 landscape; callers looping over currents pass it once
        setup = _setup(device, 0.0)
    params = replace(setup.params, temperature=0.0)
    js = np.atleast_1d(np.asarray(current_density, dtype=float))
    n = js.size
    init = np.asarray(device.initial_direction, dtype=float)
    if np.linalg.norm(np.cross(init, setup.easy)) < 1e-6:
        tilt_dir = np.array([1.0, 0.0, 0.0]) if abs(setup.easy[0]) < 0.9 else np.array([0.0, 0.0, 1.0])
        a = math.radians(initial_tilt_deg)
        init = math.cos(a) * init + math.sin(a) * tilt_dir
    m0 = np.tile(init / np.linalg.norm(init), (n, 1))
    p = device.pulse
    w = p.width if pulse_width is None else float(pulse_width)
    wave = dyn.Waveform.pulse(js, w, p.rise_time, p.fall)
    duration = w + p.rise_time + p.fall
    r = dyn.simulate_deterministic(params, m0, wave, duration, rtol=rtol, atol=rtol * 1e-2)
    m = r.m_final
    t = 0.0
    while t < max_settle_time:
        e = dyn.energy_density(params, m)
        und = e > setup.saddle
        if not np.any(und):
            break
        idx = np.nonzero(und)[0]
        rr = dyn.simulate_deterministic(params, m[idx], None, 2e-9, rtol=rtol, atol=rtol * 1e-2)
        m[idx] = rr.m_final
        t += 2e-9
    return (m @ setup.target) > 0


def critical_current(device, *, pulse_width=None, temperature=None, trials: int = 200, seed: int = 0,
                     relative_tolerance: float = 1e-3, max_current_density: float = 1e14,
                     initial_tilt_deg: float = 1.0, progress=None) -> ThresholdResult:
    """Critical switching current density (A/m^2, in the torque reference layer).

    T = 0: bisection on deterministic switching (:func:`deterministic_switches`) to
    ``relative_tolerance``, the sign of the current chosen as the one that pulls towards the
    target state. T > 0: the 50 % point of P(J) from a maximum-likelihood logistic fit of
    switching probabilities on a grid around the T = 0 threshold, with its standard error.
    """
    T = device.temperature if temperature is None else float(temperature)
    w = device.pulse.width if pulse_width is None else float(pulse_width)
    tq = device.torque(T if T > 0 else None)
    if abs(tq.damping_like_efficiency) < 1e-12 and abs(tq.field_like_efficiency) < 1e-12:
        return ThresholdResult(None, None, w, T, "none", reason="the stack gives no torque on the magnet "
                               "(xi_DL = xi_FL = 0): it cannot be switched by current")
    sign = _current_sign(device, tq)

    setup0 = _setup(device, 0.0)

    def sw(js):
        return deterministic_switches(device, sign * np.asarray(js), w, initial_tilt_deg=initial_tilt_deg,
                                      setup=setup0)

    lo, hi = 0.0, None
    trial = 1e10
    while trial <= max_current_density:
        grid = trial * np.array([1.0, 2.0, 4.0, 8.0])
        out = sw(grid)
        if np.any(out):
            first = int(np.argmax(out))
            hi = grid[first]
            lo = grid[first - 1] if first > 0 else lo
            break
        lo = grid[-1]
        trial *= 16.0
    if hi is None:
        return ThresholdResult(None, None, w, T, "bisection",
                               reason=f"no deterministic switching up to {max_current_density:.3g} A/m^2 "
                                      "(e.g. a perpendicular magnet with s along y needs an in-plane field)")
    while (hi - lo) > relative_tolerance * hi:
        mids = np.linspace(lo, hi, 6)[1:-1]
        out = sw(mids)
        if np.any(out):
            first = int(np.argmax(out))
            hi = mids[first]
            lo = mids[first - 1] if first > 0 else lo
        else:
            lo = mids[-1]
    jc0 = 0.5 * (lo + hi)
    # Deterministic switching must hold above the threshold too: where the outcome alternates
    # with current (e.g. a perpendicular magnet with s along y and no in-plane field: the torque
    # drives m into the plane and the final state is set by ringing and the initial tilt), there
    # is no deterministic threshold.
    above = sw(hi * np.array([1.05, 1.2, 1.5, 2.0]))
    if not np.all(above):
        return ThresholdResult(None, None, w, T, "bisection",
                               reason="switching is not deterministic above the first switching current "
                                      f"{sign * hi:.3g} A/m^2 (the outcome alternates with current: the torque "
                                      "does not select the final state; e.g. a perpendicular magnet needs an "
                                      "in-plane field along the current)",
                               details={"first_switching_current": sign * hi,
                                        "switched_at_1.05_1.2_1.5_2x": [bool(x) for x in above]})
    if T <= 0:
        return ThresholdResult(sign * jc0, sign * (hi - lo) / 2, w, T, "bisection_T0",
                               details={"bracket": [sign * lo, sign * hi]})
    # finite temperature: probability grid around the T = 0 threshold
    grid = jc0 * np.linspace(0.3, 1.5, 13)
    r = switching_probability(device, current_density=sign * grid, pulse_width=w, temperature=T,
                              trials=trials, seed=seed, progress=progress)
    k = np.asarray(r.switched, dtype=float)
    j50, err, width = _logistic_fit(grid, k, trials)
    if j50 is None:
        return ThresholdResult(None, None, w, T, "logistic_fit",
                               reason="switching probability does not cross 50 % between 0.3 and 1.5 J_c(T=0)",
                               details={"grid": list(sign * grid), "probability": list(k / trials)})
    return ThresholdResult(sign * j50, err, w, T, "logistic_fit",
                           details={"grid": list(sign * grid), "probability": list(k / trials),
                                    "width": width, "t0_threshold": sign * jc0, "trials_per_point": trials})


def _current_sign(device, tq) -> float:
    """+1 if a positive current pulls m towards the target well (damping-like part), else -1."""
    easy = np.asarray(device.easy_axis, dtype=float)
    init = np.asarray(device.initial_direction, dtype=float)
    target = -easy if init @ easy >= 0 else easy
    s = np.asarray(tq.polarization, dtype=float)
    proj = tq.damping_like_efficiency * (s @ target)
    if abs(proj) > 1e-12:
        return 1.0 if proj > 0 else -1.0
    # polarization perpendicular to the axis (type-z, type-x): the sign is set by the field; try both
    return 1.0 if (tq.damping_like_efficiency >= 0) else -1.0


def _logistic_fit(j, k, n):
    """MLE of P(J) = 1/(1+exp(-(J-J50)/w)); returns (J50, std error, w) or (None, None, None)."""
    from scipy.optimize import minimize

    p = k / n
    if not (np.any(p < 0.5) and np.any(p > 0.5)):
        return None, None, None
    j_scale = float(np.max(j))
    x = j / j_scale
    i = int(np.argmax(p > 0.5))
    x0 = [x[i], max((x[-1] - x[0]) / 10, 1e-3)]

    def nll(theta):
        c, lw = theta[0], theta[1]
        wv = abs(lw) + 1e-9
        z = (x - c) / wv
        lp = -np.logaddexp(0, -z)
        lq = -np.logaddexp(0, z)
        return -np.sum(k * lp + (n - k) * lq)

    r = minimize(nll, x0, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    c, wv = r.x[0], abs(r.x[1]) + 1e-9
    # standard error from the Fisher information
    z = (x - c) / wv
    q = 1 / (1 + np.exp(-z))
    wts = n * q * (1 - q)
    I = np.array([[np.sum(wts) / wv**2, np.sum(wts * z) / wv**2],
                  [np.sum(wts * z) / wv**2, np.sum(wts * z**2) / wv**2]])
    try:
        cov = np.linalg.inv(I)
        err = math.sqrt(max(cov[0, 0], 0.0))
    except np.linalg.LinAlgError:
        err = float("nan")
    return c * j_scale, err * j_scale, wv * j_scale


# ----------------------------------------------------------------------------- traces


def trace(device, *, current_density=None, pulse_width=None, temperature=None, devices: int = 1,
          seed: int = 0, duration: float | None = None, record_every: float | None = None,
          waveform=None, dt: float | None = None, progress=None):
    """m(t) and the write current j(t) for ``devices`` copies of the device (T from the stack or
    ``temperature``; at T = 0 the file's initial direction, else thermal initial states).
    ``waveform`` (a :class:`spinloss.dynamics.Waveform`) replaces the file's pulse, e.g. a
    sequence of pulses. Returns the engine's :class:`MacrospinResult` with a trajectory."""
    from .. import dynamics as dyn

    T = device.temperature if temperature is None else float(temperature)
    setup = _setup(device, T)
    params = setup.params
    if waveform is None:
        waveform = device.waveform(current_density=current_density, width=pulse_width)
    end = float(np.max(waveform.end_time))
    if duration is None:
        duration = end + 5e-9
    jmax = float(np.max(np.abs(waveform.values)))
    if dt is None:
        dt = default_time_step(params, jmax)
    if record_every is None:
        record_every = max(duration / 2000, dt)
    if T > 0:
        m0 = thermal_initial_states(replace(params, temperature=0.0), setup.m_min, devices, T,
                                    device.geometry.volume, seed)
    else:
        m0 = np.tile(np.asarray(device.initial_direction, dtype=float), (devices, 1))
    return dyn.simulate(params, m0, waveform, duration, dt, seed=seed, record_every=record_every,
                        switch_axis=setup.target, progress=progress)
