"""Max-Cut on a p-computer (docs/pbits.md section 3).

A graph with edge weights w is the Ising network J = -w / w_0, h = 0 (:func:`maxcut_model`),
with w_0 the mean |w| over the edges, so that the annealing schedule's beta is in units of the
typical coupling for any weight scale. The p-computer anneals R replicas; the answer is the
largest cut any replica held at the end of a sweep.

Device time and energy to solution (:class:`~spinloss.pbits.sampler.DeviceTiming`): the reported
cut was first reached at the end of sweep s* (the earliest over the replicas that reached it);
the time to solution is (s* + 1) sweeps of device time, the energy to solution that of all the
run's p-bits (N per replica, R replicas) over that time.

Best-known cuts: the graphs shipped in ``spinloss/data/gset/`` (G1, G22, G43) are recognised by
the content of their edge list (:func:`graph_fingerprint`), never by file name, and the result
then reports the fraction of the best-known cut.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io import JsonResult
from ..errors import ConfigError
from .ising import IsingModel, is_ising_text, maxcut_model, read_graph, read_ising
from .sampler import DeviceTiming, Schedule, sample

#: The folder of the shipped G-set graphs (with their licence and README).
GSET_DIR = Path(__file__).resolve().parents[1] / "data" / "gset"

#: Defaults of ``spinloss pbit maxcut`` (docs/pbits.md section 3: measured on G1, G22, G43 with
#: 1000 sweeps and 4 replicas, every one >= 99.6 % of the best-known cut, mean over replicas
#: >= 99.6 %; a linear schedule 0.1 -> 2 does as well, 0.05 -> 1.5 ends too hot for G1).
DEFAULT_SWEEPS = 1000
DEFAULT_SCHEDULE = Schedule("geometric", 0.05, 3.0)
DEFAULT_REPLICAS = 4
DEFAULT_UPDATE = "parallel"


def graph_fingerprint(n: int, edges, weights) -> str:
    """SHA-256 of the canonical graph: N, then the edges (i < j, 0-based, sorted) with weights."""
    e = np.sort(np.asarray(edges, dtype=np.int64), axis=1)
    w = np.asarray(weights, dtype=float)
    order = np.lexsort((e[:, 1], e[:, 0]))
    h = hashlib.sha256()
    h.update(str(int(n)).encode())
    h.update(np.ascontiguousarray(e[order]).tobytes())
    h.update(np.ascontiguousarray(w[order]).tobytes())
    return h.hexdigest()


def known_graphs() -> dict:
    """The shipped graphs' best-known cuts: fingerprint -> {name, best_known_cut, source}."""
    text = (GSET_DIR / "best_known.json").read_text()
    return json.loads(text)["graphs"]


@dataclass
class MaxCutResult(JsonResult):
    """The result of :func:`maxcut` (JSON keys are the command's contract)."""

    graph: str
    vertices: int
    edges: int
    cut: float
    best_known_cut: float | None
    best_known_source: str | None
    known_graph: str | None
    run: object
    time_to_solution: float | None
    energy_to_solution: float | None
    timing: DeviceTiming | None
    convergence: dict
    cuts: np.ndarray
    state: np.ndarray
    notes: list = field(default_factory=list)

    def as_dict(self) -> dict:
        r = self.run
        frac = self.cut / self.best_known_cut if self.best_known_cut else None
        return {"graph": self.graph, "known_graph": self.known_graph, "vertices": self.vertices,
                "edges": self.edges, "cut": self.cut, "best_known_cut": self.best_known_cut,
                "best_known_source": self.best_known_source, "cut_fraction": frac,
                "replica_cuts": self.cuts, "flips": r.updates, "accepted_flips": r.accepted,
                "flips_per_second": r.updates_per_second, "wall_time": r.wall_time, "threads": r.threads,
                "sweeps": r.sweeps, "schedule": r.schedule.text(), "update": r.update, "replicas": r.replicas,
                "colours": r.n_colours, "seed": r.seed,
                "solution_sweep": int(self.convergence["solution_sweep"]),
                "time_to_solution": self.time_to_solution, "energy_to_solution": self.energy_to_solution,
                "device": None if self.timing is None else {
                    "source": self.timing.source, "correlation_time": self.timing.correlation_time,
                    "energy_per_flip": self.timing.energy_per_flip,
                    "sweep_time": self.timing.sweep_time(r.update, r.n_colours, r.n_free)},
                "convergence": {"sweep": self.convergence["sweep"], "best_cut": self.convergence["best_cut"]},
                "notes": self.notes,
                "units": {"accepted_flips": "1", "colours": "1", "best_cut": "1", "sweep": "1", "edges": "1", "flips": "1", "replica_cuts": "1", "replicas": "1", "seed": "1", "solution_sweep": "1", "sweeps": "1", "threads": "1", "vertices": "1", "time_to_solution": "s", "energy_to_solution": "J", "correlation_time": "s",
                          "energy_per_flip": "J", "sweep_time": "s", "wall_time": "s", "flips_per_second": "1/s",
                          "cut": "1", "best_known_cut": "1", "cut_fraction": "1"}}


def maxcut(path_or_graph, *, sweeps: int = DEFAULT_SWEEPS, schedule: Schedule = DEFAULT_SCHEDULE,
           update: str = DEFAULT_UPDATE, replicas: int = DEFAULT_REPLICAS, seed: int = 0,
           timing: DeviceTiming | None = None, best_known: float | None = None, progress=None) -> MaxCutResult:
    """Anneal the Max-Cut network of a graph (a G-set or edge-list file, or ``(n, edges, weights)``
    with 0-based edges) and return the best cut (module docstring). ``timing`` gives the device
    numbers for the time and energy to solution (None: they are null and the notes say why);
    ``best_known`` overrides the shipped table."""
    if isinstance(path_or_graph, tuple):
        n, edges, w = path_or_graph
        name = "<api>"
    elif is_ising_text(path_or_graph):
        n, edges, w = graph_of_ising(read_ising(path_or_graph))
        name = str(path_or_graph)
    else:
        n, edges, w = read_graph(path_or_graph)
        name = str(path_or_graph)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    w = np.asarray(w, dtype=float)
    notes = []
    w0 = float(np.mean(np.abs(w))) if w.size else 1.0
    model = maxcut_model(n, edges, w / w0, source=name)
    known = known_graphs().get(graph_fingerprint(n, edges, w))
    source = None
    if best_known is None and known is not None:
        best_known, source = float(known["best_known_cut"]), known["source"]
    elif best_known is not None:
        source = "given"
    run = sample(model, schedule, sweeps, update=update, replicas=replicas, seed=seed, progress=progress)
    cuts = _cuts(model, w, edges, run.best_state)
    best = float(cuts.max())
    # the sweep at which the reported cut was first held (any replica holding it)
    holders = np.flatnonzero(cuts == best)
    s_star = int(run.best_sweep[holders].min())
    # convergence: the best cut over replicas after each sweep, from the exact energy trace
    W = float(np.sum(w))
    trace = (W - run.energy_trace.min(axis=0) * w0) / 2.0     # cut = (W - E w0)/2
    running = np.maximum.accumulate(trace)
    k = np.unique(np.round(np.geomspace(1, sweeps, min(sweeps, 60))).astype(int) - 1)
    tts = ets = None
    if timing is not None:
        sweep_time = timing.sweep_time(update, run.n_colours, run.n_free)
        tts = (max(s_star, 0) + 1) * sweep_time
        ets = timing.run_energy(tts, n * replicas)
        if ets is None:
            notes.append("energy_to_solution: the device gives no energy per flip")
    else:
        notes.append("time_to_solution and energy_to_solution need device numbers: give --device DEVICE.toml")
    if s_star < 0:
        notes.append("no sweep improved on the initial states")
    return MaxCutResult(graph=name, vertices=int(n), edges=int(edges.shape[0]), cut=best, best_known_cut=best_known,
                        best_known_source=source, known_graph=None if known is None else known["name"], run=run,
                        time_to_solution=tts, energy_to_solution=ets, timing=timing,
                        convergence={"sweep": k + 1, "best_cut": running[k], "solution_sweep": s_star + 1},
                        cuts=cuts, state=run.best_state[int(np.argmax(cuts))], notes=notes)


def graph_of_ising(model: IsingModel):
    """(n, edges, weights) of an Ising network read as a Max-Cut problem: w = -J; biases are not
    part of a graph (a ConfigError naming the file)."""
    if np.any(model.h != 0):
        raise ConfigError(model.source, "h", "a Max-Cut graph has no biases: give a network with h = 0 "
                                             "(or a G-set file)")
    n = model.n_spins
    rows = np.repeat(np.arange(n), np.diff(model.indptr))
    upper = rows < model.indices
    edges = np.column_stack([rows[upper], model.indices[upper]])
    return n, edges, -model.data[upper]


def _cuts(model: IsingModel, w, edges, states) -> np.ndarray:
    """Cuts of states (R, N) with the original weights w."""
    m = np.asarray(states, dtype=float)
    return np.sum(w * (1.0 - m[:, edges[:, 0]] * m[:, edges[:, 1]]) / 2.0, axis=-1)

