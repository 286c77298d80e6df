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


def unit_rows(v, tol: float = 1e-9) -> np.ndarray:
    """``v`` (N, 3) as a float array whose rows are unit vectors to ``tol``, returned as they are
    (not re-normalized: the frame of a row is then exactly the frame of that row, as the solvers
    that keep their states normalized expect). ValueError for another shape or a row whose norm
    is not 1 within ``tol``."""
    a = np.asarray(v, dtype=float)
    if a.ndim != 2 or a.shape[1] != 3:
        raise ValueError("expected rows of 3-vectors, shape (N, 3)")
    n = np.linalg.norm(a, axis=1)
    if not np.all(np.abs(n - 1.0) <= tol):
        raise ValueError("the rows must be unit vectors")
    return a


def orthonormal_frame(u) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A right-handed orthonormal frame ``(u, e1, e2)`` with ``e2 = u x e1``.

    ``e1`` is the part of x (or of y, when u is within ~25 degrees of x) perpendicular to u, so
    the frame is a fixed, smooth function of u away from that switch. ``u`` is one direction (3,)
    (normalized here) or rows of unit vectors (N, 3) (:func:`unit_rows`: taken as they are), the
    frame of every row by the same rule, each of ``u, e1, e2`` then (N, 3).

    The general-purpose frame: the energy landscape on the sphere (pole u), the tangent plane of
    an energy minimum, the thermal initial states, and the Newton steps of the lab's equilibrium
    solver (:func:`spinloss.lab.harmonic_hall.equilibrium`), where any tangent basis will do. For a
    frame tied to the film plane use :func:`film_tangent_frame`.
    """
    if np.ndim(u) == 2:
        m = unit_rows(u)
        a = np.where(np.abs(m[:, :1]) < 0.9, np.array([[1.0, 0.0, 0.0]]), np.array([[0.0, 1.0, 0.0]]))
        e1 = a - np.sum(a * m, axis=1, keepdims=True) * m
        e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
        return m, e1, np.cross(m, e1)
    u = unit_vector(u)
    a = np.array([1.0, 0.0, 0.0]) if abs(u[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = a - (a @ u) * u
    e1 /= np.linalg.norm(e1)
    return u, e1, np.cross(u, e1)


def film_tangent_frame(m) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tangent frame ``(m, e1, e2)`` (each (N, 3)) of each row of ``m`` (N, 3; unit rows, as
    :func:`unit_rows`) tied to the film plane (xy): ``e1 = z x m`` normalized, the in-plane
    direction at +90 deg from an in-plane m, and ``e2 = m x e1`` (+z for an in-plane m); for m
    within ~17 degrees of +-z (|z x m| < 0.3) ``e1`` is x projected perpendicular to m instead.

    Used where the components along e1, e2 have a meaning, not only the tangent plane: the
    small-angle response of ST-FMR and the USMR read (:mod:`spinloss.lab.st_fmr`,
    :mod:`spinloss.lab.usmr`), whose stiffness of an in-plane film is then diag(H1, H2) with H1
    the in-plane and H2 the out-of-plane (Kittel) stiffness, the form their closed expressions
    (docs/lab.md section 6) are written in. Elsewhere use :func:`orthonormal_frame`.
    """
    m = unit_rows(m)
    z = np.array([0.0, 0.0, 1.0])
    e1 = np.cross(np.broadcast_to(z, m.shape), m)
    small = np.linalg.norm(e1, axis=1) < 0.3
    if np.any(small):
        x = np.array([1.0, 0.0, 0.0])
        e1[small] = x - (m[small] @ x)[:, None] * m[small]
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    return m, e1, np.cross(m, e1)


def polarization_frame(m, s=(0.0, 1.0, 0.0)) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The transverse frame of spin transport about the magnetization ``m`` (3,): ``(e1, e2,
    s_par, s_perp)`` with ``e1`` the part of the spin polarization ``s`` (default +y, the
    polarization of a charge current along +x: docs/conventions.md) perpendicular to m,
    normalized, and ``e2 = e1 x m`` (so that a transverse spin u = Re(psi) e1 + Im(psi) e2 precesses
    about m with +i: docs/transport.md); ``s_par = s.m``, ``s_perp = |s - s_par m|``. When s is
    along m (s_perp <= 1e-12) ``e1`` is m x z (m x x for m within ~25 degrees of z).

    Used by the drift-diffusion solver (:func:`spinloss.transport.torques`), whose transverse
    channel is driven by ``s_perp`` along e1. Unlike :func:`orthonormal_frame` (e2 = u x e1) this
    frame is e2 = e1 x m: the handedness of the solver's complex transverse spin.
    """
    m = np.asarray(m, dtype=float)
    s = np.asarray(s, dtype=float)
    s_par = float(m @ s)
    perp = s - s_par * m
    s_perp = float(np.linalg.norm(perp))
    e1 = perp / s_perp if s_perp > 1e-12 else np.cross(
        m, np.array([0.0, 0.0, 1.0]) if abs(m[2]) < 0.9 else np.array([1.0, 0.0, 0.0]))
    e1 = e1 / np.linalg.norm(e1)
    return e1, np.cross(e1, m), s_par, s_perp
