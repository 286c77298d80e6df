"""Closed forms in spinloss.dynamics.analytic: limits and internal consistency."""

import numpy as np
import pytest

from spinloss.dynamics import analytic
from spinloss.units import E_CHARGE, G_LANDE, HBAR, KB, MU0, MU_B


def test_type_y_ratio_limits():
    # docs/physics.md: -> 4/pi as H_K/M_eff -> 0 (quadrature accuracy 1e-10)
    assert analytic.type_y_switching_ratio(1e-3, 1e6) == pytest.approx(4 / np.pi, rel=1e-5)
    r = [analytic.type_y_switching_ratio(h, 1e6) for h in (1e3, 8.5e3, 5e4)]
    assert r[0] > r[1] > r[2]  # decreases with H_K/M_eff


def test_boltzmann_limits():
    assert analytic.boltzmann_mz2(1e-9) == pytest.approx(1 / 3, rel=1e-6)  # isotropic
    d = 40.0  # high barrier (Laplace expansion at m_z = 1): 1 - 1/Delta - 1/(2 Delta^2) + O(Delta^-3)
    assert analytic.boltzmann_mz2(d) == pytest.approx(1 - 1 / d - 1 / (2 * d**2), abs=3 / d**3)


def test_mfpt_tends_to_brown():
    # exact MFPT / Brown -> 1 as Delta grows (O(1/Delta))
    r = [analytic.uniaxial_mean_first_passage_time(0.1, 1e5, d) / analytic.brown_dwell_time(0.1, 1e5, d)
         for d in (5, 10, 20, 40)]
    assert all(a > b for a, b in zip(r, r[1:]))
    assert abs(r[-1] - 1) < 1.5 / 40


def test_koch_and_stability():
    assert analytic.koch_switching_current(1e-9, 1e-9, 40, 1e11) == pytest.approx(1e11)
    p = analytic.koch_switching_probability(np.array([1e-9, 1e-8, 1e-7]), 0.8e11, 1e11, 40, 1e-9)
    assert np.all(np.diff(p) > 0) and np.all((p >= 0) & (p <= 1))
    delta = analytic.thermal_stability(2e5, 1e6, 1e-24, 300)
    assert delta == pytest.approx(MU0 * 1e6 * 2e5 * 1e-24 / (2 * KB * 300))


def test_spin_pumping_damping_formula():
    g, ms, d = 5e14, 8e5, 5e-9
    da = analytic.spin_pumping_damping(g, ms, d)
    assert da == pytest.approx(G_LANDE * MU_B * HBAR * g / (2 * E_CHARGE**2 * ms * d))
    assert 1e-3 < da < 1e-1  # typical Py/Pt magnitude


def test_sun_and_lee_prefactors():
    # J_c0 = (2e/hbar) alpha mu0 Ms d (H_K + M_eff/2)/xi  <=>  H_DL(J_c0) = alpha (H_K + M_eff/2)
    from spinloss.dynamics import sot_field_per_current
    jc = analytic.sun_critical_current(0.01, 1e6, 2e-9, 1e4, 1e6, 0.1)
    assert sot_field_per_current(0.1, 1e6, 2e-9) * jc == pytest.approx(0.01 * (1e4 + 5e5))
    jz = analytic.lee_critical_current(1e6, 1e-9, 1e5, 0.0, 0.2)
    assert sot_field_per_current(0.2, 1e6, 1e-9) * jz == pytest.approx(5e4)
