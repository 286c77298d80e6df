"""The resumable sweep: a design's points evaluated into a Zarr store (``spinloss sweep``).

:func:`run_sweep` creates the store (or opens it to resume: only the sweep with the store's
fingerprint may), evaluates the points not yet complete on a backend (:mod:`.pool`: in this
process, a local process pool, a Dask cluster) and writes their records in batches
(:class:`.store.SweepStore`). A point that fails records its one-line error and the others go on.
Ctrl-C stops it: what finished is written, the store stays consistent and resumable, and
:class:`~spinloss.errors.Interrupted` is raised carrying the :class:`SweepSummary`.

Determinism: the backend, the number of workers, the order in which points finish and any
interruption do not change a value: every point is evaluated from its overrides alone (the
command's seed is the same at every point), so a resumed store equals an uninterrupted one bit
for bit (the bookkeeping variables ``sweep_*`` and the run records aside).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import Interrupted, SpinlossInputError
from ..io import JsonResult, current_command_line, provenance, provenance_attrs, to_jsonable
from ..progress import Counter, note
from .engine import DONE, FAILED, PENDING
from .pool import MAX_TRIES, DaskCluster, InProcess, InterruptGuard, LocalPool, TaskQueue, usable_cores
from .spec import SweepDesign, first_difference, fingerprint
from .store import ERROR, STATUS, StoreLock, SweepStore

#: Seconds between store writes while points finish (a killed run loses at most this much work).
FLUSH_INTERVAL = 1.0
#: Records buffered before a write regardless of time.
FLUSH_RECORDS = 4096
#: Failed points reported one by one on the progress channel (the rest only in the store).
FAILURE_NOTES = 5


@dataclass
class SweepSummary(JsonResult):
    """How a sweep (run) ended: the store's ``total`` points, ``done``, ``failed`` and still
    pending; ``computed`` in this run, ``skipped`` complete before it; ``seconds`` of this run
    (store set-up included), ``compute_seconds`` from the first task to the last write."""

    store: Path
    total: int
    done: int
    failed: int
    computed: int
    skipped: int
    seconds: float
    compute_seconds: float
    backend: str
    workers: int
    run: int
    interrupted: bool = False
    first_error: str | None = None
    failures: list = field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.total - self.done - self.failed

    @property
    def complete(self) -> bool:
        return self.pending == 0

    def as_dict(self) -> dict:
        return {"store": str(self.store), "total": self.total, "done": self.done, "failed": self.failed,
                "pending": self.pending, "computed": self.computed, "skipped": self.skipped,
                "seconds": self.seconds, "compute_seconds": self.compute_seconds, "backend": self.backend,
                "workers": self.workers, "run": self.run, "interrupted": self.interrupted,
                "first_error": self.first_error, "failures": self.failures,
                "units": {"seconds": "s", "compute_seconds": "s", "*": "1"}}  # the rest: point counts, flags

    def to_xarray(self):
        """The store's dataset (``xarray.open_zarr``)."""
        import xarray as xr

        return xr.open_zarr(self.store)

    def what(self) -> str:
        """In words: how many points finished."""
        return (f"{self.done + self.failed} of {self.total} points finished ({self.failed} failed, "
                f"{self.computed} in this run)")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def describe_point(point: dict) -> str:
    return ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in point.items())


def open_store(design: SweepDesign, store, *, identity: dict | None = None, resume: bool = False,
               inputs=(), seeds: dict | None = None, command_line=None, attrs: dict | None = None) -> SweepStore:
    """Create the store for ``design`` or, with ``resume``, open the existing one and check that
    it was made by this sweep (the same fingerprint: design, ``identity``, package version).
    SpinlossInputError (key ``output`` or ``resume``) before any computation otherwise."""
    path = Path(store)
    fp, canon = fingerprint(design, identity)
    if path.exists():
        if not resume:
            raise SpinlossInputError(str(path), "output", "the store exists: resume it, or write to another store")
        st = SweepStore.open(path)
        theirs = st.attrs.get("sweep_fingerprint")
        if theirs != fp:
            try:
                other = json.loads(st.attrs.get("sweep_description", "{}"))
            except ValueError:
                other = {}
            diff = first_difference(canon, other) or "the description"
            made_by = st.attrs.get("sweep_file") or "another sweep"
            raise SpinlossInputError(str(path), "resume", f"made by another sweep ({made_by}; {diff} differ): "
                                                          "it cannot be resumed by this one")
        if tuple(st.shape) != tuple(design.shape):
            raise SpinlossInputError(str(path), "resume", f"its shape {st.shape} is not the sweep's {design.shape}")
        return st
    prov = provenance(inputs, seeds=seeds, command_line=command_line)
    base = {**provenance_attrs(to_jsonable(prov)),
            "sweep_fingerprint": fp, "sweep_description": json.dumps(canon, default=str),
            "created": prov["time"], "points_total": int(design.size), "points_done": 0, "points_failed": 0,
            "complete": 0, "interrupted": 0, "runs": "[]"}
    for k, v in (attrs or {}).items():
        base[k] = v
    return SweepStore.create(path, design, base)


def run_sweep(design: SweepDesign, evaluate=None, evaluate_block=None, *, store, identity: dict | None = None,
              resume: bool = False, workers: int | None = None, scheduler=None, block_size: int | None = None,
              max_tries: int = MAX_TRIES, progress=None, inputs=(), seeds: dict | None = None,
              command_line=None, attrs: dict | None = None, flush_interval: float = FLUSH_INTERVAL) -> SweepSummary:
    """Evaluate every point of ``design`` into the Zarr store ``store`` (module docstring).

    ``evaluate(overrides) -> dict`` (or ``evaluate_block([overrides, ...]) -> [dict, ...]``, in
    blocks of ``block_size``) gives a point's JSON result; it must pickle for worker processes
    (a top-level function or a ``functools.partial`` of one). ``workers``: processes of the local
    pool (default the usable cores; 1 evaluates in this process); ``scheduler``: a Dask scheduler
    address or ``distributed.Client`` instead. ``identity`` says what is evaluated (command,
    input file hash, options: part of the fingerprint). ``inputs``, ``seeds``, ``command_line``
    and ``attrs`` go into the store's provenance attributes. ``progress``: a
    :data:`spinloss.progress.ProgressCallback` (points done, notes).

    Returns the :class:`SweepSummary`; raises :class:`~spinloss.errors.Interrupted` (with it)
    on Ctrl-C after writing what finished."""
    if evaluate is None and evaluate_block is None:
        raise ValueError("give evaluate or evaluate_block")
    t_start = time.perf_counter()
    dask = None
    if scheduler is not None:  # connect first: a cluster that cannot be reached leaves no store behind
        dask = DaskCluster(scheduler, evaluate, evaluate_block, max_tries=max_tries,
                           note=lambda message: note(progress, "sweep", message))
        dask.connect()
    try:
        st = open_store(design, store, identity=identity, resume=resume, inputs=inputs, seeds=seeds,
                        command_line=command_line, attrs=attrs)
        lock = StoreLock(st.path)
        lock.acquire()
        try:
            return _run(st, design, evaluate, evaluate_block, workers, dask, block_size, max_tries, progress,
                        command_line, flush_interval, t_start)
        finally:
            lock.release()
    finally:
        if dask is not None:
            dask.close()


def _backend(workers, dask, evaluate, evaluate_block, max_tries, notes, n_tasks):
    if dask is not None:
        return dask
    n = usable_cores() if workers is None else max(1, int(workers))
    n = min(n, max(1, n_tasks))
    if n == 1:
        return InProcess(evaluate, evaluate_block, max_tries=max_tries, note=notes)
    return LocalPool(n, evaluate, evaluate_block, max_tries=max_tries, note=notes)


def _tasks(pending: np.ndarray, design: SweepDesign, block: bool, block_size, workers_hint: int) -> TaskQueue:
    """One point per task, or blocks of ``block_size`` (default: a quarter of each worker's share,
    at most 256) for a block evaluator."""
    if not block:
        return TaskQueue(pending, design.point, 1)
    size = block_size or max(1, min(256, math.ceil(len(pending) / (4 * max(1, workers_hint)))))
    return TaskQueue(pending, design.point, size)


def _run(st: SweepStore, design, evaluate, evaluate_block, workers, dask, block_size, max_tries, progress,
         command_line, flush_interval, t_start) -> SweepSummary:
    status = st.status()
    pending = np.flatnonzero(status == PENDING)
    skipped = int(status.size - pending.size)
    runs = json.loads(st.attrs.get("runs", "[]"))
    run_index = len(runs)
    hint = (usable_cores() if workers is None else max(1, int(workers))) if dask is None else dask.workers
    tasks = _tasks(pending, design, evaluate_block is not None, block_size, hint)
    failures: list = []
    seen: set = set()

    def notes(message):
        note(progress, "sweep", message)

    backend = _backend(workers, dask, evaluate, evaluate_block, max_tries, notes, len(tasks)) if tasks else None
    record = {"run": run_index, "started": _now(),
              "command_line": " ".join(str(a) for a in (current_command_line() if command_line is None else command_line)),
              "backend": backend.name if backend else "none", "workers": backend.workers if backend else 0,
              "skipped": skipped}
    runs.append(record)
    if skipped:
        notes(f"resuming {st.path}: {skipped} of {status.size} points complete, {pending.size} to compute")
    buffer: list = []
    counts = {"computed": 0, "done": int(np.sum(status == DONE)), "failed": int(np.sum(status == FAILED))}
    last_flush = [time.monotonic()]
    t_compute = time.perf_counter()
    interrupted = False
    guard = InterruptGuard(raise_when_safe=getattr(backend, "raise_when_safe", False))

    def flush(raise_after=True):
        if buffer:
            with guard.critical(raise_after=raise_after):
                written = st.write(buffer, run_index)
                for r in written:
                    counts["done" if r[1] == DONE else "failed"] += 1
                    counts["computed"] += 1
                buffer.clear()
        last_flush[0] = time.monotonic()

    with guard:
        with Counter(progress, "points", total=int(pending.size), unit="point") as counter:
            def deliver(records):
                with guard.critical():
                    before = len(buffer)
                    for r in records:
                        if r[0] in seen:  # a point is written once, whatever a backend reports
                            continue
                        seen.add(r[0])
                        buffer.append(r)
                        if r[1] == FAILED:
                            failures.append((r[0], r[4]))
                            if len(failures) <= FAILURE_NOTES:
                                notes(f"point {r[0]} ({describe_point(design.point(r[0]))}) failed: {r[4]}")
                            elif len(failures) == FAILURE_NOTES + 1:
                                notes("further failures are recorded in the store only")
                    fresh = len(buffer) - before
                    if fresh:
                        counter.add(fresh)
                if buffer and (time.monotonic() - last_flush[0] >= flush_interval or len(buffer) >= FLUSH_RECORDS):
                    flush()

            try:
                with guard.critical():
                    st.update_attrs({"runs": json.dumps(runs), "interrupted": 0})
                t_compute = time.perf_counter()
                if backend is not None:
                    backend.run(tasks, deliver, guard)
                flush()
                guard.check()  # a Ctrl-C recorded while the last records were written
            except KeyboardInterrupt:
                interrupted = True
                guard.raise_when_safe = False  # from here on a further Ctrl-C only waits
                flush(raise_after=False)
            except Exception:
                # a failure of the engine itself (not of a point): keep what finished, then report it
                guard.raise_when_safe = False
                with contextlib.suppress(Exception):
                    flush(raise_after=False)
                raise
        with guard.critical(raise_after=False):
            status = st.status()
            done, failed = int(np.sum(status == DONE)), int(np.sum(status == FAILED))
            record.update({"finished": _now(), "computed": counts["computed"], "interrupted": interrupted})
            first_error = None
            if failed:
                err = np.asarray(st.group[ERROR][...]).reshape(-1)
                first_error = str(err[np.flatnonzero(status == FAILED)[0]])
            st.update_attrs({"runs": json.dumps(runs), "points_done": done, "points_failed": failed,
                             "complete": int(done + failed == status.size), "interrupted": int(interrupted),
                             "updated": record["finished"]})
    now = time.perf_counter()
    summary = SweepSummary(st.path, int(status.size), done, failed, counts["computed"], skipped, now - t_start,
                           now - t_compute, record["backend"], record["workers"], run_index, interrupted,
                           first_error, failures)
    if interrupted:
        raise Interrupted(summary, summary.what())
    return summary


def load_store(path):
    """The sweep store at ``path`` as an ``xarray.Dataset`` (``xarray.open_zarr``)."""
    import xarray as xr

    return xr.open_zarr(str(path))


__all__ = ["run_sweep", "open_store", "load_store", "SweepSummary", "STATUS", "ERROR"]
