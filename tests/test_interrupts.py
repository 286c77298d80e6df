"""Ctrl-C (SIGINT) stops every long command with exit 130, says what finished, marks what it
prints as partial and never reports an interrupted computation as a result (issue 7, item 6)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples"

pytestmark = pytest.mark.slow


def interrupt(args, *, after: float, cwd=ROOT, once=None, tmp=None):
    """Start ``spinloss ARGS``, send SIGINT after ``after`` seconds, return (code, stdout, stderr).
    With ``once`` (a text) the ``after`` seconds count from the moment stderr shows it (a loaded
    machine may take much longer to get there; no wall-clock guess); ``tmp`` a folder for stderr."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("SPINLOSS_DEBUG", None)
    if once is not None:
        err_path = Path(tmp) / "stderr.txt"
        with open(err_path, "w") as err_file:
            proc = subprocess.Popen([sys.executable, "-m", "spinloss", *map(str, args)], stdout=subprocess.PIPE,
                                    stderr=err_file, text=True, cwd=cwd, env=env)
            deadline = time.monotonic() + 900
            while once not in err_path.read_text() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(after)
            assert proc.poll() is None, "the command finished before it could be interrupted: give it more work"
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=600)
        return proc.returncode, out, err_path.read_text()
    proc = subprocess.Popen([sys.executable, "-m", "spinloss", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd, env=env)
    time.sleep(after)
    assert proc.poll() is None, "the command finished before it could be interrupted: give it more work"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out, err


def assert_interrupted(code, err):
    assert code == 130, err
    assert "spinloss: interrupted" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_wer_monte_carlo_interrupted_reports_nothing():
    code, out, err = interrupt(["wer", EX / "pt_py_device.toml", "--method", "monte_carlo",
                                "--trials", "50000000", "-w", "2 ns", "--json"], after=8)
    assert_interrupted(code, err)
    assert out == ""  # no "WER = 1 +- 0" from a run that did not finish


def test_switch_json_interrupted_exits_130_with_the_partial_result_marked():
    code, out, err = interrupt(["switch", EX / "pt_py_device.toml", "--trials", "2000000", "-w", "2 ns",
                                "--json"], after=12)
    assert_interrupted(code, err)
    if out:  # a finished block of trials: printed, marked partial
        data = json.loads(out)
        assert data["interrupted"] is True and data["trials"] < 2000000


def test_design_interrupted_reports_nothing():
    code, out, err = interrupt(["design", EX / "pt_py_cell.toml", "--json", "--quiet"], after=8)
    assert_interrupted(code, err)
    assert out == ""


def test_compare_interrupted_prints_only_finished_designs_marked_partial():
    code, out, err = interrupt(["compare", EX / "compare.toml", "--json", "--quiet"], after=10)
    assert_interrupted(code, err)
    data = json.loads(out)
    assert data["interrupted"] is True
    assert "designs finished" in err


def test_demo_interrupted_leaves_the_old_output_and_a_marked_partial_folder(tmp_path):
    out_dir = tmp_path / "demo"
    out_dir.mkdir()
    (out_dir / "old_result.txt").write_text("from an earlier complete run")
    code, _, err = interrupt(["demo", "--output", out_dir, "--sections", "torque,energy",
                              "--examples", EX], after=3, once="section 'torque' done", tmp=tmp_path)
    assert_interrupted(code, err)
    assert "finished sections: torque" in err  # says what finished
    assert sorted(p.name for p in out_dir.iterdir()) == ["old_result.txt"]  # untouched, no mix
    partial = tmp_path / "demo.partial"
    assert (partial / "INTERRUPTED").is_file()
    assert "torque" in (partial / "INTERRUPTED").read_text()


def test_compare_interrupted_in_the_scaling_study_prints_the_comparison_and_leaves_the_old_figures(tmp_path):
    """Ctrl-C during ``--scaling`` (after the designs and the map finished): the finished
    comparison is printed, marked partial, with what finished of the scaling study; exit 130; no
    figure is written, so the figures of an earlier run stay as they were (no mix of old and new:
    the map's figure used to be written before the scaling study started)."""
    comp = tmp_path / "one.toml"
    comp.write_text(f'''reference = "Pt/CoFeB"
[targets]
write_error_rate = 1e-3
retention = "10 years"
temperature = "358 K"
[[designs]]
name = "Pt/CoFeB"
device = "{(EX / 'pt_cofeb_cell.toml').as_posix()}"
set = {{"heating.enabled" = false}}
''')
    old = b"a figure of an earlier run"
    figures = {opt: tmp_path / f"old_{opt.strip('-')}.png" for opt in ("--plot", "--map-plot", "--scaling-plot")}
    for p in figures.values():
        p.write_bytes(old)
    args = ["compare", comp, "--fast", "--map", "Pt.spin_hall_angle=0.05:0.1:2", "Pt.thickness=3 nm:5 nm:2",
            "--design", "Pt/CoFeB", "--scaling", "--sizes", "60 nm,40 nm", "--workers", "2"]
    for opt, p in figures.items():
        args += [opt, p]
    code, out, err = interrupt(args, after=2, once="@ 60 nm", tmp=tmp_path)
    assert_interrupted(code, err)
    assert "nothing finished" not in err
    assert "the comparison finished (1 of 1 designs)" in err and "scaling study:" in err
    assert "[partial: interrupted]" in out and "Pt/CoFeB" in out   # the finished comparison, marked
    assert "Scaling (lateral size) [partial: interrupted]" in out
    for opt, p in figures.items():
        assert p.read_bytes() == old, f"{opt} was overwritten by an interrupted run"
    assert not [p.name for p in tmp_path.iterdir() if ".part" in p.name]   # no temporary file left


def test_wer_monte_carlo_interrupted_says_how_many_paths_finished(tmp_path):
    """Ctrl-C while the Monte Carlo paths run: the line says how many of them finished, and no
    WER is printed (an estimate from part of the trials is not a result)."""
    import re

    code, out, err = interrupt(["wer", EX / "pt_py_device.toml", "--method", "monte_carlo", "--trials", "20000",
                                "-w", "2 ns"], after=3, once="Monte Carlo paths", tmp=tmp_path)
    assert_interrupted(code, err)
    assert out == ""
    found = re.search(r"interrupted: (\d+) of 20000 Monte Carlo trajectories finished; no WER reported", err)
    assert found, err[-500:]
    assert int(found.group(1)) < 20000
    assert "nothing finished" not in err
