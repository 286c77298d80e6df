"""Subprocess tests of the device commands: switch, threshold, wer, retention, resonance, trace."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EX = Path(__file__).resolve().parents[1] / "examples"


def run(*args, ok=(0,)):
    p = subprocess.run([sys.executable, "-m", "spinloss", *map(str, args)], capture_output=True, text=True,
                       timeout=900)
    assert p.returncode in ok, p.stderr
    assert "Traceback" not in p.stderr
    return p


def run_json(*args, ok=(0,)):
    p = run(*args, "--json", ok=ok)
    return json.loads(p.stdout)


def test_switch_json_and_map(tmp_path):
    out = run_json("switch", EX / "pt_py_device.toml", "--trials", 16, "-j", "2e12 A/m^2", "-w", "2 ns")
    assert out["trials"] == 16
    assert 0.0 <= out["switching_probability"] <= 1.0
    assert out["energy_per_pulse"] > 0 and out["current_density"] == 2e12
    png = tmp_path / "map.png"
    m = run_json("switch", EX / "pt_py_device.toml", "--trials", 8, "--vary", "pulse.current_density=5e11:3e12:3",
                 "--vary", "pulse.width=1ns:3ns:2", "--plot", png)
    p = np.array(m["switching_probability"], dtype=float)
    assert p.shape == (3, 2)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # more current, more switching (8 trials: the extremes are 0 and 1 here)
    assert p[0].max() <= p[-1].min()


def test_threshold_json_and_exit_1_without_torque():
    out = run_json("threshold", EX / "pt_py_device.toml", "-T", 0)
    assert out["critical_current_density"] > 0 and out["method"] == "bisection_T0"
    bad = run_json("threshold", EX / "py_sio2_device.toml", "-T", 0, ok=(1,))
    assert bad["critical_current_density"] is None and bad["reason"]


def test_retention_and_resonance_json():
    r = run_json("retention", EX / "pt_py_device.toml")
    assert r["thermal_stability"] > 40 and r["mean_dwell_time"] > 1e10
    f = run_json("resonance", EX / "pt_py_device.toml")
    assert f["frequency"] == pytest.approx(f["smit_beljers_frequency"], rel=2e-3)


def test_trace_writes_csv_and_netcdf(tmp_path):
    csv = tmp_path / "t.csv"
    run("trace", EX / "pt_py_device.toml", "--devices", 2, "--duration", "2 ns", "--output", csv)
    data = np.loadtxt(csv, delimiter=",", skiprows=1)
    assert data.shape[1] == 1 + 2 * 3 + 2
    assert np.allclose(np.linalg.norm(data[:, 1:4], axis=1), 1.0, atol=1e-9)
    nc = tmp_path / "t.nc"
    run("trace", EX / "pt_py_device.toml", "--duration", "1 ns", "--sequence", "1e12,-1e12", "--output", nc)
    import xarray as xr

    ds = xr.open_dataset(nc)
    assert ds["m"].attrs["units"] == "1" and ds["time"].attrs["units"] == "s"


def test_wer_monte_carlo_json():
    out = run_json("wer", EX / "pt_py_device.toml", "-j", "3e12", "-w", "2 ns", "--method", "monte_carlo",
                   "--trials", 200)
    assert out["method"] == "monte_carlo"
    assert 0.0 <= out["write_error_rate"] <= 1.0


@pytest.mark.parametrize("args", [
    ("switch", EX / "pt_py_device.toml", "-j", "5 mT"),
    ("switch", EX / "pt_py_device.toml", "-w", "-1 ns"),
    ("threshold", EX / "missing.toml"),
    ("retention", EX / "pt_py_device.toml", "-T", "nan"),
    ("switch", EX / "pt_py_device.toml", "--set", "geometry.width=-3"),
])
def test_bad_input_one_line_exit_2(args):
    p = subprocess.run([sys.executable, "-m", "spinloss", *map(str, args)], capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
