"""A Ctrl-C that Python swallows is not lost (the CI failure of 2026-12-01: the SIGINT landed in
a weakref callback run by the garbage collector, Python printed "Exception ignored" and dropped
it, and ``spinloss demo`` ran on to the end with exit 0)."""

from __future__ import annotations

import gc
import sys

import pytest

from spinloss import errors
from spinloss.progress import Counter, note


class RaisesInDel:
    def __del__(self):
        raise KeyboardInterrupt  # what a SIGINT delivered during a destructor does


@pytest.fixture
def hook():
    saved = sys.unraisablehook
    errors._swallowed["interrupt"] = False
    # an in-process command-line test may have left its own (re-delivering) hook installed
    sys.unraisablehook = sys.__unraisablehook__
    errors.catch_swallowed_interrupts()
    yield
    sys.unraisablehook = saved
    errors._swallowed["interrupt"] = False


def swallow_one():
    obj = RaisesInDel()
    del obj
    gc.collect()


def test_a_swallowed_interrupt_is_raised_at_the_next_progress_report(hook):
    swallow_one()
    assert errors.interrupt_was_swallowed()
    with pytest.raises(KeyboardInterrupt):
        note(None, "task", "a finished step")
    note(None, "task", "raised once, not forever")  # cleared when raised


def test_a_counter_update_raises_it_but_the_final_report_does_not(hook):
    with pytest.raises(KeyboardInterrupt):
        with Counter(None, "trials", total=10) as c:
            swallow_one()
            c.add(1)
    swallow_one()
    c.__exit__(None, None, None)  # the 'finished' report of an unwinding task never replaces its exception
    assert errors.interrupt_was_swallowed()


def test_other_unraisable_exceptions_still_reach_the_previous_hook(hook):
    seen = []
    errors._swallowed["interrupt"] = False
    previous = sys.unraisablehook
    sys.unraisablehook = lambda args: seen.append(args.exc_type)
    errors.catch_swallowed_interrupts()

    class Breaks:
        def __del__(self):
            raise ValueError("a broken destructor")

    b = Breaks()
    del b
    gc.collect()
    sys.unraisablehook = previous
    assert seen == [ValueError]
    assert not errors.interrupt_was_swallowed()


def test_the_command_line_delivers_a_swallowed_interrupt_again_at_once():
    """The command line's hook re-delivers a Ctrl-C swallowed by a destructor as a new SIGINT, so
    a long step without progress reports (the fresh-clone failure of 2026-12-02: a SIGINT during
    the first numba compilation was swallowed and the run sampled 5e7 starting states on) stops at
    once. In a child process: the interrupt arrives within the try block (in the busy loop that
follows, or at once on a loaded machine)."""
    import subprocess

    code = (
        "import gc, sys, time\n"
        "from spinloss import errors\n"
        "errors.catch_swallowed_interrupts(redeliver=True)\n"
        "class D:\n"
        "    def __del__(self):\n"
        "        raise KeyboardInterrupt\n"
        "t0 = time.monotonic()\n"
        "try:\n"
        "    d = D(); del d; gc.collect()\n"   # inside the try: on a loaded machine it may come at once
        "    while time.monotonic() - t0 < 30:\n"
        "        sum(range(1000))\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted after', round(time.monotonic() - t0, 3)); sys.exit(0)\n"
        "print('not interrupted'); sys.exit(1)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Exception ignored" not in p.stderr
