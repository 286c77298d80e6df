"""numba kernels of the p-bit sampler (plain arrays; pure: numpy, numba, math and the RNG kernels).

Layout
------
* Network in compressed sparse rows: ``indptr`` (N+1,), ``indices`` (nnz,), ``data`` (nnz,) the
  couplings J_ij (both directions), ``h`` (N,) biases (:class:`spinloss.pbits.ising.IsingModel`).
* Replicas (independent p-computers on the same network) are rows: ``m`` (R, N) int8 spins +-1,
  ``field`` (R, N) the inputs I_i = sum_j J_ij m_j + h_i, kept up to date incrementally (a flip of
  spin i by d = +-2 adds J_ij d to the input of each neighbour j), ``energy`` (R,).

The p-bit (Camsari et al., PRX 7, 031014 (2017)): m_i = sgn(tanh(beta I_i) - r) with r uniform
in (-1, 1), i.e. m_i = +1 with probability sigma(2 beta I_i) = 1/(1 + exp(-2 beta I_i)): a Gibbs
update of exp(-beta E). Here u = (r + 1)/2 in (0, 1) and m_i = +1 when u < sigma(2 beta I_i).

Random numbers: counter-based. Replica r has the keys (k1, k2) of stream r
(:func:`spinloss.dynamics.rng.stream_keys`); the uniform of spin i in sweep s is a pure function of
(k1, k2, s N + i) (:func:`uniform`): two SplitMix64 finalizer rounds, the top 53 bits. So a run
is bit-identical for any number of threads (``prange`` over replicas) and, in the ordered scans,
independent of the order within a colour: the colour-ordered scan *is* the parallel update of
each colour class (its spins are not coupled, so none reads another's new value).

Update orders (``asynchronous`` False): a sweep visits the free spins in ``order`` (colour by
colour for graph-coloured Gibbs, index order for the sequential scan). ``asynchronous`` True: a
sweep is F events (F free spins), each picks one free spin uniformly at random (a second uniform
of the same counter stream, counter 2 (s F + e) and 2 (s F + e) + 1): the jump chain of
independent Poisson clocks of equal rate, the model of free-running p-bits.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..dynamics.rng import mix64

_JIT = dict(nogil=True, error_model="numpy", cache=True)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_S11 = np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0


@nb.njit(inline="always", **_JIT)
def uniform(k1, k2, counter):
    """Uniform in (0, 1) on a 2^-53 grid (offset half a step) for counter ``counter`` (uint64)
    of the stream with keys (k1, k2)."""
    z = mix64(mix64((counter * _GOLD) ^ k1) ^ k2)
    return (np.float64(z >> _S11) + 0.5) * _TWO_M53


@nb.njit(**_JIT)
def fill_uniforms(k1, k2, counter0, out):
    """out[k] = uniform(k1, k2, counter0 + k) for a flat float64 array ``out``."""
    c0 = np.uint64(counter0)
    for k in range(out.shape[0]):
        out[k] = uniform(k1, k2, c0 + np.uint64(k))


@nb.njit(**_JIT)
def fill_uniforms_rows(keys1, keys2, counter0, out):
    """out[r, k] = uniform(keys1[r], keys2[r], counter0 + k) for (R, K) ``out``."""
    c0 = np.uint64(counter0)
    for r in range(out.shape[0]):
        for k in range(out.shape[1]):
            out[r, k] = uniform(keys1[r], keys2[r], c0 + np.uint64(k))


@nb.njit(**_JIT)
def local_fields(indptr, indices, data, h, m, field):
    """field[r, i] = sum_j J_ij m[r, j] + h_i."""
    R, N = m.shape
    for r in range(R):
        for i in range(N):
            acc = h[i]
            for k in range(indptr[i], indptr[i + 1]):
                acc += data[k] * m[r, indices[k]]
            field[r, i] = acc


@nb.njit(**_JIT)
def energies(h, m, field, offset, out):
    """out[r] = -1/2 sum_i m_i (I_i - h_i) - sum_i h_i m_i + offset (exact from the inputs)."""
    R, N = m.shape
    for r in range(R):
        acc = 0.0
        for i in range(N):
            acc += m[r, i] * (0.5 * (field[r, i] - h[i]) + h[i])
        out[r] = offset - acc


@nb.njit(parallel=True, **_JIT)
def run_sweeps(indptr, indices, data, order, betas, sweep0, asynchronous, m, field, energy, flips,
               best_energy, best_state, best_sweep, keys1, keys2, record_idx, record, trace, table_shift):
    """Sweeps ``sweep0 .. sweep0 + len(betas) - 1`` of every replica (module docstring), sweep s at
    inverse temperature ``betas[s - sweep0]``. Updates ``m``, ``field``, ``energy`` in place;
    ``flips`` (R,) counts accepted flips; after each sweep a lower energy than ``best_energy``
    is kept with its state and sweep index. ``record`` (R, S, K) int8 receives the spins
    ``record_idx`` (K,) after each sweep (K = 0: nothing recorded); ``trace`` (R, S) the energy
    after each sweep.

    ``table_shift`` >= 0 (integer couplings and biases with every input within +-table_shift):
    the factor 1 + exp(-2 beta x) of each integer input x is tabulated once per sweep and looked
    up; the arithmetic is the same as without the table (the same exp of the same value), so the
    result is bit-identical, only faster; -1: computed for every update."""
    R, N = m.shape
    S = betas.shape[0]
    F = order.shape[0]
    K = record_idx.shape[0]
    T = 2 * table_shift + 1 if table_shift >= 0 else 1
    for r in nb.prange(R):
        k1 = keys1[r]
        k2 = keys2[r]
        e = energy[r]
        nfl = flips[r]
        table = np.empty(T)
        for s in range(S):
            beta2 = 2.0 * betas[s]
            g = np.uint64(sweep0 + s)
            if table_shift >= 0:
                for k in range(T):
                    table[k] = 1.0 + math.exp(-beta2 * np.float64(k - table_shift))
            for q in range(F):
                if asynchronous:
                    c = np.uint64(2) * (g * np.uint64(F) + np.uint64(q))
                    pick = int(uniform(k1, k2, c) * F)
                    if pick >= F:
                        pick = F - 1
                    i = order[pick]
                    u = uniform(k1, k2, c + np.uint64(1))
                else:
                    i = order[q]
                    u = uniform(k1, k2, g * np.uint64(N) + np.uint64(i))
                x = field[r, i]
                if table_shift >= 0:
                    factor = table[int(x) + table_shift]
                else:
                    factor = 1.0 + math.exp(-beta2 * x)
                new = np.int8(1) if u * factor < 1.0 else np.int8(-1)
                old = m[r, i]
                if new != old:
                    m[r, i] = new
                    d = 2.0 if new > 0 else -2.0
                    e -= d * x
                    for k in range(indptr[i], indptr[i + 1]):
                        field[r, indices[k]] += data[k] * d
                    nfl += 1
            if e < best_energy[r]:
                best_energy[r] = e
                best_sweep[r] = sweep0 + s
                for i in range(N):
                    best_state[r, i] = m[r, i]
            trace[r, s] = e
            for k in range(K):
                record[r, s, k] = m[r, record_idx[k]]
        energy[r] = e
        flips[r] = nfl


@nb.njit(**_JIT)
def uniforms_at(k1, k2, counters, out):
    """out[k] = uniform(k1, k2, counters[k]) (uint64 counters): the numbers the sweeps use, for
    reference implementations and tests."""
    for k in range(counters.shape[0]):
        out[k] = uniform(k1, k2, counters[k])
