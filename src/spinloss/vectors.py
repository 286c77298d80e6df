"""Small vector helpers shared by every layer (a leaf: numpy only)."""

from __future__ import annotations

import numpy as np


def unit_vector(v) -> np.ndarray:
    """``v / |v|`` as a float array (ValueError for a zero or non-finite vector)."""
    a = np.asarray(v, dtype=float)
    n = float(np.linalg.norm(a))
    if not (n > 0 and np.isfinite(n)):
        raise ValueError("not a finite nonzero vector")
    return a / n


def orthonormal_frame(u) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A right-handed orthonormal frame ``(u, e1, e2)`` with ``e2 = u x e1``.

    ``e1`` is the part of x (or of y, when u is within ~25 degrees of x) perpendicular to u, so
    the frame is a fixed, smooth function of u away from that switch. Used for the energy
    landscape on the sphere (pole u), the tangent plane of an energy minimum and the thermal
    initial states.
    """
    u = unit_vector(u)
    a = np.array([1.0, 0.0, 0.0]) if abs(u[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = a - (a @ u) * u
    e1 /= np.linalg.norm(e1)
    return u, e1, np.cross(u, e1)
