"""From torques to the stack (issue 10 items 6, 7; docs/lab.md section 8): the global fit of the
transport model to a sample series recovers known parameters without noise, its 1-sigma intervals
cover the truth at the nominal rate, an undetermined parameter is refused by name, the controls
are zero, the calibrated file reproduces the fitted torques, the series file's errors are one line."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from spinloss.device import Device, read_stack
from spinloss.errors import ConfigError, PhysicsError
from spinloss.lab.series import (Observation, Series, SeriesEntry, fit_stack_series, read_series, to_toml)
from spinloss.transport import torques

LAB = Path(__file__).resolve().parents[1] / "examples" / "lab"
BAR = LAB / "py_nio_stfmr.toml"
TRUTH = {"spin_hall_angle": 0.053, "magnon_interface_conductance": 5e14, "magnon_diffusion_length": 10e-9,
         "neel_temperature": 523.0}


def entry(overrides=None, temperature=300.0, rel=0.04, floor=2e-5, rng=None, file=BAR):
    """A sample of the Py/NiO bar with its transport-model torques measured with 1-sigma errors
    rel |xi| + floor (drawn when ``rng`` is given)."""
    stack = read_stack(file, overrides)
    m = torques(stack, temperature=temperature).magnet("free")
    obs = []
    for name, v in (("xi_DL", float(m.xi_dl)), ("xi_FL", float(m.xi_fl))):
        s = rel * abs(v) + floor
        obs.append(Observation(name, v + (rng.normal(0.0, s) if rng is not None else 0.0), s))
    sink = "NiO" if any(l.name == "NiO" for l in stack.layers) else None
    return SeriesEntry(f"{overrides} {temperature} K", str(file), stack, None, temperature, "free", sink, obs,
                       gilbert_damping=0.008)


def series(entries, free, initial):
    return Series("test", "", "<test>", entries, list(free), dict(initial), str(BAR))


def thickness_series(rng=None, temperatures=(300.0,)):
    out = [entry({"NiO.thickness": t * 1e-9}, rng=rng) for t in (1, 2, 4, 8, 16, 30)]
    out += [entry(None, temperature=T, rng=rng) for T in temperatures if T != 300.0]
    return out


OFF = {"spin_hall_angle": 0.03, "magnon_interface_conductance": 1.5e14, "magnon_diffusion_length": 4e-9,
       "neel_temperature": 480.0}


def test_round_trip_without_noise():
    """Thickness series 1-30 nm at 300 K and a temperature series 200-550 K across the film's T_N of
    10 nm NiO (512 K): from starting values 30-70 % off the fit returns theta_F, G_int, lambda_m and
    T_N within 2 % (measured: 1e-7 or better: the optimum of exact data is the truth)."""
    ents = thickness_series(temperatures=(200.0, 350.0, 450.0, 500.0, 520.0, 550.0))
    res = fit_stack_series(series(ents, TRUTH, OFF))
    for n, v in TRUTH.items():
        assert res.values[n] == pytest.approx(v, rel=2e-2, abs=0)
        assert res.values[n] == pytest.approx(v, rel=1e-5, abs=0)   # what it gives
    assert res.chi2 < 1e-8 and res.dof == 2 * len(ents) - 4


def test_coverage_of_the_one_sigma_intervals():
    """120 noise realizations of the thickness series (errors 4 % + 2e-5, drawn as stated): the
    1-sigma intervals of theta_F, G_int and lambda_m cover the truth in 68 % of the fits (binomial
    standard error 4.3 %: 0.55-0.81 is 3 of them), and chi2 averages its degrees of freedom (9;
    standard error of the mean sqrt(2 x 9 / 120) = 0.39: within 1.2, 3 of them)."""
    rng = np.random.default_rng(2026)
    free = ["spin_hall_angle", "magnon_interface_conductance", "magnon_diffusion_length"]
    start = {k: TRUTH[k] for k in free}
    clean = thickness_series()
    hits = dict.fromkeys(free, 0)
    chi2 = []
    trials = 120
    for _ in range(trials):
        ents = []
        for e in clean:
            obs = [Observation(o.name, o.value + rng.normal(0.0, o.sigma), o.sigma) for o in e.observations]
            ents.append(SeriesEntry(e.name, e.file, e.stack, None, e.temperature, "free", "NiO", obs,
                                    gilbert_damping=0.008))
        res = fit_stack_series(series(ents, free, start))
        for k in free:
            hits[k] += abs(res.values[k] - TRUTH[k]) <= res.uncertainties[k]
        chi2.append(res.chi2)
    for k, n in hits.items():
        assert 0.55 <= n / trials <= 0.81, (k, n / trials)
    assert abs(np.mean(chi2) - 9) < 1.2


def test_an_undetermined_parameter_is_named():
    """T_N free with every sample at 300 K far below it: the torque hardly depends on T_N (the
    temperature law is normalized at the reference temperature), the Jacobian is singular."""
    with pytest.raises(PhysicsError, match="neel_temperature"):
        fit_stack_series(series(thickness_series(), ["spin_hall_angle", "neel_temperature"], TRUTH))


def test_controls_are_zero_and_a_control_alone_constrains_nothing():
    """The no-sink control (Py between SiO2) and the symmetric stack (NiO on both sides) have no
    torque in the model (docs/physics.md section 3, closed form 2): their predictions are 0 for any
    parameters, so a fit of theta_F to controls alone is refused."""
    ctrl = entry(file=LAB / "py_sio2_stfmr.toml")
    res = fit_stack_series(series(thickness_series() + [ctrl], ["spin_hall_angle"], TRUTH))
    pred = {p["entry"]: p for p in res.predictions}[ctrl.name]
    assert abs(pred["xi_DL"]) < 1e-15 and abs(pred["xi_FL"]) < 1e-15
    with pytest.raises(PhysicsError, match="does not constrain spin_hall_angle"):
        fit_stack_series(series([ctrl, entry({"free.thickness": 4e-9}, file=LAB / "py_sio2_stfmr.toml")],
                                ["spin_hall_angle"], TRUTH))


def test_cli_fit_of_the_shipped_series_and_the_calibrated_file(tmp_path, capsys):
    """The shipped SYNTHETIC series (thickness and temperature series, control, ST-FMR data): the fit
    recovers the library values within 3 sigma; the calibrated cell (written atomically) loads as a
    device and its transport torque at the fitted values equals the model's for that cell."""
    from spinloss import cli

    out = tmp_path / "cell.toml"
    with pytest.raises(SystemExit) as e:
        cli.main(["fit", "stack", str(LAB / "py_nio_series.toml"), "--output", str(out), "--json"])
    assert e.value.code == 0
    d = json.loads(capsys.readouterr().out)
    for n, v in TRUTH.items():
        assert abs(d[n] - v) < 3 * d[f"{n}_uncertainty"], n
    assert d["calibrated_stack"] == str(out) and len(d["correlation"]) == 4
    assert "SYNTHETIC" in out.read_text() and not list(tmp_path.glob("*.tmp*"))
    dev = Device.from_toml(out)
    st = dev.stack
    assert float(st.layer("free").material.spin_hall_angle) == pytest.approx(d["spin_hall_angle"], rel=1e-12, abs=0)
    itf = st.interfaces[st.index("free")]
    assert float(itf.magnon_interface_conductance) == pytest.approx(d["magnon_interface_conductance"], rel=1e-12, abs=0)
    expect = read_stack(LAB.parent / "py_nio_cell.toml", {
        "free.spin_hall_angle": d["spin_hall_angle"], "NiO.magnon_diffusion_length": d["magnon_diffusion_length"],
        "NiO.neel_temperature": d["neel_temperature"],
        "interfaces.0.magnon_interface_conductance": d["magnon_interface_conductance"]})
    assert dev.torque().damping_like_efficiency == pytest.approx(
        float(torques(expect).magnet("free").xi_dl), rel=1e-12, abs=0)


def test_toml_writer_round_trips():
    raw = tomllib.loads((LAB.parent / "py_nio_cell.toml").read_text())
    raw["extra"] = {"x": [1.5, float("inf")], "s": 'a "quoted" \u00b5 string', "flag": True, "n": 3}
    raw["layers"][1]["material"] = {"name": "mine", "kind": "ferromagnet"}
    assert tomllib.loads(to_toml(raw)) == raw


def write(tmp_path, text):
    p = tmp_path / "series.toml"
    p.write_text(text)
    return p


@pytest.mark.parametrize("body, rule", [
    ('free = ["spin_hall_angle"]\n[[entries]]\nstack = "BAR"\nxi_DL = -0.005\n', "entries[0].xi_DL_uncertainty: missing"),
    ('free = ["spin_hall_angle"]\n[[entries]]\nstack = "BAR"\nxi_DL = -0.005\nxi_DL_uncertainty = -1e-4\n',
     "entries[0].xi_DL_uncertainty: must be > 0"),
    ('free = ["theta"]\n[[entries]]\nstack = "BAR"\nxi_DL = -0.005\nxi_DL_uncertainty = 1e-4\n',
     "free: unknown parameter 'theta'"),
    ('free = ["spin_hall_angle"]\n[[entries]]\nstack = "nofile.toml"\nxi_DL = -0.005\nxi_DL_uncertainty = 1e-4\n',
     "entries[0].stack: no such file: nofile.toml"),
    ('free = ["spin_hall_angle"]\n[[entries]]\nstack = "BAR"\n', "entries[0]: nothing measured"),
    ('free = ["spin_hall_angle"]\n[[entries]]\nstack = "BAR"\nxi_DL = "big"\nxi_DL_uncertainty = 1e-4\n',
     "entries[0].xi_DL"),
    ('free = ["spin_hall_angle"]\n[[entries]]\nstack = "BAR"\ntemperature = "-3 K"\nxi_DL = 1\nxi_DL_uncertainty = 1\n',
     "entries[0].temperature: must be > 0"),
])
def test_bad_series_files_get_one_line_errors(tmp_path, body, rule):
    p = write(tmp_path, body.replace("BAR", str(BAR)))
    with pytest.raises(ConfigError) as exc:
        read_series(p)
    assert rule in exc.value.one_line() and str(p) in exc.value.one_line()


def test_data_entries_use_the_lab_analyses(tmp_path):
    """A harmonic Hall data entry gives the analysis' xi_DL, xi_FL (closed form here); an ST-FMR entry
    with a control gives G_eff, and the current's calibration error widens the torques' sigma."""
    from spinloss.lab.data import read_harmonic_hall_files
    from spinloss.lab.fitting import analyse_harmonic_hall

    dev = LAB / "pt_cofeb_hall_bar.toml"
    p = write(tmp_path, f'''free = ["spin_hall_angle"]
[[entries]]
device = "{dev}"
data = ["{LAB / 'pt_cofeb_x.csv'}", "{LAB / 'pt_cofeb_y.csv'}"]
analysis = "harmonic-hall"
magnet_kind = "perpendicular"
hall_analysis = "closed-form"
current_amplitude = "1 mA"
[[entries]]
device = "{BAR}"
data = "{LAB / 'py_nio_stfmr.csv'}"
control = "{LAB / 'py_sio2_stfmr.csv'}"
analysis = "st-fmr"
current_amplitude = "5 mA"
current_amplitude_uncertainty = "0.5 mA"
''')
    s = read_series(p)
    hh = analyse_harmonic_hall(read_harmonic_hall_files([LAB / "pt_cofeb_x.csv", LAB / "pt_cofeb_y.csv"]), 1e-3,
                               "perpendicular", device=Device.from_toml(dev), analysis="closed-form", bootstrap=0)
    o = {x.name: x for x in s.entries[0].observations}
    assert o["xi_DL"].value == hh.values["xi_DL"] and o["xi_DL"].sigma == hh.values["xi_DL_uncertainty"]
    o = {x.name: x for x in s.entries[1].observations}
    assert set(o) == {"xi_DL", "xi_FL", "G_eff"}
    assert o["xi_DL"].sigma >= 0.1 * abs(o["xi_DL"].value)   # 10 % calibration error of I_rf
