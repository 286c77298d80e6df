"""CLI subcommands on device files: switch, threshold, wer, retention, resonance, trace.

Registered in ``cli.LAZY_COMMANDS``; each is a thin layer over ``spinloss.experiments``.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click
import numpy as np

from .cli import (CLI_SOURCE, check_plot_path, echo_table, emit_json, fmt, info, json_option,
                  plot_errors, plot_option, set_option, temperature_option, vary_option)
from .errors import ConfigError


def _quantity(text, dimension, option):
    if text is None:
        return None
    from .config import parse_scalar_text
    from .units import to_si

    return to_si(parse_scalar_text(str(text)), dimension, source=CLI_SOURCE, key=option)


def _device(path, set_items=(), extra: dict | None = None):
    from .config import parse_set
    from .device import Device

    overrides = {}
    for item in set_items:
        k, v = parse_set(item)
        overrides[k] = v
    overrides.update(extra or {})
    device = Device.from_toml(path, overrides=overrides or None)
    for w in device.validity_warnings():
        click.echo(f"spinloss: warning: {path}: {w}", err=True)
    return device


def _temperature(text):
    t = _quantity(text, "temperature", "--temperature")
    if t is not None and (not math.isfinite(t) or t < 0):
        raise ConfigError(CLI_SOURCE, "--temperature", "must be >= 0 K and finite")
    return t


def _progress_enabled(as_json):
    return sys.stderr.isatty() or not as_json


def _vary_grid(vary_items):
    from .config import parse_vary
    from .units import to_si

    keys, values = [], []
    for item in vary_items:
        key, vals, unit = parse_vary(item)
        dim = {"pulse.current_density": "current_density", "pulse.width": "time", "pulse.rise_time": "time",
               "temperature": "temperature"}.get(key)
        if unit is not None:
            from .units import unit_registry

            vals = np.array([unit_registry().Quantity(v, unit).to_base_units().magnitude for v in vals])
        keys.append(key)
        values.append(np.asarray(vals, dtype=float))
    if len(keys) > 2:
        raise ConfigError(CLI_SOURCE, "--vary", "at most two keys")
    return keys, values


# ---------------------------------------------------------------------------- switch


@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@click.option("--current-density", "-j", default=None, metavar="J",
              help='Write current density in the torque reference layer, e.g. "5e11 A/m^2".')
@click.option("--pulse-width", "-w", default=None, metavar="t", help='Pulse width, e.g. "2 ns".')
@temperature_option
@click.option("--trials", default=200, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--seed", default=0, show_default=True, type=int)
@set_option
@vary_option
@json_option
@plot_option
def switch(device_file, current_density, pulse_width, temperature, trials, seed, set_items, vary_items,
           as_json, plot_path):
    """Switching probability of one write pulse (stochastic LLG, Heun, T from the file).

    With --vary (pulse.current_density, pulse.width, or any device/stack key; one or two keys)
    the result is a probability map (a phase diagram) over the grid.
    """
    from .experiments.switching import switching_probability

    check_plot_path(plot_path)
    T = _temperature(temperature)
    j = _quantity(current_density, "current_density", "--current-density")
    w = _quantity(pulse_width, "time", "--pulse-width")
    if w is not None and w < 0:
        raise ConfigError(CLI_SOURCE, "--pulse-width", "must be >= 0")
    keys, values = _vary_grid(vary_items)
    device = _device(device_file, set_items)
    fast = {"pulse.current_density", "pulse.width"}
    progress = _progress_enabled(as_json)
    if keys and all(k in fast for k in keys):
        grids = np.meshgrid(*values, indexing="ij")
        jj = grids[keys.index("pulse.current_density")] if "pulse.current_density" in keys else (
            device.pulse.current_density if j is None else j)
        ww = grids[keys.index("pulse.width")] if "pulse.width" in keys else (device.pulse.width if w is None else w)
        res = switching_probability(device, current_density=jj, pulse_width=ww, temperature=T,
                                    trials=trials, seed=seed, progress=progress)
        out = res.to_json()
    elif keys:
        shape = tuple(len(v) for v in values)
        grids = np.meshgrid(*values, indexing="ij")
        prob = np.full(shape, np.nan)
        unc = np.full(shape, np.nan)
        tsw = np.full(shape, np.nan)
        energy = np.full(shape, np.nan)
        for idx in np.ndindex(shape):
            over = {k: float(g[idx]) for k, g in zip(keys, grids)}
            dev = _device(device_file, set_items, over)
            r = switching_probability(dev, current_density=j, pulse_width=w, temperature=T, trials=trials,
                                      seed=seed, progress=False)
            prob[idx], unc[idx] = float(r.switching_probability), float(r.uncertainty)
            tsw[idx], energy[idx] = float(r.mean_switching_time), float(r.energy_per_pulse)
        out = {"switching_probability": prob, "uncertainty": unc, "mean_switching_time": tsw,
               "energy_per_pulse": energy, "trials": trials, "seed": seed, "temperature": T}
    else:
        res = switching_probability(device, current_density=j, pulse_width=w, temperature=T, trials=trials,
                                    seed=seed, progress=progress)
        out = res.to_json()
    if keys:
        out["grid"] = {k: v for k, v in zip(keys, values)}
    out["device"] = device.stack.name
    if plot_path:
        from . import plots

        with plot_errors(plot_path):
            plots.probability_figure(out, keys, values, plot_path)
    if as_json:
        emit_json(out)
        return
    if keys:
        click.echo(f"{device.stack.name}: switching probability over {' x '.join(keys)} "
                   f"({trials} trials per point)")
        p = np.asarray(out["switching_probability"], dtype=float)
        if p.ndim == 1:
            echo_table([keys[0], "P", "+-", "t_sw (ns)", "E (fJ)"],
                       [[fmt(v), fmt(pp, ".3f"), fmt(u, ".3f"), fmt(t, ".3g", 1e9), fmt(e, ".3g", 1e15)]
                        for v, pp, u, t, e in zip(values[0], p, np.asarray(out["uncertainty"], float),
                                                  np.asarray(out["mean_switching_time"], float),
                                                  np.asarray(out["energy_per_pulse"], float))])
        else:
            echo_table([f"{keys[0]} \\ {keys[1]}"] + [fmt(v) for v in values[1]],
                       [[fmt(values[0][i])] + [fmt(x, ".2f") for x in p[i]] for i in range(p.shape[0])])
    else:
        click.echo(f"{device.stack.name}: P(switch) = {fmt(out['switching_probability'], '.4f')} "
                   f"+- {fmt(out['uncertainty'], '.4f')} ({out['switched']:.0f}/{trials} trials)")
        click.echo(f"  J = {fmt(out['current_density'], '.4g')} A/m^2, pulse {fmt(out['pulse_width'], '.4g', 1e9)} ns, "
                   f"T = {fmt(out['temperature'])} K")
        click.echo(f"  mean switching time {fmt(out['mean_switching_time'], '.4g', 1e9)} ns, "
                   f"energy per pulse {fmt(out['energy_per_pulse'], '.4g', 1e15)} fJ")
    if plot_path:
        info(f"figure: {plot_path}", as_json=as_json)
    if out.get("interrupted"):
        click.echo("spinloss: interrupted: the results above cover the finished trials only", err=True)
        sys.exit(130)


# ---------------------------------------------------------------------------- threshold


@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@click.option("--pulse-width", "-w", default=None, metavar="t", help='Pulse width, e.g. "2 ns".')
@temperature_option
@click.option("--trials", default=200, show_default=True, type=click.IntRange(10, 1_000_000),
              help="Trials per current at T > 0.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--initial-tilt", default=1.0, show_default=True, type=click.FloatRange(1e-3, 45.0),
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
    from .experiments.switching import critical_current

    T = _temperature(temperature)
    w = _quantity(pulse_width, "time", "--pulse-width")
    device = _device(device_file, set_items)
    res = critical_current(device, pulse_width=w, temperature=T, trials=trials, seed=seed,
                           initial_tilt_deg=initial_tilt, progress=_progress_enabled(as_json))
    out = res.to_json()
    out["device"] = device.stack.name
    if as_json:
        emit_json(out)
    else:
        if res.critical_current_density is None:
            click.echo(f"{device.stack.name}: no threshold: {res.reason}")
        else:
            click.echo(f"{device.stack.name}: J_c = {res.critical_current_density:.4g} "
                       f"+- {fmt(res.uncertainty, '.2g')} A/m^2 ({res.method}, pulse "
                       f"{res.pulse_width * 1e9:.3g} ns, T = {res.temperature:g} K)")
    if res.critical_current_density is None:
        sys.exit(1)


# ---------------------------------------------------------------------------- wer


@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@click.option("--current-density", "-j", required=True, metavar="J", help='e.g. "8e11 A/m^2".')
@click.option("--pulse-width", "-w", required=True, metavar="t", help='e.g. "2 ns".')
@temperature_option
@click.option("--method", type=click.Choice(["auto", "monte_carlo", "fokker_planck", "multilevel_splitting"]),
              default="auto", show_default=True)
@click.option("--trials", default=20_000, show_default=True, type=click.IntRange(100, 100_000_000),
              help="Monte Carlo trials (when Monte Carlo is used).")
@click.option("--seed", default=0, show_default=True, type=int)
@set_option
@json_option
def wer(device_file, current_density, pulse_width, temperature, method, trials, seed, set_items, as_json):
    """Write error rate of one pulse: Monte Carlo where it resolves the rate, Fokker-Planck for
    axially symmetric devices, multilevel splitting otherwise (down to 1e-9 and below)."""
    from .experiments.wer import device_write_error_rate

    T = _temperature(temperature)
    j = _quantity(current_density, "current_density", "--current-density")
    w = _quantity(pulse_width, "time", "--pulse-width")
    if w < 0:
        raise ConfigError(CLI_SOURCE, "--pulse-width", "must be >= 0")
    device = _device(device_file, set_items)
    res = device_write_error_rate(device, current_density=j, pulse_width=w, temperature=T, method=method,
                                  n_trials=trials, seed=seed)
    out = res.to_dict()
    out["device"] = device.stack.name
    if as_json:
        emit_json(out)
        return
    click.echo(f"{device.stack.name}: WER = {fmt(out['write_error_rate'], '.3g')} "
               f"+- {fmt(out['uncertainty'], '.2g')} ({out['method']})")


# ---------------------------------------------------------------------------- retention


@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@temperature_option
@click.option("--method", type=click.Choice(["analytic", "simulate"]), default="analytic", show_default=True)
@click.option("--trials", default=200, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Simulated devices (method simulate).")
@click.option("--max-time", default="200 ns", show_default=True, metavar="t",
              help="Simulated time per device (method simulate).")
@click.option("--seed", default=0, show_default=True, type=int)
@set_option
@json_option
def retention(device_file, temperature, method, trials, max_time, seed, set_items, as_json):
    """Thermal stability Delta and mean dwell time (retention) of the stored bit."""
    from .experiments.retention import retention as run

    T = _temperature(temperature)
    if T is not None and T <= 0:
        raise ConfigError(CLI_SOURCE, "--temperature", "retention needs T > 0")
    tmax = _quantity(max_time, "time", "--max-time")
    device = _device(device_file, set_items)
    res = run(device, temperature=T, method=method, trials=trials, max_time=tmax, seed=seed,
              progress=_progress_enabled(as_json) if method == "simulate" else None)
    out = res.to_json()
    out["device"] = device.stack.name
    if as_json:
        emit_json(out)
        return
    tau = res.mean_dwell_time
    lg = res.details.get("log10_mean_dwell_time")
    if tau is not None and math.isinf(tau) and lg is not None:
        dwell = f"10^{lg:.1f} s"
    else:
        years = tau / (365.25 * 86400) if tau else None
        dwell = f"{fmt(tau, '.3g')} s" + (f" ({years:.3g} years)" if years and years > 1e-3 else "")
    click.echo(f"{device.stack.name}: Delta = {res.thermal_stability:.2f} at {res.temperature:g} K; "
               f"mean dwell time {dwell} [{res.method}]")


# ---------------------------------------------------------------------------- resonance


@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@click.option("--tilt", default=2.0, show_default=True, type=click.FloatRange(0.01, 20.0),
              help="Initial tilt from equilibrium (degrees).")
@set_option
@json_option
def resonance(device_file, tilt, set_items, as_json):
    """Ferromagnetic resonance frequency and linewidth from a small-angle ringdown (T = 0)."""
    from .experiments.resonance import resonance as run

    device = _device(device_file, set_items)
    res = run(device, tilt_deg=tilt)
    out = res.to_json()
    out["device"] = device.stack.name
    if as_json:
        emit_json(out)
        return
    click.echo(f"{device.stack.name}: f = {res.frequency / 1e9:.4g} GHz (small-angle theory "
               f"{res.smit_beljers_frequency / 1e9:.4g} GHz), linewidth {res.linewidth / 1e6:.4g} MHz FWHM")


# ---------------------------------------------------------------------------- trace


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
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--output", "output", default=None, metavar="FILE.csv|FILE.nc",
              help="Save the trace (CSV or NetCDF).")
@set_option
@json_option
@plot_option
def trace(device_file, current_density, pulse_width, duration, sequence, temperature, devices, seed, output,
          set_items, as_json, plot_path):
    """m(t) and the write current j(t) for one or a few devices."""
    from .dynamics import Waveform
    from .experiments.switching import trace as run

    check_plot_path(plot_path)
    if output and Path(output).suffix.lower() not in (".csv", ".nc"):
        raise ConfigError(CLI_SOURCE, "--output", "must end in .csv or .nc")  # before any work
    T = _temperature(temperature)
    j = _quantity(current_density, "current_density", "--current-density")
    w = _quantity(pulse_width, "time", "--pulse-width")
    dur = _quantity(duration, "time", "--duration")
    device = _device(device_file, set_items)
    waveform = None
    if sequence:
        amps = [_quantity(x.strip(), "current_density", "--sequence") for x in sequence.split(",") if x.strip()]
        if not amps:
            raise ConfigError(CLI_SOURCE, "--sequence", "expected comma-separated current densities")
        p = device.pulse
        width = p.width if w is None else w
        waveform = Waveform.sequence([Waveform.pulse(a, width, p.rise_time, p.fall) for a in amps], gap=5e-9)
    res = run(device, current_density=j, pulse_width=w, temperature=T, devices=devices, seed=seed,
              duration=dur, waveform=waveform, progress=_progress_enabled(as_json))
    t = res.times
    traj = res.trajectory
    cur = res.current
    if output:
        _save_trace(output, t, traj, cur)
    if plot_path:
        from . import plots

        with plot_errors(plot_path):
            plots.trace_figure(t, traj, cur, plot_path, title=device.stack.name)
    out = {"device": device.stack.name, "time": t, "m": traj.transpose(1, 0, 2), "current_density": cur.T,
           "switched": res.switched, "switching_time": res.switching_time, "temperature": T if T is not None else device.temperature,
           "units": {"time": "s", "current_density": "A/m^2"}}
    if as_json:
        emit_json(out)
        return
    click.echo(f"{device.stack.name}: {devices} device(s), {len(t)} samples over {t[-1] * 1e9:.3g} ns")
    for i in range(min(devices, 10)):
        mf = traj[-1, i]
        click.echo(f"  device {i}: final m = ({mf[0]:+.3f}, {mf[1]:+.3f}, {mf[2]:+.3f}), "
                   f"first switch at {fmt(res.switching_time[i], '.4g', 1e9)} ns")
    for path in (output, plot_path):
        if path:
            click.echo(f"  wrote {path}")


def _save_trace(path, t, traj, cur):
    p = Path(path)
    if p.suffix.lower() == ".nc":
        import xarray as xr

        ds = xr.Dataset({"m": (("time", "device", "component"), traj, {"units": "1"}),
                         "current_density": (("time", "device"), cur, {"units": "A/m^2"})},
                        coords={"time": ("time", t, {"units": "s"}), "component": ["x", "y", "z"]})
        ds.to_netcdf(p)
    elif p.suffix.lower() == ".csv":
        n = traj.shape[1]
        cols = ["time_s"] + [f"{c}{i}" for i in range(n) for c in ("mx", "my", "mz")] + [f"j{i}_A_per_m2" for i in range(n)]
        data = np.column_stack([t] + [traj[:, i, k] for i in range(n) for k in range(3)] + [cur[:, i] for i in range(n)])
        np.savetxt(p, data, delimiter=",", header=",".join(cols), comments="")
    else:
        raise ConfigError(CLI_SOURCE, "--output", "must end in .csv or .nc")
