"""Issue 7 item 6 for the WER engine and its command: the Boltzmann sampling of the starting states
reports progress (without changing a single sample), an interrupted Monte Carlo says how many
paths finished and reports no WER, and ``wer -T 0`` is refused before any work, naming the option.

The Ctrl-C is simulated by a progress callback that raises KeyboardInterrupt (what Python does when
SIGINT arrives while the engine runs); the real signal is sent in tests/test_interrupts.py."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from test_wer_rare_events import _params, _setup

from spinloss.errors import Interrupted
from spinloss.experiments.rare_events import SAMPLING_TASK, monte_carlo_wer, sample_boltzmann_well

EX = Path(__file__).resolve().parents[1] / "examples"


def test_boltzmann_sampling_reports_its_sweeps_and_samples_the_same_states():
    p = _params()
    events = []
    m = sample_boltzmann_well(p, (0, 0, 1), 500, seed=3, sweeps=40, progress=events.append)
    assert np.array_equal(m, sample_boltzmann_well(p, (0, 0, 1), 500, seed=3, sweeps=40))
    assert any(e.message and "sampling 500 starting states" in e.message for e in events)
    counts = [e for e in events if e.task == SAMPLING_TASK]
    assert counts[0].done == 0 and counts[0].total == 40
    assert [e.done for e in counts if not e.finished][-1] == 40 and counts[-1].finished


def test_monte_carlo_reports_the_sampling_before_the_paths_and_gives_the_same_wer():
    p, wf = _setup(0.3e-9)
    events = []
    kw = dict(target_axis=(0, 0, -1), trials=600, seed=5, batch_size=256)
    res = monte_carlo_wer(p, (0, 0, 1), wf, 0.3e-9, 1e-12, progress=events.append, **kw)
    ref = monte_carlo_wer(p, (0, 0, 1), wf, 0.3e-9, 1e-12, **kw)
    assert res.write_error_rate == ref.write_error_rate and res.uncertainty == ref.uncertainty
    tasks = [e.task for e in events if e.message is None]
    assert SAMPLING_TASK in tasks and "Monte Carlo paths" in tasks
    # the sampling (400 sweeps of every starting state) shows before the first path runs
    assert tasks.index(SAMPLING_TASK) < tasks.index("Monte Carlo paths")
    last_sampling = max(i for i, t in enumerate(tasks) if t == SAMPLING_TASK)
    assert last_sampling < tasks.index("Monte Carlo paths")


def test_interrupted_monte_carlo_says_how_many_paths_finished_and_reports_no_wer():
    p, wf = _setup(0.3e-9)

    def ctrl_c_after_two_batches(event):
        if event.task == "Monte Carlo paths" and event.done is not None and event.done >= 512:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as info:
        monte_carlo_wer(p, (0, 0, 1), wf, 0.3e-9, 1e-12, target_axis=(0, 0, -1), trials=1024, seed=5,
                        batch_size=256, progress=ctrl_c_after_two_batches)
    assert info.value.partial is None  # no estimate from part of the trials
    assert "512 of 1024 Monte Carlo trajectories finished" in info.value.what
    assert "no WER reported" in info.value.what


def test_interrupted_sampling_says_no_path_finished():
    p, wf = _setup(0.3e-9)

    def ctrl_c_while_sampling(event):
        if event.task == SAMPLING_TASK and event.done == 10:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as info:
        monte_carlo_wer(p, (0, 0, 1), wf, 0.3e-9, 1e-12, target_axis=(0, 0, -1), trials=300, seed=5,
                        progress=ctrl_c_while_sampling)
    assert info.value.partial is None and "0 of 300 Monte Carlo trajectories finished" in info.value.what


def test_wer_at_zero_temperature_is_refused_up_front_naming_the_option():
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "spinloss", "wer", str(EX / "pt_py_device.toml"), "-T", "0"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 2, p.stderr
    assert p.stdout == ""
    line = p.stderr.strip()
    assert line.startswith("spinloss: error: <command line>: --temperature:") and "T > 0" in line
    assert "Monte Carlo" not in p.stderr and "Traceback" not in p.stderr  # no pilot ran first
    assert time.monotonic() - t0 < 60
