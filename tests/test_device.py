"""Device files, energy bookkeeping, thermal stability, and the device-level experiments."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spinloss.device import Device
from spinloss.errors import ConfigError, Interrupted
from spinloss.units import KB, MU0

EX = Path(__file__).resolve().parents[1] / "examples"


def base_raw(**magnet):
    raw = {
        "name": "test device",
        "temperature": 300,
        "layers": [{"material": "SiO2", "thickness": "5 nm"},
                   {"name": "free", "material": "Py", "thickness": "3 nm"},
                   {"material": "NiO", "thickness": "10 nm"}],
        "geometry": {"shape": "ellipse", "length": "60 nm", "width": "150 nm"},
        "magnet": {"layer": "free", "easy_axis": [0, 1, 0], "anisotropy_field": "5 mT",
                   "initial_direction": [0, 1, 0], **magnet},
        "pulse": {"current_density": "1e12 A/m^2", "width": "2 ns", "rise_time": "0.1 ns"},
    }
    return raw


# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("mutate,key", [
    (lambda r: r["geometry"].update(width="-5 nm"), "geometry.width"),
    (lambda r: r["geometry"].update(shape="hexagon"), "geometry.shape"),
    (lambda r: r["geometry"].update(colour="red"), "geometry.colour"),
    (lambda r: r["magnet"].update(layer="NiO"), "magnet.layer"),
    (lambda r: r["magnet"].update(layer="nope"), "magnet.layer"),
    (lambda r: r["magnet"].update(uniaxial_anisotropy=1e5), "magnet.anisotropy_field"),
    (lambda r: r["magnet"].update(easy_axis=[0, 0, 0]), "magnet.easy_axis"),
    (lambda r: r["magnet"].update(anisotropy_field="5 nm"), "magnet.anisotropy_field"),
    (lambda r: r["pulse"].update(width="nan"), "pulse.width"),
    (lambda r: r["pulse"].update(current_density="5 mT"), "pulse.current_density"),
    (lambda r: r.update(torques={"damping_like_efficiency": 0.1, "polarisation": [0, 1, 0]}), "torques.polarisation"),
    (lambda r: r.pop("geometry"), "geometry"),
    (lambda r: r.update(extra_table={}), "extra_table"),
])
def test_bad_device_files_name_the_key(mutate, key):
    raw = base_raw()
    mutate(raw)
    with pytest.raises(ConfigError) as exc:
        Device.from_dict(raw, source="dev.toml")
    assert exc.value.source == "dev.toml"
    assert exc.value.key == key


def test_anisotropy_from_energy_densities():
    # H_K = 2 (K_u + K_s/d) / (mu0 Ms)
    d = Device.from_dict(base_raw(anisotropy_field=None) | {"magnet": {
        "layer": "free", "easy_axis": [0, 1, 0], "uniaxial_anisotropy": "2e3 J/m^3",
        "surface_anisotropy": "1e-5 J/m^2"}})
    assert d.anisotropy_field == pytest.approx(2 * (2e3 + 1e-5 / 3e-9) / (MU0 * 8e5), rel=1e-12)
    # default initial direction: opposite the easy axis
    assert d.initial_direction == pytest.approx((0, -1, 0), rel=1e-12, abs=0)


def test_measured_torques_replace_transport():
    raw = base_raw()
    raw["torques"] = {"damping_like_efficiency": 0.08, "field_like_efficiency": -0.02, "polarization": [0, -1, 0]}
    t = Device.from_dict(raw).torque()
    assert (t.damping_like_efficiency, t.field_like_efficiency) == (0.08, -0.02)
    assert t.polarization == pytest.approx((0, -1, 0), rel=1e-12, abs=0)
    assert t.source.endswith("[torques]")


# ----------------------------------------------------------------------------- physics of the device


def test_thermal_stability_matches_uniaxial_closed_form():
    # Ellipse in-plane, zero field: barrier = mu0 Ms (H_K + Ms (Nx - Ny)) V / 2, saddle along x
    # (Nx < Nz). The grid search contains the exact saddle direction, so only the bisection
    # tolerance (2^-60 of the range) limits the agreement.
    d = Device.from_dict(base_raw())
    n = d.geometry.demag_factors()
    ms = 8e5
    hk_total = d.anisotropy_field + ms * (n[0] - n[1])
    delta = MU0 * ms * hk_total * d.geometry.volume / 2 / (KB * 300)
    assert d.thermal_stability() == pytest.approx(delta, rel=1e-9, abs=0)


def test_thermal_stability_with_field_along_axis():
    # Perpendicular magnet with H_z along the stored state: E_b(weaker state) = K V (1 - h)^2,
    # h = H/H_K,eff (Stoner-Wohlfarth)
    raw = base_raw()
    raw["magnet"] = {"layer": "free", "easy_axis": [0, 0, 1], "anisotropy_field": "1.3 T",
                     "initial_direction": [0, 0, 1]}
    raw["geometry"] = {"shape": "ellipse", "length": "40 nm", "width": "40 nm"}
    d0 = Device.from_dict(raw)
    n = d0.geometry.demag_factors()
    hk_eff = d0.anisotropy_field - 8e5 * (n[2] - n[0])
    h = 0.1 * hk_eff
    raw["field"] = {"applied": [0, 0, h]}
    d = Device.from_dict(raw)
    e_b = MU0 * 8e5 * hk_eff * d.geometry.volume / 2 * (1 - 0.1) ** 2
    # the saddle (on a cone, off the grid) is refined as a stationary point: round-off only
    assert d.energy_barrier() == pytest.approx(e_b, rel=1e-9, abs=0)


def test_field_beyond_switching_field_removes_the_barrier():
    # In-plane type-y magnet stored at +y with a field along -y: Delta = Delta0 (1 - h)^2 below the
    # switching field (h = H/H_K,total), 0 beyond it (the +y well is gone)
    d = Device.from_dict(base_raw())
    n = d.geometry.demag_factors()
    hk = d.anisotropy_field + 8e5 * (n[0] - n[1])
    d0 = d.thermal_stability()
    half = d.with_values({"field.applied": [0, -0.5 * hk, 0]})
    assert half.thermal_stability() == pytest.approx(d0 * 0.25, rel=1e-9, abs=0)
    beyond = d.with_values({"field.applied": [0, -1.2 * hk, 0]})
    assert beyond.thermal_stability() == 0.0


def test_write_energy_is_i2rt():
    d = Device.from_toml(EX / "pt_py_device.toml")
    e = d.write_energy()
    ch = d.channel()
    current = d.pulse.current_density * ch["current_per_density"]
    t_eff = d.pulse.width + (d.pulse.rise_time + d.pulse.fall) / 3
    assert e["current"] == pytest.approx(current, rel=1e-12, abs=0)
    assert e["energy"] == pytest.approx(current**2 * ch["resistance"] * t_eff, rel=1e-12, abs=0)
    # the channel resistance is the sheet resistance times length / width
    assert ch["resistance"] == pytest.approx(ch["sheet_resistance"] * 60 / 150, rel=1e-12, abs=0)


# ----------------------------------------------------------------------------- experiments


def test_resonance_matches_small_angle_theory():
    from spinloss.experiments.resonance import resonance

    d = Device.from_toml(EX / "pt_py_device.toml")
    r = resonance(d, tilt_deg=1.0)
    # a 1 degree ringdown shifts the frequency by O(theta^2) ~ 3e-4
    assert r.frequency == pytest.approx(r.smit_beljers_frequency, rel=1e-3)
    # linewidth (FWHM) = alpha_eff gamma (E11 + E22) / (2 pi Ms) in the small-angle limit, alpha_eff
    # the Gilbert 0.008 of Py plus the spin pumping into the Pt
    h11, h22, _ = r.details["curvatures"]
    alpha = d.effective_damping()
    assert alpha > 0.008
    lw = alpha * 1.76085963e11 * (h11 + h22) / (2 * math.pi * 8e5)
    assert r.linewidth == pytest.approx(lw, rel=1e-2)


def test_resonance_kittel_thin_film():
    # A very large, thin square: demag -> (0, 0, 1); field along the in-plane easy axis
    from spinloss.dynamics.analytic import kittel_in_plane
    from spinloss.experiments.resonance import resonance

    raw = base_raw()
    raw["geometry"] = {"shape": "rectangle", "length": "20 um", "width": "20 um"}
    raw["field"] = {"applied": ["0 mT", "50 mT", "0 mT"]}
    d = Device.from_dict(raw)
    n = d.geometry.demag_factors()
    r = resonance(d, tilt_deg=0.5)
    h = 0.05 / MU0
    hk = d.anisotropy_field + 8e5 * (n[0] - n[1])
    meff = 8e5 * (n[2] - n[0])
    f = kittel_in_plane(h, hk, meff)
    assert r.frequency == pytest.approx(float(f), rel=1e-3)


def test_sign_end_to_end_spin_loss_switches_only_the_right_state():
    # Py/NiO: xi_DL < 0 with s = +y pulls m towards -y for J > 0: a +y magnet switches, a -y
    # magnet stays. 1.5x the heated T = 0 threshold at 5 ns (5.94e12 A/m^2; the example follows
    # the Joule heating), 300 K, 24 trials: P = 1 vs 0 (not statistical).
    from spinloss.experiments.switching import switching_probability

    d = Device.from_toml(EX / "py_nio_device.toml")
    assert d.torque().damping_like_efficiency < 0 and d.heating_enabled
    j = 8.9e12
    up = switching_probability(d, current_density=j, pulse_width=5e-9, trials=24, seed=1)
    assert float(up.switching_probability) == 1.0
    down = d.with_values({"magnet.initial_direction": [0, -1, 0]})
    dn = switching_probability(down, current_density=j, pulse_width=5e-9, trials=24, seed=1)
    assert float(dn.switching_probability) == 0.0


def test_threshold_no_sink_control_says_why_and_cli_exits_1():
    from spinloss.experiments.switching import critical_current

    d = Device.from_toml(EX / "py_sio2_device.toml")
    r = critical_current(d, temperature=0.0)
    assert r.critical_current_density is None and "no torque" in r.reason
    p = subprocess.run([sys.executable, "-m", "spinloss", "threshold", str(EX / "py_sio2_device.toml"),
                        "-T", "0", "--json"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 1
    assert "Traceback" not in p.stderr


def test_threshold_type_y_between_sun_onset_and_energy_balance():
    # T = 0 threshold of the Pt/Py type-y device for a long pulse: above Sun's J_c0 (instability
    # onset) and near the separatrix energy-balance threshold (docs/physics.md section 4). For a 20 ns
    # pulse the finite-pulse overdrive is small; we check J_c0 < J_sw < 1.6 J_c0.
    from spinloss.dynamics.analytic import sun_critical_current
    from spinloss.experiments.switching import critical_current

    d = Device.from_toml(EX / "pt_py_device.toml")
    n = d.geometry.demag_factors()
    ms = 8e5
    hk = d.anisotropy_field + ms * (n[0] - n[1])
    meff = ms * (n[2] - n[1])
    xi = d.torque().damping_like_efficiency
    jc0 = sun_critical_current(0.008, ms, 3e-9, hk, meff, xi)
    r = critical_current(d, pulse_width=20e-9, temperature=0.0, relative_tolerance=3e-3)
    assert jc0 < r.critical_current_density < 1.6 * jc0


def test_pulse_width_law_returns_delta():
    # Thermally activated regime (docs/physics.md section 4, Koch et al. 2004) for the axially
    # symmetric case (perpendicular magnet, polarization along the axis), where the exponent is
    # n = 2: tau(i) = tau0(i) exp[Delta (1 - i)^2], i = H_DL / (alpha H_K). The escape times come
    # from the Fokker-Planck operator (validated against Monte Carlo and AMS in test_wer_*).
    # Prefactor [D]: Brown's formula with the pseudo-potential of the axial case, i.e. damping
    # alpha (1 - i) and barrier Delta (1 - i)^2, gives tau0(i) ~ (1 - i)^-2; without it the fit
    # is biased low by ~12 % (measured). Fitting ln tau = a - 2 ln(1 - i) + Delta (1 - i)^2 over
    # i in [0.2, 0.6] returns the Delta used up to the O(1/Delta') corrections of Brown's formula
    # (Delta' = Delta (1-i)^2 >= 3.5 here): tolerance 5 %.
    from scipy.optimize import curve_fit

    from spinloss.experiments.fokker_planck import fokker_planck_relaxation_rate

    ms, alpha, hk, T = 1.1e6, 0.05, 4e5, 300.0
    delta = 22.0
    volume = delta * 2 * KB * T / (MU0 * ms * hk)
    i = np.linspace(0.2, 0.6, 9)
    tau = np.array([1.0 / fokker_planck_relaxation_rate(saturation_magnetization=ms, volume=volume, damping=alpha,
                                                       anisotropy_field=hk, temperature=T,
                                                       damping_like_field=x * alpha * hk) for x in i])
    (ln_tau0, d_fit), _ = curve_fit(lambda x, a, b: a - 2 * np.log(1 - x) + b * (1 - x) ** 2, i, np.log(tau),
                                    p0=[-20, 20])
    assert d_fit == pytest.approx(delta, rel=0.05)


def test_switching_blocks_and_interrupt_keep_finished_trials(monkeypatch):
    from spinloss import dynamics
    from spinloss.experiments import switching as sw

    # the mechanics of blocks and interrupts, not the heat: one simulate call per pulse block
    d = Device.from_toml(EX / "pt_py_device.toml", overrides={"heating.enabled": False})
    kw = dict(current_density=np.array([6e11, 9e11]), pulse_width=2e-9, trials=12, seed=3)
    one = sw.switching_probability(d, block_devices=10_000, **kw)
    blocks = sw.switching_probability(d, block_devices=8, **kw)  # 4 trials x 2 points per block
    assert np.array_equal(one.switched, blocks.switched)  # bit-identical: stream id = trial index
    real = dynamics.simulate
    calls = {"n": 0}

    def flaky(*a, **k):
        if "switch_axis" in k:  # a pulse block (settling runs pass no switch axis)
            calls["n"] += 1
            if calls["n"] == 2:  # Ctrl-C during the second block
                raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(dynamics, "simulate", flaky)
    with pytest.raises(Interrupted) as ei:  # never returned as if complete
        sw.switching_probability(d, block_devices=8, **kw)
    part = ei.value.partial
    assert part.interrupted and part.trials == 4
    assert "4 of 12 trials" in ei.value.what
    four = sw.switching_probability(d, block_devices=8, **{**kw, "trials": 4})
    assert np.array_equal(np.asarray(part.switched), np.asarray(four.switched))  # the finished trials exactly


@pytest.mark.slow
def test_retention_simulate_matches_exact_first_passage():
    # Perpendicular disk with a low barrier (Delta ~ 6): dwell times from the stochastic LLG
    # (retention --method simulate: first passage to m.target > 0.5 from thermal states) against
    # the exact mean first-passage time of the 1D Fokker-Planck equation of m_z. Tolerance: 3
    # standard errors of the censored exponential estimate (1/sqrt(k), k ~ 300 escapes: 17 %)
    # plus the Heun time-step bias measured for this integrator (< 5 %, docs/dynamics.md): 22 %.
    from spinloss.dynamics.analytic import uniaxial_mean_first_passage_time
    from spinloss.experiments.retention import retention

    raw = base_raw()
    raw["geometry"] = {"shape": "ellipse", "length": "12 nm", "width": "12 nm"}
    raw["magnet"] = {"layer": "free", "easy_axis": [0, 0, 1], "anisotropy_field": "1 T",
                     "initial_direction": [0, 0, 1], "damping": 0.1}
    n = Device.from_dict(raw).geometry.demag_factors()
    # H_K,eff = 0.18 T: Delta ~ 6 at 300 K for this 12 nm x 3 nm disk
    raw["magnet"]["anisotropy_field"] = 0.18 / MU0 + 8e5 * (n[2] - n[0])
    d = Device.from_dict(raw)
    r = retention(d, method="simulate", trials=300, max_time=400e-9, seed=5)
    n = d.geometry.demag_factors()
    hk_eff = d.anisotropy_field - 8e5 * (n[2] - n[0])
    exact = uniaxial_mean_first_passage_time(0.1, hk_eff, r.thermal_stability, z_start=1.0, z_absorb=-0.5)
    assert 3 < r.thermal_stability < 9
    assert r.details["escapes"] > 200
    assert r.mean_dwell_time == pytest.approx(exact, rel=0.22, abs=0)


@pytest.mark.slow
def test_threshold_at_300K_is_the_logistic_50_percent_point():
    # T > 0: thermal fluctuations lower the 5 ns switching current below the T = 0 threshold
    # (thermally assisted switching); the logistic fit's 50 % point must lie inside the grid
    # where P crosses 1/2, with a standard error smaller than the grid step.
    from spinloss.experiments.switching import critical_current

    d = Device.from_toml(EX / "pt_py_device.toml")
    r = critical_current(d, temperature=300.0, trials=48, seed=2)
    grid = np.asarray(r.details["grid"])
    p = np.asarray(r.details["probability"])
    t0 = r.details["t0_threshold"]
    assert 0.3 * t0 < r.critical_current_density < t0
    below, above = grid[p < 0.5], grid[p > 0.5]
    assert below.max() <= r.critical_current_density * 1.05 and above.min() >= r.critical_current_density * 0.95
    assert 0 < r.uncertainty < grid[1] - grid[0]
