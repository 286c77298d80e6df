"""The ``spinloss`` command: a thin layer over the public API, one module per command group.

Structure (for whoever adds a subcommand):

- :data:`COMMANDS` maps each subcommand to ``"module:attribute"`` (a click command), imported only
  when used. Add a command by writing it in the right module (:mod:`.torque`, :mod:`.dynamics`,
  :mod:`.heating`, :mod:`.cells`, :mod:`.demo`, :mod:`.sweep`) and adding one line here.
- Shared options, input loading, JSON/table output, progress on stderr and the sweep protocol
  live in :mod:`.common`.
- Errors: :func:`main` prints ``spinloss: error: <file>: <key>: <rule>`` on one line and exits 2
  for bad input (and for requests outside a model's domain); Ctrl-C exits 130 saying what
  finished; any other exception prints one line and exits 1 (the traceback only with
  ``--debug`` or ``SPINLOSS_DEBUG=1``).
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings

import click

from ..errors import (Interrupted, PhysicsError, SpinlossInputError, catch_swallowed_interrupts,
                      raise_swallowed_interrupt)
from ..io import set_command_line
from ..version import __version__
from .common import CLI_SOURCE, debug_enabled

#: Subcommands: name -> "module:attribute" (a click.Command), imported when used.
COMMANDS: dict[str, str] = {
    "torque": "spinloss.cli.torque:torque",
    "materials": "spinloss.cli.torque:materials",
    "switch": "spinloss.cli.dynamics:switch",
    "threshold": "spinloss.cli.dynamics:threshold",
    "wer": "spinloss.cli.dynamics:wer",
    "retention": "spinloss.cli.dynamics:retention",
    "resonance": "spinloss.cli.dynamics:resonance",
    "trace": "spinloss.cli.dynamics:trace",
    "heating": "spinloss.cli.heating:heating",
    "design": "spinloss.cli.cells:design",
    "compare": "spinloss.cli.cells:compare",
    "demo": "spinloss.cli.demo:demo",
    "sweep": "spinloss.cli.sweep:sweep",
    "lab": "spinloss.cli.lab:lab",
    "fit": "spinloss.cli.lab:fit",
    "pbit": "spinloss.cli.pbit:pbit",
    "array": "spinloss.cli.memory:array",
    "workload": "spinloss.cli.memory:workload",
}


def command(name: str) -> click.Command:
    """The click command called ``name`` (imported on first use)."""
    module, attr = COMMANDS[name].split(":")
    return getattr(importlib.import_module(module), attr)


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name in COMMANDS:
            return command(name)
        return None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="spinloss")
@click.option("--debug", is_flag=True, help="Show the full traceback of unexpected errors.")
def cli(debug):
    """spinloss: spintronic layer stack -> spin-orbit torques -> switching -> energy per bit.

    Units are SI unless written ("5 nm", "1e11 A/m^2", "300 K"). Conventions: current along
    +x, layers listed bottom to top, film normal +z upwards. Exit codes: 0 done, 1 a target that
    cannot be met (the reason is printed), 2 bad input, 130 interrupted (Ctrl-C).
    """
    if debug:
        os.environ["SPINLOSS_DEBUG"] = "1"


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the click group; bad input -> one line on stderr and exit 2; Ctrl-C ->
    exit 130 with what finished; unexpected errors -> one line and exit 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    set_command_line(["spinloss", *args])
    # Python warnings are never dumped on a user: the physics reports its own validity warnings
    if not debug_enabled(args):
        warnings.simplefilter("ignore")
    catch_swallowed_interrupts(redeliver=True)
    try:
        rv = cli.main(args=args, prog_name="spinloss", standalone_mode=False)
        raise_swallowed_interrupt()  # a Ctrl-C lost in a destructor after the last progress report
    except SpinlossInputError as exc:
        click.echo(f"spinloss: error: {one_line(exc.one_line())}", err=True)
        sys.exit(2)
    except PhysicsError as exc:  # a request outside a model's domain: the input's fault
        click.echo(f"spinloss: error: {one_line(exc)}", err=True)
        sys.exit(2)
    except click.UsageError as exc:
        click.echo(f"spinloss: error: {CLI_SOURCE}: {one_line(exc.format_message())}", err=True)
        sys.exit(2)
    except click.ClickException as exc:  # e.g. click.BadParameter outside parsing, FileError
        click.echo(f"spinloss: error: {one_line(exc.format_message())}", err=True)
        sys.exit(exc.exit_code if exc.exit_code else 1)
    except Interrupted as exc:
        click.echo(f"spinloss: interrupted: {exc.what or 'nothing finished'}", err=True)
        sys.exit(130)
    except (click.Abort, KeyboardInterrupt) as exc:
        # click turns a KeyboardInterrupt raised in a command into Abort: the cause says what finished
        cause = exc.__cause__ if isinstance(exc, click.Abort) else exc
        what = cause.what if isinstance(cause, Interrupted) and cause.what else "nothing finished"
        click.echo(f"spinloss: interrupted: {what}", err=True)
        sys.exit(130)
    except BrokenPipeError:  # output piped into head etc.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the one place that turns crashes into one line
        if debug_enabled(args):
            import traceback

            traceback.print_exc()
        click.echo(f"spinloss: internal error: {type(exc).__name__}: {one_line(exc)} "
                   "(rerun with --debug for the traceback)", err=True)
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
