"""Transport throughput: stack evaluations per second through the public API.

Prints one JSON object:
{"evaluations_per_second": {"3_layers": ..., "6_layers": ...}, "sweep_100k_seconds": ..., ...}
Evaluations are vectorized over sweep points (one `torques` call on an array-valued stack),
single-threaded (BLAS threads pinned to 1). Target (issue 2): >= 10,000 evaluations/s for 3 layers.
"""

from __future__ import annotations

import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from spinloss.stack import Stack  # noqa: E402
from spinloss.transport import torques  # noqa: E402

THREE = {"name": "SiO2/Py/NiO", "layers": [
    {"material": "SiO2", "thickness": 5e-9},
    {"name": "free", "material": "Py", "thickness": 5e-9},
    {"material": "NiO", "thickness": 10e-9}]}
SIX = {"name": "W/Py/NiO/Co/Pt/MgO", "layers": [
    {"material": "W", "thickness": 5e-9},
    {"name": "free", "material": "Py", "thickness": 3e-9},
    {"material": "NiO", "thickness": 3e-9},
    {"name": "ref", "material": "Co", "thickness": 2e-9, "spin_hall_angle": 0.02},
    {"material": "Pt", "thickness": 3e-9},
    {"material": "MgO", "thickness": 2e-9}]}


def rate(raw: dict, n: int, repeats: int = 3) -> float:
    base = Stack.from_dict(raw)
    thick = np.linspace(1e-9, 10e-9, n)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = torques(base.with_values({"free.thickness": thick}))
        best = min(best, time.perf_counter() - t0)
        assert np.all(np.isfinite(res.magnet("free").xi_dl))
    return n / best


def single_call_rate(raw: dict, repeats: int = 200) -> float:
    stack = Stack.from_dict(raw)
    torques(stack)
    t0 = time.perf_counter()
    for _ in range(repeats):
        torques(stack)
    return repeats / (time.perf_counter() - t0)


def main() -> None:
    out = {
        "evaluations_per_second": {"3_layers": rate(THREE, 10_000), "6_layers": rate(SIX, 10_000)},
        "single_call_evaluations_per_second": {"3_layers": single_call_rate(THREE),
                                               "6_layers": single_call_rate(SIX)},
    }
    base = Stack.from_dict(THREE)
    t0 = time.perf_counter()
    res = torques(base.with_values({"free.thickness": np.linspace(0.5e-9, 20e-9, 100_000)}))
    out["sweep_100k_seconds"] = time.perf_counter() - t0
    out["sweep_100k_includes"] = "stack validation + transport solve + result assembly"
    assert res.magnet().xi_dl.shape == (100_000,)
    out["target_3_layers_per_second"] = 10_000
    out["peer"] = "none: no peer tool solves spin drift-diffusion with magnon sinks (cmtj, mumax3 take torques as input)"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
