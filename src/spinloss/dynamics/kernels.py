"""numba kernels for batched macrospin dynamics (plain float64 arrays, structure of arrays).

Layout
------
* ``m``: (3, N) magnetization, rows mx, my, mz.
* ``P``: (NPAR, N) per-device coefficients, rows given by the ``R_*`` constants below. Fields are
  pre-multiplied by ``c = gamma mu0 / (1 + alpha^2)`` (so they are rates, 1/s) by
  :func:`spinloss.dynamics.integrators.pack_parameters`, each term packing its own rows
  (:mod:`spinloss.dynamics.terms`); the equation is the explicit form of
  :mod:`spinloss.dynamics.llg`. ``_field`` / ``_wfield`` fuse the field terms (Zeeman R_HA*,
  demagnetization R_D*, uniaxial anisotropy R_HK, R_U*) and ``llg_rhs`` the torque terms (one
  channel: R_S*, R_TA, R_TB); a new term adds its rows here and its arithmetic to both.
* Waveform: ``wt``, ``wv`` of shape (Nw, K), Nw = 1 (shared) or N; piecewise linear, zero
  outside [wt[0], wt[-1]], right-continuous at repeated times (jumps).

Parallel structure: ``prange`` over chunks of devices; each chunk runs all time steps of a slice
(the time loop is inside the thread). Within a chunk, the loop over devices is the inner loop and
is branch-free so LLVM vectorizes it (AVX2). No ``fastmath``: every operation is exactly rounded
IEEE, so the vector body and the scalar remainder give identical bits and results do not depend on
the chunk a device lands in (thread count, batch split).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .rng import (f64_as_u64, u64_as_f64, coefficients, cos_half, half_angle, neg2_log_unit,
                  normal3_c, signed_radius, sin_half, words2)

R_ALPHA = 0
R_DXX, R_DYY, R_DZZ = 1, 2, 3
R_HK = 4
R_UX, R_UY, R_UZ = 5, 6, 7
R_HAX, R_HAY, R_HAZ = 8, 9, 10
R_SX, R_SY, R_SZ = 11, 12, 13
R_TA = 14
R_TB = 15
R_SIG = 16
R_AX, R_AY, R_AZ = 17, 18, 19
R_THR = 20
R_T0 = 21
NPAR = 22

_JIT = dict(nogil=True, error_model="numpy", cache=True)


@nb.njit(inline="always", **_JIT)
def llg_rhs(mx, my, mz, hx, hy, hz, alpha, ta, tb, sx, sy, sz):
    """dm/dt / c for c = gamma mu0/(1+alpha^2) (the caller scales); the explicit form derived in
    :mod:`spinloss.dynamics.llg`.

    ``h`` is the total field (any unit, the same scale as ``ta``, ``tb``), ``ta`` = H_FL -
    alpha H_DL and ``tb`` = H_DL + alpha H_FL (see the module docstring), s the polarization.
    Returns the three components of -[m x A + m x (m x B)].
    """
    ax = hx + ta * sx
    ay = hy + ta * sy
    az = hz + ta * sz
    bx = alpha * hx + tb * sx
    by = alpha * hy + tb * sy
    bz = alpha * hz + tb * sz
    mb = mx * bx + my * by + mz * bz
    mm = mx * mx + my * my + mz * mz
    dx = -(my * az - mz * ay) - (mx * mb - bx * mm)
    dy = -(mz * ax - mx * az) - (my * mb - by * mm)
    dz = -(mx * ay - my * ax) - (mz * mb - bz * mm)
    return dx, dy, dz




@nb.njit(**_JIT)
def wave_value(wt, wv, w, t, seg):
    """j(t) (right-continuous) using and advancing the segment pointer ``seg`` (t non-decreasing).

    Returns (value, new_seg).
    """
    K = wt.shape[1]
    if K == 0:
        return 0.0, seg
    if t < wt[w, 0] or t >= wt[w, K - 1]:
        return 0.0, seg
    while seg < K - 2 and t >= wt[w, seg + 1]:
        seg += 1
    t0 = wt[w, seg]
    t1 = wt[w, seg + 1]
    v0 = wv[w, seg]
    v1 = wv[w, seg + 1]
    if t1 > t0:
        if t1 == np.inf:
            return v0, seg
        return v0 + (v1 - v0) * ((t - t0) / (t1 - t0)), seg
    return v1, seg


@nb.njit(**_JIT)
def wave_segment(wt, wv, w, t):
    """Index of the segment containing t: k with wt[k] <= t < wt[k+1]; -1 before, K-1 after."""
    K = wt.shape[1]
    lo = 0
    hi = K
    while lo < hi:  # number of breakpoints <= t
        mid = (lo + hi) // 2
        if wt[w, mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@nb.njit(**_JIT)
def wave_on_segment(wt, wv, w, k, t):
    """The linear piece of segment k evaluated at t (0 outside the waveform)."""
    K = wt.shape[1]
    if k < 0 or k >= K - 1:
        return 0.0
    t0 = wt[w, k]
    t1 = wt[w, k + 1]
    v0 = wv[w, k]
    v1 = wv[w, k + 1]
    if t1 > t0 and t1 != np.inf:
        return v0 + (v1 - v0) * ((t - t0) / (t1 - t0))
    return v1 if t1 == t0 else v0


@nb.njit(**_JIT)
def eval_waveform(wt, wv, t, seg, out):
    """out[i] = j_i(t[i]); seg[i] is the pointer to use and update."""
    nw = wt.shape[0]
    for i in range(t.shape[0]):
        w = i if nw > 1 else 0
        out[i], seg[i] = wave_value(wt, wv, w, t[i], seg[i])


@nb.njit(inline="always", **_JIT)
def _field(P, i, mx, my, mz):
    """Deterministic effective field (scaled by c): applied - demag + uniaxial anisotropy."""
    mu = (mx * P[R_UX, i] + my * P[R_UY, i] + mz * P[R_UZ, i]) * P[R_HK, i]
    hx = P[R_HAX, i] - P[R_DXX, i] * mx + mu * P[R_UX, i]
    hy = P[R_HAY, i] - P[R_DYY, i] * my + mu * P[R_UY, i]
    hz = P[R_HAZ, i] - P[R_DZZ, i] * mz + mu * P[R_UZ, i]
    return hx, hy, hz


# Work-array layout of one chunk: row r of device k at W[r * CW + k]. All per-device data of a
# chunk live in ONE local 1-D array with compile-time row offsets, so LLVM sees constant
# dependence distances (>= CW elements) instead of unknown aliasing between many arrays, and
# vectorizes the device loop without runtime alias checks.
CW = 64
SCALAR_BELOW = 4  # chunks with fewer devices run the register-resident scalar path
W_MX, W_MY, W_MZ = NPAR, NPAR + 1, NPAR + 2
W_J0, W_J1 = NPAR + 3, NPAR + 4
W_SW = NPAR + 5
W_TX, W_TY, W_TZ = NPAR + 6, NPAR + 7, NPAR + 8
W_W0, W_W1 = NPAR + 9, NPAR + 10  # the step's two random words (uint64 bits stored as float64)
W_PX, W_PY, W_PZ = NPAR + 11, NPAR + 12, NPAR + 13  # Heun predictor
W_DX, W_DY, W_DZ = NPAR + 14, NPAR + 15, NPAR + 16  # dm/dt at the start of the step
NW = NPAR + 17


@nb.njit(inline="always", **_JIT)
def _wfield(W, k, mx, my, mz):
    mu = (mx * W[R_UX * CW + k] + my * W[R_UY * CW + k] + mz * W[R_UZ * CW + k]) * W[R_HK * CW + k]
    hx = W[R_HAX * CW + k] - W[R_DXX * CW + k] * mx + mu * W[R_UX * CW + k]
    hy = W[R_HAY * CW + k] - W[R_DYY * CW + k] * my + mu * W[R_UY * CW + k]
    hz = W[R_HAZ * CW + k] - W[R_DZZ * CW + k] * mz + mu * W[R_UZ * CW + k]
    return hx, hy, hz


@nb.njit(**_JIT)
def _thermal_vec(W, KK, n_dev, ctr, c):
    """Thermal field (scaled) of one step for the chunk: rows W_TX..W_TZ.

    Four short vectorizable loops (hash -> words, word -> -2 ln u twice, radii and angles ->
    field) instead of one: a single 300-instruction body is latency bound (the out-of-order window
    cannot overlap its iterations); the short ones run ~1.5x faster. Same operations in the same
    order as ``rng.normal3_c``, so the scalar path gives the same bits.
    """
    for k in range(n_dev):
        w0, w1 = words2(KK[k], KK[CW + k], ctr)
        W[W_W0 * CW + k] = u64_as_f64(w0)
        W[W_W1 * CW + k] = u64_as_f64(w1)
    for k in range(n_dev):
        W[W_TX * CW + k] = neg2_log_unit(f64_as_u64(W[W_W0 * CW + k]), c)
    for k in range(n_dev):
        W[W_TZ * CW + k] = neg2_log_unit(f64_as_u64(W[W_W1 * CW + k]), c)
    for k in range(n_dev):
        w0 = f64_as_u64(W[W_W0 * CW + k])
        w1 = f64_as_u64(W[W_W1 * CW + k])
        r0 = signed_radius(W[W_TX * CW + k], w0)
        r1 = signed_radius(W[W_TZ * CW + k], w1)
        p0 = half_angle(w0, c)
        p1 = half_angle(w1, c)
        sig = W[R_SIG * CW + k]
        W[W_TX * CW + k] = sig * (r0 * cos_half(p0, c))
        W[W_TY * CW + k] = sig * (r0 * sin_half(p0, c))
        W[W_TZ * CW + k] = sig * (r1 * cos_half(p1, c))


@nb.njit(**_JIT)
def _heun_steps_vec(W, n_dev, dt, n):
    """One Heun step for the n_dev devices of a chunk; the thermal field rows hold the draw of
    this step (zero at T = 0). Three vectorizable loops (predictor; corrector; renormalization +
    switching check) rather than one: shorter bodies let the out-of-order core overlap
    iterations (one ~260-instruction body with a sqrt -> div -> div chain is latency bound)."""
    for k in range(n_dev):
        mx = W[W_MX * CW + k]
        my = W[W_MY * CW + k]
        mz = W[W_MZ * CW + k]
        j0 = W[W_J0 * CW + k]
        hx, hy, hz = _wfield(W, k, mx, my, mz)
        ax, ay, az = llg_rhs(mx, my, mz, hx + W[W_TX * CW + k], hy + W[W_TY * CW + k],
                             hz + W[W_TZ * CW + k], W[R_ALPHA * CW + k],
                             j0 * W[R_TA * CW + k], j0 * W[R_TB * CW + k],
                             W[R_SX * CW + k], W[R_SY * CW + k], W[R_SZ * CW + k])
        W[W_DX * CW + k] = ax
        W[W_DY * CW + k] = ay
        W[W_DZ * CW + k] = az
        W[W_PX * CW + k] = mx + dt * ax
        W[W_PY * CW + k] = my + dt * ay
        W[W_PZ * CW + k] = mz + dt * az
    for k in range(n_dev):
        px = W[W_PX * CW + k]
        py = W[W_PY * CW + k]
        pz = W[W_PZ * CW + k]
        j1 = W[W_J1 * CW + k]
        hx, hy, hz = _wfield(W, k, px, py, pz)
        bx, by, bz = llg_rhs(px, py, pz, hx + W[W_TX * CW + k], hy + W[W_TY * CW + k],
                             hz + W[W_TZ * CW + k], W[R_ALPHA * CW + k],
                             j1 * W[R_TA * CW + k], j1 * W[R_TB * CW + k],
                             W[R_SX * CW + k], W[R_SY * CW + k], W[R_SZ * CW + k])
        W[W_PX * CW + k] = W[W_MX * CW + k] + (0.5 * dt) * (W[W_DX * CW + k] + bx)
        W[W_PY * CW + k] = W[W_MY * CW + k] + (0.5 * dt) * (W[W_DY * CW + k] + by)
        W[W_PZ * CW + k] = W[W_MZ * CW + k] + (0.5 * dt) * (W[W_DZ * CW + k] + bz)
    hit = 0
    for k in range(n_dev):
        mx = W[W_MX * CW + k]
        my = W[W_MY * CW + k]
        mz = W[W_MZ * CW + k]
        nx = W[W_PX * CW + k]
        ny = W[W_PY * CW + k]
        nz = W[W_PZ * CW + k]
        inv = 1.0 / np.sqrt(nx * nx + ny * ny + nz * nz)
        nx *= inv
        ny *= inv
        nz *= inv
        W[W_MX * CW + k] = nx
        W[W_MY * CW + k] = ny
        W[W_MZ * CW + k] = nz
        # switching: first crossing of m.a above the threshold (rare: the interpolation and its
        # division run in a scalar pass only for the chunk-steps that have a crossing)
        thr = W[R_THR * CW + k]
        d0 = mx * W[R_AX * CW + k] + my * W[R_AY * CW + k] + mz * W[R_AZ * CW + k]
        d1 = nx * W[R_AX * CW + k] + ny * W[R_AY * CW + k] + nz * W[R_AZ * CW + k]
        W[W_PX * CW + k] = d0
        W[W_PY * CW + k] = d1
        st = W[W_SW * CW + k]
        hit += np.int64((st != st) & (d1 > thr))
    if hit > 0:
        for k in range(n_dev):
            d0 = W[W_PX * CW + k]
            d1 = W[W_PY * CW + k]
            thr = W[R_THR * CW + k]
            st = W[W_SW * CW + k]
            if st != st and d1 > thr:
                frac = (thr - d0) / (d1 - d0)
                frac = min(max(frac, 0.0), 1.0)
                W[W_SW * CW + k] = W[R_T0 * CW + k] + (n + frac) * dt


@nb.njit(**_JIT)
def _heun_device_scalar(i, m, P, key1, key2, wt, wv, seg, jprev, sw_time, dt, n_begin, n_end,
                        rng_offset, stochastic, rec_every, traj, jrec):
    """All steps of one device with the state in registers (small chunks, e.g. N = 1).

    Performs exactly the operations of ``_thermal_vec`` + ``_heun_steps_vec`` in the same order,
    so results are bit-identical to the vectorized chunk path.
    """
    w = i if wt.shape[0] > 1 else 0
    mx = m[0, i]
    my = m[1, i]
    mz = m[2, i]
    alpha = P[R_ALPHA, i]
    sx = P[R_SX, i]
    sy = P[R_SY, i]
    sz = P[R_SZ, i]
    ta = P[R_TA, i]
    tb = P[R_TB, i]
    sig = P[R_SIG, i]
    thr = P[R_THR, i]
    a_x = P[R_AX, i]
    a_y = P[R_AY, i]
    a_z = P[R_AZ, i]
    t0 = P[R_T0, i]
    k1 = key1[i]
    k2 = key2[i]
    j1 = jprev[i]
    sg = seg[i]
    st = sw_time[i]
    thx = 0.0
    thy = 0.0
    thz = 0.0
    c = coefficients()
    for n in range(n_begin, n_end):
        j0 = j1
        j1, sg = wave_value(wt, wv, w, t0 + (n + 1) * dt, sg)
        if stochastic:
            g1, g2, g3 = normal3_c(k1, k2, np.uint64(rng_offset + n), c)
            thx = sig * g1
            thy = sig * g2
            thz = sig * g3
        hx, hy, hz = _field(P, i, mx, my, mz)
        ax, ay, az = llg_rhs(mx, my, mz, hx + thx, hy + thy, hz + thz, alpha,
                             j0 * ta, j0 * tb, sx, sy, sz)
        px = mx + dt * ax
        py = my + dt * ay
        pz = mz + dt * az
        hx, hy, hz = _field(P, i, px, py, pz)
        bx, by, bz = llg_rhs(px, py, pz, hx + thx, hy + thy, hz + thz, alpha,
                             j1 * ta, j1 * tb, sx, sy, sz)
        nx = mx + (0.5 * dt) * (ax + bx)
        ny = my + (0.5 * dt) * (ay + by)
        nz = mz + (0.5 * dt) * (az + bz)
        inv = 1.0 / np.sqrt(nx * nx + ny * ny + nz * nz)
        nx *= inv
        ny *= inv
        nz *= inv
        d0 = mx * a_x + my * a_y + mz * a_z
        d1 = nx * a_x + ny * a_y + nz * a_z
        if st != st and d1 > thr:
            frac = (thr - d0) / (d1 - d0)
            frac = min(max(frac, 0.0), 1.0)
            st = t0 + (n + frac) * dt
        mx = nx
        my = ny
        mz = nz
        if rec_every > 0 and (n + 1) % rec_every == 0:
            r = (n + 1) // rec_every
            traj[r, 0, i] = mx
            traj[r, 1, i] = my
            traj[r, 2, i] = mz
            jrec[r, i] = j1
    m[0, i] = mx
    m[1, i] = my
    m[2, i] = mz
    jprev[i] = j1
    seg[i] = sg
    sw_time[i] = st


@nb.njit(**_JIT)
def _heun_chunk(lo, hi, m, P, key1, key2, wt, wv, seg, jprev, sw_time, dt, n_begin, n_end,
                rng_offset, stochastic, uniform_time, rec_every, traj, jrec):
    n_dev = hi - lo
    nw = wt.shape[0]
    W = np.empty(NW * CW)
    KK = np.empty(2 * CW, dtype=np.uint64)
    c = coefficients()
    for k in range(n_dev):
        i = lo + k
        for r in range(NPAR):
            W[r * CW + k] = P[r, i]
        W[W_MX * CW + k] = m[0, i]
        W[W_MY * CW + k] = m[1, i]
        W[W_MZ * CW + k] = m[2, i]
        W[W_J1 * CW + k] = jprev[i]
        W[W_SW * CW + k] = sw_time[i]
        W[W_TX * CW + k] = 0.0
        W[W_TY * CW + k] = 0.0
        W[W_TZ * CW + k] = 0.0
        KK[k] = key1[i]
        KK[CW + k] = key2[i]
    for n in range(n_begin, n_end):
        # current at the start (previous end) and at the end of the step
        for k in range(n_dev):
            W[W_J0 * CW + k] = W[W_J1 * CW + k]
        if uniform_time:
            t1 = W[R_T0 * CW] + (n + 1) * dt
            jv, s0 = wave_value(wt, wv, 0, t1, seg[lo])
            seg[lo] = s0
            for k in range(n_dev):
                W[W_J1 * CW + k] = jv
        else:
            for k in range(n_dev):
                i = lo + k
                w = i if nw > 1 else 0
                t1 = W[R_T0 * CW + k] + (n + 1) * dt
                W[W_J1 * CW + k], seg[i] = wave_value(wt, wv, w, t1, seg[i])
        if stochastic:
            _thermal_vec(W, KK, n_dev, np.uint64(rng_offset + n), c)
        _heun_steps_vec(W, n_dev, dt, n)
        if rec_every > 0 and (n + 1) % rec_every == 0:
            r = (n + 1) // rec_every
            for k in range(n_dev):
                i = lo + k
                traj[r, 0, i] = W[W_MX * CW + k]
                traj[r, 1, i] = W[W_MY * CW + k]
                traj[r, 2, i] = W[W_MZ * CW + k]
                jrec[r, i] = W[W_J1 * CW + k]
    for k in range(n_dev):
        i = lo + k
        m[0, i] = W[W_MX * CW + k]
        m[1, i] = W[W_MY * CW + k]
        m[2, i] = W[W_MZ * CW + k]
        jprev[i] = W[W_J1 * CW + k]
        sw_time[i] = W[W_SW * CW + k]
    if uniform_time:
        for k in range(1, n_dev):
            seg[lo + k] = seg[lo]


@nb.njit(**_JIT)
def _heun_one_chunk(c, chunk, m, P, key1, key2, wt, wv, seg, jprev, sw_time, dt, n_begin, n_end,
                    rng_offset, stochastic, uniform_time, rec_every, traj, jrec):
    """All steps n_begin..n_end-1 for chunk ``c`` of devices (vector path, or scalar when small)."""
    N = m.shape[1]
    lo = c * chunk
    hi = min(N, lo + chunk)
    if hi - lo < SCALAR_BELOW:
        for i in range(lo, hi):
            _heun_device_scalar(i, m, P, key1, key2, wt, wv, seg, jprev, sw_time, dt, n_begin,
                                n_end, rng_offset, stochastic, rec_every, traj, jrec)
    else:
        _heun_chunk(lo, hi, m, P, key1, key2, wt, wv, seg, jprev, sw_time, dt, n_begin, n_end,
                    rng_offset, stochastic, uniform_time, rec_every, traj, jrec)


@nb.njit(parallel=True, **_JIT)
def heun_run(m, P, key1, key2, wt, wv, seg, jprev, sw_time, dt, n_begin, n_end, rng_offset,
             stochastic, uniform_time, chunk, rec_every, traj, jrec):
    """Stochastic Heun (Stratonovich) steps n_begin..n_end-1 for all devices, in place.

    Thermal field per step: P[R_SIG] * N(0,1) per component, drawn from
    ``rng.normal3(key1[i], key2[i], rng_offset + n)``; held fixed over the predictor and corrector.
    |m| renormalized after every step. ``sw_time`` (NaN = not yet) gets the first crossing time.
    The time loop runs inside each thread's chunk of devices (one prange launch per call).
    """
    chunk = min(chunk, CW)
    nch = (m.shape[1] + chunk - 1) // chunk
    for c in nb.prange(nch):
        _heun_one_chunk(c, chunk, m, P, key1, key2, wt, wv, seg, jprev, sw_time, dt, n_begin, n_end,
                        rng_offset, stochastic, uniform_time, rec_every, traj, jrec)


@nb.njit(**_JIT)
def heun_run_serial(m, P, key1, key2, wt, wv, seg, jprev, sw_time, dt, n_begin, n_end, rng_offset,
                    stochastic, uniform_time, chunk, rec_every, traj, jrec):
    """Same as :func:`heun_run` without threads (one chunk: no thread barrier)."""
    chunk = min(chunk, CW)
    nch = (m.shape[1] + chunk - 1) // chunk
    for c in range(nch):
        _heun_one_chunk(c, chunk, m, P, key1, key2, wt, wv, seg, jprev, sw_time, dt, n_begin, n_end,
                        rng_offset, stochastic, uniform_time, rec_every, traj, jrec)


@nb.njit(parallel=True, **_JIT)
def heun_run_sliced(m, PS, bounds, key1, key2, wt, wv, seg, jprev, sw_time, dt, rng_offset,
                    stochastic, uniform_time, chunk, rec_every, traj, jrec):
    """:func:`heun_run` over consecutive slices with their own coefficients: steps
    bounds[s]..bounds[s+1]-1 use ``PS[s]`` (a run whose parameters change with time, e.g. a
    heated magnet). Each thread runs all slices of its chunk of devices (one prange launch for
    the whole block instead of one per slice); the same arithmetic as one :func:`heun_run` call
    per slice, so the results are identical."""
    chunk = min(chunk, CW)
    nch = (m.shape[1] + chunk - 1) // chunk
    for c in nb.prange(nch):
        for s in range(PS.shape[0]):
            if bounds[s + 1] > bounds[s]:
                _heun_one_chunk(c, chunk, m, PS[s], key1, key2, wt, wv, seg, jprev, sw_time, dt, bounds[s],
                                bounds[s + 1], rng_offset, stochastic, uniform_time, rec_every, traj, jrec)


@nb.njit(**_JIT)
def heun_run_sliced_serial(m, PS, bounds, key1, key2, wt, wv, seg, jprev, sw_time, dt, rng_offset,
                           stochastic, uniform_time, chunk, rec_every, traj, jrec):
    """Same as :func:`heun_run_sliced` without threads."""
    chunk = min(chunk, CW)
    nch = (m.shape[1] + chunk - 1) // chunk
    for c in range(nch):
        for s in range(PS.shape[0]):
            if bounds[s + 1] > bounds[s]:
                _heun_one_chunk(c, chunk, m, PS[s], key1, key2, wt, wv, seg, jprev, sw_time, dt, bounds[s],
                                bounds[s + 1], rng_offset, stochastic, uniform_time, rec_every, traj, jrec)


# ---------------------------------------------------------------------------------------------
# Dormand-Prince 5(4), deterministic, adaptive, one device per iteration
# ---------------------------------------------------------------------------------------------

@nb.njit(inline="always", **_JIT)
def _rhs_dev(P, i, mx, my, mz, j):
    hx, hy, hz = _field(P, i, mx, my, mz)
    return llg_rhs(mx, my, mz, hx, hy, hz, P[R_ALPHA, i], j * P[R_TA, i], j * P[R_TB, i],
                   P[R_SX, i], P[R_SY, i], P[R_SZ, i])


@nb.njit(**_JIT)
def deterministic_rhs(m, P, j, out):
    """out[:, i] = dm/dt (1/s) of device i at state m[:, i] (m, out: (3, N)) and current density
    j[i] (A/m^2), without the thermal field: the fused field (``_field``) and torque
    (``llg_rhs``) exactly as the Dormand-Prince stages evaluate them. For tests (the fused kernel
    against the sum of the terms, :mod:`spinloss.dynamics.terms`) and tools."""
    for i in range(m.shape[1]):
        out[0, i], out[1, i], out[2, i] = _rhs_dev(P, i, m[0, i], m[1, i], m[2, i], j[i])


@nb.njit(**_JIT)
def _dp_device(i, m, P, wt, wv, duration, rtol, atol, h_init, rec_dt, n_rec, traj, jrec,
               sw_time, stats, max_steps):
    w = i if wt.shape[0] > 1 else 0
    K = wt.shape[1]
    t0 = P[R_T0, i]
    y0 = m[0, i]
    y1 = m[1, i]
    y2 = m[2, i]
    thr = P[R_THR, i]
    axx = P[R_AX, i]
    axy = P[R_AY, i]
    axz = P[R_AZ, i]
    t = 0.0  # elapsed
    hp = h_init  # proposed step
    h = hp
    n_acc = 0
    n_rej = 0
    rec_next = 1
    kw = wave_segment(wt, wv, w, t0)  # next waveform breakpoint index to respect
    while t < duration:
        # next stop: end, next record time, next waveform breakpoint (elapsed time)
        stop = duration
        if rec_dt > 0.0 and rec_next < n_rec:
            stop = min(stop, rec_next * rec_dt)
        while kw + 1 < K and wt[w, kw + 1] - t0 <= t:
            kw += 1
        if kw + 1 < K:
            tb = wt[w, kw + 1] - t0
            if tb > t:
                stop = min(stop, tb)
        last = False
        h = hp
        if t + h >= stop * (1.0 - 1e-14) or t + h >= stop:
            h = stop - t
            last = True
        # current on this step: the linear piece containing the midpoint
        seg = wave_segment(wt, wv, w, t0 + t + 0.5 * h)
        ta = t0 + t
        j1 = wave_on_segment(wt, wv, w, seg, ta)
        j2 = wave_on_segment(wt, wv, w, seg, ta + 0.2 * h)
        j3 = wave_on_segment(wt, wv, w, seg, ta + 0.3 * h)
        j4 = wave_on_segment(wt, wv, w, seg, ta + 0.8 * h)
        j5 = wave_on_segment(wt, wv, w, seg, ta + (8.0 / 9.0) * h)
        j6 = wave_on_segment(wt, wv, w, seg, ta + h)
        k1x, k1y, k1z = _rhs_dev(P, i, y0, y1, y2, j1)
        k2x, k2y, k2z = _rhs_dev(P, i, y0 + h * (0.2 * k1x), y1 + h * (0.2 * k1y),
                                 y2 + h * (0.2 * k1z), j2)
        k3x, k3y, k3z = _rhs_dev(P, i,
                                 y0 + h * (3.0 / 40.0 * k1x + 9.0 / 40.0 * k2x),
                                 y1 + h * (3.0 / 40.0 * k1y + 9.0 / 40.0 * k2y),
                                 y2 + h * (3.0 / 40.0 * k1z + 9.0 / 40.0 * k2z), j3)
        k4x, k4y, k4z = _rhs_dev(P, i,
                                 y0 + h * (44.0 / 45.0 * k1x - 56.0 / 15.0 * k2x + 32.0 / 9.0 * k3x),
                                 y1 + h * (44.0 / 45.0 * k1y - 56.0 / 15.0 * k2y + 32.0 / 9.0 * k3y),
                                 y2 + h * (44.0 / 45.0 * k1z - 56.0 / 15.0 * k2z + 32.0 / 9.0 * k3z),
                                 j4)
        k5x, k5y, k5z = _rhs_dev(P, i,
                                 y0 + h * (19372.0 / 6561.0 * k1x - 25360.0 / 2187.0 * k2x
                                           + 64448.0 / 6561.0 * k3x - 212.0 / 729.0 * k4x),
                                 y1 + h * (19372.0 / 6561.0 * k1y - 25360.0 / 2187.0 * k2y
                                           + 64448.0 / 6561.0 * k3y - 212.0 / 729.0 * k4y),
                                 y2 + h * (19372.0 / 6561.0 * k1z - 25360.0 / 2187.0 * k2z
                                           + 64448.0 / 6561.0 * k3z - 212.0 / 729.0 * k4z), j5)
        k6x, k6y, k6z = _rhs_dev(P, i,
                                 y0 + h * (9017.0 / 3168.0 * k1x - 355.0 / 33.0 * k2x
                                           + 46732.0 / 5247.0 * k3x + 49.0 / 176.0 * k4x
                                           - 5103.0 / 18656.0 * k5x),
                                 y1 + h * (9017.0 / 3168.0 * k1y - 355.0 / 33.0 * k2y
                                           + 46732.0 / 5247.0 * k3y + 49.0 / 176.0 * k4y
                                           - 5103.0 / 18656.0 * k5y),
                                 y2 + h * (9017.0 / 3168.0 * k1z - 355.0 / 33.0 * k2z
                                           + 46732.0 / 5247.0 * k3z + 49.0 / 176.0 * k4z
                                           - 5103.0 / 18656.0 * k5z), j6)
        # 5th-order solution
        z0 = y0 + h * (35.0 / 384.0 * k1x + 500.0 / 1113.0 * k3x + 125.0 / 192.0 * k4x
                       - 2187.0 / 6784.0 * k5x + 11.0 / 84.0 * k6x)
        z1 = y1 + h * (35.0 / 384.0 * k1y + 500.0 / 1113.0 * k3y + 125.0 / 192.0 * k4y
                       - 2187.0 / 6784.0 * k5y + 11.0 / 84.0 * k6y)
        z2 = y2 + h * (35.0 / 384.0 * k1z + 500.0 / 1113.0 * k3z + 125.0 / 192.0 * k4z
                       - 2187.0 / 6784.0 * k5z + 11.0 / 84.0 * k6z)
        k7x, k7y, k7z = _rhs_dev(P, i, z0, z1, z2, j6)
        # error estimate: b5 - b4
        e1 = 71.0 / 57600.0
        e3 = -71.0 / 16695.0
        e4 = 71.0 / 1920.0
        e5 = -17253.0 / 339200.0
        e6 = 22.0 / 525.0
        e7 = -1.0 / 40.0
        ex = h * (e1 * k1x + e3 * k3x + e4 * k4x + e5 * k5x + e6 * k6x + e7 * k7x)
        ey = h * (e1 * k1y + e3 * k3y + e4 * k4y + e5 * k5y + e6 * k6y + e7 * k7y)
        ez = h * (e1 * k1z + e3 * k3z + e4 * k4z + e5 * k5z + e6 * k6z + e7 * k7z)
        sx_ = atol + rtol * max(abs(y0), abs(z0))
        sy_ = atol + rtol * max(abs(y1), abs(z1))
        sz_ = atol + rtol * max(abs(y2), abs(z2))
        err = np.sqrt(((ex / sx_) ** 2 + (ey / sy_) ** 2 + (ez / sz_) ** 2) / 3.0)
        if err <= 1.0 or h <= 1e-22:
            inv = 1.0 / np.sqrt(z0 * z0 + z1 * z1 + z2 * z2)
            z0 *= inv
            z1 *= inv
            z2 *= inv
            d0 = y0 * axx + y1 * axy + y2 * axz
            d1 = z0 * axx + z1 * axy + z2 * axz
            if sw_time[i] != sw_time[i] and d1 > thr:
                frac = min(max((thr - d0) / (d1 - d0), 0.0), 1.0)
                sw_time[i] = t0 + t + frac * h
            y0 = z0
            y1 = z1
            y2 = z2
            t = stop if last else t + h
            n_acc += 1
            if rec_dt > 0.0 and rec_next < n_rec and t >= rec_next * rec_dt * (1.0 - 1e-14):
                traj[rec_next, 0, i] = y0
                traj[rec_next, 1, i] = y1
                traj[rec_next, 2, i] = y2
                jrec[rec_next, i] = wave_on_segment(wt, wv, w, wave_segment(wt, wv, w, t0 + t), t0 + t)
                rec_next += 1
            fac = 5.0 if err == 0.0 else min(5.0, max(0.2, 0.9 * err ** -0.2))
            hp = max(hp, h * fac) if last else h * fac
        else:
            n_rej += 1
            hp = h * max(0.2, 0.9 * err ** -0.2)
        if n_acc + n_rej > max_steps:
            break
    m[0, i] = y0
    m[1, i] = y1
    m[2, i] = y2
    stats[0, i] = n_acc
    stats[1, i] = n_rej
    stats[2, i] = t


@nb.njit(parallel=True, **_JIT)
def dopri_run(m, P, wt, wv, duration, rtol, atol, h_init, rec_dt, n_rec, traj, jrec, sw_time,
              stats, max_steps):
    """Adaptive Dormand-Prince 5(4) (T = 0) for every device, in place; breakpoints of the
    waveform and record times are step boundaries; |m| renormalized after each accepted step."""
    for i in nb.prange(m.shape[1]):
        _dp_device(np.int64(i), m, P, wt, wv, duration, rtol, atol, h_init, rec_dt, n_rec, traj, jrec,
                   sw_time, stats, max_steps)
