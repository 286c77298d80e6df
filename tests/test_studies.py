"""The headline study (``spinloss demo``): files, table rows, and the physics claims in its data.

The claims are checked on the study's own numbers (not on its ``checks`` flags): Py/NiO has a
nonzero damping-like torque, negative with the sink on top (docs/physics.md sec. 2), growing with the
magnon interface conductance (closed form 4); the no-sink and symmetric controls vanish (closed
form 2: zero by symmetry, so the solver's round-off ~1e-17 is the only tolerance needed, and
1e-12 leaves room); the temperature curve peaks near the T_N of the example's NiO film (the
finite-size law of docs/physics.md sec. 3.3, below the bulk 523 K); heavy-metal signs follow theta_SH.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spinloss.errors import SpinlossInputError
from spinloss.studies import find_examples_dir, run_demo
from spinloss.studies.torque import CONTROL_ZERO, TORQUE_ROWS, headline_torque_study

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXPECTED_ROWS = {"py_nio", "py_sio2", "nio_py_nio", "pt_py", "pt_cofeb", "cofeb_nio", "w_cofeb",
                 "ta_cofeb", "cofeb_coo_250K", "cofeb_coo_350K"}
FIGURES = ("xi_dl_vs_py_thickness.png", "xi_dl_vs_nio_thickness.png", "xi_dl_vs_temperature.png",
           "xi_dl_vs_interface_conductance.png", "spin_current_profile_py_nio.png",
           "torque_table.png")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return headline_torque_study(out, EXAMPLES, progress=None), out


@pytest.fixture(scope="module")
def rows(study):
    return {r["key"]: r for r in study[0]["table"]}


def sink_series(curve):
    return next(np.asarray(v) for k, v in curve["series"].items() if "spin loss" in k)


def control_series(curve):
    return [np.asarray(v) for k, v in curve["series"].items() if "control" in k]


# ---------------------------------------------------------------------------- outputs


def test_files_exist(study):
    res, out = study
    for name in ("torque_table.json", "torque_table.csv", "torque_table.md", "torque_curves.json",
                 *FIGURES):
        path = out / name
        assert path.is_file() and path.stat().st_size > 0, name
        assert str(path) in res["files"].values()
    for name in FIGURES:
        assert (out / name).read_bytes()[:8] == PNG_MAGIC, name


def test_table_rows_and_files_agree(study, rows):
    res, out = study
    assert set(rows) == EXPECTED_ROWS
    assert len(res["table"]) == len(TORQUE_ROWS)
    data = json.loads((out / "torque_table.json").read_text())
    assert [r["key"] for r in data["rows"]] == [r["key"] for r in res["table"]]
    for r in data["rows"]:
        assert r["xi_dl"] == pytest.approx(rows[r["key"]]["xi_dl"], rel=1e-12, abs=1e-30)
    with open(out / "torque_table.csv", newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert {r["key"] for r in csv_rows} == EXPECTED_ROWS
    for r in csv_rows:
        assert float(r["xi_dl"]) == pytest.approx(rows[r["key"]]["xi_dl"], rel=1e-12, abs=1e-30)


def test_figure_of_merit_and_reference(study, rows):
    res, _ = study
    assert res["reference"] == "pt_cofeb"
    assert rows["pt_cofeb"]["ratio_xi2_over_rho"] == pytest.approx(1.0)
    for r in rows.values():
        assert r["xi2_over_rho"] == pytest.approx(r["xi_dl"] ** 2 / r["resistivity"], rel=1e-12, abs=1e-30)
        assert np.isfinite(r["xi2_over_rho"]) and np.isfinite(r["torque2_per_power"])
    # the efficiencies refer to the heavy metal in HM/FM stacks and to the magnet in FM/AFI stacks
    assert rows["pt_py"]["reference_material"] == "Pt"
    assert rows["w_cofeb"]["reference_material"] == "W"
    assert rows["py_nio"]["reference_layer"] == "free"
    assert rows["py_nio"]["resistivity"] == pytest.approx(30e-8, rel=1e-12, abs=0)  # Py, docs/physics.md sec. 7


# ---------------------------------------------------------------------------- physics claims


def test_spin_loss_torque_nonzero_and_negative_with_sink_on_top(rows):
    assert rows["py_nio"]["xi_dl"] < -1e-4
    assert rows["cofeb_nio"]["xi_dl"] < -1e-4
    assert rows["cofeb_coo_250K"]["xi_dl"] < 0 and rows["cofeb_coo_350K"]["xi_dl"] < 0


def test_controls_vanish(study, rows):
    res, _ = study
    assert abs(rows["py_sio2"]["xi_dl"]) < CONTROL_ZERO
    assert abs(rows["nio_py_nio"]["xi_dl"]) < CONTROL_ZERO
    for name, curve in res["curves"].items():
        ctl = control_series(curve)
        assert len(ctl) == 2, name  # both controls on every figure
        for y in ctl:
            assert np.max(np.abs(y)) < CONTROL_ZERO, name
        # while the spin-loss curve is clearly nonzero over most of the range
        assert np.median(np.abs(sink_series(curve))) > 1e-4, name


def test_more_spin_loss_more_torque(study):
    curve = study[0]["curves"]["interface_conductance"]
    g = np.asarray(curve["x"])
    xi = sink_series(curve)
    assert g[0] == pytest.approx(1e12) and g[-1] == pytest.approx(1e17)
    assert np.all(np.diff(np.abs(xi)) > 0)          # monotonic (docs/physics.md closed form 4)
    assert abs(xi[-1]) > 10 * abs(xi[0])             # and by a lot over five decades


def test_torque_saturates_with_nio_thickness(study):
    xi = sink_series(study[0]["curves"]["nio_thickness"])
    assert np.all(np.diff(np.abs(xi)) > 0)
    assert abs(xi[-1] - xi[-2]) < 1e-3 * abs(xi[-1])  # flat beyond a few lambda_m


def test_temperature_curve_peaks_near_neel(study):
    curve = study[0]["curves"]["temperature"]
    T = np.asarray(curve["x"])
    xi = np.abs(sink_series(curve))
    t_neel = curve["neel_temperature"]
    from spinloss.stack import Stack
    from spinloss.transport import film_neel_temperature

    nio = Stack.from_toml(EXAMPLES / "py_nio.toml").layer("NiO")
    expect = film_neel_temperature(523.0, nio.thickness, nio.material.neel_finite_size_length,
                                   nio.material.neel_finite_size_exponent)
    assert curve["neel_temperature_bulk"] == pytest.approx(523.0, rel=1e-12, abs=0)   # docs/physics.md sec. 7
    assert t_neel == pytest.approx(float(expect), rel=1e-12, abs=0) and t_neel < 523.0   # the film's T_N
    assert T[0] <= 100 and T[-1] >= 800
    t_peak = T[np.argmax(xi)]
    assert abs(t_peak - t_neel) < 0.03 * t_neel
    assert xi.max() > 2 * xi[0] and xi.max() > 2 * xi[-1]  # a peak, not an edge


def test_heavy_metal_signs(rows):
    assert rows["pt_py"]["xi_dl"] > 0 and rows["pt_cofeb"]["xi_dl"] > 0    # theta_Pt > 0, HM below
    assert rows["w_cofeb"]["xi_dl"] < 0 and rows["ta_cofeb"]["xi_dl"] < 0   # theta_W, theta_Ta < 0


def test_study_checks_agree(study):
    checks = study[0]["checks"]
    for key in ("py_nio_xi_dl_negative_sink_on_top", "controls_zero", "more_spin_loss_more_torque",
                "peak_near_neel_temperature", "heavy_metal_signs"):
        assert checks[key] is True, key


def test_profile_conserves_and_reflects(study):
    prof = study[0]["profile"]
    p = prof["py_nio"]
    q = np.asarray(p["q_over_j"])[:, 1]
    names = p["layer"]
    free = [i for i, n in enumerate(names) if n == "free"]
    assert abs(q[free[0]]) < 1e-9                   # SiO2 below reflects
    assert q[free[-1]] > 1e-4                       # spin flows up into NiO
    c = prof["py_sio2"]
    qc = np.asarray(c["q_over_j"])[:, 1]
    free_c = [i for i, n in enumerate(c["layer"]) if n == "free"]
    assert abs(qc[free_c[0]]) < 1e-9 and abs(qc[free_c[-1]]) < 1e-9


def test_runtime_is_reported(study):
    # the runtime is reported (no wall-clock limit in tests: machines are shared and noisy)
    assert study[0]["seconds"] > 0.0


# ---------------------------------------------------------------------------- entry points


def test_run_demo_summary(tmp_path):
    res = run_demo(tmp_path / "out", sections=("torque",), examples_dir=EXAMPLES, progress=None)
    summary = json.loads(Path(res["summary"]).read_text())
    assert "torque" in summary["sections"]
    for p in res["files"]:
        assert Path(p).is_file()


def assert_provenance(data: dict, *, seeds=None):
    """A demo JSON's provenance: package and version, the example files read with their SHA-256,
    the command line, the seeds and the time."""
    from spinloss.io import file_sha256
    from spinloss.version import __version__

    prov = data["provenance"]
    assert prov["package"] == "spinloss" and prov["version"] == __version__
    assert prov["inputs"], "no input files listed"
    for f in prov["inputs"]:
        assert Path(f["path"]).is_file() and f["sha256"] == file_sha256(f["path"])
    assert prov["command_line"] and prov["time"]
    if seeds is not None:
        assert prov["seeds"] == seeds


def test_every_demo_json_carries_provenance(tmp_path):
    """Issue 7 item 6: every JSON file of the demo (the torque section's and demo_summary.json)
    says where it came from, with the example files the section read and their hashes."""
    res = run_demo(tmp_path / "out", sections=("torque",), examples_dir=EXAMPLES, progress=None)
    found = sorted((tmp_path / "out").rglob("*.json"))
    assert {p.name for p in found} >= {"torque_table.json", "torque_curves.json", "demo_summary.json"}
    for p in found:
        assert_provenance(json.loads(p.read_text()))
    inputs = {Path(f["path"]).name for f in json.loads(Path(res["summary"]).read_text())["provenance"]["inputs"]}
    assert {f for _, f, *_ in TORQUE_ROWS} | {"py_nio_device.toml"} <= inputs
    summary = json.loads(Path(res["summary"]).read_text())
    assert summary["provenance"]["seeds"] == {"torque": {}}


def test_bad_inputs(tmp_path):
    with pytest.raises(SpinlossInputError, match="examples"):
        find_examples_dir(tmp_path / "missing")
    with pytest.raises(SpinlossInputError, match="lacks the example stacks"):
        find_examples_dir(tmp_path)
    with pytest.raises(SpinlossInputError, match="unknown demo section"):
        run_demo(tmp_path / "out", sections=("nonsense",), examples_dir=EXAMPLES, progress=None)


def test_default_examples_dir_found_from_package():
    assert find_examples_dir().resolve() == EXAMPLES.resolve()


def _cli(*args, cwd):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("SPINLOSS_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "spinloss", "demo", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def test_cli_demo_json(tmp_path):
    out = tmp_path / "cli-demo"
    proc = _cli("--output", out, "--json", "--sections", "torque", cwd=tmp_path)   # outside the repository
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    table = data["sections"]["torque"]["table"]
    assert {r["key"] for r in table} == EXPECTED_ROWS
    assert all(Path(p).is_file() for p in data["files"])
    assert proc.stderr == ""     # --json with stderr not a terminal: no progress lines for scripts
    assert data["provenance"]["version"] and data["provenance"]["command_line"]
    assert not (tmp_path / "cli-demo.partial").exists()   # the fresh folder replaced the old one


def test_cli_demo_human_and_bad_examples(tmp_path):
    proc = _cli("--output", tmp_path / "h", "--examples", EXAMPLES, "--sections", "torque", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Py/NiO" in proc.stdout and "torque_table.json" in proc.stdout
    bad = _cli("--output", tmp_path / "b", "--examples", tmp_path / "nowhere", "--sections", "torque", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("spinloss: error:") and "--examples" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_energy_section_json_carries_provenance(tmp_path, monkeypatch):
    """The energy section's JSON files (comparison, scaling, summary) name compare.toml and every
    design's device file with their hashes, and the search seed. The design searches (hours) are
    replaced by an empty comparison: this checks what is written, not the physics."""
    import spinloss.studies.energy as E
    from spinloss.cells.compare import ComparisonResult

    def no_search(comp, settings, progress=None):
        return ComparisonResult(comp.reference, {"write_error_rate": comp.targets.write_error_rate,
                                                 "thermal_stability": comp.targets.delta,
                                                 "temperature": comp.targets.temperature}, [], [], settings=settings)

    monkeypatch.setattr(E, "compare", no_search)
    monkeypatch.setattr(E, "scaling_study", lambda *a, **k: {"sizes": [], "designs": {}})
    monkeypatch.setattr(E, "report_sections", lambda *a, **k: [])
    monkeypatch.setattr(E.cell_plots, "plot_bars", lambda result, path: Path(path))
    res = E.energy_section(tmp_path, EXAMPLES, fast=True)
    found = sorted((tmp_path / "energy").glob("*.json"))
    assert {p.name for p in found} == {"comparison.json", "scaling.json", "energy_summary.json"}
    for p in found:
        assert_provenance(json.loads(p.read_text()), seeds={"seed": E.FAST.seed})
    names = {Path(i).name for i in res["inputs"]}
    assert {"compare.toml", "py_nio_cell.toml", "pt_cofeb_cell.toml"} <= names
