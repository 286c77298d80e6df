"""Error types. Every input error names the file, the key and the rule that was broken.

The CLI turns :class:`SpinlossInputError` into one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys


class SpinlossInputError(ValueError):
    """Bad user input: a missing or unknown key, a wrong type, unit or value.

    Attributes
    ----------
    source : str
        The file (or ``"<api>"`` / ``"<command line>"``) the value came from.
    key : str
        Dotted key path of the offending entry, e.g. ``layers[1].thickness``.
    rule : str
        What is wrong, in words.
    """

    def __init__(self, source: str | None, key: str | None, rule: str):
        self.source = source or "<api>"
        self.key = key or ""
        self.rule = rule
        super().__init__(self.one_line())

    def __reduce__(self):  # pickled with its three parts (raised again after a worker process)
        return type(self), (self.source, self.key, self.rule)

    def one_line(self) -> str:
        where = self.source
        if self.key:
            where = f"{where}: {self.key}"
        return f"{where}: {self.rule}"


class ConfigError(SpinlossInputError):
    """Error in a TOML configuration file (stack, device, comparison)."""


class UnknownKeyError(ConfigError):
    """A key that the file format does not have (a typo, a layer that does not exist), as opposed
    to a known key with a bad value. ``spinloss sweep`` refuses a sweep whose axis key is unknown
    before computing, while a bad value fails only its own points."""


class PhysicsError(RuntimeError):
    """A model was asked for something outside its domain (not a user typo)."""


class TargetNotMetError(RuntimeError):
    """A design cannot meet its targets (retention, write error rate); carries a reason."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) stopped a computation. ``partial`` holds what had finished (a result
    marked ``interrupted``), or None; ``what`` says in words what finished. Library code never
    swallows an interrupt: it raises this (or lets KeyboardInterrupt through), so a partial
    result can never feed a later step as if it were complete. The command line prints the
    partial result, marked, and exits with 130."""

    def __init__(self, partial=None, what: str = ""):
        self.partial = partial
        self.what = what
        super().__init__(what or "interrupted")


#: Ctrl-C that Python swallowed: a KeyboardInterrupt raised inside a weakref callback or a
#: ``__del__`` (the garbage collector runs them between any two bytecodes) is printed as
#: "Exception ignored" and dropped. :func:`catch_swallowed_interrupts` records it here and the
#: next progress report raises it again (:func:`raise_swallowed_interrupt`).
_swallowed = {"interrupt": False}


def _unraisable_hook(args, *, previous=None, redeliver=False) -> None:
    if args.exc_type is not None and issubclass(args.exc_type, KeyboardInterrupt):
        if redeliver:
            # deliver the Ctrl-C again to the main thread, as a new SIGINT, from a helper thread
            # 20 ms later (from inside this hook it would be raised in the hook and lost again):
            # it is raised in ordinary code (should it land in a destructor too, this hook runs
            # again), not only at the next progress report, which a long step without reports
            # (sampling 5e7 starting states) would not reach for minutes
            import _thread
            import threading

            t = threading.Timer(0.02, _thread.interrupt_main)
            t.daemon = True
            t.start()
            return
        _swallowed["interrupt"] = True  # silently: no "Exception ignored" dump on the user
        return
    (previous or sys.__unraisablehook__)(args)


def catch_swallowed_interrupts(*, redeliver: bool = False) -> None:
    """Install the hook that keeps a Ctrl-C from being lost in a destructor (the command line
    does this once, with ``redeliver``: the Ctrl-C is delivered again at once; without it, it is
    recorded and raised at the next progress report; a notebook keeps Python's default)."""
    previous = sys.unraisablehook
    if getattr(previous, "_spinloss", False):
        return

    def hook(args):
        _unraisable_hook(args, previous=previous, redeliver=redeliver)

    hook._spinloss = True
    sys.unraisablehook = hook


def raise_swallowed_interrupt() -> None:
    """Raise KeyboardInterrupt once if a Ctrl-C was swallowed since the last call."""
    if _swallowed["interrupt"]:
        _swallowed["interrupt"] = False
        raise KeyboardInterrupt


def interrupt_was_swallowed() -> bool:
    return _swallowed["interrupt"]


class UnresolvableDriveError(PhysicsError):
    """The drive (current density, field) is so strong that the integrator's time step cannot
    resolve the precession it causes; refused rather than reported as a probability."""


class OverheatedError(UnresolvableDriveError):
    """A write pulse that heats the magnet to its Curie temperature (Joule heating,
    docs/heating.md): M_s(T) vanishes and the macrospin model does not apply. Like any drive the
    model cannot take, the command line blames the option or key that set the current."""
