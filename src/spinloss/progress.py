"""Progress reporting: the one channel through which library code tells the caller how far it got.

Library code never prints. A long computation takes ``progress``, a callable that receives
:class:`ProgressEvent` objects (or None: silent). The command line turns the events into bars and
lines on stderr (:class:`spinloss.cli.common.StderrProgress`); a notebook may collect them or pass
its own callable.

Events are of two sorts:

* a counter: ``task`` (what is counted, e.g. "trials"), ``done`` and ``total`` (``total`` may be
  None when unknown), ``unit``;
* a note: ``message`` set, a finished step worth a line ("re-check at 3 ns: WER 4e-10").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from .errors import raise_swallowed_interrupt


@dataclass(frozen=True)
class ProgressEvent:
    """One progress report. ``done``/``total`` count ``unit`` items of ``task``; ``message`` a note;
    ``finished`` True when the task will send no more counts."""

    task: str
    done: float | None = None
    total: float | None = None
    unit: str = ""
    message: str | None = None
    finished: bool = False


ProgressCallback = Callable[[ProgressEvent], None]


def report(progress: Optional[ProgressCallback], task: str, done=None, total=None, unit: str = "",
           message: str | None = None, finished: bool = False) -> None:
    """Send one event to ``progress`` (nothing when it is None). Every report but a task's last
    is also where a Ctrl-C that Python swallowed in a destructor is raised again
    (:func:`spinloss.errors.catch_swallowed_interrupts`)."""
    if not finished:
        raise_swallowed_interrupt()
    if progress is not None:
        progress(ProgressEvent(task, done, total, unit, message, finished))


def note(progress: Optional[ProgressCallback], task: str, message: str) -> None:
    """Send a note (a finished step) to ``progress``."""
    report(progress, task, message=message)


class Counter:
    """Counts items of one task and reports each update: ``with Counter(progress, "trials",
    total=200) as c: ... c.add(8)``. On exit the task is reported finished."""

    def __init__(self, progress: Optional[ProgressCallback], task: str, total=None, unit: str = ""):
        self.progress = progress
        self.task = task
        self.total = total
        self.unit = unit
        self.done = 0

    def __enter__(self) -> "Counter":
        report(self.progress, self.task, 0, self.total, self.unit)
        return self

    def add(self, n=1) -> None:
        self.done += n
        report(self.progress, self.task, self.done, self.total, self.unit)

    def set(self, done) -> None:
        self.done = done
        report(self.progress, self.task, self.done, self.total, self.unit)

    def __exit__(self, *exc) -> None:
        report(self.progress, self.task, self.done, self.total, self.unit, finished=True)
