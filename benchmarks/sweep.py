"""Sweep engine overhead and parallel speedup (spinloss.sweep.run_sweep, the engine behind
``spinloss sweep``), measured through the library API on temporary Zarr stores.

Prints ONE JSON object on stdout:

- ``per_point_overhead_s``: the engine's cost per point on trivial points (a point that returns a
  few numbers in microseconds): the marginal time per point between a sweep of ``N_SMALL`` and one
  of ``N_LARGE`` points (store creation, imports and worker start-up cancel out), in this process
  (``--workers 1``) and on the 2-process pool; it includes the result flattening, the transfer
  from the worker, the batched Zarr writes and the progress bookkeeping. Target (issue 7): < 5 ms.
- ``amortized_per_point_s``: total wall time / points of the ``N_LARGE`` sweep (start-up included).
- ``startup_s``: the wall time of a sweep of one trivial point per worker (store creation; the
  pool also starts its worker processes, which import the package).
- ``cpu_bound``: ``CPU_POINTS`` points each burning ~``CPU_SECONDS`` of single-threaded CPU: wall
  time in this process and on 2 workers (worker start-up included), and the speedup; the peer
  figure is
  ``multiprocessing.Pool(2).map`` of the same function (no store, no resume, no retries) in the
  same run.

Every figure is the best of ``ROUNDS`` rounds (the host is shared: other jobs only ever slow a
round down); the load average before and after is reported.
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

N_SMALL, N_LARGE = 200, 4000
CPU_POINTS, CPU_SECONDS = 24, 0.25
ROUNDS = 3


def trivial(point: dict) -> dict:
    """A point that costs nothing: three numbers and a units table."""
    x = point["x"]
    return {"value": 2.0 * x, "square": x * x, "nested": {"half": 0.5 * x}, "units": {"value": "1"}}


def burn(n: int) -> float:
    """Single-threaded CPU work (pure Python: no BLAS or numba threads)."""
    s = 0.0
    for i in range(n):
        s += math.sin(i * 1e-3)
    return s


def calibrate() -> int:
    """Iterations of :func:`burn` that take about CPU_SECONDS here."""
    n = 200_000
    t0 = time.perf_counter()
    burn(n)
    dt = time.perf_counter() - t0
    return max(1000, int(n * CPU_SECONDS / dt))


def cpu_point(n: int, point: dict) -> dict:
    return {"value": burn(n) + point["x"], "units": {"value": "1"}}


def cpu_plain(args) -> float:
    n, x = args
    return burn(n) + x


def sweep_seconds(evaluate, n_points: int, workers: int) -> float:
    from spinloss.sweep import SweepDesign, run_sweep

    design = SweepDesign.from_tables({"x": f"0:1:{n_points}"}, source="<benchmark>")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = run_sweep(design, evaluate, store=Path(tmp) / "s.zarr", workers=workers)
        dt = time.perf_counter() - t0
    assert summary.done == n_points, summary
    return dt


def best(fn, rounds=ROUNDS) -> float:
    return min(fn() for _ in range(rounds))


def overhead(workers: int) -> dict:
    small = best(lambda: sweep_seconds(trivial, N_SMALL, workers))
    large = best(lambda: sweep_seconds(trivial, N_LARGE, workers))
    one = best(lambda: sweep_seconds(trivial, workers, workers))
    return {"marginal": (large - small) / (N_LARGE - N_SMALL), "amortized": large / N_LARGE, "startup": one}


def main() -> None:
    import functools

    import spinloss  # noqa: F401 - imports outside the timings
    import xarray  # noqa: F401
    import zarr  # noqa: F401

    load_before = os.getloadavg()
    sweep_seconds(trivial, 10, 1)  # warm-up: imports, first store
    local = overhead(1)
    pool = overhead(2)
    n = calibrate()
    evaluate = functools.partial(cpu_point, n)
    serial = best(lambda: sweep_seconds(evaluate, CPU_POINTS, 1))
    parallel = best(lambda: sweep_seconds(evaluate, CPU_POINTS, 2))
    args = [(n, i / (CPU_POINTS - 1)) for i in range(CPU_POINTS)]

    def plain_pool():
        t0 = time.perf_counter()
        with mp.get_context("spawn").Pool(2) as p:
            p.map(cpu_plain, args, chunksize=1)
        return time.perf_counter() - t0

    peer = best(plain_pool)
    out = {
        "per_point_overhead_s": {"in_process": local["marginal"], "pool_2_workers": pool["marginal"]},
        "amortized_per_point_s": {"in_process": local["amortized"], "pool_2_workers": pool["amortized"],
                                  "points": N_LARGE},
        "startup_s": {"in_process": local["startup"], "pool_2_workers": pool["startup"]},
        "target_per_point_overhead_s": 0.005,
        "cpu_bound": {"points": CPU_POINTS, "seconds_per_point": CPU_SECONDS, "in_process_s": serial,
                      "pool_2_workers_s": parallel, "speedup_2_workers": serial / parallel,
                      "peer_multiprocessing_pool_map_2_workers_s": peer, "peer_speedup": serial / peer},
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "python": sys.version.split()[0],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
