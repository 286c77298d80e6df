"""``spinloss sweep``: the sweep-file contract, the store, and runs that are killed, interrupted,
resumed or sent to a Dask cluster.

Checks: bad sweep files exit 2 with one line naming file, key and rule before any computation;
a torque sweep read back with xarray.open_zarr (coordinates, units, status, error, provenance,
the collision rule); [zip] and [random]; a failing point recorded while the others finish; a run
killed with SIGKILL and resumed gives the store of an uninterrupted run bit for bit and computes
no complete point again; Ctrl-C (SIGINT to the process group, as a terminal sends it) exits 130
with a resumable store and no traceback; a Dask LocalCluster gives the same store as the local
pool; a sweep point equals the one-point command run with --set at that point and the same seed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import sweep_helpers as h
from spinloss.io import flatten_numeric
from spinloss.sweep import DONE, FAILED

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DEVICE = EXAMPLES / "pt_py_device.toml"
STACK = EXAMPLES / "py_nio.toml"
#: A guard against a hung subprocess only (never a performance limit).
HANG = 1800

#: The sweep of the kill / Ctrl-C / Dask tests: seeded Monte Carlo points of ``switch``, enough
#: of them (about 0.1 s each here) that a run lasts several store writes (one a second).
SWITCH_SWEEP = f'''command = "switch"
input = "{DEVICE}"
[options]
trials = 24
pulse-width = "1 ns"
seed = 3
[axes]
"pulse.current_density" = "1e12 A/m^2:4e12 A/m^2:16"
"free.thickness" = ["3 nm", "3.5 nm", "4 nm"]
'''
N_POINTS = 48


def env():
    e = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    e.pop("SPINLOSS_DEBUG", None)
    return e


def spinloss(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "spinloss", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env(), timeout=HANG, **kw)


def start(*args) -> subprocess.Popen:
    """A sweep in the background, in its own process group (a terminal's Ctrl-C reaches the group)."""
    return subprocess.Popen([sys.executable, "-m", "spinloss", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env(), start_new_session=True)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def status_now(store: Path):
    """The store's status array as it is on disk now (None before the store exists)."""
    import zarr

    if not (store / "status" / ".zarray").exists():
        return None
    return np.asarray(zarr.open_group(str(store), mode="r", zarr_format=2, use_consolidated=False)["status"][...])


def wait_for_done(proc, store: Path, at_least: int):
    """Wait until ``at_least`` points are complete in the store (the run still going)."""
    while proc.poll() is None:
        s = status_now(store)
        if s is not None and int((s != 0).sum()) >= at_least:
            return s
        time.sleep(0.05)
    raise AssertionError(f"the sweep ended before {at_least} points were complete: {proc.communicate()}")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The switch sweep, uninterrupted, in this process (workers 1)."""
    d = tmp_path_factory.mktemp("reference")
    sweep = write(d / "switch.toml", SWITCH_SWEEP)
    proc = spinloss("sweep", sweep, "--workers", 1)
    assert proc.returncode == 0, proc.stderr
    return sweep, d / "switch.zarr"


# ---------------------------------------------------------------------------- bad sweep files

BAD = [
    ('input = "{dev}"\n[axes]\ntemperature = [300]', "command: missing"),
    ('command = "torqu"\ninput = "{stack}"\n[axes]\ntemperature = [300]', "command: unknown command 'torqu'"),
    ('command = "trace"\ninput = "{dev}"\n[axes]\ntemperature = [300]', "command: 'trace' cannot be swept"),
    ('command = "torque"\ninput = "{stack}"\nfoo = 1\n[axes]\ntemperature = [300]', "foo: unknown key"),
    ('command = "torque"\ninput = "missing.toml"\n[axes]\ntemperature = [300]', "input: 'missing.toml' not found"),
    ('command = "switch"\ninput = "{dev}"\n[options]\ntrails = 3\n[axes]\ntemperature = [300]',
     "options.trails: switch has no option --trails"),
    ('command = "switch"\ninput = "{dev}"\n[options]\ntrials = 0\n[axes]\ntemperature = [300]', "options.trials: 0 is not in the range"),
    ('command = "switch"\ninput = "{dev}"\n[options]\npulse-width = "3 A"\n[axes]\ntemperature = [300]',
     "options.pulse-width: '3 A' has the wrong dimension"),
    ('command = "switch"\ninput = "{dev}"\n[options]\njson = true\n[axes]\ntemperature = [300]', "options.json: makes no sense in a sweep"),
    ('command = "switch"\ninput = "{dev}"\n[options]\nplot = "p.png"\n[axes]\ntemperature = [300]', "options.plot: makes no sense in a sweep"),
    ('command = "switch"\ninput = "{dev}"\n[options]\ncurrent-density = "1e12 A/m^2"\n[axes]\n"pulse.current_density" = [1e12]',
     "options.current-density: given together with a sweep of pulse.current_density"),
    ('command = "switch"\ninput = "{dev}"\n[axes]\n"pulse.width" = "1 A:2 A:2"', "axes.pulse.width: '1 A' has the wrong dimension"),
    ('command = "switch"\ninput = "{dev}"\n[axes]\n"fre.thickness" = [1e-9]', "axes.fre.thickness: not a key of"),
    ('command = "torque"\ninput = "{stack}"\n[axes]\n"pulse.width" = ["1 ns"]', "axes.pulse.width: not a key of"),
    ('command = "switch"\ninput = "{dev}"\n[zip]\n"pulse.width" = ["1 ns", "2 ns"]\n"pulse.current_density" = [1e12]',
     "zip.pulse.current_density: has 1 values, zip.pulse.width has 2"),
    ('command = "switch"\ninput = "{dev}"\n[random]\nn = 0\n"pulse.width" = "1 ns:2 ns"', "random.n: must be an integer"),
    ('command = "switch"\ninput = "{dev}"\n[options]\nset = ["pulse.width=2 ns"]\n[axes]\n"pulse.width" = ["1 ns"]',
     "axes.pulse.width: also given in options.set"),
    ('command = "switch"\ninput = "{dev}"', "axes: missing"),
]


def run_in_process(argv, capsys):
    """``spinloss ARGV`` in this process -> (exit code, stdout, stderr)."""
    from spinloss.cli import main

    with warnings.catch_warnings():  # main() silences Python warnings: keep that inside
        with pytest.raises(SystemExit) as exit_:
            main([str(a) for a in argv])
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def assert_one_line_error(code, err, file, fragment):
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"spinloss: error: {file}: "), lines[0]
    assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("text,fragment", BAD, ids=[f for _, f in BAD])
def test_bad_sweep_files_exit_2_with_one_line_before_computing(text, fragment, tmp_path, capsys):
    sweep = write(tmp_path / "bad.toml", text.format(dev=DEVICE, stack=STACK))
    code, out, err = run_in_process(["sweep", sweep, "--workers", 1], capsys)
    assert_one_line_error(code, err, sweep, fragment)
    assert not (tmp_path / "bad.zarr").exists()  # nothing computed, no store


def test_bad_sweep_file_through_the_entry_point(tmp_path):
    sweep = write(tmp_path / "bad.toml", BAD[6][0].format(dev=DEVICE, stack=STACK))
    proc = spinloss("sweep", sweep)
    assert_one_line_error(proc.returncode, proc.stderr, sweep, BAD[6][1])


def test_a_store_is_refused_to_another_sweep_and_not_overwritten(tmp_path, capsys):
    a = write(tmp_path / "a.toml", f'command = "torque"\ninput = "{STACK}"\n[axes]\ntemperature = [300, 310]\n')
    code, _, err = run_in_process(["sweep", a, "--workers", 1], capsys)
    assert code == 0, err
    code, _, err = run_in_process(["sweep", a, "--workers", 1], capsys)
    assert_one_line_error(code, err, "<command line>", "--output: ")
    assert "the store exists" in err
    b = write(tmp_path / "b.toml", f'command = "torque"\ninput = "{STACK}"\n[axes]\ntemperature = [300, 320]\n')
    code, _, err = run_in_process(["sweep", b, "--workers", 1, "--output", tmp_path / "a.zarr", "--resume"], capsys)
    assert_one_line_error(code, err, b, "--resume: ")
    assert "made by another sweep" in err and "[axes] differ" in err


# ---------------------------------------------------------------------------- the store


def test_torque_sweep_store(tmp_path, capsys):
    sweep = write(tmp_path / "t.toml", f'''command = "torque"
input = "{STACK}"
[axes]
"free.thickness" = "2 nm:5 nm:4"
temperature = ["250 K", "300 K"]
''')
    code, out, err = run_in_process(["sweep", sweep, "--workers", 1], capsys)
    assert code == 0, err
    assert "8 points of torque: 8 done, 0 failed" in out
    ds = h.load(tmp_path / "t.zarr")
    assert ds["free.thickness"].values.tolist() == np.linspace(2e-9, 5e-9, 4).tolist()
    assert ds["free.thickness"].attrs["units"] == "m" and ds["temperature"].attrs["units"] == "K"
    xi = ds["magnets.free.xi_dl"]
    assert xi.dims == ("free.thickness", "temperature") and xi.attrs["units"] == "1"
    assert ds["magnets.free.b_dl"].attrs["units"] == "T"
    assert (ds["status"].values == DONE).all() and (ds["error"].values == "").all()
    # collision rule: the result's own "temperature" field next to the axis
    assert ds["result.temperature"].values.tolist() == [[250.0, 300.0]] * 4
    # provenance
    assert ds.attrs["spinloss_version"] and ds.attrs["sweep_command"] == "torque"
    assert ds.attrs["input_1"] == str(STACK)
    assert ds.attrs["input_1_sha256"] == hashlib.sha256(STACK.read_bytes()).hexdigest()
    assert ds.attrs["input_0_sha256"] == hashlib.sha256(sweep.read_bytes()).hexdigest()
    assert "sweep" in ds.attrs["command_line"] and ds.attrs["created"] and ds.attrs["complete"] == 1
    # a point equals the one-point command at it
    one = spinloss("torque", STACK, "--json", "--set", f"free.thickness={float(ds['free.thickness'].values[2])!r}",
                   "--set", "temperature=250")
    ref = flatten_numeric(json.loads(one.stdout))
    point = ds.isel({"free.thickness": 2, "temperature": 0})
    assert float(point["magnets.free.xi_dl"]) == ref["magnets.free.xi_dl"]
    assert float(point["sheet_resistance"]) == ref["sheet_resistance"]


def test_zip_and_random_axes(tmp_path, capsys):
    sweep = write(tmp_path / "z.toml", f'''command = "torque"
input = "{STACK}"
[zip]
"free.thickness" = ["2 nm", "3 nm", "4 nm"]
"NiO.thickness" = ["5 nm", "10 nm", "20 nm"]
[random]
n = 4
seed = 11
temperature = "250 K:350 K"
''')
    code, out, err = run_in_process(["sweep", sweep, "--workers", 1], capsys)
    assert code == 0, err
    ds = h.load(tmp_path / "z.zarr")
    assert ds["magnets.free.xi_dl"].dims == ("zip", "sample")
    assert ds["free.thickness"].dims == ("zip",) and ds["NiO.thickness"].values.tolist() == [5e-9, 10e-9, 20e-9]
    expect = 250.0 + (350.0 - 250.0) * np.random.default_rng(11).random(4)
    assert ds["temperature"].dims == ("sample",) and ds["temperature"].values.tolist() == expect.tolist()
    assert json.loads(ds.attrs["seeds"]) == {"random.seed": 11}
    one = spinloss("torque", STACK, "--json", "--set", "free.thickness=3e-9", "--set", "NiO.thickness=1e-8",
                   "--set", f"temperature={float(expect[2])!r}")
    assert float(ds["magnets.free.xi_dl"].isel(zip=1, sample=2)) == json.loads(one.stdout)["magnets"][0]["xi_dl"]


def test_failing_point_is_recorded_and_the_others_finish(tmp_path, capsys):
    sweep = write(tmp_path / "r.toml", f'''command = "retention"
input = "{DEVICE}"
[axes]
"free.thickness" = ["3 nm", "-1 nm", "4 nm"]
''')
    code, out, err = run_in_process(["sweep", sweep, "--workers", 1], capsys)
    assert code == 0, err
    assert "2 done, 1 failed" in out
    ds = h.load(tmp_path / "r.zarr")
    assert ds["status"].values.tolist() == [DONE, FAILED, DONE]
    assert ds["error"].values[1].startswith(f"{sweep}: axes.free.thickness: must be positive")
    assert np.isnan(ds["thermal_stability"].values[1]) and np.isfinite(ds["thermal_stability"].values[[0, 2]]).all()


# ---------------------------------------------------------------------------- kill, Ctrl-C, resume, Dask


def test_sigkill_then_resume_gives_the_uninterrupted_store(reference, tmp_path):
    import psutil

    sweep, store = reference[0], tmp_path / "switch.zarr"
    proc = start("sweep", sweep, "--workers", 2, "--output", store)
    wait_for_done(proc, store, 2)
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.kill()  # SIGKILL: no clean-up at all
    proc.communicate()
    _, alive = psutil.wait_procs(workers, timeout=120)
    assert not alive, "worker processes outlived their coordinator"
    killed = status_now(store).ravel()
    assert 0 < int((killed == DONE).sum()) < killed.size
    import zarr

    g = zarr.open_group(str(store), mode="r", zarr_format=2, use_consolidated=False)
    finished_before = np.asarray(g["sweep_finished"][...]).ravel()
    done = spinloss("sweep", sweep, "--resume", "--workers", 2, "--output", store)
    assert done.returncode == 0, done.stderr
    da, _ = h.assert_same_store(store, reference[1])
    run = da["sweep_run"].values.ravel()
    complete = killed == DONE
    assert (run[complete] == 0).all() and (run[~complete] == 1).all()  # nothing complete computed again
    assert np.array_equal(da["sweep_finished"].values.ravel()[complete], finished_before[complete])
    runs = json.loads(da.attrs["runs"])
    assert runs[1]["skipped"] == int(complete.sum()) and runs[1]["computed"] == int((~complete).sum())


def test_ctrl_c_exits_130_and_the_store_resumes(reference, tmp_path):
    sweep, store = reference[0], tmp_path / "switch.zarr"
    proc = start("sweep", sweep, "--workers", 2, "--output", store)
    wait_for_done(proc, store, 2)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the coordinator and its workers
    out, err = proc.communicate(timeout=HANG)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    # progress on stderr: points done of the total, the rate and the time left
    assert re.search(rf"points: .*\d+(\.\d+)?/{N_POINTS}(\.0)? \[\d\d:\d\d<\d\d:\d\d, *\d+(\.\d+)?(s/point|point/s)\]", err), err
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    n = int((status_now(store) != 0).sum())
    assert last.startswith(f"spinloss: interrupted: {n} of {N_POINTS} points finished"), last
    assert "--resume" in last
    assert h.load(store).attrs["interrupted"] == 1
    done = spinloss("sweep", sweep, "--resume", "--workers", 1, "--output", store)
    assert done.returncode == 0, done.stderr
    assert f"{n} complete before" in done.stdout
    h.assert_same_store(store, reference[1])


def test_dask_local_cluster_gives_the_same_store(reference, tmp_path):
    import logging

    distributed = pytest.importorskip("distributed")
    sweep, store = reference[0], tmp_path / "switch.zarr"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster:
        proc = spinloss("sweep", sweep, "--scheduler", cluster.scheduler_address, "--output", store)
    assert proc.returncode == 0, proc.stderr
    assert "on dask" in proc.stdout
    ds, _ = h.assert_same_store(store, reference[1])
    assert json.loads(ds.attrs["runs"])[0]["backend"] == "dask"


def test_a_point_equals_the_one_point_command_with_set(reference):
    ds = h.load(reference[1])
    point = ds.isel({"pulse.current_density": 7, "free.thickness": 1})
    j, t = float(point["pulse.current_density"]), float(point["free.thickness"])
    one = spinloss("switch", DEVICE, "--json", "--trials", 24, "--pulse-width", "1 ns", "--seed", 3,
                   "--set", f"pulse.current_density={j!r}", "--set", f"free.thickness={t!r}")
    assert one.returncode == 0, one.stderr
    fields = flatten_numeric(json.loads(one.stdout))
    compared = 0
    for name, var in ds.data_vars.items():
        field = var.attrs.get("result_field")
        if field is None:
            continue
        value = np.asarray(point[name].values)
        if field not in fields:  # null in the JSON (e.g. no switching time): NaN in the store
            assert np.isnan(value).all(), name
            continue
        assert np.array_equal(value, fields[field]), name
        compared += 1
    assert compared >= 8 and float(point["switching_probability"]) == fields["switching_probability"]


def test_the_example_sweep_runs(tmp_path, capsys):
    code, out, err = run_in_process(["sweep", EXAMPLES / "sweep_switch.toml", "--output", tmp_path / "ex.zarr"], capsys)
    assert code == 0, err
    ds = h.load(tmp_path / "ex.zarr")
    p = ds["switching_probability"]
    assert p.dims == ("pulse.current_density", "pulse.width") and p.shape == (5, 2)
    assert (ds["status"].values == DONE).all() and json.loads(ds.attrs["seeds"]) == {"seed": 1}
    # more current, or a longer pulse, does not lower the probability beyond the Monte Carlo noise
    # of 32 trials (3 standard errors of a difference of two binomial estimates at p = 0.5: 0.375)
    assert (np.diff(p.values, axis=0) > -0.375).all() and (p.values[:, 1] - p.values[:, 0] > -0.375).all()
