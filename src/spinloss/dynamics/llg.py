r"""The explicit (Landau-Lifshitz) form of the LLG equation with spin torques: derived once, here.

Gilbert form with torque (docs/physics.md section 2)::

    dm/dt = -g m x H + alpha m x dm/dt + T,            g = gamma mu0
    T     = -g H_DL m x (m x s) - g H_FL m x s

H is the total effective field (applied + anisotropy + demag + thermal), A/m. With xi_DL > 0
(H_DL > 0) the damping-like term pulls m towards s.

Derivation
----------
1. Write the torque as a precession about a "torque field"::

       T = -g m x H_T,      H_T = H_FL s + H_DL (m x s)

   (check: -g m x (H_DL m x s) = -g H_DL m x (m x s); -g m x (H_FL s) = -g H_FL m x s.)
   So dm/dt = X + alpha m x dm/dt with X = -g m x H',  H' = H + H_T, and X is perpendicular to m.
2. Take m x of both sides, use |m| = 1 and m . dm/dt = 0, so m x (m x dm/dt) = -dm/dt::

       m x dm/dt = m x X - alpha dm/dt
       dm/dt = X + alpha (m x X - alpha dm/dt)
       (1 + alpha^2) dm/dt = X + alpha m x X

   hence dm/dt = -g/(1+alpha^2) [m x H' + alpha m x (m x H')].
3. Expand the torque-field part with m x (m x (m x s)) = -m x s (|m| = 1)::

       m x H_T            = H_FL m x s + H_DL m x (m x s)
       alpha m x (m x H_T) = alpha H_FL m x (m x s) - alpha H_DL m x s

Result (the form every integrator in this package uses)::

    dm/dt = -g/(1+alpha^2) [ m x A + m x (m x B) ]
    A = H + (H_FL - alpha H_DL) s            ("precession field")
    B = alpha H + (H_DL + alpha H_FL) s      ("damping field")

The alpha cross terms are the ``-alpha H_DL`` in A (a damping-like torque also precesses m
slightly) and ``+alpha H_FL`` in B. The thermal field is part of H (Brown) and therefore enters
both A and B; the stochastic Heun scheme is consistent with the Stratonovich interpretation.
The numba form used by every kernel is :func:`spinloss.dynamics.kernels.llg_rhs` (it evaluates
``m x (m x B)`` as ``m (m.B) - B (m.m)``, an identity for any m); :func:`llg_rhs_numpy` below is
the same result written with explicit cross products, for tests.

Spin-transfer torque (Slonczewski)
----------------------------------
The same torque form with s = p, the reference-layer polarization (unit vector), and
``H_DL = hbar eta J / (2 e mu0 M_s d)`` (:func:`stt_field_per_current`); ``eta`` is the spin
polarization efficiency. The angular dependence ``eta / (1 + lambda m.p)`` of Slonczewski's
asymmetric form is left out (lambda = 0): the engine treats STT exactly like a damping-like SOT
with polarization p. A positive current then pulls m towards p.
"""

from __future__ import annotations

import numpy as np

from ..transport import sot_field_per_current  # the conversion lives with the torques
from ..units import MU0

__all__ = [
    "sot_field_per_current",
    "stt_field_per_current",
    "llg_rhs_numpy",
]


def stt_field_per_current(polarization_efficiency, saturation_magnetization, thickness):
    """Slonczewski STT: H_DL / J = hbar eta / (2 e mu0 M_s d), s = reference-layer direction p.

    The angular factor 1/(1 + lambda m.p) is not modelled (lambda = 0).
    """
    return sot_field_per_current(polarization_efficiency, saturation_magnetization, thickness)


def llg_rhs_numpy(m, h, alpha, h_dl, h_fl, s, gamma):
    """Reference numpy form of the Gilbert->LL result: dm/dt (1/s) for arrays (..., 3).

    Written with explicit cross products (not the identity used in the kernel) so that tests can
    compare the two.
    """
    m = np.asarray(m, float)
    h = np.asarray(h, float)
    s = np.broadcast_to(np.asarray(s, float), m.shape)
    alpha = np.asarray(alpha, float)[..., None]
    h_dl = np.asarray(h_dl, float)[..., None]
    h_fl = np.asarray(h_fl, float)[..., None]
    a = h + (h_fl - alpha * h_dl) * s
    b = alpha * h + (h_dl + alpha * h_fl) * s
    c = gamma * MU0 / (1.0 + alpha**2)
    return -c * (np.cross(m, a) + np.cross(m, np.cross(m, b)))
