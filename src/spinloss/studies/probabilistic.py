"""Headline study, probabilistic section: p-bits calibrated from the device, a p-computer solving
Max-Cut, and what a random bit, a sample and a solution cost (issue 11 item 6; docs/pbits.md).

p-bits (examples/pbit/): the same low-barrier Py ellipse (Delta ~ 3 at 300 K) driven by the
spin-loss torque of a NiO cap (py_nio_pbit.toml) and by the spin Hall current of Pt
(pt_py_pbit.toml). Each is calibrated with a current input (:func:`spinloss.pbits.calibration.calibrate`:
batched sLLG with alpha_eff and Joule heating; the MTJ read energy from the file's ``[readout]``)
with **fast settings** (:data:`FAST`: fewer inputs, devices and a shorter run per input than the
command's defaults), so the numbers are demo-grade: the correlation time to ~15 % (the table's
standard error, :func:`correlation_time_uncertainty`), the sigmoid width to ~5-7 % (its fit's),
the energy per random bit to ~15-20 % (docs/pbits.md "In the demo"), against the full-grade
calibration of docs/pbits.md section 4.

Max-Cut: G1 of the G-set (800 vertices, 19176 edges, best known 11624; ``spinloss/data/gset``)
annealed with the defaults of ``spinloss pbit maxcut`` (:mod:`spinloss.pbits.maxcut`), once per
p-bit with the same seed: the run (cuts, sweeps) is the same, the device sets the time and energy
to solution (:class:`spinloss.pbits.sampler.DeviceTiming`: a sweep is n_colours tau_c, every
p-bit of every replica draws E_bit per tau_c).

Table (one row per p-bit; SI in the rows, :data:`PBIT_SCALE` the display factors): the sigmoid
width x_s, the correlation time tau_c and flip rate at the sigmoid's centre, the drive current,
the drive and read energies and their sum, the energy per random bit; the energy per sample
(one sweep of the G1 network, one replica); the time and energy to solution on G1.

Hook for the AI-memory half (issue 11 item 5): the section is a list of *parts*
(:data:`PARTS`), each a function ``part(context) -> dict`` with ``key``, ``title``, ``table``
(rows in SI), ``columns`` (headers with the unit as shown), ``scale``, ``files`` ({label: path}),
``checks``, ``text`` ({"statement", "summary", "conclusion"}: paragraphs, any may be missing) and
``data`` (what goes into the section's JSON under ``parts.KEY``); :func:`pbit_part` is the first.
The first part's table is the section's ``table``; every further part's goes into
``more_sections``, which the report renders as a section of its own with the same unit rules
(:func:`spinloss.report.write_demo_report`). An energy-per-inference table per memory
technology is the second entry in :data:`PARTS` (:func:`memory_part`).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..cells.cell import mtj_read_numbers
from ..errors import SpinlossInputError
from ..progress import note
from .provenance import unique_inputs, write_json

#: p-bit key -> (file under examples/pbit/, label, half-range of the current input (A/m^2, in the
#: torque reference layer)). The ranges are those of the full-grade calibration of docs/pbits.md
#: section 4 (about +-1.3 x_s for Py/NiO, +-2.2 x_s for Pt/Py), so the demo's numbers compare with
#: that table; the reference p-bit is the last.
PBITS = {"py_nio": ("py_nio_pbit.toml", "Py/NiO spin-loss p-bit", 6e12),
         "pt_py": ("pt_py_pbit.toml", "Pt/Py heavy-metal p-bit", 6e11)}
REFERENCE = "pt_py"
#: The shipped G-set graph of the Max-Cut part.
GRAPH = "G1"


@dataclass(frozen=True)
class ProbabilisticSettings:
    """Settings of the section: ``inputs`` current values per p-bit (odd: zero is one of them),
    ``devices`` per input, ``duration`` (s) of each sLLG run, Max-Cut ``sweeps`` and ``replicas``
    (None: the defaults of ``spinloss pbit maxcut``), one ``seed`` for both."""

    inputs: int = 7
    devices: int = 16
    duration: float = 300e-9
    sweeps: int | None = None
    replicas: int | None = None
    seed: int = 0
    name: str = "fast"


#: The demo's fast settings: 7 inputs x 16 devices x 300 ns per p-bit (the command's defaults are
#: 16 devices x 1 us per input, docs/pbits.md section 4: the run here is ~1/4 of it per input, so
#: the statistical errors are ~2x larger); Max-Cut with the command's defaults.
FAST = ProbabilisticSettings()

#: Column key -> header of the p-bit table (the unit as shown, after :data:`PBIT_SCALE`).
PBIT_COLUMNS = {"device": "p-bit", "reference_layer": "J in",
                "sigmoid_width": "sigmoid width x_s (A/m^2)",
                "sigmoid_width_uncertainty": "x_s s.e. (A/m^2)",
                "correlation_time": "tau_c at x0 (ns)", "correlation_time_uncertainty": "tau_c s.e. (ns)",
                "flip_rate": "flip rate at x0 (1/us)",
                "drive_current": "drive current (uA)", "drive_energy": "E drive (fJ)",
                "read_energy": "E read (fJ)", "energy_per_random_bit": "E per random bit (fJ)",
                "energy_per_sample": f"E per {GRAPH} sample (pJ)",
                "time_to_solution": f"{GRAPH} time to solution (us)",
                "energy_to_solution": f"{GRAPH} energy to solution (nJ)",
                "energy_ratio_to_reference": "E / E(Pt/Py) (ratio)"}
#: Display factor from SI of the p-bit table's columns.
PBIT_SCALE = {"correlation_time": 1e9, "correlation_time_uncertainty": 1e9, "flip_rate": 1e-6,
              "drive_current": 1e6, "drive_energy": 1e15, "read_energy": 1e15, "energy_per_random_bit": 1e15,
              "energy_per_sample": 1e12, "time_to_solution": 1e6, "energy_to_solution": 1e9}
#: SI unit of every numeric key of a p-bit row (the section's JSON).
PBIT_UNITS = {"sigmoid_width": "A/m^2", "sigmoid_width_uncertainty": "A/m^2", "sigmoid_centre": "A/m^2",
              "sigmoid_reduced_chi2": "1", "correlation_time": "s", "correlation_time_uncertainty": "s",
              "flip_rate": "1/s", "drive_current": "A", "drive_energy": "J", "read_power": "W", "read_energy": "J",
              "energy_per_random_bit": "J", "energy_per_sample": "J", "time_to_solution": "s",
              "energy_to_solution": "J", "energy_ratio_to_reference": "1", "damping_like_efficiency": "1",
              "channel_resistance": "Ohm", "peak_temperature": "K", "input_half_range": "A/m^2", "cut": "1",
              "cut_fraction": "1", "solution_sweep": "1"}


# ============================================================================ the section


def probabilistic_section(output_dir, examples_dir, *, progress=None, settings: ProbabilisticSettings = FAST) -> dict:
    """Run the probabilistic section into ``output_dir/probabilistic/`` (module docstring); returns
    {"title", "table", "columns", "scale", "statement", "summary", "conclusion", "files", "checks",
    "warnings", "more_sections", "seconds"} (:mod:`spinloss.studies` contract). Times in s."""
    t0 = time.perf_counter()
    out = Path(output_dir) / "probabilistic"
    out.mkdir(parents=True, exist_ok=True)
    ex = Path(examples_dir) / "pbit"
    missing = [f for f, _, _ in PBITS.values() if not (ex / f).is_file()]
    if missing:
        raise SpinlossInputError(None, "examples_dir", f"{str(ex)!r} lacks the example p-bits {', '.join(missing)}")
    context = {"out": out, "examples": ex, "settings": settings, "progress": progress}
    parts = [part(context) for part in PARTS]
    main = parts[0]
    files = {}
    for p in parts:
        files.update(p["files"])
    data = {"settings": asdict(settings), "parts": {p["key"]: p["data"] for p in parts}}
    inputs = unique_inputs([ex / f for f, _, _ in PBITS.values()] + [i for p in parts for i in p.get("inputs", ())])
    seeds = {"seed": settings.seed}
    path = out / "probabilistic.json"
    write_json(path, data, inputs=inputs, seeds=seeds, indent=2, allow_nan=False)
    files["probabilistic_table"] = str(path)
    return {"title": "Probabilistic computing and AI memory: p-bits from the device, Max-Cut on G1, "
                     "ResNet-18 weights in each memory technology (fast settings)",
            "table": main["table"], "columns": main["columns"], "scale": main["scale"], **_texts(main),
            "files": files, "checks": main["checks"], "warnings": [w for p in parts for w in p.get("warnings", [])],
            "inputs": inputs, "seeds": seeds,
            "more_sections": [{"title": p["title"], "table": p["table"], "columns": p["columns"],
                               "scale": p["scale"], **_texts(p), "files": p["files"]} for p in parts[1:]],
            "seconds": time.perf_counter() - t0}


#: The paragraphs of a part, in the order the report shows them (:func:`spinloss.report._generic_section`).
TEXT_KEYS = ("statement", "summary", "conclusion")


def _texts(part) -> dict:
    return {k: part["text"][k] for k in TEXT_KEYS if isinstance(part.get("text", {}).get(k), str)}


# ============================================================================ part 1: p-bits


def calibrate_pbits(context) -> dict:
    """Calibrate every p-bit of :data:`PBITS` with a current input over +-half-range
    (``settings.inputs`` values); returns key -> (device, CalibrationResult)."""
    from ..device import Device
    from ..pbits.calibration import calibrate

    s = context["settings"]
    out = {}
    for key, (fname, label, half) in PBITS.items():
        dev = Device.from_toml(context["examples"] / fname)
        note(context["progress"], "probabilistic",
             f"calibrating the {label}: {s.inputs} currents in +-{half:.3g} A/m^2 x {s.devices} devices x "
             f"{s.duration * 1e9:.0f} ns")
        cal = calibrate(dev, input="current", values=np.linspace(-half, half, s.inputs), duration=s.duration,
                        devices=s.devices, seed=s.seed, readout=mtj_read_numbers(dev), progress=context["progress"])
        out[key] = (dev, cal)
    return out


def solve_maxcut(context, calibrations: dict) -> dict:
    """Max-Cut of :data:`GRAPH` with the command's defaults (or ``settings.sweeps``/``replicas``),
    once per p-bit with its device numbers (the same seed: the same run); key -> MaxCutResult."""
    from ..pbits.maxcut import DEFAULT_REPLICAS, DEFAULT_SWEEPS, GSET_DIR, maxcut

    s = context["settings"]
    sweeps = s.sweeps or DEFAULT_SWEEPS
    replicas = s.replicas or DEFAULT_REPLICAS
    out = {}
    for key, (_, cal) in calibrations.items():
        note(context["progress"], "probabilistic",
             f"Max-Cut on {GRAPH}: {sweeps} sweeps x {replicas} replicas, timed by the {PBITS[key][1]}")
        res = maxcut(GSET_DIR / f"{GRAPH}.txt", sweeps=sweeps, replicas=replicas, seed=s.seed, timing=cal.timing(),
                     progress=context["progress"])
        res.graph = GRAPH     # the shipped graph by name: no local path in the outputs
        out[key] = res
    return out


def correlation_time_uncertainty(cal) -> float:
    """Standard error (s) of the correlation time at the sigmoid's centre: Sokal's estimate
    var(tau_int) ~ 2 (2M + 1) / n tau_int^2 for n records summed up to the window M (Madras and
    Sokal, J. Stat. Phys. 50, 109 (1988); A. Sokal, Cargese lectures 1996, eq. 3.19), with the
    window M = 5 tau_int / dt_r of :func:`spinloss.pbits.calibration.integrated_autocorrelation`
    and n = D (duration - burn-in) / dt_r records over the D independent devices of an input."""
    from ..pbits.calibration import SOKAL_WINDOW

    st = cal.settings
    tau = cal.centre["correlation_time"]
    dt = st["record_interval"]
    n = st["devices"] * (st["duration"] - st["burn_in"]) / dt
    window = SOKAL_WINDOW * tau / dt
    return tau * math.sqrt(2.0 * (2.0 * window + 1.0) / n)


def pbit_row(key, device, cal, mc) -> dict:
    """One row of the p-bit table (SI; :data:`PBIT_UNITS`)."""
    e = cal.energy
    sig = cal.sigmoid or {}
    timing = cal.timing()
    r = mc.run
    sample_energy = timing.run_energy(timing.sweep_time(r.update, r.n_colours, r.n_free), mc.vertices)
    tq = device.torque()
    material = device.stack.layer(tq.reference_layer).material.name
    return {"key": key, "device": PBITS[key][1], "reference_layer": material,
            "damping_like_efficiency": tq.damping_like_efficiency, "input_half_range": PBITS[key][2],
            "sigmoid_width": sig.get("x_s"), "sigmoid_width_uncertainty": sig.get("x_s_uncertainty"),
            "sigmoid_centre": sig.get("x0"), "sigmoid_reduced_chi2": sig.get("reduced_chi2"),
            "correlation_time": cal.centre["correlation_time"],
            "correlation_time_uncertainty": correlation_time_uncertainty(cal),
            "flip_rate": cal.centre["flip_rate"],
            "drive_current": e.get("drive_current"), "channel_resistance": e.get("channel_resistance"),
            "drive_energy": e.get("drive_energy"), "read_power": e.get("read_power"),
            "read_energy": e.get("read_energy"),
            "energy_per_random_bit": cal.energy_per_flip, "energy_per_sample": sample_energy,
            "peak_temperature": e.get("peak_temperature"),
            "cut": mc.cut, "cut_fraction": mc.cut / mc.best_known_cut if mc.best_known_cut else None,
            "solution_sweep": int(mc.convergence["solution_sweep"]),
            "time_to_solution": mc.time_to_solution, "energy_to_solution": mc.energy_to_solution}


def _ratio(a, b):
    return a / b if a is not None and b else None


def _joules(v: float) -> str:
    """An energy (J) with the prefix that puts it in [1, 1000) (aJ to J)."""
    for factor, unit in ((1e18, "aJ"), (1e15, "fJ"), (1e12, "pJ"), (1e9, "nJ"), (1e6, "uJ"), (1e3, "mJ")):
        if abs(v) * factor < 1000:
            return f"{v * factor:.3g} {unit}"
    return f"{v:.3g} J"


#: A calibration warning about an input whose correlation time the record interval does not
#: resolve (calibration.calibrate): summarized in the section's text, listed in its JSON.
UNRESOLVED = "does not resolve the correlation time"


def warnings_text(cals: dict) -> str:
    """The calibration warnings in one sentence: the unresolved-correlation-time ones counted per
    p-bit (with whether the centre's tau_c is resolved), the others quoted."""
    parts = []
    for key, (_, cal) in cals.items():
        label = PBITS[key][1]
        unresolved = [w for w in cal.warnings if UNRESOLVED in w]
        parts.extend(f"{label}: {w}" for w in cal.warnings if UNRESOLVED not in w)
        if unresolved:
            resolved = cal.centre["correlation_time"] > cal.settings["record_interval"]
            parts.append(f"{label}: the record interval does not resolve the correlation time at "
                         f"{len(unresolved)} of its {cal.inputs.size} inputs (upper bounds there"
                         + ("; resolved at the centre" if resolved else "; not at the centre either") + ")")
    return "; ".join(parts)


def reading(rows: list) -> str:
    """One line: which p-bit costs less per random bit (and so to solution) and why, from the
    rows' own numbers (the drive current and energy, the read energy, the correlation time)."""
    known = [r for r in rows if r["energy_per_random_bit"] is not None]
    if len(known) < 2:
        return "No comparison: the energy per random bit of a p-bit is unknown (no sigmoid fit or no readout)."
    order = sorted(known, key=lambda r: r["energy_per_random_bit"])
    cheap, dear = order[0], order[-1]
    text = (f"The {cheap['device']} costs less: {_joules(cheap['energy_per_random_bit'])} per random bit against "
            f"{_joules(dear['energy_per_random_bit'])} for the {dear['device']} "
            f"({dear['energy_per_random_bit'] / cheap['energy_per_random_bit']:.3g}x)")
    if cheap["energy_to_solution"] and dear["energy_to_solution"]:
        text += (f", and {_joules(cheap['energy_to_solution'])} against {_joules(dear['energy_to_solution'])} "
                 f"to solve {GRAPH}")
    de = _ratio(dear["drive_energy"], cheap["drive_energy"])
    re_ = _ratio(dear["read_energy"], cheap["read_energy"])
    tau = _ratio(dear["correlation_time"], cheap["correlation_time"])
    if de is not None and (re_ is None or abs(math.log(de)) >= abs(math.log(re_))):
        text += (f"; the difference is the drive: one sigmoid width takes {dear['drive_current'] * 1e6:.3g} uA "
                 f"through {dear['channel_resistance']:.3g} Ohm (|xi_DL| {abs(dear['damping_like_efficiency']):.2g}, "
                 f"J in {dear['reference_layer']}) against {cheap['drive_current'] * 1e6:.3g} uA through "
                 f"{cheap['channel_resistance']:.3g} Ohm (|xi_DL| {abs(cheap['damping_like_efficiency']):.2g}, "
                 f"J in {cheap['reference_layer']}), so I^2 R tau_c is {de:.3g}x larger "
                 f"({_joules(dear['drive_energy'])} against {_joules(cheap['drive_energy'])})")
        if re_ is not None:
            text += f", while the MTJ read costs {_joules(dear['read_energy'])} and {_joules(cheap['read_energy'])}"
            if dear["read_power"] and math.isclose(dear["read_power"], cheap["read_power"], rel_tol=1e-9):
                text += (f" (the same read power {dear['read_power'] * 1e6:.3g} uW over tau_c "
                         f"{dear['correlation_time'] * 1e9:.3g} and {cheap['correlation_time'] * 1e9:.3g} ns)")
    elif tau is not None:
        text += f"; its correlation time is {1 / tau:.3g}x that of the {dear['device']}"
    return text + "."


def pbit_part(context) -> dict:
    """Part 1 of the section: calibrate both p-bits, their sigmoid figures, Max-Cut on G1 (the
    convergence figure), the p-bit table and its reading."""
    from ..pbits.maxcut import GSET_DIR
    from ..plots import pbits as pbit_plots

    out, s = context["out"], context["settings"]
    cals = calibrate_pbits(context)
    mcs = solve_maxcut(context, cals)
    files = {}
    for key, (_, cal) in cals.items():
        files[f"sigmoid_{key}"] = str(pbit_plots.sigmoid_figure(cal.to_json(), out / f"pbit_sigmoid_{key}.png"))
    ref_mc = mcs[REFERENCE]
    files["maxcut_convergence"] = str(pbit_plots.maxcut_figure(ref_mc.to_json(), out / f"maxcut_{GRAPH}.png"))
    rows = [pbit_row(k, cals[k][0], cals[k][1], mcs[k]) for k in PBITS]
    ref = next(r for r in rows if r["key"] == REFERENCE)
    for r in rows:
        r["energy_ratio_to_reference"] = _ratio(r["energy_per_random_bit"], ref["energy_per_random_bit"])
    warnings = [f"{PBITS[k][1]}: {w}" for k, (_, cal) in cals.items() for w in cal.warnings]
    warn_text = warnings_text(cals)
    frac = ref["cut_fraction"]
    r0 = ref_mc.run
    maxcut_text = (f"Max-Cut on {GRAPH} ({ref_mc.vertices} vertices, {ref_mc.edges} edges; {r0.sweeps} sweeps x "
                   f"{r0.replicas} replicas, {r0.update} updates over {r0.n_colours} colours, schedule "
                   f"{r0.schedule.text()}, seed {r0.seed}): cut {ref_mc.cut:.0f}"
                   + (f" = {100 * frac:.2f} % of the best known {ref_mc.best_known_cut:.0f}" if frac else "")
                   + f", first held after sweep {ref['solution_sweep']}; {r0.updates:.3g} p-bit updates in "
                     f"{r0.wall_time:.2g} s of wall time. The run is the same for both p-bits (same seed); the "
                     "device sets the time to solution (sweeps x colours x tau_c) and the energy (every p-bit of "
                     "every replica draws E per random bit each tau_c); a sample is one sweep of the network.")
    settings_text = (f"Fast settings, demo-grade numbers: each p-bit calibrated with {s.inputs} DC currents "
                     f"x {s.devices} devices x {s.duration * 1e9:.0f} ns of sLLG at 300 K (heating followed, seed "
                     f"{s.seed}; the command's defaults are 16 devices x 1 us per input, docs/pbits.md section 4), "
                     "x_s and tau_c at the centre x0 of the tanh fit; J is the current density in the layer "
                     "named (Py for spin loss, Pt for the heavy metal); the sign of x_s is that of the torque.")
    if warn_text:
        settings_text += f" Calibration warnings (all in probabilistic.json): {warn_text}."
    checks = {"maxcut_cut_fraction": frac,
              "maxcut_same_run_for_both_pbits": len({mc.cut for mc in mcs.values()}) == 1
              and len({int(mc.convergence["solution_sweep"]) for mc in mcs.values()}) == 1,
              "sigmoid_fitted": all(cal.sigmoid is not None for _, cal in cals.values()),
              "cheaper_pbit": min((r for r in rows if r["energy_per_random_bit"] is not None),
                                  key=lambda r: r["energy_per_random_bit"], default={"key": None})["key"]}
    data = {"rows": rows, "units": PBIT_UNITS, "graph": GRAPH, "reference": REFERENCE,
            "calibrations": {k: cal.to_json() for k, (_, cal) in cals.items()},
            "maxcut": {k: mc.to_json() for k, mc in mcs.items()}, "warnings": warnings, "checks": checks}
    return {"key": "pbits", "title": "p-bits and Max-Cut", "table": rows, "columns": dict(PBIT_COLUMNS),
            "inputs": [context["examples"] / f for f, _, _ in PBITS.values()] + [GSET_DIR / f"{GRAPH}.txt"],
            "scale": dict(PBIT_SCALE), "files": files, "checks": checks, "warnings": warnings, "data": data,
            "text": {"statement": settings_text, "summary": maxcut_text, "conclusion": reading(rows)}}


# ============================================================================ part 2: AI memory

#: The workload of the memory part (examples/, docs/memory.md section 7): ResNet-18 at 8 bits in
#: 2 MB macros at 22 nm, one inference per second, one update per day; its MRAM cells are the
#: shipped design results (examples/designs/*_fast.json: fast search settings, WER 1e-4).
WORKLOAD = "workload_resnet18.toml"

#: Column key -> header (unit as shown after :data:`MEMORY_SCALE`) of the memory part's table.
MEMORY_COLUMNS = {"technology": "memory technology", "total_area": "area (mm^2)",
                  "read_energy": "weight reads per inference (uJ)", "inference_energy": "memory + compute per inference (uJ)",
                  "inference_time": "inference time (ms)", "update_energy": "energy per update (uJ)",
                  "average_power": "average power (uW)", "memory_share": "memory share of system energy (%)",
                  "change_vs_reference": "vs SRAM (%)"}
MEMORY_SCALE = {"total_area": 1e6, "read_energy": 1e6, "inference_energy": 1e6, "inference_time": 1e3,
                "update_energy": 1e6, "average_power": 1e6, "memory_share": 100.0, "change_vs_reference": 100.0}
MEMORY_UNITS = {"total_area": "m^2", "read_energy": "J", "inference_energy": "J", "inference_time": "s",
                "update_energy": "J", "average_power": "W", "memory_share": "1", "change_vs_reference": "1"}


def memory_part(context) -> dict:
    """Part 2: the energy per inference of a ResNet-18 held in each memory technology
    (:func:`spinloss.arrays.workloads.run_workload` on :data:`WORKLOAD`), with the statements of
    the workload model (which technology needs least energy per inference, per update, per period)."""
    from ..arrays.workloads import load_workload, run_workload

    path = Path(context["examples"]).parent / WORKLOAD
    if not path.is_file():
        raise SpinlossInputError(None, "examples_dir", f"{str(path.parent)!r} lacks the workload {WORKLOAD}")
    progress = context["progress"]
    note(progress, "probabilistic", f"AI memory: {WORKLOAD} in each memory technology ...")
    res = run_workload(load_workload(path), progress=None)
    rows = []
    for t in res.technologies:
        rows.append({"technology": t["name"], "total_area": t["total_area"],
                     "read_energy": t["inference"]["read_energy"], "inference_energy": t["inference"]["energy"],
                     "inference_time": t["inference"]["time"], "update_energy": t["update"]["energy"],
                     "average_power": t["duty_cycle"]["average_power"], "memory_share": t["system"]["memory_share"],
                     "change_vs_reference": t["system"]["change_vs_reference"]})
    out = context["out"]
    data_path = out / "workload_resnet18.json"
    inputs = [path] + workload_files(path)
    write_json(data_path, res.to_json(), inputs=inputs, seeds={"seed": context["settings"].seed}, indent=2,
               allow_nan=False)
    net = res.network
    statement = (f"{res.name}: {net.get('parameters', 0):,} weights at {res.settings['precision_bits']} bits, "
                 f"{net.get('macs', 0) / 1e9:.3g} GMAC per inference, in "
                 f"{res.settings['capacity_bits'] // 8 // 2 ** 20} MB macros at {res.settings['node']} "
                 "(the array model of docs/memory.md, validated against NVMExplorer on 13 of 18 figures); "
                 "MRAM cells from the shipped fast design results at WER 1e-4 (examples/designs/); compute "
                 f"{res.settings['energy_per_mac'] * 1e12:.3g} pJ per MAC. Energies per inference include the "
                 "arrays' leakage while they are on; MRAM is switched off between inferences, SRAM is reloaded.")
    checks = {"least_energy_per_period": min(rows, key=lambda r: r["average_power"])["technology"]}
    note(progress, "probabilistic", f"AI memory: least energy per period: {checks['least_energy_per_period']}")
    return {"key": "memory", "title": f"AI memory: {res.name}", "table": rows, "columns": dict(MEMORY_COLUMNS),
            "inputs": inputs,
            "scale": dict(MEMORY_SCALE), "files": {"workload_resnet18": str(data_path)}, "checks": checks,
            "warnings": [], "data": {"rows": rows, "units": MEMORY_UNITS, "workload": res.to_json()},
            "text": {"statement": statement, "conclusion": " ".join(res.statements)}}


def workload_files(path) -> list:
    """The files a workload file reads besides itself: the design results its technologies name
    (``design = "designs/....json"``, relative to the workload file), for the provenance."""
    from ..config import read_toml

    base = Path(path).parent
    return [base / t["design"] for t in read_toml(path).get("technologies", [])
            if isinstance(t, dict) and isinstance(t.get("design"), str)]


#: The parts of the section, in report order: function(context) -> part dict (module docstring).
#: context: {"out": the section's folder, "examples": examples/pbit, "settings", "progress"}.
PARTS = [pbit_part, memory_part]
