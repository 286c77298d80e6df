"""The probabilistic section of the headline study (issue 11 item 6): files, the table's keys and
units, the reading against the numbers, the hook for further tables, and ``spinloss demo
--sections probabilistic``.

Everything runs with :data:`TINY` settings (5 inputs x 4 devices x 150 ns per p-bit, 300 sweeps x
2 replicas of G1: a few seconds), far below the demo's FAST ones: the tests check the section's
plumbing and the relations between its numbers, not their demo-grade values.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from pbit_cli import run_inprocess
from report_units import header_unit, tables, unit_problems

from spinloss.device import Device
from spinloss.io import to_jsonable
from spinloss.report import write_demo_report
from spinloss.studies import DEFAULT_SECTIONS, DEMO_NOTE_TASKS, SECTIONS
from spinloss.studies import probabilistic as P

EX = Path(__file__).resolve().parents[1] / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TINY = P.ProbabilisticSettings(inputs=5, devices=4, duration=150e-9, sweeps=300, replicas=2, name="test")
#: Float round-off of a product or ratio of a few SI numbers (a few ulps, with room).
ROUND = 1e-12


@pytest.fixture(scope="module")
def section(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return P.probabilistic_section(out, EX, settings=TINY), out


@pytest.fixture(scope="module")
def rows(section):
    return {r["key"]: r for r in section[0]["table"]}


def test_registered_in_the_demo():
    assert "probabilistic" in SECTIONS and "probabilistic" in DEFAULT_SECTIONS
    assert "probabilistic" in DEMO_NOTE_TASKS
    # the demo runs the fast settings: fewer devices and a shorter run than the command's defaults
    from spinloss.pbits.calibration import DEFAULT_DEVICES

    assert P.FAST.devices <= DEFAULT_DEVICES and P.FAST.duration < 1e-6 and P.FAST.inputs % 2 == 1


def test_files_written(section):
    res, out = section
    for key in ("sigmoid_py_nio", "sigmoid_pt_py", "maxcut_convergence"):
        p = Path(res["files"][key])
        assert p.parent == out / "probabilistic" and p.read_bytes()[:8] == PNG_MAGIC, key
    data = json.loads(Path(res["files"]["probabilistic_table"]).read_text())
    assert data["settings"]["devices"] == TINY.devices
    part = data["parts"]["pbits"]
    assert [r["key"] for r in part["rows"]] == list(P.PBITS)
    assert set(part["calibrations"]) == set(P.PBITS) == set(part["maxcut"])
    # the JSON's rows are the table's (JSON floats round-trip exactly), in SI with their units listed
    assert part["rows"] == to_jsonable(res["table"])
    numeric = {k for r in part["rows"] for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    assert numeric <= set(part["units"])
    # no local absolute path for the graph
    assert all(m["graph"] == P.GRAPH for m in part["maxcut"].values())


def test_every_json_carries_provenance(section):
    """Issue 7 item 6: probabilistic.json and the workload's JSON name the files they read (the
    p-bits, the workload and its design results) with their hashes, and the seed."""
    from test_studies import assert_provenance

    res, out = section
    found = sorted((out / "probabilistic").rglob("*.json"))
    assert {p.name for p in found} >= {"probabilistic.json", "workload_resnet18.json"}
    for p in found:
        assert_provenance(json.loads(p.read_text()), seeds={"seed": TINY.seed})
    names = {Path(i).name for i in res["inputs"]}
    assert {f for f, _, _ in P.PBITS.values()} | {P.WORKLOAD, "py_nio_fast.json"} <= names


def test_table_has_the_keys_and_units(section):
    res, _ = section
    cols, scale = res["columns"], res["scale"]
    for key in ("sigmoid_width", "correlation_time", "flip_rate", "energy_per_random_bit", "energy_per_sample",
                "time_to_solution", "energy_to_solution"):
        assert key in cols and all(key in r for r in res["table"]), key
        assert header_unit(cols[key]) is not None, cols[key]
    # every header of a numeric column states a unit; display factors only for shown columns
    for key, header in cols.items():
        if any(isinstance(r.get(key), (int, float)) for r in res["table"]):
            assert header_unit(header) is not None, header
    assert set(scale) <= set(cols)
    # the unit each header states is the SI unit times its display factor
    from spinloss.units import unit_registry

    ureg = unit_registry()
    for key, factor in scale.items():
        shown = ureg.parse_units(header_unit(cols[key]).replace("^", "**"))
        si = ureg.parse_units(P.PBIT_UNITS[key].replace("^", "**"))
        assert (1 * si).to(shown).magnitude == pytest.approx(factor, rel=ROUND, abs=0), key


def test_numbers_are_consistent(section, rows):
    res, _ = section
    for r in rows.values():
        assert r["energy_per_random_bit"] == pytest.approx(r["drive_energy"] + r["read_energy"], rel=ROUND, abs=0)
        assert r["correlation_time"] > 0 and r["flip_rate"] > 0 and r["correlation_time_uncertainty"] > 0
        assert 0 < r["cut_fraction"] <= 1
    a, b = rows["py_nio"], rows["pt_py"]
    # the same Max-Cut run for both p-bits: the device sets only time and energy
    assert a["cut"] == b["cut"] and a["solution_sweep"] == b["solution_sweep"]
    assert res["checks"]["maxcut_same_run_for_both_pbits"] is True
    assert (a["time_to_solution"] / b["time_to_solution"]
            == pytest.approx(a["correlation_time"] / b["correlation_time"], rel=ROUND, abs=0))
    assert (a["energy_to_solution"] / b["energy_to_solution"]
            == pytest.approx(a["energy_per_random_bit"] / b["energy_per_random_bit"], rel=ROUND, abs=0))
    assert a["energy_ratio_to_reference"] == pytest.approx(a["energy_per_random_bit"] / b["energy_per_random_bit"],
                                                           rel=ROUND, abs=0)
    # a sample (one sweep of one replica of G1) is N p-bits for n_colours correlation times
    mc = json.loads(Path(res["files"]["probabilistic_table"]).read_text())["parts"]["pbits"]["maxcut"]["pt_py"]
    assert b["energy_per_sample"] == pytest.approx(mc["vertices"] * mc["colours"] * b["energy_per_random_bit"],
                                                   rel=ROUND, abs=0)
    # the J of each p-bit is in its torque's reference layer: the Py for spin loss, the Pt
    assert a["reference_layer"] == "Py" and b["reference_layer"] == "Pt"


def test_reading_names_the_cheaper_pbit(section, rows):
    res, _ = section
    cheap = min(rows.values(), key=lambda r: r["energy_per_random_bit"])
    dear = max(rows.values(), key=lambda r: r["energy_per_random_bit"])
    text = res["conclusion"]
    assert text.startswith(f"The {cheap['device']} costs less")
    assert res["checks"]["cheaper_pbit"] == cheap["key"]
    ratio = dear["energy_per_random_bit"] / cheap["energy_per_random_bit"]
    assert f"({ratio:.3g}x)" in text
    assert text.index(cheap["device"]) < text.index(dear["device"])
    # the reason it gives is the larger of the two ratios (drive or read)
    drive = dear["drive_energy"] / cheap["drive_energy"]
    read = dear["read_energy"] / cheap["read_energy"]
    assert ("the difference is the drive" in text) == (abs(math.log(drive)) >= abs(math.log(read)))
    # settings said to be fast, numbers demo-grade
    assert "Fast settings, demo-grade numbers" in res["statement"]


def test_reading_follows_the_numbers_when_they_swap():
    base = {"drive_current": 1e-4, "channel_resistance": 100.0, "damping_like_efficiency": 0.01,
            "reference_layer": "Py", "read_power": 5e-7, "correlation_time": 5e-9, "read_energy": 2.5e-15,
            "energy_to_solution": None}
    a = {**base, "device": "A", "drive_energy": 1e-15, "energy_per_random_bit": 3.5e-15}
    b = {**base, "device": "B", "drive_energy": 50e-15, "energy_per_random_bit": 52.5e-15}
    assert P.reading([b, a]).startswith("The A costs less: 3.5 fJ per random bit against 52.5 fJ for the B (15x)")
    a2, b2 = {**a, "energy_per_random_bit": 60e-15, "drive_energy": 57.5e-15}, b
    assert P.reading([a2, b2]).startswith("The B costs less")
    assert "no comparison" in P.reading([{**a, "energy_per_random_bit": None}, b]).lower()


def test_report_shows_the_section_with_units(section, tmp_path):
    res, _ = section
    text = write_demo_report(tmp_path, {"probabilistic": res}).read_text()
    assert unit_problems(text) == []
    assert res["title"] in text and res["conclusion"].split(":")[0] in text
    t = tables(text)[0]
    j = t["headers"].index(res["columns"]["energy_per_random_bit"])
    assert header_unit(t["headers"][j]) == "fJ"
    for i, r in enumerate(res["table"]):
        assert float(t["rows"][i][j]) == pytest.approx(r["energy_per_random_bit"] * 1e15, rel=1e-3, abs=0)
    # the two sigmoids and the Max-Cut convergence are embedded
    assert len(re.findall(r'src="data:image/png;base64,', text)) == 3


def test_a_further_part_is_rendered_as_its_own_table(tmp_path, monkeypatch):
    """The hook for the AI-memory half: one more entry in PARTS gives one more table in the section's
    result (``more_sections``), in its JSON and in the report, with its own figure."""
    from spinloss.plots import new_figure, save

    def part(key, title, column, value):
        def build(context):
            fig, ax = new_figure(3, 2)
            png = save(fig, context["out"] / f"{key}.png")
            return {"key": key, "title": title, "table": [{"key": key, "name": key, column: value}],
                    "columns": {"name": "name", column: f"{column} (nJ)"}, "scale": {column: 1e9},
                    "files": {key: str(png)}, "checks": {}, "data": {"value": value},
                    "text": {"statement": f"{key} settings", "conclusion": f"{key} reading"}}
        return build

    monkeypatch.setattr(P, "PARTS", [part("first", "First", "e", 2e-9), part("memory", "Memory", "e_inf", 3e-9)])
    res = P.probabilistic_section(tmp_path, EX, settings=TINY)
    assert res["table"][0]["key"] == "first" and res["conclusion"] == "first reading"
    (extra,) = res["more_sections"]
    assert extra["title"] == "Memory" and extra["table"][0]["e_inf"] == 3e-9 and "summary" not in extra
    data = json.loads(Path(res["files"]["probabilistic_table"]).read_text())
    assert set(data["parts"]) == {"first", "memory"}
    text = write_demo_report(tmp_path, {"probabilistic": res}).read_text()
    assert unit_problems(text) == []
    heads = [t["headers"] for t in tables(text)]
    assert ["name", "e (nJ)"] in heads and ["name", "e_inf (nJ)"] in heads
    assert float(tables(text)[1]["rows"][0][1]) == pytest.approx(3.0, rel=1e-9, abs=0)
    assert "<h2" in text.split("e_inf (nJ)")[0].split("e (nJ)")[1]        # its own section
    # each figure once, in its own section
    assert len(re.findall(r'src="data:image/png;base64,', text)) == 2


def test_the_pbits_read_numbers_are_the_cells_mtj():
    from spinloss.cells.cell import mtj_read_numbers, parse_readout

    for fname, _, _ in P.PBITS.values():
        dev = Device.from_toml(EX / "pbit" / fname)
        ro = parse_readout(dev)
        assert mtj_read_numbers(dev) == {"read_voltage": ro.read_voltage, "resistance_area": ro.resistance_area,
                                         "tmr": ro.tmr}


def test_missing_example_pbits_is_an_input_error(tmp_path):
    from spinloss.errors import SpinlossInputError

    with pytest.raises(SpinlossInputError, match="lacks the example p-bits"):
        P.probabilistic_section(tmp_path, tmp_path, settings=TINY)


def test_demo_command_runs_the_section(tmp_path, capsys, monkeypatch):
    """``spinloss demo --sections probabilistic`` (in this process, with the TINY settings in place
    of FAST): the table and reading on stdout, the section's notes on stderr, the report."""
    monkeypatch.setattr(P, "FAST", TINY)
    monkeypatch.setattr(P, "PARTS", [P.pbit_part])  # the memory part runs in the module fixture
    out = tmp_path / "demo"
    r = run_inprocess(capsys, "demo", "--sections", "probabilistic", "--output", out)
    assert "Probabilistic computing" in r.stdout and "E per random bit (fJ)" in r.stdout
    assert "costs less" in r.stdout
    assert "calibrating the Py/NiO spin-loss p-bit" in r.stderr and "Max-Cut on G1" in r.stderr
    report = (out / "report.html").read_text()
    assert unit_problems(report) == []
    summary = json.loads((out / "demo_summary.json").read_text())
    files = summary["sections"]["probabilistic"]["files"]
    assert all(Path(f).is_file() and Path(f).is_relative_to(out) for f in files.values())
    bad = run_inprocess(capsys, "demo", "--sections", "probabilistic,nope", "--output", tmp_path / "d2", ok=(2,))
    assert "nope" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def _chromium():
    import shutil

    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


@pytest.mark.skipif(_chromium() is None, reason="Chromium not installed (apt-get install -y chromium)")
def test_section_renders_in_headless_chromium(section, tmp_path):
    import html
    import subprocess

    res, _ = section
    path = write_demo_report(tmp_path, {"probabilistic": res})
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'p'}",
           "--dump-dom", path.as_uri()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr[-2000:]
    dom = p.stdout
    assert f">{html.escape(res['title'])}</h2>" in dom and dom.count("<img") == 3
    for r in res["table"]:
        assert f">{html.escape(r['device'])}</td>" in dom
    assert unit_problems(dom) == []


def test_the_memory_part_gives_energy_per_inference_per_technology(section):
    """Part 2 (issue 11 items 5-6): the ResNet-18 workload in each memory technology, in SI with
    units, the reference (SRAM) at 0 % change, and the reading's winner the row of least power."""
    res, out = section
    (mem,) = [m for m in res["more_sections"] if m["title"].startswith("AI memory")]
    rows = mem["table"]
    names = [r["technology"] for r in rows]
    assert names == ["SOT-MRAM spin loss (Py/NiO)", "SOT-MRAM heavy metal (Pt/CoFeB)", "STT-MRAM", "SRAM"]
    ref = rows[names.index("SRAM")]
    assert ref["change_vs_reference"] == 0.0
    for r in rows:
        assert r["inference_energy"] > r["read_energy"] > 0 and 0 < r["memory_share"] < 1
    data = json.loads(Path(res["files"]["probabilistic_table"]).read_text())["parts"]["memory"]
    assert set(P.MEMORY_SCALE) <= set(data["units"]) and data["rows"] == to_jsonable(rows)
    least = min(rows, key=lambda r: r["average_power"])["technology"]
    assert f"least energy per 1 s duty period: {least}" in mem["conclusion"]
    assert Path(res["files"]["workload_resnet18"]).is_file()
