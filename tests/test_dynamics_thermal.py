"""Thermal statistics of the stochastic Heun engine (fixed seeds; tolerances from standard errors)."""

import numpy as np
import pytest

from spinloss.dynamics import MacrospinParameters, analytic, simulate
from spinloss.units import KB, MU0

MS, HK, T = 1e6, 1e5, 300.0


def _uniaxial(delta, alpha):
    vol = 2 * delta * KB * T / (MU0 * MS * HK)
    return MacrospinParameters(saturation_magnetization=MS, damping=alpha, volume=vol, temperature=T,
                               anisotropy_axis=(0, 0, 1), anisotropy_field=HK)


@pytest.mark.parametrize("delta,alpha", [(3.0, 1.0), (2.0, 0.2)])
def test_boltzmann_mz2(delta, alpha):
    n = 1000
    p = _uniaxial(delta, alpha)
    r = simulate(_batch(p, n), (0, 0, 1), None, 4e-9, 2e-13, seed=5, record_every=2e-11)
    mz2 = r.trajectory[50:, :, 2] ** 2  # discard the first 1 ns (relaxation time ~0.1-0.5 ns)
    per_device = mz2.mean(axis=0)  # devices are independent: SE from their spread
    se = per_device.std(ddof=1) / np.sqrt(n)
    exact = analytic.boltzmann_mz2(delta)
    # 4 standard errors + Heun weak bias O(dt) (gamma mu0 H_K dt ~ 4e-3 -> < 1e-3 in <m_z^2>)
    assert abs(per_device.mean() - exact) < 4 * se + 1e-3


def _batch(p, n):
    from dataclasses import replace
    return replace(p, damping=np.full(n, float(np.asarray(p.damping))))


@pytest.mark.slow
def test_brown_dwell_time():
    delta, alpha, n = 5.0, 0.5, 2000
    p = _batch(_uniaxial(delta, alpha), n)
    t_run, t_burn = 8e-9, 0.3e-9
    r = simulate(p, (0, 0, 1), None, t_run, 2.5e-13, seed=2, switch_axis=(0, 0, -1),
                 switch_threshold=0.5)
    # after a burn-in (relaxation into the well's quasi-equilibrium, ~0.1 ns) the escape hazard is
    # constant: residual first-passage times are exponential, right-censored at t_run. MLE of tau
    # and its relative SE 1/sqrt(k).
    t = np.where(r.switched, r.switching_time, t_run)
    alive = t > t_burn
    k = int(np.sum(r.switched & alive))
    tau = np.sum(t[alive] - t_burn) / k
    exact = analytic.uniaxial_mean_first_passage_time(alpha, HK, delta, 1.0, -0.5)
    brown = analytic.brown_dwell_time(alpha, HK, delta)
    # engine vs the exact 1D Fokker-Planck mean first-passage time: 4 SE (+2% Heun bias and the
    # non-exponential transient of the first ~0.1 ns)
    assert tau == pytest.approx(exact, rel=4 / np.sqrt(k) + 0.02, abs=0)
    # vs Brown's asymptotic formula: the exact MFPT exceeds it by 1.20 at Delta = 5, consistent with
    # the O(1/Delta) correction (1 + 1/Delta); tolerance 1/Delta + 4 SE
    assert tau / brown == pytest.approx(1.0, abs=1 / delta + 4 / np.sqrt(k))
