"""The ``spinloss`` command, run as a subprocess (``python -m spinloss``), output parsed.

Checks: --json gives exactly one JSON object (strict: no NaN) that agrees with the Python API;
--set, --temperature, --vary (1D and 2D shapes), --plot writes a PNG; ``materials --json``;
bad input exits 2 with one line on stderr naming the file and the key and no traceback.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spinloss import Stack

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PY_NIO = str(EXAMPLES / "py_nio.toml")
PT_PY = str(EXAMPLES / "pt_py.toml")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(*args, check=True, env=None):
    """Run ``python -m spinloss ARGS``; returns the CompletedProcess."""
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    full_env.pop("SPINLOSS_DEBUG", None) if not (env and "SPINLOSS_DEBUG" in env) else None
    proc = subprocess.run([sys.executable, "-m", "spinloss", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=full_env, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def run_json(*args) -> dict:
    proc = run(*args, "--json")
    return parse_one_object(proc.stdout)


def parse_one_object(text: str) -> dict:
    """stdout must be exactly one JSON object, strict (NaN/Infinity are not JSON)."""
    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name} in output")

    data = json.loads(text, parse_constant=no_constants)  # fails on trailing text too
    assert isinstance(data, dict)
    return data


def assert_input_error(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr
    assert len(err.splitlines()) == 1, err
    assert err.startswith("spinloss: error: "), err
    for f in fragments:
        assert f in err, (f, err)
    assert proc.stdout == ""


def torques_api(path, overrides=None):
    from spinloss.transport import torques

    return torques(Stack.from_toml(path, overrides=overrides))


# ============================================================================ torque


@pytest.fixture(scope="module")
def py_nio_json():
    return run_json("torque", PY_NIO)


def test_torque_json_fields_match_api(py_nio_json):
    data = py_nio_json
    for key in ("magnets", "layers", "sheet_resistance", "reference_layer", "electric_field"):
        assert key in data
    res = torques_api(PY_NIO)
    assert data["reference_layer"] == res.reference_layer == "free"
    assert data["sheet_resistance"] == pytest.approx(float(res.sheet_resistance), rel=1e-12)
    (mag,) = data["magnets"]
    for key in ("layer", "xi_dl", "xi_fl", "sigma_dl", "sigma_fl", "b_dl", "b_fl", "reference_layer"):
        assert key in mag
    m = res.magnet("free")
    assert mag["layer"] == "free"
    for key in ("xi_dl", "xi_fl", "sigma_dl", "sigma_fl", "b_dl", "b_fl"):
        assert mag[key] == pytest.approx(float(getattr(m, key)), rel=1e-12, abs=1e-300)
    assert mag["xi_dl"] < 0  # sink on top of a theta_F > 0 magnet (docs/physics.md sec. 2)
    names = [l["name"] for l in data["layers"]]
    assert names == ["SiO2", "free", "NiO"]
    for l in data["layers"]:
        assert {"name", "current_fraction", "current_density"} <= set(l)
    assert sum(l["current_fraction"] for l in data["layers"]) == pytest.approx(1.0)
    assert data["layers"][1]["current_density"] == pytest.approx(1e11)


def test_torque_human_table():
    out = run("torque", PT_PY).stdout
    for fragment in ("Pt/Py", "Layers", "Magnets", "xi_dl", "xi_fl", "b_dl (mT)", "rho (uOhm cm)",
                     "current fraction", "sheet resistance", "free", "Pt"):
        assert fragment in out, fragment
    data = run_json("torque", PT_PY)
    assert data["reference_layer"] == "Pt"
    assert data["magnets"][0]["xi_dl"] > 0  # theta > 0 heavy metal below the magnet


def test_set_overrides(py_nio_json):
    data = run_json("torque", PY_NIO, "--set", "free.thickness=3 nm", "--set", "free.spin_hall_angle=0.1",
                    "--set", "interfaces.0.magnon_interface_conductance=1e15")
    res = torques_api(PY_NIO, {"free.thickness": 3e-9, "free.spin_hall_angle": 0.1,
                               "interfaces.0.magnon_interface_conductance": 1e15})
    assert data["magnets"][0]["xi_dl"] == pytest.approx(float(res.magnets[0].xi_dl), rel=1e-12, abs=0)
    assert data["magnets"][0]["xi_dl"] != pytest.approx(py_nio_json["magnets"][0]["xi_dl"])
    free = next(l for l in data["layers"] if l["name"] == "free")
    assert free["thickness"] == pytest.approx(3e-9, rel=1e-12, abs=0)


def test_temperature_option():
    a = run_json("torque", str(EXAMPLES / "cofeb_coo.toml"), "--temperature", "250 K")
    b = run_json("torque", str(EXAMPLES / "cofeb_coo.toml"), "--temperature", "250")
    assert a["temperature"] == b["temperature"] == pytest.approx(250.0)
    assert a["magnets"][0]["xi_dl"] == pytest.approx(b["magnets"][0]["xi_dl"], rel=1e-12, abs=0)
    res = torques_api(EXAMPLES / "cofeb_coo.toml", {"temperature": 250.0})
    assert a["magnets"][0]["xi_dl"] == pytest.approx(float(res.magnets[0].xi_dl), rel=1e-12, abs=0)


def test_vary_1d_and_plot(tmp_path):
    png = tmp_path / "sweep.png"
    proc = run("torque", PY_NIO, "--json", "--vary", "NiO.thickness=1 nm:30 nm:7", "--plot", png)
    data = parse_one_object(proc.stdout)
    grid = data["grid"]["NiO.thickness"]
    assert len(grid) == 7
    assert grid[0] == pytest.approx(1e-9, rel=1e-12, abs=0) and grid[-1] == pytest.approx(3e-8, rel=1e-12, abs=0)  # SI in the JSON
    assert data["grid_units"]["NiO.thickness"] == "m"
    xi = data["magnets"][0]["xi_dl"]
    assert isinstance(xi, list) and len(xi) == 7
    assert len(data["sheet_resistance"]) == 7
    # thicker sink, more spin loss, more torque (monotonic, docs/physics.md sec. 3 item 4)
    assert all(abs(b) >= abs(a) for a, b in zip(xi, xi[1:]))
    res = torques_api(PY_NIO, {"NiO.thickness": np.array(grid)})
    np.testing.assert_allclose(xi, np.asarray(res.magnets[0].xi_dl), rtol=1e-12, atol=0)
    assert png.read_bytes()[:8] == PNG_MAGIC
    assert "wrote" in proc.stderr


def test_vary_2d_shapes_and_plot(tmp_path):
    png = tmp_path / "map.png"
    proc = run("torque", PY_NIO, "--json", "--vary", "free.thickness=2e-9:6e-9:3",
               "--vary", "interfaces.0.magnon_interface_conductance=1e13:1e15:4:log", "--plot", png)
    data = parse_one_object(proc.stdout)
    assert list(data["grid"]) == ["free.thickness", "interfaces.0.magnon_interface_conductance"]
    assert data["grid_shape"] == [3, 4]
    xi = np.asarray(data["magnets"][0]["xi_dl"])
    assert xi.shape == (3, 4)
    assert np.asarray(data["magnets"][0]["b_fl"]).shape == (3, 4)
    assert np.asarray(data["layers"][1]["current_density"]).shape == (3, 4)
    # axis 0 is the first key (indexing="ij"): compare one row with a 1D API call
    g = data["grid"]["interfaces.0.magnon_interface_conductance"]
    np.testing.assert_allclose(g, np.geomspace(1e13, 1e15, 4), rtol=1e-12, atol=0)
    res = torques_api(PY_NIO, {"free.thickness": 4e-9,
                               "interfaces.0.magnon_interface_conductance": np.array(g)})
    np.testing.assert_allclose(xi[1], np.asarray(res.magnets[0].xi_dl), rtol=1e-12, atol=0)
    assert png.read_bytes()[:8] == PNG_MAGIC


def test_vary_human_output():
    out = run("torque", PY_NIO, "--vary", "free.thickness=2 nm:5 nm:4").stdout
    assert "free.thickness (nm)" in out
    assert len([l for l in out.splitlines() if l.strip().startswith(("2 ", "3 ", "4 ", "5 "))]) == 4


def test_plot_single_stack(tmp_path):
    png = tmp_path / "single.png"
    run("torque", PT_PY, "--plot", png)
    assert png.read_bytes()[:8] == PNG_MAGIC


def test_all_examples_run_and_controls():
    """Every example evaluates; the no-sink and symmetric controls give no damping-like torque."""
    from concurrent.futures import ThreadPoolExecutor

    names = ["py_nio.toml", "py_sio2.toml", "nio_py_nio.toml", "pt_py.toml", "pt_cofeb.toml",
             "cofeb_nio.toml", "w_cofeb.toml", "ta_cofeb.toml", "cofeb_coo.toml", "my_py_nio.toml"]
    paths = [EXAMPLES / n for n in names]
    with ThreadPoolExecutor(max_workers=2) as pool:  # two cores: halve the wall time
        results = list(pool.map(lambda p: run_json("torque", p), paths))
    for path, data in zip(paths, results):
        assert data["magnets"][0]["layer"] == "free"
        xi = data["magnets"][0]["xi_dl"]
        assert xi is not None and math.isfinite(xi)
        if path.name in ("py_sio2.toml", "nio_py_nio.toml"):
            assert abs(xi) < 1e-12


# ============================================================================ materials, version


def test_materials_json():
    data = run_json("materials")
    mats = data["materials"]
    for name in ("Py", "CoFeB", "Co", "Fe", "Pt", "W", "Ta", "NiO", "CoO", "MgO", "SiO2", "AlOx"):
        assert name in mats
    py = mats["Py"]
    assert py["kind"] == "ferromagnet"
    assert py["values"]["spin_hall_angle"] == pytest.approx(0.053)
    assert py["units"]["resistivity"] == "Ohm*m"
    assert "Wang" in py["references"]["spin_hall_angle"]
    assert "Ni80Fe20" in py["aliases"]
    assert "metal_antiferromagnetic_insulator" in data["interface_defaults"]
    human = run("materials").stdout
    assert "Py: ferromagnet" in human and "Wang et al." in human


def test_materials_user_library():
    data = run_json("materials", "--library", EXAMPLES / "my_materials.toml")
    assert "MyPy" in data["materials"]
    assert data["materials"]["NiO"]["values"]["neel_temperature"] == pytest.approx(450.0)


def test_version_and_help():
    from spinloss import __version__

    assert __version__ in run("--version").stdout
    out = run("--help").stdout
    assert "torque" in out and "materials" in out
    assert "--vary" in run("torque", "--help").stdout


# ============================================================================ errors


def test_bad_value_in_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(Path(PY_NIO).read_text().replace('thickness = "10 nm"', 'thickness = "10 K"'))
    assert_input_error(run("torque", bad, check=False), str(bad), "layers[2].thickness", "dimension")
    assert_input_error(run("torque", bad, "--json", check=False), str(bad), "layers[2].thickness")


def test_unknown_key_and_bad_toml(tmp_path):
    bad = tmp_path / "unknown.toml"
    bad.write_text(Path(PY_NIO).read_text() + "\ncolour = 'red'\n")
    assert_input_error(run("torque", bad, check=False), str(bad), "colour", "unknown key")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[layers]\nmaterial = \n")
    assert_input_error(run("torque", broken, check=False), str(broken), "TOML")


def test_nonexistent_file():
    assert_input_error(run("torque", "no/such/stack.toml", check=False), "no/such/stack.toml", "not found")


@pytest.mark.parametrize("args, fragments", [
    (["--set", "free.thickness=-1"], ["--set free.thickness", "positive"]),
    (["--set", "nolayer.thickness=1e-9"], ["nolayer.thickness", "no layer named"]),
    (["--set", "free.thickness"], ["free.thickness", "KEY=VALUE"]),
    (["--vary", "free.thickness=1 K:2 K:3"], ["free.thickness", "dimension"]),
    (["--vary", "free.thickness=1:2"], ["free.thickness", "START:STOP:NUM"]),
    (["--vary", "a.thickness=1:2:2", "--vary", "b.thickness=1:2:2", "--vary", "c.thickness=1:2:2"],
     ["--vary", "two"]),
    (["--temperature", "-5"], ["--temperature", "positive"]),
    (["--temperature", "300 m"], ["--temperature", "dimension"]),
    (["--bogus-option"], ["<command line>", "--bogus-option"]),
    (["--plot", "figure.xyz"], ["--plot", ".png"]),
])
def test_bad_command_line(args, fragments):
    assert_input_error(run("torque", PY_NIO, *args, check=False), *fragments)


def test_usage_errors():
    assert_input_error(run("torque", check=False), "STACK.toml")
    assert_input_error(run("no-such-command", check=False), "no-such-command")


def test_library_path_is_a_directory(tmp_path):
    (tmp_path / "lib.toml").mkdir()
    stack = tmp_path / "s.toml"
    stack.write_text('library = "lib.toml"\n[[layers]]\nname = "free"\nmaterial = "Py"\nthickness = 2e-9\n')
    assert_input_error(run("torque", stack, check=False), str(stack), "library")


def test_internal_error_is_one_line_without_traceback(monkeypatch, capsys):
    """An unexpected exception: exit 1 and one line; the traceback only with --debug (in-process,
    with the physics replaced by a function that fails)."""
    import spinloss.transport
    from spinloss import cli

    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(spinloss.transport, "torques", broken)
    monkeypatch.delenv("SPINLOSS_DEBUG", raising=False)
    with pytest.raises(SystemExit) as ei:
        cli.main(["torque", PY_NIO, "--json"])
    assert ei.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [captured.err.strip()]
    assert "RuntimeError: boom second line" in captured.err and "Traceback" not in captured.err
    with pytest.raises(SystemExit) as ei:
        cli.main(["--debug", "torque", PY_NIO])
    assert ei.value.code == 1
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.delenv("SPINLOSS_DEBUG", raising=False)


def test_profiles(tmp_path):
    png = tmp_path / "profiles.png"
    proc = run("torque", PT_PY, "--json", "--profiles", "--plot", png)
    prof = parse_one_object(proc.stdout)["profiles"]
    z, q = np.asarray(prof["z"]), np.asarray(prof["spin_current"])
    assert q.shape == (len(z), 3) and len(prof["layer"]) == len(z)
    assert np.all(np.diff(z) >= 0)
    assert png.read_bytes()[:8] == PNG_MAGIC
