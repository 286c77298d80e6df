"""Spin-torque thresholds at T = 0 against closed forms (docs/physics.md section 4)."""

import numpy as np
import pytest

from spinloss.dynamics import (MacrospinParameters, Waveform, analytic, energy_density,
                               simulate_deterministic, sot_field_per_current)

MS, HK, ALPHA, D, XI = 1e6, 8.5e3, 0.01, 1.5e-9, 0.1  # H_K / M_eff = 0.0085 as in docs/physics.md


def _type_y(n=1):
    return MacrospinParameters(saturation_magnetization=MS, damping=ALPHA, demag_factors=(0, 0, 1),
                               anisotropy_axis=(0, 1, 0), anisotropy_field=HK, polarization=(0, 1, 0),
                               damping_like_field_per_current=sot_field_per_current(XI, MS, D))


def test_type_y_instability_onset_at_sun_jc0():
    jc0 = analytic.sun_critical_current(ALPHA, MS, D, HK, MS, XI)
    p = _type_y()
    m0 = np.array([0.03, -1.0, 0.0])
    ratios = np.array([0.97, 1.03])
    w = Waveform.constant(ratios * jc0)
    r = simulate_deterministic(p, m0, w, 40e-9, record_every=2e-11)
    e = energy_density(p, r.trajectory.reshape(-1, 3)).reshape(r.trajectory.shape[:2])
    e -= energy_density(p, np.array([0, -1.0, 0]))
    # energy above the well bottom averaged over the first and last ns (many precession periods)
    first, last = e[:50].mean(axis=0), e[-50:].mean(axis=0)
    # growth rate ~ alpha gamma mu0 (M_eff/2)(J/J_c0 - 1) ~ +-3e7/s: over 40 ns a factor ~e^(+-2.6)
    # in energy; 3% below decays, 3% above grows (the onset sits within +-3% of Sun's J_c0)
    assert last[0] < 0.5 * first[0]
    assert last[1] > 2.0 * first[1]


@pytest.mark.slow
def test_type_y_switching_threshold_energy_balance():
    jc0 = analytic.sun_critical_current(ALPHA, MS, D, HK, MS, XI)
    ratio = analytic.type_y_switching_ratio(HK, MS)
    assert ratio > 1.0  # switching needs more than the onset
    assert ratio == pytest.approx(4 / np.pi, rel=0.02)  # docs/physics.md: -> 4/pi as H_K/M_eff -> 0
    grid = np.round(np.arange(1.16, 1.365, 0.01), 3)
    p = _type_y()
    r = simulate_deterministic(p, np.array([0.03, -1.0, 0.0]), Waveform.constant(grid * jc0), 150e-9,
                               switch_axis=(0, 1, 0), switch_threshold=0.5, rtol=1e-7, atol=1e-9)
    sw = r.switched
    assert not sw[0] and sw[-1]
    assert np.all(np.diff(sw.astype(int)) >= 0)  # monotonic in current
    j_sw = grid[np.argmax(sw)]  # first switching ratio on the 1% grid (measured: 1.26; docs/physics.md's
    # independent run: 1.27; energy balance: 1.257)
    # first-order (in alpha and H_DL) energy balance vs full dynamics: one grid step + O(alpha) = 2%
    assert abs(j_sw - ratio) <= 0.02 + 1e-9
    assert j_sw > 1.05  # clearly above Sun's onset


@pytest.mark.slow
def test_type_z_threshold_lee():
    ms, hkeff, d, xi = 1.0e6, 1.0e5, 1.0e-9, 0.2
    hx = 0.02 * hkeff
    # Lee's threshold is quasi-static; alpha = 0.5 avoids precessional ringing deciding the final
    # well after the pulse (at alpha = 0.05 the outcome alternates near threshold)
    p = MacrospinParameters(saturation_magnetization=ms, damping=0.5, demag_factors=(0, 0, 1),
                            anisotropy_axis=(0, 0, 1), anisotropy_field=hkeff + ms,
                            applied_field=(hx, 0, 0), polarization=(0, 1, 0),
                            damping_like_field_per_current=sot_field_per_current(xi, ms, d))
    jc = analytic.lee_critical_current(ms, d, hkeff, hx, xi)
    ratios = np.array([0.9, 0.96, 1.04, 1.1])
    n = ratios.size
    w = Waveform.pulse(np.concatenate([ratios, ratios]) * jc, 5e-9, 2e-10)
    m0 = np.array([[0, 0, 1.0]] * n + [[0, 0, -1.0]] * n)
    r = simulate_deterministic(p, m0, w, 12e-9)
    flipped = np.sign(r.m_final[:, 2]) != np.sign(m0[:, 2])
    # below J_c (Lee 2013, valid to O(H_x/H_K,eff) = 2%; grid +-4%): nothing switches; above:
    # exactly one of the two initial states switches (with H_x > 0, J > 0, s = +y: -z -> +z)
    assert not flipped[[0, 1, n, n + 1]].any()
    assert flipped[[n + 2, n + 3]].all() and not flipped[[2, 3]].any()
    # no switching without H_x, even at 1.5 J_c
    from dataclasses import replace
    p0 = replace(p, applied_field=(0, 0, 0))
    r0 = simulate_deterministic(p0, m0[[0, n]], Waveform.pulse(1.5 * jc, 5e-9, 2e-10), 12e-9)
    assert np.all(np.sign(r0.m_final[:, 2]) == np.sign(m0[[0, n], 2]))
