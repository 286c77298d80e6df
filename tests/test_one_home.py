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


# ----------------------------------------------------------------------------- frames, torque field, energies

LAB = EX / "lab"


def unit_rows_sample():
    rng = np.random.default_rng(7)
    m = rng.normal(size=(40, 3))
    m = np.concatenate([m, [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, -1.0], [0.95, 0.3, 0.0],
                            [0.1, 0.2, 0.97]]])
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_orthonormal_frame_has_one_home():
    """The lab uses the frames of vectors.py (no copy of its own); the frame of rows is the frame of
    each row (the same rule: one rounding apart, the dot product summed differently)."""
    import ast
    import importlib

    from spinloss import vectors

    harmonic_hall, st_fmr, usmr = (importlib.import_module(f"spinloss.lab.{n}")
                                   for n in ("harmonic_hall", "st_fmr", "usmr"))
    assert harmonic_hall.orthonormal_frame is vectors.orthonormal_frame
    assert st_fmr.film_tangent_frame is vectors.film_tangent_frame
    assert usmr.film_tangent_frame is vectors.film_tangent_frame
    # no module builds a frame of its own in a function of its own
    src = Path(vectors.__file__).parent
    for path in src.rglob("*.py"):
        if path.name == "vectors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and "frame" in node.name:
                raise AssertionError(f"{path}: {node.name} (frames belong in vectors.py)")
    m = unit_rows_sample()
    for frame in (vectors.orthonormal_frame, vectors.film_tangent_frame):
        u, e1, e2 = frame(m)
        assert np.array_equal(u, m)        # unit rows are taken as they are
        for a, b in ((u, e1), (u, e2), (e1, e2)):
            assert np.max(np.abs(np.sum(a * b, axis=1))) < 8 * EPS
        assert np.max(np.abs(np.linalg.norm(e1, axis=1) - 1)) < 4 * EPS
        assert np.max(np.abs(e2 - np.cross(u, e1))) == 0.0       # right-handed by construction
    u, e1, e2 = vectors.orthonormal_frame(m)
    for k in range(m.shape[0]):
        uk, e1k, e2k = vectors.orthonormal_frame(m[k])
        assert np.max(np.abs(e1[k] - e1k)) < 4 * EPS and np.max(np.abs(e2[k] - e2k)) < 4 * EPS
    # the film frame: e1 = z x m normalized (in the plane), e2 = +z for an in-plane m
    phi = np.linspace(0, 2 * np.pi, 9)
    mp = np.stack([np.cos(phi), np.sin(phi), 0 * phi], axis=1)
    _, f1, f2 = vectors.film_tangent_frame(mp)
    assert np.allclose(f1, np.stack([-np.sin(phi), np.cos(phi), 0 * phi], axis=1), rtol=0, atol=4 * EPS)
    assert np.allclose(f2, [[0.0, 0.0, 1.0]] * len(phi), rtol=0, atol=4 * EPS)
    with pytest.raises(ValueError):
        vectors.orthonormal_frame(2 * m)   # rows must be unit vectors


def test_torque_field_has_one_home():
    """H_T = H_FL s + H_DL m x s: the terms' torque field, the Hall bar's current-induced field and
    the ST-FMR drive are dynamics.terms.spin_torque_field (exactly)."""
    from spinloss.dynamics.terms import DampingLikeTorque, FieldLikeTorque, spin_torque_field
    from spinloss.lab.harmonic_hall import hall_bar_of_device
    from spinloss.lab.st_fmr import StFmrModel

    m = unit_rows_sample()
    s = np.array([0.0, 1.0, 0.0])
    h_dl, h_fl = 1.7e3, -4.1e2
    want = h_fl * s + h_dl * np.cross(m, s)
    assert np.array_equal(spin_torque_field(m, h_dl, h_fl, s), want)
    n = m.shape[0]
    j = 2.5e11
    dl = DampingLikeTorque(np.full(n, h_dl / j), np.tile(s, (n, 1)))
    fl = FieldLikeTorque(np.full(n, h_fl / j), np.tile(s, (n, 1)))
    for term, hd, hf in ((dl, dl.damping_like_field(j), 0.0), (fl, 0.0, fl.field_like_field(j))):
        assert np.array_equal(term.torque_field(m, j), spin_torque_field(m, hd + 0 * m[:, 0], hf + 0 * m[:, 0], s))
    d_ = Device.from_toml(LAB / "pt_py_stfmr.toml")
    bar, _ = hall_bar_of_device(d_, 1e-3)
    c = np.linspace(-1, 1, n)
    oe = np.array([0.0, bar.oersted_field, 0.0])
    tf = spin_torque_field(m, bar.damping_like_field, bar.field_like_field, bar.polarization)
    assert np.array_equal(bar.current_field(m, c), c[:, None] * (tf + oe))
    model = StFmrModel(d_, 1e-3, rf_field=3.0)
    assert np.array_equal(model.drive(m), tf + np.array([0.0, bar.oersted_field + 3.0, 0.0]))


@pytest.mark.parametrize("name", ["pt_py_cell.toml", "py_nio_cell.toml", "stt_mtj_cell.toml"])
def test_write_energy_has_one_home(name):
    """The Joule energy I^2 R t_eff of a write: Device.write_energy (the energy_per_pulse of
    `switch`) is the cell model's channel energy, in the same write path (the MTJ of an STT
    device), exactly."""
    from spinloss.cells import cell as cell_module
    from spinloss.device import joule_energy

    assert cell_module.joule_energy is joule_energy
    d_ = dev(name)
    j = np.array([5e10, 1e11, 3e11])
    w = np.array([1e-9, 2e-9, 5e-9])
    e = d_.write_energy(current_density=j, width=w, temperature=358.0)
    c = cell_energy(d_, j, w, temperature=358.0)
    path = write_path(d_, 358.0)
    assert e["path"] == path["kind"] == ("mtj" if name.startswith("stt") else "sot_channel")
    assert np.array_equal(e["energy"], c["channel"]) and np.array_equal(e["current"], c["current"])
    assert e["resistance"] == path["resistance"]
    t_eff = d_.pulse.effective_duration(w)
    assert np.array_equal(e["energy"], joule_energy(j * path["current_per_density"], path["resistance"], t_eff))
    i = j * path["current_per_density"]
    assert e["energy"] == pytest.approx(i**2 * path["resistance"] * t_eff, rel=4 * EPS, abs=0)


def test_mtj_mean_resistance_has_one_home():
    """R_MTJ = R_P (1 + TMR/2): the STT write path and the p-bit's read resistance are
    device.mtj_resistances."""
    from spinloss.cells.cell import mtj_read_numbers
    from spinloss.device import mtj_resistances
    from spinloss.pbits.calibration import energy_per_random_bit

    d_ = dev("stt_mtj_cell.toml")
    ro = parse_readout(d_)
    r = mtj_resistances(ro.resistance_area, d_.geometry.area, ro.tmr)
    assert r["parallel"] == ro.resistance_area / d_.geometry.area
    assert r["mean"] == pytest.approx(r["parallel"] * (1 + ro.tmr / 2), rel=4 * EPS, abs=0)
    assert r["antiparallel"] == pytest.approx(r["parallel"] * (1 + ro.tmr), rel=2 * EPS, abs=0)
    path = write_path(d_, 300.0)
    assert path["resistance"] == r["mean"] and path["resistance_parallel"] == r["parallel"]
    assert path["resistance_antiparallel"] == r["antiparallel"]
    e = energy_per_random_bit(d_, "field", None, 1e-9, mtj_read_numbers(d_), 300.0)
    assert e["read_resistance"] == r["mean"]


def test_usmr_read_current_density_has_one_home():
    import importlib
    import inspect

    from spinloss.cells.cell import READOUT_DEFAULTS
    from spinloss.device import USMR_READ_CURRENT_DENSITY

    usmr = importlib.import_module("spinloss.lab.usmr")

    assert USMR_READ_CURRENT_DENSITY == 1.3e11
    assert READOUT_DEFAULTS["usmr"]["read_current_density"] == USMR_READ_CURRENT_DENSITY
    for f in (usmr.Readout, usmr.usmr_field_sweep, usmr.write_read):
        assert inspect.signature(f).parameters["read_current_density"].default == USMR_READ_CURRENT_DENSITY
    # two quantities, two names: the cell's dimensionless ratio, the lab's ratio per current density
    from spinloss.lab.resistance import ResistanceModel

    assert not hasattr(ResistanceModel, "usmr_ratio")
    assert ResistanceModel(USMR=2e-16).usmr_per_current_density(0.0) == 2e-16


def test_the_transport_frame_is_the_polarization_frame_of_vectors():
    """The drift-diffusion solver takes its transverse frame from vectors.polarization_frame:
    e1 along the part of s = +y perpendicular to m, e2 = e1 x m (its own handedness, stated)."""
    from spinloss import transport, vectors

    assert transport.polarization_frame is vectors.polarization_frame
    e1, e2, s_par, s_perp = vectors.polarization_frame(np.array([1.0, 0.0, 0.0]))
    assert np.array_equal(e1, [0.0, 1.0, 0.0]) and np.array_equal(e2, [0.0, 0.0, -1.0])
    assert (s_par, s_perp) == (0.0, 1.0)
    m = np.array([0.3, 0.4, np.sqrt(1 - 0.25)])
    e1, e2, s_par, s_perp = vectors.polarization_frame(m)
    np.testing.assert_allclose([e1 @ m, e2 @ m, e1 @ e2], 0.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(np.cross(e1, m), e2, rtol=0, atol=1e-15)
    assert s_par == pytest.approx(0.4, rel=1e-15, abs=0)
    assert s_perp == pytest.approx(np.sqrt(1 - 0.16), rel=1e-14, abs=0)
    # s along m: a frame all the same (m x z)
    e1, e2, s_par, s_perp = vectors.polarization_frame(np.array([0.0, 1.0, 0.0]))
    assert s_perp == 0.0 and np.array_equal(e1, [1.0, 0.0, 0.0])


@pytest.mark.parametrize("name, kind", [("pt_py_cell.toml", "sot_channel"), ("stt_mtj_cell.toml", "mtj")])
def test_p_bit_drive_energy_is_the_joule_power_of_the_write_path(name, kind):
    """A current-driven p-bit pays I^2 R of its write path: the channel of an SOT bit, the MTJ of
    an STT one (not the in-plane channel under an STT junction)."""
    from spinloss.pbits.calibration import energy_per_random_bit

    d_ = dev(name)
    path = d_.write_path()
    sig = {"x0": 2e10, "x_s": 1e10}
    out = energy_per_random_bit(d_, "current", sig, 1e-9, None, 300.0)
    i = 3e10 * path["current_per_density"]
    assert out["drive_path"] == path["kind"] == kind
    assert out["drive_current"] == i and out["channel_resistance"] == path["resistance"]
    assert out["drive_energy"] == pytest.approx(i * i * path["resistance"] * 1e-9, rel=1e-15, abs=0)
