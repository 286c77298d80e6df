"""Demagnetizing tensors (diagonal, principal axes along x, y, z); SI, dimensionless, trace 1.

* :func:`thin_film`: infinite film, normal z: (0, 0, 1).
* :func:`ellipsoid`: general ellipsoid, semi-axes a, b, c along x, y, z. Osborn's integrals
  [J. A. Osborn, Phys. Rev. 67, 351 (1945)] written with Carlson's symmetric elliptic integral
  (DLMF 19.16.5 / 19.25):  N_x = (abc/3) R_D(b^2, c^2, a^2), and cyclic
  (sphere: R_D(1,1,1) = 1 -> 1/3). Evaluated with ``scipy.special.elliprd``.
* :func:`elliptic_cylinder`: infinite along z, semi-axes a, b: (b/(a+b), a/(a+b), 0).
* :func:`flat_elliptic_cylinder`: an elliptical cell of finite thickness (length x width x
  thickness), the shape of an etched MRAM or p-bit cell: an elliptic cylinder with its axis along
  z. Magnetometric factors from the Fourier-space shape amplitude [the method and results of
  M. Beleggia, M. De Graef, Y. T. Millev, D. A. Goode, G. Rowlands, "Demagnetization factors for
  elliptic cylinders", J. Phys. D 38, 3333 (2005)], reduced to one-dimensional quadratures (module
  notes below). A 100 nm x 3 nm disk has an in-plane factor 0.042 (0.023 as an ellipsoid).
* :func:`elliptical_film`: the same cell approximated by the ellipsoid with the same three axes
  (c = thickness/2 << a, b): the shape ``ellipsoid`` of a device file.
* :func:`prism`: rectangular prism, full side lengths along x, y, z, A. Aharoni,
  J. Appl. Phys. 83, 3432 (1998), Eq. (1) for D_z; D_x, D_y by permutation.
* :func:`prolate_spheroid_nz`: closed form for the long axis of a prolate spheroid (test reference).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import elliprd

from ..errors import SpinlossInputError

__all__ = ["thin_film", "ellipsoid", "elliptic_cylinder", "flat_elliptic_cylinder", "elliptical_film", "prism",
           "prolate_spheroid_nz", "sphere", "disk_nz"]


def _positive(name, *vals):
    for v in vals:
        if not np.all(np.asarray(v, float) > 0) or not np.all(np.isfinite(v)):
            raise SpinlossInputError("<api>", name, "dimensions must be finite and > 0")


def thin_film():
    """Infinite thin film with normal along z."""
    return np.array([0.0, 0.0, 1.0])


def sphere():
    return np.full(3, 1.0 / 3.0)


def ellipsoid(a, b, c):
    """(N_x, N_y, N_z) of an ellipsoid with semi-axes a, b, c along x, y, z (Osborn 1945).

    N_i = (abc/3) R_D(a_j^2, a_k^2, a_i^2); arrays broadcast; result shape (..., 3).
    """
    _positive("ellipsoid", a, b, c)
    a, b, c = (np.asarray(x, float) for x in (a, b, c))
    # scale out the size (R_D is homogeneous of degree -3/2) for numerical range
    s = np.maximum(np.maximum(a, b), c)
    a, b, c = a / s, b / s, c / s
    pre = a * b * c / 3.0
    nx = pre * elliprd(b * b, c * c, a * a)
    ny = pre * elliprd(a * a, c * c, b * b)
    nz = pre * elliprd(a * a, b * b, c * c)
    return np.stack([nx, ny, nz], axis=-1)


def elliptic_cylinder(a, b):
    """Infinitely long (along z) elliptic cylinder with semi-axes a (x), b (y)."""
    _positive("elliptic_cylinder", a, b)
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.stack([b / (a + b), a / (a + b), np.zeros_like(a + b)], axis=-1)


# Flat elliptic cylinder (semi-axes a along x, b along y, thickness t along z) [D].
# With the shape amplitude D(k) = S(k_perp) 2 sin(k_z t/2)/k_z, S = 2 pi a b J1(q)/q,
# q^2 = a^2 k_x^2 + b^2 k_y^2, the magnetometric tensor N_ij = (2 pi)^-3 V^-1 int |D|^2 k_i k_j/k^2 d^3k
# has the k_z integral in closed form; with k_x = u cos(phi)/a, k_y = u sin(phi)/b,
# g(phi) = sqrt(cos^2/a^2 + sin^2/b^2) and f_x = cos^2/(a^2 g^2), f_y = sin^2/(b^2 g^2):
#     N_zz = (1/(pi t)) int_0^2pi K(g t)/g dphi,
#     N_xx = (1/(2 pi)) int f_x dphi - (1/(pi t)) int f_x K(g t)/g dphi   (N_yy likewise),
#     K(s) = int_0^inf J1(u)^2/u^2 (1 - exp(-u s)) du;
# the in-plane factors are evaluated as N_xx = (1/(pi t)) int f_x R(g t)/g dphi with R = s/2 - K,
# which has no cancellation in thin films (K and R in closed form through the disk, below).
# Limits: t -> inf gives the infinite elliptic cylinder (b/(a+b), a/(a+b), 0); t -> 0 gives the
# thin film (0, 0, 1); a = b gives the disk's closed form (:func:`disk_nz`), which also gives K.

def _disk_bracket_minus_one(tau: float) -> float:
    """B(tau) - 1 with B = sqrt(1 + tau^2)(tau^2 K(m) + (1 - tau^2) E(m)), m = 1/(1 + tau^2)."""
    from scipy.special import ellipe, ellipk

    m = 1.0 / (1.0 + tau * tau)
    return float(np.sqrt(1 + tau * tau) * (tau * tau * ellipk(m) + (1 - tau * tau) * ellipe(m)) - 1.0)


def _k_integral(s: float) -> float:
    """K(s) = int_0^inf J1(u)^2/u^2 (1 - exp(-u s)) du (s = g t > 0), in closed form: the same
    integral gives the disk (a = b = R, g = 1/R): N_zz(disk) = (2R/t) K(t/R), so
    K(s) = (s/2) N_z(disk with tau = t/D = s/2) (:func:`disk_nz`). For s > 1e3 (a long pillar)
    the expansion K = 4/(3 pi) - 1/(4 s) + O(s^-3) (from J1(u) ~ u/2 at small u) is used."""
    if s > 1e3:
        return 4.0 / (3.0 * np.pi) - 0.25 / s
    return 0.5 * s - _r_integral(s)


def _r_integral(s: float) -> float:
    """R(s) = s/2 - K(s) = int_0^inf J1(u)^2/u^2 (u s - 1 + exp(-u s)) du = (4/(3 pi)) (B(s/2) - 1):
    the in-plane part, computed without the cancellation of s/2 - K for thin films."""
    if s > 1e3:
        return 0.5 * s - _k_integral(s)
    return 4.0 / (3.0 * np.pi) * _disk_bracket_minus_one(0.5 * s)


@lru_cache(maxsize=4096)
def _flat_elliptic_cylinder(a: float, b: float, t: float) -> tuple:
    """N_zz from K (no cancellation for any thickness), N_xx and N_yy from R:
    N_xx = (1/(pi t)) int f_x R(g t)/g dphi (the K form minus its thin-film limit)."""
    import warnings

    from scipy import integrate

    def g(phi):
        return np.sqrt(np.cos(phi) ** 2 / a ** 2 + np.sin(phi) ** 2 / b ** 2)

    def fx(phi):
        return np.cos(phi) ** 2 / (a ** 2 * g(phi) ** 2)

    opts = dict(epsabs=0.0, epsrel=1e-12, limit=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)  # round-off-level accuracy is the aim
        # by symmetry, 4 x the quarter period
        nzz = 4.0 * integrate.quad(lambda p: _k_integral(g(p) * t) / g(p), 0.0, np.pi / 2, **opts)[0] / (np.pi * t)
        nxx = 4.0 * integrate.quad(lambda p: fx(p) * _r_integral(g(p) * t) / g(p), 0.0, np.pi / 2,
                                   **opts)[0] / (np.pi * t)
        nyy = 4.0 * integrate.quad(lambda p: (1.0 - fx(p)) * _r_integral(g(p) * t) / g(p), 0.0, np.pi / 2,
                                   **opts)[0] / (np.pi * t)
    return float(nxx), float(nyy), float(nzz)


def flat_elliptic_cylinder(length, width, thickness):
    """(N_x, N_y, N_z) of an elliptic cylinder of full axes ``length`` (x) and ``width`` (y) and
    thickness ``thickness`` (z, the cylinder axis): magnetometric factors (notes above,
    Beleggia et al. 2005). Scalars or arrays; results memoized."""
    _positive("flat_elliptic_cylinder", length, width, thickness)
    L, W, T = np.broadcast_arrays(*(np.asarray(x, float) for x in (length, width, thickness)))
    out = np.empty(L.shape + (3,))
    for idx in np.ndindex(L.shape):
        s = max(L[idx], W[idx], T[idx])  # the factors depend on ratios only
        out[idx] = _flat_elliptic_cylinder(round(L[idx] / s / 2, 15), round(W[idx] / s / 2, 15), round(T[idx] / s, 15))
    return out


def disk_nz(diameter, thickness):
    """N_z of a circular disk (cylinder) of ``diameter`` and ``thickness``, closed form with
    complete elliptic integrals (tau = t/D, parameter m = 1/(1 + tau^2)):
    N_z = 1 - (4/(3 pi tau)) [sqrt(1 + tau^2)(tau^2 K(m) + (1 - tau^2) E(m)) - 1]."""
    from scipy.special import ellipe, ellipk

    tau = np.asarray(thickness, float) / np.asarray(diameter, float)
    m = 1.0 / (1.0 + tau ** 2)
    return 1.0 - 4.0 / (3.0 * np.pi * tau) * (np.sqrt(1 + tau ** 2) * (tau ** 2 * ellipk(m) + (1 - tau ** 2) * ellipe(m)) - 1.0)


def elliptical_film(length, width, thickness):
    """Elliptical film element, long axis x, approximated by the ellipsoid of equal axes."""
    return ellipsoid(np.asarray(length, float) / 2, np.asarray(width, float) / 2,
                     np.asarray(thickness, float) / 2)


def _aharoni_dz(a, b, c):
    """Aharoni (1998) Eq. (1): D_z of a prism 2a x 2b x 2c (half-sides a, b, c; c along z)."""
    r = np.sqrt(a * a + b * b + c * c)
    ab = np.sqrt(a * a + b * b)
    bc = np.sqrt(b * b + c * c)
    ac = np.sqrt(a * a + c * c)
    t = ((b * b - c * c) / (2 * b * c) * np.log((r - a) / (r + a))
         + (a * a - c * c) / (2 * a * c) * np.log((r - b) / (r + b))
         + b / (2 * c) * np.log((ab + a) / (ab - a))
         + a / (2 * c) * np.log((ab + b) / (ab - b))
         + c / (2 * a) * np.log((bc - b) / (bc + b))
         + c / (2 * b) * np.log((ac - a) / (ac + a))
         + 2 * np.arctan(a * b / (c * r))
         + (a**3 + b**3 - 2 * c**3) / (3 * a * b * c)
         + (a * a + b * b - 2 * c * c) / (3 * a * b * c) * r
         + c / (a * b) * (ac + bc)
         - (ab**3 + bc**3 + ac**3) / (3 * a * b * c))
    return t / np.pi


def prism(lx, ly, lz):
    """(N_x, N_y, N_z) of a rectangular prism with side lengths lx, ly, lz (Aharoni 1998)."""
    _positive("prism", lx, ly, lz)
    a, b, c = (np.asarray(x, float) / 2 for x in (lx, ly, lz))
    s = np.maximum(np.maximum(a, b), c)
    a, b, c = a / s, b / s, c / s
    return np.stack([_aharoni_dz(b, c, a), _aharoni_dz(c, a, b), _aharoni_dz(a, b, c)], axis=-1)


def prolate_spheroid_nz(aspect):
    """N along the long axis of a prolate spheroid, aspect m = c/a > 1 (Osborn 1945):
    N_z = [m/sqrt(m^2-1) ln(m + sqrt(m^2-1)) - 1] / (m^2 - 1)."""
    m = np.asarray(aspect, float)
    q = np.sqrt(m * m - 1)
    return (m / q * np.log(m + q) - 1.0) / (m * m - 1.0)
