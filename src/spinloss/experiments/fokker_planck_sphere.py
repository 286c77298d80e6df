r"""Write error rate of any macrospin from Brown's Fokker-Planck equation on the whole sphere.

Equation (docs/physics.md sections 2 and 4; scheme and validation in docs/wer.md section 3). The
density W(m, t) per solid angle of the unit magnetization obeys [Brown, Phys. Rev. 130, 1677
(1963)]

    dW/dt = -div[ v W - D grad W ],        D = alpha gamma mu0 k_B T / ((1 + alpha^2) mu0 M_s V),

on the unit sphere, v the deterministic Landau-Lifshitz velocity of :mod:`spinloss.dynamics.llg`,

    v = -gamma' [ m x A + m x (m x B) ],  gamma' = gamma mu0 / (1 + alpha^2),
    A = H + (H_FL - alpha H_DL) s,        B = alpha H + (H_DL + alpha H_FL) s,

with H = -(1/(mu0 M_s)) de/dm the field of the energy density e of the macrospin's terms
(:func:`spinloss.dynamics.terms.total_energy_density`) and H_DL, H_FL the damping-like and
field-like torque fields along s (damping-like SOT and STT add). Both parts of v are gradients on
the sphere (s_perp = grad(m.s), H_perp = -grad e / (mu0 M_s)):

    damping part     -gamma' m x (m x B) = -D grad phi,
                     phi = V [e - mu0 M_s (H_DL/alpha + H_FL) m.s] / (k_B T)     (dimensionless)
    precession part  -gamma' m x A = c m x grad psi,   c = gamma / ((1 + alpha^2) M_s),
                     psi = e - mu0 M_s (H_FL - alpha H_DL) m.s                   (J/m^3)

so the precession is divergence-free with stream function psi: its flux through a curve is
c (psi(end) - psi(start)), the curve run along n x m (n its normal), whatever its shape.

Discretization: cell-centred finite volumes on a structured grid of *rings* (iso-energy lines of
the zero-current energy, i.e. the precession orbits) and *spokes* in one or more charts:

* a biaxial energy (in-plane cell: easy axis, in-plane hard axis, out-of-plane hard axis; no
  Zeeman term) is covered by four elliptic charts, one around each extremum, meeting on the
  separatrix (the two great circles through the saddles) ("lunes"); an axially symmetric one,
  or any other, by one polar chart whose pole is the starting minimum ("polar"; rings iso-energy
  only for axial cells, see :func:`sphere_fokker_planck_applies`).
* through a ring face the flux is the Scharfetter-Gummel (exponentially fitted) flux of the
  normal drift, whose parts are: the damping drift of the zero-current energy as the difference
  of phi between the two cell centres (so the discrete Boltzmann state is stationary to
  rounding), the torque's damping drift as the exact integral of its normal component along the
  face (Gauss-Legendre), and the precession flux as the difference of the stream function at the
  face's ends (exactly zero for the energy part on an iso-energy ring: no numerical diffusion
  across the orbits at any Peclet number, which on an unaligned grid would swamp the physical
  diffusion at low damping). The conductance is the exact one for a function of the ring
  coordinate (the integral of |grad r| along the face over the centre distance).
* through a spoke face (transport along the orbit) the same flux with a two-point conductance.
* the result is an M-matrix with zero column sums: probability conserved to rounding, backward
  Euler keeps it non-negative.
* during a pulse the orbits are the levels of psi, not of e: the torque's part
  -mu0 M_s (H_FL - alpha H_DL) m.s crosses the zero-current rings, and its precession flux,
  upwinded across them and mixed along them by the (much faster, upwinded) precession along the
  rings, is a numerical diffusion across the driven orbits that refinement removes only slowly.
  Where s lies along the easy axis of a biaxial cell (in-plane type-y), that part is a field
  along the easy axis and each current level gets its own grid whose rings are the levels of
  psi (:func:`driven_lune_grid`, closed-form charts); masses are carried between the grids when
  the level changes (:class:`Remap`: sampled, log-linear reconstruction, exact location).

Time: backward Euler on the cell masses, one sparse LU factorization (SuperLU) per distinct
(current, temperature, step); linear ramps of the waveform are replaced by ``ramp_levels``
constant levels (midpoint values); runs with n and 2n steps are Richardson-extrapolated in
ln WER as in the 1D solver. WER = probability in the starting hemisphere (m . target > 0) at the
end of pulse plus settle; the initial state the Boltzmann density of the starting well
restricted to its hemisphere (the definition of docs/wer.md).
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from ..errors import PhysicsError, SpinlossInputError
from ..io import JsonResult
from ..progress import Counter, note
from ..units import KB, MU0
from ..vectors import orthonormal_frame, unit_vector

__all__ = [
    "PolarChart",
    "EllipticChart",
    "SphereGrid",
    "SphereFokkerPlanckResult",
    "polar_grid",
    "lune_grid",
    "device_grid",
    "sphere_model",
    "sphere_operator",
    "sphere_fokker_planck_wer",
    "sphere_fokker_planck_applies",
    "sphere_follows",
    "sphere_equilibrium_residual",
    "landau_lifshitz_velocity",
    "quadratic_form",
]

METHOD = "fokker_planck_sphere"

_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)
_FACE_X, _FACE_W = np.polynomial.legendre.leggauss(4)


def _gauss(f, a, b):
    """int_a^b f(psi) dpsi for arrays of intervals (a, b) (16-point Gauss-Legendre)."""
    a = np.asarray(a, dtype=float)[..., None]
    b = np.asarray(b, dtype=float)[..., None]
    x = 0.5 * (a + b) + 0.5 * (b - a) * _GL_X
    return 0.5 * (b - a)[..., 0] * np.sum(_GL_W * f(x), axis=-1)


# ----------------------------------------------------------------------------- charts


class PolarChart:
    """Polar coordinates around ``pole``: m = cos(theta) u + sin(theta) (cos(psi) e1 + sin(psi) e2)
    with ring coordinate r = 1 - cos(theta) in [0, 2] (linear in the energy of a uniaxial magnet
    whose axis is the pole); frame from :func:`spinloss.vectors.orthonormal_frame`."""

    r_max = 2.0

    def __init__(self, pole):
        self.u, self.e1, self.e2 = orthonormal_frame(pole)

    def point(self, r, psi):
        r, psi = np.broadcast_arrays(np.asarray(r, float), np.asarray(psi, float))
        c = 1.0 - r
        s = np.sqrt(np.maximum(r * (2.0 - r), 0.0))
        return (c[..., None] * self.u + (s * np.cos(psi))[..., None] * self.e1
                + (s * np.sin(psi))[..., None] * self.e2)

    def pie(self, r, psi_a, psi_b):
        """Area (sr) of {r' < r, psi in [psi_a, psi_b]}."""
        return np.asarray(r, float) * (np.asarray(psi_b, float) - np.asarray(psi_a, float))

    def flux_length(self, r, psi_a, psi_b):
        """int |grad_S r| dl along the ring r from psi_a to psi_b (|grad r| = sin(theta))."""
        r = np.asarray(r, float)
        return r * (2.0 - r) * (np.asarray(psi_b, float) - np.asarray(psi_a, float))


class EllipticChart:
    """Orthographic chart around ``pole`` with axes (a1, a2): X = m.a1 = rho cos(psi),
    Y = m.a2 = b rho sin(psi), m.pole = sqrt(1 - X^2 - Y^2) >= 0; ring coordinate r = rho^2
    (the iso-energy lines of a biaxial energy around its extremum are r = const, and r is linear
    in the energy: :func:`lune_grid`). r = 1 is the separatrix."""

    r_max = 1.0

    def __init__(self, pole, a1, a2, b):
        self.u = unit_vector(pole)
        self.a1 = unit_vector(a1)
        self.a2 = unit_vector(a2)
        self.b = float(b)

    def point(self, r, psi):
        r, psi = np.broadcast_arrays(np.asarray(r, float), np.asarray(psi, float))
        rho = np.sqrt(np.maximum(r, 0.0))
        x, y = rho * np.cos(psi), self.b * rho * np.sin(psi)
        z = np.sqrt(np.maximum(1.0 - x * x - y * y, 0.0))
        p = x[..., None] * self.a1 + y[..., None] * self.a2 + z[..., None] * self.u
        return p / np.linalg.norm(p, axis=-1, keepdims=True)

    def pie(self, r, psi_a, psi_b):
        """Area (sr) of {r' < r, psi in [psi_a, psi_b]}: the radial integral of the orthographic
        area element b rho d(rho) d(psi) / m.pole in closed form, (b r)/(1 + sqrt(1 - r q)) with
        q = cos^2 + b^2 sin^2, then Gauss-Legendre in psi."""
        b = self.b
        r = np.asarray(r, dtype=float)

        def f(psi):
            q = np.cos(psi) ** 2 + b * b * np.sin(psi) ** 2
            rq = np.minimum(r[..., None] * q, 1.0)
            return b * r[..., None] / (1.0 + np.sqrt(1.0 - rq))

        return _gauss(f, psi_a, psi_b)

    def chart_angles(self, m):
        """(r, psi in [0, 2 pi)) of unit vectors m (in this chart's hemisphere)."""
        x, y = m @ self.a1, m @ self.a2
        return x * x + (y / self.b) ** 2, np.mod(np.arctan2(y / self.b, x), 2 * math.pi)

    def flux_length(self, r, psi_a, psi_b):
        """int |grad_S r| dl along the ring r between psi_a and psi_b (rad), r <= 1."""
        b = self.b
        r = np.asarray(r, dtype=float)

        def f(psi):
            rr = r[..., None]
            rho = np.sqrt(rr)
            x, y = rho * np.cos(psi), b * rho * np.sin(psi)
            z2 = np.maximum(1.0 - x * x - y * y, 0.0)
            # r = X^2 + Y^2/b^2 on R^3 restricted to the sphere: tangential gradient
            gx, gy = 2 * x, 2 * y / b**2
            g2 = gx * gx + gy * gy - (gx * x + gy * y) ** 2
            dx, dy = -rho * np.sin(psi), b * rho * np.cos(psi)
            with np.errstate(divide="ignore", invalid="ignore"):
                dz2 = np.where(z2 > 0, (x * dx + y * dy) ** 2 / z2, 0.0)
            return np.sqrt(np.maximum(g2, 0.0)) * np.sqrt(dx * dx + dy * dy + dz2)

        return _gauss(f, psi_a, psi_b)


def _tangential_gradient_norm(m, Q, g):
    """|grad_S f| at unit vectors m (..., 3) for f(m) = m^T Q m + g . m."""
    grad = 2.0 * np.einsum("ij,...j->...i", Q, m) + g
    grad = grad - np.sum(grad * m, axis=-1, keepdims=True) * m
    return np.linalg.norm(grad, axis=-1)


class _DrivenChart:
    """Common part of the charts of a driven biaxial energy (:func:`driven_lune_grid`): a chart
    around ``pole`` with axes (a1, a2) (``point`` here: orthographic, X = m.a1, Y = m.a2,
    m.pole = sqrt(1 - X^2 - Y^2) >= 0, given ``_xy``; the wells' chart overrides it), ring
    coordinate r linear in the driven energy f(m) = m^T Q m + g.m (r = 0 the extremum, r = 1
    the separatrix)."""

    r_max = 1.0

    def __init__(self, pole, a1, a2, Q, g, f_pole, f_sep):
        self.u = unit_vector(pole)
        self.a1 = unit_vector(a1)
        self.a2 = unit_vector(a2)
        self.Q = np.asarray(Q, dtype=float)
        self.g = np.asarray(g, dtype=float)
        self.f_pole = float(f_pole)
        self.f_sep = float(f_sep)

    def _xy(self, r, psi):
        raise NotImplementedError

    def point(self, r, psi):
        r, psi = np.broadcast_arrays(np.asarray(r, float), np.asarray(psi, float))
        x, y = self._xy(r, psi)
        z = np.sqrt(np.maximum(1.0 - x * x - y * y, 0.0))
        p = x[..., None] * self.a1 + y[..., None] * self.a2 + z[..., None] * self.u
        return p / np.linalg.norm(p, axis=-1, keepdims=True)

    def ring_coordinate(self, m):
        """r of unit vectors m (the normalized driven energy)."""
        m = np.asarray(m, dtype=float)
        f = np.einsum("...i,ij,...j->...", m, self.Q, m) + m @ self.g
        return (f - self.f_pole) / (self.f_sep - self.f_pole)

    def flux_length(self, r, psi_a, psi_b):
        """int |grad_S r| dl along the ring r between psi_a and psi_b (rad): Gauss-Legendre in psi,
        |grad_S f| / |f_sep - f_pole| times |dm/dpsi| (central differences of the closed-form
        point)."""
        r = np.asarray(r, dtype=float)
        scale = abs(self.f_sep - self.f_pole)
        eps = 1e-6

        def f(psi):
            rr, psi = np.broadcast_arrays(r[..., None], psi)
            m = self.point(rr, psi)
            dm = (self.point(rr, psi + eps) - self.point(rr, psi - eps)) / (2 * eps)
            return _tangential_gradient_norm(m, self.Q, self.g) / scale * np.linalg.norm(dm, axis=-1)

        return _gauss(f, psi_a, psi_b)


class DrivenWellChart(_DrivenChart):
    """Chart of a well of the driven energy f = c_e + A (m.a1)^2 + B (m.a2)^2 - h (m.pole)
    (biaxial energy plus a field along its easy axis; a1 = a_mid, a2 = a_hard, pole = +-a_easy,
    h taken along the pole). Spokes: the great circles through the pole at azimuth
    phi(psi) = atan2(b sin psi, cos psi), b = sqrt(A/B), those of the zero-field lunes
    (:class:`EllipticChart`); along a spoke f = c_e + k sin^2(theta) - h cos(theta),
    k = A cos^2 phi + B sin^2 phi, so the ring f = f_pole + r (f_sep - f_pole) is at
    1 - cos(theta) = 2 G / (2k + h + sqrt((2k + h)^2 - 4 k G)), G = r (f_sep - f_pole), in closed
    form. Polar (not orthographic) along the spokes: the favoured well (h > 0) reaches past the
    pole's equator near the saddles (at m.pole = -h/(2A)). At h = 0 it is the zero-field chart."""

    def __init__(self, pole, a1, a2, Q, g, *, A, B, h):
        A, B, h = float(A), float(B), float(h)
        f0 = float(np.asarray(pole) @ np.asarray(Q) @ np.asarray(pole))   # c_easy
        super().__init__(pole, a1, a2, Q, g, f_pole=f0 - h, f_sep=f0 + A + h * h / (4 * A))
        self.A, self.B, self.h = A, B, h
        self.b = math.sqrt(A / B)
        self.depth = A + h * h / (4 * A) + h          # f_sep - f_pole

    def one_minus_cos(self, r, psi):
        """1 - cos(theta) of ring r on spoke psi (the branch from the pole up to the spoke's
        highest point, which is on or beyond the separatrix: monotone)."""
        psi = np.asarray(psi, dtype=float)
        q = np.cos(psi) ** 2 + self.b**2 * np.sin(psi) ** 2
        k = self.A / q
        G = np.asarray(r, dtype=float) * self.depth
        p = 2 * k + self.h
        return 2 * G / (p + np.sqrt(np.maximum(p * p - 4 * k * G, 0.0)))

    def point(self, r, psi):
        r, psi = np.broadcast_arrays(np.asarray(r, float), np.asarray(psi, float))
        c, sn = np.cos(psi), self.b * np.sin(psi)
        q = c * c + sn * sn
        k = self.A / q
        G = r * self.depth
        p = 2 * k + self.h
        s = np.clip(2 * G / (p + np.sqrt(np.maximum(p * p - 4 * k * G, 0.0))), 0.0, 2.0)
        f = np.sqrt(s * (2.0 - s) / q)     # sin(theta) / sqrt(q): (c, b sin) / sqrt(q) is the azimuth
        # a unit vector by construction ((1 - s)^2 + s (2 - s) = 1)
        return (1.0 - s)[..., None] * self.u + (f * c)[..., None] * self.a1 + (f * sn)[..., None] * self.a2

    def pie(self, r, psi_a, psi_b):
        """Area (sr) of {r' < r, psi in [psi_a, psi_b]}: int (1 - cos theta) dphi, with
        dphi/dpsi = b / (cos^2 + b^2 sin^2) (Gauss-Legendre in psi)."""
        b = self.b
        r = np.asarray(r, dtype=float)

        def f(psi):
            q = np.cos(psi) ** 2 + b * b * np.sin(psi) ** 2
            return self.one_minus_cos(r[..., None], psi) * b / q

        return _gauss(f, psi_a, psi_b)

    def chart_angles(self, m):
        """(r, psi in [0, 2 pi)) of unit vectors m in this chart's lune."""
        x, y = m @ self.a1, m @ self.a2
        psi = np.mod(np.arctan2(y / self.b, x), 2 * math.pi)
        return self.ring_coordinate(m), psi


class DrivenMaxChart(_DrivenChart):
    """Chart of a maximum of the driven energy (pole +-a_hard, X = m.a_mid, Y = m.a_easy): the
    rings are the ellipses (B - A) X^2 + B (Y - y0)^2 = (B - A) rho^2, y0 = -h/(2B) (the
    maximum moves towards the disfavoured well), X = rho cos(Psi), Y = y0 + b rho sin(Psi),
    b = sqrt((B - A)/B), r = rho^2 / rho_s^2 (rho_s^2 = 1 - h^2/(4AB): r = 1 the separatrix).
    The spoke angle Psi(psi) is the angle of the wells' separatrix point at the matching spoke
    (``boundary``: psi -> unit vector), so the spokes meet the wells' spokes on the separatrix
    (at h = 0, Psi = psi: the zero-field chart)."""

    def __init__(self, pole, a1, a2, Q, g, *, A, B, h, boundary):
        A, B, h = float(A), float(B), float(h)
        f_h = float(np.asarray(pole) @ np.asarray(Q) @ np.asarray(pole))   # c_hard
        self.y0 = -h / (2 * B)
        self.rho_s2 = 1.0 - h * h / (4 * A * B)
        ce = f_h - B
        super().__init__(pole, a1, a2, Q, g, f_pole=f_h + h * h / (4 * B), f_sep=ce + A + h * h / (4 * A))
        self.A, self.B, self.h = A, B, h
        self.b = math.sqrt((B - A) / B)
        self._boundary = boundary

    def angle(self, psi):
        """Psi(psi): continuous, Psi(psi + 2 pi) = Psi(psi) + 2 pi (corners at the saddles,
        psi = 0 and pi: integrals over a ring are taken in Psi)."""
        psi = np.asarray(psi, dtype=float)
        m = self._boundary(psi)
        raw = np.arctan2((m @ self.a2 - self.y0) / self.b, m @ self.a1)
        return psi + np.mod(raw - psi + math.pi, 2 * math.pi) - math.pi

    def _xy_angle(self, r, ang):
        rho = np.sqrt(np.maximum(r, 0.0) * self.rho_s2)
        return rho * np.cos(ang), self.y0 + self.b * rho * np.sin(ang)

    def _xy(self, r, psi):
        return self._xy_angle(r, self.angle(psi))

    def _point_angle(self, r, ang):
        r, ang = np.broadcast_arrays(np.asarray(r, float), np.asarray(ang, float))
        x, y = self._xy_angle(r, ang)
        z = np.sqrt(np.maximum(1.0 - x * x - y * y, 0.0))
        p = x[..., None] * self.a1 + y[..., None] * self.a2 + z[..., None] * self.u
        return p / np.linalg.norm(p, axis=-1, keepdims=True)

    def _spoke_integral(self, rho, ang):
        """int_0^rho d rho' / (1 + m.pole) along the spoke of angle ``ang`` (Gauss-Legendre)."""
        rho = np.asarray(rho, dtype=float)
        ang = np.asarray(ang, dtype=float)
        t = 0.5 * (1.0 + _GL_X)
        rr = rho[..., None] * t
        x = rr * np.cos(ang)[..., None]
        y = self.y0 + self.b * rr * np.sin(ang)[..., None]
        z = np.sqrt(np.maximum(1.0 - x * x - y * y, 0.0))
        return 0.5 * rho * np.sum(_GL_W / (1.0 + z), axis=-1)

    def pie(self, r, psi_a, psi_b):
        """Area (sr) of {r' < r, psi in [psi_a, psi_b]} by Stokes (as the zero-field chart):
        the ring gives (b rho^2 + y0 rho sin Psi) / (1 + m.pole) dPsi (Gauss-Legendre in Psi),
        each spoke (a line through (0, y0)) -y0 cos Psi d rho / (1 + m.pole)."""
        b, y0 = self.b, self.y0
        r = np.asarray(r, dtype=float)
        rho = np.sqrt(np.maximum(r, 0.0) * self.rho_s2)
        aa, ab = self.angle(psi_a), self.angle(psi_b)

        def f(ang):
            rh = rho[..., None]
            x = rh * np.cos(ang)
            y = y0 + b * rh * np.sin(ang)
            z = np.sqrt(np.maximum(1.0 - x * x - y * y, 0.0))
            return (b * rh * rh + y0 * rh * np.sin(ang)) / (1.0 + z)

        ring = _gauss(f, aa, ab)
        if y0 == 0.0:
            return ring
        rho_b = np.broadcast_to(rho, np.broadcast_shapes(rho.shape, np.shape(aa), np.shape(ab)))
        return ring + y0 * (np.cos(ab) * self._spoke_integral(rho_b, ab)
                            - np.cos(aa) * self._spoke_integral(rho_b, aa))

    def flux_length(self, r, psi_a, psi_b):
        """int |grad_S r| dl along the ring r between psi_a and psi_b, in Psi (the ellipse's
        angle, smooth through the spokes' corners)."""
        r = np.asarray(r, dtype=float)
        scale = abs(self.f_sep - self.f_pole)
        eps = 1e-6

        def f(ang):
            rr, ang = np.broadcast_arrays(r[..., None], ang)
            m = self._point_angle(rr, ang)
            dm = (self._point_angle(rr, ang + eps) - self._point_angle(rr, ang - eps)) / (2 * eps)
            return _tangential_gradient_norm(m, self.Q, self.g) / scale * np.linalg.norm(dm, axis=-1)

        return _gauss(f, self.angle(psi_a), self.angle(psi_b))

    def chart_angles(self, m):
        """(r, Psi unwrapped to [Psi(0), Psi(0) + 2 pi)) of unit vectors m in this chart's lune."""
        x, y = m @ self.a1, m @ self.a2
        rho2 = x * x + ((y - self.y0) / self.b) ** 2
        a0 = float(self.angle(np.array(0.0)))
        ang = a0 + np.mod(np.arctan2((y - self.y0) / self.b, x) - a0, 2 * math.pi)
        return rho2 / self.rho_s2, ang


# ----------------------------------------------------------------------------- grids


@dataclass(frozen=True)
class _Region:
    chart: object
    r: np.ndarray          # ring edges, r[0] = 0 (the pole), r[-1] = chart boundary
    n_spokes: int
    offset: int
    name: str

    @property
    def n_cells(self) -> int:
        return (self.r.size - 1) * self.n_spokes


@dataclass(frozen=True)
class SphereGrid:
    """Cells of ring x spoke grids in chart regions covering the unit sphere.

    ``centres`` (N, 3) unit vectors; ``area`` (N,) exact cell areas (sr); faces ``face_i`` ->
    ``face_j`` with ``face_ring`` True for faces along a ring (transport across the orbits),
    ``face_start``/``face_end`` (F, 3) their ends ordered along n x m (n from i to j),
    ``face_nodes`` (F, q, 3) quadrature nodes and ``face_normals`` (F, q, 3) unit normals times
    the quadrature weights (rad), ``conductance`` (F,) geometric diffusion conductance (1:
    flux = D conductance (W_i - W_j)); ``kind`` "polar" or "lunes"; ``info`` its parameters."""

    regions: tuple
    centres: np.ndarray
    area: np.ndarray
    cell_region: np.ndarray
    cell_ring: np.ndarray
    face_i: np.ndarray
    face_j: np.ndarray
    face_ring: np.ndarray
    face_start: np.ndarray
    face_end: np.ndarray
    face_nodes: np.ndarray
    face_normals: np.ndarray
    conductance: np.ndarray
    kind: str
    info: dict = field(default_factory=dict)

    @property
    def n_cells(self) -> int:
        return int(self.centres.shape[0])

    def hemisphere_fraction(self, axis, subdivisions: int = 8):
        """Fraction of each cell's area in m . axis > 0 (sub-cells of exact area, counted by the
        sign at their centres: exact where the boundary runs along ring or spoke lines)."""
        a = unit_vector(axis)
        out = np.zeros(self.n_cells)
        for reg in self.regions:
            sub, m, *_ = _region_sub_cells(reg, int(subdivisions))
            side = (m @ a) > 0
            tot = np.sum(sub, axis=(1, 2))
            with np.errstate(invalid="ignore", divide="ignore"):
                frac = np.where(tot > 0, np.sum(np.where(side, sub, 0.0), axis=(1, 2)) / tot, 0.0)
            out[reg.offset:reg.offset + reg.n_cells] = frac
        out = np.clip(out, 0.0, 1.0)
        # rounding residue of the sub-cell areas (1e-16 and below, subnormal numbers at worst)
        out[out < 1e-12] = 0.0
        out[out > 1.0 - 1e-12] = 1.0
        return out


def _face_geometry(ch, r_a, r_b, psi_a, psi_b, along_ring):
    """Quadrature nodes, normals x weights, start/end points of faces of chart ``ch``: along a
    ring (r_a = r_b, psi from psi_a to psi_b; normal towards larger r) or along a spoke
    (psi_a = psi_b, r from r_a to r_b; normal towards larger psi)."""
    xq = 0.5 * (1.0 + _FACE_X)
    r_a, r_b, psi_a, psi_b = (np.asarray(v, float)[:, None] for v in (r_a, r_b, psi_a, psi_b))
    if along_ring:
        rr = np.broadcast_to(r_a, (r_a.shape[0], xq.size))
        pp = psi_a + (psi_b - psi_a) * xq
        span = (psi_b - psi_a)[:, 0]
        eps = 1e-6
        tan = (ch.point(rr, pp + eps) - ch.point(rr, pp - eps)) / (2 * eps)
        r_lo = np.maximum(rr - 1e-6, 0.0)
        r_hi = np.minimum(rr + 1e-6, ch.r_max)
        towards = ch.point(r_hi, pp) - ch.point(r_lo, pp)
    else:
        pp = np.broadcast_to(psi_a, (psi_a.shape[0], xq.size))
        rr = r_a + (r_b - r_a) * xq
        span = (r_b - r_a)[:, 0]
        eps = 1e-7 * np.maximum(span, 1e-300)[:, None]
        tan = (ch.point(rr + eps, pp) - ch.point(np.maximum(rr - eps, 0.0), pp)) / (
            rr + eps - np.maximum(rr - eps, 0.0))[..., None]
        towards = ch.point(rr, pp + 1e-6) - ch.point(rr, pp - 1e-6)
    m = ch.point(rr, pp)
    n = np.cross(tan, m)
    nn = np.linalg.norm(n, axis=-1, keepdims=True)
    n = n / np.where(nn > 0, nn, 1.0)
    sgn = np.sign(np.sum(n * towards, axis=-1, keepdims=True))
    n = n * np.where(sgn == 0, 1.0, sgn)
    dl = np.linalg.norm(tan, axis=-1) * (0.5 * _FACE_W)[None, :] * span[:, None]
    normals = n * dl[..., None]
    if along_ring:
        a = ch.point(r_a[:, 0], psi_a[:, 0])
        b = ch.point(r_a[:, 0], psi_b[:, 0])
    else:
        a = ch.point(r_a[:, 0], psi_a[:, 0])
        b = ch.point(r_b[:, 0], psi_a[:, 0])
    # order the ends along t = n x m (the precession flux is c (psi(end) - psi(start)))
    mid = ch.point(0.5 * (r_a + r_b)[:, 0], 0.5 * (psi_a + psi_b)[:, 0])
    t = np.cross(np.sum(normals, axis=1), mid)
    swap = np.sum((b - a) * t, axis=1) < 0
    start = np.where(swap[:, None], b, a)
    end = np.where(swap[:, None], a, b)
    return m, normals, start, end, dl.sum(axis=1)


def _build_grid(regions, matches, kind, info):
    """Cells and faces of ``regions`` (each a ring x spoke grid of its chart); ``matches`` pairs
    the outer rings of regions that share a boundary (list of (region a, region b))."""
    centres, area, creg, cring = [], [], [], []
    for g, reg in enumerate(regions):
        ch = reg.chart
        K, n = reg.r.size - 1, reg.n_spokes
        dpsi = 2 * math.pi / n
        k = np.repeat(np.arange(K), n)
        j = np.tile(np.arange(n), K)
        rc = 0.5 * (reg.r[k] + reg.r[k + 1])
        centres.append(ch.point(rc, (j + 0.5) * dpsi))
        area.append(ch.pie(reg.r[k + 1], j * dpsi, (j + 1) * dpsi) - ch.pie(reg.r[k], j * dpsi, (j + 1) * dpsi))
        creg.append(np.full(K * n, g))
        cring.append(k)
    centres = np.concatenate(centres)
    area = np.concatenate(area)
    F = {"i": [], "j": [], "ring": [], "start": [], "end": [], "nodes": [], "normals": [], "g": []}

    def add(i, jj, ring, geo, g):
        m, normals, s, e, _ = geo
        F["i"].append(i)
        F["j"].append(jj)
        F["ring"].append(np.full(i.size, ring))
        F["start"].append(s)
        F["end"].append(e)
        F["nodes"].append(m)
        F["normals"].append(normals)
        F["g"].append(g)

    for reg in regions:
        ch = reg.chart
        K, n = reg.r.size - 1, reg.n_spokes
        dpsi = 2 * math.pi / n
        rc = 0.5 * (reg.r[:-1] + reg.r[1:])
        # ring faces at r[k+1], k = 0..K-2: cells (k, j) -> (k+1, j)
        if K > 1:
            k = np.repeat(np.arange(K - 1), n)
            j = np.tile(np.arange(n), K - 1)
            rf = reg.r[k + 1]
            G = ch.flux_length(rf, j * dpsi, (j + 1) * dpsi)
            g = G / (rc[k + 1] - rc[k])
            geo = _face_geometry(ch, rf, rf, j * dpsi, (j + 1) * dpsi, True)
            add(reg.offset + k * n + j, reg.offset + (k + 1) * n + j, True, geo, g)
        # spoke faces at psi_{j+1}: cells (k, j) -> (k, j+1)
        k = np.repeat(np.arange(K), n)
        j = np.tile(np.arange(n), K)
        pf = (j + 1) * dpsi
        geo = _face_geometry(ch, reg.r[k], reg.r[k + 1], pf, pf, False)
        ci = ch.point(rc[k], (j + 0.5) * dpsi)
        cj = ch.point(rc[k], (j + 1.5) * dpsi)
        dist = 2 * np.arcsin(np.clip(0.5 * np.linalg.norm(cj - ci, axis=1), 0, 1))
        g = geo[4] / np.maximum(dist, 1e-300)
        add(reg.offset + k * n + j, reg.offset + k * n + (j + 1) % n, False, geo, g)
    # shared outer rings (the separatrix): match the faces by their midpoints
    for ga, gb in matches:
        ra, rb = regions[ga], regions[gb]
        out = []
        for reg in (ra, rb):
            ch = reg.chart
            K, n = reg.r.size - 1, reg.n_spokes
            dpsi = 2 * math.pi / n
            j = np.arange(n)
            rf = np.full(n, reg.r[-1])
            mid = ch.point(rf, (j + 0.5) * dpsi)
            G = ch.flux_length(rf, j * dpsi, (j + 1) * dpsi)
            half = reg.r[-1] - 0.5 * (reg.r[-2] + reg.r[-1])
            out.append((reg.offset + (K - 1) * n + j, mid, G, half, ch, rf, j * dpsi, (j + 1) * dpsi))
        ia, mida, Ga, ha, cha, rfa, pa0, pa1 = out[0]
        ib, midb, Gb, hb, _, _, _, _ = out[1]
        d = np.linalg.norm(mida[:, None, :] - midb[None, :, :], axis=2)
        partner = np.argmin(d, axis=1)
        hit = d[np.arange(d.shape[0]), partner] < 1e-9
        if not np.any(hit):
            continue
        sel = np.flatnonzero(hit)
        pb = partner[sel]
        g = 1.0 / (ha / Ga[sel] + hb / Gb[pb])
        geo = _face_geometry(cha, rfa[sel], rfa[sel], pa0[sel], pa1[sel], True)
        add(ia[sel], ib[pb], True, geo, g)
    cat = {k: np.concatenate(v) for k, v in F.items()}
    return SphereGrid(tuple(regions), centres, area, np.concatenate(creg), np.concatenate(cring),
                      cat["i"].astype(np.int64), cat["j"].astype(np.int64), cat["ring"], cat["start"],
                      cat["end"], cat["nodes"], cat["normals"], cat["g"], kind, info)


def polar_grid(pole, ring_edges, n_spokes: int) -> SphereGrid:
    """One polar chart around ``pole``: ring edges in r = 1 - cos(theta) (increasing from 0 to 2),
    ``n_spokes`` spokes. The rings are iso-energy lines of an axially symmetric magnet whose axis
    is the pole."""
    r = np.asarray(ring_edges, dtype=float)
    if r.ndim != 1 or r.size < 3 or abs(r[0]) > 0 or abs(r[-1] - 2.0) > 1e-12 or np.any(np.diff(r) <= 0):
        raise SpinlossInputError(None, "ring_edges", "must increase strictly from 0 to 2")
    n = int(n_spokes)
    if n < 4 or n % 2:
        raise SpinlossInputError(None, "n_spokes", "must be an even integer >= 4")
    reg = _Region(PolarChart(pole), r, n, 0, "sphere")
    return _build_grid([reg], [], "polar", {"pole": list(map(float, unit_vector(pole))),
                                            "rings": int(r.size - 1), "spokes": n})


def lune_grid(axes, c, *, well_rings, max_rings, n_spokes: int) -> SphereGrid:
    """Energy-aligned grid of a biaxial energy e = sum_i c_i (m . a_i)^2 (no linear term),
    c_easy < c_mid < c_hard, ``axes`` rows (a_easy, a_mid, a_hard).

    The separatrix e = c_mid is two great circles through the saddles +-a_mid; it cuts the
    sphere into four lunes, each around one extremum (+-a_easy minima, +-a_hard maxima). In the
    orthographic chart of a lune around its extremum (:class:`EllipticChart`, X = m.a_mid and
    Y = m.a_hard, resp. m.a_easy) the iso-energy lines are the similar ellipses
    X = rho cos(psi), Y = rho b sin(psi) with b = sqrt((c_mid - c_easy)/(c_hard - c_easy)), resp.
    b = sqrt((c_hard - c_mid)/(c_hard - c_easy)); rho = 1 is the separatrix, on which psi is the
    same arc parameter in the four charts (their faces there match one to one).
    ``well_rings``/``max_rings``: ring edges in r = rho^2 (increasing from 0 to 1);
    ``n_spokes`` (a multiple of 4) per ring."""
    a_e, a_m, a_h = (np.asarray(x, dtype=float) for x in axes)
    ce, cm, ch = (float(x) for x in c)
    if not (ce < cm < ch):
        raise PhysicsError("lune_grid needs a biaxial energy c_easy < c_mid < c_hard")
    n = int(n_spokes)
    if n < 8 or n % 4:
        raise SpinlossInputError(None, "n_spokes", "must be a multiple of 4, >= 8")
    b_well = math.sqrt((cm - ce) / (ch - ce))
    b_max = math.sqrt((ch - cm) / (ch - ce))
    regions, off = [], 0
    for name, pole, second, b, rings in (("well+", a_e, a_h, b_well, well_rings),
                                         ("well-", -a_e, a_h, b_well, well_rings),
                                         ("max+", a_h, a_e, b_max, max_rings),
                                         ("max-", -a_h, a_e, b_max, max_rings)):
        r = np.asarray(rings, dtype=float)
        if r.ndim != 1 or r.size < 3 or r[0] != 0 or abs(r[-1] - 1.0) > 1e-12 or np.any(np.diff(r) <= 0):
            raise SpinlossInputError(None, "rings", "ring edges must increase strictly from 0 to 1")
        reg = _Region(EllipticChart(pole, a_m, second, b), r, n, off, name)
        regions.append(reg)
        off += reg.n_cells
    return _build_grid(regions, [(0, 2), (0, 3), (1, 2), (1, 3)], "lunes",
                       {"well_rings": int(len(well_rings) - 1), "max_rings": int(len(max_rings) - 1),
                        "spokes": n, "aspect_well": 1.0 / b_well, "aspect_max": 1.0 / b_max,
                        "axes": [list(map(float, a)) for a in (a_e, a_m, a_h)], "c": [ce, cm, ch]})


def driven_lune_grid(axes, c, h, *, well_rings_plus, well_rings_minus, max_rings, n_spokes: int) -> SphereGrid:
    """Grid aligned with the orbits of a biaxial energy plus a field along its easy axis,
    f(m) = sum_i c_i (m . a_i)^2 - h (m . a_easy) (J/m^3; the precession stream function psi of
    the module docstring during a pulse whose field-like field, and the alpha H_DL part, lie
    along the easy axis: in-plane type-y cells). ``axes`` rows (a_easy, a_mid, a_hard).

    With A = c_mid - c_easy, B = c_hard - c_easy and |h| < 2A (two wells remain): the saddles
    move to m.a_easy = -h/(2A) on the great circle m.a_hard = 0, the separatrix
    f = c_easy + A + h^2/(4A) bounds four regions again. Each well is covered by a
    :class:`DrivenWellChart` (rings from a closed-form root, the zero-field spokes), each maximum
    by a :class:`DrivenMaxChart` (elliptic rings about the moved maximum, spokes through the
    wells' separatrix points), so the four charts' outer faces match one to one. At h = 0 this is
    :func:`lune_grid`. ``well_rings_plus``/``well_rings_minus``: ring edges (0..1, uniform in
    the driven energy) of the wells around +-a_easy; ``max_rings``: of both maxima."""
    a_e, a_m, a_h = (unit_vector(x) for x in np.asarray(axes, dtype=float))
    ce, cm, ch = (float(x) for x in c)
    A, B, h = cm - ce, ch - ce, float(h)
    if not (0 < A < B):
        raise PhysicsError("driven_lune_grid needs a biaxial energy c_easy < c_mid < c_hard")
    if not abs(h) < 2 * A * (1 - 1e-6) or not (B - A) > h * h / (4 * A) * (1 + 1e-6):
        raise PhysicsError(f"the field along the easy axis (h = {h:.4g} J/m^3) leaves no saddle "
                           f"(needs |h| < 2 (c_mid - c_easy) = {2 * A:.4g})")
    n = int(n_spokes)
    if n < 8 or n % 4:
        raise SpinlossInputError(None, "n_spokes", "must be a multiple of 4, >= 8")
    Q = (np.stack([a_e, a_m, a_h]).T * np.array([ce, cm, ch])) @ np.stack([a_e, a_m, a_h])
    g = -h * a_e
    wp = DrivenWellChart(a_e, a_m, a_h, Q, g, A=A, B=B, h=h)
    wm = DrivenWellChart(-a_e, a_m, a_h, Q, g, A=A, B=B, h=-h)
    b_max = math.sqrt((B - A) / B)
    b_well = math.sqrt(A / B)

    class _Boundary:
        """psi -> the driven separatrix point on the spoke psi of a maximum's chart: the
        zero-field separatrix point of that chart at psi, the well it borders and that well's
        spoke angle there, then the driven well's point at r = 1."""

        def __init__(self, pole):
            self.pole = pole

        def __call__(self, psi):
            # the zero-field separatrix point: b_max sin(psi) along a_easy, b_well |sin(psi)|
            # along the pole
            psi = np.asarray(psi, dtype=float)
            flat = psi.reshape(-1)
            sn = np.sin(flat)
            side = sn >= 0
            m0 = (np.cos(flat)[:, None] * a_m + (b_max * sn)[:, None] * a_e
                  + (b_well * np.abs(sn))[:, None] * self.pole)
            out = np.empty(m0.shape)
            for well, sel in ((wp, side), (wm, ~side)):
                mm = m0[sel]
                t = np.arctan2((mm @ well.a2) / well.b, mm @ well.a1)
                out[sel] = well.point(np.ones_like(t), t)
            return out.reshape(psi.shape + (3,))

    mp = DrivenMaxChart(a_h, a_m, a_e, Q, g, A=A, B=B, h=h, boundary=_Boundary(a_h))
    mm = DrivenMaxChart(-a_h, a_m, a_e, Q, g, A=A, B=B, h=h, boundary=_Boundary(-a_h))
    regions, off = [], 0
    for name, chart, rings in (("well+", wp, well_rings_plus), ("well-", wm, well_rings_minus),
                               ("max+", mp, max_rings), ("max-", mm, max_rings)):
        r = np.asarray(rings, dtype=float)
        if r.ndim != 1 or r.size < 3 or r[0] != 0 or abs(r[-1] - 1.0) > 1e-12 or np.any(np.diff(r) <= 0):
            raise SpinlossInputError(None, "rings", "ring edges must increase strictly from 0 to 1")
        reg = _Region(chart, r, n, off, name)
        regions.append(reg)
        off += reg.n_cells
    info = {"well_rings": int(len(well_rings_plus) - 1), "well_rings_minus": int(len(well_rings_minus) - 1),
            "max_rings": int(len(max_rings) - 1), "spokes": n, "aspect_well": 1.0 / wp.b,
            "aspect_max": 1.0 / b_max, "drive_energy": h, "axes": [list(map(float, a)) for a in (a_e, a_m, a_h)],
            "c": [ce, cm, ch]}
    grid = _build_grid(regions, [(0, 2), (0, 3), (1, 2), (1, 3)], "lunes", info)
    matched = int(np.sum(grid.face_ring & (grid.cell_region[grid.face_i] != grid.cell_region[grid.face_j])))
    if matched != 2 * n:
        raise PhysicsError(f"driven lune grid: {matched} of {2 * n} separatrix faces matched")
    return grid


def _spoke_edges(chart, n):
    """The spoke angles of a lune chart's cells in the variable of its ``chart_angles``."""
    t = np.arange(n + 1) * (2 * math.pi / n)
    return chart.angle(t) if isinstance(chart, DrivenMaxChart) else t


def locate_cells(grid: SphereGrid, m, coordinates=False):
    """Index of the cell of a lune grid (:func:`lune_grid`, :func:`driven_lune_grid`) that holds
    each unit vector m (k, 3): region from the driven energy (wells below the separatrix, split by
    the plane m.a_easy = -h/(2A) through the saddles; maxima above it, split by m.a_hard = 0),
    then ring and spoke from the chart's (r, angle) (rings are energy levels, spokes the chart's
    rays: exact)."""
    if grid.kind != "lunes" or "axes" not in grid.info:
        raise PhysicsError("locate_cells needs a lune grid")
    m = np.atleast_2d(np.asarray(m, dtype=float))
    a_e, a_m, a_h = (np.asarray(a) for a in grid.info["axes"])
    ce, cm, ch = grid.info["c"]
    h = float(grid.info.get("drive_energy", 0.0))
    A = cm - ce
    f = ce * (m @ a_e) ** 2 + cm * (m @ a_m) ** 2 + ch * (m @ a_h) ** 2 - h * (m @ a_e)
    well = f < ce + A + h * h / (4 * A)
    region = np.where(well, np.where(m @ a_e > -h / (2 * A), 0, 1), np.where(m @ a_h > 0, 2, 3))
    out = np.empty(m.shape[0], dtype=np.int64)
    d_r = np.zeros(m.shape[0])
    d_t = np.zeros(m.shape[0])
    for g, reg in enumerate(grid.regions):
        sel = np.flatnonzero(region == g)
        if sel.size == 0:
            continue
        r, ang = reg.chart.chart_angles(m[sel])
        k = np.clip(np.searchsorted(reg.r, r, side="right") - 1, 0, reg.r.size - 2)
        edges = _spoke_edges(reg.chart, reg.n_spokes)
        j = np.clip(np.searchsorted(edges, ang, side="right") - 1, 0, reg.n_spokes - 1)
        out[sel] = reg.offset + k * reg.n_spokes + j
        if coordinates:
            # offsets from the cell centre in ring coordinate and spoke parameter (linear in the
            # chart's angle between the spoke's edges)
            dpsi = 2 * math.pi / reg.n_spokes
            d_r[sel] = r - 0.5 * (reg.r[k] + reg.r[k + 1])
            d_t[sel] = dpsi * ((ang - edges[j]) / (edges[j + 1] - edges[j]) - 0.5)
    return (out, d_r, d_t) if coordinates else out


def _region_sub_cells(reg, n: int):
    """s x s sub-cells (s = ``n``) of every cell of one grid region: exact areas (cells, n, n) as
    differences of the chart's pie areas, their centres on the sphere (cells, n, n, 3), the centres'
    ring coordinates rc and spoke parameters pc (cells, n), and each cell's ring bounds r0, r1,
    first spoke p0 (cells,) and spoke width dpsi."""
    ch = reg.chart
    t = np.arange(n + 1) / n
    tc = (np.arange(n) + 0.5) / n
    k = np.repeat(np.arange(reg.r.size - 1), reg.n_spokes)
    j = np.tile(np.arange(reg.n_spokes), reg.r.size - 1)
    dpsi = 2 * math.pi / reg.n_spokes
    r0, r1 = reg.r[k], reg.r[k + 1]
    p0 = j * dpsi
    rr = r0[:, None] + (r1 - r0)[:, None] * t
    pp = p0[:, None] + dpsi * t
    pie = ch.pie(rr[:, :, None], pp[:, None, :-1], pp[:, None, 1:])
    sub = pie[:, 1:, :] - pie[:, :-1, :]
    rc = r0[:, None] + (r1 - r0)[:, None] * tc
    pc = p0[:, None] + dpsi * tc
    return sub, ch.point(rc[:, :, None], pc[:, None, :]), rc, pc, r0, r1, p0, dpsi


def _sub_cells(grid: SphereGrid, subdivisions: int):
    """Centres (N, s^2, 3), exact areas (N, s^2) and offsets from the cell centre in ring and
    spoke coordinate (two (N, s^2) arrays) of s x s sub-cells of every cell."""
    n = int(subdivisions)
    pts = np.empty((grid.n_cells, n * n, 3))
    sub = np.empty((grid.n_cells, n * n))
    d_r = np.empty((grid.n_cells, n * n))
    d_t = np.empty((grid.n_cells, n * n))
    for reg in grid.regions:
        a, m, rc, pc, r0, r1, p0, dpsi = _region_sub_cells(reg, n)
        sl = slice(reg.offset, reg.offset + reg.n_cells)
        pts[sl] = m.reshape(reg.n_cells, n * n, 3)
        sub[sl] = np.maximum(a, 0.0).reshape(reg.n_cells, n * n)
        d_r[sl] = np.repeat(rc - 0.5 * (r0 + r1)[:, None], n, axis=1)
        d_t[sl] = np.tile(pc - (p0 + 0.5 * dpsi)[:, None], (1, n))
    return pts, sub, d_r, d_t


def _minmod(a, b):
    return np.where(a * b > 0, np.where(np.abs(a) < np.abs(b), a, b), 0.0)


def _log_slopes(grid: SphereGrid, u):
    """Limited slopes (minmod) of ln(density) per cell in ring and spoke coordinate (one-sided
    on a chart's first ring, zero on its last and where the density vanishes on a side)."""
    lnw = np.log(np.maximum(u / grid.area, 1e-300))
    s_r = np.zeros(grid.n_cells)
    s_t = np.zeros(grid.n_cells)
    for reg in grid.regions:
        K, n = reg.r.size - 1, reg.n_spokes
        sl = slice(reg.offset, reg.offset + reg.n_cells)
        L = lnw[sl].reshape(K, n)
        rc = 0.5 * (reg.r[:-1] + reg.r[1:])
        sr = np.zeros((K, n))
        if K > 2:
            up = (L[2:] - L[1:-1]) / (rc[2:] - rc[1:-1])[:, None]
            down = (L[1:-1] - L[:-2]) / (rc[1:-1] - rc[:-2])[:, None]
            sr[1:-1] = _minmod(up, down)
        if K > 1:
            # the ring around the extremum: the outward difference (a Boltzmann density is
            # log-linear in the ring coordinate up to the pole; this ring holds ~40 % of a
            # well's equilibrium mass at 0.5 k_B T per ring)
            sr[0] = (L[1] - L[0]) / (rc[1] - rc[0])
        dpsi = 2 * math.pi / n
        st = _minmod((np.roll(L, -1, axis=1) - L) / dpsi, (L - np.roll(L, 1, axis=1)) / dpsi)
        s_r[sl] = sr.ravel()
        s_t[sl] = st.ravel()
    return s_r, s_t


class Remap:
    """Carries cell masses from a ``source`` lune grid to a ``target`` one by sampling: each
    target cell gets, over its s x s sub-cells (exact areas), the source density at the
    sub-cell's centre (:func:`locate_cells`: exact), reconstructed log-linearly in the source
    cell with limited (minmod) slopes of ln W and normalized to the cell's mean; then the total
    is scaled to the source's (conservative globally, positive). Unlike a scatter of the source
    cells' parts, the sampling error does not move mass with the grid: between two grids that
    differ by less than a sub-cell a scatter is the identity (the density follows the grid),
    which over a ramp's several levels is a systematic transport."""

    def __init__(self, source: SphereGrid, target: SphereGrid, subdivisions: int = 4, samples_source=None,
                 samples_target=None):
        self.source, self.target = source, target
        s = int(subdivisions)
        _, sub_s, dr_s, dt_s = _sub_cells(source, s) if samples_source is None else samples_source
        pt, self.sub, _, _ = _sub_cells(target, s) if samples_target is None else samples_target
        self.src_sub, self.src_dr, self.src_dt = sub_s, dr_s, dt_s
        idx, dr, dt = locate_cells(source, pt.reshape(-1, 3), coordinates=True)
        shape = self.sub.shape
        self.idx, self.d_r, self.d_t = idx.reshape(shape), dr.reshape(shape), dt.reshape(shape)

    def __call__(self, u, reconstruct=True):
        lnw = np.log(np.maximum(u / self.source.area, 1e-300))
        if reconstruct:
            s_r, s_t = _log_slopes(self.source, u)
            xs = s_r[:, None] * self.src_dr + s_t[:, None] * self.src_dt
            top = np.max(xs, axis=1, keepdims=True)
            # ln of the cell mean of exp(x): the reconstruction keeps the cell's mass
            ln_norm = top[:, 0] + np.log(np.sum(self.src_sub * np.exp(np.maximum(xs - top, -700.0)), axis=1)
                                         / np.maximum(self.src_sub.sum(axis=1), 1e-300))
            x = s_r[self.idx] * self.d_r + s_t[self.idx] * self.d_t
            lw = lnw[self.idx] - ln_norm[self.idx] + x
        else:
            lw = lnw[self.idx]
        w = np.where(u[self.idx] > 0, np.exp(np.minimum(lw, 700.0)), 0.0)
        v = np.sum(self.sub * w, axis=1)
        tot = v.sum()
        return v * (u.sum() / tot) if tot > 0 else v


# ----------------------------------------------------------------------------- the model


def _bernoulli(z):
    """B(z) = z / (exp(z) - 1), stable for all z."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    small = np.abs(z) < 1e-6
    big = z > 700
    mid = ~small & ~big
    zm = z[mid]
    out[mid] = zm / np.expm1(zm)
    zs = z[small]
    out[small] = 1.0 - 0.5 * zs + zs * zs / 12.0
    out[big] = z[big] * np.exp(-z[big])
    return out


@dataclass(frozen=True)
class _Model:
    """One device's Fokker-Planck coefficients (SI)."""

    terms: tuple
    damping: float
    gamma: float
    saturation_magnetization: float
    volume: float
    temperature: float
    polarization: np.ndarray
    damping_like_per_current: float
    field_like_per_current: float

    def energy_density(self, m):
        from ..dynamics.terms import total_energy_density

        m = np.asarray(m, dtype=float)
        flat = m.reshape(-1, 3)
        return np.asarray(total_energy_density(self.terms, flat), dtype=float).reshape(m.shape[:-1])

    @property
    def reduced_gamma(self) -> float:
        """gamma' = gamma mu0 / (1 + alpha^2) (m A^-1 s^-1)."""
        return self.gamma * MU0 / (1.0 + self.damping**2)

    def diffusion(self, temperature) -> float:
        """D = alpha gamma' k_B T / (mu0 M_s V) (1/s)."""
        return self.damping * self.reduced_gamma * KB * temperature / (
            MU0 * self.saturation_magnetization * self.volume)


def sphere_model(params) -> _Model:
    """The coefficients of one device's Fokker-Planck equation from its
    :class:`~spinloss.dynamics.MacrospinParameters` (a batch of identical devices is accepted)."""
    from ..dynamics.terms import SpinTorque

    one = params.single_device("the Fokker-Planck solver needs")
    terms = one.terms()
    dl = fl = 0.0
    s = np.asarray(one.broadcast(1)["polarization"][0], dtype=float)
    for t in terms:
        if isinstance(t, SpinTorque):
            dl += float(t.damping_like_field_per_current[0])
            fl += float(t.field_like_field_per_current[0])
    if not np.linalg.norm(s) > 0:
        dl = fl = 0.0
        s = np.array([0.0, 0.0, 1.0])
    alpha = float(one.damping)
    if not alpha > 0:
        raise PhysicsError("the Fokker-Planck equation needs damping alpha > 0 (the thermal diffusion "
                           "is proportional to alpha)")
    return _Model(terms=terms, damping=alpha, gamma=float(one.gamma),
                  saturation_magnetization=float(one.saturation_magnetization), volume=float(one.volume),
                  temperature=float(one.temperature), polarization=s,
                  damping_like_per_current=dl, field_like_per_current=fl)


def landau_lifshitz_velocity(model: _Model, m, h_dl, h_fl, eps=1e-6):
    """dm/dt (1/s, (k, 3)) of the deterministic macrospin at unit vectors m (k, 3) written as the
    Fokker-Planck drift -D grad(phi) + c m x grad(psi) (module docstring), with numerical
    tangential gradients. Equal to :func:`spinloss.dynamics.llg.llg_rhs_numpy` (tested): the
    check that the potentials of this module are the explicit form of :mod:`spinloss.dynamics.llg`."""
    m = np.atleast_2d(np.asarray(m, dtype=float))
    s = model.polarization
    a = model.damping
    ms = model.saturation_magnetization

    def both(x):
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        e = model.energy_density(x)
        return e - MU0 * ms * (h_dl / a + h_fl) * (x @ s), e - MU0 * ms * (h_fl - a * h_dl) * (x @ s)

    g_phi, g_psi = [], []
    for k in range(3):
        d = np.zeros(3)
        d[k] = eps
        fp, sp_ = both(m + d)
        fm, sm = both(m - d)
        g_phi.append((fp - fm) / (2 * eps))
        g_psi.append((sp_ - sm) / (2 * eps))
    g_phi = np.stack(g_phi, axis=1)
    g_psi = np.stack(g_psi, axis=1)
    g_phi -= np.sum(g_phi * m, axis=1, keepdims=True) * m
    g_psi -= np.sum(g_psi * m, axis=1, keepdims=True) * m
    c = model.gamma / ((1.0 + a**2) * ms)
    # D grad(phi) = alpha gamma' / (mu0 M_s) grad(V e_phi / k_B T) kT / V
    return -a * model.reduced_gamma / (MU0 * ms) * g_phi + c * np.cross(m, g_psi)


class _FaceData:
    """Per-face constants of a grid for one model: energy at the ends and centres, s . n.

    ``drive`` = (h, a) for a grid whose rings are the levels of f = e - h m.a
    (:func:`driven_lune_grid`): the damping drift of the energy e = f + h m.a is split as on the
    zero-current grid, the part that is a function of the ring coordinate (f) as the difference
    of its potential at the two centres (consistent with the two-point diffusion flux, which is
    exact for functions of the ring coordinate, so that a density exp(-V f / k_B T) is not moved
    by the pair), the linear rest h m.a as the exact integral of its normal component, like the
    torque's. (The exact integral for all of e, tried first, is not consistent with the
    two-point diffusion on the skewed spoke faces: it moved the zero-current equilibrium and
    the WER by -5 % at resolution 1.)"""

    def __init__(self, grid: SphereGrid, model: _Model, drive=None):
        s = model.polarization
        self.grid = grid
        self.model = model
        self.e_centre = model.energy_density(grid.centres)
        self.d_energy = model.energy_density(grid.face_end) - model.energy_density(grid.face_start)
        self.d_s = (grid.face_end - grid.face_start) @ s
        self.s_normal = np.einsum("fqk,k->f", grid.face_normals, s)
        self.f_centre = self.e_centre
        self.drive_energy = 0.0
        self.a_normal = None
        if drive is not None:
            h, axis = float(drive[0]), np.asarray(drive[1], dtype=float)
            self.drive_energy = h
            self.f_centre = self.e_centre - h * (grid.centres @ axis)
            self.a_normal = np.einsum("fqk,k->f", grid.face_normals, axis)


def sphere_operator(data: _FaceData, current, temperature):
    """Generator L (CSC, N x N) of the cell masses u at current density ``current`` (A/m^2) and
    ``temperature`` (K): du/dt = L u (module docstring)."""
    g = data.grid
    m = data.model
    a = m.damping
    ms = m.saturation_magnetization
    h_dl = m.damping_like_per_current * current
    h_fl = m.field_like_per_current * current
    D = m.diffusion(temperature)
    kappa = D * g.conductance
    c = m.gamma / ((1.0 + a**2) * ms)
    phi_f = m.volume * data.f_centre / (KB * temperature)
    drift_e = -kappa * (phi_f[g.face_j] - phi_f[g.face_i])
    if data.a_normal is not None:
        # -D grad(V h m.a / k_B T) . n integrated: -alpha gamma' h / (mu0 M_s) int a . n dl
        drift_e = drift_e - a * m.reduced_gamma * data.drive_energy / (MU0 * ms) * data.a_normal
    q = (c * (data.d_energy - MU0 * ms * (h_fl - a * h_dl) * data.d_s)
         + m.reduced_gamma * (h_dl + a * h_fl) * data.s_normal
         + drift_e)
    z = q / kappa
    fa = kappa * _bernoulli(-z)
    fb = kappa * _bernoulli(z)
    # a flux against a drift of Peclet number > ~460 is below 1e-200 of the forward one: drop it
    # (both of its entries, so columns still sum to zero) rather than carry subnormal numbers
    # into the factorization
    fa = np.where(fa < 1e-200 * kappa, 0.0, fa)
    fb = np.where(fb < 1e-200 * kappa, 0.0, fb)
    i, j = g.face_i, g.face_j
    A = g.area
    ai, bj = fa / A[i], fb / A[j]
    rows = np.concatenate([i, j, i, j])
    cols = np.concatenate([i, i, j, j])
    vals = np.concatenate([-ai, ai, bj, -bj])
    return sp.csc_matrix((vals, (rows, cols)), shape=(g.n_cells, g.n_cells))


def boltzmann_masses(data: _FaceData, temperature, fraction=None):
    """Cell masses of the discrete Boltzmann state exp(-V e / k_B T) (times ``fraction``, e.g. the
    starting hemisphere), normalized."""
    phi = data.model.volume * data.e_centre / (KB * temperature)
    w = data.grid.area * (np.ones_like(phi) if fraction is None else fraction)
    keep = w > 0
    logu = np.where(keep, -(phi - np.min(phi[keep])) + np.log(np.where(keep, w, 1.0)), -np.inf)
    u = np.exp(logu - np.max(logu))
    return u / u.sum()


def sphere_equilibrium_residual(grid: SphereGrid, params, temperature=None):
    """max |L u_B| / max |diag(L) u_B| for the discrete Boltzmann state u_B at zero current: the
    stationarity of thermal equilibrium (rounding level on an energy-aligned grid)."""
    model = sphere_model(params)
    T = model.temperature if temperature is None else float(temperature)
    data = _FaceData(grid, model)
    L = sphere_operator(data, 0.0, T)
    u = boltzmann_masses(data, T)
    return float(np.max(np.abs(L @ u)) / np.max(np.abs(L.diagonal() * u)))


# ----------------------------------------------------------------------------- grid of a device


def quadratic_form(model: _Model, rtol: float = 1e-9):
    """The energy density of ``model`` as e(m) = m^T Q m + g.m + e0 (J/m^3): (Q, g, e0), or None
    when the terms are not of that form (checked at random unit vectors to ``rtol``)."""
    E = np.eye(3)
    pts = [np.zeros(3)] + [E[i] for i in range(3)] + [-E[i] for i in range(3)]
    pts += [E[i] + E[j] for i in range(3) for j in range(i + 1, 3)]
    vals = model.energy_density(np.array(pts))
    e0 = vals[0]
    plus, minus = vals[1:4], vals[4:7]
    g = 0.5 * (plus - minus)
    Q = np.diag(0.5 * (plus + minus) - e0)
    k = 7
    for i in range(3):
        for j in range(i + 1, 3):
            Q[i, j] = Q[j, i] = 0.5 * (vals[k] - e0 - Q[i, i] - Q[j, j] - g[i] - g[j])
            k += 1
    rng = np.random.default_rng(12345)
    m = rng.standard_normal((16, 3))
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    fit = np.einsum("ij,jk,ik->i", m, Q, m) + m @ g + e0
    exact = model.energy_density(m)
    scale = float(np.max(np.abs(np.linalg.eigvalsh(Q)))) + float(np.linalg.norm(g)) + 1e-300
    if np.max(np.abs(fit - exact)) > rtol * scale:
        return None
    return Q, g, float(e0)


def _edges_uniform(total_kT, step_kT, minimum):
    """Ring edges in (0, 1), uniform in the energy (r linear in it), 0 and 1 included: spacing at
    most ``step_kT`` k_B T over a well of ``total_kT``, at least ``minimum`` rings."""
    n = max(int(minimum), int(math.ceil(total_kT / step_kT)))
    return np.linspace(0.0, 1.0, n + 1)


def _edges_graded(total_kT, step_kT, growth, coarse_fraction=0.05):
    """Ring edges in (0, 1) of a maximum's chart (r = 1 the separatrix): spacing ``step_kT`` k_B T
    at the separatrix growing by ``growth`` up to ``coarse_fraction`` of the well."""
    pts, x, h = [0.0], 0.0, step_kT
    coarse = max(step_kT, coarse_fraction * total_kT)
    while x + h < total_kT - 0.5 * h:
        x += h
        pts.append(x)
        h = min(h * growth, coarse)
    pts.append(total_kT)
    eta = np.array(pts) / total_kT     # distance from the separatrix, 0..1
    return np.sort(1.0 - eta)


def _well_minimum(model: _Model, start):
    """The energy minimum reached from ``start`` by damped relaxation (no current)."""
    from ..dynamics.terms import field_scale, total_field

    m = np.asarray(start, dtype=float).reshape(1, 3)
    scale = float(field_scale(model.terms)[0]) + 1.0
    for _ in range(20000):
        h = total_field(model.terms, m)
        h_perp = h - np.sum(h * m, axis=1, keepdims=True) * m
        if np.linalg.norm(h_perp) < 1e-13 * scale:
            break
        m = m + (0.5 / scale) * h_perp
        m /= np.linalg.norm(m)
    return m[0]


def _lune_axes(model, start):
    """(axes, c) when the energy is biaxial without a linear term and ``start`` is along its easy
    axis, else None."""
    fit = quadratic_form(model)
    if fit is None:
        return None
    Q, g, _ = fit
    c, v = np.linalg.eigh(Q)
    axes = v.T.copy()
    span = c[2] - c[0]
    if not span > 0 or np.linalg.norm(g) > 1e-12 * span:
        return None
    if abs(abs(axes[0] @ start) - 1.0) > 1e-9:
        return None
    if c[1] - c[0] < 1e-3 * span or c[2] - c[1] < 1e-3 * span:
        return None
    if axes[0] @ start < 0:
        axes[0] = -axes[0]
    axes[2] = np.cross(axes[0], axes[1])
    return axes, c


def device_grid(model: _Model, start, temperature, *, resolution=1.0, n_spokes=None, energy_step=0.5,
                min_rings=40, polar_rings=600) -> SphereGrid:
    """The grid for ``model`` starting along ``start`` at ``temperature`` (K).

    Biaxial energy without a Zeeman term and ``start`` along its easy axis: :func:`lune_grid`,
    well rings uniform in energy with spacing ``energy_step``/``resolution`` k_B T (at least
    ``min_rings``), maximum rings graded from the separatrix, ``n_spokes`` (default
    32 x resolution) spokes. Otherwise :func:`polar_grid` around the minimum of the starting
    well, ring edges uniform in theta (``polar_rings`` x resolution of them, the 1D solver's
    faces), 16 x resolution spokes."""
    start = unit_vector(start)
    kT = KB * temperature
    V = model.volume
    lunes = _lune_axes(model, start)
    if lunes is not None:
        axes, c = lunes
        n = int(n_spokes) if n_spokes is not None else 4 * max(2, int(round(8 * resolution)))
        d_well = (c[1] - c[0]) * V / kT
        d_max = (c[2] - c[1]) * V / kT
        step = energy_step / resolution
        wells = _edges_uniform(d_well, step, min_rings * resolution)
        maxes = _edges_graded(d_max, step, 1.0 + 0.15 / resolution)
        grid = lune_grid(axes, c, well_rings=wells, max_rings=maxes, n_spokes=n)
        grid.info.update({"thermal_stability_well": float(d_well), "thermal_stability_max": float(d_max),
                          "energy_step": float(step)})
        return grid
    pole = _well_minimum(model, start)
    n = int(n_spokes) if n_spokes is not None else 2 * max(2, int(round(8 * resolution)))
    k = 2 * int(round(0.5 * polar_rings * resolution))
    theta = np.arange(k + 1) * math.pi / k
    r = 1.0 - np.cos(theta)
    r[0], r[-1], r[k // 2] = 0.0, 2.0, 1.0
    return polar_grid(pole, r, n)


def driven_support(model: _Model, start):
    """(axes, c) when grids aligned with the driven orbits apply (:func:`driven_lune_grid`): a
    biaxial energy without field (lune grid) whose torque polarization s lies along the easy
    axis (in-plane type-y cells), so the torque's part of the precession stream function,
    -mu0 M_s (H_FL - alpha H_DL) m.s, is a field along the easy axis; else None."""
    lunes = _lune_axes(model, unit_vector(start))
    if lunes is None:
        return None
    axes, c = lunes
    if abs(abs(float(axes[0] @ model.polarization)) - 1.0) > 1e-9:
        return None
    return axes, c


def drive_energy(model: _Model, axes, current) -> float:
    """h (J/m^3) of the driven stream function psi = e - h m.a_easy at ``current`` (A/m^2):
    h = mu0 M_s (H_FL - alpha H_DL) (s . a_easy) (module docstring)."""
    h_dl = model.damping_like_per_current * current
    h_fl = model.field_like_per_current * current
    return float(MU0 * model.saturation_magnetization * (h_fl - model.damping * h_dl)
                 * float(np.asarray(axes[0]) @ model.polarization))


def driven_device_grid(model: _Model, axes, c, h, temperature, *, resolution=1.0, n_spokes=None,
                       energy_step=0.5, min_rings=40) -> SphereGrid:
    """:func:`driven_lune_grid` for drive energy ``h`` with the rules of :func:`device_grid`:
    well rings uniform in the driven energy, ``energy_step``/``resolution`` k_B T apart (at
    least ``min_rings``), maximum rings graded from the separatrix, the same spokes."""
    kT = KB * temperature
    V = model.volume
    ce, cm, ch = (float(x) for x in c)
    A, B = cm - ce, ch - ce
    n = int(n_spokes) if n_spokes is not None else 4 * max(2, int(round(8 * resolution)))
    step = energy_step / resolution
    sep = A + h * h / (4 * A)
    d_plus, d_minus = (sep + h) * V / kT, (sep - h) * V / kT
    d_max = (B + h * h / (4 * B) - sep) * V / kT
    grid = driven_lune_grid(axes, c, h, well_rings_plus=_edges_uniform(d_plus, step, min_rings * resolution),
                            well_rings_minus=_edges_uniform(d_minus, step, min_rings * resolution),
                            max_rings=_edges_graded(d_max, step, 1.0 + 0.15 / resolution), n_spokes=n)
    grid.info.update({"thermal_stability_well": float(d_plus), "thermal_stability_max": float(d_max),
                      "energy_step": float(step)})
    return grid


def _alignment(grid: SphereGrid, model: _Model, temperature):
    """Largest energy variation along a ring face (k_B T): zero on an energy-aligned grid; the
    precession flux across the orbits it implies is upwinded (numerical diffusion)."""
    d = np.abs(model.energy_density(grid.face_end) - model.energy_density(grid.face_start))
    sel = grid.face_ring
    return float(np.max(d[sel]) * model.volume / (KB * temperature)) if np.any(sel) else 0.0


# ----------------------------------------------------------------------------- applicability


def sphere_follows(schedule) -> bool:
    """Whether the solver can follow ``schedule`` (None, or a
    :class:`~spinloss.dynamics.ParameterSchedule` whose parameters are functions of one
    temperature state, as :meth:`spinloss.device.Device.heating_schedule` makes them)."""
    return schedule is None or (schedule.state is not None and schedule.parameters_of_state is not None
                                and schedule.state_range is not None and schedule.n_rows == 1)


def sphere_fokker_planck_is_default(params, m0, target_axis=None) -> bool:
    """Whether ``method='auto'`` (and the design search) should use this solver: it applies
    (:func:`sphere_fokker_planck_applies`) and either the cell has no field-like torque or the
    grids follow the driven orbits (:func:`driven_support`: in-plane cells with the polarization
    along the easy axis, type-y).

    A field-like field along s tilts the precession orbits during the pulse off the rings of the
    zero-current grid, and the precession across them is a numerical diffusion: on the iso-Delta
    Py/NiO cell of examples/compare.toml (xi_FL/xi_DL = -0.22, 3 ns) the zero-current grid gave
    WER 1.03e-1 against Monte Carlo's 7.56e-2 +- 0.13e-2; the driven grids give 7.60e-2
    (docs/wer.md section 3). Where the driven grids do not apply (s off the easy axis, polar
    grids with a tilted torque) cells with a field-like torque go to Monte Carlo and splitting
    (``method='fokker_planck_sphere'`` still runs them)."""
    ok, _ = sphere_fokker_planck_applies(params, m0, target_axis)
    if not ok:
        return False
    model = sphere_model(params)
    return model.field_like_per_current == 0.0 or driven_support(model, unit_vector(m0)) is not None


def sphere_fokker_planck_applies(params, m0, target_axis=None, *, max_misalignment=1e-6) -> tuple:
    """(True, "") when :func:`sphere_fokker_planck_wer` resolves this setup, else (False, reason).

    Needs one device, damping > 0, temperature > 0, target = -m0, and a grid whose rings are the
    precession orbits of the zero-current energy: a biaxial energy without a Zeeman term with m0
    along its easy axis (in-plane cells with shape anisotropy, any torque direction), or an
    axially symmetric energy (uniaxial with field and demagnetization along the axis; the torque
    may point anywhere). Elsewhere (e.g. a perpendicular magnet in an in-plane field) the rings
    of the polar grid cut the orbits, and the upwinded precession across them is a numerical
    diffusion larger than the thermal one at low damping: refused (``max_misalignment`` k_B T of
    energy along a ring face), the splitting estimator takes over."""
    try:
        model = sphere_model(params)
    except (SpinlossInputError, PhysicsError) as exc:
        return False, str(exc)
    if not model.temperature > 0:
        return False, "temperature 0: deterministic dynamics (no thermal distribution to evolve)"
    u0 = unit_vector(m0)
    if target_axis is not None and not np.allclose(unit_vector(target_axis), -u0, atol=1e-9):
        return False, "the target must be the hemisphere opposite to m0"
    if _lune_axes(model, u0) is not None:
        return True, ""
    fit = quadratic_form(model)
    if fit is None:
        return False, "the energy is not quadratic in m"
    Q, g, _ = fit
    # axial: u0 an eigenvector of Q with the other two eigenvalues equal, g along u0
    c, v = np.linalg.eigh(Q)
    k = int(np.argmax(np.abs(v.T @ u0)))
    others = [i for i in range(3) if i != k]
    scale = float(np.max(np.abs(c))) + float(np.linalg.norm(g)) + 1e-300
    axial = (abs(abs(v[:, k] @ u0) - 1.0) < 1e-9 and abs(c[others[0]] - c[others[1]]) <= 1e-9 * scale
             and np.linalg.norm(g - (g @ u0) * u0) <= 1e-9 * scale)
    if not axial:
        return False, ("the precession orbits are neither axially symmetric about m0 nor those of a "
                       "biaxial energy without field (a grid aligned with them is not implemented)")
    return True, ""


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SphereFokkerPlanckResult(JsonResult):
    """Write error rate from the Fokker-Planck equation on the sphere.

    ``write_error_rate``: probability in the starting hemisphere at the end of the run (pulse
    plus settle), Richardson-extrapolated in the time step; ``uncertainty``: the stated absolute
    uncertainty, time error |extrapolated - fine step| plus the grid error (first-order
    Richardson from a coarse grid) when it was estimated (``grid_error``); ``times`` (s) and
    ``switching_probability``
    along the run; ``thermal_stability`` the barrier of the starting well in k_B T; ``grid``
    "lunes" or "polar", ``cells`` its size; ``steps`` backward-Euler solves, ``factorizations``
    LU factorizations; ``estimates`` the WERs of the runs (n steps, 2n steps[, coarse grid])."""

    write_error_rate: float
    uncertainty: float
    times: np.ndarray
    switching_probability: np.ndarray
    write_error_rate_end_of_pulse: float
    thermal_stability: float
    time_error: float
    grid_error: float | None
    grid: str
    cells: int
    steps: int
    factorizations: int
    wall_time: float
    estimates: tuple = ()
    parameters: dict = field(default_factory=dict)
    method: str = METHOD

    @property
    def relative_uncertainty(self) -> float:
        return float(self.uncertainty / self.write_error_rate) if self.write_error_rate > 0 else float("inf")

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "write_error_rate": float(self.write_error_rate),
            "uncertainty": float(self.uncertainty),
            "relative_uncertainty": self.relative_uncertainty,
            "time_error": float(self.time_error),
            "grid_error": None if self.grid_error is None else float(self.grid_error),
            "write_error_rate_end_of_pulse": float(self.write_error_rate_end_of_pulse),
            "thermal_stability": float(self.thermal_stability),
            "grid": self.grid,
            "cells": int(self.cells),
            "steps": int(self.steps),
            "factorizations": int(self.factorizations),
            "seconds": float(self.wall_time),
            "estimates": [float(e) for e in self.estimates],
            "times": self.times,
            "switching_probability": self.switching_probability,
            "parameters": dict(self.parameters),
            "units": {"write_error_rate": "1", "uncertainty": "1", "relative_uncertainty": "1",
                      "time_error": "1", "grid_error": "1", "write_error_rate_end_of_pulse": "1",
                      "thermal_stability": "1", "seconds": "s", "estimates": "1", "times": "s",
                      "switching_probability": "1", "cells": "1", "steps": "1", "factorizations": "1",
                      "driven_grids": "1", "duration": "s", "pole": "1", "rings": "1", "spokes": "1",
                      "levels": "1", "probability_drift": "1", "pulse_end": "s", "ramp_levels": "1",
                      "resolution": "1", "richardson": "1", "step_quality": "1", "temperature": "K"},
        }

    def to_xarray(self):
        """The switching probability against time (dimension ``time``), scalars as variables."""
        import xarray as xr

        ds = xr.Dataset({"switching_probability": (("time",), np.asarray(self.switching_probability, float),
                                                   {"units": "1"})},
                        coords={"time": ("time", np.asarray(self.times, float), {"units": "s"})})
        for k in ("write_error_rate", "uncertainty", "time_error", "write_error_rate_end_of_pulse",
                  "thermal_stability"):
            ds[k] = xr.DataArray(float(getattr(self, k)), attrs={"units": "1"})
        ds["seconds"] = xr.DataArray(float(self.wall_time), attrs={"units": "s"})
        ds.attrs.update({"method": self.method, "grid": self.grid, "cells": int(self.cells),
                         "steps": int(self.steps), "factorizations": int(self.factorizations)})
        return ds


# ----------------------------------------------------------------------------- time stepping


def _check_number(name, value, *, positive=True):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SpinlossInputError(None, name, f"must be a number, got {value!r}") from None
    if not math.isfinite(v) or (v <= 0 if positive else v < 0):
        raise SpinlossInputError(None, name, f"must be {'> 0' if positive else '>= 0'} and finite, got {value!r}")
    return v


def temperature_function(temperature, default):
    """T(t) (K) from None (``default``), a number, a callable of t (s), or a pair (times, values)
    (s, K: linear interpolation, constant outside) such as a heating model's temperature on its
    time grid."""
    if temperature is None:
        T = _check_number("temperature", default)
        return lambda t: T
    if callable(temperature):
        return temperature
    if isinstance(temperature, (tuple, list)) and len(temperature) == 2 and np.ndim(temperature[0]) == 1:
        tt = np.asarray(temperature[0], dtype=float)
        vv = np.asarray(temperature[1], dtype=float)
        if tt.shape != vv.shape or tt.size < 1 or np.any(np.diff(tt) < 0) or not np.all(np.isfinite(vv)) \
                or np.any(vv <= 0):
            raise SpinlossInputError(None, "temperature", "needs increasing times and positive finite "
                                                          "temperatures of equal length")
        return lambda t: float(np.interp(t, tt, vv))
    T = _check_number("temperature", temperature)
    return lambda t: T


class _HeatLevels:
    """The magnet's parameters during a heated pulse (a :class:`~spinloss.dynamics.ParameterSchedule`
    with a temperature state, :meth:`spinloss.device.Device.heating_schedule`) on K + 1
    temperatures T_0 = p_0 < ... < p_K = T_max, spaced evenly in the cumulative change
    sum_T max_q |d ln q| of the parameters q = M_s, H_K, alpha_eff, the torque fields per current
    and T itself, K = ceil(total / ``tolerance``): neighbouring points differ by at most
    ``tolerance`` in the logarithm of every parameter. A step at temperature T uses the model
    and the temperature of the nearest point, so the start (T_0) and the plateau of a long pulse
    (T_max) are exact and the rise and the fall sweep through the points (a midpoint rule; the
    level error is estimated by halving K, ``heating_error``)."""

    QUANTITIES = ("saturation_magnetization", "anisotropy_field", "damping", "damping_like_field_per_current",
                  "field_like_field_per_current", "temperature")

    def __init__(self, params, base_model: _Model, schedule, tolerance: float, grid_tolerance: float | None = None,
                 *, table_points: int = 2001):
        if schedule.state is None or schedule.parameters_of_state is None or schedule.state_range is None:
            raise SpinlossInputError(None, "schedule", "the Fokker-Planck solver needs a heating schedule with a "
                                                       "temperature state (Device.heating_schedule)")
        if schedule.n_rows != 1:
            raise SpinlossInputError(None, "schedule", "the Fokker-Planck solver needs a one-row schedule "
                                                       "(one device)")
        tol = _check_number("heating_tolerance", tolerance)
        lo, hi = (float(x) for x in schedule.state_range)
        self.schedule = schedule
        self.tolerance = tol
        table = np.linspace(lo, max(hi, lo), int(table_points))
        cum = np.zeros(table.size)
        if hi > lo:
            b = schedule.parameters_of_state(params, table).broadcast(table.size)
            change = np.zeros(table.size - 1)
            for name in self.QUANTITIES:
                q = np.abs(np.asarray(b[name], dtype=float).reshape(table.size, -1)[:, 0])
                if np.all(q > 0):
                    change = np.maximum(change, np.abs(np.diff(np.log(q))))
            cum[1:] = np.cumsum(change)
        total = float(cum[-1])
        k = int(math.ceil(total / tol - 1e-9)) if total > 0 else 0
        # strictly increasing for the inversion (flat stretches: no parameter changes)
        cum = cum + 1e-12 * max(total, 1.0) * np.linspace(0.0, 1.0, table.size)
        self.points = np.interp(np.linspace(cum[0], cum[-1], k + 1), cum, table) if k > 0 else np.array([lo])
        self.points[0] = lo
        self.total_change = total
        self.models = [base_model] + [sphere_model(schedule.parameters_of_state(params, np.array([p])))
                                      for p in self.points[1:]]
        self._mid = 0.5 * (self.points[1:] + self.points[:-1])
        self._rows = np.zeros(1, dtype=np.int64)
        # the grids: every r-th point (and the last), r = grid_tolerance / tolerance; a point's
        # grid is that of the nearest grid point
        r = 1 if grid_tolerance is None else max(1, int(round(_check_number("heating_grid_tolerance",
                                                                            grid_tolerance) / tol)))
        anchors = np.unique(np.concatenate([np.arange(0, k + 1, r), [k]]))
        self.grid_tolerance = tol * r
        self.grid_point = anchors[np.abs(np.arange(k + 1)[:, None] - anchors[None, :]).argmin(axis=1)]

    def temperature(self, t) -> float:
        """T(t) (K) of the schedule."""
        return float(self.schedule.state(np.array([float(t)]), self._rows)[0])

    def index(self, temperature) -> int:
        """The point nearest to ``temperature``."""
        return int(np.searchsorted(self._mid, float(temperature)))


class _Steppers:
    """The counts of several :class:`_Stepper` (``steppers``: a dict or a list of them; the heat
    levels of one grid, or every grid and level of :class:`_DrivenGrids`)."""

    def __init__(self, steppers):
        self.steppers = steppers

    def _all(self):
        return self.steppers.values() if isinstance(self.steppers, dict) else self.steppers

    @property
    def factorizations(self):
        return sum(s.factorizations for s in self._all())

    @property
    def solves(self):
        return sum(s.solves for s in self._all())


class _Stepper:
    """Backward Euler on the cell masses with one LU factorization per distinct operator."""

    def __init__(self, data, cache_size=48):
        self.data = data
        self.cache = {}
        self.cache_size = cache_size
        self.factorizations = 0
        self.solves = 0
        self.identity = sp.identity(data.grid.n_cells, format="csc")

    def factor(self, current, temperature, dt):
        key = (float(current), float(temperature), float(dt))
        lu = self.cache.get(key)
        if lu is None:
            A = (self.identity - dt * sphere_operator(self.data, current, temperature)).tocsc()
            lu = splu(A, permc_spec="MMD_AT_PLUS_A")
            self.factorizations += 1
            if len(self.cache) >= self.cache_size:
                self.cache.pop(next(iter(self.cache)))
            self.cache[key] = lu
        return lu

    def step(self, u, current, temperature, dt):
        u = self.factor(current, temperature, dt).solve(u)
        self.solves += 1
        # only rounding can make an M-matrix solve negative; masses below 1e-250 (far below any
        # resolvable WER) are flushed to zero: subnormal numbers would slow the solves ~100x
        u[u < 1e-250] = 0.0
        return u


def _rate_scale(model: _Model, max_current: float) -> float:
    """The fastest slow rate of the dynamics (1/s): gamma' (alpha H + |H_DL| + alpha |H_FL|), H the
    largest field of the terms (the precession, faster, moves probability along orbits only)."""
    from ..dynamics.terms import field_scale

    h = float(field_scale(model.terms)[0])
    a = model.damping
    return model.reduced_gamma * (a * h + abs(model.damping_like_per_current * max_current)
                                  + a * abs(model.field_like_per_current * max_current))


def _schedule(waveform, duration, model, step_quality, ramp_levels, min_steps, max_step=None, heat=None):
    """Piecewise-constant current levels [(t0, t1, j, n_steps)] covering [0, duration]: the
    waveform's flat parts as they are, each linear ramp as ``ramp_levels`` levels at the
    midpoint values; steps with rate x dt <= ``step_quality`` (:func:`_rate_scale`). ``heat``
    (:class:`_HeatLevels`): the rate is the largest of its models' (T(t) is sampled at the steps'
    midpoints: part of the time error that the n / 2n (/ 4n) runs extrapolate and state)."""
    models = [model] if heat is None else heat.models
    wt = np.asarray(waveform.times, dtype=float).reshape(-1)
    wv = np.asarray(waveform.values, dtype=float).reshape(-1)
    if wv.size and waveform.values.ndim > 1:
        raise SpinlossInputError(None, "waveform", "the Fokker-Planck solver needs one device's waveform")
    b = np.unique(np.clip(np.concatenate([[0.0, duration], wt]), 0.0, duration))

    def j_at(t):
        return float(np.asarray(waveform.evaluate(np.array([t]))).reshape(-1)[0])

    out = []
    for t0, t1 in zip(b[:-1], b[1:]):
        if t1 - t0 <= 1e-12 * duration:
            continue
        ja, jb = j_at(t0 + 1e-9 * (t1 - t0)), j_at(t1 - 1e-9 * (t1 - t0))
        levels = 1 if abs(ja - jb) <= 1e-12 * max(abs(ja), abs(jb), 1.0) else int(ramp_levels)
        edges = np.linspace(t0, t1, levels + 1)
        for a0, c0 in zip(edges[:-1], edges[1:]):
            j = j_at(0.5 * (a0 + c0)) if levels > 1 else ja
            rate = max(_rate_scale(mod, abs(j)) for mod in models)
            n = max(int(min_steps), int(math.ceil((c0 - a0) * rate / step_quality - 1e-9)))
            if max_step is not None:
                n = max(n, int(math.ceil((c0 - a0) / max_step - 1e-9)))
            out.append((float(a0), float(c0), j, n))
    return out


def _step_temperature(t, heat, temp_of, quantum):
    """(temperature (K), heat level) of a step whose midpoint is at ``t``: with a heating
    schedule the nearest point of ``heat`` (its model and its temperature); else T(t) held on
    levels ``quantum`` K wide (level 0)."""
    if heat is not None:
        k = heat.index(heat.temperature(t))
        return float(heat.points[k]), k
    T = _check_number("temperature", temp_of(t))
    if quantum > 0:
        T = quantum * round(T / quantum)
    return T, 0


def _run(stepper, u0, frac, schedule, temp_of, multiplier, tolerance, T_ref, counter, done, heat=None):
    """Backward Euler through the schedule with ``multiplier`` times its step counts; the
    temperature at each step's midpoint, held on levels of relative width ``tolerance``
    (:func:`_step_temperature`). ``stepper``: a :class:`_Stepper`, or with ``heat`` a function of
    the heat level giving the level's stepper."""
    # sums as np.sum(frac * u), not frac @ u: OpenBLAS's threaded dot takes ~10 ms here
    u = u0.copy()
    times = [0.0]
    kept = [float(np.sum(frac * u))]
    quantum = tolerance * T_ref
    for t0, t1, j, n in schedule:
        n = n * multiplier
        dt = (t1 - t0) / n
        for k in range(n):
            T, level = _step_temperature(t0 + (k + 0.5) * dt, heat, temp_of, quantum)
            st = stepper(level) if heat is not None else stepper
            u = st.step(u, j, T, dt)
            times.append(t0 + (k + 1) * dt)
            kept.append(float(np.sum(frac * u)))
        done += n
        if counter is not None:
            counter.set(done)
    return u, np.array(times), np.array(kept), done


def _start_fraction(grid: SphereGrid, u0):
    """Fraction of each cell in the starting hemisphere m.u0 > 0: on a lune grid started along
    its easy axis the hemisphere's boundary runs along the maxima's spokes psi = 0, pi and the
    wells lie on one side, so the sign at the centres is exact (the same numbers as 8 x 8
    sub-cells, checked); else :meth:`SphereGrid.hemisphere_fraction`."""
    lune = (grid.kind == "lunes" and "axes" in grid.info
            and abs(float(np.asarray(grid.info["axes"][0]) @ u0)) > 1 - 1e-12)
    return grid.hemisphere_fraction(u0, subdivisions=1 if lune else 8)


class _DrivenGrids(_Steppers):
    """The grids of one solve when the torque tilts the orbits (``driven_grids``): the
    zero-current grid (index 0) and one grid aligned with the driven orbits per distinct drive
    energy of the schedule's levels (:func:`driven_device_grid`), each with its own stepper and
    starting-hemisphere fractions (from s x s sub-cells on the driven grids: they only serve the
    switching-probability trace; the WER is taken on the zero-current grid); masses are carried
    between them by :class:`Remap` when the level changes grid. With a heating schedule
    (``heat``, :class:`_HeatLevels`) a grid per (drive energy, heat level), aligned with the
    orbits of that level's model (its M_s, H_K, torques), built when a step first needs it."""

    def __init__(self, grid0, model, u0, T0, schedule, *, resolution, n_spokes, energy_step, subdivisions,
                 support, heat=None):
        self.subdivisions = int(subdivisions)
        self.u0 = u0
        self.T0 = T0
        self.support = support
        self.options = {"resolution": resolution, "n_spokes": n_spokes, "energy_step": energy_step}
        self.models = [model] if heat is None else heat.models
        self.anchor = (lambda k: 0) if heat is None else (lambda k: int(heat.grid_point[k]))
        self.grids = [grid0]
        self.data = [_FaceData(grid0, model)]
        self.steppers = {(0, 0): _Stepper(self.data[0])}
        self.grid_key = [(0.0, 0)]
        self.fracs = [_start_fraction(grid0, u0)]
        self.samples = [None]
        self.drive = [0.0]
        self.heat_level = [0]
        self.skipped = []
        self._index = {}
        self._by_level = {}
        for level, (t0, t1, j, n) in enumerate(schedule):
            self.grid_for(level, j, 0)
        self._remaps = {}

    def grid_for(self, level: int, current: float, k: int) -> int:
        """Index of the grid of schedule level ``level`` (current density ``current``) at heat
        level ``k``."""
        hit = self._by_level.get((level, k))
        if hit is not None:
            return hit
        ka = self.anchor(k)          # the heat point whose model the grid follows
        model = self.models[ka]
        axes, c = self.support if ka == 0 else (driven_support(model, self.u0) or self.support)
        h = drive_energy(model, axes, current)
        if h == 0.0 and ka == 0:
            self._by_level[(level, k)] = 0
            return 0
        key = (float(f"{h:.10g}"), ka)     # the rise's and the fall's levels share their grids
        if key not in self._index:
            try:
                g = driven_device_grid(model, axes, c, h, self.T0, **self.options)
            except PhysicsError as exc:
                # the drive leaves no saddle (one well): no aligned grid; the level's
                # zero-current grid takes it (recorded)
                self.skipped.append({"current_density": float(current), "reason": str(exc)})
                self._index[key] = 0 if ka == 0 else self.grid_for(level, 0.0, k)
            else:
                self._index[key] = len(self.grids)
                self.grids.append(g)
                self.grid_key.append(key)
                self.data.append(_FaceData(g, model, drive=(key[0], axes[0])))
                samples = _sub_cells(g, self.subdivisions)
                pts, sub = samples[0], samples[1]
                self.samples.append(samples)
                tot = sub.sum(axis=1)
                side = (pts @ self.u0) > 0
                self.fracs.append(np.where(tot > 0, np.sum(np.where(side, sub, 0.0), axis=1)
                                           / np.where(tot > 0, tot, 1.0), 0.0))
                self.drive.append(key[0])
                self.heat_level.append(k)
        self._by_level[(level, k)] = self._index[key]
        return self._index[key]

    def stepper(self, gi: int, k: int) -> _Stepper:
        """The stepper of grid ``gi`` with the model of heat point ``k`` (the grid's own model
        when k is its anchor)."""
        st = self.steppers.get((gi, k))
        if st is None:
            if k == self.grid_key[gi][1]:
                data = self.data[gi]
            else:
                h, ka = self.grid_key[gi]
                axis = self.support[0][0]
                data = _FaceData(self.grids[gi], self.models[k], drive=None if gi == 0 and h == 0.0 else (h, axis))
            st = self.steppers[(gi, k)] = _Stepper(data)
        return st

    def remap(self, a, b, u):
        R = self._remaps.get((a, b))
        if R is None:
            for g in (a, b):
                if self.samples[g] is None:
                    self.samples[g] = _sub_cells(self.grids[g], self.subdivisions)
            R = self._remaps[(a, b)] = Remap(self.grids[a], self.grids[b], self.subdivisions, self.samples[a],
                                             self.samples[b])
        return R(u)


def _run_driven(gs: _DrivenGrids, u0, schedule, temp_of, multiplier, tolerance, T_ref, counter, done, heat=None):
    """:func:`_run` through the grids of ``gs``: the masses are remapped where a step's grid
    differs from the previous one, and back to the zero-current grid at the end."""
    u = u0.copy()
    cur = 0
    times = [0.0]
    kept = [float(np.sum(gs.fracs[0] * u))]
    quantum = tolerance * T_ref
    for level, (t0, t1, j, n) in enumerate(schedule):
        n = n * multiplier
        dt = (t1 - t0) / n
        for k in range(n):
            T, hk = _step_temperature(t0 + (k + 0.5) * dt, heat, temp_of, quantum)
            gi = gs.grid_for(level, j, hk)
            if gi != cur:
                u = gs.remap(cur, gi, u)
                cur = gi
            u = gs.stepper(gi, hk).step(u, j, T, dt)
            times.append(t0 + (k + 1) * dt)
            kept.append(float(np.sum(gs.fracs[gi] * u)))
        done += n
        if counter is not None:
            counter.set(done)
    if cur != 0:
        u = gs.remap(cur, 0, u)
        kept[-1] = float(np.sum(gs.fracs[0] * u))
    return u, np.array(times), np.array(kept), done


def _extrapolate(w1, w2):
    """Richardson in ln WER from runs with n and 2n steps (backward Euler: first order; an error
    in a rate is an error in the exponent): (extrapolated, |extrapolated - fine|)."""
    if w1 > 0 and w2 > 0:
        w = math.exp(2.0 * math.log(w2) - math.log(w1))
    else:
        w = w2
    return w, abs(w - w2)


# ----------------------------------------------------------------------------- public solver


def sphere_fokker_planck_wer(params, waveform, duration, *, m0, target_axis=None, temperature=None,
                             temperature_tolerance=1e-3, resolution=1.0, n_spokes=None, energy_step=0.5,
                             step_quality=0.05, ramp_levels=4, min_segment_steps=2, max_step=None,
                             richardson=True, time_levels=2, grid_error=False, coarse_ratio=2**-0.5,
                             grid=None, driven_grids="auto", remap_subdivisions=3, schedule=None,
                             heating_tolerance=0.05, heating_grid_tolerance=0.2, heating_error=False,
                             progress=None) -> SphereFokkerPlanckResult:
    """Write error rate of one macrospin from Brown's Fokker-Planck equation on the sphere (module
    docstring; docs/wer.md section 3).

    ``params``: :class:`~spinloss.dynamics.MacrospinParameters` of one device; ``waveform``: the
    current density j(t) (A/m^2, a :class:`~spinloss.dynamics.Waveform`; H_DL and H_FL follow it
    through the fields per current); ``duration`` (s): pulse plus settle; ``m0``: the starting
    direction (the initial state is the Boltzmann density restricted to its hemisphere); the write
    error is m . target <= 0 at ``duration``, target = -m0.

    ``temperature``: None (the parameters'), a number (K), a callable T(t) (K of s) or a pair
    (times, values) on a time grid (a heating model's output), entering the diffusion D and the
    Boltzmann factor; held constant on levels of relative width ``temperature_tolerance`` (one
    factorization per level). The initial state is the equilibrium at T(0).

    ``schedule``: the magnet's parameters during a heated pulse (the one-row
    :class:`~spinloss.dynamics.ParameterSchedule` of :meth:`spinloss.device.Device.heating_schedule`
    for this pulse; ``params`` are those at the ambient temperature): the equation's coefficients
    follow T(t) through M_s(T), H_K(T), alpha_eff(T), the torques per current and the noise
    temperature, held on the points of :class:`_HeatLevels` (neighbours differ by at most
    ``heating_tolerance`` in the logarithm of every parameter), the grids aligned with the orbits of every r-th point's model (r = ``heating_grid_tolerance``
    / ``heating_tolerance``; building a grid costs ~10 factorizations), T(t) sampled at the steps'
    midpoints. ``heating_error``: also solve with both tolerances doubled and
    add |fine - coarse| to the uncertainty (the first-order bound of the level error; docs/wer.md
    section 3). Excludes ``temperature``.

    Numerics: ``resolution`` scales rings (``energy_step`` k_B T apart in a well) and spokes
    (:func:`device_grid`; or give ``grid``); the steps of each constant-current level satisfy
    rate x dt <= ``step_quality`` (:func:`_rate_scale`) and dt <= ``max_step`` (s, optional),
    ramps become ``ramp_levels`` levels;
    runs with n and 2n steps are Richardson-extrapolated in ln WER (``richardson``), the time
    error stated as |extrapolated - 2n|; with ``time_levels=3`` a run with 4n steps as well: the
    WER is the extrapolation of (2n, 4n) and the time error its difference from that of (n, 2n)
    (a sharper, still conservative estimate: the (n, 2n) extrapolation is the less accurate);
    ``grid_error``: also solve on a grid of ``coarse_ratio`` = r x ``resolution`` and state
    |fine - coarse| r / (1 - r) as the grid uncertainty (added to the time error in
    ``uncertainty``): the fine grid's error if the WER converges at first order in the grid
    spacing (2.4 |fine - coarse| at r = 1/sqrt 2; the measured order is 1 for the spokes of the
    driven grids, >= 1 elsewhere: docs/wer.md section 3). ``progress``: solves done.

    ``driven_grids``: during each current level, a grid aligned with that level's precession
    orbits, the levels of the stream function psi = e - mu0 M_s (H_FL - alpha H_DL) m.s
    (:func:`driven_lune_grid`), with the masses carried between grids by :class:`Remap`
    (``remap_subdivisions`` sub-cells per cell side); the zero-current levels (the start and the
    settle) stay on the zero-current grid. "auto" (default): where it applies
    (:func:`driven_support`: in-plane cells with s along the easy axis, i.e. type-y), True (or
    an error), False: the zero-current grid throughout, whose rings the torque's part of psi
    crosses: a numerical diffusion across the driven orbits, a structural error that spoke
    refinement removes only slowly (docs/wer.md section 3: the WER was 2.4x Monte Carlo's with
    a field-like torque, and 1.9x at alpha = 0.05 without one).
    """
    t_start = _time.perf_counter()
    duration = _check_number("duration", duration)
    u0 = unit_vector(m0)
    if grid is None:
        ok, why = sphere_fokker_planck_applies(params, u0, target_axis)
        if not ok:
            raise PhysicsError(f"the Fokker-Planck solver on the sphere does not apply: {why}")
    model = sphere_model(params)
    heat = None
    if schedule is not None:
        if temperature is not None:
            raise SpinlossInputError(None, "temperature", "give a heating schedule or a temperature, not both")
        heat = _HeatLevels(params, model, schedule, heating_tolerance, heating_grid_tolerance)
        if abs(heat.points[0] - model.temperature) > 1e-9 * model.temperature:
            raise SpinlossInputError(None, "schedule", f"starts at {heat.points[0]:.6g} K, the parameters are at "
                                                       f"{model.temperature:.6g} K")
        temp_of = heat.temperature
    else:
        temp_of = temperature_function(temperature, model.temperature)
    T0 = _check_number("temperature", temp_of(0.0)) if heat is None else float(heat.points[0])
    max_step = None if max_step is None else _check_number("max_step", max_step)
    levels = _schedule(waveform, duration, model, float(step_quality), ramp_levels, min_segment_steps, max_step,
                       heat=heat)
    wt = np.asarray(waveform.times, dtype=float).reshape(-1)
    pulse_end = float(np.max(wt)) if wt.size else 0.0
    if int(time_levels) not in (2, 3):
        raise SpinlossInputError(None, "time_levels", "must be 2 or 3")
    mults = ((1, 2, 4) if int(time_levels) == 3 else (1, 2)) if richardson else (1,)
    n_sched = sum(s[3] for s in levels)

    support = driven_support(model, u0)
    if driven_grids == "auto":
        driven = support is not None and grid is None
    elif driven_grids in (True, False):
        driven = bool(driven_grids)
        if driven and support is None:
            raise PhysicsError("driven_grids needs an in-plane (lune-grid) cell with the polarization along "
                               "its easy axis")
    else:
        raise SpinlossInputError(None, "driven_grids", "must be 'auto', True or False")
    if driven and grid is not None:
        raise SpinlossInputError(None, "grid", "a given grid and driven_grids exclude each other")
    driven_info = {}

    def solve(g, label, counter, done, res, heat=heat, levels=levels):
        if driven:
            gs = _DrivenGrids(g, model, u0, T0, levels, resolution=res, n_spokes=int(g.info["spokes"]),
                              energy_step=energy_step, subdivisions=remap_subdivisions, support=support, heat=heat)
            frac = gs.fracs[0]
            w0 = boltzmann_masses(gs.data[0], T0, frac)
            runs = []
            for mlt in mults:
                u, times, kept, done = _run_driven(gs, w0, levels, temp_of, mlt, temperature_tolerance, T0,
                                                   counter, done, heat)
                runs.append((float(np.sum(frac * u)), times, kept, float(np.sum(u))))
            if label == "grid":
                driven_info.update({"driven_grid_count": len(gs.grids) - 1, "drive_energies": gs.drive[1:],
                                    "driven_cells": [int(x.n_cells) for x in gs.grids[1:]],
                                    "unaligned_levels": gs.skipped, "remap_subdivisions": int(remap_subdivisions)})
            return gs, runs, done
        data = _FaceData(g, model)
        frac = _start_fraction(g, u0)
        stepper = _Stepper(data)
        w0 = boltzmann_masses(data, T0, frac)
        if heat is not None:
            steppers = {0: stepper}

            def stepper_of(k):
                if k not in steppers:
                    steppers[k] = _Stepper(_FaceData(g, heat.models[k]))
                return steppers[k]
        runs = []
        for mlt in mults:
            u, times, kept, done = _run(stepper_of if heat is not None else stepper, w0, frac, levels, temp_of,
                                        mlt, temperature_tolerance, T0, counter, done, heat)
            runs.append((float(np.sum(frac * u)), times, kept, float(np.sum(u))))
        if heat is not None:
            return _Steppers(steppers), runs, done
        return stepper, runs, done

    if grid is None:
        grid = device_grid(model, u0, T0, resolution=resolution, n_spokes=n_spokes, energy_step=energy_step)
    note(progress, "Fokker-Planck", f"sphere grid: {grid.kind}, {grid.n_cells} cells")
    heat_coarse = levels_coarse = None
    if heat is not None and heating_error:
        heat_coarse = _HeatLevels(params, model, schedule, 2.0 * heat.tolerance, 2.0 * heat.grid_tolerance)
        levels_coarse = _schedule(waveform, duration, model, float(step_quality), ramp_levels, min_segment_steps,
                                  max_step, heat=heat_coarse)
    total = sum(mults) * (n_sched * (2 if grid_error else 1)
                          + (sum(x[3] for x in levels_coarse) if levels_coarse else 0))
    with Counter(progress, "Fokker-Planck steps", total=total, unit="step") as counter:
        stepper, runs, done = solve(grid, "grid", counter, 0, resolution)
        heat_runs = None
        if heat_coarse is not None:
            st_h, heat_runs, done = solve(grid, "heat levels", counter, done, resolution, heat=heat_coarse,
                                          levels=levels_coarse)
        coarse_runs = None
        if grid_error:
            ratio = float(coarse_ratio)
            if not 0.2 <= ratio < 1.0:
                raise SpinlossInputError(None, "coarse_ratio", "must be in [0.2, 1)")
            coarse = device_grid(model, u0, T0, resolution=ratio * resolution,
                                 n_spokes=None if n_spokes is None else max(8, 4 * round(ratio * n_spokes / 4)),
                                 energy_step=energy_step)
            st_c, coarse_runs, done = solve(coarse, "coarse grid", counter, done, ratio * resolution)
    def best(rs):
        if not richardson:
            return rs[0][0], float("nan")
        w, e = _extrapolate(rs[-2][0], rs[-1][0])
        if len(rs) == 3:
            e = abs(w - _extrapolate(rs[0][0], rs[1][0])[0])
        return w, e

    if richardson:
        wer, t_err = best(runs)
        _, t2, k2, _ = runs[-1]
        p1 = np.interp(t2, runs[-2][1], 1.0 - runs[-2][2])
        p_sw = np.clip(2.0 * (1.0 - k2) - p1, 0.0, 1.0)
        times = t2
    else:
        wer, t_err, times, p_sw = runs[0][0], float("nan"), runs[0][1], 1.0 - runs[0][2]
    estimates = [r[0] for r in runs]
    g_err = None
    if coarse_runs is not None:
        wer_c = best(coarse_runs)[0]
        estimates.append(wer_c)
        # first order in the grid spacing: fine error = |fine - coarse| r / (1 - r) (Richardson)
        g_err = abs(wer - wer_c) * ratio / (1.0 - ratio)
    h_err = None
    if heat_runs is not None:
        # twice the level spacing: |fine - coarse| bounds the fine levels' error at first order
        # (the nearest-point rule is second order where T(t) sweeps through the points)
        h_err = abs(wer - best(heat_runs)[0])
    k_end = int(np.searchsorted(times, pulse_end * (1 - 1e-12)))
    wer_pulse = float(1.0 - p_sw[min(k_end, len(p_sw) - 1)])
    delta = _barrier(model, u0, T0, grid)
    unc = (t_err if math.isfinite(t_err) else 0.0) + (g_err or 0.0) + (h_err or 0.0)
    params_out = {"duration": duration, "pulse_end": pulse_end, "temperature": T0,
                  "resolution": resolution, "step_quality": step_quality, "ramp_levels": int(ramp_levels),
                  "levels": [[a, b, j, n] for a, b, j, n in levels], "richardson": bool(richardson),
                  "probability_drift": float(max(abs(r[3] - 1.0) for r in runs)), "grid": dict(grid.info),
                  "driven_grids": bool(driven), **driven_info}
    if heat is not None:
        params_out["heating"] = {"tolerance": heat.tolerance, "points": [float(x) for x in heat.points],
                                 "peak_temperature": float(heat.points[-1]),
                                 "log_parameter_change": heat.total_change, "level_error": h_err}
    return SphereFokkerPlanckResult(
        write_error_rate=wer, uncertainty=unc, times=times, switching_probability=p_sw,
        write_error_rate_end_of_pulse=wer_pulse, thermal_stability=delta, time_error=t_err,
        grid_error=g_err, grid=grid.kind, cells=grid.n_cells, steps=stepper.solves,
        factorizations=stepper.factorizations, wall_time=_time.perf_counter() - t_start,
        estimates=tuple(estimates), parameters=params_out)


def _barrier(model, u0, temperature, grid):
    """Barrier of the starting well in k_B T: from the lune grid, else lowest energy on the
    boundary of the starting hemisphere minus the minimum (exact for axial cells)."""
    if "thermal_stability_well" in grid.info:
        return float(grid.info["thermal_stability_well"])
    e = model.energy_density(grid.centres)
    side = grid.centres @ u0 > 0
    theta = np.linspace(0, 2 * math.pi, 721)
    _, e1, e2 = orthonormal_frame(u0)
    eq = np.cos(theta)[:, None] * e1 + np.sin(theta)[:, None] * e2
    return float((np.min(model.energy_density(eq)) - np.min(e[side])) * model.volume / (KB * temperature))
