"""Formulas that used to be written in several places now have one home each; these tests pin
the shared formula and that every former copy now gives exactly its value (the same function,
so equality is exact: any tolerance would hide a second copy drifting away)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from spinloss.cells import cell_energy, cell_report, write_path
from spinloss.cells.cell import curvature_field, instability_field, parse_readout
from spinloss.device import Device
from spinloss.dynamics import analytic
from spinloss.dynamics.llg import sot_field_per_current, stt_field_per_current
from spinloss.dynamics.terms import uniaxial_anisotropy_constant, uniaxial_anisotropy_field
from spinloss.experiments.retention import retention
from spinloss.transport import sot_field_per_current as transport_field_per_current, torques
from spinloss.units import E_CHARGE, GAMMA, HBAR, KB, MU0

EX = Path(__file__).resolve().parents[1] / "examples"
EPS = np.finfo(float).eps


def dev(name, **over):
    return Device.from_toml(EX / name, overrides=over or None)


def test_field_per_current_has_one_home():
    # the formula (docs/physics.md section 2), rounding only (a few roundings: 4 eps)
    xi, ms, d = 0.08, 8e5, 3e-9
    want = HBAR * xi / (2 * E_CHARGE * MU0 * ms * d)
    assert sot_field_per_current(xi, ms, d) == pytest.approx(want, rel=4 * EPS, abs=0)
    assert sot_field_per_current is transport_field_per_current
    assert stt_field_per_current(xi, ms, d) == sot_field_per_current(xi, ms, d)
    # the device's H_DL/J, H_FL/J
    d_ = dev("pt_py_device.toml")
    t = d_.torque()
    a_dl, a_fl = d_.field_per_current()
    ms, th = d_.saturation_magnetization, d_.geometry.thickness
    assert a_dl == sot_field_per_current(t.damping_like_efficiency, ms, th)
    assert a_fl == sot_field_per_current(t.field_like_efficiency, ms, th)
    # the transport result's b_dl = mu0 H_DL at the file's current density
    m = torques(d_.stack).magnet(d_.magnet_layer)
    j = float(np.asarray(d_.stack.current_density))
    assert float(m.b_dl) == pytest.approx(MU0 * a_dl * j, rel=8 * EPS, abs=0)


def test_mtj_read_disturb_uses_the_stt_field_per_current():
    d_ = dev("stt_mtj_cell.toml")
    rep = cell_report(d_, 1e11, 2e-9, temperature=358.0)
    ro = parse_readout(d_)
    cf = curvature_field(d_, 358.0)
    per_amp = stt_field_per_current(ro.stt_efficiency, d_.saturation_magnetization, d_.geometry.thickness) \
        / d_.geometry.area
    want = instability_field(cf, d_.gilbert_damping, d_.easy_axis, d_.easy_axis) / per_amp
    assert rep.details["read"]["read_critical_current"] == pytest.approx(want, rel=4 * EPS, abs=0)


def test_instability_field_collinear_and_perpendicular():
    cf = {"collinear": 3e4, "effective_anisotropy": 5e5}
    assert instability_field(cf, 0.01, (0, 1, 0), (0, -1, 0)) == 0.01 * 3e4   # Sun: alpha (h1 + h2)/2
    assert instability_field(cf, 0.01, (0, 1, 0), (0, 0, 1)) == 0.5 * 5e5     # type z: H_K,eff / 2


def test_effective_anisotropy_field():
    # perpendicular thin film: H_K - M_s; the softer transverse factor sets it
    assert analytic.effective_anisotropy_field(1.3e6, 1.1e6, (0.0, 0.0, 1.0), 2) == 1.3e6 - 1.1e6
    assert analytic.effective_anisotropy_field(1e3, 8e5, (0.02, 0.05, 0.93), 1) == 1e3 + 8e5 * (0.02 - 0.05)
    # the sizing's lower edge: H_K at which the easy axis stops being a minimum (Delta -> 0)
    d_ = dev("pt_cofeb_perp_device.toml")
    nd = d_.geometry.demag_factors()
    hk0 = -analytic.effective_anisotropy_field(0.0, d_.saturation_magnetization, nd, 2)
    assert hk0 == d_.saturation_magnetization * (nd[2] - min(nd[0], nd[1]))
    assert d_.with_values({"magnet.anisotropy_field": 1.2 * hk0}).thermal_stability(300.0) > 0


def test_delta_has_one_home():
    # the closed form: Delta = mu0 Ms H_K V / (2 k_B T) = E_b / (k_B T)
    hk, ms, v, t = 2e5, 1e6, 1e-24, 300.0
    assert analytic.uniaxial_energy_barrier(hk, ms, v) == MU0 * ms * hk * v / 2
    assert analytic.thermal_stability_of_barrier(1e-19, t) == 1e-19 / (KB * t)
    assert analytic.thermal_stability(hk, ms, v, t) == pytest.approx(MU0 * ms * hk * v / (2 * KB * t),
                                                                     rel=2 * EPS, abs=0)
    # the device's Delta, retention's Delta: E_b / (k_B T) of the same barrier
    d_ = dev("py_nio_device.toml")
    delta = d_.thermal_stability(300.0)
    assert delta == analytic.thermal_stability_of_barrier(d_.energy_barrier(300.0), 300.0)
    assert retention(d_, temperature=300.0).thermal_stability == delta


def test_barrier_anisotropy_field_of_a_uniaxial_magnet_is_hk():
    """StartingWell.effective_anisotropy_field = 2 barrier / (mu0 Ms): H_K for a bare uniaxial
    magnet (no shape anisotropy, no field), where the barrier is K_u = mu0 Ms H_K / 2 exactly."""
    d_ = dev("pt_cofeb_perp_device.toml")
    well = d_.starting_well(300.0)
    bare = replace(well.params, demag_factors=(0.0, 0.0, 0.0), applied_field=(0.0, 0.0, 0.0))
    from spinloss.dynamics import StartingWell

    w0 = StartingWell.find(bare, d_.easy_axis, d_.initial_direction)
    hk = float(bare.anisotropy_field)
    # the saddle is refined by Newton on the sphere to ~1e-13 of the energy scale
    assert w0.effective_anisotropy_field == pytest.approx(hk, rel=1e-12, abs=0)
    assert retention(d_, temperature=300.0).details["effective_anisotropy_field"] == well.effective_anisotropy_field
    assert curvature_field(d_, 300.0)["effective_anisotropy"] == well.effective_anisotropy_field


def test_brown_formula_has_one_home():
    a, hk, delta = 0.02, 3e5, 45.0
    tau0 = analytic.brown_attempt_time(a, hk, delta)
    assert tau0 == pytest.approx((1 + a**2) / (a * GAMMA * MU0 * hk) * math.sqrt(math.pi / delta),
                                 rel=4 * EPS, abs=0)
    assert analytic.brown_dwell_time(a, hk, delta) == tau0 * np.exp(delta)
    # the log form stays finite where exp overflows, and agrees where both exist (rounding of
    # log10 and of exp: ~1e-15 relative)
    assert analytic.log10_brown_dwell_time(delta, a, hk) == pytest.approx(
        math.log10(analytic.brown_dwell_time(a, hk, delta)), rel=1e-14, abs=0)
    assert analytic.brown_dwell_time_or_inf(800.0, a, hk) == math.inf
    assert math.isfinite(analytic.log10_brown_dwell_time(800.0, a, hk))


def test_anisotropy_constant_of_a_device_file():
    d_ = dev("py_nio_device.toml", **{"magnet.uniaxial_anisotropy": "2e4 J/m^3"})
    ms = d_.saturation_magnetization
    assert d_.anisotropy_field == uniaxial_anisotropy_field(2e4, ms)
    assert uniaxial_anisotropy_constant(d_.anisotropy_field, ms) == pytest.approx(2e4, rel=4 * EPS, abs=0)


@pytest.mark.parametrize("name", ["pt_py_cell.toml", "stt_mtj_cell.toml"])
def test_cell_report_reports_cell_energy(name):
    d_ = dev(name)
    for j in (5e10, 1.5e11, 2e12):
        rep = cell_report(d_, j, 2e-9, temperature=358.0)
        e = cell_energy(d_, j, 2e-9, temperature=358.0)
        assert rep.write_current == float(e["current"])
        assert rep.channel_energy == float(e["channel"])
        assert rep.ok == bool(e["ok"]) and rep.reason == e["reason"][()]
        if rep.ok:
            assert rep.energy_per_bit == float(e["energy"])
            assert rep.transistor_energy == float(e["transistor"])
        else:
            # a design that cannot be written: cell_energy gives NaN (searches skip it); the
            # report states the energy of the write as driven, where a transistor can drive it
            assert math.isnan(float(e["energy"]))
            # (the supply energy V_dd I t_q + E_peripheral), where a transistor can drive it
            same = rep.energy_per_bit == float(e["supply"]) and rep.dissipated_energy == float(e["driven_energy"])
            assert same or (math.isnan(rep.energy_per_bit) and not bool(e["drivable"]))
    if name == "stt_mtj_cell.toml":
        # 1.5e11 A/m^2: drivable within V_dd but above the MTJ barrier's 0.5 V: not ok, energy stated
        rep = cell_report(d_, 1.5e11, 2e-9, temperature=358.0)
        assert not rep.ok and "barrier limit" in rep.reason and math.isfinite(rep.energy_per_bit)
        assert not cell_report(d_, 2e12, 2e-9, temperature=358.0).ok  # not drivable within V_dd
    # the parts: channel I^2 R_path t_eff (+ transistor + peripheral)
    e = cell_energy(d_, 1e11, 2e-9, temperature=358.0)
    path = write_path(d_, 358.0)
    t_eff = d_.pulse.effective_duration(2e-9)
    i = 1e11 * path["current_per_density"]
    assert float(e["channel"]) == pytest.approx(i**2 * path["resistance"] * t_eff, rel=4 * EPS, abs=0)


def test_pulse_duration():
    p = dev("pt_py_device.toml").pulse
    assert p.duration() == p.rise_time + p.width + p.fall
    assert p.duration(3e-9) == p.rise_time + 3e-9 + p.fall
