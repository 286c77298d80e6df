"""Long independent jobs on worker processes (spinloss.sweep.jobs): the design searches of a
comparison and the sizes of a scaling study run there."""

from __future__ import annotations

import os
import pickle

import pytest

import sweep_helpers as h
from spinloss.errors import ConfigError
from spinloss.sweep.jobs import WorkerDied, labelled, run_jobs


def test_jobs_on_two_workers_give_the_in_process_results_in_order_with_labelled_progress():
    events = []
    jobs = [(float(x),) for x in range(5)]
    seen = []
    out = run_jobs(h.job_square, jobs, workers=2, progress=events.append, labels=[f"job {x}" for x in range(5)],
                   on_result=lambda i, r: seen.append(i))
    here = run_jobs(h.job_square, jobs, workers=1)
    assert [r["value"] for r in out] == [r["value"] for r in here] == [0.0, 1.0, 4.0, 9.0, 16.0]
    assert sorted(seen) == list(range(5))
    assert {r["pid"] for r in here} == {os.getpid()}
    assert os.getpid() not in {r["pid"] for r in out} and len({r["pid"] for r in out}) == 2
    assert sorted(e.message for e in events) == [f"job {x}: x = {x:g}" for x in range(5)]
    assert all(e.task.startswith("job ") for e in events)


def test_an_input_error_of_a_job_is_raised_in_the_caller_with_file_key_and_rule():
    with pytest.raises(ConfigError) as info:
        run_jobs(h.job_input_error, [(1.0,), (2.0,), (3.0,)], workers=2)
    assert str(info.value) == "job.toml: x: 2 is not allowed"
    e = pickle.loads(pickle.dumps(ConfigError("a.toml", "k", "bad")))
    assert (e.source, e.key, e.rule) == ("a.toml", "k", "bad")


def test_a_worker_that_dies_fails_its_job_and_the_others_finish():
    out = run_jobs(h.job_dies, [(0.0,), (1.0,), (2.0,), (3.0,)], workers=2)
    assert isinstance(out[1], WorkerDied) and "exit code 3" in str(out[1])
    assert [out[i]["value"] for i in (0, 2, 3)] == [0.0, 4.0, 9.0]


def test_labelled_events_keep_two_jobs_apart():
    from spinloss.progress import ProgressEvent

    e = labelled(ProgressEvent("trials", 3, 10), "Pt/Py")
    assert (e.task, e.done, e.total, e.message) == ("Pt/Py: trials", 3, 10, None)
    assert labelled(ProgressEvent("x", message="done"), "A").message == "A: done"
    assert labelled(e, "") is e


def test_a_script_without_the_main_guard_gets_the_advice_not_dead_jobs(tmp_path):
    """spawn imports the caller's main module in each worker: an unguarded script's workers die
    while starting. The caller is told why (one error), instead of every job failing."""
    import subprocess
    import sys

    tests = os.path.dirname(os.path.abspath(__file__))
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {tests!r})\n"
        "import sweep_helpers as h\n"
        "from spinloss.sweep.jobs import WorkerStartFailed, run_jobs\n"
        "try:\n"
        "    run_jobs(h.job_square, [(1.0,), (2.0,)], workers=2)\n"
        "except WorkerStartFailed as exc:\n"
        "    print('START FAILED:', exc)\n"
        "else:\n"
        "    print('RAN')\n")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith(("START FAILED", "RAN"))]
    assert lines and lines[-1].startswith("START FAILED"), run.stdout
    assert "if __name__ == \"__main__\":" in lines[-1] and "workers=1" in lines[-1]
