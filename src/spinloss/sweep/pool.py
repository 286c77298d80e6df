"""Where a sweep's points are evaluated: in this process, on a local process pool, or on a Dask
cluster. All three run :func:`run_task` on tasks (a few points each) and hand the records of
finished points to the caller's ``deliver``; none of them writes the store.

- :class:`InProcess`: one point (or block) after the other in this process.
- :class:`LocalPool`: worker processes (``spawn``), each with 1 numba/BLAS thread and SIGINT
  ignored (Ctrl-C is the coordinator's business). A worker holds at most two tasks; when it dies
  (killed, ``os._exit``, a crash in compiled code), the point it was working on is charged one try
  and given to a new worker, the rest of its tasks go back to the queue; after
  :data:`MAX_TRIES` tries the point is recorded as failed.
- :class:`DaskCluster`: tasks submitted to a ``dask.distributed`` scheduler (the optional extra
  ``cluster``); the scheduler retries a task whose worker died
  (``distributed.scheduler.allowed-failures``, 3 by default) and then reports it, and the point
  is recorded as failed.

A *record* is ``(index, status, fields, units, error, seconds, attempts)``: the point's flat
index, DONE or FAILED, its numeric result fields (:func:`spinloss.sweep.engine.result_fields`),
their units, its one-line error, its evaluation time (s) and the tries it took.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections import deque
from dataclasses import dataclass, field

from ..errors import SpinlossInputError
from .engine import DONE, FAILED, evaluate_points, internal_error_text, result_fields

#: Tries of a point whose worker process dies before it is recorded as failed.
MAX_TRIES = 3
#: Tasks a local worker holds at once (one running, one waiting: no idle gap between points).
PREFETCH = 2
#: Seconds between checks for Ctrl-C and for buffered results while waiting on workers.
POLL = 0.2


@dataclass
class Task:
    """Points handed to a worker together: their flat ``indices`` and overrides."""

    indices: list
    points: list


class TaskQueue:
    """The tasks of a sweep, made when taken: ``popleft`` gives the next task (a task put back
    with ``appendleft`` first, then the next ``size`` pending indices with their points from
    ``point_of``), so a sweep of millions of points holds only its index array."""

    def __init__(self, indices, point_of, size: int = 1):
        self.indices = list(indices) if not hasattr(indices, "tolist") else indices.tolist()
        self.point_of = point_of
        self.size = max(1, int(size))
        self.next = 0
        self.returned: deque = deque()

    def __len__(self) -> int:
        return len(self.returned) + -(-(len(self.indices) - self.next) // self.size)

    def __bool__(self) -> bool:
        return bool(self.returned) or self.next < len(self.indices)

    def popleft(self) -> Task:
        if self.returned:
            return self.returned.popleft()
        if self.next >= len(self.indices):
            raise IndexError("no task left")
        chunk = self.indices[self.next:self.next + self.size]
        self.next += len(chunk)
        return Task(chunk, [self.point_of(i) for i in chunk])

    def appendleft(self, task: Task) -> None:
        self.returned.appendleft(task)


def run_task(evaluate, evaluate_block, indices, points) -> list:
    """Evaluate one task's points (in a worker): records without the tries (module docstring).
    Bad input and model-domain failures, and unexpected exceptions, fail their point only."""
    out = []
    for o in evaluate_points(list(points), evaluate, evaluate_block, indices=list(indices), errors="record",
                             internal="record"):
        if o.status == DONE:
            try:
                fields, units = result_fields(o.result)
            except Exception as exc:  # noqa: BLE001 - a result that is not a JSON table fails its point
                out.append((o.index, FAILED, {}, {}, internal_error_text(exc), o.seconds))
                continue
            out.append((o.index, DONE, fields, units, None, o.seconds))
        else:
            out.append((o.index, FAILED, {}, {}, o.error, o.seconds))
    return out


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class InterruptGuard:
    """Ctrl-C (SIGINT) during a sweep: the request is recorded; with ``raise_when_safe`` it is
    raised as KeyboardInterrupt at once unless the store is being written (:meth:`critical`),
    and then right after. Without it the loop polls :attr:`requested`. Installed only in the main
    thread (elsewhere signals cannot be caught and Ctrl-C is the caller's)."""

    def __init__(self, raise_when_safe: bool):
        self.raise_when_safe = raise_when_safe
        self.requested = False
        self.depth = 0
        self.previous = None

    def __enter__(self) -> "InterruptGuard":
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None

    def _handler(self, signum, frame) -> None:
        self.requested = True
        if self.raise_when_safe and self.depth == 0:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def critical(self, raise_after: bool = True):
        """A section that Ctrl-C does not cut (a store write)."""
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
        if raise_after and self.requested and self.raise_when_safe and self.depth == 0:
            raise KeyboardInterrupt

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt


class Backend:
    """Runs tasks: ``run(tasks, deliver, guard)`` takes tasks from the :class:`TaskQueue`
    ``tasks`` (putting back what it did not finish when interrupted) and calls
    ``deliver(records)`` in this thread, ``deliver([])`` now and then while waiting."""

    name = "backend"
    workers = 1
    raise_when_safe = False

    def __init__(self, evaluate, evaluate_block=None, *, max_tries: int = MAX_TRIES, note=None):
        self.evaluate = evaluate
        self.evaluate_block = evaluate_block
        self.max_tries = max(1, int(max_tries))
        self.note = note or (lambda message: None)
        self.tries: dict = {}

    def stamp(self, records) -> list:
        """Records with their tries (deaths charged so far + this one)."""
        return [(*r, self.tries.get(r[0], 0) + 1) for r in records]


class InProcess(Backend):
    """Points evaluated one after the other in this process (1 worker; numba uses every core)."""

    name = "in process"
    raise_when_safe = True

    def run(self, tasks: TaskQueue, deliver, guard: InterruptGuard) -> None:
        while tasks:
            guard.check()
            task = tasks.popleft()
            try:
                records = run_task(self.evaluate, self.evaluate_block, task.indices, task.points)
            except KeyboardInterrupt:
                tasks.appendleft(task)
                raise
            deliver(self.stamp(records))


def worker_messages(conn):
    """In a worker process: ignore SIGINT (Ctrl-C is the coordinator's business) and yield the
    messages that arrive on ``conn`` until None or EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(AttributeError, OSError, ValueError):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        yield msg


def worker_main(conn, evaluate, evaluate_block) -> None:
    """A local worker process: evaluate the tasks that arrive on ``conn`` until None or EOF."""
    for indices, points in worker_messages(conn):
        conn.send(run_task(evaluate, evaluate_block, indices, points))


def stop_workers(pool, hard: bool) -> None:
    """Stop the :class:`Worker` s of ``pool``: ``hard`` terminates them (an interrupt, an error),
    else each is sent None and given 10 s to exit; a worker still alive is killed."""
    for w in pool:
        if hard:
            with contextlib.suppress(Exception):
                w.process.terminate()
        else:
            with contextlib.suppress(OSError):
                w.conn.send(None)
    for w in pool:
        w.process.join(2 if hard else 10)
        if w.process.is_alive():
            w.process.kill()
            w.process.join(2)
        with contextlib.suppress(OSError):
            w.conn.close()


#: Thread counts of a worker process (one process per core: no oversubscription).
WORKER_ENVIRONMENT = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                      "MKL_NUM_THREADS": "1"}


@contextlib.contextmanager
def child_start_conditions():
    """While a worker is started: its environment pins 1 thread per library, and SIGINT is
    blocked, so the new process is born deaf to Ctrl-C (a terminal sends it to every process of
    the group) until it ignores SIGINT itself; a Ctrl-C meanwhile stays pending for this process."""
    saved = {k: os.environ.get(k) for k in WORKER_ENVIRONMENT}
    os.environ.update(WORKER_ENVIRONMENT)
    blocked = False
    try:
        with contextlib.suppress(AttributeError, OSError, ValueError):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            blocked = True
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if blocked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@dataclass
class Worker:
    process: object
    conn: object
    inflight: deque = field(default_factory=deque)
    ready: bool = False    # the job runner's workers say so once their job loop runs


def describe_exit(code) -> str:
    if code is None:
        return "no exit code"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class LocalPool(Backend):
    """Worker processes on this machine (module docstring)."""

    name = "local process pool"

    def __init__(self, workers: int, evaluate, evaluate_block=None, **kw):
        super().__init__(evaluate, evaluate_block, **kw)
        self.workers = max(1, int(workers))

    def _start(self, ctx) -> Worker:
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=worker_main, args=(child, self.evaluate, self.evaluate_block), daemon=True,
                           name="spinloss-sweep-worker")
        with child_start_conditions():
            proc.start()
        child.close()
        return Worker(proc, parent)

    def run(self, tasks: TaskQueue, deliver, guard: InterruptGuard) -> None:
        import multiprocessing as mp
        import pickle
        from multiprocessing.connection import wait

        try:
            pickle.dumps((self.evaluate, self.evaluate_block))
        except Exception as exc:  # noqa: BLE001 - pickling fails in many ways
            raise SpinlossInputError("<api>", "evaluate", f"cannot be sent to worker processes ({exc}): use a "
                                                          "top-level function or functools.partial of one") from None
        ctx = mp.get_context("spawn")
        pool = [self._start(ctx) for _ in range(min(self.workers, max(1, len(tasks))))]
        start_failures = 0
        interrupted = False
        try:
            while True:
                guard.check()
                for w in pool:
                    while tasks and len(w.inflight) < PREFETCH:
                        task = tasks.popleft()
                        try:
                            w.conn.send((task.indices, task.points))
                        except OSError:
                            tasks.appendleft(task)
                            break
                        w.inflight.append(task)
                if not tasks and not any(w.inflight for w in pool):
                    return
                ready = wait([w.conn for w in pool] + [w.process.sentinel for w in pool], timeout=POLL)
                if not ready:
                    deliver([])
                    continue
                for k, w in enumerate(pool):
                    if w.conn not in ready and w.process.sentinel not in ready:
                        continue
                    dead = w.process.sentinel in ready
                    try:
                        while w.conn.poll():
                            records = w.conn.recv()
                            w.inflight.popleft()
                            deliver(self.stamp(records))
                    except (EOFError, OSError):
                        dead = True
                    if dead:
                        if not w.inflight:
                            start_failures += 1
                            if start_failures >= 3:
                                w.process.join(1)
                                raise RuntimeError("worker processes exit without running a point "
                                                   f"({describe_exit(w.process.exitcode)})")
                        self._bury(w, tasks, deliver)
                        pool[k] = self._start(ctx)
        except BaseException:
            interrupted = True
            for w in pool:  # unfinished tasks go back (a caller may report or resume them)
                for task in reversed(w.inflight):
                    tasks.appendleft(task)
                w.inflight.clear()
            raise
        finally:
            stop_workers(pool, hard=interrupted)

    def _bury(self, w: Worker, tasks: TaskQueue, deliver) -> None:
        """A worker died: charge its running task, requeue the rest, record points out of tries."""
        w.process.join(5)
        how = describe_exit(w.process.exitcode)
        with contextlib.suppress(OSError):
            w.conn.close()
        if not w.inflight:
            return
        charged = w.inflight.popleft()
        for task in reversed(w.inflight):
            tasks.appendleft(task)
        w.inflight.clear()
        failed = []
        for index, point in reversed(list(zip(charged.indices, charged.points))):
            self.tries[index] = self.tries.get(index, 0) + 1
            n = self.tries[index]
            if n >= self.max_tries:
                failed.append((index, FAILED, {}, {}, f"the worker process died on each of {n} tries ({how})", 0.0, n))
            else:
                tasks.appendleft(Task([index], [point]))  # alone, so that a bad point finds itself
        which = ", ".join(str(i) for i in charged.indices)
        self.note(f"a worker process died ({how}) at point {which}; "
                  + ("recorded as failed" if failed and len(failed) == len(charged.indices) else "trying again"))
        if failed:
            deliver(failed[::-1])

class DaskCluster(Backend):
    """Tasks on a ``dask.distributed`` cluster: ``scheduler`` an address (``tcp://host:8786``) or
    a ``distributed.Client`` (module docstring)."""

    name = "dask"

    def __init__(self, scheduler, evaluate, evaluate_block=None, **kw):
        super().__init__(evaluate, evaluate_block, **kw)
        self.scheduler = scheduler
        self.client = None
        self.own_client = False

    def connect(self):
        try:
            from distributed import Client
        except ImportError:
            raise SpinlossInputError("<api>", "scheduler", "running on a Dask cluster needs the optional extra "
                                                           "'cluster' (pip install 'spinloss[cluster]')") from None
        if isinstance(self.scheduler, Client):
            self.client = self.scheduler
        else:
            try:
                self.client = Client(str(self.scheduler), timeout="20s", set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise SpinlossInputError("<api>", "scheduler", f"cannot connect to the Dask scheduler at "
                                                               f"{self.scheduler!r} ({exc})") from None
            self.own_client = True
        self.workers = max(1, sum(self.client.nthreads().values()))
        return self.client

    def run(self, tasks: TaskQueue, deliver, guard: InterruptGuard) -> None:
        import queue

        client = self.client or self.connect()
        finished: queue.Queue = queue.Queue()  # futures, as they finish (callbacks of the client's thread)
        inflight: dict = {}
        try:
            while tasks or inflight:
                guard.check()
                window = 2 * max(1, sum(client.nthreads().values()))
                while tasks and len(inflight) < window:
                    task = tasks.popleft()
                    fut = client.submit(run_task, self.evaluate, self.evaluate_block, task.indices, task.points,
                                        pure=False)
                    inflight[fut] = task
                    fut.add_done_callback(finished.put)
                try:
                    fut = finished.get(timeout=POLL)
                except queue.Empty:
                    deliver([])
                    continue
                task = inflight.pop(fut, None)
                if task is None:
                    continue
                if fut.status == "finished":
                    deliver(self.stamp(fut.result()))
                else:
                    exc = fut.exception()
                    why = (f"the worker died on every try ({type(exc).__name__})" if type(exc).__name__ == "KilledWorker"
                           else internal_error_text(exc))
                    deliver([(i, FAILED, {}, {}, why, 0.0, 1) for i in task.indices])
                fut.release()
        except BaseException:
            for fut, task in inflight.items():
                tasks.appendleft(task)
                with contextlib.suppress(Exception):
                    fut.cancel()
            raise

    def close(self) -> None:
        """Close the client this backend opened (not one it was given)."""
        if self.own_client and self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
        self.client = None
