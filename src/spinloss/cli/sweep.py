"""``spinloss sweep SWEEP.toml``: a sweepable command run at every point of a sweep file, results
in a Zarr store (docs/sweeps.md). Thin: the file is read by :func:`spinloss.sweep.read_sweep`,
the options by the command's own click parser, the points evaluated by
:func:`spinloss.sweep.run_sweep`; this module checks everything first and prints the summary.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ConfigError, Interrupted, PhysicsError, SpinlossInputError, UnknownKeyError
from .common import CLI_SOURCE, StderrProgress, interrupted_exit

#: Options of a command that make no sense in a sweep, with the reason.
NOT_IN_SWEEP = {
    "json": "the results go to the store (read it with xarray.open_zarr)",
    "plot": "a sweep writes no figure: plot from the store",
    "vary": "the points of a sweep are its [axes], [zip] and [random] tables",
    "output": "the sweep writes the store (spinloss sweep --output)",
    "help": "not an option of a computation",
}


# ============================================================================ points in workers


class CommandPoint:
    """One point of a command: ``runner(params, overrides)``; an error at a swept key is named by
    the sweep file's table (``axes.free.thickness``) instead of ``--set``. Picklable (worker
    processes, Dask): the runner is a top-level function."""

    def __init__(self, runner, params: dict, source: str, tables: dict):
        self.runner = runner
        self.params = params
        self.source = source
        self.tables = tables  # swept key -> its table

    def __call__(self, overrides: dict) -> dict:
        try:
            return self.runner(self.params, overrides)
        except SpinlossInputError as exc:
            raise self.rename(exc) from None

    def rename(self, exc: SpinlossInputError) -> SpinlossInputError:
        if exc.source != CLI_SOURCE:
            return exc
        key = exc.key[len("--set "):] if exc.key.startswith("--set ") else exc.key
        if key in self.tables:
            return type(exc)(self.source, f"{self.tables[key]}.{key}", exc.rule)
        return exc


class CommandBlock(CommandPoint):
    """Several points of a command at once: ``block_runner(params, [overrides, ...])``."""

    def __call__(self, points: list) -> list:
        try:
            return self.runner(self.params, points)
        except SpinlossInputError as exc:
            raise self.rename(exc) from None


# ============================================================================ the sweep file -> a command


def sweepable_names() -> list[str]:
    from . import COMMANDS, command

    return [n for n in COMMANDS if n != "sweep" and getattr(command(n), "sweep_runner", None) is not None]


def resolve_command(sf):
    """The click command the sweep file names (it must be sweepable)."""
    from . import COMMANDS, command

    if sf.command not in COMMANDS:
        raise ConfigError(sf.source, "command", f"unknown command {sf.command!r} (sweepable: {', '.join(sweepable_names())})")
    cmd = command(sf.command)
    if getattr(cmd, "sweep_runner", None) is None:
        raise ConfigError(sf.source, "command", f"{sf.command!r} cannot be swept (sweepable: {', '.join(sweepable_names())})")
    return cmd


def option_argv(cmd, sf) -> list[str]:
    """The sweep file's [options] as the command's argv (``key = value`` -> ``--key value``, true
    flags -> ``--key``, false -> the ``--no-key`` form or nothing, lists -> repeated)."""
    by_name = {}
    for p in cmd.params:
        if isinstance(p, click.Option):
            for o in list(p.opts) + list(p.secondary_opts):
                if o.startswith("--"):
                    by_name[o[2:]] = (p, o)
    argv: list[str] = []
    known = sorted(n for n, (p, o) in by_name.items() if n not in NOT_IN_SWEEP and o in p.opts)
    for key, value in sf.options.items():
        where = f"options.{key}"
        if key in NOT_IN_SWEEP and key in by_name:
            raise ConfigError(sf.source, where, f"makes no sense in a sweep: {NOT_IN_SWEEP[key]}")
        if key not in by_name:
            hint = ""
            alt = key.replace("_", "-")
            if alt in by_name:
                hint = f" (did you mean {alt!r}?)"
            raise ConfigError(sf.source, where, f"{sf.command} has no option --{key}{hint} (options: {', '.join(known)})")
        param, opt = by_name[key]
        if param.is_flag and not param.multiple:
            if not isinstance(value, bool):
                raise ConfigError(sf.source, where, "a flag: give true or false")
            if opt in param.secondary_opts:  # --no-x = true means x false
                value = not value
                opt = param.opts[0]
            if value:
                argv.append(opt)
            elif param.secondary_opts:
                argv.append(param.secondary_opts[0])
            continue
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and not param.multiple and (param.nargs == 1):
            raise ConfigError(sf.source, where, "takes one value, not a list")
        for v in values:
            if isinstance(v, bool):
                raise ConfigError(sf.source, where, f"takes a value, not {str(v).lower()}")
            argv += [opt, repr(v) if isinstance(v, float) else str(v)]
    return argv


def command_params(cmd, sf) -> dict:
    """The command's parsed click parameters for the sweep file's input and [options] (the
    command's own option semantics and errors)."""
    argv = option_argv(cmd, sf) + ["--", str(sf.input)]
    try:
        ctx = cmd.make_context(f"spinloss {sf.command}", argv)
    except click.BadParameter as exc:
        name = None
        if exc.param is not None and getattr(exc.param, "opts", None):
            name = next((o[2:] for o in exc.param.opts if o.startswith("--")), None)
        raise ConfigError(sf.source, f"options.{name}" if name else "options", " ".join(str(exc.message).split())) from None
    except click.UsageError as exc:
        raise ConfigError(sf.source, "options", " ".join(exc.format_message().split())) from None
    params = dict(ctx.params)
    return params


def option_error(exc: SpinlossInputError, sf) -> SpinlossInputError:
    """A command-line error of the command's check (``--pulse-width: ...``) named by the sweep
    file (``options.pulse-width``)."""
    if exc.source != CLI_SOURCE:
        return exc
    key = exc.key
    if key.startswith("--set "):
        return type(exc)(sf.source, f"options.set ({key[6:]})", exc.rule)
    if key.startswith("--"):
        return type(exc)(sf.source, f"options.{key[2:]}", exc.rule)
    if key in sf.design.keys:
        return type(exc)(sf.source, f"{sf.design.table_of(key)}.{key}", exc.rule)
    return type(exc)(sf.source, key, exc.rule)


def preflight(cmd, sf, params: dict) -> None:
    """Everything that can be wrong before a point is computed: the options (with the command's
    check), an option that sets a swept key, ``set`` items that are swept too, the input file,
    and every swept key (an unknown key is an error of the sweep file; a bad value at a point only
    fails that point)."""
    from .common import parse_set_items

    keys = sf.design.keys
    set_keys = parse_set_items(params.get("set_items"))
    for k in keys:
        if k in set_keys:
            raise ConfigError(sf.source, f"{sf.design.table_of(k)}.{k}", "also given in options.set: set it or sweep it")
    check = getattr(cmd, "sweep_check", None)
    if check is None:
        return
    try:
        check(params, keys)
    except SpinlossInputError as exc:
        raise option_error(exc, sf) from None
    first = sf.design.first_point()
    for k in keys:
        try:
            check(params, keys, {k: first[k]})
        except UnknownKeyError as exc:
            rule = exc.rule
            raise ConfigError(sf.source, f"{sf.design.table_of(k)}.{k}", f"not a key of {sf.input_as_written}: {rule}") from None
        except (SpinlossInputError, PhysicsError):
            pass  # a bad value: that point fails and is recorded, the others go on


# ============================================================================ the command


@click.command()
@click.argument("sweep_file", metavar="SWEEP.toml")
@click.option("--output", "-o", "output", default=None, metavar="STORE.zarr",
              help="The Zarr store (default: SWEEP.zarr next to the sweep file).")
@click.option("--resume", is_flag=True,
              help="Continue the store of an interrupted run of this sweep (complete points are kept).")
@click.option("--workers", "-n", default=None, type=click.IntRange(1, 4096), metavar="N",
              help="Local worker processes (default: the usable cores; 1 runs in this process).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on a dask.distributed cluster (tcp://host:8786; needs the extra 'cluster').")
def sweep(sweep_file, output, resume, workers, scheduler):
    """Run a command at every point of SWEEP.toml; results in a Zarr store.

    The sweep file names a sweepable command (torque, switch, threshold, wer, retention,
    resonance, design), its input file and options, and the points: [axes] (a cartesian grid),
    [zip] (keys varied together), [random] (n samples). Every numeric field of the command's JSON
    result becomes a variable over the sweep's dimensions (xarray.open_zarr reads the store),
    with status and error per point. A run stopped by Ctrl-C, a kill or a crash continues with
    --resume; a point that fails records its error and the others go on. docs/sweeps.md.

    \b
    Examples:
      spinloss sweep examples/sweep_switch.toml
      spinloss sweep examples/sweep_switch.toml --resume --workers 2
      spinloss sweep big.toml --scheduler tcp://10.0.0.5:8786
    """
    from ..io import check_output_path
    from ..sweep import read_sweep, run_sweep

    sf = read_sweep(sweep_file)
    cmd = resolve_command(sf)
    params = command_params(cmd, sf)
    preflight(cmd, sf, params)
    if workers is not None and scheduler is not None:
        raise ConfigError(CLI_SOURCE, "--workers", "the Dask cluster has its own workers: give --workers or --scheduler")
    store = Path(output) if output is not None else sf.default_store()
    check_output_path(store, key="--output")
    if store.exists() and not store.is_dir():
        raise ConfigError(CLI_SOURCE, "--output", f"{str(store)!r} is a file, not a store")
    if scheduler is not None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ConfigError(CLI_SOURCE, "--scheduler", "needs the optional extra 'cluster' "
                                                         "(pip install 'spinloss[cluster]')") from None
    tables = {k: sf.design.table_of(k) for k in sf.design.keys}
    block_runner = getattr(cmd, "sweep_block_runner", None)
    if block_runner is not None:
        evaluate, evaluate_block = None, CommandBlock(block_runner, params, sf.source, tables)
    else:
        evaluate, evaluate_block = CommandPoint(cmd.sweep_runner, params, sf.source, tables), None
    seeds = {}
    if "seed" in params:
        seeds["seed"] = params["seed"]
    if sf.design.random_seed is not None:
        seeds["random.seed"] = sf.design.random_seed
    progress = StderrProgress()
    try:
        summary = run_sweep(sf.design, evaluate, evaluate_block, store=store, identity=sf.identity(),
                            resume=resume, workers=workers, scheduler=scheduler, progress=progress,
                            inputs=[sf.path, sf.input], seeds=seeds,
                            attrs={"sweep_file": str(sf.path), "sweep_command": sf.command,
                                   "sweep_input": str(sf.input)})
    except Interrupted as exc:  # (click would turn it into Abort: say what finished and exit 130 here)
        progress.close()
        s = exc.partial
        interrupted_exit(f"{s.what()}; the store {s.store} is consistent: continue with "
                         f"spinloss sweep {sweep_file} --resume" + (f" --output {output}" if output else ""))
    except SpinlossInputError as exc:
        progress.close()
        if exc.key in ("output", "resume", "scheduler"):
            raise ConfigError(sf.source if exc.key == "resume" else CLI_SOURCE, f"--{exc.key}",
                              f"{exc.source}: {exc.rule}" if exc.source not in ("<api>", CLI_SOURCE) else exc.rule) from None
        raise
    progress.close()
    _print_summary(sf, summary)
    if summary.done == 0 and summary.failed > 0:
        click.echo(f"spinloss: no point of the sweep succeeded (first error: {summary.first_error})", err=True)
        sys.exit(1)


def _print_summary(sf, s) -> None:
    rate = s.computed / s.compute_seconds if s.compute_seconds > 0 else 0.0
    click.echo(f"{sf.path}: {s.total} points of {sf.command}: {s.done} done, {s.failed} failed "
               f"({s.computed} computed in {s.seconds:.1f} s, {rate:.3g} points/s on {s.backend}"
               f"{f', {s.workers} workers' if s.workers > 1 else ''}; {s.skipped} complete before)")
    if s.first_error:
        click.echo(f"  first error: {s.first_error}")
    click.echo(f"  store: {s.store}  (xarray.open_zarr({str(s.store)!r}))")
