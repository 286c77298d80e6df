"""Demagnetizing tensors (diagonal, principal axes along x, y, z); SI, dimensionless, trace 1.

* :func:`thin_film`: infinite film, normal z: (0, 0, 1).
* :func:`ellipsoid`: general ellipsoid, semi-axes a, b, c along x, y, z. Osborn's integrals
  [J. A. Osborn, Phys. Rev. 67, 351 (1945)] written with Carlson's symmetric elliptic integral
  (DLMF 19.16.5 / 19.25):  N_x = (abc/3) R_D(b^2, c^2, a^2), and cyclic
  (sphere: R_D(1,1,1) = 1 -> 1/3). Evaluated with ``scipy.special.elliprd``.
* :func:`elliptic_cylinder`: infinite along z, semi-axes a, b: (b/(a+b), a/(a+b), 0).
* :func:`elliptical_film`: an elliptical film element (length x width x thickness) approximated by
  the ellipsoid with the same three axes (c = thickness/2 << a, b) - the usual macrospin
  approximation for elliptical MRAM cells and nanodisks (width = length).
* :func:`prism`: rectangular prism, full side lengths along x, y, z, A. Aharoni,
  J. Appl. Phys. 83, 3432 (1998), Eq. (1) for D_z; D_x, D_y by permutation.
* :func:`prolate_spheroid_nz`: closed form for the long axis of a prolate spheroid (test reference).
"""

from __future__ import annotations

import numpy as np
from scipy.special import elliprd

from ..errors import SpinlossInputError

__all__ = ["thin_film", "ellipsoid", "elliptic_cylinder", "elliptical_film", "prism",
           "prolate_spheroid_nz", "sphere"]


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
