"""The p-computer: p-bits sampling an Ising network, with annealing schedules and update orders.

Updates (docs/pbits.md section 2):

* ``parallel``: graph-coloured Gibbs. The spins are coloured so that no two coupled spins share a
  colour (:meth:`IsingModel.colouring`); each colour class is updated at once (its spins are
  conditionally independent given the rest), colour after colour. In hardware a sweep takes one
  p-bit update time per colour. The kernel updates a class spin by spin, which is the same
  thing exactly (no spin of the class reads another's new value; the random numbers are keyed
  by spin, not by position), see :mod:`spinloss.pbits.kernels`.
* ``sequential``: systematic-scan Gibbs in index order, one p-bit at a time (a sweep takes N
  update times).
* ``asynchronous``: free-running p-bits, each refreshing its output at the events of its own
  Poisson clock of rate 1/tau_c (tau_c the device's correlation time): the jump chain picks a
  spin uniformly at random for each event, N events per tau_c (a "sweep" is tau_c of device
  time).

Annealing (:class:`Schedule`): the inverse temperature beta per sweep, linear or geometric from
``beta_start`` to ``beta_stop``, or constant. beta multiplies the dimensionless input I_i: for
device p-bits it is the ratio of the synaptic gain to the sigmoid width, beta I_i = (x - x0)/x_s.

Device time and energy (:class:`DeviceTiming`): a p-bit update takes one correlation time of the
device; every p-bit of every replica draws power the whole run (a p-bit fluctuates whether or
not it is read), so the energy of a run of device time T is N R (T / tau_c) E_bit with E_bit the
energy per random bit (drive + read over one correlation time, :mod:`spinloss.pbits.calibration`).
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field

import numba
import numpy as np

from ..dynamics.rng import stream_keys
from ..errors import ConfigError, SpinlossInputError
from ..io import JsonResult
from ..progress import Counter
from . import kernels as K
from .ising import IsingModel

UPDATES = ("parallel", "sequential", "asynchronous")
SCHEDULES = ("linear", "geometric", "constant")
#: Largest number of sweeps one run may take (1e9 sweeps of even a 10-spin network are hours).
MAX_SWEEPS = 1_000_000_000
#: Largest number of replicas.
MAX_REPLICAS = 100_000


@dataclass(frozen=True)
class Schedule:
    """Inverse temperature per sweep: ``kind`` linear | geometric | constant from ``beta_start``
    to ``beta_stop`` (constant: ``beta_start`` throughout). beta is dimensionless (it scales the
    p-bit input I_i, itself in units of the network's couplings)."""

    kind: str
    beta_start: float
    beta_stop: float

    def __post_init__(self):
        if self.kind not in SCHEDULES:
            raise SpinlossInputError("<api>", "schedule", f"unknown kind {self.kind!r} ({' | '.join(SCHEDULES)})")
        for name in ("beta_start", "beta_stop"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise SpinlossInputError("<api>", f"schedule.{name}", "must be finite and >= 0")
        if self.kind == "geometric" and (self.beta_start <= 0 or self.beta_stop <= 0):
            raise SpinlossInputError("<api>", "schedule", "a geometric schedule needs beta_start, beta_stop > 0")

    @classmethod
    def constant(cls, beta: float) -> "Schedule":
        return cls("constant", float(beta), float(beta))

    @classmethod
    def parse(cls, text: str, *, source: str = "<command line>", key: str = "--schedule") -> "Schedule":
        """``linear:B0:B1``, ``geometric:B0:B1`` or ``constant:B`` (or a bare number: constant)."""
        parts = [p.strip() for p in str(text).split(":")]
        try:
            if len(parts) == 1:
                return cls.constant(float(parts[0]))
            kind = parts[0].lower()
            if kind == "constant" and len(parts) == 2:
                return cls.constant(float(parts[1]))
            if kind in ("linear", "geometric") and len(parts) == 3:
                return cls(kind, float(parts[1]), float(parts[2]))
        except ValueError:
            pass
        except SpinlossInputError as exc:
            raise ConfigError(source, key, exc.rule) from None
        raise ConfigError(source, key, f"expected linear:B0:B1, geometric:B0:B1 or constant:B, got {text!r}")

    def betas(self, sweeps: int) -> np.ndarray:
        """beta of each sweep (sweeps,): the end points included (one sweep: beta_stop)."""
        if self.kind == "constant":
            return np.full(sweeps, self.beta_start)
        if sweeps == 1:
            return np.array([self.beta_stop])
        if self.kind == "linear":
            return np.linspace(self.beta_start, self.beta_stop, sweeps)
        return np.geomspace(self.beta_start, self.beta_stop, sweeps)

    def text(self) -> str:
        if self.kind == "constant":
            return f"constant:{self.beta_start:g}"
        return f"{self.kind}:{self.beta_start:g}:{self.beta_stop:g}"


@dataclass(frozen=True)
class DeviceTiming:
    """The device numbers a p-computer needs: ``correlation_time`` tau_c (s) of one p-bit (the
    time per update) and ``energy_per_flip`` (J, the energy per random bit over tau_c); ``source``
    says where they came from."""

    correlation_time: float
    energy_per_flip: float | None
    source: str = "<api>"

    def sweep_time(self, update: str, n_colours: int, n_free: int) -> float:
        """Device time of one sweep (s): parallel n_colours tau_c, sequential N tau_c,
        asynchronous tau_c (module docstring)."""
        per = {"parallel": n_colours, "sequential": n_free, "asynchronous": 1}[update]
        return per * self.correlation_time

    def run_energy(self, device_time: float, n_pbits: int) -> float | None:
        """Energy (J) of ``n_pbits`` p-bits running for ``device_time`` (s)."""
        if self.energy_per_flip is None:
            return None
        return n_pbits * device_time / self.correlation_time * self.energy_per_flip


@dataclass
class SamplerRun(JsonResult):
    """What a run of the sampler returns: per replica the lowest energy seen at a sweep end
    (``best_energy``, exact, from ``best_state``) and the sweep it was first reached
    (``best_sweep``, 0-based), the final states and energies, ``energy_trace`` (R, sweeps) after
    every sweep, ``record`` (R, sweeps, K) the recorded spins, ``updates`` (p-bit updates done,
    all replicas), ``accepted`` (state changes), ``wall_time`` (s)."""

    update: str
    schedule: Schedule
    sweeps: int
    replicas: int
    seed: int
    n_colours: int
    n_free: int
    best_energy: np.ndarray
    best_sweep: np.ndarray
    best_state: np.ndarray
    final_state: np.ndarray
    final_energy: np.ndarray
    energy_trace: np.ndarray
    updates: int
    accepted: int
    wall_time: float
    threads: int
    record: np.ndarray | None = None
    interrupted: bool = False
    info: dict = field(default_factory=dict)

    @property
    def updates_per_second(self) -> float:
        return self.updates / self.wall_time if self.wall_time > 0 else math.inf

    def as_dict(self) -> dict:
        return {"update": self.update, "schedule": self.schedule.text(), "sweeps": self.sweeps,
                "replicas": self.replicas, "seed": self.seed, "colours": self.n_colours,
                "best_energy": self.best_energy, "best_sweep": self.best_sweep, "updates": self.updates,
                "accepted_flips": self.accepted, "wall_time": self.wall_time,
                "flips_per_second": self.updates_per_second, "threads": self.threads,
                "interrupted": self.interrupted,
                "units": {"accepted_flips": "1", "best_sweep": "1", "colours": "1", "interrupted": "1", "replicas": "1", "seed": "1", "sweeps": "1", "threads": "1", "updates": "1", "wall_time": "s", "flips_per_second": "1/s", "best_energy": "1"}}


#: Largest input bound for which integer networks use the tabulated p-bit factor (kernels).
MAX_TABLE_SHIFT = 1 << 16


def integer_table_shift(model: IsingModel) -> int:
    """The bound B of every p-bit input |I_i| <= sum_j |J_ij| + |h_i| when all couplings and
    biases are integers (then the kernel tabulates its factor per sweep), else -1."""
    if not (np.all(model.data == np.round(model.data)) and np.all(model.h == np.round(model.h))):
        return -1
    rows = np.repeat(np.arange(model.n_spins), np.diff(model.indptr))
    bound = np.bincount(rows, weights=np.abs(model.data), minlength=model.n_spins) + np.abs(model.h)
    b = int(np.max(bound)) if bound.size else 0
    return b if b <= MAX_TABLE_SHIFT else -1


def _free_order(model: IsingModel, update: str, clamp: dict | None):
    n = model.n_spins
    free = np.ones(n, dtype=bool)
    m0 = None
    if clamp:
        m0 = np.zeros(n, dtype=np.int8)
        for i, v in clamp.items():
            if not 0 <= int(i) < n:
                raise SpinlossInputError("<api>", "clamp", f"spin {i} outside 0..{n - 1}")
            if v not in (-1, 1):
                raise SpinlossInputError("<api>", "clamp", f"spin {i}: a clamped value is -1 or +1, got {v!r}")
            free[int(i)] = False
            m0[int(i)] = v
    colours = model.colouring()
    n_col = int(colours.max()) + 1 if n else 0
    idx = np.flatnonzero(free)
    if update == "parallel":
        idx = idx[np.argsort(colours[idx], kind="stable")]
        n_col = int(np.unique(colours[free]).size) if idx.size else 0
    return np.ascontiguousarray(idx, dtype=np.int64), m0, n_col


def sample(model: IsingModel, schedule: Schedule, sweeps: int, *, update: str = "parallel", replicas: int = 1,
           seed: int = 0, clamp: dict | None = None, initial=None, record=None, progress=None,
           chunk_sweeps: int | None = None, sweep_offset: int = 0) -> SamplerRun:
    """Run ``replicas`` independent p-computers on ``model`` for ``sweeps`` sweeps.

    ``schedule`` gives beta per sweep; ``update`` parallel | sequential | asynchronous (module
    docstring); ``clamp`` {spin index: +-1} holds spins fixed (invertible logic: inputs or
    outputs); ``initial`` (N,) or (R, N) of +-1 (default: uniformly random, from the seed);
    ``record`` spin indices whose values are stored after every sweep. Random numbers are keyed by
    (seed, replica, sweep, spin): the result does not depend on the number of threads.
    ``sweep_offset`` numbers the sweeps from there (a run continued from ``initial`` = the last
    run's final state with ``sweep_offset`` = its sweeps is the same as one long run, except for
    the schedule, which restarts).

    ``progress`` receives the sweeps done (task "sweeps"). Ctrl-C: the KeyboardInterrupt
    propagates between chunks of sweeps (nothing partial is returned)."""
    if update not in UPDATES:
        raise SpinlossInputError("<api>", "update", f"unknown update {update!r} ({' | '.join(UPDATES)})")
    sweeps = int(sweeps)
    replicas = int(replicas)
    if not 1 <= sweeps <= MAX_SWEEPS:
        raise SpinlossInputError("<api>", "sweeps", f"must be 1..{MAX_SWEEPS}")
    if not 0 <= sweep_offset <= MAX_SWEEPS:
        raise SpinlossInputError("<api>", "sweep_offset", f"must be 0..{MAX_SWEEPS}")
    if not 1 <= replicas <= MAX_REPLICAS:
        raise SpinlossInputError("<api>", "replicas", f"must be 1..{MAX_REPLICAS}")
    n = model.n_spins
    order, m_clamp, n_col = _free_order(model, update, clamp)
    keys1, keys2 = stream_keys(seed, np.arange(replicas, dtype=np.int64))
    if initial is None:
        u = np.empty((replicas, n))
        # the initial state uses counters past any sweep's (2^62 + k)
        K.fill_uniforms_rows(keys1, keys2, np.uint64(1 << 62), u)
        m = np.where(u < 0.5, 1, -1).astype(np.int8)
    else:
        m = np.broadcast_to(np.asarray(initial), (replicas, n)).astype(np.int8).copy()
        if not np.all(np.abs(m) == 1):
            raise SpinlossInputError("<api>", "initial", "spins are -1 or +1")
    if m_clamp is not None:
        fixed = np.ones(n, dtype=bool)
        fixed[order] = False
        m[:, fixed] = m_clamp[fixed]
    m = np.ascontiguousarray(m)
    fld = np.empty((replicas, n))
    K.local_fields(model.indptr, model.indices, model.data, model.h, m, fld)
    energy = np.empty(replicas)
    K.energies(model.h, m, fld, model.offset, energy)
    best_energy = energy.copy()
    best_state = m.copy()
    best_sweep = np.full(replicas, -1, dtype=np.int64)
    flips = np.zeros(replicas, dtype=np.int64)
    rec_idx = np.ascontiguousarray(np.asarray([] if record is None else record, dtype=np.int64))
    rec = np.zeros((replicas, sweeps, rec_idx.size), dtype=np.int8)
    trace = np.empty((replicas, sweeps))
    betas = schedule.betas(sweeps)
    work_per_sweep = max(1, order.size * replicas)
    if chunk_sweeps is None:
        # chunks of ~2e7 updates (~0.1-1 s) for progress and Ctrl-C, at most 200 chunks
        chunk_sweeps = int(min(sweeps, max(1, 2e7 // work_per_sweep, -(-sweeps // 200))))
    shift = integer_table_shift(model)
    threads = numba.get_num_threads()
    wall = 0.0
    done = 0
    with Counter(progress, "sweeps", total=sweeps, unit="sweep") as counter:
        while done < sweeps:
            stop = min(sweeps, done + chunk_sweeps)
            t0 = _time.perf_counter()
            K.run_sweeps(model.indptr, model.indices, model.data, order, betas[done:stop], sweep_offset + done,
                         update == "asynchronous", m, fld, energy, flips, best_energy, best_state, best_sweep,
                         keys1, keys2, rec_idx, rec[:, done:stop], trace[:, done:stop], shift)
            wall += _time.perf_counter() - t0
            done = stop
            counter.set(done)
    # exact energies (the running sums may carry round-off for non-integer couplings)
    exact_best = np.asarray(model.energy(best_state), dtype=float).reshape(replicas)
    exact_final = np.asarray(model.energy(m), dtype=float).reshape(replicas)
    return SamplerRun(update=update, schedule=schedule, sweeps=sweeps, replicas=replicas, seed=int(seed),
                      n_colours=n_col, n_free=int(order.size), best_energy=exact_best, best_sweep=best_sweep,
                      best_state=best_state, final_state=m, final_energy=exact_final, energy_trace=trace,
                      updates=int(sweeps * order.size * replicas), accepted=int(flips.sum()), wall_time=wall,
                      threads=threads, record=rec if rec_idx.size else None)
