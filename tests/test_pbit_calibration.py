"""p-bit calibration from the stochastic LLG: the Boltzmann average (field input), the correlation
time against the exact uniaxial value and Brown's limit, the current input, the CLI."""

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from spinloss.device import Device
from spinloss.dynamics.analytic import brown_dwell_time, rotational_diffusion_coefficient
from spinloss.pbits.calibration import (boltzmann_average, calibrate, count_flips, integrated_autocorrelation,
                                        uniaxial_correlation_time)
from spinloss.units import GAMMA, KB, MU0

from pbit_cli import run_inprocess, run_subprocess

EX = Path(__file__).resolve().parents[1] / "examples" / "pbit"
MS_PY = 8.0e5     # the library's Py M_s (A/m), checked below


def sphere_device(delta: float, *, damping=0.5, torque=None, temperature=300.0) -> Device:
    """A fast, axially symmetric test p-bit: a Py sphere-like cell (the inscribed ellipsoid of a
    10 nm x 10 nm x 10 nm cell has N = 1/3 each, so no shape anisotropy and no demag spread in
    the time step), easy axis z, H_K set for the given Delta = mu0 M_s H_K V / (2 k_B T), large
    damping (fast relaxation), no spin pumping."""
    vol = math.pi / 4 * 10e-9 * 10e-9 * 10e-9
    hk = 2 * KB * temperature * delta / (MU0 * MS_PY * vol)
    raw = {"name": f"test sphere Delta={delta}", "temperature": temperature, "current_density": 1e11,
           "layers": [{"material": "SiO2", "thickness": 5e-9}, {"name": "free", "material": "Py", "thickness": 10e-9},
                      {"material": "MgO", "thickness": 2e-9}],
           "geometry": {"shape": "ellipsoid", "length": 10e-9, "width": 10e-9},
           "magnet": {"layer": "free", "easy_axis": [0, 0, 1], "anisotropy_field": hk, "initial_direction": [0, 0, 1],
                      "damping": damping, "spin_pumping": False}}
    if torque is not None:
        raw["torques"] = torque
    return Device.from_dict(raw)


def test_the_test_device_is_what_it_claims():
    d = sphere_device(2.0)
    assert d.saturation_magnetization == MS_PY
    np.testing.assert_allclose(d.geometry.demag_factors(), [1 / 3] * 3, rtol=1e-9, atol=0)
    assert d.thermal_stability() == pytest.approx(2.0, rel=1e-3)    # the barrier search's grid: 1e-3


# ---------------------------------------------------------------------------- exact references


def test_boltzmann_average_against_the_one_dimensional_integral():
    """Axially symmetric uniaxial magnet, field along the axis: <m_z> = int z e^(Delta z^2 + xi z) dz /
    int e^(...) dz (the sphere integral reduces to z), exact to quadrature accuracy."""
    from scipy import integrate

    d = sphere_device(2.0)
    p = d.macrospin_parameters()
    vol, T = d.geometry.volume, d.temperature
    delta = MU0 * MS_PY * d.anisotropy_field * vol / (2 * KB * T)
    for h in (0.0, 3e3, -1e4):
        xi = MU0 * MS_PY * vol * h / (KB * T)
        num = integrate.quad(lambda z: z * np.exp(delta * z * z + xi * z), -1, 1, epsabs=1e-12, epsrel=1e-12)[0]
        den = integrate.quad(lambda z: np.exp(delta * z * z + xi * z), -1, 1, epsabs=0, epsrel=1e-12)[0]
        got = boltzmann_average(replace(p, applied_field=(0.0, 0.0, h)), (0, 0, 1))
        assert got == pytest.approx(num / den, rel=1e-7, abs=1e-9)


def test_uniaxial_correlation_time_limits():
    # free rotational diffusion: the l = 1 harmonic decays at 2D
    assert uniaxial_correlation_time(0.0, 3.0) == pytest.approx(1 / 6, rel=1e-9)
    # high barrier: tau_int -> tau_dwell / 2 (Brown's relaxation time of <m_z>), O(1/Delta) corrections
    gap = []
    for delta in (8.0, 16.0, 32.0, 64.0):
        # alpha = 1 and gamma mu0 H_K = 2 /s: alpha gamma mu0 H_K / (1 + alpha^2) = 1, D = 1/(2 Delta)
        diffusion = 1.0 / (2 * delta)
        brown = brown_dwell_time(1.0, 2.0 / (GAMMA * MU0), delta, GAMMA)
        r = uniaxial_correlation_time(delta, diffusion) / (brown / 2)
        gap.append(abs(r - 1))
        assert abs(r - 1) <= 1.5 / delta, (delta, r)
    assert all(a > b for a, b in zip(gap, gap[1:]))       # tends to Brown's as Delta grows


# ---------------------------------------------------------------------------- sLLG calibration


def test_field_input_gives_the_boltzmann_average():
    """<m_z> from the sLLG time averages equals the exact Boltzmann average at every field within
    3 standard errors; the standard error is sigma sqrt(2 tau_int / (dt_r n D)) (module docstring of
    calibration.py) and agrees with the spread of the 16 device means, whose own relative
    uncertainty is 1/sqrt(2 (D - 1)) ~ 18 %, within a factor 2 (> 3 of those)."""
    d = sphere_device(1.0)
    fields = np.array([-1.2e4, -4e3, 0.0, 4e3, 1.2e4])
    res = calibrate(d, input="field", values=fields, duration=300e-9, devices=16, seed=2)
    bz = res.boltzmann
    assert bz is not None and np.all(np.diff(bz) > 0)
    z = (res.mean_m - bz) / res.mean_m_uncertainty
    assert np.all(np.abs(z) < 3), z
    ratio = res.mean_m_uncertainty / res.mean_m_spread_uncertainty
    assert np.all((ratio > 0.5) & (ratio < 2.0)), ratio
    sig = res.sigmoid
    assert abs(sig["x0"]) < 3 * sig["x0_uncertainty"] + 200 and sig["x_s"] > 0


@pytest.mark.parametrize("delta", [0.5, 1.5, 3.0])
def test_correlation_time_matches_the_exact_uniaxial_value(delta):
    """The measured tau_int against the exact 1D value (which tends to Brown's tau_dwell/2 as Delta
    grows, test above). Tolerance: the relative standard error of a windowed tau_int estimate is
    sqrt(2 (2M + 1) / N) (Sokal; M the window in records, N the records of all devices), 3 of
    them, plus the window's truncation bias exp(-5) < 1 %."""
    d = sphere_device(delta)
    p = d.macrospin_parameters()
    diffusion = rotational_diffusion_coefficient(float(p.damping), MS_PY, d.geometry.volume, d.temperature,
                                                 float(p.gamma))
    exact = uniaxial_correlation_time(delta, diffusion)
    res = calibrate(d, input="field", values=[0.0], duration=500 * exact, devices=16, seed=1, boltzmann=False)
    dt_r = res.settings["record_interval"]
    n = (res.settings["duration"] - res.settings["burn_in"]) / dt_r * 16
    window = 5 * exact / dt_r
    tol = 3 * math.sqrt(2 * (2 * window + 1) / n) + 0.01
    assert res.correlation_time[0] == pytest.approx(exact, rel=tol)
    if delta >= 3.0:
        # two-state limit: flips between the wells at rate nu give tau_int ~ 1/(2 nu); at Delta = 3 the
        # intrawell part and the +-1/2 thresholds still matter at the 30 % level (O(1/Delta))
        assert res.flip_rate[0] * 2 * res.correlation_time[0] == pytest.approx(1.0, rel=0.3)


def test_current_input_sigmoid_and_energy():
    """A damping-like torque along the easy axis (s = +z, xi > 0 pulls m towards +z) tilts <m_z>
    upwards with the current; the tanh fit has x_s > 0; the energy per random bit is the
    documented formula with the device's channel."""
    tq = {"mechanism": "sot", "damping_like_efficiency": 0.3, "field_like_efficiency": 0.0, "polarization": [0, 0, 1]}
    d = sphere_device(1.0, torque=tq)
    js = np.linspace(-3e12, 3e12, 5)
    ro = {"read_voltage": 0.1, "resistance_area": 10e-12, "tmr": 1.5}
    res = calibrate(d, input="current", values=js, duration=200e-9, devices=8, seed=3, readout=ro)
    assert np.all(np.diff(res.mean_m) > 0)
    sig = res.sigmoid
    assert sig["x_s"] > 0
    e = res.energy
    ch = d.channel()
    i = (abs(sig["x0"]) + abs(sig["x_s"])) * ch["current_per_density"]
    assert e["drive_energy"] == pytest.approx(i * i * ch["resistance"] * res.centre["correlation_time"], rel=1e-12, abs=0)
    r_mtj = 10e-12 / d.geometry.area * (1 + 0.75)
    assert e["read_energy"] == pytest.approx(0.01 / r_mtj * res.centre["correlation_time"], rel=1e-12, abs=0)
    assert res.energy_per_flip == pytest.approx(e["drive_energy"] + e["read_energy"], rel=1e-12, abs=0)
    # the timing handed to a p-computer
    t = res.timing()
    assert t.correlation_time == res.centre["correlation_time"] and t.energy_per_flip == res.energy_per_flip


def test_statistics_helpers():
    # an AR(1) series with rho = exp(-1/tau): tau_int = tau(1 + O(1/tau^2)) for a long series
    rng = np.random.default_rng(0)
    tau, n = 20.0, 200_000
    a = math.exp(-1 / tau)
    x = np.empty((4, n))
    x[:, 0] = rng.normal(size=4)
    noise = rng.normal(size=(4, n)) * math.sqrt(1 - a * a)
    for k in range(1, n):
        x[:, k] = a * x[:, k - 1] + noise[:, k]
    exact = 0.5 + a / (1 - a)                       # 1/2 + sum_k a^k, in records
    got = integrated_autocorrelation(x, 1.0)["tau"]
    # relative s.e. sqrt(2 (2M+1)/N), M ~ 5 tau = 100, N = 8e5: 2.2 %; 3 of them
    assert got == pytest.approx(exact, rel=0.07)
    assert count_flips(np.array([[0.9, 0.2, -0.3, -0.7, 0.1, 0.6, 0.8, -0.9]])).tolist() == [3]


# ---------------------------------------------------------------------------- command line


def test_cli_calibrate_examples(tmp_path, capsys):
    png = tmp_path / "s.png"
    p = run_subprocess("pbit", "calibrate", EX / "py_nio_pbit.toml", "--input", "current", "--range", "-3e12:3e12:3",
                       "--duration", "40 ns", "--devices", 4, "--json", "--plot", png)
    out = json.loads(p.stdout)
    for key in ("input", "mean_m", "mean_m_uncertainty", "correlation_time", "flip_rate", "sigmoid",
                "energy_per_flip"):
        assert key in out
    assert len(out["input"]) == 3 and out["input"][0] == -3e12
    assert out["settings"]["heating"] is True          # the example files follow the Joule heating
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "superparamagnetic" not in p.stderr          # a p-bit is one by design: no warning
    text = run_inprocess(capsys, "pbit", "calibrate", EX / "pt_py_pbit.toml", "--input", "field", "--range",
                         "-2 mT:2 mT:3", "--duration", "30 ns", "--devices", 4).stdout
    assert "Boltzmann" in text and "energy per random bit" in text


@pytest.mark.parametrize("args,where", [
    (("--range", "1:2"), "--range"),
    (("--range", "-1 mT:1 K:3"), "--range"),
    (("--range", "-1e12:1e12:3", "--duration", "-1 ns"), "--duration"),
    (("--range", "-1e12:1e12:3", "--input", "voltage"), "--input"),
])
def test_cli_calibrate_bad_input(capsys, args, where):
    p = run_inprocess(capsys, "pbit", "calibrate", EX / "py_nio_pbit.toml", *args, ok=(2,))
    assert p.stderr.startswith("spinloss: error:") and where in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
