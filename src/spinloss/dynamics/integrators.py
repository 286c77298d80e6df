"""Public drivers of the batched macrospin engine: parameters, current waveforms, integrators.

Equation (docs/physics.md sections 2 and 4; explicit form derived in :mod:`spinloss.dynamics.llg`;
the terms, one object each, in :mod:`spinloss.dynamics.terms`)::

    dm/dt = -gamma mu0 m x H_eff + alpha m x dm/dt - gamma mu0 H_DL m x (m x s) - gamma mu0 H_FL m x s
    H_eff = H_applied - M_s N m + H_K (m.u) u + H_thermal
    H_DL = (damping_like_ + spin_transfer_field_per_current) * j(t),
    H_FL = field_like_field_per_current * j(t)

Thermal field (Brown): each component Gaussian with variance 2 alpha k_B T / (gamma mu0^2 M_s V dt)
per step. Stochastic Heun (Stratonovich), |m| renormalized each step.
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numba
import numpy as np

from ..errors import PhysicsError, SpinlossInputError, UnresolvableDriveError
from ..io import JsonResult
from ..progress import Counter
from ..units import KB, MU0
from . import kernels as K
from .rng import stream_keys
from .terms import (FieldTerm, MacrospinParameters, SpinTorque, field_scale, make_terms, pack_spin_torques,
                    total_energy_density, total_field)

__all__ = [
    "MacrospinParameters",
    "Waveform",
    "MacrospinResult",
    "simulate",
    "simulate_deterministic",
    "energy_density",
    "effective_field",
    "thermal_field_std",
    "pack_parameters",
    "ParameterSchedule",
]

def _bad(key, rule):
    return SpinlossInputError("<api>", key, rule)


def thermal_field_std(params: MacrospinParameters, dt: float, n: int | None = None):
    """Per-component std of the thermal field per step, sqrt(2 alpha kB T/(gamma mu0^2 Ms V dt)), A/m."""
    n = params.batch_size() if n is None else n
    p = params.broadcast(n)
    vol = np.where(p["volume"] > 0, p["volume"], 1.0)
    return np.sqrt(2.0 * p["damping"] * KB * p["temperature"]
                   / (p["gamma"] * MU0**2 * p["saturation_magnetization"] * vol * dt))


def _batch_of_states(params: MacrospinParameters, m):
    """(m as (n, 3), the terms for n devices, n): a batch of states (N, 3) sets n; a single state
    (3,) is evaluated for every device of the parameters."""
    m = np.asarray(m, dtype=float)
    n = m.shape[0] if m.ndim == 2 else params.batch_size()
    return m, params.terms(n), n


def effective_field(params: MacrospinParameters, m):
    """Deterministic H_eff (A/m), shape like m (..., 3): the sum of the field terms'
    fields (:func:`.terms.total_field`), applied - Ms N m + H_K (m.u) u."""
    m, terms, n = _batch_of_states(params, m)
    h = total_field(terms, m)
    return h if m.ndim == 2 else h.reshape(m.shape if n == 1 else (n, 3))


def energy_density(params: MacrospinParameters, m):
    """Energy density (J/m^3) of state m (..., 3): the sum of the field terms' energies
    (:func:`.terms.total_energy_density`), Zeeman + uniaxial anisotropy + demag,

    e = -mu0 Ms H.m - (mu0 Ms H_K / 2)(m.u)^2 + (mu0 Ms^2 / 2) sum_i N_ii m_i^2.
    """
    m, terms, n = _batch_of_states(params, m)
    e = total_energy_density(terms, m)
    return e if m.ndim == 2 or n > 1 else e[0]


# ---------------------------------------------------------------------------------------------
# Time step
# ---------------------------------------------------------------------------------------------

#: Precession angle per Heun step at the largest field scale (rad).
STEP_ANGLE = 0.02
#: Bounds of the Heun time step (s): below MIN_TIME_STEP the drive is refused, not resolved.
MIN_TIME_STEP = 5e-15
MAX_TIME_STEP = 2e-13
#: Most time steps one run may take (1e11: days of CPU time for even one device).
MAX_STEPS = 1e11


def largest_field(params: MacrospinParameters, max_current: float = 0.0) -> float:
    """The largest field scale of the dynamics (A/m), + 1 A/m: the sum of the terms' field scales
    (:func:`.terms.field_scale`: applied + anisotropy + demag spread + the torques' fields at
    ``max_current``), maximized over the batch."""
    return float(np.max(field_scale(params.terms(), max_current))) + 1.0


def heun_time_step(params: MacrospinParameters, max_current: float = 0.0,
                   schedule: "ParameterSchedule | None" = None) -> float:
    """Heun time step (s): precession angle per step <= STEP_ANGLE at the largest field scale,
    at most MAX_TIME_STEP. The stochastic Heun scheme is weakly first order for the thermal field,
    second order deterministically; this keeps the deterministic error well below 1e-3.

    With a ``schedule`` (parameters that change during the run) the step also resolves the
    schedule's most demanding parameters (:meth:`ParameterSchedule.time_step_parameters`: a
    heated magnet has a smaller M_s, hence a larger torque field per current).

    A drive that would need a step below MIN_TIME_STEP (a field beyond ~20 T equivalent) raises
    :class:`~spinloss.errors.UnresolvableDriveError`: it is refused, never integrated with a step
    too long for it (which would give a meaningless probability)."""
    if schedule is not None:
        return min(heun_time_step(params, max_current),
                   heun_time_step(schedule.time_step_parameters(params), max_current))
    h = largest_field(params, max_current)
    gamma = float(np.max(params.broadcast(params.batch_size())["gamma"]))
    dt = STEP_ANGLE / (gamma * MU0 * h)
    if dt < MIN_TIME_STEP:
        raise UnresolvableDriveError(
            f"the drive is too strong to integrate: fields up to {h:.3g} A/m (mu0 H = {MU0 * h:.3g} T) "
            f"need a time step of {dt:.2g} s, below the engine's {MIN_TIME_STEP:g} s; lower the current "
            "density or the field")
    return float(min(dt, MAX_TIME_STEP))


def time_grid(duration: float, max_step: float, multiple: int = 400) -> float:
    """The largest step <= ``max_step`` that divides ``duration`` into a whole number of
    ``multiple``-step records (the record grid of the path engines)."""
    if not (duration > 0 and max_step > 0):
        raise _bad("duration", "must be > 0")
    return duration / (multiple * math.ceil(duration / max_step / multiple - 1e-9))


# ---------------------------------------------------------------------------------------------
# Waveform
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Waveform:
    """Piecewise-linear current density j(t) (A/m^2), zero outside [times[0], times[-1]].

    ``times`` and ``values`` have shape (K,) (shared by the batch) or (N, K) (one row per
    device); times non-decreasing; a repeated time is a jump (right-continuous).
    """

    times: np.ndarray
    values: np.ndarray

    def __post_init__(self):
        t = np.atleast_1d(np.asarray(self.times, dtype=float))
        v = np.atleast_1d(np.asarray(self.values, dtype=float))
        if t.shape != v.shape or t.ndim > 2:
            raise _bad("waveform", f"times {t.shape} and values {v.shape} must have equal shape "
                                   "(K,) or (N, K)")
        if t.size and (np.any(np.isnan(t)) or np.any(np.diff(t, axis=-1) < 0)):
            raise _bad("waveform.times", "must be non-decreasing and not NaN")
        if not np.all(np.isfinite(v)):
            raise _bad("waveform.values", "must be finite")
        object.__setattr__(self, "times", t)
        object.__setattr__(self, "values", v)

    # constructors ------------------------------------------------------------------------
    @classmethod
    def zero(cls) -> "Waveform":
        return cls(np.zeros(0), np.zeros(0))

    @classmethod
    def constant(cls, amplitude, start=0.0, stop=np.inf) -> "Waveform":
        """j = amplitude for start <= t < stop (amplitude may be (N,))."""
        a = np.asarray(amplitude, dtype=float)
        t = np.stack(np.broadcast_arrays(np.asarray(start, float), np.asarray(stop, float), a)[:2],
                     axis=-1)
        aa = np.broadcast_to(a, t.shape[:-1])
        return cls(np.broadcast_to(t, aa.shape + (2,)), np.stack([aa, aa], axis=-1))

    @classmethod
    def pulse(cls, amplitude, width, rise_time=0.0, fall_time=None, delay=0.0) -> "Waveform":
        """Trapezoid: 0 until ``delay``, linear rise over ``rise_time``, flat top of duration
        ``width`` at ``amplitude``, linear fall over ``fall_time`` (default = rise_time).

        Any argument may be an array of shape (N,) (one pulse per device).
        """
        fall_time = rise_time if fall_time is None else fall_time
        a, w, r, f, d = np.broadcast_arrays(*(np.asarray(x, dtype=float)
                                              for x in (amplitude, width, rise_time, fall_time, delay)))
        if np.any(w < 0) or np.any(r < 0) or np.any(f < 0):
            raise _bad("pulse", "width, rise_time and fall_time must be >= 0")
        t = np.stack([d, d + r, d + r + w, d + r + w + f], axis=-1)
        z = np.zeros_like(a)
        v = np.stack([z, a, a, z], axis=-1)
        return cls(t, v)

    @classmethod
    def sequence(cls, pieces: Sequence["Waveform | tuple"], gap=0.0, start=0.0) -> "Waveform":
        """Pulses one after another: each piece (a Waveform with its own time origin, or a tuple
        of ``Waveform.pulse`` arguments, e.g. ``(+j, 1e-9, 1e-10)`` / ``(-j, 1e-9, 1e-10)``)
        starts ``gap`` after the previous one ends."""
        ws = [p if isinstance(p, Waveform) else cls.pulse(*p) for p in pieces]
        n = 1
        for w in ws:
            if w.times.ndim == 2:
                n = max(n, w.times.shape[0])
        ts, vs = [], []
        t_now = np.broadcast_to(np.asarray(start, float), (n,)).copy()
        gap = np.broadcast_to(np.asarray(gap, float), (n,))
        for k, w in enumerate(ws):
            if w.times.shape[-1] == 0:
                continue
            t = np.broadcast_to(w.times, (n, w.times.shape[-1])) + t_now[:, None]
            v = np.broadcast_to(w.values, t.shape)
            ts += [t[:, :1], t, t[:, -1:]]
            vs += [np.zeros((n, 1)), v, np.zeros((n, 1))]
            t_now = t[:, -1] + gap
        if not ts:
            return cls.zero()
        t = np.concatenate(ts, axis=1)
        v = np.concatenate(vs, axis=1)
        if n == 1 and all(w.times.ndim == 1 for w in ws):
            t, v = t[0], v[0]
        return cls(t, v)

    # evaluation -------------------------------------------------------------------------
    @property
    def n_rows(self) -> int:
        return 1 if self.times.ndim == 1 else self.times.shape[0]

    @property
    def end_time(self):
        """Time after which j = 0 (per row)."""
        if self.times.shape[-1] == 0:
            return np.zeros(self.n_rows) if self.times.ndim == 2 else 0.0
        return self.times[..., -1]

    def evaluate(self, t):
        """j(t). t: scalar, (N,) or (M, N) for per-device rows; (...) for a shared waveform."""
        t = np.asarray(t, dtype=float)
        if self.times.shape[-1] == 0:
            return np.zeros(np.broadcast_shapes(t.shape, (self.n_rows,)) if self.times.ndim == 2
                            else t.shape)
        if self.times.ndim == 1:
            return _eval_rows(self.times[None], self.values[None], t[..., None])[..., 0]
        tt = np.broadcast_to(t, np.broadcast_shapes(t.shape, (self.n_rows,)))
        return _eval_rows(self.times, self.values, tt)

    def _rows(self, n):
        t = self.times if self.times.ndim == 2 else self.times[None]
        v = self.values if self.values.ndim == 2 else self.values[None]
        if t.shape[0] not in (1, n):
            raise _bad("waveform", f"{t.shape[0]} rows for a batch of {n}")
        return np.ascontiguousarray(t), np.ascontiguousarray(v)


def _eval_rows(times, values, t):
    """Evaluate rows (R, K) at t (..., R) with the kernel's semantics."""
    R, Kp = times.shape
    out = np.zeros(t.shape)
    for r in range(R):
        tr = t[..., r]
        k = np.searchsorted(times[r], tr, side="right") - 1
        inside = (k >= 0) & (k < Kp - 1)
        kk = np.clip(k, 0, max(Kp - 2, 0))
        t0 = times[r][kk]
        t1 = times[r][kk + 1] if Kp > 1 else t0
        v0 = values[r][kk]
        v1 = values[r][kk + 1] if Kp > 1 else v0
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(np.isfinite(t1) & (t1 > t0), (tr - t0) / (t1 - t0), 0.0)
        out[..., r] = np.where(inside, v0 + (v1 - v0) * frac, 0.0)
    return out


# ---------------------------------------------------------------------------------------------
# Parameters that change during a run
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParameterSchedule:
    """Macrospin parameters that change with time during a run (e.g. a magnet heated by its write
    pulse, docs/heating.md), held constant over slices of the run.

    * ``edges`` (E,): increasing absolute times (s, the waveform's clock). The schedule acts on
      ``[edges[0], edges[-1])``; the run is cut at these times and, inside the window, every
      device's parameters are those at its slice's midpoint. Outside the window the run's own
      parameters apply, bit for bit (a run that never enters the window is today's run).
    * ``parameters(base, times, rows)``: the parameters of N devices at absolute ``times`` (N,),
      device i on schedule row ``rows[i]``; ``base`` are the run's parameters (batch 1 or N),
      which the schedule modifies (so a caller's subset of a batch stays consistent).
    * ``hottest(base)``: the parameters of every row at its most demanding point (the time-step
      choice of :func:`heun_time_step` covers them).
    * ``rows``: the schedule row of each device of the run (None: row i for device i when the
      schedule has as many rows as the run has devices, else row 0 for all); ``n_rows`` rows.
    * Optional, when the parameters depend on time through one scalar state (the heated magnet's
      temperature): ``state(times, rows)`` gives it (N,), ``parameters_of_state(base, s)`` the
      parameters of len(s) devices at states s, ``state_range`` = (lo, hi) its bounds and
      ``state_step`` a table spacing. A run of one device's parameters (batch 1) then packs the
      kernels' coefficients once on that table and interpolates them linearly in the state at
      every slice (``packed_table``), instead of packing every slice: the cost of a slice no
      longer depends on Python-side packing (the spacing makes the interpolation error ~1e-8
      relative, far below the slicing's).

    Choose the edges so that the parameters change by a few percent at most between two edges
    (the heating schedule cuts where the temperature rise has changed by 1 % of its peak).
    """

    edges: np.ndarray
    parameters: Callable
    hottest: Callable
    n_rows: int = 1
    rows: np.ndarray | None = None
    state: Callable | None = None
    parameters_of_state: Callable | None = None
    state_range: tuple | None = None
    state_step: float = 0.0
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        e = np.asarray(self.edges, dtype=float)
        if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0) or not np.all(np.isfinite(e)):
            raise _bad("schedule.edges", "must be at least 2 increasing finite times")
        object.__setattr__(self, "edges", e)
        if self.rows is not None:
            r = np.asarray(self.rows, dtype=np.int64)
            if r.ndim != 1 or np.any(r < 0) or np.any(r >= self.n_rows):
                raise _bad("schedule.rows", f"must index the schedule's {self.n_rows} rows")
            object.__setattr__(self, "rows", r)

    @property
    def start(self) -> float:
        return float(self.edges[0])

    @property
    def stop(self) -> float:
        return float(self.edges[-1])

    def rows_for(self, n: int) -> np.ndarray:
        """The schedule row of each of the ``n`` devices of a run."""
        if self.rows is not None:
            if self.rows.size != n:
                raise _bad("schedule.rows", f"{self.rows.size} rows for a run of {n} devices")
            return self.rows
        if self.n_rows == 1:
            return np.zeros(n, dtype=np.int64)
        if self.n_rows == n:
            return np.arange(n, dtype=np.int64)
        raise _bad("schedule", f"{self.n_rows} schedule rows for a run of {n} devices: give rows")

    def with_rows(self, rows) -> "ParameterSchedule":
        """The schedule with ``rows`` (the schedule row of each device of a run)."""
        from dataclasses import replace

        return replace(self, rows=np.asarray(rows, dtype=np.int64))

    def select(self, index, n: int) -> "ParameterSchedule":
        """The schedule of devices ``index`` of a run of ``n`` devices (their rows)."""
        return self.with_rows(self.rows_for(n)[index])

    def parameters_at(self, base: MacrospinParameters, times, n: int) -> MacrospinParameters:
        """The parameters of the run's ``n`` devices at absolute ``times`` (n,)."""
        return self.parameters(base, np.broadcast_to(np.asarray(times, dtype=float), (n,)), self.rows_for(n))

    def time_step_parameters(self, base: MacrospinParameters) -> MacrospinParameters:
        """The most demanding parameters of every row (a batch), for the time-step choice."""
        return self.hottest(base)

    def packed_table(self, base: MacrospinParameters, dt: float):
        """(lo, step, table (NPAR, M)): the kernels' coefficient columns of ``base`` (batch 1) at
        the states lo + k step spanning ``state_range``, packed once per (base, dt) and cached."""
        key = (id(base), float(dt))
        hit = self.cache.get(key)
        if hit is not None and hit[0] is base:
            return hit[1]
        lo, hi = (float(x) for x in self.state_range)
        step = float(self.state_step) if self.state_step > 0 else max(hi - lo, 1e-300) / 1000
        m = int(min(200_001, max(2, math.ceil((hi - lo) / step) + 2)))
        grid = lo + step * np.arange(m)
        table = pack_parameters(self.parameters_of_state(base, grid), m, dt)
        for r in (K.R_AX, K.R_AY, K.R_AZ, K.R_THR, K.R_T0):
            table[r] = 0.0           # the run's own rows replace these (inf thresholds would give NaN)
        out = (lo, step, table)
        self.cache[key] = (base, out)
        return out

    def step_bounds(self, t_ref: float, dt: float, n_steps: int) -> np.ndarray:
        """The step indices (of a run whose first device starts at ``t_ref``) at which the run is
        cut: the edges, rounded to whole steps, within [0, n_steps]."""
        k = np.rint((self.edges - t_ref) / dt).astype(np.int64)
        return np.unique(np.clip(k, 0, n_steps))


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------

@dataclass
class MacrospinResult(JsonResult):
    """Outcome of :func:`simulate` / :func:`simulate_deterministic`.

    Times are absolute (start_time + elapsed) except ``times``, the elapsed record times.
    """

    m_final: np.ndarray  # (N, 3)
    switched: np.ndarray  # (N,) bool
    switching_time: np.ndarray  # (N,) s, NaN where not switched
    end_time: np.ndarray  # (N,) s, time of m_final
    start_time: np.ndarray  # (N,)
    times: np.ndarray | None = None  # (n_rec,) elapsed
    trajectory: np.ndarray | None = None  # (n_rec, N, 3)
    current: np.ndarray | None = None  # (n_rec, N) A/m^2 at record times
    method: str = "heun"
    dt: float | None = None
    seed: int | None = None
    stream_ids: np.ndarray | None = None
    n_steps: int | np.ndarray | None = None
    info: dict = field(default_factory=dict)

    @property
    def n_devices(self) -> int:
        return self.m_final.shape[0]

    def as_dict(self) -> dict:
        out = {"m_final": self.m_final, "switched": self.switched, "switching_time": self.switching_time,
               "end_time": self.end_time, "start_time": self.start_time, "method": self.method,
               "time_step": self.dt, "seed": self.seed, "steps": self.n_steps,
               "units": {"seed": "1", "steps": "1", "m_final": "1", "switching_time": "s", "end_time": "s", "start_time": "s",
                         "time_step": "s", "times": "s", "m": "1", "current_density": "A/m^2"}}
        if self.trajectory is not None:
            out.update({"times": self.times, "m": self.trajectory, "current_density": self.current})
        return out

    def to_xarray(self):
        import xarray as xr

        dev = np.arange(self.n_devices)
        data = {
            "m_final": (("device", "component"), self.m_final, {"units": "1", "long_name": "unit magnetization"}),
            "switched": (("device",), self.switched),
            "switching_time": (("device",), self.switching_time, {"units": "s"}),
            "end_time": (("device",), self.end_time, {"units": "s"}),
            "start_time": (("device",), self.start_time, {"units": "s"}),
        }
        coords = {"device": dev, "component": ["x", "y", "z"]}
        if self.trajectory is not None:
            coords["time"] = ("time", self.times, {"units": "s", "long_name": "elapsed time"})
            data["m"] = (("time", "device", "component"), self.trajectory, {"units": "1"})
            data["current_density"] = (("time", "device"), self.current, {"units": "A/m^2"})
        if self.stream_ids is not None:
            data["stream_id"] = (("device",), np.asarray(self.stream_ids))
        attrs = {"method": self.method}
        if self.dt is not None:
            data["time_step"] = ((), float(self.dt), {"units": "s", "long_name": "integration time step"})
        if self.seed is not None:
            attrs["seed"] = int(self.seed)
        return xr.Dataset(data, coords=coords, attrs=attrs)


# ---------------------------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------------------------

def _batch(params, m0, waveform, vectors=(), per_device=()):
    n = params.batch_size()
    cands = [n, waveform.n_rows]
    m = np.asarray(m0, dtype=float)
    if m.shape[-1:] != (3,) or m.ndim > 2:
        raise _bad("m0", f"shape {m.shape}: expected (3,) or (N, 3)")
    if m.ndim == 2:
        cands.append(m.shape[0])
    for e in vectors:
        if e is not None and np.ndim(e) == 2:
            cands.append(np.shape(e)[0])
    for e in per_device:
        if e is not None and np.ndim(e) == 1:
            cands.append(np.shape(e)[0])
    big = {c for c in cands if c != 1}
    if len(big) > 1:
        raise _bad("batch", f"inconsistent batch sizes {sorted(big)}")
    return big.pop() if big else 1


def pack_parameters(params: MacrospinParameters, n: int, dt: float = 0.0, *, switch_axis=None,
                    switch_threshold=None, start_time=None):
    """The (NPAR, N) coefficient matrix of :mod:`kernels`: alpha, then each term's rows
    (:meth:`.terms.FieldTerm.pack`; the torque terms together, :func:`.terms.pack_spin_torques`),
    fields scaled by rate = gamma mu0/(1+alpha^2); the thermal field's std, the switching axis and
    threshold, the start times."""
    p = params.broadcast(n)
    alpha = p["damping"]
    rate = p["gamma"] * MU0 / (1.0 + alpha**2)
    P = np.zeros((K.NPAR, n))
    P[K.R_ALPHA] = alpha
    terms = make_terms(p)
    for t in terms:
        if isinstance(t, FieldTerm):
            t.pack(P, rate)
    pack_spin_torques([t for t in terms if isinstance(t, SpinTorque)], P, alpha, rate)
    if dt > 0:
        P[K.R_SIG] = rate * thermal_field_std(params, dt, n)
    if switch_axis is not None:
        a = np.broadcast_to(np.asarray(switch_axis, dtype=float), (n, 3))
        nrm = np.linalg.norm(a, axis=1)
        if np.any(nrm == 0):
            raise _bad("switch_axis", "must be a nonzero vector")
        P[K.R_AX:K.R_AZ + 1] = (a / nrm[:, None]).T
        thr = 0.5 if switch_threshold is None else switch_threshold
        P[K.R_THR] = np.broadcast_to(np.asarray(thr, dtype=float), (n,))
    else:
        P[K.R_THR] = np.inf
    P[K.R_T0] = 0.0 if start_time is None else np.broadcast_to(np.asarray(start_time, float), (n,))
    return P


def _initial_state(m0, n):
    m = np.broadcast_to(np.asarray(m0, dtype=float), (n, 3))
    nrm = np.linalg.norm(m, axis=1)
    if np.any(~np.isfinite(nrm)) or np.any(nrm == 0):
        raise _bad("m0", "must be finite nonzero vectors")
    return np.ascontiguousarray((m / nrm[:, None]).T)


def _scheduled_parameters(schedule, params, P, t_mid, rows, n, dt, switch_axis, switch_threshold, start_time):
    """The coefficient matrix of one slice: the schedule's parameters at the slice midpoints
    ``t_mid`` (n,) for the devices inside its window, the run's own columns of ``P`` elsewhere."""
    inside = (t_mid >= schedule.start) & (t_mid < schedule.stop)
    if not np.any(inside):
        return P
    if schedule.state is not None and params.batch_size() == 1:
        # one device's parameters: interpolate the packed table in the state (see ParameterSchedule)
        lo, step, table = schedule.packed_table(params, dt)
        x = (np.asarray(schedule.state(t_mid, rows), dtype=float) - lo) / step
        k = np.clip(np.floor(x).astype(np.int64), 0, table.shape[1] - 2)
        w = np.clip(x - k, 0.0, 1.0)
        Q = table[:, k] * (1.0 - w) + table[:, k + 1] * w
        # the rows that do not depend on the state: the run's own (switch axis, threshold, start)
        for r in (K.R_AX, K.R_AY, K.R_AZ, K.R_THR, K.R_T0):
            Q[r] = P[r]
        Q = np.ascontiguousarray(Q)
    else:
        heated = schedule.parameters(params, t_mid, rows)
        Q = np.ascontiguousarray(pack_parameters(heated, n, dt, switch_axis=switch_axis,
                                                 switch_threshold=switch_threshold, start_time=start_time))
    if not np.all(inside):
        Q[:, ~inside] = P[:, ~inside]
    return Q


#: Memory (bytes) of the coefficient block of a heated run's slices handed to the kernel at once.
SLICE_BLOCK_BYTES = 16 * 2**20
_USE_BLOCKS = True  # False: one kernel launch per slice (the reference the blocks are tested against)


def _scheduled_block(schedule, params, P, t_mids, rows, n, dt, switch_axis, switch_threshold, start_time):
    """The coefficient matrices (S, NPAR, n) of S slices with midpoints ``t_mids`` (S, n): the
    same numbers as S calls of :func:`_scheduled_parameters`, computed at once on the packed-table
    path (one device's parameters and a scalar state)."""
    if not (schedule.state is not None and params.batch_size() == 1):
        return np.ascontiguousarray(np.stack([
            _scheduled_parameters(schedule, params, P, t, rows, n, dt, switch_axis, switch_threshold, start_time)
            for t in t_mids]))
    inside = (t_mids >= schedule.start) & (t_mids < schedule.stop)
    lo, step, table = schedule.packed_table(params, dt)
    x = (np.asarray(schedule.state(t_mids, rows), dtype=float) - lo) / step
    k = np.clip(np.floor(x).astype(np.int64), 0, table.shape[1] - 2)
    w = np.clip(x - k, 0.0, 1.0)
    Q = table[:, k] * (1.0 - w) + table[:, k + 1] * w          # (NPAR, S, n)
    Q = np.ascontiguousarray(Q.transpose(1, 0, 2))
    for r in (K.R_AX, K.R_AY, K.R_AZ, K.R_THR, K.R_T0):
        Q[:, r] = P[r]
    return np.ascontiguousarray(np.where(inside[:, None, :], Q, P[None]))


# ---------------------------------------------------------------------------------------------
# Stochastic Heun
# ---------------------------------------------------------------------------------------------

def simulate(params: MacrospinParameters, m0, waveform: Waveform | None, duration: float, dt: float,
             *, seed: int = 0, stream_ids=None, start_time=None, record_every: float | None = None,
             switch_axis=None, switch_threshold=None, stop_when_all_switched: bool = False,
             progress: bool | Callable | None = None, step_offset: int = 0,
             chunk_size: int = 64, schedule: ParameterSchedule | None = None) -> MacrospinResult:
    """Integrate N macrospins with the stochastic Heun scheme for ``duration`` (s) with step ``dt``.

    * Thermal noise for device i at step n comes from the counter-based generator keyed by
      ``(seed, stream_ids[i], step_offset + n)`` (:mod:`rng`): results are bit-identical for any
      thread count and any split of the batch. ``stream_ids`` default ``arange(N)``.
    * ``start_time`` (N,) or scalar: device i evaluates the waveform at ``start_time[i] + n dt``
      (restarting a trajectory at time t). Reported times are absolute.
    * ``record_every`` (s): store m (and j) every ``round(record_every/dt)`` steps, including the
      initial state: ``times`` (n_rec,) elapsed, ``trajectory`` (n_rec, N, 3).
    * Switching: with ``switch_axis`` (3,) or (N,3), the first time m.a exceeds
      ``switch_threshold`` (default 0.5: past the hard plane and well into the new well, robust to
      thermal excursions) is recorded, linearly interpolated within the step.
    * ``stop_when_all_switched``: the run is cut into slices and stops after the first slice at
      whose end every device has switched; switching times are unaffected but ``m_final`` /
      ``end_time`` then depend on the batch (they are the state at the stop).
    * ``progress``: a :data:`spinloss.progress.ProgressCallback` receiving the integration steps
      done (task "integration steps"), or None.
    * Ctrl-C: the KeyboardInterrupt propagates (between slices of the run); no partial state is
      returned as a result.
    * ``schedule``: a :class:`ParameterSchedule` (parameters that change during the run, e.g. a
      heated magnet): the run is also cut at the schedule's edges and, inside its window, each
      slice uses every device's parameters at the slice's midpoint (``params`` are the run's
      parameters outside the window). Without a schedule the run is exactly today's.
    """
    if waveform is None:
        waveform = Waveform.zero()
    if not (dt > 0 and np.isfinite(dt)):
        raise _bad("dt", "must be > 0")
    if not (duration >= 0 and np.isfinite(duration)):
        raise _bad("duration", "must be finite and >= 0")
    n = _batch(params, m0, waveform, (switch_axis,), (start_time, stream_ids))
    if stream_ids is None:
        stream_ids = np.arange(n, dtype=np.int64)
    stream_ids = np.broadcast_to(np.asarray(stream_ids, dtype=np.int64), (n,)).copy()
    if duration / dt > MAX_STEPS:
        raise PhysicsError(f"{duration:.3g} s in steps of {dt:.3g} s is {duration / dt:.3g} time steps, beyond "
                           f"the {MAX_STEPS:.0e} a run may take: shorten the pulse or the simulated time")
    n_steps = int(math.ceil(duration / dt * (1.0 - 1e-12)))
    P = pack_parameters(params, n, dt, switch_axis=switch_axis, switch_threshold=switch_threshold,
                        start_time=start_time)
    P = np.ascontiguousarray(P)
    m = _initial_state(m0, n)
    key1, key2 = stream_keys(seed, stream_ids)
    wt, wv = waveform._rows(n)
    t0 = P[K.R_T0].copy()
    seg = np.zeros(n, dtype=np.int64)
    jprev = np.empty(n)
    K.eval_waveform(wt, wv, t0, seg, jprev)
    uniform_time = bool(wt.shape[0] == 1 and np.all(t0 == t0[0]))
    stochastic = bool(np.any(P[K.R_SIG] > 0))
    sw_time = np.full(n, np.nan)
    if switch_axis is not None:
        d0 = np.einsum("in,in->n", m, P[K.R_AX:K.R_AZ + 1])
        sw_time[d0 > P[K.R_THR]] = t0[d0 > P[K.R_THR]]
    elif stop_when_all_switched:
        raise _bad("stop_when_all_switched", "needs switch_axis")
    rec_every = 0
    n_rec = 0
    if record_every is not None:
        rec_every = max(1, int(round(record_every / dt)))
        n_rec = n_steps // rec_every + 1
    traj = np.zeros((max(n_rec, 1), 3, n))
    jrec = np.zeros((max(n_rec, 1), n))
    traj[0] = m
    jrec[0] = jprev
    threads = numba.get_num_threads()
    chunk = int(max(1, min(chunk_size, -(-n // threads))))
    work = n * n_steps
    n_slices = 1
    if progress or stop_when_all_switched or work > 2e8:
        n_slices = int(min(max(n_steps // 1000, 1), 100 if (progress or stop_when_all_switched) else 20))
    bounds = np.linspace(0, n_steps, n_slices + 1).round().astype(np.int64)
    rows = None
    if schedule is not None:
        rows = schedule.rows_for(n)
        bounds = np.union1d(bounds, schedule.step_bounds(float(t0.min()), dt, n_steps))
    # one chunk: no thread pool (its end-of-region barrier costs a scheduler slice on a busy host)
    run = K.heun_run_serial if (threads == 1 or n <= chunk) else K.heun_run
    done = 0
    wall = _time.perf_counter()
    with Counter(progress, "integration steps", total=n_steps, unit="step") as counter:
        if schedule is not None and not stop_when_all_switched and _USE_BLOCKS:
            # a heated run: blocks of slices, each block's coefficients computed at once and run by
            # one kernel launch (the per-slice loop below gives the same numbers, more slowly)
            run_block = K.heun_run_sliced_serial if (threads == 1 or n <= chunk) else K.heun_run_sliced
            cuts = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
            per_block = max(1, int(SLICE_BLOCK_BYTES // (8 * K.NPAR * max(n, 1))))
            if progress:
                per_block = max(1, min(per_block, -(-len(cuts) // min(len(cuts), 20))))
            for g in range(0, len(cuts), per_block):
                block = cuts[g:g + per_block]
                t_mids = np.stack([t0 + 0.5 * (b0 + b1) * dt for b0, b1 in block])
                PS = _scheduled_block(schedule, params, P, t_mids, rows, n, dt, switch_axis, switch_threshold,
                                      start_time)
                edges = np.asarray([block[0][0]] + [b1 for _, b1 in block], dtype=np.int64)
                run_block(m, PS, edges, key1, key2, wt, wv, seg, jprev, sw_time, float(dt), int(step_offset),
                          stochastic, uniform_time, chunk, rec_every, traj, jrec)
                done = block[-1][1]
                counter.set(done)
            bounds = bounds[:1]  # the slices are done
        for s in range(bounds.size - 1):
            b0, b1 = int(bounds[s]), int(bounds[s + 1])
            if b1 <= b0:
                continue
            P_slice = P
            if schedule is not None:
                P_slice = _scheduled_parameters(schedule, params, P, t0 + 0.5 * (b0 + b1) * dt, rows, n, dt,
                                                switch_axis, switch_threshold, start_time)
            run(m, P_slice, key1, key2, wt, wv, seg, jprev, sw_time, float(dt), b0, b1,
                int(step_offset), stochastic, uniform_time, chunk, rec_every, traj, jrec)
            done = b1
            counter.set(done)
            if stop_when_all_switched and not np.any(np.isnan(sw_time)):
                break
    wall = _time.perf_counter() - wall
    switched = ~np.isnan(sw_time)
    res = MacrospinResult(
        m_final=np.ascontiguousarray(m.T), switched=switched, switching_time=sw_time,
        end_time=t0 + done * dt, start_time=t0, method="heun", dt=float(dt), seed=int(seed),
        stream_ids=stream_ids, n_steps=done,
        info={"wall_time": wall, "threads": threads, "chunk": chunk},
    )
    if rec_every:
        n_done = done // rec_every + 1
        res.times = np.arange(n_done) * (rec_every * dt)
        res.trajectory = np.ascontiguousarray(traj[:n_done].transpose(0, 2, 1))
        res.current = jrec[:n_done].copy()
    return res


# ---------------------------------------------------------------------------------------------
# Deterministic Dormand-Prince 5(4)
# ---------------------------------------------------------------------------------------------

def simulate_deterministic(params: MacrospinParameters, m0, waveform: Waveform | None,
                           duration: float, rtol: float = 1e-8, atol: float = 1e-10, *,
                           start_time=None, record_every: float | None = None, switch_axis=None,
                           switch_threshold=None, initial_step: float = 1e-13,
                           max_steps: int = 50_000_000,
                           schedule: ParameterSchedule | None = None) -> MacrospinResult:
    """T = 0 integration with adaptive Dormand-Prince 5(4) (own implementation, per device).

    The temperature of ``params`` is ignored. Waveform breakpoints and record times are step
    boundaries (the step never straddles a kink or jump of j(t)); |m| renormalized after every
    accepted step; error norm RMS over components of e/(atol + rtol |m_k|). Switching detection
    as in :func:`simulate`. ``n_steps`` in the result is (accepted, rejected) per device.

    ``schedule``: a :class:`ParameterSchedule`; the run is cut at its edges (each piece restarts
    the step-size control at ``initial_step``) and inside its window every piece uses each
    device's parameters at the piece's midpoint, as in :func:`simulate`. Records are not
    available with a schedule.
    """
    if waveform is None:
        waveform = Waveform.zero()
    if not (duration >= 0 and np.isfinite(duration)):
        raise _bad("duration", "must be finite and >= 0")
    n = _batch(params, m0, waveform, (switch_axis,), (start_time,))
    P = np.ascontiguousarray(pack_parameters(params, n, 0.0, switch_axis=switch_axis,
                                             switch_threshold=switch_threshold,
                                             start_time=start_time))
    m = _initial_state(m0, n)
    wt, wv = waveform._rows(n)
    t0 = P[K.R_T0].copy()
    sw_time = np.full(n, np.nan)
    if switch_axis is not None:
        d0 = np.einsum("in,in->n", m, P[K.R_AX:K.R_AZ + 1])
        sw_time[d0 > P[K.R_THR]] = t0[d0 > P[K.R_THR]]
    if schedule is not None:
        if record_every is not None:
            raise _bad("record_every", "records are not available with a parameter schedule")
        return _dopri_scheduled(schedule, params, P, m, wt, wv, t0, sw_time, n, duration, rtol, atol,
                                initial_step, max_steps, switch_axis, switch_threshold)
    rec_dt = 0.0
    n_rec = 0
    if record_every is not None:
        rec_dt = float(record_every)
        n_rec = int(math.floor(duration / rec_dt * (1 + 1e-12))) + 1
    traj = np.zeros((max(n_rec, 1), 3, n))
    jrec = np.zeros((max(n_rec, 1), n))
    traj[0] = m
    jrec[0] = waveform.evaluate(t0)
    stats = np.zeros((3, n))
    wall = _time.perf_counter()
    K.dopri_run(m, P, wt, wv, float(duration), float(rtol), float(atol), float(initial_step),
                rec_dt, n_rec, traj, jrec, sw_time, stats, int(max_steps))
    wall = _time.perf_counter() - wall
    res = MacrospinResult(
        m_final=np.ascontiguousarray(m.T), switched=~np.isnan(sw_time), switching_time=sw_time,
        end_time=t0 + stats[2], start_time=t0, method="dopri5", n_steps=stats[:2].T.astype(np.int64),
        info={"wall_time": wall, "rtol": rtol, "atol": atol},
    )
    if np.any(stats[2] < duration * (1 - 1e-12)):
        short = np.flatnonzero(stats[2] < duration * (1 - 1e-12))
        raise PhysicsError(f"the adaptive integrator did not reach the end time within {max_steps} steps "
                           f"for {short.size} device(s) (stiff dynamics): use the stochastic Heun engine "
                           "or a shorter duration")
    if n_rec:
        res.times = np.arange(n_rec) * rec_dt
        res.trajectory = np.ascontiguousarray(traj[:n_rec].transpose(0, 2, 1))
        res.current = jrec[:n_rec].copy()
    return res


def _dopri_scheduled(schedule, params, P, m, wt, wv, t0, sw_time, n, duration, rtol, atol, initial_step,
                     max_steps, switch_axis, switch_threshold) -> MacrospinResult:
    """:func:`simulate_deterministic` cut at the edges of ``schedule`` (see there)."""
    rel = np.clip(schedule.edges - float(t0.min()), 0.0, duration)
    cuts = np.unique(np.concatenate([[0.0, duration], rel]))
    rows = schedule.rows_for(n)
    steps = np.zeros((2, n), dtype=np.int64)
    reached = np.zeros(n)
    traj = np.zeros((1, 3, n))
    jrec = np.zeros((1, n))
    wall = _time.perf_counter()
    for a, b in zip(cuts[:-1], cuts[1:]):
        if b <= a:
            continue
        Q = np.ascontiguousarray(P.copy())
        Q[K.R_T0] = t0 + a
        mid = t0 + 0.5 * (a + b)
        inside = (mid >= schedule.start) & (mid < schedule.stop)
        if np.any(inside):
            heated = schedule.parameters(params, mid, rows)
            H = pack_parameters(heated, n, 0.0, switch_axis=switch_axis, switch_threshold=switch_threshold,
                                start_time=t0 + a)
            Q[:, inside] = H[:, inside]
        stats = np.zeros((3, n))
        K.dopri_run(m, Q, wt, wv, float(b - a), float(rtol), float(atol), float(initial_step), 0.0, 0,
                    traj, jrec, sw_time, stats, int(max_steps))
        steps += stats[:2].astype(np.int64)
        reached += stats[2]
        if np.any(stats[2] < (b - a) * (1 - 1e-12)):
            raise PhysicsError(f"the adaptive integrator did not reach the end time within {max_steps} steps "
                               "(stiff dynamics): use the stochastic Heun engine or a shorter duration")
    wall = _time.perf_counter() - wall
    return MacrospinResult(
        m_final=np.ascontiguousarray(m.T), switched=~np.isnan(sw_time), switching_time=sw_time,
        end_time=t0 + reached, start_time=t0, method="dopri5", n_steps=steps.T,
        info={"wall_time": wall, "rtol": rtol, "atol": atol, "pieces": int(cuts.size - 1)})
