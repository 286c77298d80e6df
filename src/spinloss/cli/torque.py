"""``spinloss torque`` (the stack's spin-orbit torques, one stack or a sweep) and
``spinloss materials`` (the materials library)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import click
import numpy as np

from ..errors import ConfigError
from ..grids import Grid, parse_vary_items
from .common import (CLI_SOURCE, blame_override, check_plot_path, echo_table, emit_json, fmt, info,
                     json_option, merge_overrides, plot_errors, plot_option, progress_for,
                     refuse_option_with_keys, set_option, sweepable, temperature_option, vary_option)


def load_stack(path, overrides: dict, temperature=None, vary_keys=()):
    """A stack file (or the stack of a device file) with overrides and --temperature."""
    from ..config import parse_scalar_text
    from ..device import read_stack

    over = dict(overrides)
    if temperature is not None:
        if "temperature" in over:
            raise ConfigError(CLI_SOURCE, "temperature", "given in both --temperature and --set/--vary")
        over["temperature"] = parse_scalar_text(str(temperature))
    try:
        return read_stack(path, overrides=over or None)
    except ConfigError as exc:
        raise blame_override(exc, path, over, vary_keys, temperature is not None) from None


def check_torque(params: dict, keys=(), overrides=None) -> None:
    """The pre-flight of ``torque`` (the sweep protocol's ``check``): --temperature is not given
    with a sweep of the temperature, and the stack loads with ``overrides``."""
    refuse_option_with_keys(params, keys, (("temperature", "--temperature", "temperature"),))
    load_stack(params["stack_file"], merge_overrides(params.get("set_items"), overrides),
               params.get("temperature"), keys)


def run_torque(params: dict, overrides: dict, progress=None) -> dict:
    """The sweep runner of ``torque``: the JSON result at one point."""
    return run_torque_block(params, [overrides], progress)[0]


def run_torque_block(params: dict, points: list, progress=None, *, vary_keys=()) -> list:
    """The block runner of ``torque``: one vectorized transport call for all ``points`` (dicts of
    the same keys), one JSON result per point."""
    from ..transport import torques

    keys = list(points[0]) if points else []
    arrays = {k: np.asarray([p[k] for p in points]) for k in keys}
    if any(a.dtype.kind not in "fiu" for a in arrays.values()):  # text values: one point at a time
        out = []
        for p in points:
            stack = load_stack(params["stack_file"], merge_overrides(params.get("set_items"), p),
                               params.get("temperature"), vary_keys)
            out.append(torques(stack, profiles=params.get("profiles", False)).to_json())
        return out
    over = merge_overrides(params.get("set_items"), {k: a.astype(float) for k, a in arrays.items()} if keys else {})
    stack = load_stack(params["stack_file"], over, params.get("temperature"), vary_keys)
    res = torques(stack, profiles=params.get("profiles", False))
    if not keys:
        return [res.to_json()]
    return [res.select(i).to_json() for i in range(len(points))]


@sweepable(run_torque, run_torque_block, input_param="stack_file", check=check_torque)
@click.command()
@click.argument("stack_file", metavar="STACK.toml")
@json_option
@temperature_option
@set_option
@vary_option
@plot_option
@click.option("--profiles", is_flag=True,
              help="Include the spin current and accumulation profiles vs z in the JSON "
                   "(with --plot and no --vary: plot them).")
def torque(stack_file, as_json, temperature, set_items, vary_items, plot_path, profiles):
    """Spin-orbit torques of the stack in STACK.toml (or of the stack of a device file).

    For every ferromagnetic layer: damping-like and field-like efficiencies xi_dl, xi_fl (per
    current density in the reference layer), fields b_dl, b_fl (tesla at the file's
    current_density), spin-torque conductivities sigma_dl, sigma_fl; for every layer its current
    fraction, current density and Joule power; the stack's sheet resistance.

    \b
    Examples:
      spinloss torque examples/py_nio.toml
      spinloss torque examples/py_nio.toml --json --set free.thickness="3 nm"
      spinloss torque examples/py_nio.toml --vary NiO.thickness="1 nm:30 nm:30" --plot nio.png
      spinloss torque examples/py_nio_device.toml
    """
    from ..sweep import evaluate_grid
    from ..transport import torques

    check_plot_path(plot_path)
    params = {"stack_file": stack_file, "temperature": temperature, "set_items": set_items, "profiles": profiles}
    set_keys = tuple(merge_overrides(set_items, None))
    grid = parse_vary_items(vary_items, set_keys=set_keys, max_keys=2)
    check_torque(params, grid.keys)
    data = None
    if grid:
        run = evaluate_grid(grid.axes, evaluate_block=partial(run_torque_block, params, vary_keys=grid.keys),
                            errors="raise", progress=progress_for(as_json))
        data = run.stacked()
        stack = load_stack(stack_file, merge_overrides(set_items, None), temperature)
        res = None
    else:
        stack = load_stack(stack_file, merge_overrides(set_items, None), temperature)
        res = torques(stack, profiles=profiles)
    if plot_path:
        from ..plots import torque as torque_plots

        with plot_errors(plot_path):
            if grid:
                torque_plots.torque_sweep(data, grid, plot_path, title=stack.name)
            elif profiles and res.profiles is not None:
                torque_plots.spin_profiles(res.profiles, plot_path, title=stack.name)
            else:
                torque_plots.torque_summary(res, stack, plot_path)
    if as_json:
        out = dict(data) if grid else res.to_json()
        if grid:
            out["grid"] = grid.to_json()
            out["grid_units"] = grid.units_json()
            out["grid_shape"] = list(grid.shape)
        emit_json(out, inputs=[stack_file])
    else:
        print_torque_human(stack, res, grid, data)
    if plot_path:
        info(f"wrote {plot_path}", as_json=as_json)


def print_torque_human(stack, res, grid: Grid, data: dict | None = None) -> None:
    """The table of one stack (``res`` a TorqueResult) or of a sweep (``data`` the stacked JSON)."""
    if grid:
        print_sweep_human(stack, data, grid)
        return
    ref = res.reference_layer
    click.echo(f"{stack.name}  ({stack.source})")
    temp = fmt(stack.temperature)
    click.echo(f"  T = {temp} K,  J = {fmt(stack.current_density, '.3g')} A/m^2 in "
               f"reference layer '{ref}'")
    if True:
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


def print_sweep_human(stack, data: dict, grid: Grid) -> None:
    ref = data["reference_layer"]
    click.echo(f"{stack.name}  ({stack.source})")
    click.echo(f"Sweep over {' x '.join(grid.keys)} ({' x '.join(map(str, grid.shape))} points; "
               f"xi per current density in '{ref}')")
    headers = [grid.label(i) for i in range(len(grid.keys))]
    magnets = data["magnets"]
    for m in magnets:
        pre = f"{m['layer']}: " if len(magnets) > 1 else ""
        headers += [f"{pre}xi_dl", f"{pre}xi_fl", f"{pre}b_dl (mT)"]
    headers.append("R_sheet (Ohm)")
    shape = grid.shape
    rows = []
    for idx in np.ndindex(*shape):
        row = [fmt(grid.display[i][j], ".4g") for i, j in enumerate(idx)]
        for m in magnets:
            row += [fmt(_at(m["xi_dl"], idx, shape), ".5g"), fmt(_at(m["xi_fl"], idx, shape), ".5g"),
                    fmt(_at(m["b_dl"], idx, shape), ".4g", 1e3)]
        row.append(fmt(_at(data["sheet_resistance"], idx, shape), ".5g"))
        rows.append(row)
    echo_table(headers, rows)


def _at(value, idx, shape):
    """Element ``idx`` of a result broadcast to the grid shape."""
    return np.broadcast_to(np.asarray(value), shape)[idx]




@click.command()
@json_option
@click.option("--library", "library_files", multiple=True, metavar="FILE.toml",
              help="Also load a user materials file (extends/overrides the built-in library).")
def materials(as_json, library_files):
    """List the materials library: every value (SI) with its reference."""
    from ..materials import MATERIAL_KEYS, default_library, load_library
    from ..units import SI_UNIT

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
        emit_json(out, inputs=library_files)
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


