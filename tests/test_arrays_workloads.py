"""Networks, cells from design results and the workload accounting (docs/memory.md sections 4, 5)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from spinloss.arrays import KNOWN, bert_tiny, cell_from_design, load_workload, parse_capacity, resnet18, run_workload
from spinloss.arrays import technology
from spinloss.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TECH = technology("22nm", 350.0)


# ----------------------------------------------------------------------------- networks

def test_resnet18_has_the_published_parameter_count():
    """torchvision's ResNet-18 has exactly 11,689,512 parameters (weights, biases, batch-norm scale
    and shift): the layer shapes computed here must give the same integer."""
    assert resnet18().parameters == KNOWN["resnet18"]["parameters"] == 11_689_512


def test_resnet18_macs_match_the_published_figure():
    """1.81 GMAC at 224 x 224 (torchvision's 1.81 'GFLOPS'): published to three digits, so the
    tolerance is the rounding, 0.005e9 / 1.81e9 = 0.3 %."""
    assert resnet18().macs == pytest.approx(1.81e9, rel=0.005 / 1.81, abs=0)


def test_bert_tiny_has_the_published_parameter_count():
    """BERT-Tiny: 4.4 M parameters on its model card, two digits: tolerance 0.05e6 / 4.4e6 = 1.1 %."""
    n = bert_tiny()
    assert n.parameters == pytest.approx(4.4e6, rel=0.05 / 4.4, abs=0)
    # the word embeddings are most of it, and an inference reads only its tokens' rows of them
    word = next(x for x in n.layers if x.name == "embeddings.word")
    assert word.parameters == 30522 * 128 and word.parameters_read == 128 * 128
    assert n.parameters_read < 0.15 * n.parameters


def test_transformer_macs_closed_form():
    """Per layer 4 s d^2 (projections) + 2 s^2 d (attention) + 2 s d d_ff (feed-forward), plus the
    pooler d^2."""
    n = bert_tiny(sequence_length=64)
    s, d, f = 64, 128, 512
    assert n.macs == 2 * (4 * s * d * d + 2 * s * s * d + 2 * s * d * f) + d * d


# ----------------------------------------------------------------------------- units and cells

@pytest.mark.parametrize("text, bits", [("2MB", 2 * 8 * 2 ** 20), ("2 MB", 2 * 8 * 2 ** 20), ("512KB", 512 * 8 * 1024),
                                        ("16Mb", 16 * 2 ** 20), ("1 GiB", 8 * 2 ** 30), (4096, 4096)])
def test_parse_capacity(text, bits):
    assert parse_capacity(text) == bits


@pytest.mark.parametrize("text", ["3MB", "2 MiQ", "", "0.5 b", True, 12.0, "32 b"])
def test_parse_capacity_refuses(text):
    with pytest.raises(ConfigError):
        parse_capacity(text)


def test_cell_from_design_maps_the_design_result():
    """Write current and time as designed, the cell's write energy = supply - the design's bit-line
    term, R_P = V_read / I_read, R_AP = R_P (1 + TMR)."""
    d = json.loads((EXAMPLES / "designs" / "stt_mtj_fast.json").read_text())
    c = cell_from_design(d, TECH)
    ro = d["cell"]["details"]["readout"]
    assert c.kind == "stt"
    assert c.write_current == d["write_current"] and c.write_time == d["write_latency"]
    assert c.write_energy == pytest.approx(d["supply_energy"] - d["peripheral_energy"], rel=1e-12, abs=0)
    assert c.resistance_on == pytest.approx(ro["read_voltage"] / d["cell"]["read_current"], rel=1e-12, abs=0)
    assert c.resistance_off == pytest.approx(c.resistance_on * (1 + ro["tmr"]), rel=1e-12, abs=0)
    sot = cell_from_design(json.loads((EXAMPLES / "designs" / "pt_cofeb_fast.json").read_text()), TECH)
    assert sot.kind == "sot" and sot.details["category"] == "heavy_metal_sot"


def test_cell_from_design_refuses_a_failed_design():
    d = json.loads((EXAMPLES / "designs" / "stt_mtj_fast.json").read_text())
    d["meets_targets"] = False
    d["reason"] = "test"
    with pytest.raises(ConfigError, match="does not meet its targets"):
        cell_from_design(d, TECH)
    with pytest.raises(ConfigError, match="not a design result"):
        cell_from_design({"name": "x"}, TECH)


# ----------------------------------------------------------------------------- workloads

SMALL = """
name = "tiny"
precision_bits = 8
reference = "SRAM"
[network]
name = "transformer"
layers = 1
d_model = 64
heads = 2
d_ff = 128
vocab = 512
max_positions = 64
sequence_length = 16
[array]
capacity = "64 KB"
[compute]
energy_per_mac = "0.1 pJ"
macs_per_second = 1e9
[duty_cycle]
inference_period = "10 ms"
update_period = "1 s"
[[technologies]]
name = "SRAM"
cell = {kind = "sram"}
[[technologies]]
name = "STT"
[technologies.cell]
kind = "stt"
area_f2 = 14
aspect_ratio = 1.46
access_width_f = 6
resistance_on = 3000.0
tmr = 1.0
read_voltage = 0.08
write_current = 80e-6
write_time = "2 ns"
write_energy = "0.6 pJ"
"""


@pytest.fixture(scope="module")
def small_result(tmp_path_factory):
    p = tmp_path_factory.mktemp("wl") / "w.toml"
    p.write_text(SMALL)
    work = load_workload(p)
    return work, run_workload(work).to_json()


def test_workload_accounting_identities(small_result):
    work, r = small_result
    net = work.network
    bits = net.parameters * 8
    for t in r["technologies"]:
        inf, duty = t["inference"], t["duty_cycle"]
        assert t["macros"] == math.ceil(bits / work.capacity_bits)
        assert inf["reads"] == math.ceil(net.parameters_read * 8 / 64)
        assert inf["read_energy"] == pytest.approx(inf["reads"] * t["array"]["read_energy"], rel=1e-12, abs=0)
        assert inf["compute_energy"] == pytest.approx(net.macs * 0.1e-12, rel=1e-12, abs=0)
        assert inf["time"] == max(inf["memory_time"], inf["compute_time"])
        assert inf["energy"] == pytest.approx(inf["read_energy"] + inf["leakage_energy"] + inf["compute_energy"],
                                              rel=1e-12, abs=0)
        assert duty["energy_per_period"] == pytest.approx(
            inf["energy"] + duty["standby_energy"] + t["update"]["energy"] * 10e-3 / 1.0, rel=1e-12, abs=0)
        assert duty["average_power"] == pytest.approx(duty["energy_per_period"] / 10e-3, rel=1e-12, abs=0)
    sram, stt = r["technologies"]
    # non-volatile: switched off between inferences and during the compute; SRAM keeps or reloads
    assert stt["duty_cycle"]["standby_energy"] == 0.0 and stt["inference"]["idle_leakage_energy"] == 0.0
    assert sram["duty_cycle"]["standby_energy"] == min(sram["duty_cycle"]["retain_energy"],
                                                       sram["duty_cycle"]["reload_energy"])
    assert sram["system"]["change_vs_reference"] == 0.0
    assert stt["system"]["ratio_to_reference"] == pytest.approx(
        stt["duty_cycle"]["energy_per_period"] / sram["duty_cycle"]["energy_per_period"], rel=1e-12, abs=0)


def test_workload_statements_name_the_least_energy(small_result):
    _, r = small_result
    assert any(s.startswith("least energy per inference") for s in r["statements"])


def bad(tmp_path, text):
    p = tmp_path / "w.toml"
    p.write_text(text)
    return p


@pytest.mark.parametrize("edit, match", [
    (("precision_bits = 8", "precision_bits = 8\ncolour = 1"), "colour: unknown key"),
    (('name = "transformer"', 'name = "vgg"'), "network.name: must be one of"),
    (("heads = 2", "heads = 3"), "network.heads: must divide d_model"),
    (('capacity = "64 KB"', 'capacity = "60 KB"'), "array.capacity"),
    (('reference = "SRAM"', 'reference = "DRAM"'), "reference"),
    (('name = "STT"', 'name = "SRAM"'), "given twice"),
    (('inference_period = "10 ms"', 'inference_period = "-1 s"'), "inference_period: must be"),
    (('cell = {kind = "sram"}', 'design = "nothing.json"'), "file not found"),
    (('cell = {kind = "sram"}', 'cell = {kind = "dram"}'), "kind: must be one of"),
    (('tmr = 1.0', 'tmr = 1.0\nread_mode = "magic"'), "read_mode"),
    (('write_current = 80e-6', 'write_current = "80 V"'), "write_current"),
    (('cell = {kind = "sram"}', f'device = "{Path(__file__).resolve().parents[1] / "examples" / "stt_mtj_cell.toml"}"'
      '\ntarget_wer = 0.9'), r"technologies\[0\]\.target_wer: must be between"),
])
def test_bad_workload_files_are_one_line_input_errors(tmp_path, edit, match):
    p = bad(tmp_path, SMALL.replace(*edit, 1))
    with pytest.raises(ConfigError, match=match):
        work = load_workload(p)
        run_workload(work)


def test_period_shorter_than_an_inference_is_refused(tmp_path):
    p = bad(tmp_path, SMALL.replace('inference_period = "10 ms"', 'inference_period = "1 ns"'))
    with pytest.raises(ConfigError, match="shorter than one inference"):
        run_workload(load_workload(p))
