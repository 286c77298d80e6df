"""thrml's block Gibbs sampler on a G-set Max-Cut Ising network (run by benchmarks/pbit.py in the
thrml environment; prints ONE JSON object).

The problem is the one spinloss samples: spins +-1, J = -w on the graph's edges, no biases,
constant beta (thrml's IsingEBM energy is -beta (sum b s + sum J s s)), the same proper colouring
(greedy by decreasing degree, passed in) as the free blocks, ``chains`` independent chains
vmapped over keys. A step updates every block once (one sweep); the flips counted are
steps x N x chains. JIT compilation is excluded (a warm-up call with the same shapes first);
the best of ``rounds`` timed calls is reported.
"""

import argparse
import json
import sys
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("graph")
    ap.add_argument("colours")        # a .npy file of colours (N,)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--sweeps", type=int, default=1000)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()

    import jax
    import jax.numpy as jnp
    import thrml
    from thrml.models.ising import IsingEBM, IsingSamplingProgram, hinton_init

    lines = [l.split() for l in open(a.graph) if l.strip()]
    n = int(lines[0][0])
    edges = [(int(i) - 1, int(j) - 1, float(w)) for i, j, w in lines[1:]]
    colours = np.load(a.colours)
    nodes = [thrml.SpinNode() for _ in range(n)]
    ebm = IsingEBM(nodes, [(nodes[i], nodes[j]) for i, j, _ in edges], jnp.zeros(n),
                   jnp.array([-w for _, _, w in edges]), jnp.array(a.beta))
    blocks = [thrml.Block([nodes[i] for i in np.flatnonzero(colours == c)]) for c in range(int(colours.max()) + 1)]
    program = IsingSamplingProgram(ebm, blocks, clamped_blocks=[])
    # sweeps - 1 warm-up steps and one observed sample: the sampler's own cost, not the storage of
    # every state
    schedule = thrml.SamplingSchedule(n_warmup=a.sweeps - 1, n_samples=1, steps_per_sample=1)
    all_nodes = [thrml.Block(nodes)]

    def run(key):
        k_init, k_run = jax.random.split(key)
        init = hinton_init(k_init, ebm, blocks, ())
        return thrml.sample_states(k_run, program, schedule, init, [], all_nodes)

    batched = jax.jit(jax.vmap(run))
    keys = jax.random.split(jax.random.key(0), a.chains)
    out = batched(keys)                                  # warm-up: compilation
    jax.block_until_ready(out)
    times = []
    for r in range(a.rounds):
        keys = jax.random.split(jax.random.key(r + 1), a.chains)
        t0 = time.perf_counter()
        out = batched(keys)
        jax.block_until_ready(out)
        times.append(time.perf_counter() - t0)
    states = np.asarray(out[0])                          # (chains, sweeps, N) booleans
    s = np.where(states[:, -1, :], 1.0, -1.0)
    e = np.array(edges)
    cuts = np.sum(e[:, 2] * (1 - s[:, e[:, 0].astype(int)] * s[:, e[:, 1].astype(int)]) / 2, axis=1)
    flips = a.sweeps * n * a.chains
    print(json.dumps({"engine": f"thrml {thrml.__version__} (jax {jax.__version__}, {jax.devices()[0].platform})",
                      "flips": flips, "seconds": min(times), "flips_per_second": flips / min(times),
                      "spread_min_max": [flips / max(times), flips / min(times)], "final_cuts": cuts.tolist(),
                      "chains": a.chains, "sweeps": a.sweeps, "beta": a.beta, "blocks": len(blocks)}))


if __name__ == "__main__":
    sys.exit(main())
