"""Macrospin throughput: spinloss (numba, stochastic Heun) vs cmtj, same problem, same run.

Problem: stochastic, float64, 300 K, SOT (damping-like, s = +y), Heun, dt = 1e-13 s, CoFeB-like
perpendicular magnet: Ms = 1.1e6 A/m, alpha = 0.01, 40 nm disk x 1.2 nm, H_K,eff = 1.99e5 A/m
(Delta ~ 50 at 300 K), DC current giving H_DL = 0.1 H_K,eff (below threshold: no switching, the
spin just fluctuates; the cost per step does not depend on it).

Prints ONE JSON object on stdout. Numba compile time is excluded (warm-up run first).
cmtj's batch figure: one process per core (multiprocessing), each integrating independent
junctions; the throughput of independent trajectories does not depend on N, so the N = 1e5 figure
is that aggregate rate (not 1e5 junctions actually run).
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


def _spinloss_params(n):
    from spinloss.dynamics import MacrospinParameters, demag

    nd = demag.elliptical_film(2 * RADIUS, 2 * RADIUS, THICK)
    hk = HKEFF + MS * (nd[2] - nd[0])
    return MacrospinParameters(
        saturation_magnetization=MS, damping=ALPHA, volume=VOLUME, temperature=TEMP,
        demag_factors=nd, anisotropy_axis=(0, 0, 1), anisotropy_field=hk,
        polarization=(0, 1, 0), damping_like_field_per_current=HDL / 1e11,
        field_like_field_per_current=0.0)


def bench_spinloss():
    import numba

    from spinloss.dynamics import Waveform, simulate

    w = Waveform.constant(1e11)
    out = {}
    detail = {}
    for n, steps, reps in ((1, 10_000, 5), (1000, 3000, 3), (100_000, 200, 3)):
        p = _spinloss_params(n)
        m0 = np.tile([0.0, 0.0, 1.0], (n, 1))
        simulate(p, m0, w, 20 * DT, DT)  # warm-up / compile
        best = math.inf
        for r in range(reps):
            t = time.perf_counter()
            simulate(p, m0, w, steps * DT, DT, seed=r)
            best = min(best, time.perf_counter() - t)
        out[str(n)] = n * steps / best
        detail[str(n)] = {"steps": steps, "seconds": best}
    # deterministic (T = 0) rate at N = 1e5: the cost of everything except the Gaussian draws
    from dataclasses import replace

    p0 = replace(_spinloss_params(100_000), temperature=0.0)
    m0 = np.tile([0.0, 0.0, 1.0], (100_000, 1))
    simulate(p0, m0, w, 20 * DT, DT)
    t = time.perf_counter()
    simulate(p0, m0, w, 200 * DT, DT)
    t0 = time.perf_counter() - t
    return out, detail, 100_000 * 200 / t0, numba.get_num_threads()


def _cmtj_junction():
    import cmtj

    from spinloss.dynamics import demag

    nd = demag.elliptical_film(2 * RADIUS, 2 * RADIUS, THICK)
    tensor = [cmtj.CVector(nd[0], 0, 0), cmtj.CVector(0, nd[1], 0), cmtj.CVector(0, 0, nd[2])]
    mu0 = 4e-7 * math.pi
    layer = cmtj.Layer.createSOTLayer("free", cmtj.CVector(0, 0, 1), cmtj.CVector(0, 0, 1),
                                      mu0 * MS, THICK, AREA, tensor, ALPHA, 0.0, HDL)
    j = cmtj.Junction([layer])
    hk = HKEFF + MS * (nd[2] - nd[0])
    k_u = 0.5 * mu0 * MS * hk  # J/m^3
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


def bench_cmtj(n_proc):
    try:
        import cmtj  # noqa: F401
    except Exception as exc:  # pragma: no cover
        return None, f"cmtj not importable: {exc}"
    steps = 10_000
    _cmtj_worker((1, 100))  # warm-up
    best = min(_cmtj_worker((1, steps)) for _ in range(3))
    single = steps / best
    per_proc = 4
    ctx = mp.get_context("fork")
    with ctx.Pool(n_proc) as pool:
        t = time.perf_counter()
        pool.map(_cmtj_worker, [(per_proc, steps)] * n_proc)
        wall = time.perf_counter() - t
    batch = n_proc * per_proc * steps / wall
    return {"1": single, "100000": batch}, None


def main():
    n_cores = os.cpu_count() or 1
    ours, detail, det_rate, threads = bench_spinloss()
    cm, reason = bench_cmtj(n_cores)
    # arithmetic limit (see docs/dynamics.md): ~150 double-precision ops per Heun step without
    # noise, ~4 ns/device-step with 4-wide AVX2 and 2 FP pipes per core at ~2.5-3 GHz; the
    # Gaussian draws (4 SplitMix64 mixes with emulated 64-bit multiplies, 2 logs, 1.5 sincos)
    # cost about as much again.
    result = {
        "spin_steps_per_second": ours,
        "cmtj_spin_steps_per_second": cm,
        "cmtj_reason": reason,
        "ratio_vs_cmtj": None if cm is None else {
            "1": ours["1"] / cm["1"], "100000": ours["100000"] / cm["100000"]},
        "deterministic_spin_steps_per_second_100000": det_rate,
        "noise_share_of_step_time_100000": 1 - ours["100000"] / det_rate,
        "numba_threads": threads,
        "cmtj_processes": n_cores,
        "timings": detail,
        "problem": {"Ms_A_per_m": MS, "alpha": ALPHA, "diameter_m": 2 * RADIUS, "thickness_m": THICK,
                    "Hk_eff_A_per_m": HKEFF, "T_K": TEMP, "dt_s": DT, "H_DL_A_per_m": HDL,
                    "scheme": "stochastic Heun, float64"},
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
