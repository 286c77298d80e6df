"""What every command shares: options, input loading, output (JSON, tables), progress on stderr,
interrupts, and the protocol that lets ``spinloss sweep`` run a command at many points.

Output rules: ``--json`` prints exactly one JSON object on stdout and nothing else there (every
JSON result carries ``provenance``); human output is a table; notes and progress go to stderr.
Errors: raise :class:`~spinloss.errors.SpinlossInputError` (or ConfigError) for bad input; the
entry point prints it on one line and exits 2.

Sweepable commands: :func:`sweepable` attaches to a click command a *runner*
``runner(params, overrides, progress=None) -> dict``: ``params`` are the command's parsed click
parameters (the input file and every option), ``overrides`` file keys -> values of one point
(merged with ``--set``); it returns the command's JSON result for that point and never prints.
A *block runner* ``block_runner(params, [overrides, ...], progress=None) -> [dict, ...]`` may be
given too, for commands that evaluate many points in one vectorized call (``torque``).
A *check* ``check(params, keys=(), overrides=None)`` validates the options and loads the input
before any point is computed (``--vary`` and ``spinloss sweep`` call it first).
"""

from __future__ import annotations

import json
import math
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import numpy as np

from ..errors import ConfigError, PhysicsError, SpinlossInputError, UnresolvableDriveError
from ..io import check_output_path, provenance, to_jsonable

CLI_SOURCE = "<command line>"
PLOT_SUFFIXES = (".png", ".svg", ".pdf")


# ============================================================================ output


def emit_json(obj: Any, *, inputs=(), seeds: dict | None = None) -> None:
    """Print ``obj`` as exactly one JSON object on stdout (strict JSON: no NaN/Infinity), with a
    ``provenance`` entry (package version, input files and their hashes, command line, seeds,
    time) unless it has one."""
    data = to_jsonable(obj)
    if not isinstance(data, dict):
        data = {"result": data}
    if "provenance" not in data:
        data["provenance"] = to_jsonable(provenance(inputs, seeds=seeds))
    click.echo(json.dumps(data, allow_nan=False))


def info(message: str, *, as_json: bool) -> None:
    """A note that is not the result: stderr with --json (stdout stays one JSON object)."""
    click.echo(message, err=as_json)


def warn(message: str) -> None:
    """One warning line on stderr (not a Python warning)."""
    click.echo(f"spinloss: warning: {message}", err=True)


def fmt(x, spec: str = ".4g", scale: float = 1.0) -> str:
    """Format a number for a table; '-' for None / NaN, 'inf' kept."""
    if x is None:
        return "-"
    if np.size(x) > 1:  # a swept value in a header line
        return "(swept)"
    try:
        v = float(np.asarray(x).reshape(())) * scale
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return format(v, spec)


def echo_table(headers: list[str], rows: list[list[str]], *, align: str | None = None,
               indent: str = "  ", err: bool = False) -> None:
    """A plain text table: headers, a rule, rows; ``align`` a string of l/r per column."""
    cols = len(headers)
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells if i < len(r)) for i in range(cols)]
    align = align or ("l" + "r" * (cols - 1))

    def line(r):
        out = []
        for i, (c, w) in enumerate(zip(r, widths)):
            out.append(c.ljust(w) if (align[i] if i < len(align) else "r") == "l" else c.rjust(w))
        return indent + "  ".join(out).rstrip()

    click.echo(line(cells[0]), err=err)
    click.echo(indent + "  ".join("-" * w for w in widths), err=err)
    for r in cells[1:]:
        click.echo(line(r), err=err)


# ============================================================================ progress


class StderrProgress:
    """A :data:`spinloss.progress.ProgressCallback` drawing tqdm bars (one per task) and note lines
    on stderr."""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix
        self.bars: dict = {}

    def __call__(self, event) -> None:
        from tqdm import tqdm

        if event.message is not None:
            text = f"{self.prefix}{event.message}"
            if self.bars:
                tqdm.write(text, file=sys.stderr)
            else:
                click.echo(text, err=True)
            return
        bar = self.bars.get(event.task)
        if event.finished:
            if bar is not None:
                bar.close()
                del self.bars[event.task]
            return
        if bar is None:
            total = event.total if event.total else None
            bar = tqdm(total=total, desc=f"{self.prefix}{event.task}", unit=event.unit or "it",
                       unit_scale=True, file=sys.stderr, leave=False, dynamic_ncols=True, mininterval=0.5)
            self.bars[event.task] = bar
        if event.total and bar.total != event.total:
            bar.total = event.total
        if event.done is not None:
            bar.update(event.done - bar.n)

    def close(self) -> None:
        for bar in list(self.bars.values()):
            bar.close()
        self.bars.clear()


def progress_for(as_json: bool = False, quiet: bool = False):
    """A stderr progress callback, or None: shown unless ``quiet``; with ``--json`` only when
    stderr is a terminal (scripts reading the JSON get a clean stderr)."""
    if quiet:
        return None
    if as_json and not sys.stderr.isatty():
        return None
    return StderrProgress()


# ============================================================================ options


class FiniteFloatRange(click.FloatRange):
    """A ``click.FloatRange`` that also refuses NaN (which passes every range comparison)."""

    def convert(self, value, param, ctx):
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{rv!r} is not a finite number.", param, ctx)
        return rv


#: The type of every ``--seed``: the noise is keyed by a 64-bit word, so a negative seed or one
#: of 2**64 or more would be an error deep in the engine or an alias of a smaller seed.
SEED = click.IntRange(0, 2**64 - 1)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON object on stdout (and nothing else there).")(f)


def temperature_option(f):
    return click.option("--temperature", "-T", default=None, metavar="T",
                        help='Temperature, e.g. "300 K" or 300 (kelvin); overrides the file\'s.')(f)


def set_option(f):
    return click.option("--set", "set_items", multiple=True, metavar="KEY=VALUE",
                        help='Override a file value: LAYER.KEY, interfaces.N.KEY (N counts the file\'s '
                             '[[interfaces]] from 0), TABLE.KEY of a device table (pulse.width, '
                             'magnet.anisotropy_field, ...) or a top-level key. VALUE is TOML-ish: 0.05, '
                             '"5 nm", [6e14, 6e13]. Repeatable.')(f)


def vary_option(f):
    return click.option("--vary", "vary_items", multiple=True, metavar="KEY=START:STOP:NUM",
                        help='Sweep a file value over NUM points from START to STOP (inclusive; units '
                             'allowed and checked: "free.thickness=1 nm:10 nm:50"; append ":log" for a '
                             "geometric grid). One or two keys (two give a 2D grid).")(f)


def plot_option(f):
    return click.option("--plot", "plot_path", default=None, metavar="FILE.png",
                        help="Write a figure (PNG; .svg and .pdf also work).")(f)


def check_plot_path(path, option: str = "--plot") -> None:
    """Refuse an unknown figure format or an unwritable place before any work is done."""
    if path is not None:
        check_output_path(path, key=option, suffixes=PLOT_SUFFIXES)


class plot_errors:
    """Context manager: a figure that cannot be written is an input error (exit 2)."""

    def __init__(self, path, option: str = "--plot"):
        self.path = path
        self.option = option

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, OSError):
            raise SpinlossInputError(str(self.path), self.option,
                                     f"cannot write the figure ({exc.strerror or exc})") from None
        return False


# ============================================================================ input


def quantity(text, dimension: str, option: str):
    """An option value with a unit -> SI float (None stays None); errors name the option."""
    if text is None:
        return None
    from ..config import parse_scalar_text
    from ..units import to_si

    return to_si(parse_scalar_text(str(text)), dimension, source=CLI_SOURCE, key=option)


def positive_quantity(text, dimension: str, option: str, *, allow_zero: bool = False):
    v = quantity(text, dimension, option)
    if v is not None and not (math.isfinite(v) and (v >= 0 if allow_zero else v > 0)):
        raise ConfigError(CLI_SOURCE, option, "must be >= 0 and finite" if allow_zero else "must be > 0 and finite")
    return v


def value_grid(text, dimension: str, option: str, *, max_points: int = 1000, positive: bool = False,
               lists: bool = True, what: str = "values"):
    """An option's grid -> SI numpy array: ``START:STOP:NUM`` (units allowed on START and STOP;
    NUM points, 1 .. ``max_points``) or, with ``lists``, a comma-separated list. ``positive``:
    every value > 0. Errors name the option in one line."""
    if text is None:
        raise ConfigError(CLI_SOURCE, option, "is required")
    value = positive_quantity if positive else quantity
    text = str(text)
    if ":" in text or not lists:
        parts = text.split(":")
        if len(parts) != 3:
            raise ConfigError(CLI_SOURCE, option, f"expected START:STOP:NUM, got {text!r}")
        try:
            num = int(parts[2])
        except ValueError:
            raise ConfigError(CLI_SOURCE, option, f"NUM must be an integer, got {parts[2]!r}") from None
        if not 1 <= num <= max_points:
            raise ConfigError(CLI_SOURCE, option, f"NUM must be between 1 and {max_points:g}")
        a, b = value(parts[0].strip(), dimension, option), value(parts[1].strip(), dimension, option)
        if not (math.isfinite(a) and math.isfinite(b)):
            raise ConfigError(CLI_SOURCE, option, "START and STOP must be finite")
        if num > 1 and a == b:
            raise ConfigError(CLI_SOURCE, option, "START and STOP are equal")
        return np.linspace(a, b, num)
    if not text.strip():
        raise ConfigError(CLI_SOURCE, option, f"no {what}")
    vals = [value(v.strip(), dimension, option) for v in list_items(text, option, what)]
    return np.asarray(vals, dtype=float)


def list_items(text: str, option: str, what: str = "values") -> list[str]:
    """The items of a comma-separated option value; an empty item (``"1,,2"``, a trailing comma)
    is an error naming its position, never silently dropped."""
    items = str(text).split(",")
    for i, v in enumerate(items):
        if not v.strip():
            raise ConfigError(CLI_SOURCE, option, f"item {i + 1} is empty (expected comma-separated {what})")
    return items


def temperature_value(text):
    from ..stack import MAX_TEMPERATURE

    t = quantity(text, "temperature", "--temperature")
    if t is not None and (not math.isfinite(t) or t < 0):
        raise ConfigError(CLI_SOURCE, "--temperature", "must be >= 0 K and finite")
    if t is not None and t > MAX_TEMPERATURE:
        raise ConfigError(CLI_SOURCE, "--temperature", f"{t:.3g} K is beyond the physical range (maximum "
                                                       f"{MAX_TEMPERATURE:g} K)")
    return t


def parse_set_items(items) -> dict:
    """``--set`` items -> {key: value} (a key given twice is an error)."""
    from ..config import parse_set

    out: dict[str, Any] = {}
    for item in items or ():
        k, v = parse_set(item)
        if k in out:
            raise ConfigError(CLI_SOURCE, k, "given twice in --set")
        out[k] = v
    return out


def refuse_option_with_keys(params: dict, keys, pairs) -> None:
    """Refuse an option that sets what a swept key sets: ``pairs`` are (param name, option, key)."""
    for name, option, key in pairs:
        if params.get(name) is not None and key in keys:
            raise ConfigError(CLI_SOURCE, option, f"given together with a sweep of {key}: drop one of them")


def merge_overrides(set_items, point: dict | None) -> dict:
    """``--set`` overrides plus a sweep point's (a key in both is an error)."""
    over = parse_set_items(set_items)
    for k, v in (point or {}).items():
        if k in over:
            raise ConfigError(CLI_SOURCE, k, "given in both --set and a sweep axis")
        over[k] = v
    return over


def load_device(path, overrides: dict | None = None, *, warnings: bool = True):
    """A device file plus overrides -> :class:`~spinloss.device.Device`; its validity warnings
    (macrospin size, superparamagnetism) on stderr."""
    from ..device import Device

    try:
        device = Device.from_toml(path, overrides=overrides or None)
    except ConfigError as exc:
        raise blame_override(exc, path, overrides or {}) from None
    if warnings:
        for w in device.validity_warnings():
            warn(f"{path}: {w}")
    return device


@contextmanager
def device_errors(device_file, given_option: str | None = None):
    """Errors of the physics on a device are reported against its file: a drive the integrator
    cannot resolve names the option that set it (``given_option``) or the file's
    ``pulse.current_density``; any other request outside a model's domain names the file."""
    try:
        yield
    except UnresolvableDriveError as exc:
        if given_option:
            raise SpinlossInputError(CLI_SOURCE, given_option, str(exc)) from None
        raise SpinlossInputError(str(device_file), "pulse.current_density", str(exc)) from None
    except PhysicsError as exc:
        raise SpinlossInputError(str(device_file), None, str(exc)) from None


def output_suffix(path, suffixes, option: str = "--output") -> None:
    if path is not None:
        check_output_path(path, key=option, suffixes=suffixes)


# ============================================================================ sweeps


def sweepable(runner, block_runner=None, *, input_param: str, check=None):
    """Mark a click command as runnable by ``spinloss sweep`` (module docstring). ``check``, if
    given, is the command's pre-flight ``check(params, keys=(), overrides=None)``: it validates
    the options, refuses an option that contradicts a swept key (``--current-density`` with a
    sweep of ``pulse.current_density``) and loads the input file with ``overrides``, raising
    :class:`~spinloss.errors.SpinlossInputError` before any computation."""

    def deco(cmd):
        cmd.sweep_runner = runner
        cmd.sweep_block_runner = block_runner
        cmd.sweep_input_param = input_param
        cmd.sweep_check = check
        return cmd

    return deco


def interrupted_exit(what: str) -> None:
    """Say what finished and exit 130 (Ctrl-C)."""
    click.echo(f"spinloss: interrupted: {what}" if what else "spinloss: interrupted", err=True)
    sys.exit(130)


def debug_enabled(args=()) -> bool:
    return "--debug" in args or os.environ.get("SPINLOSS_DEBUG", "") not in ("", "0")


def relative_path(path) -> str:
    """A path as given (no absolute local paths in outputs unless the user gave one)."""
    return str(Path(path))


def blame_override(exc: ConfigError, path, overrides: dict, vary_keys=(), temperature_given: bool = False):
    """An error in a value that came from --set/--vary/--temperature names that option and key
    (and the file position it replaced); any other error is returned unchanged."""
    import re

    if not overrides or exc.source != str(path):
        return exc
    key = exc.key
    candidate = None
    if m := re.match(r"^layers\[(\d+)\]\.([A-Za-z_]+)", key):
        try:
            from ..config import read_toml
            from ..stack import layer_names

            names = layer_names(read_toml(path)["layers"], source=str(path))
            candidate = f"{names[int(m.group(1))]}.{m.group(2)}"
        except Exception:  # noqa: BLE001 - the file itself is broken: report the original error
            return exc
    elif m := re.match(r"^interfaces\[(\d+)\]\.([A-Za-z_]+)", key):
        candidate = f"interfaces.{m.group(1)}.{m.group(2)}"
    elif m := re.match(r"^([A-Za-z_]+(?:\.[A-Za-z_]+)?)", key):
        candidate = m.group(1)
    if candidate is None or candidate not in overrides:
        return exc
    if candidate in vary_keys:
        option = "--vary"
    elif candidate == "temperature" and temperature_given:
        option = "--temperature"
    else:
        option = "--set"
    where = option if option == "--temperature" else f"{option} {candidate}"
    # the same class: an unknown key stays an UnknownKeyError (``spinloss sweep`` tells them apart)
    return type(exc)(CLI_SOURCE, where, f"{exc.rule} ({path}: {key})")
