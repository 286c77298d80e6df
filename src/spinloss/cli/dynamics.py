"""Commands on device files: switch, threshold, wer, retention, resonance, trace.

Each is a thin layer over :mod:`spinloss.experiments`; the sweepable ones (all but ``trace``)
have a runner ``run_<command>(params, overrides, progress)`` that ``spinloss sweep`` and
``--vary`` call for every point (:mod:`spinloss.cli.common`).
"""

from __future__ import annotations

import sys
from functools import partial

import click
import numpy as np

from ..errors import ConfigError, Interrupted
from .common import (CLI_SOURCE, SEED, FiniteFloatRange, check_plot_path, device_errors, echo_table, emit_json, fmt, info,
                     interrupted_exit, json_option, load_device, merge_overrides, output_suffix,
                     plot_errors, plot_option, positive_quantity, progress_for, quantity,
                     refuse_option_with_keys, set_option, sweepable, temperature_option, temperature_value,
                     vary_option, warn)


def _device(params, overrides=None, warnings=True):
    device = load_device(params["device_file"], merge_overrides(params.get("set_items"), overrides),
                         warnings=warnings)
    _check_below_curie(device, params)
    return device


def _check_below_curie(device, params) -> None:
    """A magnet at or above its Curie temperature before any current has no magnetization to
    switch: refused up front, naming ``--temperature`` or the file's ``temperature``."""
    T = temperature_value(params.get("temperature"))
    layer = next((l for l in device.stack.layers if l.name == device.magnet_layer), None)
    tc = None if layer is None or layer.material.curie_temperature is None else float(
        np.asarray(layer.material.curie_temperature))
    start = device.temperature if T is None else T
    if tc is not None and start >= tc:
        source, key = (CLI_SOURCE, "--temperature") if T is not None else (str(params["device_file"]), "temperature")
        raise ConfigError(source, key, f"{start:.4g} K is at or above the Curie temperature {tc:.4g} K of the "
                                       f"magnet {device.magnet_layer!r}: it has no magnetization (the macrospin model does not apply)")


def _with_device_name(out: dict, device, temperature=None) -> dict:
    """The device's name and the damping its dynamics used (``gilbert_damping``,
    ``spin_pumping_damping``, ``effective_damping``) added to a point's JSON result."""
    out["device"] = device.stack.name
    out.update(device.damping_breakdown(temperature))
    out.setdefault("units", {}).update({"gilbert_damping": "1", "spin_pumping_damping": "1",
                                        "effective_damping": "1"})
    return out


def _seeds(params) -> dict:
    return {"seed": params.get("seed", 0)}


def warn_heating(source, warnings) -> None:
    """The heating warnings of a result (docs/heating.md), one line each on stderr."""
    for text in warnings or ():
        warn(f"{source}: {text}")


def heating_line(peak, used: bool) -> str:
    """A line of the human output for the magnet's peak temperature (K; Joule heating of the pulse,
    docs/heating.md), saying whether the dynamics followed it (``used``); '' without a heat model."""
    if peak is None:
        return ""
    arr = np.asarray(peak, dtype=float)
    how = "Joule heating, followed by the dynamics" if used else \
        "Joule heating, reported only: [heating] enabled = true makes the dynamics follow it"
    if arr.size > 1:
        return f"  peak temperature of the magnet {np.nanmin(arr):.4g}-{np.nanmax(arr):.4g} K ({how})"
    return f"  peak temperature of the magnet {float(arr.reshape(-1)[0]):.4g} K ({how})"


#: Options that set what a swept key sets (param name, option, key): never both.
DRIVE_KEYS = (("current_density", "--current-density", "pulse.current_density"),
              ("pulse_width", "--pulse-width", "pulse.width"),
              ("temperature", "--temperature", "temperature"))


def check_device_command(params: dict, keys=(), overrides=None) -> None:
    """The pre-flight of the device commands (the sweep protocol's ``check``): every option that
    a command has is parsed (units, ranges), an option that sets a swept key is refused, and the
    device file loads with ``overrides``."""
    temperature_value(params.get("temperature"))
    if "current_density" in params:
        quantity(params.get("current_density"), "current_density", "--current-density")
    if "pulse_width" in params:
        positive_quantity(params.get("pulse_width"), "time", "--pulse-width", allow_zero=True)
    if "max_time" in params:
        positive_quantity(params.get("max_time", "200 ns"), "time", "--max-time")
    refuse_option_with_keys(params, keys, DRIVE_KEYS)
    _device(params, overrides, warnings=False)


def check_retention(params: dict, keys=(), overrides=None) -> None:
    """The pre-flight of ``retention``: the device commands' one, and T > 0."""
    T = temperature_value(params.get("temperature"))
    if T is not None and T <= 0:
        raise ConfigError(CLI_SOURCE, "--temperature", "retention needs T > 0")
    check_device_command(params, keys, overrides)


def _pulse_point(params, overrides):
    """The temperature, pulse current density and width options (SI; None: the file's) and the
    device of one point of a pulse command (switch, wer)."""
    T = temperature_value(params.get("temperature"))
    j = quantity(params.get("current_density"), "current_density", "--current-density")
    w = positive_quantity(params.get("pulse_width"), "time", "--pulse-width", allow_zero=True)
    return T, j, w, _device(params, overrides, warnings=False)


# ---------------------------------------------------------------------------- switch


def run_switch(params: dict, overrides: dict | None = None, progress=None) -> dict:
    """One point of ``switch``: the switching probability of the pulse (JSON)."""
    from ..experiments.switching import switching_probability

    T, j, w, device = _pulse_point(params, overrides)
    with device_errors(params["device_file"], "--current-density" if j is not None else None):
        res = switching_probability(device, current_density=j, pulse_width=w, temperature=T,
                                    trials=params.get("trials", 200), seed=params.get("seed", 0),
                                    progress=progress)
    return _with_device_name(res.to_json(), device, T)


@sweepable(run_switch, input_param="device_file", check=check_device_command)
@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@click.option("--current-density", "-j", default=None, metavar="J",
              help='Write current density in the torque reference layer, e.g. "5e11 A/m^2" '
                   "(default: the file's pulse).")
@click.option("--pulse-width", "-w", default=None, metavar="t", help='Pulse width, e.g. "2 ns".')
@temperature_option
@click.option("--trials", default=200, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--seed", default=0, show_default=True, type=SEED)
@set_option
@vary_option
@json_option
@plot_option
def switch(device_file, current_density, pulse_width, temperature, trials, seed, set_items, vary_items,
           as_json, plot_path):
    """Switching probability of one write pulse (stochastic LLG, Heun, T from the file).

    With --vary (pulse.current_density, pulse.width, or any device/stack key; one or two keys)
    the result is a probability map (a phase diagram) over the grid; every point is the
    one-point run with the same seed.
    """
    from ..grids import parse_vary_items
    from ..sweep import evaluate_grid

    check_plot_path(plot_path)
    params = {"device_file": device_file, "current_density": current_density, "pulse_width": pulse_width,
              "temperature": temperature, "trials": trials, "seed": seed, "set_items": set_items}
    # check every option before the work starts
    grid = parse_vary_items(vary_items, set_keys=tuple(merge_overrides(set_items, None)), max_keys=2)
    check_device_command(params, grid.keys)
    device = _device(params)
    progress = progress_for(as_json)
    if grid:
        try:
            run = evaluate_grid(grid.axes, partial(run_switch, params), errors="raise", progress=progress)
        except Interrupted as exc:
            run = exc.partial
            if run is None or not any(s == 1 for s in run.status):
                raise
            _print_switch_grid(device, run, grid, trials, seed, as_json, plot_path, partial_run=True)
            interrupted_exit(exc.what)
            return
        _print_switch_grid(device, run, grid, trials, seed, as_json, plot_path)
        return
    try:
        out = run_switch(params, None, progress)
    except Interrupted as exc:
        if exc.partial is None:
            raise
        out = _with_device_name(exc.partial.to_json(), device, temperature_value(temperature))
        _print_switch_point(out, trials, as_json, plot_path, device)
        interrupted_exit(f"{exc.what}; the result above covers them only")
        return
    _print_switch_point(out, trials, as_json, plot_path, device)


def _print_switch_point(out, trials, as_json, plot_path, device):
    warn_heating(device.source, out.get("warnings"))
    if plot_path:
        from ..plots import switching as switching_plots

        with plot_errors(plot_path):
            switching_plots.probability_figure(out, [], [], plot_path)
    if as_json:
        emit_json(out, inputs=[device.source], seeds={"seed": out.get("seed")})
    else:
        done = out["trials"]
        click.echo(f"{device.stack.name}: P(switch) = {fmt(out['switching_probability'], '.4f')} "
                   f"+- {fmt(out['uncertainty'], '.4f')} ({out['switched']:.0f}/{done} trials)"
                   + (" [partial: interrupted]" if out.get("interrupted") else ""))
        click.echo(f"  J = {fmt(out['current_density'], '.4g')} A/m^2, pulse {fmt(out['pulse_width'], '.4g', 1e9)} ns, "
                   f"T = {fmt(out['temperature'])} K")
        click.echo(f"  mean switching time {fmt(out['mean_switching_time'], '.4g', 1e9)} ns, "
                   f"energy per pulse {fmt(out['energy_per_pulse'], '.4g', 1e15)} fJ")
        if out.get("peak_temperature") is not None:
            click.echo(heating_line(out["peak_temperature"], device.heating_enabled))
    if plot_path:
        info(f"figure: {plot_path}", as_json=as_json)


def _print_switch_grid(device, run, grid, trials, seed, as_json, plot_path, partial_run=False):
    data = run.stacked() or {}
    keys, values = grid.keys, grid.values
    out = {k: data.get(k) for k in ("switching_probability", "uncertainty", "mean_switching_time",
                                    "energy_per_pulse", "switched", "undecided", "current_density",
                                    "pulse_width", "temperature", "time_step", "seed", "peak_temperature", "units")}
    out["seed"] = seed
    warnings = []
    for r in run.results:
        for text in (r or {}).get("warnings") or ():
            if text not in warnings:
                warnings.append(text)
    out["warnings"] = warnings
    warn_heating(device.source, warnings)
    out.update({"trials": trials, "grid": grid.to_json(), "grid_units": grid.units_json(),
                "grid_shape": list(grid.shape), "device": device.stack.name,
                "status": run.status.reshape(grid.shape), "interrupted": partial_run})
    if plot_path:
        from ..plots import switching as switching_plots

        with plot_errors(plot_path):
            switching_plots.probability_figure(out, keys, values, plot_path)
    if as_json:
        emit_json(out, inputs=[device.source], seeds={"seed": seed})
    else:
        click.echo(f"{device.stack.name}: switching probability over {' x '.join(keys)} "
                   f"({trials} trials per point)" + (" [partial: interrupted]" if partial_run else ""))
        p = np.asarray(out["switching_probability"], dtype=float)
        if p.ndim == 1:
            echo_table([grid.label(0), "P", "+-", "t_sw (ns)", "E (fJ)"],
                       [[fmt(v), fmt(pp, ".3f"), fmt(u, ".3f"), fmt(t, ".3g", 1e9), fmt(e, ".3g", 1e15)]
                        for v, pp, u, t, e in zip(grid.display[0], p, np.asarray(out["uncertainty"], float),
                                                  np.asarray(out["mean_switching_time"], float),
                                                  np.asarray(out["energy_per_pulse"], float))])
        else:
            echo_table([f"{grid.label(0)} \\ {grid.label(1)}"] + [fmt(v) for v in grid.display[1]],
                       [[fmt(grid.display[0][i])] + [fmt(x, ".2f") for x in p[i]] for i in range(p.shape[0])])
        if out.get("peak_temperature") is not None:
            click.echo(heating_line(out["peak_temperature"], device.heating_enabled))
    if plot_path:
        info(f"figure: {plot_path}", as_json=as_json)


# ---------------------------------------------------------------------------- threshold


def run_threshold(params: dict, overrides: dict | None = None, progress=None) -> dict:
    """One point of ``threshold``: the critical current density (JSON; null with a reason when the
    device cannot be switched)."""
    from ..experiments.switching import critical_current

    T = temperature_value(params.get("temperature"))
    w = positive_quantity(params.get("pulse_width"), "time", "--pulse-width", allow_zero=True)
    device = _device(params, overrides, warnings=False)
    with device_errors(params["device_file"]):
        res = critical_current(device, pulse_width=w, temperature=T, trials=params.get("trials", 200),
                               seed=params.get("seed", 0), initial_tilt_deg=params.get("initial_tilt", 1.0),
                               progress=progress)
    return _with_device_name(res.to_json(), device, T)


@sweepable(run_threshold, input_param="device_file", check=check_device_command)
@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@click.option("--pulse-width", "-w", default=None, metavar="t", help='Pulse width, e.g. "2 ns".')
@temperature_option
@click.option("--trials", default=200, show_default=True, type=click.IntRange(10, 1_000_000),
              help="Trials per current at T > 0.")
@click.option("--seed", default=0, show_default=True, type=SEED)
@click.option("--initial-tilt", default=1.0, show_default=True, type=FiniteFloatRange(1e-3, 45.0),
              help="T = 0 only: tilt (degrees) applied to an initial direction lying on the easy axis, "
                   "where a collinear damping-like torque vanishes.")
@set_option
@json_option
def threshold(device_file, pulse_width, temperature, trials, seed, initial_tilt, set_items, as_json):
    """Critical switching current density (in the torque reference layer).

    T = 0: bisection on deterministic switching. T > 0: the 50 % point of a logistic fit of the
    switching probability with its standard error. Exit code 1 (with a reason) when the device
    cannot be switched.
    """
    params = {"device_file": device_file, "pulse_width": pulse_width, "temperature": temperature,
              "trials": trials, "seed": seed, "initial_tilt": initial_tilt, "set_items": set_items}
    check_device_command(params)
    device = _device(params)
    out = run_threshold(params, None, progress_for(as_json))
    warn_heating(device_file, out.get("warnings"))
    if as_json:
        emit_json(out, inputs=[device_file], seeds=_seeds(params))
    else:
        if out["critical_current_density"] is None:
            click.echo(f"{out['device']}: no threshold: {out['reason']}")
        else:
            click.echo(f"{out['device']}: J_c = {out['critical_current_density']:.4g} "
                       f"+- {fmt(out['uncertainty'], '.2g')} A/m^2 ({out['method']}, pulse "
                       f"{out['pulse_width'] * 1e9:.3g} ns, T = {out['temperature']:g} K)")
            if out.get("peak_temperature") is not None:
                click.echo(heating_line(out["peak_temperature"], device.heating_enabled) + " at J_c")
    if out["critical_current_density"] is None:
        sys.exit(1)


# ---------------------------------------------------------------------------- wer


#: Why ``wer`` refuses T <= 0: every method starts from the thermal distribution of the well.
WER_NEEDS_T = ("wer needs T > 0 (every method starts from the Boltzmann distribution of the well; at T = 0 the "
               "pulse either switches or not: use threshold or switch)")


def check_wer_temperature(T, device, device_file) -> None:
    """Refuse, before any work, a WER at T <= 0: the --temperature option is blamed when it was
    given, else the device file's ``temperature``."""
    if T is not None:
        if T <= 0:
            raise ConfigError(CLI_SOURCE, "--temperature", WER_NEEDS_T)
    elif device is not None and not float(device.temperature) > 0:
        raise ConfigError(str(device_file), "temperature", WER_NEEDS_T + "; or give --temperature")


def check_wer(params: dict, keys=(), overrides=None) -> None:
    """The pre-flight of ``wer``: the device commands' one, and T > 0 (checked before the
    Monte Carlo pilot, which would fail on it only after thousands of paths)."""
    T = temperature_value(params.get("temperature"))
    if T is not None and T <= 0:
        raise ConfigError(CLI_SOURCE, "--temperature", WER_NEEDS_T)
    check_device_command(params, keys, overrides)
    if T is None and "temperature" not in keys:
        check_wer_temperature(None, _device(params, overrides, warnings=False), params["device_file"])


def run_wer(params: dict, overrides: dict | None = None, progress=None) -> dict:
    """One point of ``wer``: the write error rate of the pulse (JSON)."""
    from ..experiments.wer import device_write_error_rate

    T, j, w, device = _pulse_point(params, overrides)
    check_wer_temperature(T, device, params["device_file"])
    with device_errors(params["device_file"], "--current-density" if j is not None else None):
        res = device_write_error_rate(device, current_density=j, pulse_width=w, temperature=T,
                                      method=params.get("method", "auto"), trials=params.get("trials", 20_000),
                                      seed=params.get("seed", 0), progress=progress)
    return _with_device_name(res.to_json(), device, T)


@sweepable(run_wer, input_param="device_file", check=check_wer)
@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@click.option("--current-density", "-j", default=None, metavar="J",
              help='e.g. "8e11 A/m^2" (default: the file\'s pulse).')
@click.option("--pulse-width", "-w", default=None, metavar="t", help='e.g. "2 ns" (default: the file\'s pulse).')
@temperature_option
@click.option("--method", type=click.Choice(["auto", "monte_carlo", "fokker_planck", "fokker_planck_sphere",
                                           "multilevel_splitting"]),
              default="auto", show_default=True,
              help="fokker_planck: 1D, axial cells; fokker_planck_sphere: 2D on the whole sphere "
                   "(in-plane cells without field, axial energies); auto picks the first that applies.")
@click.option("--trials", default=20_000, show_default=True, type=click.IntRange(100, 100_000_000),
              help="Monte Carlo trials (when Monte Carlo is used).")
@click.option("--seed", default=0, show_default=True, type=SEED)
@set_option
@json_option
def wer(device_file, current_density, pulse_width, temperature, method, trials, seed, set_items, as_json):
    """Write error rate of one pulse: Fokker-Planck (1D for axially symmetric devices, on the
    sphere for in-plane cells), else Monte Carlo where it resolves the rate and multilevel
    splitting below (an extinct splitting estimate is reported as an upper bound)."""
    params = {"device_file": device_file, "current_density": current_density, "pulse_width": pulse_width,
              "temperature": temperature, "method": method, "trials": trials, "seed": seed,
              "set_items": set_items}
    check_wer(params)
    device = _device(params)
    try:
        out = run_wer(params, None, progress_for(as_json))
    except Interrupted as exc:
        # nothing is printed on stdout: a WER from part of the trials is not a result
        interrupted_exit(exc.what)
        return
    warn_heating(device_file, out.get("warnings"))
    if as_json:
        emit_json(out, inputs=[device_file], seeds=_seeds(params))
        return
    if out.get("upper_bound"):
        click.echo(f"{out['device']}: WER <= {fmt(out['write_error_rate'], '.3g')} "
                   f"(upper bound: unresolved, {out['method']})")
        return
    click.echo(f"{out['device']}: WER = {fmt(out['write_error_rate'], '.3g')} "
               f"+- {fmt(out['uncertainty'], '.2g')} ({out['method']})")
    if out.get("peak_temperature") is not None:
        click.echo(heating_line(out["peak_temperature"], device.heating_enabled))


# ---------------------------------------------------------------------------- retention


def run_retention(params: dict, overrides: dict | None = None, progress=None) -> dict:
    """One point of ``retention``: Delta and the mean dwell time (JSON)."""
    from ..experiments.retention import retention as run

    T = temperature_value(params.get("temperature"))
    if T is not None and T <= 0:
        raise ConfigError(CLI_SOURCE, "--temperature", "retention needs T > 0")
    method = params.get("method", "analytic")
    tmax = positive_quantity(params.get("max_time", "200 ns"), "time", "--max-time")
    device = _device(params, overrides, warnings=False)
    with device_errors(params["device_file"]):
        res = run(device, temperature=T, method=method, trials=params.get("trials", 200), max_time=tmax,
                  seed=params.get("seed", 0), progress=progress if method == "simulate" else None)
    return _with_device_name(res.to_json(), device, T)


@sweepable(run_retention, input_param="device_file", check=check_retention)
@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@temperature_option
@click.option("--method", type=click.Choice(["analytic", "simulate"]), default="analytic", show_default=True)
@click.option("--trials", default=200, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Simulated devices (method simulate).")
@click.option("--max-time", default="200 ns", show_default=True, metavar="t",
              help="Simulated time per device (method simulate).")
@click.option("--seed", default=0, show_default=True, type=SEED)
@set_option
@json_option
def retention(device_file, temperature, method, trials, max_time, seed, set_items, as_json):
    """Thermal stability Delta and mean dwell time (retention) of the stored bit."""
    params = {"device_file": device_file, "temperature": temperature, "method": method, "trials": trials,
              "max_time": max_time, "seed": seed, "set_items": set_items}
    check_retention(params)
    _device(params)
    out = run_retention(params, None, progress_for(as_json))
    if as_json:
        emit_json(out, inputs=[device_file], seeds=_seeds(params))
        return
    tau = out["mean_dwell_time"]
    lg = out["details"].get("log10_mean_dwell_time")
    if tau is None and lg is not None:
        dwell = f"10^{lg:.1f} s"
    else:
        years = tau / (365.25 * 86400) if tau else None
        dwell = f"{fmt(tau, '.3g')} s" + (f" ({years:.3g} years)" if years and years > 1e-3 else "")
    click.echo(f"{out['device']}: Delta = {out['thermal_stability']:.2f} at {out['temperature']:g} K; "
               f"mean dwell time {dwell} [{out['method']}]")


# ---------------------------------------------------------------------------- resonance


def run_resonance(params: dict, overrides: dict | None = None, progress=None) -> dict:
    """One point of ``resonance``: frequency and linewidth of the ringdown (JSON)."""
    from ..experiments.resonance import resonance as run

    device = _device(params, overrides, warnings=False)
    with device_errors(params["device_file"]):
        res = run(device, tilt_deg=params.get("tilt", 2.0))
    return _with_device_name(res.to_json(), device)


@sweepable(run_resonance, input_param="device_file", check=check_device_command)
@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@click.option("--tilt", default=2.0, show_default=True, type=FiniteFloatRange(0.01, 20.0),
              help="Initial tilt from equilibrium (degrees).")
@set_option
@json_option
def resonance(device_file, tilt, set_items, as_json):
    """Ferromagnetic resonance frequency and linewidth from a small-angle ringdown (T = 0)."""
    params = {"device_file": device_file, "tilt": tilt, "set_items": set_items}
    _device(params)
    out = run_resonance(params, None, progress_for(as_json))
    if as_json:
        emit_json(out, inputs=[device_file])
        return
    click.echo(f"{out['device']}: f = {out['frequency'] / 1e9:.4g} GHz (small-angle theory "
               f"{out['smit_beljers_frequency'] / 1e9:.4g} GHz), linewidth {out['linewidth'] / 1e6:.4g} MHz FWHM")


# ---------------------------------------------------------------------------- trace


def parse_sequence(text: str) -> list[float]:
    """``"J1,J2,..."`` -> current densities (A/m^2); an empty item is an error."""
    items = text.split(",")
    # a unit written once at the end applies to every bare number ("5e11,-5e11 A/m^2")
    last = items[-1].strip().split(None, 1)
    unit = last[1] if len(last) == 2 else None
    out = []
    for i, item in enumerate(items):
        item = item.strip()
        if not item:
            raise ConfigError(CLI_SOURCE, "--sequence", f"item {i + 1} is empty (expected comma-separated "
                                                        "current densities, e.g. \"5e11,-5e11 A/m^2\")")
        if unit is not None and len(item.split()) == 1:
            item = f"{item} {unit}"
        out.append(quantity(item, "current_density", "--sequence"))
    return out


@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@click.option("--current-density", "-j", default=None, metavar="J")
@click.option("--pulse-width", "-w", default=None, metavar="t")
@click.option("--duration", default=None, metavar="t", help="Simulated time (default: pulse + 5 ns).")
@click.option("--sequence", default=None, metavar="J1,J2,...",
              help='A train of pulses of the file\'s width, with these current densities (signs '
                   'and units allowed), e.g. "5e11,-5e11,5e11 A/m^2"; 5 ns apart.')
@temperature_option
@click.option("--devices", default=1, show_default=True, type=click.IntRange(1, 1000))
@click.option("--seed", default=0, show_default=True, type=SEED)
@click.option("--output", "output", default=None, metavar="FILE.csv|FILE.nc",
              help="Save the trace (CSV or NetCDF).")
@set_option
@json_option
@plot_option
def trace(device_file, current_density, pulse_width, duration, sequence, temperature, devices, seed, output,
          set_items, as_json, plot_path):
    """m(t) and the write current j(t) for one or a few devices."""
    from ..dynamics import Waveform
    from ..experiments.switching import trace as run

    check_plot_path(plot_path)
    output_suffix(output, (".csv", ".nc"))
    T = temperature_value(temperature)
    j = quantity(current_density, "current_density", "--current-density")
    w = positive_quantity(pulse_width, "time", "--pulse-width", allow_zero=True)
    dur = positive_quantity(duration, "time", "--duration")
    amps = parse_sequence(sequence) if sequence is not None else None
    device = load_device(device_file, merge_overrides(set_items, None))
    waveform = None
    if amps:
        p = device.pulse
        width = p.width if w is None else w
        waveform = Waveform.sequence([Waveform.pulse(a, width, p.rise_time, p.fall) for a in amps], gap=5e-9)

    with device_errors(device_file, "--sequence" if amps else "--current-density" if j is not None else None):
        res = run(device, current_density=j, pulse_width=w, temperature=T, devices=devices, seed=seed,
                  duration=dur, waveform=waveform, progress=progress_for(as_json))
    t = res.times
    traj = res.trajectory
    cur = res.current
    if output:
        save_trace(output, t, traj, cur, device_file, seed)
    if plot_path:
        from ..plots import switching as switching_plots

        with plot_errors(plot_path):
            switching_plots.trace_figure(t, traj, cur, plot_path, title=device.stack.name)
    out = {"device": device.stack.name, "time": t, "m": traj.transpose(1, 0, 2), "current_density": cur.T,
           "switched": res.switched, "switching_time": res.switching_time,
           "temperature": T if T is not None else device.temperature, "devices": devices, "seed": seed,
           "units": {"time": "s", "current_density": "A/m^2", "switching_time": "s", "temperature": "K",
                     "m": "1"}}
    if as_json:
        emit_json(out, inputs=[device_file], seeds={"seed": seed})
        return
    click.echo(f"{device.stack.name}: {devices} device(s), {len(t)} samples over {t[-1] * 1e9:.3g} ns")
    for i in range(min(devices, 10)):
        mf = traj[-1, i]
        click.echo(f"  device {i}: final m = ({mf[0]:+.3f}, {mf[1]:+.3f}, {mf[2]:+.3f}), "
                   f"first switch at {fmt(res.switching_time[i], '.4g', 1e9)} ns")
    for path in (output, plot_path):
        if path:
            click.echo(f"  wrote {path}")


def save_trace(path, t, traj, cur, device_file=None, seed=0):
    """The trace as CSV (a header row, then one column per component and device) or NetCDF (with
    provenance in the attributes), written atomically."""
    from pathlib import Path

    from ..io import atomic_path, provenance, provenance_attrs

    p = Path(path)
    prov = provenance([device_file] if device_file else [], seeds={"seed": seed})
    with atomic_path(p) as tmp:
        if p.suffix.lower() == ".nc":
            import xarray as xr

            ds = xr.Dataset({"m": (("time", "device", "component"), traj, {"units": "1"}),
                             "current_density": (("time", "device"), cur, {"units": "A/m^2"})},
                            coords={"time": ("time", t, {"units": "s"}), "component": ["x", "y", "z"]},
                            attrs=provenance_attrs(prov))
            ds.to_netcdf(tmp)
        else:
            n = traj.shape[1]
            cols = ["time_s"] + [f"{c}{i}" for i in range(n) for c in ("mx", "my", "mz")] + \
                   [f"j{i}_A_per_m2" for i in range(n)]
            data = np.column_stack([t] + [traj[:, i, k] for i in range(n) for k in range(3)] + [cur[:, i] for i in range(n)])
            np.savetxt(tmp, data, delimiter=",", header=",".join(cols), comments="")
