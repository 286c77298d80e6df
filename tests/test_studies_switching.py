"""The switching section of the headline study: files and the physics claims in its data."""

import json
from pathlib import Path

import pytest

from spinloss.studies.switching import switching_section

EX = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def section(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return switching_section(out, EX, progress=None, trials=24), out


def test_files_written(section):
    res, out = section
    for key in ("switching_probability", "pulse_sequences", "switching_table"):
        p = Path(res["files"][key])
        assert p.exists() and p.stat().st_size > 0
    data = json.loads(Path(res["files"]["switching_table"]).read_text())
    assert {r["key"] for r in data["rows"]} == {"py_nio", "py_sio2", "pt_py"}


def test_claims(section):
    res, _ = section
    rows = {r["key"]: r for r in res["table"]}
    # the no-sink control has no torque: no threshold, never switches
    assert rows["py_sio2"]["jc_t0"] is None and rows["py_sio2"]["reason"]
    assert res["checks"]["no_sink_probability_max"] == 0.0
    # thermal activation lowers the 5 ns threshold at 300 K below the T = 0 one
    for k in ("py_nio", "pt_py"):
        assert 0 < rows[k]["j50_300K"] < abs(rows[k]["jc_t0"])
    # pulse trains: the state after each pulse follows the sign of the pulse (Fig. 5d)
    assert res["checks"]["sequence_states_follow_pulse_signs"]
    # energy at J_50 is I^2 R t of the device channel
    assert rows["pt_py"]["energy_ratio_to_pt_py"] == pytest.approx(1.0)


def test_report_of_the_section_states_units(section, tmp_path):
    """The section in the HTML report: the energy at J_50 shown in the fJ its header states."""
    from report_units import header_unit, tables, unit_problems

    from spinloss.report import write_demo_report

    res, _ = section
    text = write_demo_report(tmp_path, {"switching": res}).read_text()
    assert unit_problems(text) == []
    t = tables(text)[0]
    j = t["headers"].index(res["columns"]["energy_at_j50"])
    assert header_unit(t["headers"][j]) == "fJ"
    row = next(r for r in res["table"] if r["energy_at_j50"])
    i = [r["device"] for r in res["table"]].index(row["device"])
    assert float(t["rows"][i][j]) == pytest.approx(row["energy_at_j50"] * 1e15, rel=1e-3, abs=0)


def test_json_carries_provenance(section):
    """Issue 7 item 6: the section's JSON names the device files it read (with their hashes) and
    its seed."""
    from test_studies import assert_provenance

    res, out = section
    found = sorted(Path(out).rglob("*.json"))
    assert found
    for p in found:
        assert_provenance(json.loads(p.read_text()), seeds={"seed": 0})
    names = {Path(f["path"]).name for f in json.loads(Path(res["files"]["switching_table"]).read_text())
             ["provenance"]["inputs"]}
    assert names == {"py_nio_device.toml", "py_sio2_device.toml", "pt_py_device.toml"}
    assert res["seeds"] == {"seed": 0} and len(res["inputs"]) == 3
