"""Physics of the array model (docs/memory.md sections 2-4): closed forms of its pieces, scaling of
energy and delay with line length, and the accounting identities. Fast: fixed organisations and
small capacities; the full 2 MB searches are in test_arrays_validation.py."""

from __future__ import annotations

import math

import pytest

from spinloss.arrays import ArrayOptions, Organisation, cell_from_table, design_array, evaluate, sram_6t, technology
from spinloss.arrays.circuits import horowitz, inverter, nand, size_chain
from spinloss.arrays.model import COLUMN_BUFFER, SubarrayKey, htree, sram_column_swing, subarray
from spinloss.arrays.technology import WIRES, wire_layer
from spinloss.errors import ConfigError

TECH = technology("22nm", 350.0)
STT = {"kind": "stt", "area_f2": 14, "aspect_ratio": 1.46, "access_width_f": 6, "resistance_on": 3000.0,
       "resistance_off": 6000.0, "read_voltage": 0.08, "read_power": 3.9e-6, "write_current": 80e-6,
       "write_time": 2e-9, "write_energy": 0.6e-12}


def stt_cell():
    return cell_from_table(dict(STT), TECH)


# ----------------------------------------------------------------------------- primitives

def test_horowitz_step_input_is_tau_ln2():
    """An ideal step (infinite ramp) gives t = tau |ln 0.5| exactly (Horowitz's formula, alpha = 0)."""
    t, ramp = horowitz(1e-10, 0.5, math.inf)
    assert t == pytest.approx(1e-10 * math.log(2), rel=1e-12, abs=0)
    assert ramp == pytest.approx(0.5 / t, rel=1e-12, abs=0)


def test_horowitz_slow_input_is_slower():
    assert horowitz(1e-10, 0.5, 1e9)[0] > horowitz(1e-10, 0.5, 1e12)[0] > horowitz(1e-10, 0.5, math.inf)[0]


def test_wire_is_the_closed_form():
    """R = rho(T)/(t w), C = eps0 [2 k_v w/h + 2 M k t/s] + C_f with the ITRS 22 nm local layer."""
    g = WIRES["22nm"]["local"]
    w = wire_layer("local", g, 293.0)          # no temperature correction at 293 K
    width = g["pitch"] / 2
    thick = g["aspect_ratio"] * width
    assert w.resistance == pytest.approx(g["resistivity"] / (thick * width), rel=1e-12, abs=0)
    eps0 = 8.854187817e-12
    c = 2 * eps0 * 3.9 * width / g["dielectric_thickness"] + 2 * eps0 * 1.5 * g["permittivity"] * thick / width + 1.15e-10
    assert w.capacitance == pytest.approx(c, rel=1e-12, abs=0)
    # copper's temperature coefficient: +3.9e-3 per K
    assert wire_layer("local", g, 353.0).resistance / w.resistance == pytest.approx(1 + 3.9e-3 * 60, rel=1e-12,
                                                                                    abs=0)


def test_wire_delay_is_quadratic_in_length():
    w = TECH.global_
    assert w.delay(2e-3) / w.delay(1e-3) == pytest.approx(4.0, rel=1e-12, abs=0)


def test_latency_chain_has_logical_effort_stage_count():
    """A minimum inverter driving 4^5 times its input: latency sizing gives about log4(H) stages
    (five in all with the first gate), each with stage effort close to 4."""
    first = inverter(TECH, TECH.min_width)
    load = first.input_cap(TECH) * 4 ** 5
    chain = size_chain(TECH, first, load, mode="latency", invert=False)
    assert len(chain.widths) + 1 == 5 or len(chain.widths) + 1 == 6   # parity may add one stage
    ratios = [b / a for a, b in zip(chain.widths, chain.widths[1:])]
    assert all(2.5 < r < 6.5 for r in ratios)


def test_balanced_chain_ends_in_the_smallest_driver():
    chain = size_chain(TECH, nand(TECH, 2), 1e-13, mode="balanced")
    assert chain.widths[-1] == pytest.approx(TECH.min_width, rel=1e-12, abs=0)


def test_bad_technology_is_an_input_error():
    with pytest.raises(ConfigError, match="unknown technology node"):
        technology("7nm")
    with pytest.raises(ConfigError, match="300-400 K"):
        technology("22nm", 250.0)


# ----------------------------------------------------------------------------- subarray scaling

@pytest.mark.parametrize("kind", ["sram", "stt"])
def test_bitline_capacitance_is_linear_in_bitline_length(kind):
    """C_BL = rows (h c_wire + C_drain/2) + a fixed part: it grows by the same amount for every added
    block of rows (exactly, round-off aside)."""
    cell = sram_6t(TECH) if kind == "sram" else stt_cell()
    opts = ArrayOptions(routing="bus" if kind == "sram" else "htree")
    c = [subarray(cell, TECH, SubarrayKey(rows, 256, 4, 1, kind != "sram"), opts)["bitline_capacitance"]
         for rows in (64, 128, 192, 256)]
    steps = [b - a for a, b in zip(c, c[1:])]
    per_row = cell.height * TECH.local.capacitance + TECH.drain_cap(cell.access_width) / 2
    assert steps[0] == pytest.approx(64 * per_row, rel=1e-9, abs=0)
    assert steps[1] == pytest.approx(steps[0], rel=1e-9, abs=0)
    assert steps[2] == pytest.approx(steps[0], rel=1e-9, abs=0)


def test_mram_bitline_energy_is_linear_in_bitline_length():
    """An MRAM read charges the sensed lines to V_read: linear in the line's capacitance, hence in rows."""
    e = [subarray(stt_cell(), TECH, SubarrayKey(rows, 256, 4, 1, True), ArrayOptions())
         ["breakdown"]["read_energies"]["bitline_energy"] for rows in (64, 128, 192, 256)]
    steps = [b - a for a, b in zip(e, e[1:])]
    assert steps[0] > 0
    assert steps[1] == pytest.approx(steps[0], rel=1e-9, abs=0)
    assert steps[2] == pytest.approx(steps[0], rel=1e-9, abs=0)


def test_sram_column_swing_runs_from_the_sensed_signal_to_the_supply():
    """An open SRAM column discharges as V (1 - exp(-t/tau)), never below the sensed swing, at most V."""
    v, tau, dv = 0.5, 1e-9, 0.08
    assert sram_column_swing(v, tau, 0.0, dv) == dv
    assert sram_column_swing(v, tau, 1e-12, dv) == dv                      # less than the sensed swing yet
    assert sram_column_swing(v, tau, tau, dv) == pytest.approx(v * (1 - math.exp(-1)), rel=1e-12, abs=0)
    assert sram_column_swing(v, tau, 100 * tau, dv) == pytest.approx(v, rel=1e-12, abs=0)


@pytest.mark.parametrize("rows", [64, 256, 1024])
def test_sram_read_restores_every_open_column_by_its_swing(rows):
    """Every column of the open row is restored by C_col V dV, dV (sram_column_swing over the time the row
    is open) between the sensed 80 mV and V_dd."""
    cell = sram_6t(TECH)
    s = subarray(cell, TECH, SubarrayKey(rows, 256, 4, 1, True), ArrayOptions(routing="htree"))
    e = s["breakdown"]["read_energies"]["bitline_energy"]
    per_volt = 256 * s["column_capacitance"] * TECH.vdd
    assert per_volt * cell.sense_voltage <= e <= per_volt * TECH.vdd
    dv = e / per_volt
    assert dv == pytest.approx(sram_column_swing(TECH.vdd, s["column_time_constant"], s["open_read_time"],
                                                 cell.sense_voltage), rel=1e-12, abs=0)


def test_wordline_capacitance_is_linear_in_columns_and_gates():
    cell = stt_cell()
    opts = ArrayOptions()
    c = [subarray(cell, TECH, SubarrayKey(128, cols, 1, 1, True), opts)["wordline_capacitance"] for cols in (64, 128)]
    per_cell = cell.width * TECH.local.capacitance + TECH.gate_cap(cell.access_width)
    assert c[1] - c[0] == pytest.approx(64 * per_cell, rel=1e-12, abs=0)


def test_longer_bitlines_read_slower_and_cost_more():
    cell = sram_6t(TECH)
    opts = ArrayOptions(routing="bus")
    short = subarray(cell, TECH, SubarrayKey(64, 256, 4, 1, False), opts)
    long = subarray(cell, TECH, SubarrayKey(512, 256, 4, 1, False), opts)
    assert long["breakdown"]["read_delays"]["bitline_delay"] > short["breakdown"]["read_delays"]["bitline_delay"]
    assert long["read_energy"] > short["read_energy"]


def test_mram_write_energy_is_cell_energy_plus_line_charging():
    """The written bits of a subarray cost the cell's own energy plus C_line V_dd^2 each."""
    cell = stt_cell()
    s = subarray(cell, TECH, SubarrayKey(128, 256, 4, 2, True), ArrayOptions())
    bits = 256 // 8
    part = s["breakdown"]["write_energies"]["cell_and_line_energy"]
    assert part > bits * cell.write_energy
    c_line = (part / bits - cell.write_energy) / TECH.vdd ** 2
    # the written line is the bit line of an STT cell (drain caps of the access devices and the wire)
    wire = 128 * cell.height * TECH.local.capacitance + 64 * TECH.drain_cap(cell.access_width)
    assert c_line == pytest.approx(wire, rel=1e-9, abs=0)


def test_sram_cell_leakage_is_one_off_device_of_each_kind_per_cell():
    """A stored bit holds one NMOS and one PMOS of the latch off and one pass gate across V_dd."""
    cell = sram_6t(TECH)
    opts = ArrayOptions(routing="bus", column_buffer=False)
    s = subarray(cell, TECH, SubarrayKey(128, 128, 1, 1, False), opts)
    per = (TECH.off_current(cell.nmos_width) + TECH.off_current(cell.pmos_width, "p")
           + TECH.off_current(cell.access_width)) * TECH.vdd
    assert s["cell_leakage"] == pytest.approx(128 * 128 * per, rel=1e-12, abs=0)


def test_column_buffer_adds_its_leakage_per_column():
    cell = stt_cell()
    key = SubarrayKey(128, 256, 4, 1, True)
    with_b = subarray(cell, TECH, key, ArrayOptions(column_buffer=True))
    without = subarray(cell, TECH, key, ArrayOptions(column_buffer=False))
    assert with_b["leakage"] - without["leakage"] == pytest.approx(256 * COLUMN_BUFFER["22nm"][0], rel=1e-9, abs=0)


def test_column_buffer_needs_64_bit_groups():
    assert subarray(stt_cell(), TECH, SubarrayKey(128, 96, 1, 1, True), ArrayOptions(column_buffer=True)) is None


# ----------------------------------------------------------------------------- bank

def small_org(**kw):
    base = dict(mat_rows=2, mat_cols=2, active_mat_rows=1, active_mat_cols=1, sub_rows=2, sub_cols=2,
                active_sub_rows=1, active_sub_cols=1, rows=256, columns=256, mux=4, output_mux=1)
    base.update(kw)
    return Organisation(**base)


def test_htree_of_one_mat_is_free_and_of_two_is_one_segment():
    org1 = small_org(mat_rows=1, mat_cols=1)
    mat = {"height": 1e-4, "width": 2e-4}
    assert htree(org1, mat, TECH, 10, 64)["energy"] == 0.0
    org2 = small_org(mat_rows=1, mat_cols=2)
    t = htree(org2, mat, TECH, 10, 64)
    # one horizontal segment between the two mats' centres (one mat width), address and data bits on it
    expected = (10 + 64) * TECH.global_.capacitance * 2e-4 * TECH.vdd ** 2
    assert t["energy"] == pytest.approx(expected, rel=1e-12, abs=0)


def test_bank_figures_add_up():
    """Read energy = active subarrays' energy + predecoders of the active mats + the H-tree; leakage =
    every subarray's and predecoder's leakage; MRAM keeps nothing powered in standby."""
    cell = stt_cell()
    org = small_org()
    opts = ArrayOptions(capacity_bits=org.subarrays * org.rows * org.columns, word_bits=64)
    r = evaluate(cell, TECH, org, opts)
    sub = r.breakdown["subarray"]
    pre = r.breakdown["mat_predecoder"]
    n_active = org.active_subarrays
    expected = n_active * sub["read_energy"] + pre["energy"] + r.breakdown["htree"]["energy"]
    assert r.read_energy == pytest.approx(expected, rel=1e-12, abs=0)
    assert r.leakage == pytest.approx(org.subarrays * sub["leakage"] + 4 * pre["leakage"], rel=1e-12, abs=0)
    assert r.standby_leakage == 0.0
    assert 0 < r.area_efficiency < 1


def test_search_honours_the_capacity_and_word():
    cell = stt_cell()
    opts = ArrayOptions(capacity_bits=64 * 1024 * 8, word_bits=64)
    r = design_array(cell, TECH, opts)
    o = r.organisation
    assert o.subarrays * o.rows * o.columns == opts.capacity_bits
    assert o.active_subarrays * o.bits_per_subarray_access == 64
    assert r.searched > 10


def test_larger_arrays_are_slower_leak_more_and_cost_more_per_access():
    cell = sram_6t(TECH)
    small = design_array(cell, TECH, ArrayOptions(capacity_bits=64 * 1024 * 8, routing="bus"))
    large = design_array(cell, TECH, ArrayOptions(capacity_bits=512 * 1024 * 8, routing="bus"))
    # eight times the cells: their area and their leakage scale exactly; the periphery less (a larger
    # array spreads it over more bits)
    assert large.area * large.area_efficiency == pytest.approx(8 * small.area * small.area_efficiency, rel=1e-9,
                                                               abs=0)
    assert large.standby_leakage == pytest.approx(8 * small.standby_leakage, rel=1e-9, abs=0)
    assert large.area > small.area and large.area_efficiency > small.area_efficiency
    assert large.leakage > small.leakage
    assert large.read_latency > small.read_latency
    assert large.read_energy > small.read_energy


def test_mram_write_latency_is_its_pulse_plus_the_periphery():
    cell = stt_cell()
    r = design_array(cell, TECH, ArrayOptions(capacity_bits=64 * 1024 * 8))
    assert cell.write_time < r.write_latency < cell.write_time + 2e-9


@pytest.mark.parametrize("bad, match", [
    (dict(capacity_bits=3000), "power of two"), (dict(word_bits=48), "power of two"),
    (dict(routing="ring"), "htree or bus"), (dict(target="speed"), "must be one of"),
    (dict(buffer_design="huge"), "must be one of")])
def test_bad_options_are_input_errors(bad, match):
    with pytest.raises(ConfigError, match=match):
        ArrayOptions(**bad).validated()


def test_ctrl_c_in_the_search_propagates():
    """Library code never swallows an interrupt (docs/architecture.md section 6): a KeyboardInterrupt
    raised while the search reports progress leaves design_array unchanged."""
    def stop(event):
        if event.done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        design_array(stt_cell(), TECH, ArrayOptions(capacity_bits=256 * 1024 * 8), progress=stop)


def test_progress_reports_the_search():
    events = []
    design_array(stt_cell(), TECH, ArrayOptions(capacity_bits=64 * 1024 * 8), progress=events.append)
    assert events[0].task == "organisations" and events[-1].finished
    assert events[-2].done == events[-2].total
