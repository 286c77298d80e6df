"""CLI subcommands ``array`` and ``workload`` (memory arrays and AI workloads; docs/memory.md). A thin
layer over :mod:`spinloss.arrays`.

Exit codes: 0 success; 2 bad input (one line ``spinloss: error: FILE: KEY: rule``); 130 interrupted.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from ..errors import ConfigError
from .common import CLI_SOURCE, SEED, echo_table, emit_json, fmt, info, json_option, progress_for, quantity

#: The keyword that names the published 6T SRAM cell instead of a file.
SRAM_KEYWORD = "sram"


def _array_options(capacity, node, word, temperature, routing, target, buffer_design, no_column_buffer, cell_kind,
                   conventions="spinloss"):
    from ..arrays.model import CONVENTIONS, TARGETS, ArrayOptions
    from ..arrays.workloads import parse_capacity, parse_node

    bits = parse_capacity(capacity, source=CLI_SOURCE, key="--capacity")
    node = parse_node(node, source=CLI_SOURCE, key="--node")
    if isinstance(word, bool) or word < 1 or word & (word - 1) or word > bits:
        raise ConfigError(CLI_SOURCE, "--word", "must be a power of two (bits) no larger than the capacity")
    T = quantity(temperature, "temperature", "--temperature")
    if not (math.isfinite(T) and 300.0 <= T <= 400.0):
        raise ConfigError(CLI_SOURCE, "--temperature", "must be within 300-400 K (the node tables)")
    if target not in TARGETS:
        raise ConfigError(CLI_SOURCE, "--target", f"must be one of {', '.join(TARGETS)}")
    if conventions not in CONVENTIONS:
        raise ConfigError(CLI_SOURCE, "--conventions", f"must be one of {', '.join(CONVENTIONS)}")
    routing = routing or ("bus" if cell_kind == "sram" else "htree")
    opts = ArrayOptions(capacity_bits=bits, word_bits=word, routing=routing, buffer_design=buffer_design,
                        column_buffer=not no_column_buffer, target=target,
                        conventions=conventions).validated(CLI_SOURCE)
    return opts, node, float(T)


def load_cell(spec: str, tech, *, target_wer, retention, design_temperature, fast, full, seed, progress):
    """The cell named on the command line: ``sram`` (the 6T cell), a design JSON (``spinloss design
    --json``), a TOML with a ``[memory_cell]`` table (explicit parameters) or a cell/device file (run
    through the design search). Returns (cell, input files, description)."""
    from ..arrays.memcell import cell_from_design, cell_from_table, sram_6t
    from ..arrays.workloads import design_cell
    from ..config import read_toml

    if spec.lower() == SRAM_KEYWORD and not Path(spec).exists():
        return sram_6t(tech), [], "6T SRAM cell (CACTI/NVSim published numbers)"
    p = Path(spec)
    if not p.exists():
        raise ConfigError(spec, None, "file not found (give a design JSON, a cell TOML, or 'sram')")
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(p.read_text())
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise ConfigError(spec, None, f"not a JSON file ({exc})") from None
        return cell_from_design(data, tech, source=spec), [spec], "design result"
    raw = read_toml(p)
    if "memory_cell" in raw:
        extra = set(raw) - {"memory_cell", "name"}
        if extra:
            raise ConfigError(spec, sorted(extra)[0], "a memory-cell file holds only name and [memory_cell]")
        table = dict(raw["memory_cell"]) if isinstance(raw["memory_cell"], dict) else raw["memory_cell"]
        if not isinstance(table, dict):
            raise ConfigError(spec, "memory_cell", "must be a table")
        if "name" in raw and "name" not in table:
            table["name"] = raw["name"]
        return cell_from_table(table, tech, source=spec, prefix="memory_cell"), [spec], "explicit cell parameters"
    if fast and full:
        raise ConfigError(CLI_SOURCE, "--fast/--full", "give at most one of them")
    from ..cells.design import Targets
    from ..config import parse_scalar_text

    try:   # the targets are checked, and blamed on their options, before the (slow) design search
        Targets.parse(write_error_rate=parse_scalar_text(str(target_wer)), retention=parse_scalar_text(str(retention)),
                      temperature=parse_scalar_text(str(design_temperature)), source=CLI_SOURCE)
    except ConfigError as exc:
        option = {"write_error_rate": "--target-wer", "retention": "--retention",
                  "temperature": "--design-temperature"}.get(exc.key, exc.key)
        raise ConfigError(CLI_SOURCE, option, exc.rule) from None
    search = "fast" if fast else "full" if full else "standard"
    cell = design_cell(p, tech, target_wer=target_wer, retention=retention, design_temperature=design_temperature,
                       search=search, source=CLI_SOURCE, key="CELL", seed=seed, progress=progress)
    return cell, [spec], f"design search ({search} settings, WER {target_wer})"


@click.command()
@click.argument("cell_spec", metavar="CELL_OR_DESIGN")
@click.option("--capacity", default="2MB", show_default=True, help='Capacity, e.g. "2MB", "512KB", "16Mb".')
@click.option("--node", default="22nm", show_default=True, help="Technology node (22nm, 32nm, 45nm; ITRS LOP).")
@click.option("--word", "word", default=64, show_default=True, type=int, help="Bits per access.")
@click.option("--temperature", "-T", default="350 K", show_default=True, help="Operating temperature of the array.")
@click.option("--routing", type=click.Choice(["htree", "bus"]), default=None,
              help="htree (sense amplifiers in the subarrays; MRAM default) or bus (global bit lines; SRAM default).")
@click.option("--target", default="read_latency", show_default=True,
              help="What the organisation search minimises: read_latency, write_latency, read_energy, "
                   "write_energy, read_edp, write_edp, area, leakage.")
@click.option("--buffer-design", type=click.Choice(["balanced", "latency", "best"]), default="balanced",
              show_default=True, help="Word-line drivers: balanced (as small as the current allows; the validated "
                                      "setting), latency (logical effort) or best (both tried).")
@click.option("--no-column-buffer", is_flag=True, help="Leave out the per-column latch and XOR of the reference.")
@click.option("--conventions", default="spinloss", show_default=True,
              help="Modelling conventions: spinloss (this package's model) or nvsim (NVSim's assumptions, as in "
                   "the NVMExplorer validation; docs/memory.md section 6).")
@click.option("--target-wer", default="1e-9", show_default=True, help="Design search: write error rate target.")
@click.option("--retention", default="10 years", show_default=True, help="Design search: retention target.")
@click.option("--design-temperature", default="358 K", show_default=True, help="Design search: temperature.")
@click.option("--fast", is_flag=True, help="Design search: coarse settings.")
@click.option("--full", is_flag=True, help="Design search: publication settings (slow).")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Design search: random seed.")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@json_option
def array(cell_spec, capacity, node, word, temperature, routing, target, buffer_design, no_column_buffer,
          conventions, target_wer, retention, design_temperature, fast, full, seed, quiet, as_json):
    """Area, latency, energy per access and leakage of a memory array of CELL_OR_DESIGN.

    CELL_OR_DESIGN is 'sram' (the published 6T cell), a design result (`spinloss design --json`
    output), a TOML with a [memory_cell] table (explicit parameters), or a cell file that is first
    run through the design search (with --target-wer, --retention, --fast ...). The organisation
    (mats, subarrays, multiplexing) is searched for the least --target.

    \b
    Examples:
      spinloss array sram --capacity 2MB --json
      spinloss array sram --conventions nvsim
      spinloss array examples/designs/stt_mtj_fast.json
      spinloss array examples/pt_cofeb_cell.toml --fast --target-wer 1e-4
    """
    from ..arrays.model import design_array
    from ..arrays.technology import technology
    from ..arrays.workloads import parse_node

    node_name = parse_node(node, source=CLI_SOURCE, key="--node")
    T = quantity(temperature, "temperature", "--temperature")
    if not (math.isfinite(T) and 300.0 <= T <= 400.0):
        raise ConfigError(CLI_SOURCE, "--temperature", "must be within 300-400 K (the node tables)")
    tech = technology(node_name, float(T))
    progress = progress_for(as_json, quiet)
    # the options that do not need the cell are checked before any (slow) design search
    _array_options(capacity, node, word, temperature, routing or "htree", target, buffer_design, no_column_buffer,
                   None, conventions)
    cell, inputs, origin = load_cell(cell_spec, tech, target_wer=target_wer, retention=retention,
                                     design_temperature=design_temperature, fast=fast, full=full, seed=seed,
                                     progress=progress)
    opts, _, _ = _array_options(capacity, node, word, temperature, routing, target, buffer_design,
                                no_column_buffer, cell.kind, conventions)
    result = design_array(cell, tech, opts, progress=progress)
    out = result.to_json()
    out["origin"] = origin
    if as_json:
        emit_json(out, inputs=inputs, seeds={"seed": seed})
        return
    _print_array(out)


def _print_array(r: dict) -> None:
    o = r["organisation"]
    c = r["cell"]
    click.echo(f"{c['name']} ({c['kind']}): {r['capacity_bits'] // 8 // 1024} KB in {r['word_bits']}-bit words, "
               f"{r['node']} at {r['temperature']:.0f} K, {r['options']['routing']} routing; "
               f"optimised for {r['options']['target']}; {r['options']['conventions']['name']} conventions")
    rows = [["area", fmt(r["area"], ".4g", 1e6), "mm^2"],
            ["area efficiency (cells / total)", fmt(r["area_efficiency"], ".3g", 100), "%"],
            ["read latency", fmt(r["read_latency"], ".4g", 1e9), "ns"],
            ["write latency", fmt(r["write_latency"], ".4g", 1e9), "ns"],
            ["read energy per access", fmt(r["read_energy"], ".4g", 1e12), "pJ"],
            ["write energy per access", fmt(r["write_energy"], ".4g", 1e12), "pJ"],
            ["leakage (powered)", fmt(r["leakage"], ".4g", 1e3), "mW"],
            ["standby leakage (data kept)", fmt(r["standby_leakage"], ".4g", 1e3), "mW"]]
    echo_table(["quantity", "value", "unit"], rows, align="lrl")
    click.echo(f"  organisation: {o['mat_rows']} x {o['mat_cols']} mats ({o['active_mat_rows']} x "
               f"{o['active_mat_cols']} active), {o['sub_rows']} x {o['sub_cols']} subarrays per mat, "
               f"{o['rows']} rows x {o['columns']} columns, mux {o['mux']} x {o['output_mux']}")


@click.command()
@click.argument("workload_file", metavar="WORKLOAD.toml")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@json_option
def workload(workload_file, quiet, as_json):
    """Memory energy of a network's weights held in arrays of each technology of WORKLOAD.toml.

    Per inference (weight reads, compute at the file's energy per MAC), per on-device update
    (writes), over an edge duty cycle (MRAM switched off between inferences, SRAM kept powered or
    reloaded), and the share of the system energy the memory technology changes.

    \b
    Examples:
      spinloss workload examples/workload_resnet18.toml
      spinloss workload examples/workload_transformer.toml --json
    """
    from ..arrays.workloads import load_workload, resolve_technologies, run_workload

    progress = progress_for(as_json, quiet)
    work = load_workload(workload_file)
    techs = resolve_technologies(work, progress=progress)
    result = run_workload(work, techs, progress=progress)
    out = result.to_json()
    base = Path(workload_file).parent
    inputs = [workload_file] + [str(base / e["design"]) for e in work.entries if "design" in e] \
        + [str(base / e["device"]) for e in work.entries if "device" in e]
    if as_json:
        emit_json(out, inputs=inputs)
        return
    _print_workload(out)


def _print_workload(r: dict) -> None:
    n = r["network"]
    s = r["settings"]
    click.echo(f"{r['name']}: {n['description']}; {n['parameters']:,} parameters at {s['precision_bits']} bits "
               f"({s['weight_bits'] / 8 / 2 ** 20:.2f} MB), {n['macs'] / 1e9:.3g} GMAC per inference; "
               f"{s['capacity_bits'] // 8 // 1024} KB macros, {s['node']}")
    rows = []
    for t in r["technologies"]:
        inf, upd, duty = t["inference"], t["update"], t["duty_cycle"]
        rows.append([t["name"], str(t["macros"]), fmt(t["total_area"], ".3g", 1e6),
                     fmt(inf["read_energy"], ".3g", 1e6), fmt(inf["energy"], ".3g", 1e6), fmt(inf["time"], ".3g", 1e3),
                     fmt(upd["energy"], ".3g", 1e6), fmt(upd["time"], ".3g", 1e3),
                     fmt(duty["average_power"], ".3g", 1e6) if duty else "-",
                     f"{100 * (duty['memory_share'] if duty else t['system']['memory_share']):.1f}",
                     f"{100 * t['system']['change_vs_reference']:+.1f}"])
    echo_table(["technology", "macros", "area (mm^2)", "E_read (uJ)", "E_inf (uJ)", "t_inf (ms)", "E_upd (uJ)",
                "t_upd (ms)", "P_avg (uW)", "memory (%)", f"vs {r['reference']} (%)"], rows)
    for line in r["statements"]:
        info(f"  {line}", as_json=False)
