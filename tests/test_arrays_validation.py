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
from spinloss.arrays.model import (NVSIM, SPINLOSS, Conventions, SubarrayKey, bank_figures, global_bus,
                                   global_wire_delay, htree, htree_levels_nvsim, mat_figures, nvsim_order,
                                   organisations, subarray)
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
                             "256 x 256 subarrays with mux 256 and reads 38 pJ",
    ("sram", "leakage"): "the cells leak 37.2 mW; the rest is mostly the per-column buffers of 64-row subarrays, "
                         "where the reference's figure corresponds to 256-row subarrays, 3.7 % slower here "
                         "(50.3 mW)",
}

#: (cell, quantity) -> why the model under NVSim's conventions does not reach the reference within
#: 25 % (docs/memory.md section 6, the first table).
KNOWN_MISSES_NVSIM: dict = {
    ("stt_worst", "leakage"): "leakage counts the columns (the per-column buffer); the organisation the reference "
                              "reports, 32 x 32 mats of two 128 x 64 subarrays, gives its read latency and leakage "
                              "here within 0.2 % (0.886 ns, 23.3 mW), but is 2.7 % slower than the 64-row optimum "
                              "(43.9 mW): our 128-row subarray's bit line (+27 ps) and row predecoders (+27 ps) "
                              "cost more than its shorter H-tree saves (-30 ps), a difference of the two models' "
                              "circuits, not of a convention",
}


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


def test_the_nvsim_leakage_miss_is_the_reference_organisation_slower_here(arrays_nvsim, reference):
    """The claim of docs/memory.md section 6 on the one miss under NVSim's conventions: the fastest
    128-row organisation of the worst STT cell is 32 x 32 mats of two 128 x 64 subarrays, one active; it
    reproduces the reference's read latency and leakage within 1 % (measured 0.12 % and 0.03 %), and is
    within 3 % (measured 2.7 %) of the optimum's read latency, which has 64-row subarrays."""
    opt = arrays_nvsim["stt_worst"]
    assert opt.organisation.rows == 64
    org, b = fastest_with_rows(opt.cell, TECH, opt.options, 128)
    assert (org.mat_rows, org.mat_cols, org.sub_rows, org.sub_cols, org.columns, org.active_subarrays) == \
        (32, 32, 1, 2, 64, 1)
    ref = reference["figures"]["stt_worst"]
    assert b["read_latency"] == pytest.approx(ref["read_latency"], rel=0.01, abs=0)
    assert b["leakage"] == pytest.approx(ref["leakage"], rel=0.01, abs=0)
    assert opt.read_latency < b["read_latency"] <= opt.read_latency * 1.03


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
