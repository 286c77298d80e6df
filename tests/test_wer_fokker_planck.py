"""Fokker-Planck write error rate: analytic limits (docs/physics.md section 4, docs/wer.md)."""

import json
import math

import numpy as np
import pytest

from spinloss.errors import PhysicsError, SpinlossInputError
from spinloss.experiments.fokker_planck import (
    brown_dwell_time,
    critical_damping_like_field,
    fokker_planck_equilibrium,
    fokker_planck_relaxation_rate,
    fokker_planck_wer,
    sun_switching_time,
)
from spinloss.units import GAMMA, KB, MU0

MS, HK, T = 1.0e6, 1.0e5, 300.0


def volume_for(delta, hk=HK):
    return delta * 2 * KB * T / (MU0 * MS * hk)


def base(delta, alpha=0.1, **kw):
    d = dict(saturation_magnetization=MS, volume=volume_for(delta), damping=alpha,
             anisotropy_field=HK, temperature=T)
    d.update(kw)
    return d


def test_equilibrium_is_stationary_and_boltzmann():
    delta = 40.0
    x, u, resid = fokker_planck_equilibrium(**base(delta), applied_field=0.1 * HK, n_cells=600)
    # Scharfetter-Gummel: the discrete Boltzmann state is stationary to rounding
    assert resid < 1e-12
    # and it is the Boltzmann density to discretization accuracy (midpoint rule, O(h^2))
    xs = np.linspace(-1, 1, 400001)
    w = np.exp(delta * (xs**2 + 0.2 * xs - 1.2))
    exact = np.trapezoid(xs * w, xs) / np.trapezoid(w, xs)
    assert abs(np.sum(u * x) - exact) < 1e-4


@pytest.mark.parametrize("delta", [10.0, 15.0, 20.0])
def test_zero_current_escape_matches_brown(delta):
    # Brown: tau_dwell = (1+a^2)/(a g mu0 H_K) sqrt(pi/Delta) e^Delta, the slowest FP mode decays
    # at 2/tau_dwell. Asymptotic correction measured (and checked against the exact integral
    # relaxation time): lambda_1 tau_dwell / 2 = 1 - 1/Delta + O(1/Delta^2).
    kw = base(delta, alpha=0.05)
    lam = fokker_planck_relaxation_rate(**kw, n_cells=600)
    tau = brown_dwell_time(saturation_magnetization=MS, anisotropy_field=HK,
                           volume=kw["volume"], temperature=T, damping=0.05)
    ratio = lam * tau / 2
    assert abs(ratio - 1.0) < 1.5 / delta
    assert abs((ratio - 1.0) * delta + 1.0) < 0.15


def test_zero_current_time_domain_escape():
    # Switched probability after t << tau: P = (1 - exp(-lambda_1 t)) / 2 once the initial
    # (restricted Boltzmann) state has relaxed to the quasi-stationary one (fast: ~1/(alpha w)).
    delta, alpha = 12.0, 0.1
    kw = base(delta, alpha=alpha)
    lam = fokker_planck_relaxation_rate(**kw)
    t = 0.02 / lam
    res = fokker_planck_wer(**kw, damping_like_field=0.0, pulse_width=t, n_cells=400,
                            n_steps=2000)
    expected = 0.5 * (1 - math.exp(-lam * t))
    assert res.switching_probability[-1] == pytest.approx(expected, rel=0.03)


@pytest.mark.parametrize("h", [0.0, 0.3])
def test_deterministic_threshold(h):
    # Low temperature (Delta = 2000): the initial state is unstable only above
    # H_DL = alpha (H_K + H_z); the thermally activated rate below it has the effective barrier
    # Delta (1 - i)^2 = 5 at i = 0.95 over the run time of 200/(alpha omega) -> no switching.
    alpha = 0.1
    hc = critical_damping_like_field(damping=alpha, anisotropy_field=HK, applied_field=h * HK)
    omega = GAMMA * MU0 * HK / (1 + alpha**2)
    width = 100 / (alpha * omega)
    common = dict(base(2000.0, alpha=alpha), applied_field=h * HK, pulse_width=width, n_cells=600,
                  n_steps=4000)
    below = fokker_planck_wer(**common, damping_like_field=0.9 * hc)
    above = fokker_planck_wer(**common, damping_like_field=1.1 * hc)
    assert below.write_error_rate > 0.999
    assert above.write_error_rate < 1e-6


@pytest.mark.parametrize("i", [2.0, 3.0, 5.0])
def test_mean_switching_time_overdrive(i):
    # Sun (2000) overdrive: t = ln(pi/(2 theta0)) / (alpha omega (i - 1)). The FP mean (first
    # crossing of the equator ~ int (1 - P_sw) dt) is compared with (a) the exact deterministic
    # time from the effective initial angle, theta_eff^2 ~ Exp(mean i / (Delta (i-1))): thermal
    # spread 1/Delta plus the noise accumulated in the linear phase 1/(Delta (i-1)), giving
    # E ln(2/theta^2) = ln 2 - ln(mean) + gamma_E: agreement < 1.5 %; (b) Sun's formula with
    # theta0 = 1/sqrt(Delta), which neglects both and linearizes up to pi/2: within 15 %.
    delta, alpha = 400.0, 0.1
    omega = GAMMA * MU0 * HK / (1 + alpha**2)
    res = fokker_planck_wer(**base(delta, alpha=alpha), damping_like_field=i * alpha * HK,
                            pulse_width=40 / (alpha * omega * (i - 1)), n_cells=600)
    assert res.write_error_rate < 1e-12
    mu = i / (delta * (i - 1))
    t_det = ((math.log(2) - math.log(mu) + 0.5772156649) / (2 * (i - 1))
             + math.log(2) / (2 * (i + 1)) + math.log((i - 1) / i) / (i * i - 1)) / (alpha * omega)
    assert res.mean_switching_time == pytest.approx(t_det, rel=0.015, abs=0)
    t_sun = sun_switching_time(damping=alpha, anisotropy_field=HK, damping_like_field=i * alpha * HK,
                               initial_angle=1 / math.sqrt(delta))
    assert res.mean_switching_time == pytest.approx(t_sun, rel=0.15, abs=0)


def test_grid_and_time_step_convergence_at_1e_minus_12():
    alpha = 0.01
    omega = GAMMA * MU0 * HK / (1 + alpha**2)
    kw = dict(base(60.0, alpha=alpha), damping_like_field=2 * alpha * HK, rise_time=1e-9)
    # pulse width giving WER ~ 1e-12
    width = 14.5 / (alpha * omega) + 1e-9
    w = [fokker_planck_wer(**kw, pulse_width=width, n_cells=n).write_error_rate
         for n in (300, 600, 1200)]
    assert 1e-13 < w[-1] < 1e-10
    assert abs(w[1] / w[2] - 1) < 3e-3 and abs(w[0] / w[2] - 1) < 1e-2
    # time steps: Richardson-extrapolated values for n and 2n steps agree to < 1 %
    r1 = fokker_planck_wer(**kw, pulse_width=width, n_cells=600, n_steps=3000)
    r2 = fokker_planck_wer(**kw, pulse_width=width, n_cells=600, n_steps=6000)
    assert abs(r1.write_error_rate / r2.write_error_rate - 1) < 0.01
    assert r2.uncertainty < 0.1 * r2.write_error_rate


def test_settle_changes_little_and_result_serializes():
    alpha = 0.1
    omega = GAMMA * MU0 * HK / (1 + alpha**2)
    kw = dict(base(60.0, alpha=alpha), damping_like_field=3 * alpha * HK,
              pulse_width=6 / (alpha * omega), rise_time=0.0)
    a = fokker_planck_wer(**kw)
    b = fokker_planck_wer(**kw, settle_time=5e-9)
    assert 1e-9 < a.write_error_rate < 1e-2
    assert b.write_error_rate == pytest.approx(a.write_error_rate, rel=0.05, abs=0)
    d = json.loads(json.dumps(b.to_json(), allow_nan=False))
    assert d["method"] == "fokker_planck" and d["thermal_stability"] == pytest.approx(60.0)
    t, p = b.switching_probability_vs_time
    assert np.all(np.diff(p[: len(p) // 2]) >= -1e-9) and p[-1] == pytest.approx(1 - b.write_error_rate)


def test_initial_down_is_mirror_of_up():
    kw = dict(base(40.0), damping_like_field=3 * 0.1 * HK, pulse_width=1e-9)
    up = fokker_planck_wer(**kw, applied_field=0.05 * HK, initial="up")
    down = fokker_planck_wer(**kw, applied_field=-0.05 * HK, initial="down")
    assert up.write_error_rate == pytest.approx(down.write_error_rate, rel=1e-12, abs=0)


def test_bad_inputs():
    with pytest.raises(PhysicsError):
        fokker_planck_wer(**dict(base(40.0), anisotropy_field=-1.0), damping_like_field=1.0,
                          pulse_width=1e-9)
    with pytest.raises(SpinlossInputError):
        fokker_planck_wer(**base(40.0), damping_like_field=1.0, pulse_width=1e-9, initial="left")
    with pytest.raises(SpinlossInputError):
        fokker_planck_wer(**base(40.0), damping_like_field=1.0, pulse_width=-1e-9)
    with pytest.raises(SpinlossInputError):
        fokker_planck_wer(**base(40.0), damping_like_field=float("nan"), pulse_width=1e-9)
