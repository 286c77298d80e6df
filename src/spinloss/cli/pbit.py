"""``spinloss pbit``: p-bits calibrated from a device, a p-computer for Max-Cut, invertible logic,
learning (docs/pbits.md).

Subcommands: ``calibrate`` (the sigmoid, correlation time and energy per random bit of a
low-barrier device), ``maxcut`` (anneal a G-set graph), ``logic`` (gates sampled forward and
backward, factorization by a multiplier run in reverse), ``learn`` (an RBM trained by
contrastive divergence on scikit-learn's 8x8 digits).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click
import numpy as np

from ..cells.cell import mtj_read_numbers
from ..errors import ConfigError
from .common import (CLI_SOURCE, SEED, check_plot_path, device_errors, echo_table, emit_json, fmt, info, json_option,
                     load_device, merge_overrides, plot_errors, plot_option, positive_quantity, progress_for,
                     set_option, temperature_option, temperature_value, value_grid, warn)

UPDATE_HELP = ("parallel: graph-coloured Gibbs (each colour class at once); sequential: one p-bit at a time in "
               "index order; asynchronous: free-running p-bits with Poisson clocks of the device's correlation time")


@click.group()
def pbit():
    """Probabilistic bits: calibrate a p-bit from a device, and run p-computers on it.

    Conventions (docs/pbits.md): spins m = +-1, Ising energy E = -sum_{i<j} J_ij m_i m_j -
    sum_i h_i m_i, a p-bit is +1 with probability (1 + tanh(beta I))/2 with I = sum_j J_ij m_j + h_i.
    """


# ---------------------------------------------------------------------------- helpers


def parse_input_range(text: str, dimension: str, option: str = "--range") -> np.ndarray:
    """``"START:STOP:NUM"`` (units allowed on START and STOP) -> NUM values in SI."""
    return value_grid(text, dimension, option, lists=False)


def load_pbit_device(path, overrides=None):
    """A device file for a p-bit: its validity warnings on stderr except superparamagnetism, which is
    what a p-bit is made of (Delta ~ 0-3)."""
    device = load_device(path, overrides, warnings=False)
    for w in device.validity_warnings():
        if not w.startswith("superparamagnetic"):
            warn(f"{path}: {w}")
    return device


def device_timing(path, *, temperature=None, seed: int = 0, progress=None):
    """Device numbers for a p-computer from ``path``: a calibration JSON (``spinloss pbit
    calibrate --json``) or a device file, calibrated here with a current input over
    :func:`spinloss.pbits.calibration.auto_current_range`."""
    import json

    from ..pbits.calibration import auto_current_range, calibrate
    from ..pbits.sampler import DeviceTiming

    p = Path(path)
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(p.read_text())
        except OSError as exc:
            raise ConfigError(str(p), "", f"cannot read the file ({exc.strerror or exc})") from None
        except ValueError as exc:
            raise ConfigError(str(p), "", f"not JSON ({exc})") from None
        centre = data.get("centre") if isinstance(data, dict) else None
        if not isinstance(centre, dict) or not isinstance(centre.get("correlation_time"), (int, float)):
            raise ConfigError(str(p), "centre.correlation_time", "missing: expected the JSON of "
                                                                 "'spinloss pbit calibrate --json'")
        tau = float(centre["correlation_time"])
        if not (tau > 0 and math.isfinite(tau)):
            raise ConfigError(str(p), "centre.correlation_time", "must be > 0")
        e = data.get("energy_per_flip")
        if e is not None and not (isinstance(e, (int, float)) and e >= 0):
            raise ConfigError(str(p), "energy_per_flip", "must be a number >= 0 or null")
        return DeviceTiming(tau, None if e is None else float(e), source=str(p)), None
    device = load_pbit_device(path)
    with device_errors(path):
        values = auto_current_range(device, temperature)
        cal = calibrate(device, input="current", values=values, temperature=temperature, seed=seed,
                        readout=mtj_read_numbers(device), progress=progress)
    return cal.timing(), cal


# ---------------------------------------------------------------------------- calibrate


@pbit.command()
@click.argument("device_file", metavar="DEVICE.toml")
@click.option("--input", "input_kind", type=click.Choice(["current", "field"]), default="current", show_default=True,
              help="current: a DC current density in the torque reference layer (A/m^2); field: a field along the "
                   "easy axis (A/m, or mT as mu0 H), added to the file's applied field.")
@click.option("--range", "range_text", required=True, metavar="START:STOP:NUM",
              help='The inputs, e.g. "-8e12:8e12:9" (A/m^2) or "-4 mT:4 mT:9".')
@click.option("--duration", default=None, metavar="T",
              help="Simulated time per device and input (default: 400 estimated correlation times, 5 ns to 1 us).")
@click.option("--devices", default=16, show_default=True, type=click.IntRange(2, 4096),
              help="Independent devices per input.")
@temperature_option
@click.option("--seed", default=0, show_default=True, type=SEED)
@set_option
@json_option
@plot_option
def calibrate(device_file, input_kind, range_text, duration, devices, temperature, seed, set_items, as_json,
              plot_path):
    """The p-bit of a low-barrier device: time-averaged easy-axis <m> versus the input (batched
    stochastic LLG with the device's alpha_eff and heating), its tanh fit, the correlation time,
    the flip rate and the energy per random bit (drive + MTJ read)."""
    from ..pbits.calibration import calibrate as run

    check_plot_path(plot_path)
    values = parse_input_range(range_text, "current_density" if input_kind == "current" else "field")
    dur = positive_quantity(duration, "time", "--duration")
    if dur is not None and dur > 1e-3:
        raise ConfigError(CLI_SOURCE, "--duration", f"{dur:.3g} s is beyond a p-bit calibration (maximum 1 ms)")
    T = temperature_value(temperature)
    device = load_pbit_device(device_file, merge_overrides(set_items, None))
    with device_errors(device_file, "--range" if input_kind == "current" else None):
        res = run(device, input=input_kind, values=values, duration=dur, devices=devices, seed=seed, temperature=T,
                  readout=mtj_read_numbers(device), progress=progress_for(as_json))
    out = res.to_json()
    for w in res.warnings:
        warn(f"{device_file}: {w}")
    if plot_path:
        from ..plots import pbits as pbit_plots

        with plot_errors(plot_path):
            pbit_plots.sigmoid_figure(out, plot_path)
    if as_json:
        emit_json(out, inputs=[device_file], seeds={"seed": seed})
        return
    unit = out["input_unit"]
    click.echo(f"{out['device']}: p-bit calibration, {input_kind} input ({devices} devices x "
               f"{fmt(out['settings']['duration'], '.3g', 1e9)} ns per input, T = {fmt(out['settings']['temperature'])} K, "
               f"Delta = {fmt(out['settings']['thermal_stability'], '.3g')})")
    rows = []
    bz = out.get("boltzmann_mean_m")
    for k, x in enumerate(out["input"]):
        rows.append([fmt(x, ".4g"), fmt(out["mean_m"][k], "+.4f"), fmt(out["mean_m_uncertainty"][k], ".4f"),
                     fmt(bz[k], "+.4f") if bz else "-", fmt(out["correlation_time"][k], ".3g", 1e9),
                     fmt(out["flip_rate"][k], ".3g", 1e-6)])
    echo_table([f"input ({unit})", "<m>", "+-", "Boltzmann", "tau_c (ns)", "flips (1/us)"], rows)
    sig = out["sigmoid"]
    if sig:
        click.echo(f"  sigmoid: x0 = {fmt(sig['x0'], '.4g')} +- {fmt(sig['x0_uncertainty'], '.2g')} {unit}, "
                   f"x_s = {fmt(sig['x_s'], '.4g')} +- {fmt(sig['x_s_uncertainty'], '.2g')} {unit} "
                   f"(reduced chi^2 {fmt(sig['reduced_chi2'], '.3g')})")
    c = out["centre"]
    click.echo(f"  at the centre: correlation time {fmt(c['correlation_time'], '.4g', 1e9)} ns, flip rate "
               f"{fmt(c['flip_rate'], '.4g', 1e-6)} per us")
    e = out["energy"]
    click.echo(f"  energy per random bit {fmt(out['energy_per_flip'], '.4g', 1e15)} fJ (drive "
               f"{fmt(e['drive_energy'], '.4g', 1e15)} fJ, read {fmt(e['read_energy'], '.4g', 1e15)} fJ)")
    if plot_path:
        info(f"  figure: {plot_path}", as_json=as_json)


# ---------------------------------------------------------------------------- maxcut


def schedule_option(default_text):
    return click.option("--schedule", "schedule_text", default=default_text, show_default=True,
                        metavar="KIND:B0:B1",
                        help="Annealing of beta (the p-bits' inverse temperature in units of the couplings): "
                             "linear:B0:B1, geometric:B0:B1 or constant:B.")


def update_option(default="parallel"):
    return click.option("--update", type=click.Choice(["parallel", "sequential", "asynchronous"]), default=default,
                        show_default=True, help=UPDATE_HELP)


def shipped_graph(name: str) -> str:
    """``name`` itself when it is a file; else the shipped G-set graph of that name (``G1``,
    ``G1.txt``), if there is one; else ``name`` (read_graph then says the file is missing)."""
    if Path(name).exists():
        return name
    stem = Path(name).name.removesuffix(".txt")
    data = Path(__file__).resolve().parents[1] / "data" / "gset" / f"{stem}.txt"
    return str(data) if data.is_file() and Path(name).parent == Path(".") else name


@pbit.command()
@click.argument("graph_file", metavar="GRAPH.txt")
@click.option("--sweeps", default=1000, show_default=True, type=click.IntRange(1, 100_000_000))
@schedule_option("geometric:0.05:3")
@update_option()
@click.option("--replicas", default=4, show_default=True, type=click.IntRange(1, 10_000),
              help="Independent p-computers annealed at once (the best cut is reported).")
@click.option("--seed", default=0, show_default=True, type=SEED)
@click.option("--device", "device_file", default=None, metavar="DEVICE.toml|CAL.json",
              help="Device numbers for the time and energy to solution: a device file (calibrated here with a "
                   "current input) or the JSON of 'spinloss pbit calibrate'.")
@click.option("--best-known", default=None, type=float, help="Best-known cut (default: the shipped G-set table).")
@json_option
@plot_option
def maxcut(graph_file, sweeps, schedule_text, update, replicas, seed, device_file, best_known, as_json, plot_path):
    """Max-Cut of a graph (G-set format 'N E' then 'i j w', 1-based; an edge list 'i j [w]'; or a
    spinloss Ising text file with h = 0, read as w = -J) annealed on a p-computer: prints cut,
    flips, flips_per_second, time_to_solution and energy_to_solution. GRAPH may also name a
    shipped G-set graph (G1, G22, G43) when no such file exists.

    Example: spinloss pbit maxcut G1 --sweeps 1000 --json"""
    from ..pbits.ising import is_ising_text, read_graph, read_ising
    from ..pbits.maxcut import graph_of_ising, maxcut as run
    from ..pbits.sampler import Schedule

    check_plot_path(plot_path)
    schedule = Schedule.parse(schedule_text)
    if device_file is not None and not Path(device_file).exists():
        raise ConfigError(CLI_SOURCE, "--device", f"no such file: {device_file}")
    graph_file = shipped_graph(graph_file)
    graph = graph_of_ising(read_ising(graph_file)) if is_ising_text(graph_file) else read_graph(graph_file)
    progress = progress_for(as_json)
    timing = cal = None
    if device_file is not None:
        timing, cal = device_timing(device_file, seed=seed, progress=progress)
        if cal is not None:
            for w in cal.warnings:
                warn(f"{device_file}: {w}")
    res = run(graph, sweeps=sweeps, schedule=schedule, update=update, replicas=replicas, seed=seed, timing=timing,
              best_known=best_known, progress=progress)
    res.graph = str(graph_file)
    out = res.to_json()
    if cal is not None:
        out["calibration"] = {"sigmoid": cal.sigmoid, "centre": cal.centre, "energy_per_flip": cal.energy_per_flip}
    if plot_path:
        from ..plots import pbits as pbit_plots

        with plot_errors(plot_path):
            pbit_plots.maxcut_figure(out, plot_path)
    inputs = [graph_file] + ([device_file] if device_file else [])
    if as_json:
        emit_json(out, inputs=inputs, seeds={"seed": seed})
        return
    frac = out["cut_fraction"]
    click.echo(f"{graph_file}: {out['vertices']} vertices, {out['edges']} edges"
               + (f" ({out['known_graph']})" if out["known_graph"] else ""))
    click.echo(f"  cut {fmt(out['cut'], '.0f')}" + (f" = {100 * frac:.2f} % of the best-known {out['best_known_cut']:.0f}"
                                                  if frac is not None else ""))
    click.echo(f"  {out['sweeps']} sweeps x {out['replicas']} replicas, {update} updates ({out['colours']} colours), "
               f"schedule {out['schedule']}, seed {seed}")
    click.echo(f"  flips {out['flips']:.4g} in {fmt(out['wall_time'], '.3g')} s: {fmt(out['flips_per_second'], '.3g')} "
               f"flips/s on {out['threads']} thread(s)")
    if out["time_to_solution"] is not None:
        click.echo(f"  device: time to solution {fmt(out['time_to_solution'], '.4g', 1e6)} us (sweep "
                   f"{out['solution_sweep']}), energy to solution {fmt(out['energy_to_solution'], '.4g', 1e12)} pJ")
    for n in out["notes"]:
        click.echo(f"  note: {n}")
    if plot_path:
        click.echo(f"  figure: {plot_path}")


# ---------------------------------------------------------------------------- logic


def parse_bits(text):
    if text is None:
        return None
    parts = str(text).split(",")
    try:
        a, b = (int(p) for p in parts)
    except ValueError:
        raise ConfigError(CLI_SOURCE, "--bits", f"expected A,B (the two factor widths in bits), got {text!r}") from None
    return a, b


@pbit.command()
@click.argument("task", type=click.Choice(["and", "or", "xor", "half-adder", "full-adder", "factor"]))
@click.argument("number", required=False, type=int)
@click.option("--direction", type=click.Choice(["forward", "backward", "free"]), default="forward", show_default=True,
              help="Gates: clamp the inputs to each row (forward), the outputs (backward), or nothing (free).")
@click.option("--beta", default=None, type=float,
              help="Inverse temperature of the p-bits (default: 2 for gates, 0.5 for factor; docs/pbits.md).")
@click.option("--sweeps", default=None, type=click.IntRange(1, 100_000_000),
              help="Gates: sweeps per clamped condition (default 2000); factor: the most sweeps (default 100000).")
@click.option("--burn-in", default=100, show_default=True, type=click.IntRange(0, 10_000_000),
              help="Gates: sweeps not counted at the start of each condition.")
@click.option("--replicas", default=None, type=click.IntRange(1, 10_000),
              help="Independent p-computers (default: 4 for gates, 8 for factor).")
@click.option("--bits", "bits_text", default=None, metavar="A,B",
              help="factor: the widths of the two factors (default: ceil(b/2) and b - ceil(b/2) + 1 for a b-bit N).")
@update_option()
@click.option("--seed", default=0, show_default=True, type=SEED)
@click.option("--device", "device_file", default=None, metavar="DEVICE.toml|CAL.json",
              help="Device numbers for the time and energy to solution (factor).")
@json_option
def logic(task, number, direction, beta, sweeps, burn_in, replicas, bits_text, update, seed, device_file, as_json):
    """Invertible logic on p-bits: TASK and | or | xor | half-adder | full-adder samples the gate's
    truth table (forward, backward or free); 'factor N' runs a multiplier in reverse to factorize N,
    with the time and energy to solution from --device."""
    from ..pbits import logic as L

    bits = parse_bits(bits_text)
    if task == "factor":
        if number is None:
            raise ConfigError(CLI_SOURCE, "NUMBER", "factor needs the integer to factorize, e.g. 'factor 945'")
    elif number is not None:
        raise ConfigError(CLI_SOURCE, "NUMBER", f"{task} takes no number")
    elif bits is not None:
        raise ConfigError(CLI_SOURCE, "--bits", "only for factor")
    if beta is not None and not (math.isfinite(beta) and beta >= 0):
        raise ConfigError(CLI_SOURCE, "--beta", "must be finite and >= 0")
    if device_file is not None and not Path(device_file).exists():
        raise ConfigError(CLI_SOURCE, "--device", f"no such file: {device_file}")
    progress = progress_for(as_json)
    timing = None
    if device_file is not None:
        timing, cal = device_timing(device_file, seed=seed, progress=progress)
        for w in (cal.warnings if cal is not None else ()):
            warn(f"{device_file}: {w}")
    inputs = [device_file] if device_file else []
    if task == "factor":
        from ..errors import SpinlossInputError

        try:
            res = L.factorize(number, bits=bits, beta=L.DEFAULT_FACTOR_BETA if beta is None else beta,
                              max_sweeps=100_000 if sweeps is None else sweeps, replicas=replicas or 8,
                              update=update, seed=seed, timing=timing, progress=progress)
        except SpinlossInputError as exc:
            option = {"bits": "--bits", "number": "NUMBER"}.get(exc.key, exc.key)
            raise ConfigError(CLI_SOURCE, option, exc.rule) from None
        out = res.to_json()
        if as_json:
            emit_json(out, inputs=inputs, seeds={"seed": seed})
            return
        click.echo(f"factor {number}: a {out['factor_bits'][0]} x {out['factor_bits'][1]} bit multiplier in reverse, "
                   f"{out['spins']} p-bits, beta {out['beta']:g}, {update} updates, {out['replicas']} replicas")
        if out["factors"] is None:
            click.echo(f"  no factorization in {out['sweeps']} sweeps")
        else:
            found = ", ".join(f"{s['factors'][0]} x {s['factors'][1]} ({s['replicas']} replicas)" for s in out["solutions"])
            click.echo(f"  found: {found}")
            click.echo(f"  first after {out['sweeps_to_solution']} sweeps; median over replicas "
                       f"{fmt(out['median_sweeps_to_solution'], '.4g')} sweeps; weight of the answer in the samples "
                       f"{fmt(out['solution_probability'], '.3g')} (random guess {fmt(out['random_guess_probability'], '.3g')})")
        if out["time_to_solution"] is not None:
            click.echo(f"  device: time to solution {fmt(out['time_to_solution'], '.4g', 1e9)} ns, energy to solution "
                       f"{fmt(out['energy_to_solution'], '.4g', 1e15)} fJ")
        elif timing is None:
            click.echo("  note: time_to_solution and energy_to_solution need device numbers: give --device")
        if out["factors"] is None:
            sys.exit(1)
        return
    res = L.truth_table(task, direction, beta=L.DEFAULT_BETA if beta is None else beta,
                        sweeps=2000 if sweeps is None else sweeps, burn_in=burn_in, replicas=replicas or 4,
                        update=update, seed=seed, timing=timing, progress=progress)
    out = res.to_json()
    if as_json:
        emit_json(out, inputs=inputs, seeds={"seed": seed})
        return
    terms = out["terminals"]
    click.echo(f"{task} gate, {direction}: beta {out['beta']:g}, {out['replicas']} replicas x {out['sweeps']} sweeps "
               f"per condition ({out['burn_in']} burn-in), {update} updates")
    for cond in out["conditions"]:
        clamped = ", ".join(f"{k}={v}" for k, v in cond["clamped"].items()) or "nothing clamped"
        click.echo(f"  {clamped}: valid rows {100 * cond['valid_probability']:.2f} %")
        rows = [[" ".join(str(d["state"][t]) for t in terms), f"{d['probability']:.4f}", "yes" if d["valid"] else ""]
                for d in cond["distribution"][:8]]
        echo_table([" ".join(terms), "probability", "valid"], rows, indent="    ")


# ---------------------------------------------------------------------------- learn


@pbit.command()
@click.option("--hidden", default=128, show_default=True, type=click.IntRange(1, 100_000), help="Hidden p-bits.")
@click.option("--epochs", default=10, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--batch", default=20, show_default=True, type=click.IntRange(1, 100_000), help="Images per mini-batch.")
@click.option("--learning-rate", default=0.02, show_default=True, type=float)
@click.option("--cd-steps", default=1, show_default=True, type=click.IntRange(1, 1000),
              help="k of CD-k: the alternating colour updates of the negative phase.")
@click.option("--seed", default=0, show_default=True, type=SEED)
@click.option("--device", "device_file", default=None, metavar="DEVICE.toml|CAL.json",
              help="Device numbers for the sampling time and energy.")
@json_option
def learn(hidden, epochs, batch, learning_rate, cd_steps, seed, device_file, as_json):
    """A restricted Boltzmann machine trained by contrastive divergence with p-bits on scikit-learn's
    8x8 digits (optional dependency), and the held-out accuracy of a softmax classifier on its
    hidden activations, with the training time and the device energy of the sampling."""
    from ..pbits.rbm import learn_digits, load_digits_data

    if not (math.isfinite(learning_rate) and learning_rate > 0):
        raise ConfigError(CLI_SOURCE, "--learning-rate", "must be > 0 and finite")
    if device_file is not None and not Path(device_file).exists():
        raise ConfigError(CLI_SOURCE, "--device", f"no such file: {device_file}")
    load_digits_data()                      # a missing scikit-learn is reported before any work
    progress = progress_for(as_json)
    timing = None
    if device_file is not None:
        timing, cal = device_timing(device_file, seed=seed, progress=progress)
        for w in (cal.warnings if cal is not None else ()):
            warn(f"{device_file}: {w}")
    res = learn_digits(hidden=hidden, epochs=epochs, batch=batch, learning_rate=learning_rate, cd_steps=cd_steps,
                       seed=seed, timing=timing, progress=progress)
    out = res.to_json()
    if as_json:
        emit_json(out, inputs=[device_file] if device_file else [], seeds={"seed": seed})
        return
    s = out["settings"]
    click.echo(f"RBM {s['visible']} x {hidden} on the 8x8 digits: CD-{cd_steps}, {epochs} epochs of {s['train_images']} "
               f"images in batches of {batch}, learning rate {learning_rate:g}, seed {seed}")
    click.echo(f"  held-out accuracy {100 * out['accuracy']:.2f} % on {s['test_images']} images (softmax on the hidden "
               f"activations; on the raw pixels {100 * out['raw_pixel_accuracy']:.2f} %)")
    click.echo(f"  reconstruction error {out['reconstruction_error'][0]:.4f} -> {out['reconstruction_error'][-1]:.4f}")
    click.echo(f"  training {fmt(out['training_time'], '.3g')} s; {out['sampling_updates']:.4g} p-bit updates")
    if out["sampling_energy"] is not None:
        click.echo(f"  device: sampling time {fmt(out['sampling_time'], '.4g', 1e6)} us, sampling energy "
                   f"{fmt(out['sampling_energy'], '.4g', 1e9)} nJ")
    for n in out["notes"]:
        click.echo(f"  note: {n}")
