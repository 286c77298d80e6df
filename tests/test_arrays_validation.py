"""The array model against the NVMExplorer table (2 MB, 22 nm; docs/memory.md section 6).

The reference (tests/data/nvmexplorer_2mb_22nm.toml, with its source) gives, for the STT-MRAM best and
worst cells and the 6T SRAM, area, read and write latency, read and write energy per access and
leakage. Each test builds the array from the same cell parameters and the same settings (node,
temperature, word, routing, sensing, buffer design, read-latency target) and runs the organisation
search; nothing of the reference enters the model.

Tolerance: 25 %, the acceptance band of issue 11 (item 5) for an independent implementation of an
NVSim-like model. The two models share the roadmap devices and wires but not their circuits, their
accounting or their search, and the optimum of a flat latency landscape can fall on a different
organisation; NVSim's own validation against fabricated arrays (Dong et al., TCAD 2012, Table V) shows
errors of this size.

Quantities that the model does not reach within 25 % are listed in :data:`KNOWN_MISSES` with the
reason (the same text as docs/memory.md); their tests report the measured figure as an expected
failure, and fail if the figure comes within 25 % (the documentation would then be stale).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from spinloss.arrays import ArrayOptions, cell_from_table, design_array, technology

DATA = Path(__file__).parent / "data" / "nvmexplorer_2mb_22nm.toml"
QUANTITIES = ("area", "read_latency", "write_latency", "read_energy", "write_energy", "leakage")
CELLS = ("stt_best", "stt_worst", "sram")
#: Acceptance band (issue 11, item 5).
TOLERANCE = 0.25

#: (cell, quantity) -> why the model does not reach the reference within 25 % (docs/memory.md section 6).
KNOWN_MISSES: dict = {
    ("stt_worst", "leakage"): "the per-column buffer (150 nW/column) is most of it; the read-latency optimum "
                              "uses 64-row subarrays (262k columns), the reference's figure corresponds to "
                              "128-row ones, which are 1.5 % slower here and leak 24.5 mW",
    ("stt_worst", "read_energy"): "the H-tree is 91 % of it; its wires are charged over about W + H of the bank "
                                  "(a bar across both halves' centres at every level), NVSim's BankWithHtree over "
                                  "W + H/2; with NVSim's lengths spinloss reads 8.6 pJ, but the shorter segments, "
                                  "timed as 50 % points of unrepeated lines (0.377 rcL^2; NVSim 1.15 rcL^2), make "
                                  "the read 0.61 ns (ratio 0.69) and move the best cell's energy to 0.72",
    ("sram", "write_latency"): "NVSim sets an SRAM subarray's write latency equal to its read latency "
                               "(SubArray.cpp: symmetric read/write) and adds the cell-driven global bit-line "
                               "delay to the bank's write; spinloss times the write path (edge driver pulling "
                               "the global and local lines while the word line opens, then the cell flips)",
    ("sram", "read_energy"): "the optimum here reads one 64-column subarray (4.2 pJ, mostly the address bus); "
                             "the reference's 36.8 pJ read against 6.6 pJ write is the signature of many open "
                             "subarrays reading one bit each with every column of their open rows discharging: such an "
                             "organisation here (64 active 256 x 128 subarrays, mux 128) reads 31.5 pJ and is "
                             "21 % slower than our optimum",
    ("sram", "leakage"): "the cells leak 37.2 mW; the rest is mostly the per-column buffers of 64-row subarrays, "
                         "where the reference's figure corresponds to 256-row subarrays, 3.7 % slower here "
                         "(50.3 mW)",
}


@pytest.fixture(scope="module")
def reference():
    return tomllib.loads(DATA.read_text())


@pytest.fixture(scope="module")
def arrays(reference):
    s = reference["settings"]
    tech = technology(s["node"], s["temperature"])
    out = {}
    for name in CELLS:
        cell = cell_from_table(dict(reference["cells"][name]), tech, source=str(DATA), prefix=f"cells.{name}")
        opts = ArrayOptions(capacity_bits=s["capacity_bits"], word_bits=s["word_bits"],
                            routing="bus" if cell.kind == "sram" else "htree", target=s["target"])
        out[name] = design_array(cell, tech, opts)
    return out


@pytest.mark.parametrize("quantity", QUANTITIES)
@pytest.mark.parametrize("cell", CELLS)
def test_against_nvmexplorer(arrays, reference, cell, quantity):
    ours = getattr(arrays[cell], quantity)
    ref = reference["figures"][cell][quantity]
    ratio = ours / ref
    report = f"{cell} {quantity}: spinloss {ours:.4g}, NVMExplorer {ref:.4g} (ratio {ratio:.3f})"
    within = abs(ratio - 1) <= TOLERANCE
    if (cell, quantity) in KNOWN_MISSES:
        assert not within, f"{report} is now within 25 %: remove it from KNOWN_MISSES and update docs/memory.md"
        pytest.xfail(f"{report}; {KNOWN_MISSES[(cell, quantity)]}")
    assert within, report


def test_reference_cells_use_the_published_settings(reference):
    """The reference file holds what the issue's table states (2 MB, 22 nm, 64-bit words, 350 K)."""
    s = reference["settings"]
    assert (s["capacity_bits"], s["word_bits"], s["node"], s["temperature"]) == (2 * 8 * 2 ** 20, 64, "22nm", 350.0)


def fastest_with_rows(cell, tech, opts, rows):
    """The fastest organisation whose subarrays have ``rows`` rows (the search restricted)."""
    from spinloss.arrays.model import bank_figures, organisations

    cache, best = {}, None
    for org in organisations(opts):
        if org.rows != rows:
            continue
        b = bank_figures(cell, tech, org, opts, cache)
        if b is not None and (best is None or b["read_latency"] < best["read_latency"]):
            best = b
    return best


def test_the_leakage_misses_sit_on_a_flat_latency_landscape(arrays, reference):
    """The claim of docs/memory.md section 6: for the worst STT cell the fastest 128-row organisation is
    within 2 % of the optimum's read latency and leaks within 25 % of the reference; for the SRAM the
    fastest 256-row organisation is within 5 %. (2 % and 5 % bound the measured 1.5 % and 3.7 %.)"""
    s = reference["settings"]
    tech = technology(s["node"], s["temperature"])
    for name, rows, slack in (("stt_worst", 128, 0.02), ("sram", 256, 0.05)):
        opt = arrays[name]
        b = fastest_with_rows(opt.cell, tech, opt.options, rows)
        assert b["read_latency"] <= opt.read_latency * (1 + slack)
        assert abs(b["leakage"] / reference["figures"][name]["leakage"] - 1) <= TOLERANCE


def test_the_sram_energy_miss_has_the_signature_of_many_one_bit_subarrays(reference):
    """The claim of docs/memory.md section 6 on the SRAM read energy: an organisation that opens 64
    subarrays of 256 x 128 cells, each reading one bit through a 128:1 multiplexer, reads within 25 % of
    the reference's energy, latency and leakage here, while its write energy is over twice the
    reference's (NVSim's bank without H-tree charges 64/32 = 2 of the 64 written global bit lines of
    such an organisation, BankWithoutHtree.cpp). 25 % is the validation band; 2x bounds the measured 3.0x."""
    from spinloss.arrays import Organisation, evaluate

    s = reference["settings"]
    tech = technology(s["node"], s["temperature"])
    cell = cell_from_table(dict(reference["cells"]["sram"]), tech, source=str(DATA), prefix="cells.sram")
    opts = ArrayOptions(capacity_bits=s["capacity_bits"], word_bits=s["word_bits"], routing="bus")
    org = Organisation(mat_rows=8, mat_cols=32, active_mat_rows=1, active_mat_cols=32, sub_rows=1, sub_cols=2,
                       active_sub_rows=1, active_sub_cols=2, rows=256, columns=128, mux=128, output_mux=1)
    r = evaluate(cell, tech, org, opts)
    ref = reference["figures"]["sram"]
    for q in ("read_energy", "read_latency", "leakage"):
        assert abs(getattr(r, q) / ref[q] - 1) <= TOLERANCE, q
    assert r.write_energy > 2 * ref["write_energy"]
