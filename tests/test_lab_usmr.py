"""USMR readout and the write/read protocol (issue 10 items 4, 7; docs/lab.md section 7): R_xx^2w
of the two states against the hand formula (USMR with its magnon part, the anomalous Nernst part),
the hysteresis of a field sweep against the Stoner-Wohlfarth switching field, the switching loop
against the device's threshold, a thermal pulse sequence, the command line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from spinloss import Device
from spinloss.experiments.switching import critical_current
from spinloss.lab.usmr import Readout, loop_pulses, read_levels, usmr_field_sweep, write_read
from spinloss.units import MU0

LAB = Path(__file__).resolve().parents[1] / "examples" / "lab"


@pytest.fixture(scope="module")
def bit():
    return Device.from_toml(LAB / "py_nio_usmr_device.toml")


def hand_r2w(device, m_y, field, j0=1.3e11):
    """R_2w = R0 u(|H|) J0 m_y/2 + V_N,xx m_y/(2 I0), V_N,xx = -S_ANE L q/kappa, q = R_sheet (I0/W)^2
    (docs/lab.md section 7.1), with the values of the device file."""
    r0, u, um, hm = 40.0, 1e-16, 1e-16, 2.0 / MU0
    s_ane, kappa = 0.3e-6, 20.0
    ch = device.channel()
    i0 = j0 * ch["current_per_density"]
    q = ch["sheet_resistance"] * (i0 / device.geometry.width) ** 2
    v_n = -s_ane * device.geometry.length * q / kappa
    return 0.5 * r0 * (u + um / (1 + abs(field) / hm)) * j0 * m_y + v_n * m_y / (2 * i0)


def test_read_levels_are_the_hand_formula(bit):
    """At m = +-y (zero field) the current-induced fields (H_DL (m x y), H_FL and H_Oe along y) exert
    no torque, so R_2w is the USMR and Nernst terms alone: the hand formula to round-off (rel 1e-9;
    the harmonics are projected exactly). Odd in m_y."""
    ro = Readout(bit)
    levels = read_levels(bit, ro)
    assert levels[1] == pytest.approx(hand_r2w(bit, 1.0, 0.0), rel=1e-9, abs=0)
    assert levels[-1] == pytest.approx(hand_r2w(bit, -1.0, 0.0), rel=1e-9, abs=0)
    # the magnon part halves at |H| = USMR_magnon_field (2 T): read +y there
    h = np.array([[0.0, 2.0 / MU0, 0.0]])
    _, r2, m0, usmr, thermal = ro.read(np.array([[0.0, 1.0, 0.0]]), h)
    assert m0[0, 1] == pytest.approx(1.0, rel=1e-12, abs=0)
    assert r2[0] == pytest.approx(hand_r2w(bit, 1.0, 2.0 / MU0), rel=1e-9, abs=0)
    assert usmr[0] == pytest.approx(0.5 * 40.0 * 1.5e-16 * 1.3e11, rel=1e-12, abs=0)


def test_field_sweep_switches_at_the_stoner_wohlfarth_field(bit):
    """H_y swept -100 -> 100 -> -100 mT in 5 mT steps: m_y flips where its well vanishes,
    H_sw = H_K + M_s (N_x - N_y) (the in-plane stiffness of m = -y in a field +H: H_K + M_s(N_x - N_y) - H),
    between the grid points around it on each branch; R_2w follows m_y and its contrast is twice the
    hand value at 100 mT."""
    fields = np.linspace(-0.1, 0.1, 41) / MU0
    res = usmr_field_sweep(bit, fields)
    r = res.rows
    n = bit.geometry.demag_factors()
    h_sw = bit.anisotropy_field + bit.saturation_magnetization * (n[0] - n[1])
    for d, sign in ((1, 1.0), (-1, -1.0)):
        sel = np.flatnonzero(np.asarray(r["direction"]) == d)
        h, my = np.asarray(r["field"])[sel], np.asarray(r["m_y"])[sel]
        k = int(np.flatnonzero(np.sign(my[1:]) != np.sign(my[:-1]))[0]) + 1   # first point after the flip
        assert sign * h[k - 1] < h_sw <= sign * h[k] + 1e-9 * h_sw
    assert res.summary["read_contrast"] == pytest.approx(2 * hand_r2w(bit, 1.0, 0.1 / MU0), rel=1e-6, abs=0)


def test_switching_loop_brackets_the_threshold(bit):
    """T = 0 loop 0 -> +J -> -J -> +J in steps of 2.5e12 A/m^2 (each pulse from the relaxed state
    tilted 1 deg, as the threshold search does): on both branches the read flips at the first pulse
    beyond the device's T = 0 critical current (critical_current, bisection to 1e-3), and the reads
    are the two levels."""
    jc = critical_current(bit, temperature=0.0).critical_current_density
    step = 2.5e12
    pulses, directions = loop_pulses(8 * step, 9)
    res = write_read(bit, pulses, temperature=0.0, directions=directions, mode="loop")
    r, s = res.rows, res.summary
    levels = read_levels(bit, Readout(bit))
    assert set(np.round(np.asarray(r["r2w"]) / levels[1], 9)) == {1.0, -1.0}
    for d, sign in ((1, 1.0), (-1, -1.0)):
        sel = np.flatnonzero(np.asarray(r["direction"]) == d)
        f = np.asarray(r["fraction_positive"])[sel]
        j = np.asarray(r["current_density"])[sel]
        k = int(np.flatnonzero(f[1:] != f[:-1])[0]) + 1
        assert sign * j[k - 1] < jc * (1 - 1e-3) and sign * j[k] >= jc * (1 - 1e-3)
    # positive pulses pull m to -y (xi_DL < 0, s = +y): after the first ramp the bit reads negative
    assert r["fraction_positive"][8] == 0.0
    assert s["switching_current_density_up"] > 0 > s["switching_current_density_down"]


def test_thermal_pulse_sequence_is_deterministic_above_threshold(bit):
    """300 K, 20 devices: pulses of 1.4 J_c switch every device (Delta ~ 120, WER far below 1/20),
    a pulse of 0.06 J_c none; the mean read equals the level of the written state."""
    seq = [2.2e13, 2.2e13, -2.2e13, 1e12, -2.2e13, 2.2e13]
    res = write_read(bit, seq, temperature=300.0, trials=20, seed=5)
    r, s = res.rows, res.summary
    assert list(r["fraction_positive"]) == [0.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    expect = [s["r2w_negative"], s["r2w_negative"], s["r2w_positive"], s["r2w_positive"], s["r2w_positive"],
              s["r2w_negative"]]
    assert np.allclose(r["r2w"], expect, rtol=1e-12, atol=0)
    assert list(r["undecided"]) == [0] * 6


def test_cli_usmr(tmp_path, capsys):
    from spinloss import cli

    dev = str(LAB / "py_nio_usmr_device.toml")
    out = tmp_path / "u.csv"
    with pytest.raises(SystemExit) as e:
        cli.main(["lab", "usmr", dev, "--mode", "field", "--field", "-80 mT:80 mT:9", "--output", str(out), "--json"])
    assert e.value.code == 0
    d = json.loads(capsys.readouterr().out)
    assert d["mode"] == "field" and len(d["r2w"]) == 17 and d["units"]["r2w"] == "Ohm"
    assert d["read_current_density"] == pytest.approx(1.3e11, rel=1e-12, abs=0)
    text = out.read_text().splitlines()
    assert text[0].startswith("# synthetic") and text[2].startswith("field [A/m],direction,m_y")
    with pytest.raises(SystemExit) as e:
        cli.main(["lab", "usmr", dev, "--mode", "sequence", "--pulses", "2e13,oops"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--pulses" in err[0]
    with pytest.raises(SystemExit) as e:
        cli.main(["lab", "usmr", dev, "--mode", "loop", "--read-current-density", "-1e11"])
    assert e.value.code == 2
    assert "--read-current-density: must be > 0" in capsys.readouterr().err
    assert math.isfinite(d["usmr_per_current_density_zero_field"])
