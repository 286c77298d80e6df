"""Demo section "energy": energy per bit of the designs of ``examples/compare.toml`` at the same
Delta and WER, the 3x maps, scaling, and the parts of the HTML report (docs/energy.md)."""

from __future__ import annotations

import csv
import io as _textio
import time
from pathlib import Path

from ..cells.compare import (CONTRACT_KEYS, DEFAULT_SIZES, TargetNotMetErrorForMap, compare, energy_map,
                             load_comparison, scaling, scaling_row, verdict)
from ..cells.design import FAST, STANDARD, clear_cache
from ..errors import SpinlossInputError
from ..io import write_text_atomic
from ..plots import cells as cell_plots
from ..progress import note
from .provenance import unique_inputs, write_json

#: Maps of the demo: (design, reference, axis 1, axis 2, file stem).
DEMO_MAPS = (
    ("Py/NiO spin loss", "Pt/Py", "free.spin_hall_angle=0.01:0.4:{n}",
     "interfaces.0.magnon_interface_conductance=1e13:1e16:{n}:log", "map_py_nio_vs_pt_py"),
    ("CoFeB/NiO spin loss", "Pt/CoFeB", "free.spin_hall_angle=0.01:0.4:{n}",
     "interfaces.0.magnon_interface_conductance=1e13:1e16:{n}:log", "map_cofeb_nio_vs_pt_cofeb"),
)

#: Fast demo: coarse WER target (documented in docs/energy.md); --full uses the file's 1e-9.
DEMO_FAST_WER = 1e-4


#: Fast demo: the sizes of the scaling study besides each design's own (taken from the comparison).
FAST_SCALING_SIZES = (50e-9, 20e-9)

#: Display factor from SI of the numeric columns of the comparison table (the unit is in the header).
ENERGY_SCALE = {"energy_per_bit": 1e15, "channel_energy": 1e15, "write_current": 1e6, "pulse_width": 1e9,
                "write_latency": 1e9, "cell_area": 1e12}


def energy_columns(reference: str) -> dict:
    """Column key -> header of the comparison table; every numeric header states its unit (in the
    scale of :data:`ENERGY_SCALE`) or says it is a ratio or dimensionless."""
    return {"name": "design", "meets_targets": "meets targets", "energy_per_bit": "E supply (fJ)",
            "channel_energy": "E channel (fJ)", "write_current": "I (uA)", "pulse_width": "t_p (ns)",
            "write_latency": "latency (ns)", "cell_area": "area (um^2)", "write_error_rate": "WER re-checked (1)",
            "thermal_stability": "Delta (1)", "ratio_to_reference": f"E / E({reference}) (ratio)",
            "advantage": "advantage (ratio)", "damping_like_efficiency": "xi_DL (1)", "reference_layer": "J in",
            "effective_damping": "alpha_eff (1)", "reason": "reason"}


def layer_kinds(res) -> dict:
    """Layer name -> material kind of a design's device (for axis labels); {} without a device."""
    dev = getattr(res, "device", None)
    if dev is None:
        return {}
    return {layer.name: layer.kind for layer in dev.stack.layers}


def long_axis(comp, name: str) -> float:
    """The lateral size (m, the longer in-plane axis) of a design's magnet as in its file."""
    g = comp.load_device(comp.entry(name)).geometry
    return max(g.length, g.width)


def scaling_study(comp, result, settings, *, fast: bool = True, progress=None) -> dict:
    """Energy, current, pulse width and Delta versus lateral size for every design of the
    comparison that meets the targets at its file's size (a design that cannot is listed in
    ``not_scaled`` with its reason: it cannot be written at any size the search would reach for).
    A design optimized in the comparison (heavy-metal thickness) keeps its chosen value.

    ``fast``: each design at its own size (the comparison's result, no new search) and at
    :data:`FAST_SCALING_SIZES`; otherwise at :data:`~spinloss.cells.compare.DEFAULT_SIZES`."""
    from dataclasses import replace

    entries = []
    for e in comp.designs:
        r = result.result(e.name)
        opt = r.optimization or {}
        if e.optimize is not None and opt.get("chosen") is not None:
            e = replace(e, overrides={**e.overrides, opt["key"]: float(opt["chosen"])}, optimize=None)
        entries.append(e)
    pinned = replace(comp, designs=tuple(entries))
    names = [r.name for r in result.results if r.meets_targets]
    sc = {"sizes": [], "targets": {"write_error_rate": comp.targets.write_error_rate,
                                   "thermal_stability": comp.targets.delta, "temperature": comp.targets.temperature},
          "designs": {}, "not_scaled": {r.name: r.reason for r in result.results if not r.meets_targets},
          "fast": fast}
    if fast:
        for name in names:
            own = long_axis(pinned, name)
            sizes = [s for s in FAST_SCALING_SIZES if abs(s - own) > 1e-3 * own]
            rows = scaling(pinned, [name], sizes, settings, progress=progress)["designs"][name]
            sc["designs"][name] = sorted(rows + [{**scaling_row(own, result.result(name)), "from_comparison": True}],
                                         key=lambda r: -r["size"])
    elif names:
        sc["designs"] = scaling(pinned, names, DEFAULT_SIZES, settings, progress=progress)["designs"]
    sc["sizes"] = sorted({r["size"] for rows in sc["designs"].values() for r in rows}, reverse=True)
    return sc


def energy_section(output_dir, examples_dir, fast: bool = True, *, progress=None) -> dict:
    """Demo section "energy" (issue 4 item 6): the comparison table and bar chart of
    ``examples/compare.toml``, the 3x maps (spin loss vs the same-magnet heavy-metal reference
    and vs the file's reference), the scaling figure, and ``report.html`` in ``output_dir``.

    ``fast`` (default, the demo): WER target :data:`DEMO_FAST_WER`, :data:`~.design.FAST`
    search settings, 16 x 16 maps, and the scaling of every design that meets the targets at its
    own size and at 50 and 20 nm (:func:`scaling_study`). ``fast=False``: the file's WER (1e-9),
    :data:`~.design.STANDARD` settings, 30 x 30 maps and the full scaling study at 200-20 nm
    (hours on 2 cores). Returns the studies.py section dict (``title``, ``files``, ``table``,
    ``columns``, ``seconds``) plus ``report_sections`` and ``parameters`` for the HTML report.
    """
    t0 = time.perf_counter()
    out = Path(output_dir) / "energy"
    out.mkdir(parents=True, exist_ok=True)
    ex = Path(examples_dir)
    settings = FAST if fast else STANDARD
    comp = load_comparison(ex / "compare.toml",
                           target_overrides={"write_error_rate": DEMO_FAST_WER} if fast else None)
    clear_cache()
    note(progress, "energy", f"design search for {len(comp.designs)} designs at WER {comp.targets.write_error_rate:g}"
                             + (" (fast demo settings)" if fast else "") + " ...")
    result = compare(comp, settings, progress=progress)
    # provenance of every JSON file of the section: the comparison file and its device files
    inputs = unique_inputs([ex / "compare.toml"] + [e.device for e in comp.designs])
    seeds = {"seed": settings.seed}
    files = {}
    files["comparison_json"] = out / "comparison.json"
    write_json(files["comparison_json"], result.to_json(), inputs=inputs, seeds=seeds, indent=1, newline=False)
    files["comparison_csv"] = out / "comparison.csv"
    cols = list(CONTRACT_KEYS) + ["advantage", "channel_energy", "channel_ratio_to_reference",
                                  "transistor_energy", "peripheral_energy", "write_latency", "cell_area",
                                  "damping_like_efficiency", "reference_layer", "effective_damping"]
    buf = _textio.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore")
    w.writeheader()
    for r in result.rows:
        w.writerow(r)
    write_text_atomic(files["comparison_csv"], buf.getvalue())
    files["bars"] = cell_plots.plot_bars(result, out / "energy_per_bit.png")
    # maps
    note(progress, "energy", "energy-ratio maps ...")
    n = 16 if fast else 30
    maps = []
    for name, ref, a1, a2, stem in DEMO_MAPS:
        try:
            m = energy_map(comp, result, name, a1.format(n=n), a2.format(n=n), reference=ref, progress=progress)
        except (SpinlossInputError, TargetNotMetErrorForMap, KeyError) as exc:
            maps.append({"design": name, "reference": ref, "statement": f"no map for {name} vs {ref}: "
                         f"{getattr(exc, 'rule', exc)}"})
            continue
        files[stem] = cell_plots.plot_map(m, out / f"{stem}.png", kinds=layer_kinds(result.result(name)))
        maps.append(m.to_json())
    # scaling: every design that meets the targets at its file's size (the others are listed with
    # their reason), the heavy metals at their least-energy thickness of the comparison
    note(progress, "energy", "scaling with lateral size ...")
    sc = scaling_study(comp, result, settings, fast=fast, progress=progress)
    if sc["designs"]:
        files["scaling"] = cell_plots.plot_scaling(sc, out / "scaling.png")
    files["scaling_json"] = out / "scaling.json"
    write_json(files["scaling_json"], sc, inputs=inputs, seeds=seeds, indent=1, newline=False)
    statements = verdict(result, maps)
    table = [{k: r.get(k) for k in cols} for r in result.rows]
    columns = energy_columns(result.reference)
    scale = dict(ENERGY_SCALE)
    summary = {"section": "energy", "title": "Energy per bit: spin loss versus heavy-metal SOT and STT",
               "files": {k: str(v) for k, v in files.items()}, "table": table, "columns": columns,
               "scale": scale, "statements": statements, "maps": maps, "scaling": sc, "fast": fast,
               "targets": result.targets, "reference": result.reference, "inputs": inputs, "seeds": seeds}
    summary["report_sections"] = report_sections(result, maps, sc, statements, files, columns, scale, fast)
    summary["parameters"] = parameter_rows(result, base=ex)
    summary["seconds"] = time.perf_counter() - t0
    # the file names relative to this section's folder: the demo writes into a staging folder
    # that is renamed when every section has finished, so absolute paths here would go stale
    on_disk = dict(summary, files={k: Path(v).name for k, v in files.items()})
    write_json(out / "energy_summary.json", on_disk, inputs=inputs, seeds=seeds, indent=1, newline=False)
    return summary


def report_sections(result, maps, sc, statements, files, columns, scale, fast) -> list:
    from .. import report as _r

    t = result.targets
    secs = []
    intro = [f"Every design is sized to the same thermal stability Delta = {t['thermal_stability']:.2f} "
             f"(retention {t['retention_time'] or 0:.3g} s via Delta = ln(t / 1 ns)) at T = {t['temperature']:.0f} K and "
             f"written at the same write error rate {t['write_error_rate']:g}, found by the WER engine "
             "(Fokker-Planck for the axially symmetric STT cell, Monte Carlo + adaptive multilevel splitting "
             "otherwise) and re-checked at the chosen pulse."]
    if fast:
        st = result.settings
        ws = ", ".join(f"{w * 1e9:g}" for w in st.widths)
        fp = ", ".join(f"{w * 1e9:g}" for w in (st.fokker_planck_widths or st.widths))
        intro.append(f"Demo (fast) settings: WER target {t['write_error_rate']:g} instead of the file's, pulse widths "
                     f"{ws} ns ({fp} ns for the axially symmetric cells, by Fokker-Planck), small splitting "
                     "ensembles. Run `spinloss compare examples/compare.toml` (or energy_section(fast=False)) "
                     "for the study at the file's targets.")
    html = "<div class=\"note\"><ul>" + "".join(f"<li>{_r.esc(s)}</li>" for s in statements if s) + "</ul></div>"
    intro.append("Energy per bit is the energy drawn from the supply, V_dd I t_q + C_bl V_dd^2; the channel Joule "
                 "energy I^2 R t_eff (the SOT literature's switching energy) is shown beside it. The lower panel "
                 "of the figure splits the supply energy into its parts, as shares on a linear axis.")
    secs.append({"title": "Energy per bit at the same Delta and WER", "text": intro, "html": html,
                 "table": result.rows, "columns": columns, "scale": scale, "left": ("name", "reason", "reference_layer"),
                 "figures": [files["bars"]]})
    mfig = [files[k] for k in files if str(k).startswith("map_")]
    secs.append({"title": "Where does 3x hold? Energy-ratio maps",
                 "text": ["Advantage E(reference)/E(design) over the FM's spin-Hall-like angle and the magnon "
                          "interface conductance, in the supply energy (left) and the channel Joule energy (right), "
                          "with the 1x (black, dashed) and 3x (red) contours; grey hatched points cannot be "
                          "written at all. Each point reuses the WER engine's required damping-like field for "
                          "the (unchanged) magnet, interpolated in its effective damping."]
                 + [m.get("statement", "") for m in maps], "figures": mfig})
    sc_text = ["Lateral size scaled with the aspect ratio kept; every size re-sized to the same Delta and "
               "written at the same WER (the heavy metals at the thickness chosen in the comparison). "
               "Where a target cannot be met the size is marked with an x, not extrapolated."]
    if fast:
        sc_text.append("Demo (fast) settings: each design at its own size (the comparison's result) and at "
                       + " and ".join(f"{s * 1e9:.0f} nm" for s in FAST_SCALING_SIZES) + ".")
    for name, reason in (sc.get("not_scaled") or {}).items():
        sc_text.append(f"{name}: not scaled, it cannot meet the targets at its own size ({reason}).")
    for name, rows in sc.get("designs", {}).items():
        for r in rows:
            if not r["meets_targets"]:
                sc_text.append(f"{name} at {r['size'] * 1e9:.0f} nm: {r['reason']}")
    secs.append({"title": "Scaling with lateral size", "text": sc_text,
                 "figures": [files["scaling"]] if "scaling" in files else []})
    return secs


def parameter_rows(result, base=None) -> list:
    """Parameters of the cell model with their sources (report table): every value in SI with its
    unit ("1 (dimensionless)" for pure numbers); file paths in the sources shown relative to
    ``base`` (the comparison file's folder), never as local absolute paths."""
    from ..report import relative_paths

    from ..cells.cell import MAX_ANISOTROPY, MAX_ANISOTROPY_SOURCES, READOUT_DEFAULTS, READOUT_SOURCES, \
        TECHNOLOGY_NODES

    rows = []
    node = TECHNOLOGY_NODES["28nm"]
    units = {"feature_size": "m", "supply_voltage": "V", "on_current_per_width": "A/m",
             "on_resistance_width": "Ohm m", "min_transistor_width": "m", "bitline_capacitance": "F"}
    for k, u in units.items():
        rows.append({"parameter": f"28nm: {k}", "value": node[k], "unit": u, "source": node["sources"].get(k, "")})
    rows.append({"parameter": "peripheral_energy", "value": node["bitline_capacitance"] * node["supply_voltage"] ** 2,
                 "unit": "J", "source": node["sources"]["peripheral_energy"]})
    readout_units = {"tmr": "1", "resistance_area": "Ohm m^2", "read_voltage": "V", "read_time": "s",
                     "max_voltage": "V", "read_current_density": "A/m^2", "usmr_ratio": "1"}
    for kind, defaults in READOUT_DEFAULTS.items():
        for k, v in defaults.items():
            rows.append({"parameter": f"readout ({kind}): {k}", "value": v, "unit": readout_units.get(k, ""),
                         "source": READOUT_SOURCES[k]})
    for k, v in MAX_ANISOTROPY_SOURCES.items():
        rows.append({"parameter": f"max uniaxial anisotropy ({k})", "value": MAX_ANISOTROPY[k],
                     "unit": "J/m^3", "source": v})
    for r in result.results:
        if r.torque:
            rows.append({"parameter": f"{r.name}: xi_DL (J in {r.torque.get('reference_layer')})",
                         "value": r.torque.get("damping_like_efficiency"), "unit": "1",
                         "source": relative_paths(r.torque.get("source") or "", base)})
    for row in rows:
        row["unit"] = "1 (dimensionless)" if row["unit"] in ("", "1", None) else row["unit"]
    return rows


