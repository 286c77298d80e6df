"""The array model against the NVMExplorer table (2 MB, 22 nm; docs/memory.md section 6).

The reference (tests/data/nvmexplorer_2mb_22nm.toml, with its source) gives, for the STT-MRAM best and
worst cells and the 6T SRAM, area, read and write latency, read and write energy per access and
leakage. Each test builds the array from the same cell parameters and the same settings (node,
temperature, word, routing, sensing, buffer design, read-latency target) and runs the organisation
search; nothing of the reference's figures enters the model.

Two tables. Under NVSim's modelling conventions (``conventions="nvsim"``: each switch of
:class:`~spinloss.arrays.model.Conventions` one stated assumption of NVSim's source, the tool behind
NVMExplorer) the comparison is like with like, and every figure must be within 25 %, the acceptance
band of issue 11 (item 5), except those in :data:`KNOWN_MISSES_NVSIM`. Under this package's own
conventions (the default) the figures are reported: those outside 25 % are in :data:`KNOWN_MISSES`
with the reason. A known miss is an expected failure that prints the figure, and fails if the
figure comes within 25 % (the documentation would then be stale). The tests at the end check that
each convention switch does what it says.

Tolerance: 25 %, the band of issue 11 for an independent implementation of an NVSim-like model (the
two share the roadmap devices and wires, not their circuits; NVSim's own validation against
fabricated arrays, Dong et al., TCAD 2012, Table V, shows errors of this size).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from spinloss.arrays import ArrayOptions, Organisation, cell_from_table, design_array, evaluate, sram_6t, technology
from spinloss.arrays.circuits import inverter, nand
from spinloss.arrays.model import (NVSIM, SPINLOSS, Conventions, SubarrayKey, bank_figures, decoder_block,
                                   global_bus, global_wire_delay, htree, htree_levels_nvsim, mat_figures, nvsim_order,
                                   organisations, subarray, write_driver_width)
from spinloss.errors import ConfigError

DATA = Path(__file__).parent / "data" / "nvmexplorer_2mb_22nm.toml"
QUANTITIES = ("area", "read_latency", "write_latency", "read_energy", "write_energy", "leakage")
CELLS = ("stt_best", "stt_worst", "sram")
#: Acceptance band (issue 11, item 5).
TOLERANCE = 0.25
TECH = technology("22nm", 350.0)

#: (cell, quantity) -> why the model under its own conventions does not reach the reference within
#: 25 % (docs/memory.md section 6, the second table).
KNOWN_MISSES: dict = {
    ("stt_worst", "leakage"): "the per-column buffer (150 nW/column) is most of it; the read-latency optimum "
                              "uses 64-row subarrays (262k columns), the reference's figure corresponds to "
                              "128-row ones, which are 1.5 % slower here and leak 24.5 mW",
    ("stt_worst", "read_energy"): "the H-tree is 91 % of it; its wires are charged over about W + H of the bank "
                                  "(a bar across both halves' centres at every level), NVSim's BankWithHtree over "
                                  "W + H/2 (convention htree_lengths, which needs NVSim's slower wire delay with "
                                  "it: alone it makes the worst cell's read 0.69 of the reference)",
    ("sram", "write_latency"): "NVSim sets an SRAM subarray's write latency equal to its read latency "
                               "(SubArray.cpp: symmetric read/write; convention sram_symmetric_timing); spinloss "
                               "times the write path (edge driver pulling the global and local lines while the "
                               "word line opens, then the cell flips)",
    ("sram", "read_energy"): "the optimum here reads one 64-column subarray (4.2 pJ, mostly the address bus); "
                             "NVSim's wire-only global bit-line delay (convention bus_wire_delay) makes many "
                             "one-bit subarrays fastest, and its reads charge every column of them "
                             "(sram_column_energy): under the nvsim conventions the search picks 64 active "
                             "256 x 256 subarrays with mux 256 and reads 37 pJ",
    ("sram", "leakage"): "the cells leak 37.2 mW; the rest is mostly the per-column buffers of 64-row subarrays, "
                         "where the reference's figure corresponds to 256-row subarrays, 3.7 % slower here "
                         "(50.3 mW)",
}

#: (cell, quantity) -> why the model under NVSim's conventions does not reach the reference within
#: 25 % (docs/memory.md section 6, the first table). None: all 18 figures are within 25 % (the worst
#: STT cell's leakage since the subarray and mat conventions mram_bitline_delay ... no_write_drivers;
#: its 128-row optimum is 0.34 % faster than the best 64-row organisation, see
#: test_the_nvsim_optimum_has_128_row_subarrays_by_a_narrow_margin).
KNOWN_MISSES_NVSIM: dict = {}


@pytest.fixture(scope="module")
def reference():
    return tomllib.loads(DATA.read_text())


def reference_cell(reference, name):
    return cell_from_table(dict(reference["cells"][name]), TECH, source=str(DATA), prefix=f"cells.{name}")


def reference_options(reference, cell, conventions):
    s = reference["settings"]
    return ArrayOptions(capacity_bits=s["capacity_bits"], word_bits=s["word_bits"],
                        routing="bus" if cell.kind == "sram" else "htree", target=s["target"],
                        conventions=conventions)


def searched(reference, conventions):
    out = {}
    for name in CELLS:
        cell = reference_cell(reference, name)
        out[name] = design_array(cell, TECH, reference_options(reference, cell, conventions))
    return out


@pytest.fixture(scope="module")
def arrays(reference):
    """The three arrays under this package's own conventions (the default)."""
    s = reference["settings"]
    assert (s["node"], s["temperature"]) == (TECH.node, TECH.temperature)
    return searched(reference, "spinloss")


@pytest.fixture(scope="module")
def arrays_nvsim(reference):
    """The three arrays under NVSim's conventions."""
    return searched(reference, "nvsim")


def check(result, reference, cell, quantity, misses):
    ours = getattr(result, quantity)
    ref = reference["figures"][cell][quantity]
    report = f"{cell} {quantity}: spinloss {ours:.4g}, NVMExplorer {ref:.4g} (ratio {ours / ref:.3f})"
    if (cell, quantity) in misses:
        assert ours != pytest.approx(ref, rel=TOLERANCE, abs=0), \
            f"{report} is now within 25 %: remove it from the known misses and update docs/memory.md"
        pytest.xfail(f"{report}; {misses[(cell, quantity)]}")
    assert ours == pytest.approx(ref, rel=TOLERANCE, abs=0), report


@pytest.mark.parametrize("quantity", QUANTITIES)
@pytest.mark.parametrize("cell", CELLS)
def test_against_nvmexplorer_under_nvsim_conventions(arrays_nvsim, reference, cell, quantity):
    """Like with like: the model under NVSim's conventions, within 25 % of the reference."""
    assert arrays_nvsim[cell].options.conventions == NVSIM
    check(arrays_nvsim[cell], reference, cell, quantity, KNOWN_MISSES_NVSIM)


@pytest.mark.parametrize("quantity", QUANTITIES)
@pytest.mark.parametrize("cell", CELLS)
def test_against_nvmexplorer(arrays, reference, cell, quantity):
    """The package's own model (reported; the misses with their reasons)."""
    assert arrays[cell].options.conventions == SPINLOSS
    check(arrays[cell], reference, cell, quantity, KNOWN_MISSES)


def test_reference_cells_use_the_published_settings(reference):
    """The reference file holds what the issue's table states (2 MB, 22 nm, 64-bit words, 350 K)."""
    s = reference["settings"]
    assert (s["capacity_bits"], s["word_bits"], s["node"], s["temperature"]) == (2 * 8 * 2 ** 20, 64, "22nm", 350.0)


def fastest_with_rows(cell, tech, opts, rows):
    """The fastest organisation whose subarrays have ``rows`` rows (the search restricted), as
    (organisation, bank figures)."""
    cache, best = {}, (None, None)
    for org in organisations(opts):
        if org.rows != rows:
            continue
        b = bank_figures(cell, tech, org, opts, cache)
        if b is not None and (best[1] is None or b["read_latency"] < best[1]["read_latency"]):
            best = (org, b)
    return best


def test_the_leakage_misses_sit_on_a_flat_latency_landscape(arrays, reference):
    """The claim of docs/memory.md section 6 (own conventions): for the worst STT cell the fastest 128-row
    organisation is within 2 % of the optimum's read latency and leaks within 25 % of the reference;
    for the SRAM the fastest 256-row organisation is within 5 %. (2 % and 5 % bound the measured 1.5 %
    and 3.7 %.)"""
    for name, rows, slack in (("stt_worst", 128, 0.02), ("sram", 256, 0.05)):
        opt = arrays[name]
        _, b = fastest_with_rows(opt.cell, TECH, opt.options, rows)
        assert b["read_latency"] <= opt.read_latency * (1 + slack)
        assert b["leakage"] == pytest.approx(reference["figures"][name]["leakage"], rel=TOLERANCE, abs=0)


def test_the_nvsim_optimum_has_128_row_subarrays_by_a_narrow_margin(arrays_nvsim, reference):
    """The claim of docs/memory.md section 6 on the worst STT cell under NVSim's conventions: the
    search picks 16 x 64 mats of two 128 x 64 subarrays (stacked), one active, no multiplexer, whose
    leakage is within 1 % of the reference's (measured 0.999); the fastest 64-row organisation is
    slower by less than 1 % (measured 0.34 %); and the 128-row organisation inferred before (32 x 32
    mats of two side-by-side 128 x 64 subarrays) is within 2 % of the optimum's read latency
    (measured 1.3 %) and within 3 % of the reference's leakage (measured 0.98)."""
    opt = arrays_nvsim["stt_worst"]
    o = opt.organisation
    assert (o.mat_rows, o.mat_cols, o.sub_rows, o.sub_cols, o.rows, o.columns, o.mux, o.active_subarrays) == \
        (16, 64, 2, 1, 128, 64, 1, 1)
    ref = reference["figures"]["stt_worst"]
    assert opt.leakage == pytest.approx(ref["leakage"], rel=0.01, abs=0)
    _, b64 = fastest_with_rows(opt.cell, TECH, opt.options, 64)
    assert opt.read_latency < b64["read_latency"] <= opt.read_latency * 1.01
    assert b64["leakage"] > 1.8 * ref["leakage"]
    side = Organisation(mat_rows=32, mat_cols=32, active_mat_rows=1, active_mat_cols=1, sub_rows=1, sub_cols=2,
                        active_sub_rows=1, active_sub_cols=1, rows=128, columns=64, mux=1, output_mux=1)
    b = bank_figures(opt.cell, TECH, side, opt.options)
    assert opt.read_latency < b["read_latency"] <= opt.read_latency * 1.02
    assert b["leakage"] == pytest.approx(ref["leakage"], rel=0.03, abs=0)


@pytest.mark.parametrize("switch", ["mram_bitline_delay", "predecoder_area", "mram_precharger"])
def test_the_nvsim_128_row_optimum_needs_each_of_three_conventions(reference, switch):
    """docs/memory.md section 6: with any one of mram_bitline_delay, predecoder_area or mram_precharger
    switched off (the rest of NVSim's conventions on) the worst STT cell's fastest 64-row organisation
    is faster than its fastest 128-row one again (the leakage miss returns): the choice rests on
    sub-per-cent differences."""
    cell = reference_cell(reference, "stt_worst")
    opts = reference_options(reference, cell, replace(NVSIM, **{switch: False}))
    cache, best = {}, {}
    for org in organisations(opts):
        if org.rows in (64, 128):
            b = bank_figures(cell, TECH, org, opts, cache)
            if b is not None and b["read_latency"] < best.get(org.rows, math.inf):
                best[org.rows] = b["read_latency"]
    assert best[64] < best[128]


def test_the_sram_energy_miss_has_the_signature_of_many_one_bit_subarrays(reference):
    """The claim of docs/memory.md section 6 on the SRAM read energy (own conventions): an organisation
    that opens 64 subarrays of 256 x 128 cells, each reading one bit through a 128:1 multiplexer, reads
    within 25 % of the reference's energy, latency and leakage here, while its write energy is over
    twice the reference's (NVSim's bank without H-tree charges 64/32 = 2 of the 64 written global bit
    lines of such an organisation, BankWithoutHtree.cpp). 25 % is the validation band; 2x bounds the
    measured 3.0x."""
    cell = reference_cell(reference, "sram")
    opts = reference_options(reference, cell, "spinloss")
    org = Organisation(mat_rows=8, mat_cols=32, active_mat_rows=1, active_mat_cols=32, sub_rows=1, sub_cols=2,
                       active_sub_rows=1, active_sub_cols=2, rows=256, columns=128, mux=128, output_mux=1)
    r = evaluate(cell, TECH, org, opts)
    ref = reference["figures"]["sram"]
    for q in ("read_energy", "read_latency", "leakage"):
        assert getattr(r, q) == pytest.approx(ref[q], rel=TOLERANCE, abs=0), q
    assert r.write_energy > 2 * ref["write_energy"]


def test_the_nvsim_sram_optimum_reads_one_bit_per_subarray(arrays_nvsim):
    """Under NVSim's conventions the SRAM's optimum is the organisation the reference's energies point
    to: every subarray of the word active, one bit each (docs/memory.md section 6)."""
    o = arrays_nvsim["sram"].organisation
    assert o.active_subarrays == 64 and o.columns // (o.mux * o.output_mux) == 1


# ----------------------------------------------------------------------------- the convention switches

def only(**switches) -> Conventions:
    return Conventions(**switches)


def sram_bus_case(conventions, *, read_voltage=None, org=None):
    """An SRAM bank on the bus (2 x 4 of 8 x 8 mats active, two active mat rows), its mat and bus
    figures under ``conventions``."""
    cell = sram_6t(TECH)
    if read_voltage is not None:
        cell = replace(cell, read_voltage=read_voltage)
    org = org or Organisation(mat_rows=8, mat_cols=8, active_mat_rows=2, active_mat_cols=4, sub_rows=1, sub_cols=2,
                              active_sub_rows=1, active_sub_cols=1, rows=128, columns=64, mux=8, output_mux=1)
    opts = ArrayOptions(capacity_bits=org.subarrays * org.rows * org.columns, word_bits=64, routing="bus",
                        conventions=conventions)
    mat = mat_figures(cell, TECH, org, opts)
    address_bits = int(round(math.log2(opts.capacity_bits // opts.word_bits)))
    return cell, org, opts, mat, global_bus(cell, TECH, org, mat, opts, address_bits), address_bits


def test_conventions_are_named_and_checked():
    assert ArrayOptions(conventions="nvsim").conventions == NVSIM and NVSIM.name == "nvsim"
    assert ArrayOptions().conventions == SPINLOSS and SPINLOSS.name == "spinloss"
    assert all(NVSIM.switches().values()) and not any(SPINLOSS.switches().values())
    assert only(wire_delay=True).name == "custom"
    with pytest.raises(ConfigError, match="conventions"):
        ArrayOptions(conventions="nvsim2").validated()
    r = design_array(sram_6t(TECH), TECH, ArrayOptions(capacity_bits=64 * 1024 * 8, routing="bus", conventions="nvsim"))
    d = r.to_json()
    assert d["options"]["conventions"]["name"] == "nvsim" and d["options"]["conventions"]["bus_charging"] is True


def test_symmetric_sram_timing_makes_the_write_take_the_read():
    """sram_symmetric_timing: a subarray's write latency is its read latency; on the bus the bank's write is
    its read less the edge sense amplifier. Without it the SRAM write is timed (and shorter)."""
    cell = sram_6t(TECH)
    key = SubarrayKey(128, 128, 4, 1, True)
    own = subarray(cell, TECH, key, ArrayOptions())
    sym = subarray(cell, TECH, key, ArrayOptions(conventions=only(sram_symmetric_timing=True)))
    assert sym["write_latency"] == pytest.approx(sym["read_latency"], rel=1e-12, abs=0)
    assert own["write_latency"] < 0.9 * own["read_latency"]
    assert sym["read_latency"] == pytest.approx(own["read_latency"], rel=1e-12, abs=0)
    _, _, _, _, bus, _ = sram_bus_case(only(sram_symmetric_timing=True))
    assert bus["write_latency"] == pytest.approx(bus["read_latency"] - bus["global_sense_amp_delay"], rel=1e-12, abs=0)
    _, _, _, _, bus0, _ = sram_bus_case(SPINLOSS)
    assert bus0["write_latency"] < 0.9 * bus0["read_latency"]


def test_sram_column_energy_charges_all_read_columns_and_only_written_ones():
    """sram_column_energy: a read charges every column C (V_dd/2)^2, a write the written columns only, the
    same each, with no half-selected columns and no precharge."""
    cell = sram_6t(TECH)
    key = SubarrayKey(128, 256, 8, 1, False)
    conv = only(sram_column_energy=True)
    s = subarray(cell, TECH, key, ArrayOptions(routing="bus", conventions=conv))
    V = TECH.vdd
    c_col = s["bitline_capacitance"] + s["node_capacitance"] / 8
    parts = s["breakdown"]
    assert parts["read_energies"]["bitline_energy"] == pytest.approx(256 * c_col * (V / 2) ** 2, rel=1e-12, abs=0)
    assert parts["write_energies"]["cell_and_line_energy"] == pytest.approx(32 * c_col * (V / 2) ** 2, rel=1e-12,
                                                                            abs=0)
    assert parts["write_energies"]["half_selected_energy"] == 0.0
    assert parts["write_energies"]["precharge_energy"] == 0.0
    own = subarray(cell, TECH, key, ArrayOptions(routing="bus"))["breakdown"]["write_energies"]
    assert own["half_selected_energy"] > 0 and own["precharge_energy"] > 0
    # on the bus the open rows' longer discharge is not added
    _, _, _, _, bus, _ = sram_bus_case(conv)
    _, _, _, _, bus0, _ = sram_bus_case(SPINLOSS)
    assert bus["read_energy"] < bus0["read_energy"]


@pytest.mark.parametrize("read_voltage", [None, 1.1])
def test_bus_charging_is_nvsims_rule(read_voltage):
    """bus_charging: per active row of mats i a wire of the bank height less i mat heights, charged for the
    routed address bits at V_dd, one global line for a read and one mat's data bits for a write at the
    precharge voltage (the cell's read voltage, or V_dd)."""
    cell, org, opts, mat, bus, address_bits = sram_bus_case(only(bus_charging=True), read_voltage=read_voltage)
    c = TECH.global_.capacitance
    bank_h = bus["global_bitline_capacitance"] / c
    assert bank_h == pytest.approx(mat["height"] * org.mat_rows, rel=1e-12, abs=0)
    length = bank_h + (bank_h - mat["height"])                    # two active rows of mats
    routed = address_bits - int(round(math.log2(64 / 8)))          # 8 of 64 mats active
    V = TECH.vdd
    v_pre = read_voltage or V
    assert bus["address_energy"] == pytest.approx(c * length * routed * V ** 2, rel=1e-12, abs=0)
    assert bus["global_bitline_read_energy"] == pytest.approx(c * length * v_pre ** 2, rel=1e-12, abs=0)
    assert bus["global_bitline_write_energy"] == pytest.approx(c * length * v_pre ** 2 * 64 / 8, rel=1e-12, abs=0)
    # own rule: the address along the mat row too, every output bit's global line
    _, _, _, _, own, _ = sram_bus_case(SPINLOSS, read_voltage=read_voltage)
    assert own["address_energy"] > bus["address_energy"]


def test_bus_wire_delay_leaves_the_cell_out_of_the_global_bit_line():
    """bus_wire_delay: the global bit line's delay is NVSim's closed form in the wire and multiplexer
    resistances (the cell's devices do not enter it), it follows the subarray's read, and the address
    is not timed."""
    conv = only(bus_wire_delay=True)
    cell, org, opts, mat, bus, _ = sram_bus_case(conv)
    sub = mat["subarray"]
    n_in = 64 // 8                                                   # mats / active mats
    w = 9.0 * TECH.feature_size
    r_m, c_d = TECH.on_resistance(w), TECH.drain_cap(w)
    from spinloss.arrays.model import sense_amp_input_cap

    c_sa = sense_amp_input_cap(TECH)
    c_g = bus["global_bitline_capacitance"]
    r_g = TECH.global_.resistance * c_g / TECH.global_.capacitance
    r_l = sub["bitline_resistance"] + 3 * r_m
    c_mux = n_in * c_d + c_d + c_sa
    tau = r_l * c_g / 2 + (r_l + r_g) * (c_g / 2 + c_mux)
    t = tau * math.log(TECH.vdd / (TECH.vdd - cell.sense_voltage)) + r_l * c_g / 2 + 2.3 * r_m * (n_in * c_d + c_sa)
    assert bus["global_bitline_delay"] == pytest.approx(t, rel=1e-12, abs=0)
    assert bus["address_delay"] == 0.0
    assert bus["read_latency"] == pytest.approx(mat["read_latency"] + t + bus["global_sense_amp_delay"], rel=1e-12,
                                                abs=0)
    # a stronger pull-down changes the own model's global delay, not NVSim's
    strong = replace(cell, nmos_width=2 * cell.nmos_width)
    for c, same in ((conv, True), (SPINLOSS, False)):
        o = replace(opts, conventions=c)
        t1 = global_bus(cell, TECH, org, mat_figures(cell, TECH, org, o), o, 18)["global_bitline_delay"]
        t2 = global_bus(strong, TECH, org, mat_figures(strong, TECH, org, o), o, 18)["global_bitline_delay"]
        assert (t1 == pytest.approx(t2, rel=1e-12, abs=0)) is same


def test_htree_lengths_are_nvsims():
    """htree_lengths: horizontal segments W/2, W/4, ..., one mat width, vertical H/4, ..., half a mat
    height; the first carries every bit; the tree's energy is the sum over its levels."""
    org = Organisation(mat_rows=8, mat_cols=16, active_mat_rows=1, active_mat_cols=2, sub_rows=1, sub_cols=1,
                       active_sub_rows=1, active_sub_cols=1, rows=64, columns=64, mux=2, output_mux=1)
    mat = {"width": 30e-6, "height": 40e-6}
    W, H = 16 * 30e-6, 8 * 40e-6
    levels = htree_levels_nvsim(org, mat, 20, 64)
    hs = [lv["length"] for lv in levels if lv["direction"] == "h"]
    vs = [lv["length"] for lv in levels if lv["direction"] == "v"]
    assert hs == pytest.approx([W / 2, W / 4, W / 8, W / 16], rel=1e-12, abs=0) and hs[-1] == pytest.approx(30e-6)
    assert vs == pytest.approx([H / 4, H / 8, H / 16], rel=1e-12, abs=0) and vs[-1] == pytest.approx(20e-6)
    assert levels[0]["wires"] == 20 + 64 and levels[0]["branches"] == 1
    # the trunk, then (as many levels left each way) alternating, horizontal first
    assert [lv["direction"] for lv in levels] == ["h", "h", "v", "h", "v", "h", "v"]
    assert levels[-1]["branches"] == 2 and levels[-1]["wires"] < levels[0]["wires"]
    tree = htree(org, mat, TECH, 20, 64, only(htree_lengths=True))
    c, V = TECH.global_.capacitance, TECH.vdd
    assert tree["energy"] == pytest.approx(sum(lv["branches"] * lv["wires"] * c * lv["length"] * V ** 2
                                               for lv in levels), rel=1e-12, abs=0)
    own = htree(org, mat, TECH, 20, 64)
    assert own["energy"] > tree["energy"]


def test_wire_delay_is_nvsims_unrepeated_wire():
    """wire_delay: 2.3 r c L^2 / 2 instead of 0.377 r c L^2."""
    w, L = TECH.global_, 1e-3
    rc = w.resistance * w.capacitance * L * L
    assert global_wire_delay(w, L, only(wire_delay=True)) == pytest.approx(1.15 * rc, rel=1e-12, abs=0)
    assert global_wire_delay(w, L) == pytest.approx(0.377 * rc, rel=1e-12, abs=0)


def test_sram_cell_leakage_is_nvsims_two_inverters():
    """sram_cell_leakage: (2 max(W_n, W_p) + W_access) I_off V_dd per cell instead of (W_n + W_p + W_access)."""
    cell = sram_6t(TECH)
    key = SubarrayKey(128, 128, 4, 1, False)
    nv = subarray(cell, TECH, key, ArrayOptions(routing="bus", conventions=only(sram_cell_leakage=True)))
    own = subarray(cell, TECH, key, ArrayOptions(routing="bus"))
    off = TECH.off_current
    per = (2 * max(off(cell.nmos_width, "n"), off(cell.pmos_width, "p")) + off(cell.access_width, "n")) * TECH.vdd
    assert nv["cell_leakage"] == pytest.approx(128 * 128 * per, rel=1e-12, abs=0)
    assert nv["cell_leakage"] / own["cell_leakage"] == pytest.approx(
        (2 * max(2.08, 1.23) + 1.31) / (2.08 + 1.23 + 1.31), rel=1e-9, abs=0)     # I_off,P = I_off,N at 22 nm


def test_search_first_found_keeps_the_first_strictly_fastest_in_nvsims_order():
    """search_first_found: the organisation kept is the first, in NVSim's enumeration order, that is
    strictly faster than all before it (ties to the first found); the own search reaches the same read
    latency and breaks the tie by read energy."""
    cell = cell_from_table({"kind": "stt", "area_f2": 14, "aspect_ratio": 1.46, "access_width_f": 6,
                            "resistance_on": 3000.0, "resistance_off": 6000.0, "read_voltage": 0.08,
                            "read_power": 3.9e-6, "write_current": 80e-6, "write_time": 2e-9,
                            "write_energy": 0.6e-12}, TECH)
    opts = ArrayOptions(capacity_bits=256 * 1024 * 8, conventions=only(search_first_found=True))
    r = design_array(cell, TECH, opts)
    cache, best, best_t = {}, None, math.inf
    for org in sorted(organisations(opts), key=nvsim_order):
        b = bank_figures(cell, TECH, org, opts, cache)
        if b is not None and b["read_latency"] < best_t:
            best, best_t = org, b["read_latency"]
    assert r.organisation == best
    own = design_array(cell, TECH, replace(opts, conventions=SPINLOSS))
    assert own.read_latency == pytest.approx(r.read_latency, rel=1e-9, abs=0)
    assert own.read_energy <= r.read_energy


def stt_cell():
    return cell_from_table({"kind": "stt", "area_f2": 75, "aspect_ratio": 1.46, "access_width_f": 6,
                            "resistance_on": 3000.0, "resistance_off": 6000.0, "read_voltage": 1.25,
                            "read_power": 21.6e-6, "write_current": 80e-6, "write_time": 200e-9,
                            "write_energy": 4.5e-12}, TECH)


def test_mram_bitline_delay_is_nvsims_distributed_line():
    """mram_bitline_delay: a current-sensed bit line takes ln 2 R_BL C_BL/2 (R_AP + R_acc + R_BL/3)/(R_AP +
    R_acc + R_BL), C_BL the wire and the cells' drains (not the multiplexer or the amplifier), so it does
    not depend on the multiplexer; the own model's settling through the multiplexer does."""
    cell = stt_cell()
    conv = only(mram_bitline_delay=True)
    nv = {m: subarray(cell, TECH, SubarrayKey(128, 64, m, 1, True), ArrayOptions(conventions=conv)) for m in (1, 4)}
    own = {m: subarray(cell, TECH, SubarrayKey(128, 64, m, 1, True), ArrayOptions()) for m in (1, 4)}
    s = nv[1]
    r_bl, c_bl = s["bitline_resistance"], s["bitline_capacitance"]          # mux 1: no multiplexer drain
    r_off = cell.resistance_off + s["cell_path_resistance"]
    tau = r_bl * c_bl / 2 * (r_off + r_bl / 3) / (r_off + r_bl)
    t = lambda x: x["breakdown"]["read_delays"]["bitline_delay"]  # noqa: E731
    assert t(s) == pytest.approx(math.log(2) * tau, rel=1e-12, abs=0)
    assert t(nv[4]) == pytest.approx(t(nv[1]), rel=1e-12, abs=0)
    assert t(own[4]) > 1.5 * t(own[1]) and t(own[1]) > 3 * t(nv[1])


def test_mux_delay_is_nvsims_2_3_rc():
    """mux_delay: the bit-line and output multiplexers take 2.3 R C instead of ln 2 R C."""
    cell = stt_cell()
    key = SubarrayKey(64, 256, 4, 2, True)
    nv = subarray(cell, TECH, key, ArrayOptions(conventions=only(mux_delay=True)))["breakdown"]["read_delays"]
    own = subarray(cell, TECH, key, ArrayOptions())["breakdown"]["read_delays"]
    for k in ("mux_delay", "output_mux_delay"):
        assert own[k] > 0
        assert nv[k] == pytest.approx(own[k] * 2.3 / math.log(2), rel=1e-12, abs=0)


def stt_mat(conventions, org=None):
    org = org or Organisation(mat_rows=16, mat_cols=16, active_mat_rows=1, active_mat_cols=1, sub_rows=2, sub_cols=2,
                              active_sub_rows=1, active_sub_cols=1, rows=128, columns=64, mux=4, output_mux=1)
    opts = ArrayOptions(capacity_bits=org.subarrays * org.rows * org.columns, word_bits=16, conventions=conventions)
    return org, opts, mat_figures(stt_cell(), TECH, org, opts)


def test_predecoder_load_is_the_wire_from_the_mat_centre():
    """predecoder_load: a row predecoder drives the wire from the mat centre to the subarrays (its
    capacitance only), not the row decoders' NAND inputs; the column predecoders of a 2 x 2 mat drive
    nothing. The own model's predecoders, loaded with the gates and the wire's resistance, are slower."""
    org, opts, mat = stt_mat(only(predecoder_load=True))
    sub = mat["subarray"]
    line = sub["height"] * 2 / 2 + sub["width"] * 2 / 2
    c = TECH.local.capacitance
    rows = [decoder_block(TECH, nb, line * c, 0.0, "latency") for nb in (4, 3)]       # 7 row bits
    cols = [decoder_block(TECH, 2, 0.0, 0.0, "latency")]                              # mux 4, no wire
    assert mat["predecoder"]["delay"] == pytest.approx(max(b["delay"] for b in rows + cols), rel=1e-12, abs=0)
    assert mat["predecoder"]["energy"] == pytest.approx(sum(b["energy"] for b in rows + cols), rel=1e-12, abs=0)
    _, _, own = stt_mat(SPINLOSS)
    assert own["predecoder"]["delay"] > mat["predecoder"]["delay"] * 1.05


def test_decoder_ramp_hands_each_stage_its_drivers_ramp():
    """decoder_ramp: a two-level decoder's combining gate sees its groups' output ramp (slower than a
    step), a one-level decoder is unchanged; the mat's subarray is timed with its decoders driven by the
    slowest row predecoder's ramp, which makes its row decoder slower."""
    c = 50e-15
    assert decoder_block(TECH, 4, c, 0.0, "latency", pass_ramp=True)["delay"] > \
        decoder_block(TECH, 4, c, 0.0, "latency")["delay"] * 1.02
    assert decoder_block(TECH, 3, c, 0.0, "latency", pass_ramp=True)["delay"] == \
        decoder_block(TECH, 3, c, 0.0, "latency")["delay"]
    conv = only(decoder_ramp=True)
    org, opts, mat = stt_mat(conv)
    sub = mat["subarray"]
    line = sub["height"] * 2 / 2 + sub["width"] * 2 / 2
    loc = TECH.local
    pre = [decoder_block(TECH, nb, line * loc.capacitance + 2 * 2 * 128 // 2 ** nb * nand(TECH, 2).input_cap(TECH),
                         line * loc.resistance, "latency", pass_ramp=True) for nb in (4, 3)]
    key = SubarrayKey(128, 64, 4, 1, True)
    timed = subarray(stt_cell(), TECH, key, opts, ramp_in=min(b["ramp"] for b in pre))
    step = subarray(stt_cell(), TECH, key, opts)
    d = lambda x: x["breakdown"]["read_delays"]["row_decoder_delay"]  # noqa: E731
    assert d(sub) == pytest.approx(d(timed), rel=1e-12, abs=0)
    assert d(sub) > d(step)
    assert mat["read_latency"] > stt_mat(SPINLOSS)[2]["read_latency"]


def test_predecoder_area_is_a_square_on_the_longer_side():
    """predecoder_area: the mat is its subarrays plus sqrt(A_pre) on its longer side (here the height of a
    2 x 1 mat of tall subarrays); the own model lays a strip of the same area along the longer side
    (A_pre / height added to the width)."""
    org = Organisation(mat_rows=16, mat_cols=16, active_mat_rows=1, active_mat_cols=1, sub_rows=2, sub_cols=1,
                       active_sub_rows=1, active_sub_cols=1, rows=128, columns=64, mux=1, output_mux=1)
    _, _, mat = stt_mat(only(predecoder_area=True), org)
    sub, a = mat["subarray"], mat["predecoder"]["area"]
    assert 2 * sub["height"] > sub["width"]
    assert mat["width"] == pytest.approx(sub["width"], rel=1e-12, abs=0)
    assert mat["height"] == pytest.approx(2 * sub["height"] + math.sqrt(a), rel=1e-12, abs=0)
    _, _, own = stt_mat(SPINLOSS, org)
    assert own["height"] == pytest.approx(2 * sub["height"], rel=1e-12, abs=0)
    assert own["width"] == pytest.approx(sub["width"] + a / (2 * sub["height"]), rel=1e-12, abs=0)
    assert mat["area"] > own["area"]


def test_mram_precharger_gives_an_mram_subarray_nvsims_precharger():
    """mram_precharger: a current-sensed subarray gets the precharger (leakage, height, read energy) that
    NVSim builds into every subarray, with its bit line and read delays unchanged; without it, none."""
    cell = stt_cell()
    key = SubarrayKey(128, 64, 1, 1, True)
    nv = subarray(cell, TECH, key, ArrayOptions(conventions=only(mram_precharger=True)))
    own = subarray(cell, TECH, key, ArrayOptions())
    p, o = nv["breakdown"], own["breakdown"]
    assert o["leakages"]["precharge_leakage"] == 0 and o["areas"]["precharge_area"] == 0
    assert p["leakages"]["precharge_leakage"] > 64 * TECH.off_current(6 * TECH.feature_size, "p") * TECH.vdd
    assert nv["height"] > own["height"] and p["read_energies"]["precharge_energy"] > 0
    assert nv["bitline_capacitance"] == own["bitline_capacitance"]
    assert nv["read_latency"] == own["read_latency"]


def test_no_write_drivers_leaves_nvsims_subarray_without_them():
    """no_write_drivers: no write-driver leakage, area or input energy, and the written line is charged
    through the multiplexer alone (not slower; here the word line sets the write's start either way)."""
    cell = stt_cell()
    key = SubarrayKey(128, 64, 4, 1, True)
    nv = subarray(cell, TECH, key, ArrayOptions(conventions=only(no_write_drivers=True)))
    own = subarray(cell, TECH, key, ArrayOptions())
    nv_parts, own_parts = nv["breakdown"], own["breakdown"]
    assert nv_parts["leakages"]["write_driver_leakage"] == 0 < own_parts["leakages"]["write_driver_leakage"]
    assert nv_parts["areas"]["write_driver_area"] == 0 < own_parts["areas"]["write_driver_area"]
    wd_in = inverter(TECH, write_driver_width(cell, TECH)).input_cap(TECH)
    assert own["write_energy"] - nv["write_energy"] == pytest.approx(16 * wd_in * TECH.vdd ** 2, rel=1e-9, abs=0)
    assert nv["write_latency"] <= own["write_latency"]
    assert nv["height"] < own["height"] and nv["read_latency"] == own["read_latency"]
