"""Independent long jobs (one design search each, one size of a scaling study) on the cores of
this machine, their progress forwarded to the caller.

A sweep point is small and its result a few numbers (:mod:`.pool`); a design search runs for
minutes and returns a whole result object. :func:`run_jobs` runs ``function(*args,
progress=...)`` for each job: in this process when one worker suffices (or is asked for), else on
worker processes (``spawn``; 1 numba/BLAS thread each; SIGINT ignored, Ctrl-C is this process's
business, as in :class:`.pool.LocalPool`). Jobs are handed out in the order given (put the
longest first), at most one per worker at a time. Each worker's progress events come back over
its pipe while it runs, labelled with the job's label, and reach ``progress`` in this process.

The result of a job does not depend on where it ran: jobs share nothing, and every seed is in
the job's arguments.

Ctrl-C: the workers are stopped, the jobs not finished are dropped, and KeyboardInterrupt is
raised after the finished ones were handed to ``on_result`` (the caller reports them as a
partial result). A worker that dies (killed, a crash in compiled code) fails its job with a
:class:`WorkerDied` result; other exceptions of a job are raised here again, once the running
jobs of the other workers were stopped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import pickle
from collections import deque

from ..progress import ProgressEvent
from .pool import POLL, Worker, child_start_conditions, describe_exit, stop_workers, usable_cores, worker_messages


class WorkerDied(RuntimeError):
    """The worker process running a job died before it returned (``how``: exit code or signal)."""


class WorkerStartFailed(RuntimeError):
    """A worker process died before it reached its job loop: it failed while starting (in
    practice, while importing the caller's main module again under ``spawn``)."""


START_FAILURE = ("a worker process died while starting ({how}), before it could run a job: workers "
                 "start with 'spawn', which imports the main module again, so a script that runs "
                 "this on several workers needs its work inside 'if __name__ == \"__main__\":' "
                 "(or ask for workers=1)")


class _PipeProgress:
    """A worker's progress callback: events go to the coordinator over the worker's pipe."""

    def __init__(self, conn, label: str):
        self.conn = conn
        self.label = label

    def __call__(self, event: ProgressEvent) -> None:
        self.conn.send(("event", self.label, event))


def labelled(event: ProgressEvent, label: str) -> ProgressEvent:
    """The event with ``label`` in front of its task and message (two jobs' counters stay apart)."""
    if not label:
        return event
    msg = None if event.message is None else f"{label}: {event.message}"
    return dataclasses.replace(event, task=f"{label}: {event.task}", message=msg)


def _job_worker(conn, function) -> None:
    """A worker process: say it is ready, then run the jobs that arrive on ``conn`` until None
    or EOF."""
    conn.send(("ready",))
    for index, label, args in worker_messages(conn):
        try:
            result = function(*args, progress=_PipeProgress(conn, label))
        except Exception as exc:  # noqa: BLE001 - handed to the coordinator, raised there
            try:
                conn.send(("error", index, exc))
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                conn.send(("error", index, RuntimeError(f"{type(exc).__name__}: {exc}")))
            continue
        conn.send(("done", index, result))


def _start(ctx, function) -> Worker:
    parent, child = ctx.Pipe(duplex=True)
    proc = ctx.Process(target=_job_worker, args=(child, function), daemon=True, name="spinloss-job-worker")
    with child_start_conditions():
        proc.start()
    child.close()
    return Worker(proc, parent)


def run_jobs(function, jobs, *, workers: int | None = None, progress=None, labels=None, on_result=None) -> list:
    """Run ``function(*args, progress=callback)`` for each ``args`` in ``jobs``; returns the
    results in the order of ``jobs``. ``workers``: processes (default: the usable cores, at most
    one per job; 1 runs in this process). ``labels``: one string per job, put in front of its
    progress events from a worker. ``on_result(index, result)`` is called in this process as each
    job finishes (a :class:`WorkerDied` instance for a job whose worker died).

    ``function`` must be a top-level function (sent to the workers by pickling). Workers are
    started with ``spawn``, which imports the caller's main module again: a script that calls this
    (or ``compare``, ``scaling``) with more than one worker needs ``if __name__ == "__main__":``
    around its work: without it the workers die while starting and :class:`WorkerStartFailed` is
    raised with that advice (no job is reported as run)."""
    jobs = [tuple(a) for a in jobs]
    labels = list(labels) if labels is not None else [""] * len(jobs)
    n = usable_cores() if workers is None else max(1, int(workers))
    n = min(n, len(jobs))
    results: list = [None] * len(jobs)

    def finish(i, r):
        results[i] = r
        if on_result is not None:
            on_result(i, r)

    if n <= 1:
        for i, args in enumerate(jobs):
            finish(i, function(*args, progress=progress))
        return results
    try:
        pickle.dumps(function)
    except Exception as exc:  # noqa: BLE001
        raise TypeError(f"run_jobs needs a top-level function ({exc})") from None
    import multiprocessing as mp
    from multiprocessing.connection import wait

    ctx = mp.get_context("spawn")
    todo = deque(range(len(jobs)))
    pool: list = []   # Workers; ``inflight`` holds the index of the job a worker runs (at most one)
    hard = True
    try:
        for _ in range(n):
            pool.append(_start(ctx, function))
        while True:
            for w in pool:
                if not w.inflight and todo:
                    i = todo.popleft()
                    w.conn.send((i, labels[i], jobs[i]))
                    w.inflight.append(i)
            if not any(w.inflight for w in pool):
                hard = False
                return results
            ready = wait([w.conn for w in pool] + [w.process.sentinel for w in pool], timeout=POLL)
            for k, w in enumerate(pool):
                if not w.inflight:
                    continue
                dead = w.process.sentinel in ready
                if w.conn in ready or dead:
                    try:
                        while w.conn.poll():
                            kind, *rest = w.conn.recv()
                            if kind == "ready":
                                w.ready = True
                                continue
                            if kind == "event":
                                if progress is not None:
                                    progress(labelled(rest[1], rest[0]))
                                continue
                            i, value = rest
                            w.inflight.clear()
                            if kind == "error":
                                raise value
                            finish(i, value)
                    except (EOFError, OSError):
                        dead = True
                if dead and w.inflight:
                    w.process.join(5)
                    if not w.ready:
                        raise WorkerStartFailed(START_FAILURE.format(how=describe_exit(w.process.exitcode)))
                    with contextlib.suppress(OSError):
                        w.conn.close()
                    finish(w.inflight.popleft(),
                           WorkerDied(f"the worker process running it died ({describe_exit(w.process.exitcode)})"))
                    pool[k] = _start(ctx, function)
    finally:
        stop_workers(pool, hard=hard)
