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
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import Interrupted, SpinlossInputError
from ..io import JsonResult
from ..progress import Counter
from .statistics import logistic_fit, wilson_score


# ----------------------------------------------------------------------------- helpers


def _dyn():
    from .. import dynamics

    return dynamics


def relax_until_decided(params, m, waveform_end, seed, stream_ids, dt, well, step_offset, max_settle_time,
                        schedule=None):
    """Relax with no current until every device is below the saddle energy of ``well`` (a
    :class:`~spinloss.dynamics.energy.StartingWell`), at most ``max_settle_time``; noise keyed
    as in :func:`spinloss.dynamics.simulate` from ``step_offset`` on. Returns (final m, undecided
    mask, first crossing times of m.target > 0.5 during the relaxation (absolute, NaN if none)).

    ``schedule``: the run's :class:`~spinloss.dynamics.ParameterSchedule` (a magnet cooling after
    its heated pulse): every device keeps relaxing while the schedule is active (its saddle and
    wells are the ambient ones only once it has cooled)."""
    dyn = _dyn()
    m = np.array(m)
    t_done = 0.0
    chunk = 0.5e-9
    undecided = np.ones(len(m), dtype=bool)
    offset = step_offset
    t_cross = np.full(len(m), np.nan)
    while True:
        e = dyn.energy_density(_subset(params, slice(None), len(m)), m)
        undecided = e > well.saddle
        if schedule is not None and waveform_end + t_done < schedule.stop:
            undecided[:] = True                   # still cooling: not decided yet
        if not np.any(undecided) or t_done >= max_settle_time:
            break
        idx = np.nonzero(undecided)[0]
        sub = _subset(params, idx, len(m))
        r = dyn.simulate(sub, m[idx], None, chunk, dt, seed=seed, stream_ids=stream_ids[idx],
                         step_offset=offset, start_time=waveform_end + t_done, switch_axis=well.target,
                         schedule=None if schedule is None else schedule.select(idx, len(m)))
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


def pulse_heating_report(device, current_density, pulse_width, temperature):
    """(peak temperatures (K) of the magnet for each (current, width) pair, or None when the
    device's dynamics are not heated; the heating warnings of the strongest pulse of each width,
    without repeats) for the results of the experiments (docs/heating.md). Reported whether or
    not the dynamics are heated (``[heating] enabled``), whenever the heat-flow model can be built
    (:attr:`spinloss.device.Device.heating_available`); else (None, [])."""
    if not device.heating_available:
        return None, []
    j = np.atleast_1d(np.asarray(current_density, dtype=float)).ravel()
    w = np.broadcast_to(np.asarray(pulse_width, dtype=float), j.shape).ravel() if np.ndim(pulse_width) else \
        np.full(j.shape, float(pulse_width))
    peak = np.empty(j.shape)
    warnings = []
    for wv in np.unique(w):
        sel = w == wv
        peak[sel] = device.peak_temperature(j[sel], float(wv), temperature)
        jm = j[sel][int(np.argmax(np.abs(j[sel])))]
        for text in device.pulse_heating(jm, float(wv), temperature, points=200).warnings:
            if text not in warnings:
                warnings.append(text)
    return peak, warnings


# ----------------------------------------------------------------------------- switching


@dataclass
class SwitchingResult(JsonResult):
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
    peak_temperature: Any = None
    warnings: list = field(default_factory=list)

    UNITS = {"current_density": "A/m^2", "pulse_width": "s", "mean_switching_time": "s",
             "energy_per_pulse": "J", "temperature": "K", "time_step": "s", "switching_probability": "1",
             "uncertainty": "1", "switched": "1", "undecided": "1", "trials": "1", "peak_temperature": "K", "interrupted": "1",
             "seed": "1"}

    def as_dict(self) -> dict:
        return {"switching_probability": self.switching_probability, "trials": self.trials,
                "switched": self.switched, "uncertainty": self.uncertainty,
                "mean_switching_time": self.mean_switching_time,
                "energy_per_pulse": self.energy_per_pulse, "current_density": self.current_density,
                "pulse_width": self.pulse_width, "temperature": self.temperature,
                "undecided": self.undecided, "time_step": self.time_step, "seed": self.seed,
                "grid": dict(self.grid), "interrupted": self.interrupted,
                "peak_temperature": self.peak_temperature, "warnings": list(self.warnings),
                "units": dict(self.UNITS)}

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
            "energy_per_pulse": da(self.energy_per_pulse, "J", "Joule energy of the pulse in the write path (SOT: the channel; STT: the MTJ)"),
            "current_density": da(self.current_density, "A/m^2", "in the torque reference layer"),
            "pulse_width": da(self.pulse_width, "s", "flat top of the pulse"),
            "temperature": da(self.temperature, "K", "temperature of the magnet before the pulse"),
            **({"peak_temperature": da(self.peak_temperature, "K", "the magnet's peak temperature in the pulse "
                                       "(Joule heating)")} if self.peak_temperature is not None else {}),
        }, attrs={"trials": self.trials, "seed": self.seed,
                  "interrupted": int(self.interrupted), "warnings": " | ".join(self.warnings)})


def switching_probability(device, *, current_density=None, pulse_width=None, temperature=None,
                          trials: int = 200, seed: int = 0, dt: float | None = None,
                          max_settle_time: float = 20e-9, progress=None,
                          block_devices: int = 8192) -> SwitchingResult:
    """Probability that one write pulse switches the device (docs/physics.md section 4).

    ``current_density`` (A/m^2, in the torque reference layer) and ``pulse_width`` (s) may be
    scalars or arrays of the same shape (a grid): each grid point gets ``trials`` devices,
    simulated in batches of about ``block_devices``. Device k of every grid point uses noise
    stream k and the same thermal initial state (common random numbers across the grid), so a
    point's result equals the one-point run at its current and width with the same seed, and
    does not depend on the block size. Returns probabilities with Wilson (68 %) uncertainties,
    the mean time of the first crossing of m.target > 0.5 among switched trials, and the Joule
    energy of the pulse in the write channel. ``progress``: a
    :data:`spinloss.progress.ProgressCallback` (trials done).

    Ctrl-C: raises :class:`~spinloss.errors.Interrupted` whose ``partial`` is the result over the
    finished blocks of trials (``interrupted`` True), or None if no block finished.
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
    well = device.starting_well(T)
    n_pts = jf.size
    params = well.params
    # Joule heating (docs/heating.md): one schedule per pulse width, one row per grid point
    schedules = {float(wv): device.heating_schedule(jf[wf == wv], float(wv), T) for wv in np.unique(wf)}
    if dt is None:
        jmax = float(np.max(np.abs(jf))) if n_pts else 0.0
        dt = min([dyn.heun_time_step(params, jmax)] + [dyn.heun_time_step(params, jmax, sc)
                                                       for sc in schedules.values() if sc is not None])
    m_trial = well.thermal_states(trials, T, device.geometry.volume, seed) if T > 0 else np.tile(
        np.asarray(device.initial_direction, dtype=float), (trials, 1))
    p = device.pulse
    # Trials run in blocks (all grid points x a block of trials each). Stream id = trial index.
    block = max(1, min(trials, block_devices // max(n_pts, 1)))
    ok = np.zeros((n_pts, trials), dtype=bool)
    t_first = np.full((n_pts, trials), np.nan)
    und = np.zeros((n_pts, trials), dtype=bool)
    done = 0
    interrupted = False
    # points with different pulse widths are integrated for their own pulse (the relaxation
    # that decides the outcome starts when their pulse ends, as in a one-point run)
    widths = np.unique(wf)
    with Counter(progress, "trials", total=trials, unit="trial") as counter:
        try:
            while done < trials:
                sl = slice(done, min(done + block, trials))
                cols = sl.stop - sl.start
                trial_ids = np.arange(sl.start, sl.stop, dtype=np.uint64)
                for wv in widths:
                    pts = np.flatnonzero(wf == wv)
                    sel = np.tile(trial_ids, pts.size)
                    jj = np.repeat(jf[pts], cols)
                    duration = p.duration(float(wv))
                    n_steps = int(math.ceil(duration / dt)) + 1
                    wave = dyn.Waveform.pulse(jj, float(wv), p.rise_time, p.fall)
                    m0 = np.tile(m_trial[sl], (pts.size, 1))
                    sched = schedules[float(wv)]
                    if sched is not None:
                        sched = sched.with_rows(np.repeat(np.arange(pts.size), cols))
                    res = dyn.simulate(params, m0, wave, duration, dt, seed=seed, stream_ids=sel,
                                       switch_axis=well.target, schedule=sched)
                    m_end, undecided, t_settle = relax_until_decided(params, res.m_final, duration, seed, sel, dt,
                                                                     well, n_steps, max_settle_time, schedule=sched)
                    ok[pts, sl] = ((m_end @ well.target) > 0).reshape(pts.size, cols)
                    t_first[pts, sl] = np.where(np.isnan(res.switching_time), t_settle,
                                                res.switching_time).reshape(pts.size, cols)
                    und[pts, sl] = undecided.reshape(pts.size, cols)
                done = sl.stop
                counter.set(done)
        except KeyboardInterrupt:
            interrupted = True
    if interrupted and done == 0:
        raise Interrupted(None, "no block of trials finished")
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
    peak, warnings = pulse_heating_report(device, jf, wf, T)
    result = SwitchingResult(prob.reshape(shape), done, k.reshape(shape), half.reshape(shape),
                             mean_t.reshape(shape), energy.reshape(shape), j, w, T,
                             und.sum(axis=1).reshape(shape), dt, seed, interrupted=interrupted,
                             peak_temperature=None if peak is None else peak.reshape(shape), warnings=warnings)
    if interrupted:
        raise Interrupted(result, f"{done} of {trials} trials per point finished")
    return result


# ----------------------------------------------------------------------------- threshold


@dataclass
class ThresholdResult(JsonResult):
    """Critical current density (A/m^2, in the torque reference layer) with its uncertainty; None
    with a ``reason`` when the device cannot be switched."""

    critical_current_density: float | None
    uncertainty: float | None
    pulse_width: float
    temperature: float
    method: str
    reason: str | None = None
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        # the heating of the pulse at the threshold at the top level, as in switch and wer
        details = {k: v for k, v in self.details.items() if k not in ("peak_temperature", "warnings")}
        return {"critical_current_density": self.critical_current_density, "uncertainty": self.uncertainty,
                "pulse_width": self.pulse_width, "temperature": self.temperature, "method": self.method,
                "reason": self.reason, "peak_temperature": self.details.get("peak_temperature"),
                "warnings": list(self.details.get("warnings", [])), "details": details,
                "units": {"critical_current_density": "A/m^2", "uncertainty": "A/m^2", "pulse_width": "s",
                          "temperature": "K", "grid": "A/m^2", "bracket": "A/m^2", "width": "A/m^2",
                          "t0_threshold": "A/m^2", "probability": "1", "peak_temperature": "K",
                          "curie_current_density": "A/m^2", "trials": "1"}}


def deterministic_switches(device, current_density, pulse_width=None, *, initial_tilt_deg: float = 1.0,
                           rtol: float = 1e-7, max_settle_time: float = 50e-9, well=None) -> np.ndarray:
    """T = 0 outcome (bool array) of one pulse for each current density (adaptive Dormand-Prince).

    A magnet exactly on its easy axis feels no damping-like torque from a collinear polarization:
    if ``initial_direction`` is within 1e-6 rad of the axis it is tilted by ``initial_tilt_deg``
    towards x (or z for an x easy axis) so that the dynamics can start (documented choice).
    ``well``: the T = 0 :class:`~spinloss.dynamics.energy.StartingWell` (callers looping over
    currents pass it once).
    """
    dyn = _dyn()
    if well is None:
        well = device.starting_well(0.0)
    params = replace(well.params, temperature=0.0)
    js = np.atleast_1d(np.asarray(current_density, dtype=float))
    n = js.size
    init = np.asarray(device.initial_direction, dtype=float)
    if np.linalg.norm(np.cross(init, well.easy)) < 1e-6:
        tilt_dir = np.array([1.0, 0.0, 0.0]) if abs(well.easy[0]) < 0.9 else np.array([0.0, 0.0, 1.0])
        a = math.radians(initial_tilt_deg)
        init = math.cos(a) * init + math.sin(a) * tilt_dir
    m0 = np.tile(init / np.linalg.norm(init), (n, 1))
    p = device.pulse
    w = p.width if pulse_width is None else float(pulse_width)
    wave = dyn.Waveform.pulse(js, w, p.rise_time, p.fall)
    duration = p.duration(w)
    # Joule heating: T(t) of each current's pulse (docs/heating.md); the ambient is the stack's
    sched = device.heating_schedule(js, w, 0.0)
    r = dyn.simulate_deterministic(params, m0, wave, duration, rtol=rtol, atol=rtol * 1e-2, schedule=sched)
    m = r.m_final
    t = 0.0
    while t < max_settle_time:
        e = dyn.energy_density(params, m)
        und = e > well.saddle
        if sched is not None and duration + t < sched.stop:
            und[:] = True                         # still cooling: not decided yet
        if not np.any(und):
            break
        idx = np.nonzero(und)[0]
        rr = dyn.simulate_deterministic(params, m[idx], None, 2e-9, rtol=rtol, atol=rtol * 1e-2,
                                        start_time=None if sched is None else duration + t,
                                        schedule=None if sched is None else sched.select(idx, n))
        m[idx] = rr.m_final
        t += 2e-9
    return (m @ well.target) > 0


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
    sign = write_current_sign(device, tq)

    well0 = device.starting_well(0.0)
    # Joule heating: currents that heat the magnet to its Curie temperature are out of the model's
    # domain; the search stays below them (docs/heating.md)
    from ..device import HEATING_CURIE_MARGIN

    j_curie = device.curie_current_density(w, T, HEATING_CURIE_MARGIN) if device.heating_enabled else math.inf
    heating = {}
    if device.heating_enabled:
        heating["curie_current_density"] = j_curie

    def sw(js):
        return deterministic_switches(device, sign * np.asarray(js), w, initial_tilt_deg=initial_tilt_deg,
                                      well=well0)

    def below_curie(js):
        return np.asarray(js)[np.asarray(js) < j_curie * (1.0 - 1e-9)]

    lo, hi = 0.0, None
    trial = 1e10
    while trial <= max_current_density:
        grid = below_curie(trial * np.array([1.0, 2.0, 4.0, 8.0]))
        if grid.size == 0:
            break
        out = sw(grid)
        if np.any(out):
            first = int(np.argmax(out))
            hi = grid[first]
            lo = grid[first - 1] if first > 0 else lo
            break
        lo = grid[-1]
        if grid.size < 4:
            break
        trial *= 16.0
    if hi is None and math.isfinite(j_curie) and j_curie <= max_current_density and lo < j_curie:
        # the last chance: just below the Curie current
        top = below_curie(np.array([lo + 0.5 * (j_curie - lo), lo + 0.9 * (j_curie - lo), 0.9999 * j_curie]))
        top = top[top > lo]
        if top.size:
            out = sw(top)
            if np.any(out):
                first = int(np.argmax(out))
                hi = top[first]
                lo = top[first - 1] if first > 0 else lo
    if hi is None:
        if math.isfinite(j_curie) and j_curie <= max_current_density:
            tc = float(np.asarray(device.layer.material.curie_temperature))
            return ThresholdResult(None, None, w, T, "bisection",
                                   reason=f"no deterministic switching below {j_curie:.3g} A/m^2, where the pulse "
                                          f"heats the magnet {HEATING_CURIE_MARGIN:.0%} of the way to its Curie "
                                          f"temperature {tc:.4g} K (Joule heating, docs/heating.md)",
                                   details=_heating_details(device, heating, None, w, T))
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
    # is no deterministic threshold. (With heating: only currents below the Curie current.)
    checks = below_curie(hi * np.array([1.05, 1.2, 1.5, 2.0]))
    above = sw(checks) if checks.size else np.ones(4, dtype=bool)
    if checks.size < 4:
        above = np.concatenate([np.asarray(above, dtype=bool), np.ones(4 - checks.size, dtype=bool)])
    if not np.all(above):
        return ThresholdResult(None, None, w, T, "bisection",
                               reason="switching is not deterministic above the first switching current "
                                      f"{sign * hi:.3g} A/m^2 (the outcome alternates with current: the torque "
                                      "does not select the final state; e.g. a perpendicular magnet needs an "
                                      "in-plane field along the current)",
                               details={"first_switching_current": sign * hi,
                                        "switched_at_1.05_1.2_1.5_2x": [bool(x) for x in above]})
    if T <= 0:
        return ThresholdResult(sign * jc0, (hi - lo) / 2, w, T, "bisection_T0",
                               details=_heating_details(device, {"bracket": [sign * lo, sign * hi], **heating},
                                                        sign * jc0, w, T))
    # finite temperature: probability grid around the T = 0 threshold (below the Curie current)
    grid = below_curie(jc0 * np.linspace(0.3, 1.5, 13))
    r = switching_probability(device, current_density=sign * grid, pulse_width=w, temperature=T,
                              trials=trials, seed=seed, progress=progress)
    k = np.asarray(r.switched, dtype=float)
    j50, err, width = logistic_fit(grid, k, trials)
    if j50 is None:
        return ThresholdResult(None, None, w, T, "logistic_fit",
                               reason="switching probability does not cross 50 % between 0.3 and 1.5 J_c(T=0)",
                               details={"grid": list(sign * grid), "probability": list(k / trials)})
    return ThresholdResult(sign * j50, err, w, T, "logistic_fit",
                           details=_heating_details(device, {"grid": list(sign * grid), "probability": list(k / trials),
                                                             "width": width, "t0_threshold": sign * jc0,
                                                             "trials": trials, **heating},
                                                    sign * j50, w, T))


def _heating_details(device, details: dict, current_density, width, temperature) -> dict:
    """``details`` with the heating of the pulse at ``current_density`` (the threshold found):
    ``peak_temperature`` (K) and the heating ``warnings`` (docs/heating.md), whether or not the
    dynamics are heated."""
    if not device.heating_available:
        return details
    out = dict(details)
    if current_density is not None:
        peak, warnings = pulse_heating_report(device, current_density, width, temperature)
        out["peak_temperature"] = float(peak[0])
        out["warnings"] = warnings
    return out


def write_current_sign(device, torque) -> float:
    """+1 if a positive current pulls m towards the target well (damping-like part), else -1.

    ``torque`` is the device's :class:`~spinloss.device.TorqueSpec`. With a polarization
    perpendicular to the easy axis (type-z, type-x) the sign is set by the field, not by the
    torque: +1 for xi_DL >= 0."""
    easy = np.asarray(device.easy_axis, dtype=float)
    init = np.asarray(device.initial_direction, dtype=float)
    target = -easy if init @ easy >= 0 else easy
    s = np.asarray(torque.polarization, dtype=float)
    proj = torque.damping_like_efficiency * (s @ target)
    if abs(proj) > 1e-12:
        return 1.0 if proj > 0 else -1.0
    return 1.0 if (torque.damping_like_efficiency >= 0) else -1.0


# ----------------------------------------------------------------------------- traces


def trace(device, *, current_density=None, pulse_width=None, temperature=None, devices: int = 1,
          seed: int = 0, duration: float | None = None, record_every: float | None = None,
          waveform=None, dt: float | None = None, progress=None):
    """m(t) and the write current j(t) for ``devices`` copies of the device (T from the stack or
    ``temperature``; at T = 0 the file's initial direction, else thermal initial states).
    ``waveform`` (a :class:`spinloss.dynamics.Waveform`) replaces the file's pulse, e.g. a
    sequence of pulses. Returns the engine's :class:`MacrospinResult` with a trajectory.

    Joule heating (docs/heating.md) follows the current: the file's pulse (or its
    ``current_density`` and ``pulse_width``) or the ``waveform`` (one waveform for every device)."""
    dyn = _dyn()
    T = device.temperature if temperature is None else float(temperature)
    well = device.starting_well(T)
    params = well.params
    if waveform is None:
        waveform = device.waveform(current_density=current_density, width=pulse_width)
        schedule = device.heating_schedule(
            [device.pulse.current_density if current_density is None else current_density],
            device.pulse.width if pulse_width is None else pulse_width, T)
    else:
        schedule = device.waveform_heating_schedule(waveform, T)
    end = float(np.max(waveform.end_time))
    if duration is None:
        duration = end + 5e-9
    jmax = float(np.max(np.abs(waveform.values)))
    if dt is None:
        dt = dyn.heun_time_step(params, jmax, schedule)
    if record_every is None:
        record_every = max(duration / 2000, dt)
    if T > 0:
        m0 = well.thermal_states(devices, T, device.geometry.volume, seed)
    else:
        m0 = np.tile(np.asarray(device.initial_direction, dtype=float), (devices, 1))
    return dyn.simulate(params, m0, waveform, duration, dt, seed=seed, record_every=record_every,
                        switch_axis=well.target, progress=progress, schedule=schedule)
