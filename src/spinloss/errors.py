"""Error types. Every input error names the file, the key and the rule that was broken.

The CLI turns :class:`SpinlossInputError` into one line on stderr and exit code 2.
"""

from __future__ import annotations


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


class UnresolvableDriveError(PhysicsError):
    """The drive (current density, field) is so strong that the integrator's time step cannot
    resolve the precession it causes; refused rather than reported as a probability."""


class OverheatedError(UnresolvableDriveError):
    """A write pulse that heats the magnet to its Curie temperature (Joule heating,
    docs/heating.md): M_s(T) vanishes and the macrospin model does not apply. Like any drive the
    model cannot take, the command line blames the option or key that set the current."""
