"""Counter-based Gaussian random numbers usable inside numba kernels.

Why counter-based
-----------------
The thermal field of device ``i`` at time step ``n`` is a pure function of
``(seed, stream_id[i], n, component)``. No generator state is carried between devices or
threads, so a run gives bit-identical results for any number of threads and any split of the
batch into pieces (the stochastic-LLG engine relies on this, see ``kernels.py``).

Construction
------------
* Mixing function: the 64-bit finalizer of SplitMix64 (``mix64``; constants of the "Mix13"
  variant by D. Stafford, as used by G. Steele, D. Lea, C. Flood, OOPSLA 2014 and S. Vigna's
  ``splitmix64``). It is a bijection of 64-bit words with full avalanche.
* Keys: ``key1 = mix64(mix64(seed*G + C1) ^ mix64(stream_id + C2))``, ``key2 = mix64(key1 ^ C3)``
  with ``G`` the 64-bit golden-ratio constant.
* Per step ``n``: ``base = mix64((n*G) ^ key1)``, then two words ``w0 = mix64(base ^ key2)``,
  ``w1 = mix64(base ^ (key2 + G))`` (:func:`words2`). Two streams can only produce the same
  ``base`` by a 64-bit coincidence, and even then ``key2`` differs, so their words differ.
  Three mixes per device-step (the previous version used four and a third word).
* Gaussians: Box-Muller on the two words, 64 bits each, split as
  ``[63..24]`` radius uniform (40 bits), ``[23]`` sign, ``[22..0]`` angle (23 bits):
  ``g1, g2 = r0 cos phi0, r0 sin phi0`` and ``g3 = r1 cos phi1`` (the fourth normal,
  ``r1 sin phi1``, is not needed). No libm call, so LLVM vectorizes the loop over devices
  (AVX2 here; numba's SVML is not active on this machine):

  - ``u = 2 - f`` with ``f`` in [1, 2) built from the 40 radius bits (IEEE bit pattern): ``u`` is
    in (0, 1] on a 2^-40 grid, exact, so ``|g| <= sqrt(2*40*ln 2) = 7.45``: the tail beyond is
    truncated, probability 1e-13 per draw (irrelevant for thermal activation, which integrates
    many steps' kicks).
  - ``ln u = e ln2 + ln(m)`` with ``u = 2^e m``, ``m`` in [1/sqrt2, sqrt2): fdlibm-style
    reduction on the bit pattern (subtract the bits of sqrt(1/2), the exponent field of the
    difference is ``e``), ``ln m = 2 atanh(s) = 2 s P(s^2)``, ``s = (m-1)/(m+1)``,
    ``|s| <= 0.1716``, ``P`` a degree-5 near-minimax polynomial (Chebyshev-node least squares in
    40-digit arithmetic): relative error < 3e-14. The kernel evaluates
    ``-2 ln u = -2 ln2 e - 4 s P(s^2)`` with ``-4 P`` stored (exact power-of-two scaling).
  - ``phi`` is uniform in (-pi/2, pi/2) (23 bits plus a half-ulp offset, so the grid is
    symmetric) and the sign bit flips ``r``, which covers the full circle uniformly. ``cos`` and
    ``sin/x`` are degree-7 and degree-6 near-minimax polynomials in ``phi^2`` on |phi| <= pi/2:
    absolute error < 3e-15 and < 6e-14.

  The result is a standard normal to < 1e-12 x max(1, |g|) (tested against a libm evaluation of
  the same Box-Muller formula on the same words, and statistically: moments, Kolmogorov-Smirnov,
  tails, independence between streams/steps/components in ``tests/test_dynamics_rng.py``).

Arithmetic and speed
--------------------
All arithmetic is exactly rounded IEEE (no ``fastmath``): polynomials use ``llvm.fma`` (one
rounding per multiply-add, a correctly rounded IEEE operation, ``vfmadd`` on this CPU), so the
vectorized and the scalar code paths give identical bits. The polynomial coefficients reach the
loops through :func:`coefficients` (an identity LLVM cannot see through): as literals, LLVM
rematerialized every 64-bit constant inside the loop (``movabs`` + ``vmovq`` + ``vbroadcastsd`` per
use, numba's large code model); as loop-invariant values they stay in registers or are folded
memory operands. Kernels that want the best throughput call the stages separately (:func:`words2`,
:func:`neg2_log_unit`, :func:`signed_radius`, :func:`half_angle`, :func:`cos_half`,
:func:`sin_half`) in short loops (see ``kernels._thermal_vec``): one long loop body is latency
bound (the out-of-order window cannot overlap two iterations of a 300-instruction body);
:func:`normal3` composes the same operations in the same order.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

__all__ = [
    "mix64",
    "stream_keys",
    "words2",
    "coefficients",
    "neg2_log_unit",
    "signed_radius",
    "half_angle",
    "cos_half",
    "sin_half",
    "normal3",
    "normal3_c",
    "standard_normal",
    "random_words",
    "normals_from_words",
    "reference_normals",
]


@intrinsic
def u64_as_f64(typingctx, x):
    """Reinterpret the bits of a uint64 as a float64 (no conversion)."""
    sig = types.float64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return sig, codegen


@intrinsic
def f64_as_u64(typingctx, x):
    """Reinterpret the bits of a float64 as a uint64 (no conversion)."""
    sig = types.uint64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.uint64))

    return sig, codegen


@intrinsic
def fma(typingctx, a, b, c):
    """a*b + c with a single rounding (``llvm.fma.f64``; IEEE fusedMultiplyAdd, not fastmath).

    Correctly rounded, so scalar (``vfmadd...sd``) and vector (``vfmadd...pd``) code give the same
    bits; on a CPU without FMA LLVM calls libm's (also correctly rounded) ``fma``.
    """
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        fn = builder.module.declare_intrinsic("llvm.fma", [d], ir.FunctionType(d, [d, d, d]))
        return builder.call(fn, args)

    return sig, codegen


@intrinsic
def _opaque(typingctx, x):
    """Identity on a float64 that the optimizer cannot see through (empty inline asm)."""
    sig = types.float64(types.float64)

    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        asm = ir.InlineAsm(ir.FunctionType(d, [d]), "", "=x,0", side_effect=False)
        return builder.call(asm, args)

    return sig, codegen


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0x243F6A8885A308D3)  # hex digits of pi: arbitrary odd constants
_C2 = np.uint64(0x13198A2E03707344)
_C3 = np.uint64(0xA4093822299F31D0)
_S12 = np.uint64(12)
_S23 = np.uint64(23)
_S24 = np.uint64(24)
_S27 = np.uint64(27)
_S29 = np.uint64(29)
_S30 = np.uint64(30)
_S31 = np.uint64(31)
_S52 = np.uint64(52)
_S63 = np.uint64(63)
_K1 = np.uint64(1)
_ONE_BITS = np.uint64(0x3FF0000000000000)  # bit pattern of 1.0
_MAGIC_BITS = np.uint64(0x4330000000000000)  # bit pattern of 2^52
_ANGLE = np.uint64((1 << 23) - 1)
_ANGLE_HALF = np.uint64(1 << 28)  # half a unit of the 23-bit angle, in mantissa position
_TWO52_PLUS_2048 = 4503599627370496.0 + 2048.0
_SQRT_HALF_BITS = np.uint64(0x3FE6A09E667F3BCD)  # bit pattern of sqrt(1/2)
_SIGN_BIT = np.uint64(1 << 63)
_EXP_MASK = np.uint64(0xFFF0000000000000)

# Near-minimax coefficients (Chebyshev-node least squares in 40-digit arithmetic), lowest first.
# 2 atanh(s) = 2 s P(s^2),  0 <= s^2 <= ((sqrt2-1)/(sqrt2+1))^2 = 0.02944: rel. error < 3e-14
_LOG_P = (0.9999999999999735, 0.3333333333981891, 0.19999997437944547, 0.14286083832037294,
          0.11087095459169968, 0.09804448880691115)
# cos(x) = C(x^2), |x| <= pi/2: abs. error < 3e-15
_COS_P = (0.9999999999999981, -0.4999999999998995, 0.04166666666581074,
          -0.0013888888861111688, 2.480158287320991e-05, -2.755693560018608e-07,
          2.0858322991862846e-09, -1.1008014104749214e-11)
# sin(x) = x S(x^2), |x| <= pi/2: abs. error < 6e-14
_SIN_P = (0.9999999999999498, -0.16666666666467006, 0.008333333320374106,
          -0.00019841266685854527, 2.755695312571105e-06, -2.5030275855505022e-08,
          1.5411323304011229e-10)
_MINUS_2LN2 = -2.0 * 0.6931471805599453
_PI = 3.141592653589793
COEFFICIENTS = tuple(-4.0 * v for v in _LOG_P) + _COS_P + _SIN_P + (_MINUS_2LN2, _PI)
# indices into the coefficient tuple
_IL, _IC, _IS, _ILN2, _IPI = 0, 6, 14, 21, 22

_JIT = dict(nogil=True, error_model="numpy", cache=True)


@nb.njit(inline="always", **_JIT)
def mix64(z):
    """SplitMix64 finalizer (bijective 64-bit mixer)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(inline="always", **_JIT)
def coefficients():
    """The constants of the transform as opaque loop-invariant values (call outside loops)."""
    c = COEFFICIENTS
    return (_opaque(c[0]), _opaque(c[1]), _opaque(c[2]), _opaque(c[3]), _opaque(c[4]),
            _opaque(c[5]), _opaque(c[6]), _opaque(c[7]), _opaque(c[8]), _opaque(c[9]),
            _opaque(c[10]), _opaque(c[11]), _opaque(c[12]), _opaque(c[13]), _opaque(c[14]),
            _opaque(c[15]), _opaque(c[16]), _opaque(c[17]), _opaque(c[18]), _opaque(c[19]),
            _opaque(c[20]), _opaque(c[21]), _opaque(c[22]))


@nb.njit(inline="always", **_JIT)
def _literal_coefficients():
    return COEFFICIENTS


@nb.njit(inline="always", **_JIT)
def words2(key1, key2, counter):
    """The two 64-bit random words of (key1, key2, counter)."""
    base = mix64((counter * _GOLD) ^ key1)
    return mix64(base ^ key2), mix64(base ^ (key2 + _GOLD))


@nb.njit(inline="always", **_JIT)
def neg2_log_unit(w, c):
    """-2 ln u, u in (0, 1] from bits 63..24 of w (the squared Box-Muller radius)."""
    b = f64_as_u64(2.0 - u64_as_f64(((w >> _S24) << _S12) | _ONE_BITS))
    # u = 2^e m with m in [1/sqrt2, sqrt2) (fdlibm-style reduction on the bit pattern); e is read
    # in offset binary and converted exactly with the 2^52 magic number (AVX2 has neither a 64-bit
    # arithmetic shift nor an int64 -> double conversion)
    t = b - _SQRT_HALF_BITS
    e = u64_as_f64(((t ^ _SIGN_BIT) >> _S52) | _MAGIC_BITS) - _TWO52_PLUS_2048
    m = u64_as_f64(b - (t & _EXP_MASK))
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    # -2 ln u = -2 e ln2 - 4 s P(s^2); the coefficients hold -4 P (exact power-of-two scaling)
    p = fma(c[_IL + 5], z, c[_IL + 4])
    p = fma(p, z, c[_IL + 3])
    p = fma(p, z, c[_IL + 2])
    p = fma(p, z, c[_IL + 1])
    p = fma(p, z, c[_IL])
    return fma(e, c[_ILN2], s * p)


@nb.njit(inline="always", **_JIT)
def signed_radius(t, w):
    """sqrt(t) with the sign given by bit 23 of w."""
    return u64_as_f64(f64_as_u64(np.sqrt(t)) ^ (((w >> _S23) & _K1) << _S63))


@nb.njit(inline="always", **_JIT)
def half_angle(w, c):
    """Uniform angle in (-pi/2, pi/2) from bits 22..0 of w (midpoints of a 2^-23 grid)."""
    f = u64_as_f64(((w & _ANGLE) << _S29) | _ANGLE_HALF | _ONE_BITS)
    return c[_IPI] * (f - 1.5)


@nb.njit(inline="always", **_JIT)
def cos_half(x, c):
    """cos(x), |x| <= pi/2."""
    z = x * x
    p = fma(c[_IC + 7], z, c[_IC + 6])
    p = fma(p, z, c[_IC + 5])
    p = fma(p, z, c[_IC + 4])
    p = fma(p, z, c[_IC + 3])
    p = fma(p, z, c[_IC + 2])
    p = fma(p, z, c[_IC + 1])
    return fma(p, z, c[_IC])


@nb.njit(inline="always", **_JIT)
def sin_half(x, c):
    """sin(x), |x| <= pi/2."""
    z = x * x
    p = fma(c[_IS + 6], z, c[_IS + 5])
    p = fma(p, z, c[_IS + 4])
    p = fma(p, z, c[_IS + 3])
    p = fma(p, z, c[_IS + 2])
    p = fma(p, z, c[_IS + 1])
    return fma(p, z, c[_IS]) * x


@nb.njit(inline="always", **_JIT)
def normal3_c(key1, key2, counter, c):
    """Three independent standard normals for (key1, key2, counter); ``c`` from
    :func:`coefficients` (hoisted out of the caller's loops)."""
    w0, w1 = words2(key1, key2, counter)
    r0 = signed_radius(neg2_log_unit(w0, c), w0)
    r1 = signed_radius(neg2_log_unit(w1, c), w1)
    p0 = half_angle(w0, c)
    p1 = half_angle(w1, c)
    return r0 * cos_half(p0, c), r0 * sin_half(p0, c), r1 * cos_half(p1, c)


@nb.njit(inline="always", **_JIT)
def normal3(key1, key2, counter):
    """Three independent standard normals for (key1, key2, counter).

    ``counter`` is the (global) time-step index; keys come from :func:`stream_keys`. Same bits as
    :func:`normal3_c`; use that one in loops.
    """
    return normal3_c(key1, key2, counter, _literal_coefficients())


@nb.njit(**_JIT)
def _keys_kernel(seed, streams, k1, k2):
    sk = mix64(seed * _GOLD + _C1)
    for i in range(streams.shape[0]):
        a = mix64(sk ^ mix64(streams[i] + _C2))
        k1[i] = a
        k2[i] = mix64(a ^ _C3)


def stream_keys(seed, stream_ids):
    """Per-stream keys ``(key1, key2)`` (uint64 arrays) for ``seed`` and integer ``stream_ids``."""
    seed = int(seed)
    streams = np.asarray(stream_ids)
    if streams.ndim != 1 or not np.issubdtype(streams.dtype, np.integer):
        raise ValueError("stream_ids must be a 1-D integer array")
    streams = streams.astype(np.int64).view(np.uint64)
    k1 = np.empty(streams.shape[0], np.uint64)
    k2 = np.empty(streams.shape[0], np.uint64)
    _keys_kernel(np.uint64(seed & 0xFFFFFFFFFFFFFFFF), streams, k1, k2)
    return k1, k2


@nb.njit(**_JIT)
def _fill_normals(k1, k2, counters, out):
    c = coefficients()
    for n in range(counters.shape[0]):
        for i in range(k1.shape[0]):
            a, b, g = normal3_c(k1[i], k2[i], counters[n], c)
            out[n, i, 0] = a
            out[n, i, 1] = b
            out[n, i, 2] = g


@nb.njit(**_JIT)
def _fill_words(k1, k2, counters, out):
    for n in range(counters.shape[0]):
        for i in range(k1.shape[0]):
            out[n, i, 0], out[n, i, 1] = words2(k1[i], k2[i], counters[n])


def standard_normal(seed, stream_ids, counters):
    """The normals the engine uses: array (len(counters), len(stream_ids), 3).

    ``out[n, i, c]`` is component ``c`` of the thermal-field draw of stream ``stream_ids[i]`` at
    step ``counters[n]``. For tests and for reproducing a run's noise outside the kernel.
    """
    k1, k2 = stream_keys(seed, np.atleast_1d(np.asarray(stream_ids)))
    ctr = np.atleast_1d(np.asarray(counters)).astype(np.int64).view(np.uint64)
    out = np.empty((ctr.shape[0], k1.shape[0], 3))
    _fill_normals(k1, k2, ctr, out)
    return out


def random_words(seed, stream_ids, counters):
    """The raw words ``(w0, w1)`` behind :func:`standard_normal`: uint64 (len(counters), N, 2)."""
    k1, k2 = stream_keys(seed, np.atleast_1d(np.asarray(stream_ids)))
    ctr = np.atleast_1d(np.asarray(counters)).astype(np.int64).view(np.uint64)
    out = np.empty((ctr.shape[0], k1.shape[0], 2), np.uint64)
    _fill_words(k1, k2, ctr, out)
    return out


@nb.njit(**_JIT)
def _transform_words(words, out):
    c = coefficients()
    for i in range(words.shape[0]):
        w0 = words[i, 0]
        w1 = words[i, 1]
        r0 = signed_radius(neg2_log_unit(w0, c), w0)
        r1 = signed_radius(neg2_log_unit(w1, c), w1)
        p0 = half_angle(w0, c)
        p1 = half_angle(w1, c)
        out[i, 0] = r0 * cos_half(p0, c)
        out[i, 1] = r0 * sin_half(p0, c)
        out[i, 2] = r1 * cos_half(p1, c)


def normals_from_words(words):
    """The engine's Box-Muller transform of words (..., 2) uint64 -> normals (..., 3)."""
    w = np.ascontiguousarray(words, dtype=np.uint64)
    flat = w.reshape(-1, 2)
    out = np.empty((flat.shape[0], 3))
    _transform_words(flat, out)
    return out.reshape(w.shape[:-1] + (3,))


def reference_normals(words):
    """numpy/libm evaluation of the Box-Muller transform of :func:`random_words` (for tests)."""
    w = np.asarray(words, np.uint64)
    h = (w >> np.uint64(24)).astype(np.float64)  # exact: < 2^40
    u = 1.0 - h * 2.0**-40
    r = np.sqrt(-2.0 * np.log(u)) * np.where((w >> np.uint64(23)) & np.uint64(1), -1.0, 1.0)
    a = (w & _ANGLE).astype(np.float64)
    phi = np.pi * ((a + 0.5) * 2.0**-23 - 0.5)
    g = np.empty(w.shape[:-1] + (3,))
    g[..., 0] = r[..., 0] * np.cos(phi[..., 0])
    g[..., 1] = r[..., 0] * np.sin(phi[..., 0])
    g[..., 2] = r[..., 1] * np.cos(phi[..., 1])
    return g
