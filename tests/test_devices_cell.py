"""Cell model (issue 4): energy = I^2 R t, iso-Delta sizing, sink monotonicity, config errors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from spinloss.device import Device
from spinloss.cells import cell_report, parse_cell, parse_readout, size_for_delta, write_path
from spinloss.cells.design import Targets, energy_at
from spinloss.errors import ConfigError, TargetNotMetError

EX = Path(__file__).resolve().parents[1] / "examples"


def dev(name, **over):
    return Device.from_toml(EX / name, overrides=over or None)


def test_energy_is_i2rt_from_reported_current_and_resistance():
    d = dev("pt_py_cell.toml")
    j, w = 2.0e12, 3e-9
    rep = cell_report(d, j, w, temperature=358.0)
    t_eff = w + (d.pulse.rise_time + d.pulse.fall) / 3
    # reported current and resistances reproduce every energy term (rounding only)
    assert rep.channel_energy == pytest.approx(rep.write_current ** 2 * rep.path_resistance * t_eff, rel=1e-12, abs=0)
    assert rep.transistor_energy == pytest.approx(
        rep.write_current ** 2 * rep.transistor_on_resistance * t_eff, rel=1e-12, abs=0)
    assert rep.dissipated_energy == pytest.approx(rep.channel_energy + rep.transistor_energy + rep.peripheral_energy,
                                                  rel=1e-12, abs=0)
    # the supply delivers V_dd for the whole pulse: V_dd I t_q + C V_dd^2, t_q = w + (rise + fall)/2
    cell = parse_cell(d)
    t_q = w + (d.pulse.rise_time + d.pulse.fall) / 2
    assert rep.supply_energy == pytest.approx(cell.supply_voltage * rep.write_current * t_q + rep.peripheral_energy,
                                              rel=1e-12, abs=0)
    assert rep.energy_per_bit == rep.supply_energy >= rep.dissipated_energy
    assert rep.energies == {"channel": rep.channel_energy, "transistor": rep.transistor_energy,
                            "peripheral": rep.peripheral_energy, "supply": rep.supply_energy}
    # and agree with the device's own Joule energy of the channel (independent code path)
    e = d.write_energy(current_density=j, width=w, temperature=358.0)
    assert rep.write_current == pytest.approx(float(e["current"]), rel=1e-12, abs=0)
    assert rep.channel_energy == pytest.approx(float(e["energy"]), rel=1e-12, abs=0)
    # the transistor is sized so that the path fits in V_dd
    assert rep.write_current * (rep.path_resistance + rep.transistor_on_resistance) <= cell.supply_voltage * (1 + 1e-12)


def test_stt_write_path_is_the_mtj():
    d = dev("stt_mtj_cell.toml")
    ro = parse_readout(d)
    p = write_path(d, 358.0)
    area = d.geometry.area
    assert p["kind"] == "mtj"
    assert p["current_per_density"] == pytest.approx(area, rel=1e-12, abs=0)
    rp = ro.resistance_area / area
    assert p["resistance"] == pytest.approx(0.5 * (rp + rp * (1 + ro.tmr)))


@pytest.mark.parametrize("name", ["py_nio_cell.toml", "pt_cofeb_cell.toml", "stt_mtj_cell.toml"])
def test_iso_delta_is_enforced(name):
    t = Targets()
    sized, how = size_for_delta(dev(name), t.delta, t.temperature)
    # brentq to rtol 1e-9 on the barrier; the barrier search itself is a bisection to ~1e-15
    assert sized.thermal_stability(t.temperature) == pytest.approx(t.delta, rel=1e-6)
    assert how["thermal_stability"] == pytest.approx(t.delta, rel=1e-6)


def test_same_magnet_designs_get_the_same_magnet():
    t = Targets()
    a, _ = size_for_delta(dev("py_nio_cell.toml"), t.delta, t.temperature)
    b, _ = size_for_delta(dev("pt_py_cell.toml"), t.delta, t.temperature)
    assert a.geometry == b.geometry and a.anisotropy_field == b.anisotropy_field


def test_too_small_magnet_cannot_meet_retention():
    t = Targets()
    d = dev("py_nio_cell.toml", **{"geometry.length": "8 nm", "geometry.width": "20 nm"})
    with pytest.raises(TargetNotMetError, match="too small"):
        size_for_delta(d, t.delta, t.temperature)


def test_stronger_sink_gives_less_energy():
    """Same magnet, same required damping-like field (the WER engine's output depends on the
    magnet only): energy must fall as the magnon sink gets stronger (G_int up, NiO thicker).
    Channel Joule energy at every sink strength; the cell energy (transistor + peripheral
    included) where the access transistor can drive the current."""
    from spinloss.cells import cell_energy

    t = Targets()
    base, _ = size_for_delta(dev("py_nio_cell.toml"), t.delta, t.temperature)
    h, w = 3.0e3, 5e-9   # A/m, s: any fixed required field

    def energies(key, values):
        ch, tot = [], []
        for v in values:
            d = Device.from_dict(base.raw, source=base.source, overrides={key: v})
            a_dl, _ = d.field_per_current(t.temperature)
            e = cell_energy(d, h / abs(a_dl), w, temperature=t.temperature)
            ch.append(float(e["channel"]))
            tot.append(float(e["energy"]))
        return ch, tot

    ch, tot = energies("interfaces.0.magnon_interface_conductance", [1e13, 5e13, 2e14, 5e14, 2e15, 1e16])
    assert all(b < a for a, b in zip(ch, ch[1:])), ch
    ok = [e for e in tot if math.isfinite(e)]
    assert len(ok) >= 3 and all(b < a for a, b in zip(ok, ok[1:])), tot
    ch, _ = energies("NiO.thickness", [2e-9, 5e-9, 10e-9, 30e-9])
    assert all(b < a for a, b in zip(ch, ch[1:])), ch
    # energy_at (used by the maps) agrees with cell_energy
    d = Device.from_dict(base.raw, source=base.source, overrides={"interfaces.0.magnon_interface_conductance": 1e16})
    assert energy_at(d, {w: h}, t)["energy_per_bit"] == pytest.approx(tot[-1], rel=1e-12, abs=0)


def test_read_disturb_is_a_probability():
    rep = cell_report(dev("py_nio_cell.toml"), 2e12, 2e-9, temperature=358.0)
    assert 0.0 <= rep.read_disturb_probability <= 1.0
    assert rep.read_current > 0 and rep.cell_area > 0


def test_usmr_readout_reads_through_the_channel(tmp_path):
    text = (EX / "py_nio_cell.toml").read_text().replace('kind = "mtj"', 'kind = "usmr"')
    f = tmp_path / "usmr.toml"
    f.write_text(text)
    d = Device.from_toml(f)
    rep = cell_report(d, 2e12, 2e-9, temperature=358.0)
    p = write_path(d, 358.0)
    assert rep.read_current == pytest.approx(1.3e11 * p["current_per_density"], rel=1e-12, abs=0)


@pytest.mark.parametrize("table,line,key", [
    ("cell", 'bogus = 1', "cell.bogus"),
    ("readout", 'bogus = 1', "readout.bogus"),
    ("readout", 'read_current_density = "1e11 A/m^2"', "readout.read_current_density"),  # usmr key on an mtj
    ("cell", None, "cell.technology_node"),
    ("cell", 'supply_voltage = "-1 V"', "cell.supply_voltage"),
])
def test_config_errors_name_the_key(tmp_path, table, line, key):
    text = (EX / "py_nio_cell.toml").read_text()
    if line is None:  # replace the file's node by an unknown one
        text = text.replace('technology_node = "28nm"', 'technology_node = "3nm"')
    else:
        text = text.replace(f"[{table}]\n", f"[{table}]\n{line}\n")
    f = tmp_path / "bad.toml"
    f.write_text(text)
    d = Device.from_toml(f)
    with pytest.raises(ConfigError) as exc:
        parse_cell(d)
        parse_readout(d)
    assert key in str(exc.value)


def test_designs_are_classified_by_their_physics_not_their_names(tmp_path):
    from spinloss.cells import classify

    expected = {"py_nio_cell.toml": "spin_loss", "cofeb_nio_cell.toml": "spin_loss",
                "py_sio2_cell.toml": "no_sink_control", "cofeb_mgo_cell.toml": "no_sink_control",
                "pt_py_cell.toml": "heavy_metal_sot", "w_cofeb_cell.toml": "heavy_metal_sot",
                "stt_mtj_cell.toml": "stt"}
    for name, category in expected.items():
        text = (EX / name).read_text()
        renamed = tmp_path / name
        # a misleading display name (the file's top-level name) must not change the class
        head, sep, rest = text.partition("\n[")
        head = "\n".join(l for l in head.splitlines() if not l.startswith("name = "))
        renamed.write_text('name = "spin loss with a sink (not really)"\n' + head + sep + rest)
        assert classify(Device.from_toml(EX / name))["category"] == category, name
        assert classify(Device.from_toml(renamed))["category"] == category, name
    # the sink is the physics: a zero magnon conductance makes the spin-loss cell a no-sink control
    d = Device.from_toml(EX / "py_nio_cell.toml", overrides={"interfaces.0.magnon_interface_conductance": 0.0})
    assert classify(d) == {"mechanism": "sot", "torque_source": "self", "sink": False,
                           "sink_conductance": 0.0, "category": "no_sink_control"}


def test_channel_energy_scales_with_the_resistivity_at_the_same_current():
    # the same write current through channels of different resistivity: the channel Joule energy
    # differs by the resistivity ratio (the physics metric), the supply energy does not (it follows
    # the current once the transistor is sized by its drive, the defaults' r_on i_on < V_dd)
    from spinloss.cells import cell_energy

    a = dev("py_nio_cell.toml")
    b = dev("py_nio_cell.toml", **{"free.resistivity": "60 uOhm cm"})
    j = 1e12
    ea, eb = cell_energy(a, j, 3e-9, temperature=358.0), cell_energy(b, j, 3e-9, temperature=358.0)
    assert float(ea["current"]) == pytest.approx(float(eb["current"]), rel=1e-12, abs=0)  # all current in the Py
    rho_a = float(a.stack.layer("free").material.resistivity)
    assert float(eb["channel"]) / float(ea["channel"]) == pytest.approx(6e-7 / rho_a, rel=1e-12, abs=0)
    assert float(eb["supply"]) == pytest.approx(float(ea["supply"]), rel=1e-12, abs=0)
    assert float(eb["channel"]) > 1.9 * float(ea["channel"])
