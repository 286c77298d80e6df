"""The headline study behind ``make demo`` / ``spinloss demo``: one command, several sections.

Each section is a function ``section(output_dir, examples_dir=None, *, progress=True) -> dict``
registered in :data:`SECTIONS`; :func:`run_demo` runs the requested sections into one output
directory and writes ``demo_summary.json`` listing every file. A section returns at least
``{"section": name, "title": str, "files": {label: path}, "seconds": float}``; sections that
produce a table add ``"table"`` (a list of row dicts) and ``"columns"`` (key -> header with unit).
Later issues add sections (switching, energy per bit) by writing a function and adding it to
:data:`SECTIONS` (and, if it should run by default, to :data:`DEFAULT_SECTIONS`).

Section "torque" (:func:`headline_torque_study`, issue 2 item 7): spin-loss torque versus
heavy-metal spin-orbit torque over the example stacks, and the spin-loss curves of Py/NiO with
the no-sink (SiO2/Py/SiO2) and symmetric (NiO/Py/NiO) controls on the same axes.

This module computes through the public API (``Stack``, ``torques``) and draws its own figures
with matplotlib (Agg, no pyplot state). Nothing in the physics layers imports it.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

from .io import to_jsonable

from .errors import SpinlossInputError
from .stack import Stack
from .transport import torques

#: Example files the torque section needs (all name their magnet layer "free").
TORQUE_EXAMPLES = ("py_nio.toml", "py_sio2.toml", "nio_py_nio.toml", "pt_py.toml", "pt_cofeb.toml",
                   "cofeb_nio.toml", "w_cofeb.toml", "ta_cofeb.toml", "cofeb_coo.toml")

#: Rows of the torque table: (key, example file, label, role, temperature in K or None = file's).
#: CoFeB/CoO is evaluated below and above CoO's T_N = 291 K (bulk value in the library).
TORQUE_ROWS = (
    ("py_nio", "py_nio.toml", "Py/NiO", "spin loss (FM/AFI)", None),
    ("py_sio2", "py_sio2.toml", "SiO2/Py/SiO2", "control: no sink", None),
    ("nio_py_nio", "nio_py_nio.toml", "NiO/Py/NiO", "control: symmetric", None),
    ("pt_py", "pt_py.toml", "Pt/Py", "heavy metal", None),
    ("pt_cofeb", "pt_cofeb.toml", "Pt/CoFeB", "heavy metal", None),
    ("cofeb_nio", "cofeb_nio.toml", "CoFeB/NiO", "spin loss (FM/AFI)", None),
    ("w_cofeb", "w_cofeb.toml", "W/CoFeB", "heavy metal", None),
    ("ta_cofeb", "ta_cofeb.toml", "Ta/CoFeB", "heavy metal", None),
    ("cofeb_coo_250K", "cofeb_coo.toml", "CoFeB/CoO (250 K < T_N)", "spin loss (FM/AFI)", 250.0),
    ("cofeb_coo_350K", "cofeb_coo.toml", "CoFeB/CoO (350 K > T_N)", "spin loss (FM/AFI)", 350.0),
)

#: Reference rows for the figure-of-merit ratios, first one present wins.
REFERENCE_ROWS = ("pt_cofeb", "pt_py")

#: Column key -> header (with unit) of the torque table, in output order.
TORQUE_COLUMNS = {
    "stack": "stack",
    "role": "role",
    "temperature": "T (K)",
    "reference_material": "J in",
    "xi_dl": "xi_DL",
    "xi_fl": "xi_FL",
    "resistivity_uohm_cm": "rho_ref (uOhm cm)",
    "xi2_over_rho": "xi^2/rho (1/(Ohm m))",
    "ratio_xi2_over_rho": "vs ref",
    "torque2_per_power": "sigma^2 R_sq (1/(Ohm m^2))",
    "ratio_torque2_per_power": "stack vs ref",
}

#: Magnitude below which a control counts as zero (the solver's round-off is ~1e-17).
CONTROL_ZERO = 1e-12

_DEFAULT_OUTPUT = "spinloss-demo"


# ============================================================================ entry point


def run_demo(output_dir=_DEFAULT_OUTPUT, sections=None, examples_dir=None, *, progress=True,
             log: Callable[[str], None] | None = None) -> dict:
    """Run the headline study: every section in ``sections`` (default :data:`DEFAULT_SECTIONS`)
    writes its files into ``output_dir``; ``demo_summary.json`` there lists them all.

    Progress and "wrote ..." lines go to ``log`` (default: stderr when ``progress``). Returns
    ``{"output_dir", "sections": {name: section result}, "files": [paths], "summary", "seconds"}``.
    """
    t0 = time.perf_counter()
    names = tuple(DEFAULT_SECTIONS if sections is None else sections)
    unknown = [s for s in names if s not in SECTIONS]
    if unknown or not names:
        raise SpinlossInputError(None, "sections", f"unknown demo section(s) {', '.join(unknown) or '(none)'}; "
                                                   f"available: {', '.join(SECTIONS)}")
    if log is None:
        log = _stderr if progress else (lambda msg: None)
    out = Path(output_dir)
    examples = find_examples_dir(examples_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in names:
        log(f"spinloss demo: section '{name}' -> {out}")
        results[name] = SECTIONS[name](out, examples, progress=progress)
    files = [p for r in results.values() for p in r["files"].values()]
    summary_path = out / "demo_summary.json"
    summary = {
        "output_dir": str(out),
        "examples_dir": str(examples),
        "sections": {n: {"title": r.get("title", n), "seconds": r.get("seconds"),
                         "files": {k: str(v) for k, v in r["files"].items()},
                         "checks": r.get("checks", {})} for n, r in results.items()},
    }
    summary_path.write_text(json.dumps(to_jsonable(summary), indent=2, allow_nan=False) + "\n")
    files.append(str(summary_path))
    from .report import write_demo_report

    report = write_demo_report(out, results)
    if str(report) not in files:
        files.append(str(report))
    log(f"spinloss demo: report {report}")
    seconds = time.perf_counter() - t0
    log(f"spinloss demo: done in {seconds:.1f} s; outputs in {out}/")
    return {"output_dir": str(out), "examples_dir": str(examples), "sections": results,
            "files": files, "summary": str(summary_path), "seconds": seconds}


def find_examples_dir(examples_dir=None) -> Path:
    """The directory of example stacks: ``examples_dir`` if given, else the repository's
    ``examples/`` next to the package source (src/spinloss/../../examples), else ``./examples``.
    Raises :class:`SpinlossInputError` naming the places it looked."""
    if examples_dir is not None:
        p = Path(examples_dir)
        if not p.is_dir():
            raise SpinlossInputError(None, "examples_dir", f"{str(p)!r} is not a directory")
        missing = [f for f in TORQUE_EXAMPLES if not (p / f).is_file()]
        if missing:
            raise SpinlossInputError(None, "examples_dir", f"{str(p)!r} lacks the example stacks "
                                                           f"{', '.join(missing)}")
        return p
    candidates = [Path(__file__).resolve().parents[2] / "examples", Path.cwd() / "examples"]
    for p in candidates:
        if p.is_dir() and all((p / f).is_file() for f in TORQUE_EXAMPLES):
            return p
    looked = ", ".join(str(c) for c in candidates)
    raise SpinlossInputError(None, "examples_dir",
                             f"no examples directory with {', '.join(TORQUE_EXAMPLES[:3])}, ... "
                             f"found (looked in {looked}); pass the repository's examples/ "
                             "(spinloss demo --examples DIR)")


# ============================================================================ torque section


def headline_torque_study(output_dir, examples_dir=None, *, progress=True) -> dict:
    """Spin-loss torque versus heavy-metal SOT, and the spin-loss curves with their controls.

    (a) Table over the example stacks: xi_DL, xi_FL per current density in the reference layer
    (the heavy metal in HM/FM stacks, the magnet itself in FM/AFI stacks), the reference layer's
    resistivity rho, the power-efficiency figure of merit xi_DL^2/rho (PHYSICS.md section 6:
    write energy at fixed geometry ~ rho/xi^2) and its ratio to Pt/CoFeB; plus the whole-stack
    figure sigma_DL^2 R_sheet = (damping-like torque per area)^2 / (Joule power per area), which
    counts the current shunted through the other metals, and its ratio to Pt/CoFeB.
    (b) Figures of xi_DL of Py/NiO versus Py thickness, NiO thickness, temperature (across
    NiO's T_N) and magnon interface conductance, each with the no-sink control (SiO2/Py/SiO2)
    and the symmetric control (NiO/Py/NiO) on the same axes, and the spin-current profile
    through Py/NiO. Each curve is one vectorized call of :func:`spinloss.transport.torques`.

    Writes ``torque_table.json``, ``torque_table.csv``, ``torque_table.md``,
    ``torque_curves.json`` and the PNGs into ``output_dir``. Returns
    ``{"section", "title", "table", "columns", "reference", "curves", "checks", "files", "seconds"}``.
    """
    t0 = time.perf_counter()
    say = _stderr if progress else (lambda msg: None)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    ex = find_examples_dir(examples_dir)

    say("  [torque] table over the example stacks ...")
    table, reference = torque_table(ex)
    stacks = {k: Stack.from_toml(ex / f) for k, f in
              (("py_nio", "py_nio.toml"), ("py_sio2", "py_sio2.toml"), ("nio_py_nio", "nio_py_nio.toml"))}
    say("  [torque] Py/NiO curves with controls (thickness, temperature, interface conductance) ...")
    curves = torque_curves(stacks)
    say("  [torque] spin-current profile ...")
    profile = spin_current_profile(stacks["py_nio"], stacks["py_sio2"])
    checks = torque_checks(table, curves)

    files = {}
    files["table_json"] = out / "torque_table.json"
    files["table_json"].write_text(json.dumps(to_jsonable({
        "title": "Spin-orbit torque efficiencies of the example stacks",
        "reference": reference,
        "columns": TORQUE_COLUMNS,
        "units": {"xi_dl": "1 (per J in reference_layer)", "xi_fl": "1 (per J in reference_layer)",
                  "resistivity": "Ohm m", "xi2_over_rho": "Ohm^-1 m^-1",
                  "torque2_per_power": "Ohm^-1 m^-2 (sigma_DL^2 R_sheet)", "temperature": "K",
                  "free_thickness": "m", "sheet_resistance": "Ohm"},
        "notes": TABLE_NOTES,
        "rows": table,
        "checks": checks,
    }), indent=2, allow_nan=False) + "\n")
    files["table_csv"] = out / "torque_table.csv"
    _write_csv(files["table_csv"], table)
    files["table_md"] = out / "torque_table.md"
    files["table_md"].write_text(table_markdown(table, reference))
    files["curves_json"] = out / "torque_curves.json"
    files["curves_json"].write_text(json.dumps(to_jsonable({"curves": curves, "profile": profile}),
                                               allow_nan=False) + "\n")

    say("  [torque] figures ...")
    for name, curve in curves.items():
        files[f"fig_{name}"] = _plot_curve(curve, out / f"{curve['file_stem']}.png")
    files["fig_profile"] = _plot_profile(profile, out / "spin_current_profile_py_nio.png")
    files["fig_table"] = _plot_table(table, reference, out / "torque_table.png")
    files = {k: str(v) for k, v in files.items()}
    for p in files.values():
        say(f"  wrote {p}")
    seconds = time.perf_counter() - t0
    say(f"  [torque] done in {seconds:.1f} s")
    return {"section": "torque", "title": "Spin-loss torque versus heavy-metal SOT",
            "table": table, "columns": TORQUE_COLUMNS, "reference": reference, "curves": curves,
            "profile": profile, "checks": checks, "files": files, "seconds": seconds}


TABLE_NOTES = [
    "xi_DL, xi_FL: torque efficiencies per current density J in the reference layer (the heavy "
    "metal in HM/FM stacks, the magnet itself in FM/AFI stacks); sign convention PHYSICS.md sec. 2 "
    "(s = +y, current along +x).",
    "xi_DL^2/rho: power efficiency of the reference layer (write energy at fixed geometry ~ rho/xi^2, "
    "PHYSICS.md sec. 6). It ignores current shunted through other metals.",
    "sigma_DL^2 R_sheet = (damping-like torque per area)^2 / (Joule power per area of the whole "
    "stack): counts the shunt through every metal and the film thicknesses.",
    "Ratios are to the reference row (Pt/CoFeB). CoFeB's spin-Hall-like angle is unknown: the "
    "CoFeB/NiO and CoFeB/CoO rows use 0.05, a parameter of those examples.",
]


def torque_table(examples_dir) -> tuple[list[dict], str]:
    """Rows of :data:`TORQUE_ROWS` evaluated at the files' parameters; returns (rows, reference
    row key). Each row holds the table columns and some context (file, thicknesses, R_sheet)."""
    ex = Path(examples_dir)
    rows = []
    for key, fname, label, role, temp in TORQUE_ROWS:
        stack = Stack.from_toml(ex / fname)
        res = torques(stack, temperature=temp)
        mag = res.magnet("free")
        ref = next(l for l in res.layers if l.name == mag.reference_layer)
        rho = float(ref.resistivity)
        xi_dl, xi_fl = float(mag.xi_dl), float(mag.xi_fl)
        sigma_dl = float(mag.sigma_dl)
        rows.append({
            "key": key, "stack": label, "role": role, "file": fname,
            "temperature": float(res.temperature), "reference_layer": mag.reference_layer,
            "reference_material": ref.material, "xi_dl": xi_dl, "xi_fl": xi_fl,
            "resistivity": rho, "resistivity_uohm_cm": rho * 1e8,
            "xi2_over_rho": xi_dl ** 2 / rho,
            "torque2_per_power": sigma_dl ** 2 * float(res.sheet_resistance),
            "sigma_dl": sigma_dl, "sheet_resistance": float(res.sheet_resistance),
            "free_thickness": float(mag.thickness),
            "layers": " / ".join(f"{l.material} {float(l.thickness) * 1e9:g} nm" for l in res.layers),
        })
    by_key = {r["key"]: r for r in rows}
    reference = next(k for k in REFERENCE_ROWS if k in by_key)
    ref_row = by_key[reference]
    for r in rows:
        r["ratio_xi2_over_rho"] = r["xi2_over_rho"] / ref_row["xi2_over_rho"]
        r["ratio_torque2_per_power"] = r["torque2_per_power"] / ref_row["torque2_per_power"]
    return rows, reference


def torque_curves(stacks: dict) -> dict:
    """xi_DL of Py/NiO and of the two controls versus Py thickness, NiO thickness, temperature
    and magnon interface conductance (one vectorized ``torques`` call per curve).

    ``stacks`` holds the Stacks "py_nio", "py_sio2", "nio_py_nio" (magnet "free"; NiO layers
    "NiO" in py_nio and "NiO", "NiO_2" in nio_py_nio; their [[interfaces]] entries are the
    free/NiO interfaces). A control with no such parameter (no NiO in SiO2/Py/SiO2) is evaluated
    once and drawn as a constant."""
    sink, nosink, sym = stacks["py_nio"], stacks["py_sio2"], stacks["nio_py_nio"]
    nio = sink.layer("NiO")
    t_neel = float(nio.material.neel_temperature)
    curves = {}

    def xi(stack, overrides=None, temperature=None, like=None):
        s = stack.with_values(overrides) if overrides else stack
        v = torques(s, temperature=temperature).magnet("free").xi_dl
        return np.broadcast_to(np.asarray(v, dtype=float), np.shape(like)).copy()

    labels = {"py_nio": "SiO2/Py/NiO (spin loss into NiO)",
              "py_sio2": "SiO2/Py/SiO2 (control: no sink)",
              "nio_py_nio": "NiO/Py/NiO (control: symmetric sinks)"}

    # Py thickness
    x = np.linspace(0.2e-9, 20e-9, 100)
    curves["py_thickness"] = {
        "x": x, "x_display": x * 1e9, "xlabel": "Py thickness $d_\\mathrm{Py}$ (nm)", "x_unit": "m",
        "series": {labels["py_nio"]: xi(sink, {"free.thickness": x}, like=x),
                   labels["py_sio2"]: xi(nosink, {"free.thickness": x}, like=x),
                   labels["nio_py_nio"]: xi(sym, {"free.thickness": x}, like=x)},
        "title": f"Spin-loss torque vs magnet thickness (NiO {_nm(nio.thickness)} nm, "
                 f"T = {_k(sink.temperature)} K)",
        "file_stem": "xi_dl_vs_py_thickness", "logx": False,
    }
    # NiO thickness
    x = np.linspace(0.25e-9, 40e-9, 160)
    lam_m = float(nio.material.magnon_diffusion_length)
    curves["nio_thickness"] = {
        "x": x, "x_display": x * 1e9, "xlabel": "NiO thickness $t_\\mathrm{NiO}$ (nm)", "x_unit": "m",
        "series": {labels["py_nio"]: xi(sink, {"NiO.thickness": x}, like=x),
                   labels["py_sio2"] + ", no NiO": xi(nosink, like=x),
                   labels["nio_py_nio"] + ", both NiO varied": xi(sym, {"NiO.thickness": x, "NiO_2.thickness": x}, like=x)},
        "title": f"Spin-loss torque vs sink thickness (Py {_nm(sink.layer('free').thickness)} nm, "
                 f"T = {_k(sink.temperature)} K)",
        "file_stem": "xi_dl_vs_nio_thickness", "logx": False,
        "vlines": [(lam_m * 1e9, f"magnon diffusion length $\\lambda_m$ = {lam_m * 1e9:g} nm (at 300 K)")],
    }
    # temperature
    x = np.linspace(100.0, 800.0, 141)
    curves["temperature"] = {
        "x": x, "x_display": x, "xlabel": "temperature $T$ (K)", "x_unit": "K",
        "series": {labels["py_nio"]: xi(sink, temperature=x, like=x),
                   labels["py_sio2"]: xi(nosink, temperature=x, like=x),
                   labels["nio_py_nio"]: xi(sym, temperature=x, like=x)},
        "title": "Spin-loss torque across the Néel temperature of NiO (default magnon T law)",
        "file_stem": "xi_dl_vs_temperature", "logx": False,
        "vlines": [(t_neel, f"$T_N$(NiO) = {t_neel:g} K")],
        "neel_temperature": t_neel,
    }
    # magnon interface conductance
    x = np.logspace(12, 17, 101)
    curves["interface_conductance"] = {
        "x": x, "x_display": x, "x_unit": "Ohm^-1 m^-2",
        "xlabel": "magnon interface conductance $G_\\mathrm{int}$ at 300 K ($\\Omega^{-1}\\,\\mathrm{m}^{-2}$)",
        "series": {labels["py_nio"]: xi(sink, {"interfaces.0.magnon_interface_conductance": x}, like=x),
                   labels["py_sio2"] + ", no interface": xi(nosink, like=x),
                   labels["nio_py_nio"] + ", both varied": xi(sym, {"interfaces.0.magnon_interface_conductance": x,
                                                         "interfaces.1.magnon_interface_conductance": x}, like=x)},
        "title": "More spin loss, more torque",
        "file_stem": "xi_dl_vs_interface_conductance", "logx": True,
    }
    # the example file's own point on every curve
    xi0 = float(torques(sink).magnet("free").xi_dl)
    curves["py_thickness"]["example_point"] = (float(sink.layer("free").thickness) * 1e9, xi0)
    curves["nio_thickness"]["example_point"] = (float(nio.thickness) * 1e9, xi0)
    curves["temperature"]["example_point"] = (float(sink.temperature), xi0)
    g0 = sink.interfaces[sink.index("free")].magnon_interface_conductance
    curves["interface_conductance"]["example_point"] = (float(g0), xi0)
    for c in curves.values():
        c["ylabel"] = "damping-like efficiency $\\xi_\\mathrm{DL}$ (per $J$ in Py)"
    return curves


def spin_current_profile(sink: Stack, control: Stack) -> dict:
    """Spin current Q(z)/J through Py/NiO and through the no-sink control (m along the file's
    magnetization direction, default +z, so the +y spin Hall polarization is transverse)."""
    out = {}
    for key, stack in (("py_nio", sink), ("py_sio2", control)):
        res = torques(stack, profiles=True)
        p = res.profiles
        j_fm = float(next(l for l in res.layers if l.name == "free").current_density)
        out[key] = {"stack": stack.name, "z": np.asarray(p["z"], dtype=float),
                    "q_over_j": np.asarray(p["spin_current"], dtype=float) / j_fm,
                    "layer": list(p["layer"]), "current_density_fm": j_fm,
                    "xi_dl": float(res.magnet("free").xi_dl)}
    return out


def torque_checks(table: list[dict], curves: dict) -> dict:
    """The physics claims of the study, evaluated on its own data (True when they hold)."""
    rows = {r["key"]: r for r in table}
    ctl_keys = ("py_sio2", "nio_py_nio")
    ctl_max = max(abs(rows[k]["xi_dl"]) for k in ctl_keys)
    for c in curves.values():
        for label, y in c["series"].items():
            if "control" in label:
                ctl_max = max(ctl_max, float(np.max(np.abs(y))))
    g = curves["interface_conductance"]["series"]
    sink_g = next(v for k, v in g.items() if "spin loss" in k)
    temp = curves["temperature"]
    sink_t = next(v for k, v in temp["series"].items() if "spin loss" in k)
    t_peak = float(temp["x"][np.argmax(np.abs(sink_t))])
    return {
        "py_nio_xi_dl_negative_sink_on_top": rows["py_nio"]["xi_dl"] < 0,
        "controls_zero": ctl_max < CONTROL_ZERO,
        "controls_max_abs_xi_dl": ctl_max,
        "more_spin_loss_more_torque": bool(np.all(np.diff(np.abs(sink_g)) > 0)),
        "temperature_peak_K": t_peak,
        "peak_near_neel_temperature": abs(t_peak - temp["neel_temperature"]) < 0.1 * temp["neel_temperature"],
        "heavy_metal_signs": (rows["pt_py"]["xi_dl"] > 0 and rows["pt_cofeb"]["xi_dl"] > 0
                              and rows["w_cofeb"]["xi_dl"] < 0 and rows["ta_cofeb"]["xi_dl"] < 0),
    }


# ============================================================================ output helpers


def table_markdown(table: list[dict], reference: str) -> str:
    ref_label = next(r["stack"] for r in table if r["key"] == reference)
    lines = [f"# Spin-orbit torque efficiencies of the example stacks", "",
             f"Ratios relative to {ref_label}.", "",
             "| " + " | ".join(TORQUE_COLUMNS.values()) + " |",
             "|" + "|".join("---" if k in ("stack", "role", "reference_material") else "---:"
                            for k in TORQUE_COLUMNS) + "|"]
    for r in table:
        lines.append("| " + " | ".join(format_cell(k, r[k]) for k in TORQUE_COLUMNS) + " |")
    lines += [""] + [f"- {n}" for n in TABLE_NOTES] + [""]
    return "\n".join(lines)


#: Display scale of SI columns in the demo's text tables: key -> (factor, unit suffix in the header).
DISPLAY_SCALE = {"energy_per_bit": 1e15, "channel_energy": 1e15, "write_current": 1e6, "pulse_width": 1e9,
                 "write_latency": 1e9, "cell_area": 1e12, "energy_at_j50": 1e15}


def format_cell(key: str, value) -> str:
    """Human format of one table value (SI columns of DISPLAY_SCALE shown scaled)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value if len(value) <= 70 else value[:67] + "..."
    if key in DISPLAY_SCALE and isinstance(value, (int, float)) and math.isfinite(value):
        return f"{value * DISPLAY_SCALE[key]:.3g}"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if key == "temperature":
        return f"{value:.0f}"
    if key == "resistivity_uohm_cm":
        return f"{value:.3g}"
    if key in ("xi_dl", "xi_fl"):
        return "0" if abs(value) < CONTROL_ZERO else f"{value:+.4f}"
    if key.startswith("ratio"):
        return "0" if abs(value) < 1e-12 else f"{value:.3g}"
    return "0" if abs(value) < 1e-12 else f"{value:.3g}"


def _write_csv(path: Path, table: list[dict]) -> None:
    keys = ["key", "stack", "role", "file", "temperature", "reference_layer", "reference_material",
            "xi_dl", "xi_fl", "resistivity", "xi2_over_rho", "ratio_xi2_over_rho",
            "torque2_per_power", "ratio_torque2_per_power", "sigma_dl", "sheet_resistance",
            "free_thickness", "layers"]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(keys)
        for r in table:
            w.writerow([repr(r[k]) if isinstance(r[k], float) else r[k] for k in keys])


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _nm(v) -> str:
    return f"{float(np.asarray(v)) * 1e9:g}"


def _k(v) -> str:
    return f"{float(np.asarray(v)):g}"


# ============================================================================ figures

_STYLE = {  # spin loss solid, controls dashed / dotted in distinct colours
    "spin loss": {"color": "tab:red", "lw": 2.0, "ls": "-"},
    "no sink": {"color": "tab:blue", "lw": 1.8, "ls": "--"},
    "symmetric": {"color": "tab:green", "lw": 1.8, "ls": ":"},
}


def _style(label: str) -> dict:
    for k, v in _STYLE.items():
        if k in label:
            return v
    return {}


def _figure(width=6.6, height=4.4, nrows=1, ncols=1, **kw):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def _save(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    return path


def _plot_curve(curve: dict, path: Path) -> Path:
    fig, axes = _figure(height=5.0)
    ax = axes[0, 0]
    x = np.asarray(curve["x_display"])
    ctl_max = 0.0
    for label, y in curve["series"].items():
        ax.plot(x, y, label=label, **_style(label))
        if "control" in label:
            ctl_max = max(ctl_max, float(np.max(np.abs(y))))
    if "example_point" in curve:
        px, py = curve["example_point"]
        ax.plot([px], [py], "o", color="k", ms=5, zorder=5, label="examples/py_nio.toml")
    for xv, text in curve.get("vlines", []):
        ax.axvline(xv, color="0.4", lw=0.9, ls="-.", label=text)
    ax.axhline(0.0, color="0.6", lw=0.7)
    if curve.get("logx"):
        ax.set_xscale("log")
    ax.set_xlabel(curve["xlabel"])
    ax.set_ylabel(curve["ylabel"])
    ax.set_title(curve["title"], fontsize=10.5)
    ax.grid(alpha=0.3)
    leg = fig.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=8,
                    title=f"controls: $|\\xi_\\mathrm{{DL}}| < {_sci(max(ctl_max, 1e-300))}$ (zero by symmetry);\n"
                          "$\\xi_\\mathrm{DL} < 0$: sink on top pulls m towards $-y$",
                    title_fontsize=8)
    leg._legend_box.align = "left"
    return _save(fig, path)


def _sci(v: float) -> str:
    """1e-17 style number as mathtext (10^{-17})."""
    exp = int(math.ceil(math.log10(v))) if v > 0 else 0
    return f"10^{{{exp}}}"


def _plot_profile(profile: dict, path: Path) -> Path:
    fig, axes = _figure(width=6.6, height=5.0)
    ax = axes[0, 0]
    p = profile["py_nio"]
    z = p["z"] * 1e9
    names = p["layer"]
    # layer bands with names
    starts = [0] + [i for i in range(1, len(names)) if names[i] != names[i - 1]]
    ends = starts[1:] + [len(names)]
    shades = {"SiO2": "0.92", "NiO": "#f3e3c8", "free": "white"}
    for a, b in zip(starts, ends):
        name = names[a]
        base = name.split("_")[0]
        ax.axvspan(z[a], z[b - 1], color=shades.get(base, "0.96"), zorder=0)
        shown = {"free": "Py (free)", "NiO": "NiO\n(magnon spin current)", "SiO2": "SiO2"}.get(base, name)
        ax.text(0.5 * (z[a] + z[b - 1]), 0.97, shown, ha="center", va="top",
                transform=ax.get_xaxis_transform(), fontsize=9)
    q = p["q_over_j"]
    ax.plot(z, q[:, 1], color="tab:red", lw=2.0, label="$Q_y/J$, SiO2/Py/NiO (spin loss)")
    ax.plot(z, q[:, 0], color="tab:orange", lw=1.2,
            label="$Q_x/J$, SiO2/Py/NiO (rotated by precession about m)")
    c = profile["py_sio2"]
    keep = np.array([n in ("SiO2", "free") for n in c["layer"]])  # its top SiO2 is not drawn
    ax.plot(c["z"][keep] * 1e9, c["q_over_j"][keep, 1], color="tab:blue", lw=1.6, ls="--",
            label="$Q_y/J$, SiO2/Py/SiO2 (control: no sink, $Q_y = 0$ at both Py surfaces)")
    ax.set_ylim(top=1.25 * float(np.max(q[:, 1])))
    ax.axhline(0.0, color="0.6", lw=0.7)
    free_idx = [i for i, n in enumerate(names) if n == "free"]
    if free_idx:
        i_top = free_idx[-1]
        ax.annotate(f"spin lost into NiO: $Q_y/J$ = {q[i_top, 1]:.4f}\n"
                    f"torque on Py: $\\xi_\\mathrm{{DL}}$ = {p['xi_dl']:.4f}",
                    xy=(z[i_top], q[i_top, 1]), xytext=(0.66, 0.55), textcoords="axes fraction",
                    fontsize=8.5, arrowprops={"arrowstyle": "->", "color": "0.3"})
    ax.set_xlabel("z (nm, from the bottom of the stack)")
    ax.set_ylabel("spin current $Q/J$ (charge units, per $J$ in Py)")
    ax.set_title("Spin current through SiO2/Py/NiO (J along +x, m along +z, Q > 0: flow to +z)",
                 fontsize=10)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", frameon=False, fontsize=8.5, ncols=1)
    return _save(fig, path)


def _plot_table(table: list[dict], reference: str, path: Path) -> Path:
    fig, axes = _figure(width=7.6, height=4.8, ncols=2)
    labels = [r["stack"] for r in table]
    pos = np.arange(len(table))[::-1]
    ax = axes[0, 0]
    colors = ["tab:red" if "spin loss" in r["role"] else "tab:blue" if "control" in r["role"]
              else "0.45" for r in table]
    ax.barh(pos, [r["xi_dl"] for r in table], color=colors)
    for p_, r in zip(pos, table):
        if abs(r["xi_dl"]) < CONTROL_ZERO:
            ax.text(0.004, p_, "0", va="center", fontsize=7.5, color="tab:blue")
    ax.set_yticks(pos, labels, fontsize=8)
    ax.axvline(0.0, color="0.3", lw=0.7)
    ax.set_xlabel("$\\xi_\\mathrm{DL}$ (per $J$ in the HM; in the FM for FM/AFI)")
    ax.set_title("damping-like efficiency", fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    ax = axes[0, 1]
    ratio = np.array([r["ratio_xi2_over_rho"] for r in table])
    floor = 1e-4
    ax.barh(pos, np.maximum(ratio, floor), color=colors, left=0)
    for p_, r in zip(pos, ratio):
        if r < floor:
            ax.text(floor * 1.3, p_, "0 (control)", va="center", fontsize=7.5, color="tab:blue")
    ax.set_xscale("log")
    ax.set_xlim(floor, max(10.0, ratio.max() * 2))
    ax.axvline(1.0, color="0.3", lw=0.8, ls="--")
    ax.set_yticks(pos, [""] * len(pos))
    ref_label = next(r["stack"] for r in table if r["key"] == reference)
    ax.set_xlabel(f"$\\xi_\\mathrm{{DL}}^2/\\rho$ relative to {ref_label}")
    ax.set_title("power efficiency (higher is better)", fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(color="tab:red", label="spin loss (FM/AFI)"),
                        Patch(color="0.45", label="heavy metal/FM"),
                        Patch(color="tab:blue", label="control")],
               loc="outside lower center", ncols=3, frameon=False, fontsize=8.5)
    fig.text(0.01, 0.005, "CoFeB rows with NiO/CoO use a spin-Hall-like angle 0.05 for CoFeB (a parameter, "
             "not measured); T = 300 K unless stated.", fontsize=7, color="0.3")
    return _save(fig, path)


#: Demo sections: name -> function(output_dir, examples_dir=None, *, progress=True) -> dict.
def _switching_section(output_dir, examples_dir, *, progress=True) -> dict:
    from .studies_switching import switching_section

    return switching_section(output_dir, examples_dir, progress=progress)


def _energy_section(output_dir, examples_dir, *, progress=True) -> dict:
    from .devices.compare import energy_section

    return energy_section(output_dir, examples_dir, fast=True, progress=progress)


SECTIONS: dict[str, Callable[..., dict]] = {"torque": headline_torque_study, "switching": _switching_section,
                                            "energy": _energy_section}
#: Sections run by ``spinloss demo`` when none are named.
DEFAULT_SECTIONS: tuple = ("torque", "switching", "energy")
