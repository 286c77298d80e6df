"""Write error rate by plain Monte Carlo and by adaptive multilevel splitting (AMS).

The rare event: a write error, "m is not in the target well at the final time T" (end of the
pulse plus an optional settle time). AMS estimates its probability ``p`` down to 1e-9 and below
with a cost growing like ``ln(1/p)`` instead of ``1/p``.

Estimator (generalized AMS, Cerou & Guyader, Stoch. Anal. Appl. 25, 417 (2007); Cerou,
Guyader, Lelievre, Pommier, J. Chem. Phys. 134, 054108 (2011); unbiasedness of the version used
here with ties and a final-time observable: Brehier, Gazeau, Goudenege, Lelievre, Rousset,
Ann. Appl. Probab. 26, 3559 (2016)). The process is the Markov chain (t_k, m_k) on the record
grid t_0 < ... < t_K = T. A time-dependent importance function xi(t_k, m) ranks paths; the score
of a path is S = max_k xi(t_k, m_k), with xi(T, m) = +inf when m is a write error, so that
{S = inf} is exactly the event. Starting from n i.i.d. paths:

    repeat: Z = k-th smallest score; if Z = inf stop;
            kill every path with S <= Z (K_q of them; K_q = n -> estimate 0);
            each killed path is replaced by a copy of a survivor (uniformly chosen) up to the first
            record where that survivor's xi exceeds Z, continued from there with fresh noise;
    estimate p = prod_q (1 - K_q / n) * (number of event paths among the final n) / n.

This estimator is unbiased for any n >= 2, k and importance function (a poor xi only costs
variance). Its idealized relative variance is about ln(1/p)/n; with a non-ideal xi it is larger,
so the stated uncertainty comes from R independent repetitions (standard error of the mean).

Default importance function for WER: with u0 the initial axis and d(m) = 1 - m.u0 the distance
from the initial state, xi(t_k, m) = -ln d(m)/2 + median_pilot[ln d(m_k)]/2, i.e. how far the
path lags behind the median of an independent pilot ensemble. In the linear regime near the
initial pole, where write errors are decided, theta(t) = theta_eff e^{r t}, so xi ~ -ln theta_eff
is nearly constant along a path. The floor d0 (thermal scale) makes xi close to a monotone
function of the committor: a path nearer to the axis than the noise still to come will spread it
is no more likely to fail than one at the thermal distance.
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..errors import Interrupted, PhysicsError, SpinlossInputError
from ..io import JsonResult
from ..progress import Counter, note
from ..units import KB, MU0
from .statistics import clopper_pearson_interval, wilson_interval

__all__ = [
    "WerResult",
    "ams_probability",
    "reference_log_distance_score",
    "monte_carlo_wer",
    "splitting_wer",
    "write_error_rate",
    "sample_boltzmann_well",
    "is_axially_symmetric",
    "splitting_upper_bound",
    "METHODS",
]

#: Method names of :func:`write_error_rate` (besides "auto").
METHODS = ("fokker_planck", "fokker_planck_sphere", "monte_carlo", "multilevel_splitting")


# ----------------------------------------------------------------------------- results

@dataclass(frozen=True)
class WerResult(JsonResult):
    """A write error rate with its uncertainty (one standard error, absolute).

    ``method``: 'monte_carlo', 'multilevel_splitting', 'fokker_planck' (1D, axial) or
    'fokker_planck_sphere' (2D). ``interval``: a 95 % confidence interval where the method gives
    one (Wilson for Monte Carlo). ``trajectories``: simulated paths or path segments; ``steps``:
    integration steps summed over them (the cost). ``upper_bound``: True when the estimate is
    not a value but an upper bound (splitting that went extinct or saw no event in every run:
    the WER reported is the bound it supports, never 0), ``status`` then 'unresolved' (else
    'resolved'). ``relative_uncertainty`` = uncertainty / WER (the stated accuracy).
    ``current_density`` (A/m^2), ``pulse_width`` (s), ``temperature`` (K): the write pulse and the
    starting temperature, when the result is of a device (:func:`..wer.device_write_error_rate`),
    at the top level as in every command's result; ``trials``: the Monte Carlo trials (None for
    the other methods, whose cost is in ``trajectories`` and ``steps``).
    """

    write_error_rate: float
    uncertainty: float
    method: str
    trajectories: int = 0
    steps: int = 0
    interval: tuple = (float("nan"), float("nan"))
    estimates: tuple = ()
    wall_time: float = 0.0
    details: dict = field(default_factory=dict)
    peak_temperature: float | None = None
    warnings: tuple = ()
    upper_bound: bool = False
    current_density: float | None = None
    pulse_width: float | None = None
    temperature: float | None = None

    @property
    def trials(self) -> int | None:
        return int(self.trajectories) if self.method == "monte_carlo" else None

    @property
    def status(self) -> str:
        return "unresolved" if self.upper_bound else "resolved"

    @property
    def resolved(self) -> bool:
        return not self.upper_bound and self.write_error_rate > 0

    def as_dict(self) -> dict:
        wer = float(self.write_error_rate)
        return {
            "current_density": self.current_density,
            "pulse_width": self.pulse_width,
            "temperature": self.temperature,
            "peak_temperature": self.peak_temperature,
            "warnings": list(self.warnings),
            "method": self.method,
            "trials": self.trials,
            "write_error_rate": wer,
            "uncertainty": float(self.uncertainty),
            "relative_uncertainty": float(self.uncertainty) / wer if wer > 0 else None,
            "upper_bound": bool(self.upper_bound),
            "status": self.status,
            "interval": [float(self.interval[0]), float(self.interval[1])],
            "trajectories": int(self.trajectories),
            "steps": int(self.steps),
            "estimates": [float(e) for e in self.estimates],
            "seconds": float(self.wall_time),
            "details": self.details,
            "units": {"seconds": "s", "write_error_rate": "1", "uncertainty": "1", "interval": "1",
                      "trials": "1", "upper_bound": "1",
                      "relative_uncertainty": "1",
                      "current_density": "A/m^2", "pulse_width": "s", "temperature": "K",
                      "settle_time": "s", "time_step": "s", "peak_temperature": "K",
                      "trajectories": "1", "steps": "1", "estimates": "1", "thermal_stability": "1",
                      "time_error": "1", "grid_error": "1", "write_error_rate_end_of_pulse": "1",
                      "cells": "1", "factorizations": "1", "failures": "1", "clopper_pearson": "1"},
        }


# ----------------------------------------------------------------------------- AMS core

def reference_log_distance_score(distance: Callable, pilot_paths, *, floor=None,
                                 linear_limit=0.2):
    """Importance function xi(t_k, x) = -ln(d(x) + d0)/2 + ref_k/2.

    ``distance(x)`` maps states (..., d) to a non-negative distance from the initial state;
    ``pilot_paths`` (K+1, n_pilot, d) is an independent ensemble on the record grid.
    ``ref_k`` is the pilot median of ln(d + d0) at t_k while that median is below
    ln(linear_limit + d0) (the linear regime near the initial state, where a lagging path's
    ln d grows at the same rate as the median's); after that the median saturates in the target
    well, so ``ref`` is continued with the slope it had over the second half of the linear
    window for states still within ``linear_limit`` (states beyond it keep the median
    reference). This keeps xi nearly constant along a lagging path up to the final time.
    ``floor`` d0 defaults to the pilot's median initial distance (the thermal scale): states
    closer to the initial state than the noise will carry them are not told apart, which keeps
    early, non-predictive excursions towards the initial state from dominating the levels (with
    d0 = 0 the per-run spread on the test problem was 1.7x the ideal one, with d0 it is ideal).
    Returns ``score(traj) -> (K+1, M)`` for trajectories (K+1, M, d) on the same grid.
    """
    pilot_d = np.asarray(distance(pilot_paths), dtype=float)
    d0 = float(np.median(pilot_d[0])) if floor is None else float(floor)
    d0 = max(d0, 1e-300)
    ref = np.median(np.log(pilot_d + d0), axis=1)
    ref_median = ref
    if linear_limit is not None:
        above = np.flatnonzero(ref >= math.log(linear_limit + d0))
        if above.size and above[0] >= 4:
            k_lin = int(above[0]) - 1
            half = ref[0] + 0.5 * (ref[k_lin] - ref[0])
            k_b = int(np.flatnonzero(ref[: k_lin + 1] >= half)[0])
            k_b = min(k_b, k_lin - 1)
            slope = (ref[k_lin] - ref[k_b]) / (k_lin - k_b)
            if slope > 0:
                ref = ref.copy()
                ref[k_lin:] = ref[k_lin] + slope * np.arange(ref.size - k_lin)
                ref = np.maximum(ref, ref_median)
    lim = math.inf if linear_limit is None else float(linear_limit)

    def score(traj):
        d = np.asarray(distance(traj), dtype=float)
        # paths still in the linear regime are compared with the continued reference, the
        # others with the pilot median (so a switched path does not gain score with time);
        # xi stays a decreasing function of d at each time since ref >= ref_median.
        r = np.where(d < lim, ref[:, None], ref_median[:, None])
        return 0.5 * (r - np.log(d + d0))

    score.floor = d0
    score.reference = ref
    return score


def _path_scores(xi, is_event):
    """Append the final-time layer: xi(T) = +inf for event paths; S = max over the path."""
    xi = xi.copy()
    xi[-1, is_event] = np.inf
    return xi, xi.max(axis=0)


def ams_probability(propagate: Callable, score: Callable, event: Callable, initial_states, *,
                    kill_fraction=0.1, rng=None, stream_start=0, max_iterations=100_000):
    """One AMS run (see the module docstring). Returns a dict with ``probability``,
    ``n_iterations``, ``n_segments`` (simulated path segments, initial paths included),
    ``n_records`` (record intervals simulated, summed over segments), ``extinct`` and
    ``log_prefactor`` (ln prod(1 - K_q/n)).

    ``propagate(states (M, d), start_index (M,), stream_ids (M,) uint64) -> traj (K+1, M, d)``
    simulates each path from record ``start_index[i]`` (where it is in ``states[i]``) to the final
    record K with noise keyed by ``stream_ids[i]``; rows before ``start_index[i]`` are ignored.
    ``score(traj) -> (K+1, M)`` is the importance function on the record grid; ``event(x (M, d))``
    says which final states are events.
    """
    rng = np.random.default_rng(rng)
    x0 = np.asarray(initial_states, dtype=float)
    n = x0.shape[0]
    if n < 2:
        raise SpinlossInputError(None, "n_particles", "AMS needs at least 2 particles")
    k_kill = max(1, int(round(kill_fraction * n)))
    if k_kill >= n:
        raise SpinlossInputError(None, "kill_fraction", "must leave at least one survivor")
    next_stream = [int(stream_start)]

    def streams(m):
        s = np.arange(next_stream[0], next_stream[0] + m, dtype=np.int64)
        next_stream[0] += m
        return s

    traj = np.asarray(propagate(x0, np.zeros(n, dtype=np.int64), streams(n)), dtype=float)
    n_last = traj.shape[0] - 1
    xi, S = _path_scores(np.asarray(score(traj), dtype=float), np.asarray(event(traj[-1]), bool))
    n_segments, n_records = n, n * n_last
    log_c = 0.0
    it = 0
    extinct = False
    while True:
        z = np.partition(S, k_kill - 1)[k_kill - 1]
        if z == np.inf:
            break
        killed = np.flatnonzero(S <= z)
        n_killed = killed.size
        if n_killed >= n:
            extinct = True
            break
        it += 1
        if it > max_iterations:
            raise PhysicsError(f"AMS did not converge in {max_iterations} iterations")
        log_c += math.log1p(-n_killed / n)
        survivors = np.flatnonzero(S > z)
        parents = survivors[rng.integers(0, survivors.size, n_killed)]
        # branch at the first record where the parent's xi exceeds z (exists since S_parent > z)
        branch = np.argmax(xi[:, parents] > z, axis=0)
        new_traj = traj[:, parents, :].copy()
        new_xi = xi[:, parents].copy()
        sim = np.flatnonzero(branch < n_last)
        if sim.size:
            starts = branch[sim]
            out = np.asarray(propagate(new_traj[starts, sim, :], starts, streams(sim.size)),
                             dtype=float)
            rows = np.arange(n_last + 1)[:, None]
            after = rows > starts[None, :]
            seg = new_traj[:, sim, :]
            seg[after] = out[after]
            new_traj[:, sim, :] = seg
            xs = np.asarray(score(seg), dtype=float)
            old = new_xi[:, sim]
            old[after] = xs[after]
            ev = np.asarray(event(seg[-1]), bool)
            old[-1] = np.where(ev, np.inf, xs[-1])
            new_xi[:, sim] = old
            n_segments += sim.size
            n_records += int(np.sum(n_last - starts))
        traj[:, killed, :] = new_traj
        xi[:, killed] = new_xi
        S[killed] = new_xi.max(axis=0)
    if extinct:
        p = 0.0
    else:
        p = math.exp(log_c) * float(np.count_nonzero(S == np.inf)) / n
    return {"probability": p, "n_iterations": it, "n_segments": n_segments,
            "n_records": n_records, "extinct": extinct, "log_prefactor": log_c,
            "next_stream": next_stream[0]}


def _combine_repetitions(estimates, n_particles):
    est = np.asarray(estimates, dtype=float)
    mean = float(est.mean())
    if est.size > 1:
        se = float(est.std(ddof=1) / math.sqrt(est.size))
    else:
        se = float("nan")
    # idealized AMS relative standard error of the mean: sqrt(ln(1/p) / (n R))
    ideal = (mean * math.sqrt(max(-math.log(mean), 0.0) / (n_particles * est.size))
             if mean > 0 else float("nan"))
    if not math.isfinite(se):
        se = ideal
    return mean, max(se, ideal if math.isfinite(ideal) else 0.0), ideal


def splitting_upper_bound(log_prefactors, n_particles, confidence=0.95):
    """Upper bound on p supported by AMS runs none of which reached the event.

    A run that stopped (extinct, or with no event path among its final particles) after levels
    with product prod(1 - K_q/n) = exp(log_prefactor) has estimated the probability of reaching
    its last level as that product; of its n particles none went further, which by the
    zero-failure binomial bound (``-ln(1 - confidence)`` / n, the "rule of three" at 95 %) bounds
    the conditional probability of the rest. The bound is the mean of the runs'
    exp(log_prefactor) x (-ln(1 - confidence)) / n: the estimate is "rare", never 0."""
    lp = np.asarray(list(log_prefactors), dtype=float)
    if lp.size == 0:
        return 1.0
    k = -math.log(1.0 - float(confidence)) / float(n_particles)
    return float(min(1.0, np.mean(np.exp(lp)) * k))


# ----------------------------------------------------------------------------- macrospin glue

def _unit(v, name):
    v = np.asarray(v, dtype=float).reshape(3)
    nrm = float(np.linalg.norm(v))
    if not np.isfinite(nrm) or nrm == 0:
        raise SpinlossInputError(None, name, "must be a non-zero finite 3-vector")
    return v / nrm


def _scalar(params, name):
    v = np.asarray(getattr(params, name), dtype=float)
    if v.size != 1:
        if np.allclose(v, v.flat[0]):
            return float(v.flat[0])
        raise SpinlossInputError(None, name, "WER estimators need one device: give scalars")
    return float(v.reshape(-1)[0])


def _vector(params, name):
    v = np.asarray(getattr(params, name), dtype=float)
    if v.ndim == 2:
        if not np.allclose(v, v[0]):
            raise SpinlossInputError(None, name, "WER estimators need one device")
        v = v[0]
    return v.reshape(3)


def _one_device(params):
    """The parameters as one device (scalars and 3-vectors; a batch of identical devices is
    accepted), for the energy of the WER estimators' single magnet."""
    return params.single_device("WER estimators need")


#: Task of the progress counter of :func:`sample_boltzmann_well` (one count per Metropolis sweep).
SAMPLING_TASK = "starting states (Metropolis sweeps)"


def sample_boltzmann_well(params, axis, n, *, seed=0, sweeps=400, progress=None):
    """n samples of m from exp(-E/k_B T) restricted to the hemisphere m.axis > 0 (Metropolis on
    the sphere with a symmetric proposal m' = (m + s g)/|m + s g|, started at the energy minimum
    reached by relaxing from ``axis``). E = V e(m), e the energy density of the macrospin's terms
    (:func:`spinloss.dynamics.terms.total_energy_density`). ``progress``: a note, then a counter
    (:data:`SAMPLING_TASK`) over the ``sweeps`` Metropolis sweeps of all n states at once (a
    million states take a minute or more); the samples do not depend on it."""
    from ..dynamics.terms import field_scale, total_energy_density, total_field

    rng = np.random.default_rng(seed)
    axis = _unit(axis, "initial_axis")
    one = _one_device(params)
    if one.temperature <= 0:
        raise PhysicsError("Boltzmann sampling needs a temperature > 0")
    beta = one.volume / (KB * one.temperature)   # per J/m^3

    terms = one.terms()   # one device, evaluated on the n states

    def energy(m):
        return total_energy_density(terms, m)

    # crude relaxation to the well minimum (descent on the sphere along H_eff = -de/dm / (mu0 Ms))
    m = np.tile(axis, (1, 1))
    for _ in range(2000):
        h = total_field(terms, m).reshape(3)
        step = h - (m[0] @ h) * m[0]
        scale = float(np.abs(h).max()) + 1e-30
        m = m + 0.05 * step / scale
        m /= np.linalg.norm(m)
        if m[0] @ axis <= 0:
            m = np.tile(axis, (1, 1))
            break
    m = np.tile(m, (n, 1))
    e = energy(m)
    # proposal width from the curvature scale: beta mu0 Ms H s^2 ~ 1 (H the field scale)
    hscale = float(field_scale(terms)[0])
    s = min(0.5, 1.0 / math.sqrt(max(beta * MU0 * one.saturation_magnetization * hscale, 1e-30)))
    note(progress, "Monte Carlo", f"sampling {n} starting states from the Boltzmann density of the well "
                                  f"({sweeps} Metropolis sweeps)")
    with Counter(progress, SAMPLING_TASK, total=sweeps, unit="sweep") as counter:
        for _ in range(sweeps):
            prop = m + s * rng.standard_normal(m.shape)
            prop /= np.linalg.norm(prop, axis=1, keepdims=True)
            ep = energy(prop)
            ok = (prop @ axis > 0) & (np.log(rng.random(n)) < -beta * (ep - e))
            m[ok] = prop[ok]
            e[ok] = ep[ok]
            counter.add(1)
    return m


def is_axially_symmetric(params, *, rtol=1e-9):
    """(True, axis index, axis sign) if anisotropy axis, polarization, applied field lie along one
    coordinate axis and the two transverse demagnetizing factors are equal; else (False, ...)."""
    u = _unit(_vector(params, "anisotropy_axis"), "anisotropy_axis")
    k = int(np.argmax(np.abs(u)))
    others = [j for j in range(3) if j != k]
    if np.any(np.abs(u[others]) > rtol):
        return False, k, 1.0
    nd = _vector(params, "demag_factors")
    if abs(nd[others[0]] - nd[others[1]]) > rtol * max(1.0, abs(nd).max()):
        return False, k, 1.0
    for name in ("polarization", "applied_field"):
        v = _vector(params, name)
        if np.any(np.abs(v[others]) > rtol * max(1.0, np.abs(v).max())):
            return False, k, 1.0
    return True, k, float(np.sign(u[k]))


# ----------------------------------------------------------------------------- dynamics adapter

def _simulate_api():
    from .. import dynamics

    return dynamics


class _MacrospinPaths:
    """Propagator on a record grid built on :func:`spinloss.dynamics.simulate`."""

    def __init__(self, params, waveform, duration, dt, *, seed, record_every, schedule=None):
        self.dyn = _simulate_api()
        self.params = params
        self.schedule = schedule
        self.waveform = waveform
        self.dt = float(dt)
        self.seed = int(seed)
        n_steps = int(round(duration / dt))
        if abs(n_steps * dt - duration) > 1e-9 * duration:
            raise SpinlossInputError(None, "duration", "must be a multiple of dt")
        if record_every is None:
            record_every = max(1, n_steps // 400)
        record_every = int(record_every)
        if n_steps % record_every:
            raise SpinlossInputError(None, "record_every", "must divide duration / dt")
        self.record_every = record_every
        self.n_last = n_steps // record_every
        self.times = np.arange(self.n_last + 1) * record_every * dt
        self.n_steps_total = 0

    def __call__(self, states, start_index, stream_ids):
        states = np.asarray(states, dtype=float)
        start_index = np.asarray(start_index, dtype=np.int64)
        m_count = states.shape[0]
        out = np.empty((self.n_last + 1, m_count, 3))
        # group by start (at most 8 buckets keep batches large); every device of a bucket runs
        # as long as the earliest-starting one, the records past T are dropped. With a parameter
        # schedule (a heated pulse) every start is its own bucket: the run is cut at the
        # schedule's edges on a clock shared by the whole batch.
        uniq = np.unique(start_index)
        if self.schedule is not None:
            edges = uniq
        else:
            edges = np.unique(np.quantile(uniq, np.linspace(0, 1, 9), method="lower"))
        bucket = np.searchsorted(edges, start_index, side="right") - 1
        for b in np.unique(bucket):
            sel = np.flatnonzero(bucket == b)
            k0 = int(start_index[sel].min())
            n_rec = self.n_last - k0
            if n_rec <= 0:
                out[-1, sel] = states[sel]
                continue
            res = self.dyn.simulate(
                self.params, states[sel], self.waveform, n_rec * self.record_every * self.dt,
                self.dt, seed=self.seed, stream_ids=np.asarray(stream_ids)[sel],
                start_time=self.times[start_index[sel]],
                record_every=self.record_every * self.dt, schedule=self.schedule)
            tr = np.asarray(res.trajectory, dtype=float)   # (n_rec(+1), M, 3)
            if tr.shape[0] == n_rec:                        # no initial row recorded
                tr = np.concatenate([states[sel][None], tr], axis=0)
            self.n_steps_total += len(sel) * n_rec * self.record_every
            # device i started at record s_i >= k0: its local record r is global s_i + r
            for j, i in enumerate(sel):
                s_i = int(start_index[i])
                out[s_i:, i] = tr[: self.n_last + 1 - s_i, j]
        return out


def _initial_states(params, m0, n, initial, seed, progress=None):
    m0 = np.asarray(m0, dtype=float)
    if m0.ndim == 2 and m0.shape[0] == n:
        return m0 / np.linalg.norm(m0, axis=1, keepdims=True)
    axis = _unit(m0.reshape(-1)[:3] if m0.ndim == 1 else m0[0], "m0")
    if initial == "boltzmann":
        return sample_boltzmann_well(params, axis, n, seed=seed, progress=progress)
    if initial == "fixed":
        return np.tile(axis, (n, 1))
    raise SpinlossInputError(None, "initial", "must be 'boltzmann' or 'fixed'")


def monte_carlo_wer(params, m0, waveform, duration, dt, *, target_axis, trials=10_000,
                    seed=0, initial="boltzmann", switch_threshold=0.0, batch_size=20_000,
                    confidence=0.95, progress=None, schedule=None) -> WerResult:
    """Plain Monte Carlo WER: fraction of trials paths with m(T).target <= threshold.

    ``m0``: a 3-vector (initial direction; with ``initial='boltzmann'`` the start is sampled from
    the Boltzmann density of its well) or an (trials, 3) array. ``uncertainty`` is the binomial
    standard error sqrt(p(1-p)/n) (or, with no failure, the Wilson upper bound / 2); ``interval``
    the Wilson interval. Resolves p >~ 20 / trials. ``progress``: trials done (a
    :data:`spinloss.progress.ProgressCallback`); batches of ``batch_size`` paths. ``schedule``: a
    :class:`~spinloss.dynamics.ParameterSchedule` of one row (a heated pulse) passed to every
    path's :func:`~spinloss.dynamics.simulate`. The Boltzmann starting states are sampled first
    (:func:`sample_boltzmann_well`, reported through ``progress`` too).

    Ctrl-C raises :class:`~spinloss.errors.Interrupted` with no partial result (an estimate from
    the paths that finished is not the estimate asked for) and ``what`` saying how many of the
    ``trials`` paths had finished.
    """
    dyn = _simulate_api()
    t_start = _time.perf_counter()
    target = _unit(target_axis, "target_axis")
    trials = int(trials)
    failures = 0
    done = 0
    try:
        m_init = _initial_states(params, m0, trials, initial, seed + 7919, progress=progress)
        # batches small enough for a progress line every few seconds, large enough to fill the cores
        batch_size = int(max(256, min(batch_size, 2e8 / max(1, round(duration / dt)))))
        with Counter(progress, "Monte Carlo paths", total=trials, unit="path") as counter:
            while done < trials:
                nb = min(batch_size, trials - done)
                ids = np.arange(done, done + nb, dtype=np.int64)
                res = dyn.simulate(params, m_init[done:done + nb], waveform, duration, dt, seed=seed,
                                   stream_ids=ids, schedule=schedule)
                mf = np.asarray(res.m_final, dtype=float)
                failures += int(np.count_nonzero(mf @ target <= switch_threshold))
                done += nb
                counter.set(done)
    except KeyboardInterrupt:
        raise Interrupted(None, f"{done} of {trials} Monte Carlo trajectories finished; no WER reported "
                                "(an estimate from part of the trials is not a result)") from None
    p = failures / trials
    lo, hi = wilson_interval(failures, trials)
    se = math.sqrt(p * (1 - p) / trials) if failures else hi / 2
    steps = trials * int(round(duration / dt))
    return WerResult(write_error_rate=p, uncertainty=se, method="monte_carlo",
                     trajectories=trials, steps=steps, interval=(lo, hi),
                     wall_time=_time.perf_counter() - t_start,
                     details={"failures": failures, "clopper_pearson":
                              clopper_pearson_interval(failures, trials, confidence)})


def splitting_wer(params, m0, waveform, duration, dt, *, target_axis, n_particles=200,
                  n_repetitions=4, kill_fraction=0.1, n_pilot=100, record_every=None, seed=0,
                  initial="boltzmann", switch_threshold=0.0, initial_axis=None,
                  score=None, progress=None, schedule=None) -> WerResult:
    """WER by adaptive multilevel splitting on the stochastic macrospin (any geometry).

    Write error: m(T).target <= switch_threshold, T = ``duration``. ``m0``: initial direction
    (3-vector; Boltzmann-sampled in its well unless ``initial='fixed'``). The importance function
    is :func:`reference_log_distance_score` with d(m) = 1 - m.u0 (u0 = ``initial_axis``, default
    the direction of m0) and a pilot of ``n_pilot`` independent paths, unless ``score`` (a
    callable traj (K+1, M, 3) -> (K+1, M)) is given. ``n_repetitions`` independent AMS runs of
    ``n_particles`` each; the WER is their mean and ``uncertainty`` its standard error (never
    below the idealized AMS value p sqrt(ln(1/p) / (n R))). Cost ~ n R ln(1/p)
    path segments of average length ~T/2. ``schedule``: a one-row
    :class:`~spinloss.dynamics.ParameterSchedule` (a heated pulse) for every path segment.
    """
    t_start = _time.perf_counter()
    target = _unit(target_axis, "target_axis")
    m0a = np.asarray(m0, dtype=float)
    u0 = _unit(initial_axis if initial_axis is not None
               else (m0a if m0a.ndim == 1 else m0a.mean(axis=0)), "initial_axis")
    paths = _MacrospinPaths(params, waveform, duration, dt, seed=seed, record_every=record_every,
                            schedule=schedule)

    def event(x):
        return x @ target <= switch_threshold

    def distance(x):
        # 1 - m.u0 = |m - u0|^2 / 2 for unit vectors, without cancellation near u0
        return 0.5 * np.sum((x - u0) ** 2, axis=-1)

    rng = np.random.default_rng(seed)
    stream = 1 << 40
    estimates, runs = [], []
    n_seg = 0
    try:
        if score is None:
            pilot0 = _initial_states(params, m0, n_pilot, initial, seed + 104729)
            pilot = paths(pilot0, np.zeros(n_pilot, dtype=np.int64),
                          np.arange(stream, stream + n_pilot, dtype=np.int64))
            stream += n_pilot
            score = reference_log_distance_score(distance, pilot)
        n_seg = n_pilot if score is not None else 0
        for r in range(int(n_repetitions)):
            x0 = _initial_states(params, m0, n_particles, initial, seed + 1 + 31 * r)
            out = ams_probability(paths, score, event, x0, kill_fraction=kill_fraction, rng=rng,
                                  stream_start=stream)
            stream = out["next_stream"] + 1
            estimates.append(out["probability"])
            note(progress, "splitting", f"splitting run {r + 1}/{int(n_repetitions)}: {out['n_iterations']} levels, "
                                        f"estimate {out['probability']:.3g}")
            runs.append({"iterations": out["n_iterations"], "segments": out["n_segments"], "extinct": out["extinct"],
                         "log_prefactor": out["log_prefactor"]})
            n_seg += out["n_segments"]
    except KeyboardInterrupt:
        raise Interrupted(None, f"{len(estimates)} of {int(n_repetitions)} multilevel splitting runs finished; "
                                "no WER reported") from None
    mean, se, ideal = _combine_repetitions(estimates, n_particles)
    bound = None
    if not mean > 0:
        bound = splitting_upper_bound([r["log_prefactor"] for r in runs], n_particles)
        note(progress, "splitting", f"no run reached the event: WER <= {bound:.3g} (upper bound, unresolved)")
        mean, se, ideal = bound, float("nan"), float("nan")
    return WerResult(write_error_rate=mean, uncertainty=se, method="multilevel_splitting",
                     upper_bound=bound is not None,
                     trajectories=n_seg, steps=paths.n_steps_total,
                     interval=((0.0, mean) if bound is not None
                               else (max(0.0, mean - 1.96 * se), mean + 1.96 * se)),
                     estimates=tuple(estimates), wall_time=_time.perf_counter() - t_start,
                     details={"runs": runs, "particles": n_particles,
                              "kill_fraction": kill_fraction, "idealized_uncertainty": ideal,
                              "record_every": paths.record_every})


# ----------------------------------------------------------------------------- dispatcher

def _fokker_planck_from_params(params, waveform, duration, u0, axis_index, **fp_options):
    """Map axially symmetric MacrospinParameters + waveform onto :func:`fokker_planck_wer`."""
    from ..dynamics.analytic import effective_anisotropy_field
    from .fokker_planck import fokker_planck_wer

    e = np.zeros(3)
    e[axis_index] = 1.0
    if abs(abs(u0 @ e) - 1.0) > 1e-9:
        raise PhysicsError("Fokker-Planck needs the initial state along the symmetry axis")
    ms = _scalar(params, "saturation_magnetization")
    hk_eff = effective_anisotropy_field(_scalar(params, "anisotropy_field"), ms, _vector(params, "demag_factors"),
                                        axis_index)
    h_along = float(_vector(params, "applied_field") @ u0)
    s = _vector(params, "polarization")
    s_norm = float(np.linalg.norm(s))
    sigma = float(s @ u0) / s_norm if s_norm > 0 else 0.0
    alpha = _scalar(params, "damping")
    dl = _scalar(params, "damping_like_field_per_current")
    fl = _scalar(params, "field_like_field_per_current")

    # torque toward s; H_DL > 0 in the FP convention pulls toward -u0. A field-like term is a
    # field H_FL s, folded into the drift as an equivalent damping-like term (docs/wer.md).
    def h_dl(t):
        j = float(np.asarray(waveform.evaluate(np.array([t]))).reshape(-1)[0])
        return -sigma * (dl * j + alpha * fl * j)

    res = fokker_planck_wer(
        saturation_magnetization=ms, volume=_scalar(params, "volume"), damping=alpha,
        anisotropy_field=hk_eff, temperature=_scalar(params, "temperature"),
        damping_like_field=h_dl, pulse_width=duration, applied_field=h_along, initial="up",
        gamma=_scalar(params, "gamma"), **fp_options)
    return res


def write_error_rate(params, waveform, duration, dt, *, m0=(0.0, 0.0, 1.0), target_axis=None,
                     method="auto", trials=20_000, n_pilot=2_000, min_failures=20, seed=0,
                     n_particles=200, n_repetitions=4, fp_options=None, sphere_options=None,
                     splitting_options=None, progress=None, schedule=None) -> WerResult:
    """Write error rate with the method that resolves it (docs/physics.md section 4; docs/wer.md).

    ``method='auto'``: the 1D Fokker-Planck solver when the setup is axially symmetric (easy
    axis, polarization and applied field along one coordinate axis, equal transverse
    demagnetizing factors, m0 along that axis: fastest); else the Fokker-Planck solver on the
    sphere where it applies (:func:`~spinloss.experiments.fokker_planck_sphere.sphere_fokker_planck_applies`:
    biaxial cells without field, e.g. in-plane cells with shape anisotropy and any torque
    direction, and axial energies with a tilted torque); otherwise a Monte Carlo pilot of
    ``n_pilot`` paths decides: plain Monte Carlo with ``trials`` if at least ``min_failures``
    failures are expected, adaptive multilevel splitting otherwise. ``method`` may also be one
    of :data:`METHODS`. The write error is m(duration).target <= 0, target defaulting to -m0.
    ``sphere_options``: keywords of :func:`~spinloss.experiments.fokker_planck_sphere.sphere_fokker_planck_wer`
    (e.g. ``temperature`` as T(t), ``resolution``, ``grid_error``). Returns a :class:`WerResult`.
    ``progress``: a :data:`spinloss.progress.ProgressCallback`.

    ``schedule``: a one-row :class:`~spinloss.dynamics.ParameterSchedule` (parameters that change
    during the pulse: Joule heating, docs/heating.md), followed by Monte Carlo, splitting and the
    Fokker-Planck solver on the sphere when the schedule has a temperature state (a heating
    schedule: its coefficients follow the heated parameters, :func:`sphere_follows`); the 1D
    solver takes constant parameters, so with a schedule ``'auto'`` sends axial cells to the
    sphere solver (its polar grid stays aligned with their orbits at every temperature), other
    schedules to the Monte Carlo pilot, and ``'fokker_planck'`` is refused.
    """
    from .fokker_planck_sphere import (sphere_fokker_planck_applies, sphere_fokker_planck_is_default,
                                       sphere_fokker_planck_wer, sphere_follows)

    t_start = _time.perf_counter()
    u0 = _unit(m0, "m0")
    target = -u0 if target_axis is None else _unit(target_axis, "target_axis")
    axial, k, _ = is_axially_symmetric(params)
    axial = axial and abs(abs(u0[k]) - 1.0) < 1e-9 and np.allclose(target, -u0)
    if method == "auto":
        if axial and schedule is None and (sphere_options or {}).get("temperature") is None:
            method = "fokker_planck"
        elif sphere_follows(schedule) and sphere_fokker_planck_is_default(params, u0, target):
            method = "fokker_planck_sphere"
        else:
            note(progress, "WER", f"Monte Carlo pilot of {n_pilot} paths chooses the method")
            try:
                pilot = monte_carlo_wer(params, u0, waveform, duration, dt, target_axis=target,
                                        trials=n_pilot, seed=seed + 1, progress=progress, schedule=schedule)
            except Interrupted as exc:
                raise Interrupted(None, f"the Monte Carlo pilot that chooses the method: {exc.what}") from None
            expected = pilot.write_error_rate * trials
            method = "monte_carlo" if expected >= min_failures else "multilevel_splitting"
    if method == "fokker_planck":
        if schedule is not None:
            raise PhysicsError("the Fokker-Planck WER assumes constant parameters during the pulse (Delta, H_K, "
                               "temperature); with Joule heating use Monte Carlo or multilevel splitting")
        if not axial:
            raise PhysicsError("Fokker-Planck needs an axially symmetric setup "
                               "(see is_axially_symmetric) with m0 along the axis")
        note(progress, "WER", "Fokker-Planck solve (axially symmetric cell)")
        fp = _fokker_planck_from_params(params, waveform, duration, u0, k, **(fp_options or {}))
        err = fp.uncertainty if math.isfinite(fp.uncertainty) else 0.0
        return WerResult(write_error_rate=fp.write_error_rate, uncertainty=err,
                         method="fokker_planck", trajectories=0, steps=fp.n_steps,
                         interval=(max(0.0, fp.write_error_rate - 2 * err),
                                   fp.write_error_rate + 2 * err),
                         wall_time=_time.perf_counter() - t_start,
                         details={"thermal_stability": fp.thermal_stability,
                                  "cells": fp.n_cells})
    if method == "fokker_planck_sphere":
        ok, why = sphere_fokker_planck_applies(params, u0, target)
        if not ok:
            raise PhysicsError(f"the Fokker-Planck solver on the sphere does not apply: {why}")
        note(progress, "WER", "Fokker-Planck solve on the sphere")
        opts = dict(sphere_options or {})
        if schedule is not None:
            opts["schedule"] = schedule
        fp = sphere_fokker_planck_wer(params, waveform, duration, m0=u0, target_axis=target,
                                      progress=progress, **opts)
        err = fp.uncertainty if math.isfinite(fp.uncertainty) else 0.0
        return WerResult(write_error_rate=fp.write_error_rate, uncertainty=err,
                         method="fokker_planck_sphere", trajectories=0, steps=fp.steps,
                         interval=(max(0.0, fp.write_error_rate - 2 * err), fp.write_error_rate + 2 * err),
                         estimates=fp.estimates, wall_time=_time.perf_counter() - t_start,
                         details={"thermal_stability": fp.thermal_stability, "cells": fp.cells,
                                  "grid": fp.grid, "time_error": fp.time_error, "grid_error": fp.grid_error,
                                  "factorizations": fp.factorizations,
                                  "write_error_rate_end_of_pulse": fp.write_error_rate_end_of_pulse})
    if method == "monte_carlo":
        return monte_carlo_wer(params, u0, waveform, duration, dt, target_axis=target,
                               trials=trials, seed=seed, progress=progress, schedule=schedule)
    if method == "multilevel_splitting":
        note(progress, "WER", f"adaptive multilevel splitting: {n_repetitions} run(s) of {n_particles} particles")
        return splitting_wer(params, u0, waveform, duration, dt, target_axis=target,
                             n_particles=n_particles, n_repetitions=n_repetitions, seed=seed,
                             progress=progress, schedule=schedule, **(splitting_options or {}))
    raise SpinlossInputError(None, "method", "must be 'auto', " + ", ".join(f"'{m}'" for m in METHODS))
