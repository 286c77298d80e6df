"""``spinloss array`` and ``spinloss workload`` as subprocesses: one strict JSON object with SI keys,
the same figures as the Python API, and bad input as one line with exit code 2 (docs/memory.md
section 8). Small capacities keep the organisation searches short."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spinloss.arrays import ArrayOptions, design_array, sram_6t, technology

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
STT_DESIGN = EXAMPLES / "designs" / "stt_mtj_fast.json"


def run(*args, cwd=ROOT):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("SPINLOSS_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "spinloss", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)


def one_object(text: str) -> dict:
    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    data = json.loads(text, parse_constant=no_constants)
    assert isinstance(data, dict)
    return data


def assert_input_error(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("spinloss: error: "), err
    for f in fragments:
        assert f in err, (f, err)


def test_array_sram_json_matches_the_api():
    proc = run("array", "sram", "--capacity", "64KB", "--json")
    assert proc.returncode == 0, proc.stderr
    d = one_object(proc.stdout)
    for key in ("area", "read_latency", "write_latency", "read_energy", "write_energy", "leakage",
                "standby_leakage", "area_efficiency", "organisation", "cell", "units", "provenance"):
        assert key in d
    assert d["units"]["read_energy"] == "J" and d["units"]["area"] == "m^2" and d["units"]["leakage"] == "W"
    assert d["capacity_bits"] == 64 * 1024 * 8 and d["word_bits"] == 64 and d["options"]["routing"] == "bus"
    # every number in the object has its unit under its last key (the result protocol)
    from spinloss.io import flatten_numeric, unit_of

    missing = [k for k in flatten_numeric(d) if unit_of(k, d["units"]) is None]
    assert not missing, missing
    tech = technology("22nm", 350.0)
    api = design_array(sram_6t(tech), tech, ArrayOptions(capacity_bits=64 * 1024 * 8, routing="bus"))
    assert d["read_energy"] == pytest.approx(api.read_energy, rel=1e-12, abs=0)
    assert d["area"] == pytest.approx(api.area, rel=1e-12, abs=0)


def test_array_conventions_option_matches_the_api():
    """--conventions nvsim runs the model under NVSim's conventions (docs/memory.md section 6): the same
    figures as the API with conventions="nvsim", and the JSON names them."""
    proc = run("array", "sram", "--capacity", "64KB", "--conventions", "nvsim", "--json")
    assert proc.returncode == 0, proc.stderr
    d = one_object(proc.stdout)
    assert d["options"]["conventions"]["name"] == "nvsim"
    assert all(v for k, v in d["options"]["conventions"].items() if k != "name")
    tech = technology("22nm", 350.0)
    api = design_array(sram_6t(tech), tech, ArrayOptions(capacity_bits=64 * 1024 * 8, routing="bus",
                                                         conventions="nvsim"))
    assert d["write_latency"] == pytest.approx(api.write_latency, rel=1e-12, abs=0)
    assert d["read_energy"] == pytest.approx(api.read_energy, rel=1e-12, abs=0)
    own = run("array", "sram", "--capacity", "64KB", "--json")
    assert one_object(own.stdout)["options"]["conventions"]["name"] == "spinloss"


def test_array_from_a_design_json_is_an_htree_mram():
    proc = run("array", STT_DESIGN, "--capacity", "64KB", "--json")
    assert proc.returncode == 0, proc.stderr
    d = one_object(proc.stdout)
    assert d["cell"]["kind"] == "stt" and d["options"]["routing"] == "htree"
    assert d["standby_leakage"] == 0.0
    assert d["write_latency"] > d["cell"]["write_time"]
    assert d["provenance"]["inputs"]


def test_array_table_output():
    proc = run("array", "sram", "--capacity", "64KB")
    assert proc.returncode == 0, proc.stderr
    assert "read energy per access" in proc.stdout and "organisation:" in proc.stdout


def test_array_memory_cell_file(tmp_path):
    p = tmp_path / "cell.toml"
    p.write_text('name = "my STT"\n[memory_cell]\nkind = "stt"\narea_f2 = 20\naccess_width_f = 4\n'
                 'resistance_on = "4 kohm"\ntmr = 1.5\nread_voltage = "0.1 V"\nwrite_current = "50 uA"\n'
                 'write_time = "5 ns"\nwrite_energy = "0.3 pJ"\n')
    proc = run("array", p, "--capacity", "64KB", "--json")
    assert proc.returncode == 0, proc.stderr
    d = one_object(proc.stdout)
    assert d["cell"]["name"] == "my STT" and d["cell"]["resistance_off"] == pytest.approx(1e4, rel=1e-12, abs=0)


@pytest.mark.parametrize("args, fragments", [
    (("array", "sram", "--capacity", "3MB"), ("--capacity", "power of two")),
    (("array", "sram", "--node", "7nm"), ("--node", "unknown node")),
    (("array", "sram", "--word", "48"), ("--word",)),
    (("array", "sram", "--temperature", "500 K"), ("--temperature", "300-400 K")),
    (("array", "sram", "--target", "speed"), ("--target",)),
    (("array", "missing.json"), ("missing.json", "file not found")),
    (("array", "sram", "--routing", "ring"), ("--routing",)),
    (("array", "sram", "--conventions", "cacti"), ("--conventions", "spinloss, nvsim")),
    (("workload", "missing.toml"), ("missing.toml", "file not found")),
    (("array", EXAMPLES / "stt_mtj_cell.toml", "--target-wer", "2"), ("--target-wer", "between 0 and 0.5")),
    (("array", EXAMPLES / "stt_mtj_cell.toml", "--retention", "1 ps"), ("--retention",)),
    (("array", EXAMPLES / "stt_mtj_cell.toml", "--fast", "--full"), ("--fast/--full",)),
])
def test_bad_input_is_one_line_exit_2(args, fragments):
    assert_input_error(run(*args), *fragments)


def test_bad_design_json_is_one_line_exit_2(tmp_path):
    d = json.loads(STT_DESIGN.read_text())
    d["meets_targets"] = False
    d["reason"] = "for the test"
    p = tmp_path / "failed.json"
    p.write_text(json.dumps(d))
    assert_input_error(run("array", p), "does not meet its targets")
    q = tmp_path / "broken.json"
    q.write_text("{not json")
    assert_input_error(run("array", q), "not a JSON file")


def test_bad_workload_key_is_one_line_exit_2(tmp_path):
    text = (EXAMPLES / "workload_transformer.toml").read_text().replace("[compute]", "[compute]\nvolts = 1", 1)
    p = tmp_path / "w.toml"
    p.write_text(text)
    assert_input_error(run("workload", p), "compute.volts", "unknown key")


def test_workload_json(tmp_path):
    """A reduced copy of the example (64 KB macros, two technologies): one JSON object with every
    technology's inference, update and duty-cycle figures and the units table."""
    text = (EXAMPLES / "workload_transformer.toml").read_text().replace('capacity = "2 MB"', 'capacity = "256 KB"')
    keep = text.split("[[technologies]]")
    text = keep[0] + "[[technologies]]" + keep[3] + "[[technologies]]" + keep[4]       # STT and SRAM
    text = text.replace('design = "designs/', f'design = "{EXAMPLES / "designs"}/')
    p = tmp_path / "w.toml"
    p.write_text(text)
    proc = run("workload", p, "--json")
    assert proc.returncode == 0, proc.stderr
    d = one_object(proc.stdout)
    assert [t["name"] for t in d["technologies"]] == ["STT-MRAM", "SRAM"]
    assert d["network"]["parameters"] == 4_385_920
    for t in d["technologies"]:
        assert {"inference", "update", "duty_cycle", "system", "array", "macros"} <= set(t)
        assert t["duty_cycle"]["energy_per_period"] > 0
    assert d["units"]["energy_per_period"] == "J" and d["units"]["average_power"] == "W"
    from spinloss.io import flatten_numeric, unit_of

    missing = [k for k in flatten_numeric(d) if unit_of(k, d["units"]) is None]
    assert not missing, missing
    assert d["technologies"][0]["duty_cycle"]["standby_strategy"] == "power_off"
