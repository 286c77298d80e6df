"""The ``spinloss`` command: a thin layer over the public API.

Structure (for whoever adds a subcommand):

- ``cli`` is the click group. Add a subcommand either with ``@cli.command()`` in this file, or
  (preferred for anything heavy) as a click command in its own module registered in
  :data:`LAZY_COMMANDS` (``"name": "spinloss.module:attribute"``), imported only when used.
- Shared options: :func:`json_option`, :func:`temperature_option`, :func:`set_option`,
  :func:`vary_option`, :func:`plot_option` (or :func:`stack_options` for all of set / vary /
  temperature). :func:`load_stack` turns a stack file plus those options into a (possibly
  vectorized) :class:`~spinloss.stack.Stack` and a :class:`Grid` describing the sweep axes.
- Output: :func:`emit_json` prints exactly one JSON object on stdout (numpy arrays become lists,
  non-finite floats become null); human output goes through :func:`echo_table`. Messages that are
  not the result (e.g. "wrote figure.png") go to stderr when ``--json`` is given.
- Errors: raise :class:`~spinloss.errors.SpinlossInputError` (or ConfigError) for bad input;
  :func:`main` prints ``spinloss: error: <file>: <key>: <rule>`` on one line and exits 2. Any
  other exception prints one line and exits 1 (the traceback only with ``--debug`` or
  ``SPINLOSS_DEBUG=1``).
"""

from __future__ import annotations

import importlib
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import numpy as np

from . import __version__
from .errors import ConfigError, PhysicsError, SpinlossInputError
from .io import to_jsonable  # noqa: F401  (re-exported for CLI modules)

CLI_SOURCE = "<command line>"

#: Subcommands living in other modules: name -> "module:attribute" (a click.Command).
LAZY_COMMANDS: dict[str, str] = {
    "switch": "spinloss.cli_dynamics:switch",
    "threshold": "spinloss.cli_dynamics:threshold",
    "wer": "spinloss.cli_dynamics:wer",
    "retention": "spinloss.cli_dynamics:retention",
    "resonance": "spinloss.cli_dynamics:resonance",
    "trace": "spinloss.cli_dynamics:trace",
    "design": "spinloss.cli_devices:design",
    "compare": "spinloss.cli_devices:compare",
}


# ============================================================================ JSON output


def emit_json(obj: Any) -> None:
    """Print ``obj`` as exactly one JSON object on stdout (strict JSON: no NaN/Infinity)."""
    data = to_jsonable(obj)
    if not isinstance(data, dict):
        data = {"result": data}
    click.echo(json.dumps(data, allow_nan=False))


def info(message: str, *, as_json: bool) -> None:
    """A note that is not the result: stderr with --json (stdout stays one JSON object)."""
    click.echo(message, err=as_json)


# ============================================================================ shared options


def json_option(f):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON object on stdout (and nothing else there).")(f)


def temperature_option(f):
    return click.option("--temperature", "-T", default=None, metavar="T",
                        help='Temperature of the stack, e.g. "300 K" or 300 (kelvin); '
                             "overrides the file's temperature.")(f)


def set_option(f):
    return click.option("--set", "set_items", multiple=True, metavar="LAYER.KEY=VALUE",
                        help='Override a value: LAYER.KEY, interfaces.N.KEY (N counts the file\'s '
                             '[[interfaces]] from 0) or a top-level key. VALUE is TOML-ish: 0.05, '
                             '"5 nm", [6e14, 6e13]. Repeatable.')(f)


def vary_option(f):
    return click.option("--vary", "vary_items", multiple=True, metavar="LAYER.KEY=START:STOP:NUM",
                        help='Sweep a value over NUM points from START to STOP (inclusive; units '
                             'allowed: "free.thickness=1 nm:10 nm:50"; append ":log" for a '
                             "geometric grid). One or two keys (two give a 2D grid).")(f)


def plot_option(f):
    return click.option("--plot", "plot_path", default=None, metavar="FILE.png",
                        type=click.Path(dir_okay=False),
                        help="Write a figure (PNG; .svg also works).")(f)


def stack_options(f):
    """--temperature, --set and --vary together."""
    return temperature_option(set_option(vary_option(f)))


PLOT_FORMATS = ("png", "svg", "pdf")


def check_plot_path(path) -> None:
    """Refuse an unknown figure format before any work is done."""
    if path is None:
        return
    suffix = Path(path).suffix.lstrip(".").lower()
    if suffix not in PLOT_FORMATS:
        raise SpinlossInputError(CLI_SOURCE, "--plot", f"{path!r}: give a file ending in "
                                 f"{', '.join('.' + f for f in PLOT_FORMATS)}")


class plot_errors:
    """Context manager: a figure that cannot be written is an input error (exit 2)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, OSError):
            raise SpinlossInputError(str(self.path), "--plot",
                                     f"cannot write the figure ({exc.strerror or exc})") from None
        return False


# ============================================================================ stack + grid


@dataclass
class Grid:
    """The axes of a --vary sweep.

    ``keys`` the varied keys; ``values`` their 1D grids in SI units; ``display`` the same in the
    unit the user typed (or a readable default, e.g. nm for lengths); ``units`` those display
    units; ``si_units`` the SI unit of each key. The evaluated arrays have shape ``shape``
    (axis i belongs to key i, ``indexing="ij"``).
    """

    keys: list[str] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)
    display: list[np.ndarray] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    si_units: list[str] = field(default_factory=list)
    log: list[bool] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.keys)

    @property
    def shape(self) -> tuple:
        return tuple(len(v) for v in self.values)

    def label(self, i: int) -> str:
        unit = self.units[i]
        return f"{self.keys[i]} ({unit})" if unit and unit != "1" else self.keys[i]

    def to_json(self) -> dict:
        return {k: v for k, v in zip(self.keys, self.values)}

    def units_json(self) -> dict:
        return {k: u for k, u in zip(self.keys, self.si_units)}


def key_dimension(key: str) -> str | None:
    """The dimension (a key of ``units.DIMENSIONS``) of a --set/--vary key, None if unknown or
    not numeric (the stack reports unknown keys itself)."""
    from .materials import MATERIAL_KEYS

    parts = key.split(".")
    if len(parts) == 1:
        return {"temperature": "temperature", "reference_temperature": "temperature",
                "current_density": "current_density"}.get(key)
    if parts[0] == "interfaces" and len(parts) == 3:
        return "interface_conductance" if parts[2] != "between" else None
    if len(parts) == 2:
        if parts[1] == "thickness":
            return "length"
        if parts[1] in MATERIAL_KEYS:
            return MATERIAL_KEYS[parts[1]][0]
    return None


def _pretty_unit(unit: str) -> str:
    from .units import unit_registry

    try:
        text = f"{unit_registry().Unit(unit):~P}"
    except Exception:
        return unit
    return text.replace("Ω", "Ohm").replace("µ", "u") or "1"


def parse_vary_items(items, *, set_keys=()) -> Grid:
    """``--vary`` items -> :class:`Grid` (values converted to SI, dimensions checked)."""
    from .config import parse_vary
    from .units import DIMENSIONS, SI_UNIT, unit_registry

    grid = Grid()
    if len(items) > 2:
        raise ConfigError(CLI_SOURCE, "--vary", f"at most two keys can be varied, got {len(items)}")
    for item in items:
        key, values, unit = parse_vary(item)
        if key in grid.keys:
            raise ConfigError(CLI_SOURCE, key, "given twice in --vary")
        if key in set_keys:
            raise ConfigError(CLI_SOURCE, key, "given in both --set and --vary")
        dim = key_dimension(key)
        parts = key.split(".")
        if dim is None and len(parts) == 2 and parts[1] in ("material", "name", "kind"):
            raise ConfigError(CLI_SOURCE, key, "not a numeric key: it cannot be varied")
        if unit is not None:
            q = unit_registry().Quantity(values, unit)
            if dim is not None and not q.check(DIMENSIONS[dim]):
                raise ConfigError(CLI_SOURCE, key, f"unit {unit!r} has the wrong dimension: "
                                                   f"expected {dim.replace('_', ' ')} ({SI_UNIT[dim]})")
            si = np.asarray(q.to_base_units().magnitude, dtype=float)
            display, disp_unit = np.asarray(values, dtype=float), _pretty_unit(unit)
        else:
            si = np.asarray(values, dtype=float)
            if dim == "length":
                display, disp_unit = si * 1e9, "nm"
            elif dim == "resistivity":
                display, disp_unit = si * 1e8, "uOhm cm"
            else:
                display, disp_unit = si, SI_UNIT.get(dim, "") if dim else ""
        grid.keys.append(key)
        grid.values.append(si)
        grid.display.append(display)
        grid.units.append(disp_unit)
        grid.si_units.append(SI_UNIT.get(dim, "") if dim else "")
        grid.log.append(item.strip().endswith(":log"))
    return grid


def build_overrides(set_items=(), vary_items=(), temperature=None) -> tuple[dict, Grid]:
    """Command-line options -> (overrides for ``Stack.from_toml``, sweep grid)."""
    from .config import parse_set

    overrides: dict[str, Any] = {}
    for item in set_items:
        key, value = parse_set(item)
        if key in overrides:
            raise ConfigError(CLI_SOURCE, key, "given twice in --set")
        overrides[key] = value
    grid = parse_vary_items(vary_items, set_keys=tuple(overrides))
    if temperature is not None:
        for opt, keys in (("--set", overrides), ("--vary", grid.keys)):
            if "temperature" in keys:
                raise ConfigError(CLI_SOURCE, "temperature", f"given in both --temperature and {opt}")
        from .config import parse_scalar_text

        overrides["temperature"] = parse_scalar_text(str(temperature))
    if len(grid.keys) == 1:
        overrides[grid.keys[0]] = grid.values[0]
    elif len(grid.keys) == 2:
        a, b = np.meshgrid(grid.values[0], grid.values[1], indexing="ij")
        overrides[grid.keys[0]] = a
        overrides[grid.keys[1]] = b
    return overrides, grid


def load_stack(path: str, set_items=(), vary_items=(), temperature=None):
    """A stack file plus --set/--vary/--temperature -> (Stack, Grid).

    With --vary the stack is vectorized: every varied value is an array of the grid's shape, so
    one call of the physics evaluates the whole grid.
    """
    from .stack import Stack

    overrides, grid = build_overrides(set_items, vary_items, temperature)
    try:
        stack = Stack.from_toml(path, overrides=overrides or None)
    except ConfigError as exc:
        raise _blame_option(exc, path, overrides, grid, temperature is not None) from None
    return stack, grid


def _blame_option(exc: ConfigError, path, overrides: dict, grid: Grid, temperature_given: bool):
    """An error in a value that came from --set/--vary/--temperature names that option and key
    (and the file position it replaced); any other error is returned unchanged."""
    import re

    if not overrides or exc.source != str(path):
        return exc
    key = exc.key
    candidate = None
    if m := re.match(r"^layers\[(\d+)\]\.([A-Za-z_]+)", key):
        try:
            from .config import read_toml
            from .stack import layer_names

            names = layer_names(read_toml(path)["layers"], source=str(path))
            candidate = f"{names[int(m.group(1))]}.{m.group(2)}"
        except Exception:  # the file itself is broken: report the original error
            return exc
    elif m := re.match(r"^interfaces\[(\d+)\]\.([A-Za-z_]+)", key):
        candidate = f"interfaces.{m.group(1)}.{m.group(2)}"
    elif m := re.match(r"^([A-Za-z_]+)$", key):
        candidate = m.group(1)
    if candidate is None or candidate not in overrides:
        return exc
    if candidate in grid.keys:
        option = "--vary"
    elif candidate == "temperature" and temperature_given:
        option = "--temperature"
    else:
        option = "--set"
    where = option if (option == "--temperature") else f"{option} {candidate}"
    return ConfigError(CLI_SOURCE, where, f"{exc.rule} ({path}: {key})")


# ============================================================================ human output


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
    """Print an aligned text table. ``align`` has one letter per column, "l" or "r" (default:
    the first column left-aligned, the rest right-aligned)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    align = align or "l" + "r" * (len(headers) - 1)

    def line(cells):
        out = [c.ljust(w) if align[i] == "l" else c.rjust(w)
               for i, (c, w) in enumerate(zip(cells, widths))]
        return indent + "  ".join(out).rstrip()

    click.echo(line(headers), err=err)
    click.echo(indent + "  ".join("-" * w for w in widths), err=err)
    for r in rows:
        click.echo(line(r), err=err)


def _print_torque_human(stack, res, grid: Grid) -> None:
    ref = res.reference_layer
    click.echo(f"{stack.name}  ({stack.source})")
    temp = fmt(stack.temperature)
    click.echo(f"  T = {temp} K,  J = {fmt(stack.current_density, '.3g')} A/m^2 in "
               f"reference layer '{ref}'")
    if not grid:
        click.echo(f"  electric field {fmt(res.electric_field, '.4g')} V/m,  sheet resistance "
                   f"{fmt(res.sheet_resistance, '.5g')} Ohm/sq")
        click.echo("")
        click.echo("Layers (bottom to top)")
        rows = []
        for lc in res.layers:
            t = getattr(lc, "thickness", None)
            rows.append([lc.name, str(lc.material), str(lc.kind), fmt(t, ".3g", 1e9),
                         fmt(lc.resistivity, ".4g", 1e8), fmt(lc.current_fraction, ".4f"),
                         fmt(lc.current_density, ".4g"), fmt(lc.joule_power, ".4g")])
        echo_table(["layer", "material", "kind", "t (nm)", "rho (uOhm cm)", "current fraction",
                    "J (A/m^2)", "Joule (W/m^2)"], rows, align="lllrrrrr")
        click.echo("")
        click.echo(f"Magnets (xi per current density in '{ref}'; b at J = "
                   f"{fmt(stack.current_density, '.3g')} A/m^2)")
        rows = [[m.layer, fmt(m.xi_dl, ".5g"), fmt(m.xi_fl, ".5g"), fmt(m.b_dl, ".4g", 1e3),
                 fmt(m.b_fl, ".4g", 1e3), fmt(m.sigma_dl, ".4g"), fmt(m.sigma_fl, ".4g")]
                for m in res.magnets]
        echo_table(["layer", "xi_dl", "xi_fl", "b_dl (mT)", "b_fl (mT)", "sigma_dl (1/(Ohm m))",
                    "sigma_fl (1/(Ohm m))"], rows)
        return
    click.echo(f"Sweep over {' x '.join(grid.keys)} ({' x '.join(map(str, grid.shape))} points; "
               f"xi per current density in '{ref}')")
    headers = [grid.label(i) for i in range(len(grid.keys))]
    for m in res.magnets:
        pre = f"{m.layer}: " if len(res.magnets) > 1 else ""
        headers += [f"{pre}xi_dl", f"{pre}xi_fl", f"{pre}b_dl (mT)"]
    headers.append("R_sheet (Ohm)")
    shape = grid.shape
    rows = []
    for idx in np.ndindex(*shape):
        row = [fmt(grid.display[i][j], ".4g") for i, j in enumerate(idx)]
        for m in res.magnets:
            row += [fmt(_at(m.xi_dl, idx, shape), ".5g"), fmt(_at(m.xi_fl, idx, shape), ".5g"),
                    fmt(_at(m.b_dl, idx, shape), ".4g", 1e3)]
        row.append(fmt(_at(res.sheet_resistance, idx, shape), ".5g"))
        rows.append(row)
    echo_table(headers, rows)


def _at(value, idx, shape):
    """Element ``idx`` of a result broadcast to the grid shape."""
    return np.broadcast_to(np.asarray(value), shape)[idx]


# ============================================================================ the group


class _LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx, name):
        cmd = super().get_command(ctx, name)
        if cmd is None and name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[name].split(":")
            cmd = getattr(importlib.import_module(module), attr)
        return cmd


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="spinloss")
@click.option("--debug", is_flag=True, help="Show the full traceback of unexpected errors.")
def cli(debug):
    """spinloss: spintronic layer stack -> spin-orbit torques -> switching -> energy per bit.

    Units are SI unless written ("5 nm", "1e11 A/m^2", "300 K"). Conventions: current along
    +x, layers listed bottom to top, film normal +z upwards. Exit code 2 for bad input.
    """
    if debug:
        os.environ["SPINLOSS_DEBUG"] = "1"


@cli.command()
@click.argument("stack_file", metavar="STACK.toml")
@json_option
@stack_options
@plot_option
@click.option("--profiles", is_flag=True,
              help="Include the spin current and accumulation profiles vs z in the JSON "
                   "(with --plot and no --vary: plot them).")
def torque(stack_file, as_json, temperature, set_items, vary_items, plot_path, profiles):
    """Spin-orbit torques of the stack in STACK.toml.

    For every ferromagnetic layer: damping-like and field-like efficiencies xi_dl, xi_fl (per
    current density in the reference layer), fields b_dl, b_fl (tesla at the file's
    current_density), spin-torque conductivities sigma_dl, sigma_fl; for every layer its current
    fraction, current density and Joule power; the stack's sheet resistance.

    \b
    Examples:
      spinloss torque examples/py_nio.toml
      spinloss torque examples/py_nio.toml --json --set free.thickness="3 nm"
      spinloss torque examples/py_nio.toml --vary NiO.thickness="1 nm:30 nm:30" --plot nio.png
    """
    from .transport import torques

    check_plot_path(plot_path)
    stack, grid = load_stack(stack_file, set_items, vary_items, temperature)
    res = torques(stack, profiles=profiles)
    if plot_path:
        from . import plots

        with plot_errors(plot_path):
            _torque_figure(plots, res, stack, grid, plot_path, profiles)
    if as_json:
        data = dict(res.to_json())
        if profiles and "profiles" not in data and getattr(res, "profiles", None) is not None:
            data["profiles"] = res.profiles
        if grid:
            data["grid"] = grid.to_json()
            data["grid_units"] = grid.units_json()
            data["grid_shape"] = list(grid.shape)
        emit_json(data)
    else:
        _print_torque_human(stack, res, grid)
    if plot_path:
        info(f"wrote {plot_path}", as_json=as_json)


def _torque_figure(plots, res, stack, grid, plot_path, profiles):
    if grid:
        plots.torque_sweep(res, grid, plot_path, title=stack.name)
    elif profiles and res.profiles is not None:
        plots.spin_profiles(res.profiles, plot_path, title=stack.name)
    else:
        plots.torque_summary(res, stack, plot_path)


@cli.command()
@json_option
@click.option("--library", "library_files", multiple=True, metavar="FILE.toml",
              help="Also load a user materials file (extends/overrides the built-in library).")
def materials(as_json, library_files):
    """List the materials library: every value (SI) with its reference."""
    from .materials import MATERIAL_KEYS, default_library, load_library
    from .units import SI_UNIT

    for f in library_files:
        if not Path(f).is_file():
            raise ConfigError(f, None, "file not found")
    lib = load_library(*library_files) if library_files else default_library()
    aliases = _library_aliases(lib)
    out: dict[str, Any] = {"sources": list(lib.sources), "materials": {}, "interface_defaults": {}}
    for name, mat in lib.materials.items():
        values = {k: getattr(mat, k) for k in MATERIAL_KEYS if getattr(mat, k) is not None}
        if mat.kind == "insulator":
            values = {}
        out["materials"][name] = {
            "kind": mat.kind,
            "aliases": aliases.get(name, []),
            "values": values,
            "units": {k: SI_UNIT[MATERIAL_KEYS[k][0]] for k in values},
            "references": dict(mat.references),
        }
    for pair, table in lib.interface_defaults.items():
        vals = {k: v for k, v in table.items() if k != "references"}
        out["interface_defaults"][pair] = {"values": vals, "units": {k: "Ohm^-1 m^-2" for k in vals},
                                           "references": dict(table.get("references", {}))}
    if as_json:
        emit_json(out)
        return
    click.echo(f"Materials library ({', '.join(lib.sources)}); SI units, values at the "
               "reference temperature (300 K)")
    for name, entry in out["materials"].items():
        alias = f"  (aliases: {', '.join(entry['aliases'])})" if entry["aliases"] else ""
        click.echo("")
        click.echo(f"{name}: {entry['kind'].replace('_', ' ')}{alias}")
        rows = [[k, fmt(v, ".4g"), entry["units"][k], entry["references"].get(k, "")]
                for k, v in entry["values"].items()]
        if not rows and "kind" in entry["references"]:
            click.echo(f"  {entry['references']['kind']}")
        if rows:
            echo_table(["key", "value", "unit", "reference"], rows, align="lrll")
    click.echo("")
    click.echo("Interface defaults (by the kinds of the two layers)")
    rows = []
    for pair, entry in out["interface_defaults"].items():
        for k, v in entry["values"].items():
            rows.append([pair, k, str(v), entry["references"].get(k, "")])
    echo_table(["interface", "key", "value (Ohm^-1 m^-2)", "reference"], rows, align="llrl")


def _library_aliases(lib) -> dict[str, list[str]]:
    """Aliases as written in the library files (the library object keeps them lowercased)."""
    import tomllib

    out: dict[str, list[str]] = {}
    for src in lib.sources:
        try:
            with open(src, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError):
            continue
        for name, table in data.items():
            if isinstance(table, dict) and isinstance(table.get("aliases"), list):
                out.setdefault(name, [])
                out[name] += [str(a) for a in table["aliases"] if str(a) not in out[name]]
    return out


# ============================================================================ entry point


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the click group; bad input -> one line on stderr and exit 2; unexpected
    errors -> one line and exit 1 (traceback with --debug or SPINLOSS_DEBUG=1)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        rv = cli.main(args=args, prog_name="spinloss", standalone_mode=False)
    except SpinlossInputError as exc:
        click.echo(f"spinloss: error: {_one_line(exc.one_line())}", err=True)
        sys.exit(2)
    except PhysicsError as exc:  # a request outside a model's domain: the input's fault
        click.echo(f"spinloss: error: {_one_line(exc)}", err=True)
        sys.exit(2)
    except click.UsageError as exc:
        click.echo(f"spinloss: error: {CLI_SOURCE}: {_one_line(exc.format_message())}", err=True)
        sys.exit(2)
    except click.ClickException as exc:  # e.g. click.BadParameter outside parsing, FileError
        click.echo(f"spinloss: error: {_one_line(exc.format_message())}", err=True)
        sys.exit(exc.exit_code if exc.exit_code else 1)
    except (click.Abort, KeyboardInterrupt):
        click.echo("spinloss: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:  # output piped into head etc.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the one place that turns crashes into one line
        if "--debug" in args or os.environ.get("SPINLOSS_DEBUG", "") not in ("", "0"):
            import traceback

            traceback.print_exc()
        click.echo(f"spinloss: internal error: {type(exc).__name__}: {_one_line(exc)} "
                   "(rerun with --debug for the traceback)", err=True)
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)



# ============================================================================ demo (headline study)


@cli.command()
@click.option("--output", "output_dir", default="spinloss-demo", show_default=True, metavar="DIR",
              type=click.Path(file_okay=False), help="Directory for tables and figures.")
@click.option("--examples", "examples_dir", default=None, metavar="DIR",
              type=click.Path(file_okay=False),
              help="The example stacks (default: the repository's examples/, else ./examples).")
@click.option("--sections", default=None, metavar="A,B,...",
              help="Run only these sections (torque, switching, energy; default: all).")
@json_option
def demo(output_dir, examples_dir, sections, as_json):
    """The headline study: spin-loss torque vs heavy-metal SOT, with controls.

    Writes a table of xi_DL, xi_FL, resistivity and xi^2/rho over the example stacks and figures
    of xi_DL of Py/NiO vs Py thickness, NiO thickness, temperature and interface conductance
    (with the no-sink and symmetric controls) into DIR; prints the table and the files.
    """
    from .studies import run_demo

    try:
        names = tuple(x.strip() for x in sections.split(",") if x.strip()) if sections else None
        result = run_demo(output_dir, sections=names, examples_dir=examples_dir, progress=True)
    except SpinlossInputError as exc:
        if exc.key == "examples_dir":
            raise ConfigError(CLI_SOURCE, "--examples", exc.rule) from None
        if exc.key == "sections":
            raise ConfigError(CLI_SOURCE, "--sections", exc.rule) from None
        raise
    if as_json:
        emit_json({"output_dir": result["output_dir"], "seconds": result["seconds"],
                   "files": result["files"], "sections": {
                       name: {k: sec[k] for k in ("title", "table", "columns", "reference", "checks",
                                                  "files", "seconds") if k in sec}
                       for name, sec in result["sections"].items()}})
        return
    for name, sec in result["sections"].items():
        click.echo(f"{sec.get('title', name)}")
        if "table" in sec and "columns" in sec:
            from .studies import format_cell

            cols = sec["columns"]
            echo_table(list(cols.values()), [[format_cell(k, row[k]) for k in cols] for row in sec["table"]],
                       align="ll" + "r" + "l" + "r" * (len(cols) - 4))
            ref = next((r.get("stack") for r in sec["table"] if r.get("key") == sec.get("reference")), None)
            if ref:
                click.echo(f"  xi per current density J in the named layer; 'vs ref': xi^2/rho relative "
                           f"to {ref}; 'stack vs ref': (torque)^2 per Joule power of the whole stack "
                           f"relative to {ref} (counts shunting; see torque_table.md)")
        if sec.get("checks"):
            click.echo("  checks (the physics claims, evaluated on the data):")
            for k, v in sec["checks"].items():
                click.echo(f"    {k.replace('_', ' ')}: {fmt(v, '.3g') if isinstance(v, float) else v}")
        click.echo("")
    click.echo(f"Outputs ({result['seconds']:.1f} s) in {result['output_dir']}/:")
    for path in result["files"]:
        click.echo(f"  {path}")


if __name__ == "__main__":
    main()
