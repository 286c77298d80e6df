"""Odd input never gives a wrong answer silently (issue 7, item 5): each case from the trial run
gives a right answer or a one-line error naming the file (or option), the key and the rule."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from spinloss import cli
from spinloss.device import Device

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples"
ONE_LINE = re.compile(r"^spinloss: error: [^\n]+\n?$")


def run(capsys, *args):
    """``spinloss ARGS`` in this process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as ei:
        cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return ei.value.code, out, err


def error_line(err: str) -> str:
    lines = [l for l in err.splitlines() if l.startswith("spinloss: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# ---------------------------------------------------------------------------- zero current


def test_torque_at_zero_current_density_reports_the_efficiencies(capsys):
    code, out, _ = run(capsys, "torque", EX / "py_nio.toml", "--set", "current_density=0", "--json")
    assert code == 0
    zero = json.loads(out)
    code, out, _ = run(capsys, "torque", EX / "py_nio.toml", "--json")
    ref = json.loads(out)
    # the model is linear in J: efficiencies do not depend on it (round-off of one solve, 1e-12)
    for a, b in zip(zero["magnets"], ref["magnets"]):
        assert a["xi_dl"] == pytest.approx(b["xi_dl"], rel=1e-12, abs=0)
        assert a["xi_fl"] == pytest.approx(b["xi_fl"], rel=1e-12, abs=0)
        assert a["sigma_dl"] == pytest.approx(b["sigma_dl"], rel=1e-12, abs=0)
        assert a["b_dl"] == 0.0 and a["b_fl"] == 0.0  # no current, no field
    assert zero["electric_field"] == 0.0
    assert all(l["current_density"] == 0.0 and l["joule_power"] == 0.0 for l in zero["layers"])


@pytest.mark.parametrize("command", [["switch", "--trials", "4", "-w", "0.2 ns"], ["retention"],
                                     ["resonance"], ["wer", "--method", "monte_carlo", "--trials", "100",
                                                     "-w", "0.2 ns"]])
def test_device_commands_with_a_zero_stack_current(capsys, command):
    code, out, err = run(capsys, command[0], EX / "py_nio_device.toml", *command[1:], "--set",
                         "current_density=0", "--json")
    assert code == 0, err
    assert "RuntimeWarning" not in err
    json.loads(out)


# ---------------------------------------------------------------------------- overrides compose


def test_with_values_keeps_earlier_overrides():
    d = Device.from_toml(EX / "pt_py_cell.toml", overrides={"Pt.thickness": "8 nm", "free.thickness": "4 nm"})
    d2 = d.with_values({"magnet.anisotropy_field": 1234.0})
    assert float(d2.stack.layer("Pt").thickness) == pytest.approx(8e-9, rel=1e-12, abs=0)
    assert d2.geometry.thickness == pytest.approx(4e-9, rel=1e-12, abs=0)
    assert d2.anisotropy_field == 1234.0
    # the anisotropy given one way replaces the file's other way
    d3 = d2.with_values({"magnet.uniaxial_anisotropy": "1e4 J/m^3"})
    assert d3.anisotropy_field > 0 and "anisotropy_field" not in d3.raw["magnet"]


def test_design_with_set_equals_the_edited_file(capsys, tmp_path):
    edited = tmp_path / "stt_edited.toml"
    text = (EX / "stt_mtj_cell.toml").read_text()
    assert 'thickness = "1.2 nm"' in text
    edited.write_text(text.replace('thickness = "1.2 nm"', 'thickness = "1.4 nm"'))
    from spinloss.cells.design import clear_cache

    common = ["--fast", "--pulse-widths", "10 ns", "--quiet", "--json"]
    clear_cache()  # the second run must not reuse the first one's WER curve
    code, out_set, err = run(capsys, "design", EX / "stt_mtj_cell.toml", "--set", "free.thickness=1.4 nm", *common)
    assert code in (0, 1), err
    clear_cache()
    code2, out_file, err = run(capsys, "design", edited, *common)
    assert code2 == code, err
    a, b = json.loads(out_set), json.loads(out_file)
    for d in (a, b):
        d.pop("provenance")
        d.pop("seconds")
        d["torque"].pop("source")  # names the file
    assert a["sizing"] == b["sizing"]
    assert a == b


# ---------------------------------------------------------------------------- drives the step cannot resolve


def test_a_drive_the_time_step_cannot_resolve_is_refused(capsys):
    code, out, err = run(capsys, "switch", EX / "pt_py_device.toml", "-j", "1e30", "--trials", "4")
    assert code == 2 and out == ""
    line = error_line(err)
    assert "--current-density" in line and "too strong" in line
    code, out, err = run(capsys, "wer", EX / "pt_py_device.toml", "--set", "pulse.current_density=1e30",
                         "--method", "monte_carlo", "--trials", "100")
    assert code == 2 and out == ""
    line = error_line(err)
    assert "pulse.current_density" in line and "pt_py_device.toml" in line


# ---------------------------------------------------------------------------- Brown outside its validity


def test_retention_without_a_barrier_uses_the_exact_first_passage_time(capsys):
    args = ["retention", EX / "pt_py_device.toml", "--set", "magnet.anisotropy_field=0", "--set",
            "geometry.width=60 nm", "--json"]
    code, out, err = run(capsys, *args)
    assert code == 0
    r = json.loads(out)
    assert r["thermal_stability"] < 1e-6 and r["method"] == "exact_first_passage"
    assert r["mean_dwell_time"] > 0  # not "0 s"
    assert "superparamagnetic" in err  # the validity warning, one line
    from spinloss.dynamics.analytic import first_passage_time, rotational_diffusion_coefficient

    d = Device.from_toml(EX / "pt_py_device.toml", overrides={"magnet.anisotropy_field": 0.0,
                                                               "geometry.width": "60 nm"})
    dcoef = rotational_diffusion_coefficient(d.effective_damping(), d.saturation_magnetization, d.geometry.volume, 300.0)
    # free diffusion from m.u = 1 to -0.5: ln(2/0.5)/D exactly
    assert r["mean_dwell_time"] == pytest.approx(np.log(4.0) / dcoef, rel=1e-8, abs=0)
    assert first_passage_time(0.0, dcoef) == pytest.approx(np.log(4.0) / dcoef, rel=1e-8, abs=0)


def test_every_device_command_warns_a_superparamagnetic_device(capsys):
    # a 60 x 62 nm Py ellipse with no intrinsic anisotropy: Delta = 1.5 at 300 K
    for command in (["switch", "--trials", "4", "-w", "0.2 ns"], ["retention"], ["resonance"],
                    ["wer", "--method", "monte_carlo", "--trials", "100", "-w", "0.2 ns"],
                    ["threshold", "-T", "0"]):
        code, _, err = run(capsys, command[0], EX / "pt_py_device.toml", *command[1:], "--set",
                           "magnet.anisotropy_field=0", "--set", "geometry.width=62 nm")
        assert code in (0, 1), err  # 1: threshold may find no deterministic switching
        warnings = [l for l in err.splitlines() if "superparamagnetic" in l]
        assert len(warnings) == 1 and warnings[0].startswith("spinloss: warning: ")


# ---------------------------------------------------------------------------- silent choices


def test_an_initial_direction_on_the_hard_plane_is_an_error(capsys):
    code, _, err = run(capsys, "threshold", EX / "pt_py_device.toml", "--set", "magnet.initial_direction=[1, 0, 0]")
    assert code == 2
    assert "magnet.initial_direction" in error_line(err)


def test_empty_items_in_a_pulse_sequence_are_errors(capsys):
    code, _, err = run(capsys, "trace", EX / "pt_py_device.toml", "--sequence", "5e11,,5e11 A/m^2")
    assert code == 2
    line = error_line(err)
    assert "--sequence" in line and "item 2" in line


@pytest.mark.parametrize("key,value", [("free.thickness", "1 pm"), ("free.thickness", "1 km"),
                                       ("geometry.length", "1 km"), ("geometry.width", "1 pm")])
def test_physically_absurd_sizes_are_errors(capsys, key, value):
    code, _, err = run(capsys, "retention", EX / "pt_py_device.toml", "--set", f"{key}={value}")
    assert code == 2
    line = error_line(err)
    assert key in line and "missing unit" in line


# ---------------------------------------------------------------------------- checked before the work


def test_output_paths_and_options_are_checked_before_the_computation(capsys, monkeypatch, tmp_path):
    import spinloss.cells.compare as cmp
    import spinloss.experiments.switching as sw

    def boom(*a, **k):
        raise AssertionError("the computation started before the options were checked")

    monkeypatch.setattr(sw, "trace", boom)
    code, _, err = run(capsys, "trace", EX / "pt_py_device.toml", "--output", tmp_path / "nowhere" / "t.csv")
    assert code == 2 and "--output" in error_line(err) and "does not exist" in err
    code, _, err = run(capsys, "trace", EX / "pt_py_device.toml", "--plot", tmp_path / "t.jpeg")
    assert code == 2 and "--plot" in error_line(err)
    monkeypatch.setattr(cmp, "compare", boom)
    code, _, err = run(capsys, "compare", EX / "compare.toml", "--scaling", "--sizes", "-5nm", "--quiet")
    assert code == 2 and "--sizes" in error_line(err)
    code, _, err = run(capsys, "compare", EX / "compare.toml", "--map", "free.spin_hall_angle=0:1:3",
                       "free.thickness=1 A:2 A:3", "--quiet")
    assert code == 2 and "free.thickness" in error_line(err)
    code, _, err = run(capsys, "compare", EX / "compare.toml", "--plot", tmp_path / "no" / "bars.png", "--quiet")
    assert code == 2 and "--plot" in error_line(err)


def test_vary_is_dimension_checked(capsys):
    code, _, err = run(capsys, "switch", EX / "pt_py_device.toml", "--vary", "pulse.width=1 A:2 A:2")
    assert code == 2 and "pulse.width" in error_line(err) and "time" in err
    code, _, err = run(capsys, "switch", EX / "pt_py_device.toml", "--vary", "pulse.current_density=1 ns:2 ns:2")
    assert code == 2 and "current density" in error_line(err)


def test_a_failed_resonance_fit_is_a_one_line_error(capsys):
    code, out, err = run(capsys, "resonance", EX / "pt_py_device.toml", "--set", "magnet.damping=5")
    assert code == 2 and out == ""
    line = error_line(err)
    assert "pt_py_device.toml" in line and "ringdown" in line


# ---------------------------------------------------------------------------- found by the docs review


def test_a_grid_whose_first_point_switches_nothing(capsys):
    code, out, err = run(capsys, "switch", EX / "pt_py_device.toml", "--trials", "6", "-w", "2 ns", "--vary",
                         "pulse.current_density=5e11:2e12:3", "--json")
    assert code == 0, err
    d = json.loads(out)
    t = d["mean_switching_time"]
    assert t[0] is None and t[-1] is not None and t[-1] > 0  # null only where nothing switched


def test_threshold_uncertainty_is_a_magnitude(capsys):
    code, out, err = run(capsys, "threshold", EX / "stt_mtj_cell.toml", "-T", "0", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["critical_current_density"] < 0 and d["uncertainty"] > 0


def test_stack_results_takes_each_field_from_the_first_point_that_has_it():
    from spinloss.io import stack_results

    out = stack_results([{"t": None, "name": "a"}, None, {"t": 2.0, "name": "a"}], (3,))
    assert np.isnan(out["t"][0]) and np.isnan(out["t"][1]) and out["t"][2] == 2.0 and out["name"] == "a"


def test_a_dimensionless_value_out_of_range_reads_without_a_unit_of_one(capsys):
    code, _, err = run(capsys, "torque", EX / "pt_py.toml", "--set", "Pt.spin_hall_angle=1e30")
    assert code == 2
    line = error_line(err)
    assert "Pt.spin_hall_angle" in line and "1e+30 is beyond the physical range of spin hall angle (maximum 10)" in line


def test_a_workload_key_at_the_top_level_is_named_without_a_leading_dot(capsys, tmp_path):
    text = (EX / "workload_resnet18.toml").read_text()
    bad = tmp_path / "w.toml"
    bad.write_text(re.sub(r"(?m)^precision_bits\s*=.*$", "precision_bits = 0", text))
    assert "precision_bits = 0" in bad.read_text()
    code, _, err = run(capsys, "workload", bad)
    assert code == 2
    assert error_line(err) == f"spinloss: error: {bad}: precision_bits: must be an integer >= 1"


@pytest.mark.parametrize("command", ["switch", "retention", "threshold"])
def test_a_temperature_above_the_curie_temperature_names_the_temperature(capsys, command):
    code, _, err = run(capsys, command, EX / "pt_py_device.toml", "-T", "5000 K")
    assert code == 2
    line = error_line(err)
    assert "--temperature" in line and "Curie temperature 850 K" in line


def test_a_pulse_sequence_too_strong_names_the_sequence(capsys):
    code, _, err = run(capsys, "trace", EX / "pt_py_device.toml", "--duration", "0.2 ns", "--sequence", "1e30")
    assert code == 2
    assert "<command line>: --sequence:" in error_line(err)
