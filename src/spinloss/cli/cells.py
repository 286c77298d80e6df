"""CLI subcommands ``design`` and ``compare`` (energy per bit; issue 4). Thin layer over
:mod:`spinloss.devices`. Registered in ``cli.LAZY_COMMANDS``.

Exit codes: 0 success; 1 the design cannot meet its targets (``design``; the reason is printed,
and with ``--json`` the JSON says ``meets_targets: false``); 2 bad input.
"""

from __future__ import annotations

import math
import sys

import click

from ..errors import ConfigError, Interrupted
from .common import (CLI_SOURCE, SEED, check_plot_path, device_errors, echo_table, emit_json, fmt, info, interrupted_exit,
                     json_option, load_device, merge_overrides, plot_errors, progress_for, sweepable, warn)


def _settings(fast: bool, full: bool, widths: str | None, seed: int):
    from dataclasses import replace

    from ..cells.design import FAST, FULL, STANDARD
    from ..config import parse_scalar_text
    from ..units import to_si

    if fast and full:
        raise ConfigError(CLI_SOURCE, "--fast/--full", "give at most one of them")
    s = FAST if fast else FULL if full else STANDARD
    if widths:
        vals = []
        for part in widths.split(","):
            v = to_si(parse_scalar_text(part.strip()), "time", source=CLI_SOURCE, key="--pulse-widths")
            if not (math.isfinite(v) and v > 0):
                raise ConfigError(CLI_SOURCE, "--pulse-widths", "every width must be > 0")
            vals.append(float(v))
        s = replace(s, widths=tuple(vals), fokker_planck_widths=None)
    return replace(s, seed=seed)


def _targets(target_wer, retention, temperature, thermal_stability):
    from ..cells.design import Targets
    from ..config import parse_scalar_text

    def p(x):
        return None if x is None else parse_scalar_text(str(x))

    if retention is not None and thermal_stability is not None:
        raise ConfigError(CLI_SOURCE, "--retention/--thermal-stability",
                          "give at most one of them (each sets the Delta target)")
    if retention is None and thermal_stability is None:
        retention = "10 years"
    return Targets.parse(write_error_rate=p(target_wer), retention=p(retention),
                         temperature=p(temperature), thermal_stability=p(thermal_stability), source=CLI_SOURCE)


def _search_options(f):
    f = click.option("--seed", default=0, show_default=True, type=SEED, help="Random seed of the WER engine.")(f)
    f = click.option("--pulse-widths", "widths", default=None, metavar="T1,T2,...",
                     help='Pulse widths to try, e.g. "1 ns,3 ns,10 ns" (default: 1, 3, 10 ns).')(f)
    f = click.option("--full", is_flag=True, help="Publication settings: 6 widths, large AMS ensembles (slow).")(f)
    f = click.option("--fast", is_flag=True, help="Coarse settings (demo): 2 widths, small AMS ensembles.")(f)
    f = click.option("--quiet", is_flag=True, help="No progress lines on stderr.")(f)
    return f


def _target_options(f):
    f = click.option("--thermal-stability", default=None, metavar="DELTA",
                     help="Delta target directly (instead of --retention).")(f)
    f = click.option("--temperature", "-T", default="358 K", show_default=True, metavar="T",
                     help="Operating temperature (the retention and WER hold there).")(f)
    f = click.option("--retention", default=None, show_default="10 years", metavar="TIME",
                     help="Retention target: Delta = ln(t / 1 ns), the same for every design.")(f)
    f = click.option("--target-wer", default="1e-9", show_default=True, metavar="WER",
                     help="Write error rate target.")(f)
    return f


def check_design(params: dict, keys=(), overrides=None) -> None:
    """The pre-flight of ``design`` (the sweep protocol's ``check``): targets and search options
    parse, the device loads with ``overrides``. The file's temperature is not swept: the design
    holds at its --temperature option."""
    if "temperature" in keys:
        raise ConfigError(CLI_SOURCE, "temperature", "design works at its --temperature option (the operating "
                                                     "temperature), not the file's: it cannot be swept")
    _targets(params.get("target_wer", "1e-9"), params.get("retention"),
             params.get("temperature", "358 K"), params.get("thermal_stability"))
    _settings(params.get("fast", False), params.get("full", False), params.get("widths"), params.get("seed", 0))
    load_device(params["device_file"], merge_overrides(params.get("set_items"), overrides), warnings=False)


def run_design(params: dict, overrides: dict | None = None, progress=None) -> dict:
    """One point of ``design``: the least-energy write pulse at the targets (JSON; with
    ``meets_targets`` false and the reason when they cannot be met)."""
    from ..cells.design import design as run

    targets = _targets(params.get("target_wer", "1e-9"), params.get("retention"),
                       params.get("temperature", "358 K"), params.get("thermal_stability"))
    settings = _settings(params.get("fast", False), params.get("full", False), params.get("widths"),
                         params.get("seed", 0))
    dev = load_device(params["device_file"], merge_overrides(params.get("set_items"), overrides), warnings=False)
    with device_errors(params["device_file"]):
        out = run(dev, targets, settings, progress=progress).to_json()
    out["units"].update({"gilbert_damping": "1", "spin_pumping_damping": "1", "effective_damping": "1"})
    return out


@sweepable(run_design, input_param="device_file", check=check_design)
@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@_target_options
@_search_options
@click.option("--set", "set_items", multiple=True, metavar="KEY=VALUE", help="Override a device value.")
@json_option
def design(device_file, target_wer, retention, temperature, thermal_stability, quiet, fast, full, widths,
           seed, set_items, as_json):
    """Least-energy write pulse of the cell in DEVICE.toml at a WER and a retention target.

    Sizes the magnet's anisotropy (or in-plane aspect ratio) to the Delta of the retention target
    (iso-Delta), finds for each pulse width the current that meets the WER target with the WER
    engine (Fokker-Planck for axially symmetric cells, Monte Carlo + multilevel splitting
    otherwise), picks the least energy (I^2 R t in channel and access transistor + peripheral)
    and re-checks the WER there. Exit code 1 (with the reason) when the targets cannot be met.

    \b
    Examples:
      spinloss design examples/stt_mtj_cell.toml --target-wer 1e-9 --retention "10 years"
      spinloss design examples/pt_py_cell.toml --target-wer 1e-6 --fast --json
    """
    params = {"device_file": device_file, "target_wer": target_wer, "retention": retention,
              "temperature": temperature, "thermal_stability": thermal_stability, "fast": fast, "full": full,
              "widths": widths, "seed": seed, "set_items": set_items}
    check_design(params)
    load_device(device_file, merge_overrides(set_items, None))
    res = run_design(params, None, progress_for(as_json, quiet))
    for text in res.get("warnings") or ():
        warn(f"{device_file}: {text}")
    if as_json:
        emit_json(res, inputs=[device_file], seeds={"seed": seed})
    else:
        _print_design(res)
    if not res["meets_targets"]:
        click.echo(f"spinloss: {res['name']}: cannot meet the targets: {res['reason']}", err=True)
        sys.exit(1)


def _print_design(res: dict):
    from types import SimpleNamespace

    r = SimpleNamespace(**res)
    t = r.targets
    click.echo(f"{r.name}: targets WER {t['write_error_rate']:g}, Delta {t['thermal_stability']:.2f} "
               f"at {t['temperature']:.0f} K")
    if not r.meets_targets:
        click.echo(f"  cannot meet the targets: {r.reason}")
        return
    rows = [["pulse width", fmt(r.pulse_width, ".3g", 1e9), "ns"],
            ["write current", fmt(r.write_current, ".4g", 1e6), "uA"],
            ["current density", fmt(r.current_density, ".4g"), "A/m^2"],
            ["energy per bit", fmt(r.energy_per_bit, ".4g", 1e15), "fJ"],
            ["  channel I^2 R t", fmt(r.channel_energy, ".4g", 1e15), "fJ"],
            ["  transistor I^2 R_on t", fmt(r.transistor_energy, ".4g", 1e15), "fJ"],
            ["  peripheral", fmt(r.peripheral_energy, ".4g", 1e15), "fJ"],
            ["write latency (pulse + settle)", fmt(r.write_latency, ".3g", 1e9), "ns"],
            ["WER (re-checked)", f"{fmt(r.write_error_rate, '.3g')} +- {fmt(r.wer_uncertainty, '.2g')}",
             (r.wer_method or "") + ("" if r.wer_resolved is not False else
                                     f" (unresolved: +- {100 * r.wer_relative_uncertainty:.0f} % > 10 %)")],
            ["Delta", fmt(r.thermal_stability, ".2f"), ""],
            ["retention (Brown)", fmt(r.retention_time, ".3g"), "s"],
            ["read current", fmt(r.read_current, ".3g", 1e6), "uA"],
            ["read disturb / read", fmt(r.read_disturb_probability, ".3g"), ""],
            ["cell area", fmt(r.cell_area, ".4g", 1e12), "um^2"]]
    if res.get("peak_temperature") is not None:
        rows.append(["peak temperature (Joule heating)", fmt(r.peak_temperature, ".4g"), "K"])
    echo_table(["quantity", "value", "unit"], rows, align="lrl")
    click.echo(f"  sizing: {r.sizing.get('method')} ({', '.join(f'{k} = {v:.4g}' for k, v in r.sizing.items() if isinstance(v, float))})")


@click.command()
@click.argument("compare_file", metavar="DESIGNS.toml")
@click.option("--map", "map_items", nargs=2, default=None, metavar="KEY1=A:B:N KEY2=C:D:M",
              help="Energy-ratio map over two transport keys (append :log for a geometric grid).")
@click.option("--design", "map_design", default=None, metavar="NAME",
              help="Design of the map (default: the first spin-loss design that meets the targets).")
@click.option("--scaling", is_flag=True, help="Also the scaling study (lateral size 200 -> 20 nm).")
@click.option("--sizes", default=None, metavar="S1,S2,...", help='Sizes of --scaling, e.g. "200 nm,50 nm".')
@click.option("--only", multiple=True, metavar="NAME", help="Run only these designs (and the reference).")
@click.option("--target-wer", default=None, metavar="WER", help="Override the file's WER target.")
@_search_options
@click.option("--plot", "plot_path", default=None, metavar="FILE.png", help="Bar chart of energy per bit.")
@click.option("--map-plot", "map_plot", default=None, metavar="FILE.png", help="Figure of the --map.")
@click.option("--scaling-plot", "scaling_plot", default=None, metavar="FILE.png", help="Figure of --scaling.")
@click.option("--workers", "-n", default=None, type=click.IntRange(1, 4096), metavar="N",
              help="Designs searched at once, one process each (default: the usable cores; 1: one after the "
                   "other in this process). The result does not depend on it.")
@json_option
def compare(compare_file, map_items, map_design, scaling, sizes, only, target_wer, quiet, fast, full, widths,
            seed, plot_path, map_plot, scaling_plot, workers, as_json):
    """Energy per bit of every design in DESIGNS.toml at the same Delta and WER.

    Each design goes through the same design search as ``spinloss design``; the table gives
    energy, current, pulse, latency, area and the ratio to the file's reference. A design that
    cannot meet the targets is listed with its reason (and null figures); the others go on.

    \b
    Examples:
      spinloss compare examples/compare.toml --json
      spinloss compare examples/compare.toml --fast --target-wer 1e-6 --plot bars.png \\
          --map "free.spin_hall_angle=0.01:0.4:12" \\
                "interfaces.0.magnon_interface_conductance=1e13:1e16:12:log" \\
          --design "Py/NiO spin loss" --map-plot map.png
    """
    from ..cells import compare as cmp
    from ..config import parse_scalar_text
    from ..plots import cells as cell_plots
    from ..units import to_si

    # every option is checked before the (long) design searches start
    for p, opt in ((plot_path, "--plot"), (map_plot, "--map-plot"), (scaling_plot, "--scaling-plot")):
        check_plot_path(p, opt)
    settings = _settings(fast, full, widths, seed)
    comp = cmp.load_comparison(compare_file, target_overrides={"write_error_rate": parse_scalar_text(target_wer)}
                               if target_wer else None)
    for n in only:
        comp.entry(n)
    for entry in comp.designs:  # the validity warnings of every device, before the work
        if not only or entry.name in only or entry.name == comp.reference:
            for w in comp.load_device(entry).validity_warnings():
                warn(f"{entry.device} ({entry.name}): {w}")
    if map_items:
        for item in map_items:
            cmp.parse_axis(item)
        if map_design is not None:
            comp.entry(map_design)
    sz = cmp.DEFAULT_SIZES
    if sizes:
        sz = []
        for part in sizes.split(","):
            if not part.strip():
                raise ConfigError(CLI_SOURCE, "--sizes", "an empty item (give comma-separated sizes)")
            v = float(to_si(parse_scalar_text(part.strip()), "length", source=CLI_SOURCE, key="--sizes"))
            if not (math.isfinite(v) and 1e-9 <= v <= 1e-3):
                raise ConfigError(CLI_SOURCE, "--sizes", f"{part.strip()!r}: every size must be between 1 nm and 1 mm")
            sz.append(v)
        sz = tuple(sz)
    progress = progress_for(as_json, quiet)

    def show(res, out):   # the comparison (and what followed it) on stdout
        if as_json:
            emit_json(out, inputs=[compare_file], seeds={"seed": seed})
        else:
            _print_compare(res, out)

    try:
        result = cmp.compare(comp, settings, progress=progress, only=only or None, workers=workers)
    except Interrupted as exc:
        if exc.partial is None:
            raise
        show(exc.partial, exc.partial.to_json())
        interrupted_exit(f"{exc.what}; the table above is partial (no figures written)")
        return
    out = result.to_json()
    # the map and the scaling study; the figures are drawn only once every computation is done,
    # all together (an interrupt leaves every old figure, a finished run every new one)
    figures = []   # (path, option, draw(path))
    stage = None
    try:
        if map_items:
            stage = "map"
            name = map_design or _default_map_design(result)
            try:
                m = cmp.energy_map(comp, result, name, map_items[0], map_items[1], progress=progress)
            except cmp.TargetNotMetErrorForMap as exc:  # e.g. the reference cannot meet the targets: report, go on
                out["map"] = {"design": name, "error": exc.rule, "statement": f"no map: {exc.rule}"}
                map_plot = None
            else:
                out["map"] = m.to_json()
                if map_plot:
                    from ..studies.energy import layer_kinds

                    kinds = layer_kinds(result.result(name))
                    figures.append((map_plot, "--map-plot", lambda p, m=m, kinds=kinds: cell_plots.plot_map(
                        m, p, kinds=kinds)))
        if scaling:
            stage = "scaling"
            names = [r.name for r in result.results
                     if r.torque and abs(r.torque.get("damping_like_efficiency", 0)) > 0]
            sc = cmp.scaling(comp, names, sz, settings, progress=progress, workers=workers)
            out["scaling"] = sc
            if scaling_plot:
                figures.append((scaling_plot, "--scaling-plot", lambda p, sc=sc: cell_plots.plot_scaling(sc, p)))
    except KeyboardInterrupt as exc:  # Interrupted included: the designs are complete, the rest partial
        partial = getattr(exc, "partial", None)
        what = getattr(exc, "what", "") or f"the {'map' if stage == 'map' else 'scaling study'}: nothing finished"
        out[stage] = partial if partial is not None else {"interrupted": True, "statement": f"Interrupted: {what}."}
        out["interrupted"] = True
        out["interrupted_stage"] = stage
        # the verdict of the complete comparison only (nothing of the interrupted stage feeds it)
        out["verdict"] = cmp.verdict(result, [out["map"]] if stage != "map" and "map" in out else [])
        show(result, out)
        interrupted_exit(f"the comparison finished ({len(result.results)} of {len(result.results)} designs); "
                         f"{what}; the output above is partial (no figures written, the old files are as they were)")
        return
    out["verdict"] = cmp.verdict(result, [out["map"]] if "map" in out else [])
    if plot_path:
        figures.append((plot_path, "--plot", lambda p: cell_plots.plot_bars(result, p)))
    try:
        _write_figures(figures)
    except KeyboardInterrupt:
        out["interrupted"] = True
        out["interrupted_stage"] = "figures"
        show(result, out)
        interrupted_exit("every computation finished; stopped while drawing the figures: none written (the old "
                         "files are as they were)")
        return
    show(result, out)
    for p, _, _ in figures:
        info(f"wrote {p}", as_json=as_json)


def _write_figures(figures) -> None:
    """Draw every figure ``(path, option, draw(path))`` into a temporary file beside its target,
    then rename them all together (:func:`spinloss.io.atomic_paths`): an interrupted or failed
    run leaves every old figure as it was."""
    if not figures:
        return
    from ..io import atomic_paths

    with atomic_paths([p for p, _, _ in figures]) as tmps:
        for (path, option, draw), tmp in zip(figures, tmps):
            with plot_errors(path, option):
                draw(tmp)


def _default_map_design(result) -> str:
    for r in result.results:
        if r.meets_targets and r.name != result.reference and r.device is not None and \
                (r.classification or {}).get("category") == "spin_loss":
            return r.name
    raise ConfigError(CLI_SOURCE, "--design", "no spin-loss design meets the targets: name one with --design")


def _wer_cell(row) -> str:
    """"1.2e-09 +- 8 %" (re-check and its relative uncertainty), "*" marking an unresolved one."""
    wer, rel = row.get("write_error_rate"), row.get("wer_relative_uncertainty")
    if wer is None:
        return "-"
    text = fmt(wer, ".2g") + (f" +- {100 * rel:.0f} %" if rel is not None and rel == rel and rel != float("inf") else "")
    return text + (" *" if row.get("wer_resolved") is False else "")


def _print_compare(result, out):
    t = result.targets
    click.echo(f"Energy per bit at WER {t['write_error_rate']:g}, Delta {t['thermal_stability']:.2f}, "
               f"T = {t['temperature']:.0f} K; reference {result.reference}"
               + (" [partial: interrupted]" if getattr(result, "interrupted", False) or out.get("interrupted")
                  else ""))
    rows = []
    for r in result.rows:
        if r["meets_targets"]:
            rows.append([r["name"], fmt(r["energy_per_bit"], ".4g", 1e15), fmt(r["channel_energy"], ".3g", 1e15),
                         fmt(r["write_current"], ".4g", 1e6), fmt(r["pulse_width"], ".3g", 1e9),
                         fmt(r["write_latency"], ".3g", 1e9), fmt(r["cell_area"], ".3g", 1e12),
                         _wer_cell(r), fmt(r["ratio_to_reference"], ".3g"),
                         fmt(r["advantage"], ".3g")])
        else:
            rows.append([r["name"], "-", "-", "-", "-", "-", "-", "-", "-", "-"])
    echo_table(["design", "E (fJ)", "E_chan (fJ)", "I (uA)", "t_p (ns)", "latency (ns)", "area (um^2)", "WER",
                "E/E_ref", "advantage"], rows)
    if any(r.get("wer_resolved") is False for r in result.rows if r["meets_targets"]):
        click.echo("  * WER re-check not resolved to 10 % (one standard error)")
    for r in result.rows:
        if not r["meets_targets"]:
            click.echo(f"  {r['name']}: cannot meet the targets: {r['reason']}")
    if "map" in out:
        click.echo("")
        click.echo(out["map"]["statement"])
    if "scaling" in out:
        click.echo("")
        click.echo("Scaling (lateral size)" + (" [partial: interrupted]" if out["scaling"].get("interrupted")
                                                else "") + ":")
        for name, rows_ in (out["scaling"].get("designs") or {}).items():
            parts = [f"{r['size'] * 1e9:.0f} nm: " + (f"{r['energy_per_bit'] * 1e15:.3g} fJ" if r["meets_targets"]
                                                      else "not met") for r in rows_]
            click.echo(f"  {name}: " + "; ".join(parts))
