"""p-computer throughput: spinloss's p-bit sampler vs thrml's block Gibbs sampler, same problem,
same run.

Problem: Max-Cut of G1 (800 spins, 19,176 edges, +1 weights; shipped in spinloss/data/gset) as the
Ising network J = -w, h = 0. A flip is one p-bit update (attempted, as in the p-computer
literature: Aadit et al., Nat. Electron. 5, 460 (2022)); flips/s = sweeps x N x replicas / wall
time.

* spinloss: ``spinloss.pbits.sample`` with graph-coloured parallel updates (17 colours), R
  replicas in parallel over the numba threads. (a) The ``spinloss pbit maxcut`` defaults
  (1000 sweeps, geometric annealing 0.05 -> 3, 4 replicas) with the cut reached; (b) constant
  beta = 1 at R = 4, 16, 64 (the peer's problem).
* thrml (Extropic's block Gibbs sampler on JAX, CPU): the same network at constant beta = 1, the
  same colouring as its free blocks, R chains vmapped, run in its own environment
  (benchmarks/requirements-thrml.lock) by ``--thrml-python PATH`` (default: ``.venv-thrml/bin/python``
  if it exists). When it cannot run, the JSON says why.

Numba and JAX compile times are excluded (warm-up calls first). Each figure is the best of
``--rounds`` rounds (the host is shared: other jobs only slow a round down); ``spread_min_max``
gives the range, and the load average before and after is reported. Prints ONE JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def best_of(fn, rounds):
    rates = []
    out = None
    for _ in range(rounds):
        out = fn()
        rates.append(out.updates_per_second)
    return out, [min(rates), max(rates)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sweeps", type=int, default=1000)
    ap.add_argument("--thrml-python", default=None)
    a = ap.parse_args(argv)

    import numba

    from spinloss.pbits.ising import read_ising
    from spinloss.pbits.maxcut import DEFAULT_SCHEDULE, GSET_DIR
    from spinloss.pbits.sampler import Schedule, sample

    graph = GSET_DIR / "G1.txt"
    model = read_ising(graph)
    load0 = os.getloadavg()
    sample(model, Schedule.constant(1.0), 5, replicas=4)            # compile / load the kernels
    result = {"problem": "G1 Max-Cut Ising network (800 spins, 19176 edges)", "sweeps": a.sweeps,
              "threads": numba.get_num_threads(), "cpus": os.cpu_count(), "load_average_before": load0}

    run, spread = best_of(lambda: sample(model, DEFAULT_SCHEDULE, a.sweeps, replicas=4, seed=0), a.rounds)
    cut = float(np.max(model.cut_value(run.best_state)))
    result["spinloss_maxcut_defaults"] = {
        "replicas": 4, "schedule": DEFAULT_SCHEDULE.text(), "flips": run.updates,
        "flips_per_second": spread[1], "spread_min_max": spread, "cut": cut, "cut_fraction": cut / 11624}
    constant = {}
    for r in (4, 16, 64):
        run, spread = best_of(lambda: sample(model, Schedule.constant(1.0), a.sweeps, replicas=r, seed=0), a.rounds)
        constant[str(r)] = {"flips": run.updates, "flips_per_second": spread[1], "spread_min_max": spread}
    result["spinloss_constant_beta_1"] = constant
    saved = numba.get_num_threads()
    numba.set_num_threads(1)
    run, spread = best_of(lambda: sample(model, Schedule.constant(1.0), a.sweeps, replicas=4, seed=0), a.rounds)
    numba.set_num_threads(saved)
    result["spinloss_one_thread_4_replicas"] = {"flips_per_second": spread[1], "spread_min_max": spread}

    py = a.thrml_python
    if py is None and (ROOT / ".venv-thrml" / "bin" / "python").exists():
        py = str(ROOT / ".venv-thrml" / "bin" / "python")
    if py is None:
        result["thrml"] = {"available": False, "reason": "no thrml environment: create one with "
                           "benchmarks/requirements-thrml.lock and pass --thrml-python"}
    else:
        peers = {}
        with tempfile.TemporaryDirectory() as tmp:
            col = Path(tmp) / "colours.npy"
            np.save(col, model.colouring())
            for r in (4, 16, 64):
                p = subprocess.run([py, str(ROOT / "benchmarks" / "pbit_thrml_peer.py"), str(graph), str(col),
                                    "--chains", str(r), "--sweeps", str(a.sweeps), "--beta", "1.0",
                                    "--rounds", str(a.rounds)], capture_output=True, text=True, timeout=3600)
                if p.returncode != 0:
                    peers = {"available": False, "reason": f"the thrml peer failed: {p.stderr.strip().splitlines()[-1:]}"}
                    break
                peers[str(r)] = json.loads(p.stdout)
        if peers.get("available", True):
            ratios = {r: constant[r]["flips_per_second"] / peers[r]["flips_per_second"] for r in peers}
            result["thrml"] = {"available": True, "runs": peers, "engine": peers["4"]["engine"],
                               "ratio_spinloss_over_thrml": ratios}
        else:
            result["thrml"] = peers
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
