"""Macrospin throughput: spinloss (numba, stochastic Heun) vs cmtj, same problem, same run.

Problem: stochastic, float64, 300 K, SOT (damping-like, s = +y), Heun, dt = 1e-13 s, CoFeB-like
perpendicular magnet: Ms = 1.1e6 A/m, alpha = 0.01, 40 nm disk x 1.2 nm, H_K,eff = 1.99e5 A/m
(Delta ~ 50 at 300 K), DC current giving H_DL = 0.1 H_K,eff (below threshold: no switching, the
spin just fluctuates; the cost per step does not depend on it).

Prints ONE JSON object on stdout. Numba compile time is excluded (warm-up run first).
cmtj's batch figure: one process per core (multiprocessing), each integrating independent
junctions for about a second; the throughput of independent trajectories does not depend on N, so
the N = 1e5 figure is that aggregate rate (not 1e5 junctions actually run).

Every figure is measured ``rounds`` = 3 times; the headline numbers are the best round (the host
is shared, other jobs only ever slow a round down), ``spread_min_max`` gives the range. The JSON
also reports the load average before and after and the numba thread count: on a 2-core host a
load of 1 from other jobs halves the batch figures of both engines.
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import sys
import time

import numpy as np

MS = 1.1e6
ALPHA = 0.01
RADIUS = 20e-9
THICK = 1.2e-9
AREA = math.pi * RADIUS**2
VOLUME = AREA * THICK
HKEFF = 1.99e5
DT = 1e-13
TEMP = 300.0
HDL = 0.1 * HKEFF


def _anisotropy_field(nd):
    """H_K (A/m) that gives the effective anisotropy HKEFF with the disk's demag tensor ``nd``."""
    from spinloss.dynamics.analytic import effective_anisotropy_field

    return HKEFF - effective_anisotropy_field(0.0, MS, nd, 2)


def _spinloss_params(n):
    from spinloss.dynamics import MacrospinParameters, demag

    nd = demag.elliptical_film(2 * RADIUS, 2 * RADIUS, THICK)
    hk = _anisotropy_field(nd)
    return MacrospinParameters(
        saturation_magnetization=MS, damping=ALPHA, volume=VOLUME, temperature=TEMP,
        demag_factors=nd, anisotropy_axis=(0, 0, 1), anisotropy_field=hk,
        polarization=(0, 1, 0), damping_like_field_per_current=HDL / 1e11,
        field_like_field_per_current=0.0)


def bench_spinloss(rounds=3):
    """Rates (spin-steps/s, best of the repetitions) for each batch size and the deterministic
    N = 1e5 rate, measured in ``rounds`` rounds after one compile/warm-up run."""
    import numba

    from spinloss.dynamics import Waveform, simulate

    w = Waveform.constant(1e11)
    cases = ((1, 10_000, 5), (1000, 3000, 3), (100_000, 200, 3))
    setups = {}
    for n, steps, reps in cases:
        p = _spinloss_params(n)
        m0 = np.tile([0.0, 0.0, 1.0], (n, 1))
        simulate(p, m0, w, 20 * DT, DT)  # warm-up / compile
        setups[n] = (p, m0)
    # deterministic (T = 0) rate at N = 1e5: the cost of everything except the Gaussian draws
    from dataclasses import replace

    p0 = replace(_spinloss_params(100_000), temperature=0.0)
    m00 = np.tile([0.0, 0.0, 1.0], (100_000, 1))
    simulate(p0, m00, w, 20 * DT, DT)
    runs = []
    for _ in range(rounds):
        out = {}
        for n, steps, reps in cases:
            p, m0 = setups[n]
            best = math.inf
            for r in range(reps):
                t = time.perf_counter()
                simulate(p, m0, w, steps * DT, DT, seed=r)
                best = min(best, time.perf_counter() - t)
            out[str(n)] = n * steps / best
        best = math.inf
        for r in range(2):
            t = time.perf_counter()
            simulate(p0, m00, w, 200 * DT, DT)
            best = min(best, time.perf_counter() - t)
        out["deterministic_100000"] = 100_000 * 200 / best
        runs.append(out)
    return runs, numba.get_num_threads()


def _cmtj_junction():
    import cmtj

    from spinloss.dynamics import demag

    nd = demag.elliptical_film(2 * RADIUS, 2 * RADIUS, THICK)
    tensor = [cmtj.CVector(nd[0], 0, 0), cmtj.CVector(0, nd[1], 0), cmtj.CVector(0, 0, nd[2])]
    mu0 = 4e-7 * math.pi
    layer = cmtj.Layer.createSOTLayer("free", cmtj.CVector(0, 0, 1), cmtj.CVector(0, 0, 1),
                                      mu0 * MS, THICK, AREA, tensor, ALPHA, 0.0, HDL)
    j = cmtj.Junction([layer])
    hk = _anisotropy_field(nd)
    k_u = 0.5 * mu0 * MS * hk  # J/m^3 (cmtj's mu0 = 4e-7 pi)
    j.setLayerAnisotropyDriver("free", cmtj.constantDriver(k_u))
    j.setLayerTemperatureDriver("free", cmtj.constantDriver(TEMP))
    j.setLayerReferenceLayer("free", cmtj.CVector(0, 1, 0))
    return j


def _cmtj_worker(args):
    n_junctions, steps = args
    import cmtj

    t = time.perf_counter()
    for _ in range(n_junctions):
        j = _cmtj_junction()
        j.runSimulation(steps * DT, DT, steps * DT, solverMode=cmtj.Heun)
    return time.perf_counter() - t


def bench_cmtj(n_proc, rounds=3, batch_seconds=1.0):
    """cmtj rates, ``rounds`` times: one trajectory of 10,000 steps (best of 3) and the aggregate
    of ``n_proc`` processes each integrating independent 10,000-step junctions for about
    ``batch_seconds`` (long enough that pool start-up and dispatch are negligible)."""
    try:
        import cmtj  # noqa: F401
    except Exception as exc:  # pragma: no cover
        return None, f"cmtj not importable: {exc}"
    steps = 10_000
    _cmtj_worker((1, 100))  # warm-up
    runs = []
    ctx = mp.get_context("fork")
    with ctx.Pool(n_proc) as pool:
        pool.map(_cmtj_worker, [(1, 100)] * n_proc)  # start the workers
        for _ in range(rounds):
            best = min(_cmtj_worker((1, steps)) for _ in range(3))
            single = steps / best
            per_proc = max(1, int(round(batch_seconds * single / steps)))
            t = time.perf_counter()
            pool.map(_cmtj_worker, [(per_proc, steps)] * n_proc, chunksize=1)
            wall = time.perf_counter() - t
            runs.append({"1": single, "100000": n_proc * per_proc * steps / wall,
                         "junctions_per_process": per_proc})
    return runs, None


def _best_and_spread(runs, keys):
    best = {k: max(r[k] for r in runs) for k in keys}
    spread = {k: [min(r[k] for r in runs), max(r[k] for r in runs)] for k in keys}
    return best, spread


def main():
    n_cores = os.cpu_count() or 1
    load_before = os.getloadavg()
    t_start = time.perf_counter()
    ours_runs, threads = bench_spinloss()
    cm_runs, reason = bench_cmtj(n_cores)
    load_after = os.getloadavg()
    ours, ours_spread = _best_and_spread(ours_runs, ("1", "1000", "100000", "deterministic_100000"))
    det = ours.pop("deterministic_100000")
    cm = cm_spread = None
    if cm_runs is not None:
        cm, cm_spread = _best_and_spread(cm_runs, ("1", "100000"))
    # arithmetic limit: see docs/dynamics.md ("Benchmark")
    result = {
        "spin_steps_per_second": ours,
        "cmtj_spin_steps_per_second": cm,
        "cmtj_reason": reason,
        "ratio_vs_cmtj": None if cm is None else {
            "1": ours["1"] / cm["1"], "100000": ours["100000"] / cm["100000"]},
        "deterministic_spin_steps_per_second_100000": det,
        "noise_share_of_step_time_100000": 1 - ours["100000"] / det,
        "numba_threads": threads,
        "cmtj_processes": n_cores,
        "cpu_count": n_cores,
        "load_average_1_5_15min": {"before": [round(x, 2) for x in load_before],
                                   "after": [round(x, 2) for x in load_after]},
        "rounds": len(ours_runs),
        "best_of_rounds": True,
        "spread_min_max": {"spinloss": ours_spread, "cmtj": cm_spread},
        "all_rounds": {"spinloss": ours_runs, "cmtj": cm_runs},
        "wall_seconds": time.perf_counter() - t_start,
        "problem": {"Ms_A_per_m": MS, "alpha": ALPHA, "diameter_m": 2 * RADIUS, "thickness_m": THICK,
                    "Hk_eff_A_per_m": HKEFF, "T_K": TEMP, "dt_s": DT, "H_DL_A_per_m": HDL,
                    "scheme": "stochastic Heun, float64"},
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
