"""Comparison of cells at the same Delta and WER; energy-ratio map; scaling with lateral size.

Comparison file (the contract of issue 4)::

    reference = "Pt/CoFeB"
    [targets]
    write_error_rate = 1e-9
    retention = "10 years"          # or thermal_stability = 40
    temperature = "358 K"
    [[designs]]
    name = "Py/NiO spin loss"
    device = "py_nio_cell.toml"     # a device file, path relative to this file
    set = {"NiO.thickness" = "20 nm"}   # optional overrides of the device file

Every design goes through :func:`spinloss.devices.design.design` with the same targets.
``ratio_to_reference`` = E_design / E_reference (below 1: the design needs less energy);
``advantage`` = E_reference / E_design ("3x" means advantage >= 3).

Map (:func:`energy_map`): advantage of one design over the reference on a grid of two keys that
leave the magnet unchanged (transport keys: spin Hall angles, resistivities, interface and
magnon conductances, AFI or heavy-metal thickness). Each point reuses the design's required
damping-like field per pulse width (the WER engine's result for that magnet), so the map is
exact for the design's field-like/damping-like ratio (design.py, step 2) and costs no new WER
runs; keys that change the magnet (thickness of the free layer, geometry, magnet.*) are refused:
use the scaling study or separate designs for them.

Scaling (:func:`scaling`): the design search repeated with the magnet's lateral dimensions scaled
(aspect ratio kept; ``lateral size`` = the longer in-plane axis) from 200 nm to 20 nm; where the
retention or WER target cannot be met the result says so (no extrapolation).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..config import check_keys, read_toml, require
from ..errors import ConfigError, SpinlossInputError
from .design import STANDARD, DesignResult, SearchSettings, Targets, design, energy_at

COMPARE_KEYS = {"reference", "targets", "designs"}
TARGET_KEYS = {"write_error_rate", "retention", "temperature", "thermal_stability"}
DESIGN_KEYS = {"name", "device", "set"}

#: Keys of the JSON contract, in order.
CONTRACT_KEYS = ("name", "meets_targets", "reason", "energy_per_bit", "write_current", "pulse_width",
                 "write_error_rate", "thermal_stability", "ratio_to_reference")

#: Keys that change the magnet (refused in maps).
MAGNET_KEY_SUFFIXES = ("thickness", "saturation_magnetization", "damping")


@dataclass(frozen=True)
class DesignEntry:
    name: str
    device: Path
    overrides: dict


@dataclass(frozen=True)
class Comparison:
    """A parsed comparison file."""

    source: str
    reference: str
    targets: Targets
    designs: tuple

    def entry(self, name: str) -> DesignEntry:
        for d in self.designs:
            if d.name == name:
                return d
        raise SpinlossInputError(self.source, "designs", f"no design named {name!r} (designs: "
                                 f"{', '.join(d.name for d in self.designs)})")

    def load_device(self, entry: DesignEntry, extra: dict | None = None):
        from ..device import Device

        return Device.from_toml(entry.device, overrides={**entry.overrides, **(extra or {})} or None)


def load_comparison(path, *, target_overrides: dict | None = None) -> Comparison:
    """Read a comparison file (unknown keys are errors; device paths relative to the file).
    ``target_overrides`` (write_error_rate, retention, temperature, thermal_stability) replace the
    file's targets (e.g. the demo's coarse WER)."""
    src = str(path)
    raw = read_toml(path)
    check_keys(raw, COMPARE_KEYS, source=src, prefix="")
    reference = require(raw, "reference", source=src)
    if not isinstance(reference, str):
        raise ConfigError(src, "reference", "must be the name of one of the designs")
    tg = dict(raw.get("targets", {}))
    check_keys(tg, TARGET_KEYS, source=src, prefix="targets")
    tg.update({k: v for k, v in (target_overrides or {}).items() if v is not None})
    targets = Targets.parse(source=src, **{k: tg[k] for k in tg})
    designs = require(raw, "designs", source=src)
    if not isinstance(designs, list) or not designs:
        raise ConfigError(src, "designs", "must be a non-empty array of tables [[designs]]")
    out, names = [], set()
    base = Path(path).parent
    for i, d in enumerate(designs):
        pre = f"designs[{i}]"
        if not isinstance(d, dict):
            raise ConfigError(src, pre, "must be a table")
        check_keys(d, DESIGN_KEYS, source=src, prefix=pre)
        name = require(d, "name", source=src, prefix=pre)
        dev = require(d, "device", source=src, prefix=pre)
        if not isinstance(name, str) or not name:
            raise ConfigError(src, f"{pre}.name", "must be a non-empty string")
        if name in names:
            raise ConfigError(src, f"{pre}.name", f"duplicate design name {name!r}")
        names.add(name)
        if not isinstance(dev, str):
            raise ConfigError(src, f"{pre}.device", "must be a path to a device file")
        p = (base / dev) if not Path(dev).is_absolute() else Path(dev)
        if not p.is_file():
            raise ConfigError(src, f"{pre}.device", f"file not found: {p}")
        ov = d.get("set", {})
        if not isinstance(ov, dict):
            raise ConfigError(src, f"{pre}.set", "must be a table of KEY = VALUE overrides")
        out.append(DesignEntry(name, p, dict(ov)))
    if reference not in names:
        raise ConfigError(src, "reference", f"{reference!r} is not one of the designs ({', '.join(sorted(names))})")
    return Comparison(src, reference, targets, tuple(out))


@dataclass
class ComparisonResult:
    reference: str
    targets: dict
    results: list            # DesignResult
    rows: list               # contract rows (+ extras)
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"reference": self.reference, "targets": self.targets, "designs": self.rows,
                "seconds": self.seconds,
                "units": {"energy_per_bit": "J", "write_current": "A", "pulse_width": "s",
                          "write_latency": "s", "cell_area": "m^2", "current_density": "A/m^2",
                          "channel_energy": "J", "transistor_energy": "J", "peripheral_energy": "J"},
                "details": [r.to_json() for r in self.results]}

    def result(self, name) -> DesignResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)


def compare(comp: Comparison, settings: SearchSettings = STANDARD, *, progress=False,
            only=None) -> ComparisonResult:
    """Run the design search for every design (``only``: a subset of names; the reference is
    always included). A design whose device file cannot be evaluated or that cannot meet the
    targets gets ``meets_targets`` False and a reason; the others go on."""
    t0 = time.perf_counter()
    results = []
    names = None if only is None else set(only) | {comp.reference}
    for entry in comp.designs:
        if names is not None and entry.name not in names:
            continue
        try:
            dev = comp.load_device(entry)
            res = design(dev, comp.targets, settings, name=entry.name, progress=progress)
        except (ConfigError, SpinlossInputError):
            raise
        except Exception as exc:  # a design that breaks must not stop the others
            res = DesignResult(name=entry.name, meets_targets=False,
                               reason=f"evaluation failed: {type(exc).__name__}: {exc}")
        if progress:
            import sys

            msg = (f"E = {res.energy_per_bit:.4g} J at {res.pulse_width * 1e9:.3g} ns" if res.meets_targets
                   else f"cannot meet the targets: {res.reason}")
            print(f"[compare] {entry.name}: {msg} ({res.seconds:.1f} s)", file=sys.stderr, flush=True)
        results.append(res)
    rows = comparison_rows(results, comp.reference)
    tj = {"write_error_rate": comp.targets.write_error_rate, "retention_time": comp.targets.retention_time,
          "thermal_stability": comp.targets.delta, "temperature": comp.targets.temperature}
    return ComparisonResult(comp.reference, tj, results, rows, time.perf_counter() - t0)


def comparison_rows(results, reference: str) -> list:
    ref = next((r for r in results if r.name == reference), None)
    e_ref = ref.energy_per_bit if ref is not None and ref.meets_targets else None
    ch_ref = ref.channel_energy if ref is not None and ref.meets_targets else None
    rows = []
    for r in results:
        ok = r.meets_targets
        row = {"name": r.name, "meets_targets": ok, "reason": r.reason,
               "energy_per_bit": r.energy_per_bit if ok else None,
               "write_current": r.write_current if ok else None,
               "pulse_width": r.pulse_width if ok else None,
               "write_error_rate": r.write_error_rate if ok else None,
               "thermal_stability": r.thermal_stability if ok else None,
               "ratio_to_reference": (r.energy_per_bit / e_ref) if ok and e_ref else None}
        row.update({
            "advantage": (e_ref / r.energy_per_bit) if ok and e_ref else None,
            "channel_energy": r.channel_energy if ok else None,
            "channel_ratio_to_reference": (r.channel_energy / ch_ref) if ok and ch_ref else None,
            "transistor_energy": r.transistor_energy if ok else None,
            "peripheral_energy": r.peripheral_energy if ok else None,
            "current_density": r.current_density if ok else None,
            "write_latency": r.write_latency if ok else None,
            "cell_area": r.cell_area if ok else None,
            "wer_uncertainty": r.wer_uncertainty if ok else None,
            "wer_method": r.wer_method if ok else None,
            "damping_like_efficiency": r.torque.get("damping_like_efficiency") if r.torque else None,
            "reference_layer": r.torque.get("reference_layer") if r.torque else None,
        })
        rows.append(row)
    if ref is not None and not ref.meets_targets:
        for row in rows:
            row["reason"] = row["reason"] or f"reference {reference!r} cannot meet the targets: no ratio"
    return rows


# ----------------------------------------------------------------------------- map


class TargetNotMetErrorForMap(RuntimeError):
    """A map cannot be drawn because its design or reference cannot meet the targets."""

    @property
    def rule(self):
        return str(self)


def parse_axis(item: str):
    """``KEY=START:STOP:NUM[:log]`` -> (key, values in SI, display values, unit label)."""
    from ..cli import parse_vary_items

    grid = parse_vary_items([item])
    return grid.keys[0], grid.values[0], grid.display[0], grid.units[0], grid.log[0]


def _check_map_key(device, key):
    parts = key.split(".")
    if parts[0] in ("magnet", "geometry", "field", "pulse", "cell", "readout", "torques") or \
            (parts[0] == device.magnet_layer and len(parts) == 2 and parts[1] in MAGNET_KEY_SUFFIXES):
        raise SpinlossInputError("<command line>", key,
                                 "a map key must leave the magnet unchanged (transport keys only: spin "
                                 "Hall angles, resistivities, conductances, AFI or heavy-metal thickness); "
                                 "compare separate designs or use the scaling study for magnet keys")


@dataclass
class EnergyMap:
    design: str
    reference: str
    keys: tuple
    values: tuple            # SI grids
    display: tuple
    units: tuple
    log: tuple
    energy: np.ndarray       # (n1, n2) J, NaN where no torque / not drivable
    advantage: np.ndarray    # E_ref / E
    reference_energy: float
    nominal_advantage: float | None
    statement: str = ""

    def to_json(self) -> dict:
        return {"design": self.design, "reference": self.reference, "keys": list(self.keys),
                "values": [v.tolist() for v in self.values], "energy_per_bit": self.energy.tolist(),
                "advantage": self.advantage.tolist(), "reference_energy": self.reference_energy,
                "nominal_advantage": self.nominal_advantage, "statement": self.statement,
                "fraction_at_least_1x": float(np.nanmean(self.advantage >= 1)),
                "fraction_at_least_3x": float(np.nanmean(self.advantage >= 3)),
                "units": {"energy_per_bit": "J", "values": list(self.units)}}


def energy_map(comp: Comparison, result: ComparisonResult, design_name: str, axis1: str, axis2: str,
               *, reference: str | None = None) -> EnergyMap:
    """Advantage E_ref / E of ``design_name`` over the reference on a KEY1 x KEY2 grid (module
    docstring). ``axis`` items are ``KEY=START:STOP:NUM[:log]`` with units allowed."""
    reference = reference or comp.reference
    res = result.result(design_name)
    ref = result.result(reference)
    if not ref.meets_targets:
        raise TargetNotMetErrorForMap(f"the reference {reference!r} cannot meet the targets ({ref.reason}): "
                                      "no ratio to map")
    if res.device is None:
        raise TargetNotMetErrorForMap(f"design {design_name!r} has no sized magnet ({res.reason}): "
                                      "nothing to map")
    drive = {c["pulse_width"]: c["damping_like_field"] for c in res.curve if c.get("ok")}
    k1, v1, d1, u1, l1 = parse_axis(axis1)
    k2, v2, d2, u2, l2 = parse_axis(axis2)
    for k in (k1, k2):
        _check_map_key(res.device, k)
    energy = np.full((len(v1), len(v2)), np.nan)
    from ..device import Device

    base = res.device
    for i, a in enumerate(v1):
        for j, b in enumerate(v2):
            try:
                dev = Device.from_dict(base.raw, source=base.source, overrides={k1: float(a), k2: float(b)})
            except ConfigError as exc:
                raise SpinlossInputError("<command line>", "--map", f"{exc}") from None
            e = energy_at(dev, drive, comp.targets)
            if e["energy_per_bit"] is not None:
                energy[i, j] = e["energy_per_bit"]
    adv = ref.energy_per_bit / energy
    nominal = (ref.energy_per_bit / res.energy_per_bit) if res.meets_targets else None
    m = EnergyMap(design_name, reference, (k1, k2), (v1, v2), (d1, d2), (u1, u2), (l1, l2), energy, adv,
                  ref.energy_per_bit, nominal)
    m.statement = map_statement(m)
    return m


def map_statement(m: EnergyMap) -> str:
    a = m.advantage
    finite = np.isfinite(a)
    if not finite.any():
        return f"{m.design}: no point of the map can be written (no torque)."
    best = np.nanmax(a)
    i, j = np.unravel_index(np.nanargmax(a), a.shape)
    # fractions of the WHOLE map: a point the cell cannot write (current beyond the drive
    # limits, or no torque) counts as not beating the reference
    frac3 = float(np.mean(np.where(finite, a, 0.0) >= 3))
    frac1 = float(np.mean(np.where(finite, a, 0.0) >= 1))
    unwritable = float(np.mean(~finite))
    where = (f"{m.keys[0]} = {m.display[0][i]:.3g} {m.units[0]}, {m.keys[1]} = {m.display[1][j]:.3g} "
             f"{m.units[1]}").replace(" 1,", ",")
    nominal = (f" At the file's parameters it is {m.nominal_advantage:.3g}x."
               if m.nominal_advantage is not None else "")
    if unwritable > 0:
        nominal += f" On {100 * unwritable:.0f} % of the map the cell cannot be written at all."
    if best >= 3:
        first = _first_3x(m)
        return (f"{m.design} beats {m.reference} by 3x or more on {100 * frac3:.0f} % of the map "
                f"(needs {first}); it needs less energy than {m.reference} on {100 * frac1:.0f} % of the "
                f"map; best {best:.3g}x at {where}.{nominal}")
    if best >= 1:
        return (f"{m.design} never beats {m.reference} by 3x on this map; it needs less energy on "
                f"{100 * frac1:.0f} % of it (best {best:.3g}x at {where}).{nominal}")
    return (f"{m.design} needs more energy than {m.reference} everywhere on this map (best "
            f"{best:.3g}x, i.e. {1 / best:.3g} times the energy, at {where}).{nominal}")


def _first_3x(m: EnergyMap) -> str:
    """The smallest value of key 1 at which some key-2 value reaches 3x, and vice versa."""
    a = m.advantage >= 3
    parts = []
    rows = np.flatnonzero(a.any(axis=1))
    cols = np.flatnonzero(a.any(axis=0))
    if rows.size:
        parts.append(f"{m.keys[0]} >= {m.display[0][rows.min()]:.3g} {m.units[0]}".rstrip(" 1"))
    if cols.size:
        parts.append(f"{m.keys[1]} >= {m.display[1][cols.min()]:.3g} {m.units[1]}".rstrip(" 1"))
    return " and ".join(parts)


# ----------------------------------------------------------------------------- scaling


DEFAULT_SIZES = (200e-9, 100e-9, 50e-9, 35e-9, 20e-9)


def scaled_devices(comp: Comparison, name: str, sizes):
    """(size, device) for each lateral size (m): the design's device with its long axis set to
    the size and the aspect ratio kept."""
    entry = comp.entry(name)
    g = comp.load_device(entry).geometry
    long_axis = max(g.length, g.width)
    for size in sizes:
        f = size / long_axis
        yield size, comp.load_device(entry, {"geometry.length": g.length * f, "geometry.width": g.width * f})


def scaling(comp: Comparison, names, sizes=DEFAULT_SIZES, settings: SearchSettings = STANDARD, *,
            targets: Targets | None = None, progress=False) -> dict:
    """Energy, current, latency and Delta versus lateral size (m) for the named designs (module
    docstring). Returns ``{"sizes", "targets", "designs": {name: [row per size]}}``; rows of sizes
    where a target cannot be met carry ``meets_targets`` False and the reason."""
    targets = targets or comp.targets
    out = {"sizes": list(sizes), "targets": {"write_error_rate": targets.write_error_rate,
                                              "thermal_stability": targets.delta,
                                              "temperature": targets.temperature}, "designs": {}}
    for name in names:
        rows = []
        for s, dev in scaled_devices(comp, name, sizes):
            r = design(dev, targets, settings, name=f"{name} @ {s * 1e9:.0f} nm", progress=progress)
            rows.append({"size": s, "meets_targets": r.meets_targets, "reason": r.reason,
                         "energy_per_bit": r.energy_per_bit, "write_current": r.write_current,
                         "pulse_width": r.pulse_width, "write_latency": r.write_latency,
                         "thermal_stability": r.thermal_stability, "write_error_rate": r.write_error_rate,
                         "sizing": r.sizing.get("method") if r.sizing else None,
                         "cell_area": r.cell_area, "seconds": r.seconds})
            if progress:
                import sys

                print(f"[scaling] {name} @ {s * 1e9:.0f} nm: "
                      + (f"E = {r.energy_per_bit:.3g} J" if r.meets_targets else f"not met: {r.reason}"),
                      file=sys.stderr, flush=True)
        out["designs"][name] = rows
    return out


# ----------------------------------------------------------------------------- figures


def _fig(w=7.0, h=4.2, **kw):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), **kw)
    return fig


def plot_bars(result: ComparisonResult, path) -> Path:
    """Bar chart: energy per bit (fJ) of each design, split into channel, transistor and
    peripheral; designs that cannot meet the targets marked."""
    fig = _fig(8.0, 4.6)
    ax = fig.add_subplot(111)
    rows = result.rows
    names = [r["name"] for r in rows]
    x = np.arange(len(rows))
    ch = np.array([(r["channel_energy"] or 0) * 1e15 for r in rows])
    tr = np.array([(r["transistor_energy"] or 0) * 1e15 for r in rows])
    pe = np.array([(r["peripheral_energy"] or 0) * 1e15 for r in rows])
    ax.bar(x, ch, label="channel / MTJ  $I^2R t$", color="#1f77b4")
    ax.bar(x, tr, bottom=ch, label="access transistor  $I^2R_{on}t$", color="#ff7f0e")
    ax.bar(x, pe, bottom=ch + tr, label="peripheral (bit line)", color="#7f7f7f")
    tot = ch + tr + pe
    top = np.nanmax(tot) if np.any(tot > 0) else 1.0
    for i, r in enumerate(rows):
        if not r["meets_targets"]:
            ax.text(i, top * 0.02 if top > 0 else 0.1, "cannot meet\ntargets", ha="center", va="bottom",
                    rotation=90, fontsize=8, color="#b22222")
        elif r["advantage"] is not None:
            ax.text(i, tot[i], f"{r['advantage']:.2g}x", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=35, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("energy per bit (fJ)")
    t = result.targets
    ax.set_title(f"Energy per bit at Delta = {t['thermal_stability']:.1f}, WER = {t['write_error_rate']:g}, "
                 f"T = {t['temperature']:.0f} K (labels: advantage vs {result.reference})", fontsize=9)
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi * 8)  # head room above the tallest bar for the legend and labels
    ax.legend(fontsize=8, loc="upper center", ncol=3, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return Path(path)


def plot_map(m: EnergyMap, path) -> Path:
    """Advantage map E_ref/E (log colour scale) with the 1x and 3x contours."""
    from matplotlib.colors import LogNorm

    fig = _fig(6.4, 4.8)
    ax = fig.add_subplot(111)
    X, Y = np.meshgrid(m.display[0], m.display[1], indexing="ij")
    a = np.ma.masked_invalid(m.advantage)
    lo = max(float(np.nanmin(m.advantage)), 1e-4) if np.isfinite(m.advantage).any() else 1e-2
    hi = max(float(np.nanmax(m.advantage)), lo * 10) if np.isfinite(m.advantage).any() else 1.0
    pc = ax.pcolormesh(X, Y, a, shading="auto", norm=LogNorm(vmin=lo, vmax=hi), cmap="viridis")
    fig.colorbar(pc, ax=ax, label=f"advantage  E({m.reference}) / E({m.design})")
    if np.isfinite(m.advantage).sum() >= 4:
        cs = ax.contour(X, Y, np.nan_to_num(m.advantage, nan=0.0), levels=[1.0, 3.0],
                        colors=["white", "red"], linewidths=[1.5, 2.0])
        ax.clabel(cs, fmt={1.0: "1x", 3.0: "3x"}, fontsize=9)
    if m.log[0]:
        ax.set_xscale("log")
    if m.log[1]:
        ax.set_yscale("log")
    ax.set_xlabel(f"{m.keys[0]} ({m.units[0]})" if m.units[0] not in ("", "1") else m.keys[0])
    ax.set_ylabel(f"{m.keys[1]} ({m.units[1]})" if m.units[1] not in ("", "1") else m.keys[1])
    ax.set_title(f"{m.design} vs {m.reference}: 1x (white) and 3x (red) contours", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return Path(path)


def plot_scaling(sc: dict, path) -> Path:
    """Energy, current, pulse width and Delta versus lateral size; sizes that cannot meet the
    targets are marked with an x on the axis."""
    fig = _fig(9.0, 6.4)
    axes = [fig.add_subplot(2, 2, i + 1) for i in range(4)]
    keys = [("energy_per_bit", "energy per bit (fJ)", 1e15), ("write_current", "write current (uA)", 1e6),
            ("pulse_width", "pulse width (ns)", 1e9), ("thermal_stability", "Delta", 1.0)]
    for name, rows in sc["designs"].items():
        s = np.array([r["size"] for r in rows]) * 1e9
        ok = np.array([r["meets_targets"] for r in rows])
        for ax, (k, lab, f) in zip(axes, keys):
            y = np.array([(r[k] if r[k] is not None else np.nan) for r in rows], dtype=float) * f
            line, = ax.plot(s[ok], y[ok], "o-", label=name)
            if (~ok).any():
                ax.plot(s[~ok], np.full((~ok).sum(), np.nanmin(y) if np.isfinite(y).any() else 1.0),
                        "x", color=line.get_color(), ms=9)
    for ax, (k, lab, f) in zip(axes, keys):
        ax.set_xscale("log")
        if k != "thermal_stability":
            ax.set_yscale("log")
        ax.set_xlabel("lateral size (nm)")
        ax.set_ylabel(lab)
    axes[0].legend(fontsize=7)
    t = sc["targets"]
    fig.suptitle(f"Scaling at Delta = {t['thermal_stability']:.1f}, WER = {t['write_error_rate']:g} "
                 "(x: target not met at that size)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return Path(path)


# ----------------------------------------------------------------------------- demo section


#: Maps of the demo: (design, reference, axis 1, axis 2, file stem).
DEMO_MAPS = (
    ("Py/NiO spin loss", "Pt/Py", "free.spin_hall_angle=0.01:0.4:{n}",
     "interfaces.0.magnon_interface_conductance=1e13:1e16:{n}:log", "map_py_nio_vs_pt_py"),
    ("CoFeB/NiO spin loss", "Pt/CoFeB", "free.spin_hall_angle=0.01:0.4:{n}",
     "interfaces.0.magnon_interface_conductance=1e13:1e16:{n}:log", "map_cofeb_nio_vs_pt_cofeb"),
)

#: Fast demo: coarse WER target (documented in docs/energy.md); --full uses the file's 1e-9.
DEMO_FAST_WER = 1e-4


def energy_section(output_dir, examples_dir=None, fast: bool = True, *, progress=True) -> dict:
    """Demo section "energy" (issue 4 item 6): the comparison table and bar chart of
    ``examples/compare.toml``, the 3x maps (spin loss vs the same-magnet heavy-metal reference
    and vs the file's reference), the scaling figure, and ``report.html`` in ``output_dir``.

    ``fast`` (default, the demo): WER target :data:`DEMO_FAST_WER`, :data:`~.design.FAST`
    search settings, 16 x 16 maps, scaling of the STT cell by Fokker-Planck (cheap) at 3 sizes and
    a retention-only check of the in-plane cells at every size. ``fast=False``: the file's
    WER (1e-9), :data:`~.design.STANDARD` settings, 30 x 30 maps and the full scaling study
    (hours on 2 cores). Returns the studies.py section dict (``title``, ``files``, ``table``,
    ``columns``, ``seconds``) plus ``report_sections`` and ``parameters`` for the HTML report.
    """
    import csv
    import json
    import time as _t

    from .. import report as _report
    from .design import FAST, STANDARD, clear_cache

    t0 = _t.perf_counter()
    out = Path(output_dir) / "energy"
    out.mkdir(parents=True, exist_ok=True)
    ex = Path(examples_dir) if examples_dir is not None else _find_examples()
    settings = FAST if fast else STANDARD
    comp = load_comparison(ex / "compare.toml",
                           target_overrides={"write_error_rate": DEMO_FAST_WER} if fast else None)
    clear_cache()
    result = compare(comp, settings, progress=progress)
    files = {}
    files["comparison_json"] = out / "comparison.json"
    files["comparison_json"].write_text(json.dumps(_jsonable(result.to_json()), indent=1))
    files["comparison_csv"] = out / "comparison.csv"
    cols = list(CONTRACT_KEYS) + ["advantage", "channel_energy", "channel_ratio_to_reference",
                                  "transistor_energy", "peripheral_energy", "write_latency", "cell_area",
                                  "damping_like_efficiency", "reference_layer"]
    with open(files["comparison_csv"], "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in result.rows:
            w.writerow(r)
    files["bars"] = plot_bars(result, out / "energy_per_bit.png")
    # maps
    n = 16 if fast else 30
    maps = []
    for name, ref, a1, a2, stem in DEMO_MAPS:
        try:
            m = energy_map(comp, result, name, a1.format(n=n), a2.format(n=n), reference=ref)
        except (SpinlossInputError, TargetNotMetErrorForMap, KeyError) as exc:
            maps.append({"design": name, "reference": ref, "statement": f"no map for {name} vs {ref}: "
                         f"{getattr(exc, 'rule', exc)}"})
            continue
        files[stem] = plot_map(m, out / f"{stem}.png")
        maps.append(m.to_json())
    # scaling
    sizes = (100e-9, 50e-9, 20e-9) if fast else DEFAULT_SIZES
    stt = [r.name for r in result.results if r.torque.get("mechanism") == "stt"]
    sc = scaling(comp, stt, sizes, settings, progress=progress) if stt else {"designs": {}, "sizes": list(sizes)}
    sc.setdefault("targets", {"write_error_rate": comp.targets.write_error_rate,
                              "thermal_stability": comp.targets.delta, "temperature": comp.targets.temperature})
    if fast:
        sc["retention_only"] = retention_scaling(comp, [r.name for r in result.results
                                                        if r.torque.get("mechanism") != "stt"], DEFAULT_SIZES)
    else:
        others = [r.name for r in result.results if r.name not in stt and r.torque
                  and abs(r.torque.get("damping_like_efficiency", 0)) > 1e-12]
        sc["designs"].update(scaling(comp, others, sizes, settings, progress=progress)["designs"])
    if sc["designs"]:
        files["scaling"] = plot_scaling(sc, out / "scaling.png")
    files["scaling_json"] = out / "scaling.json"
    files["scaling_json"].write_text(json.dumps(_jsonable(sc), indent=1))
    statements = verdict(result, maps)
    table = [{k: r.get(k) for k in cols} for r in result.rows]
    columns = {"name": "design", "meets_targets": "meets targets", "energy_per_bit": "E (fJ)",
               "channel_energy": "E channel (fJ)", "write_current": "I (uA)", "pulse_width": "t_p (ns)",
               "write_latency": "latency (ns)", "cell_area": "area (um^2)", "write_error_rate": "WER (re-checked)",
               "thermal_stability": "Delta", "ratio_to_reference": f"E / E({result.reference})",
               "advantage": "advantage", "damping_like_efficiency": "xi_DL", "reference_layer": "J in",
               "reason": "reason"}
    scale = {"energy_per_bit": 1e15, "channel_energy": 1e15, "write_current": 1e6, "pulse_width": 1e9,
             "write_latency": 1e9, "cell_area": 1e12}
    summary = {"section": "energy", "title": "Energy per bit: spin loss versus heavy-metal SOT and STT",
               "files": {k: str(v) for k, v in files.items()}, "table": table, "columns": columns,
               "statements": statements, "maps": maps, "scaling": sc, "fast": fast,
               "targets": result.targets, "reference": result.reference}
    summary["report_sections"] = report_sections(result, maps, sc, statements, files, columns, scale, fast)
    summary["parameters"] = parameter_rows(result)
    summary["seconds"] = _t.perf_counter() - t0
    (out / "energy_summary.json").write_text(json.dumps(_jsonable(summary), indent=1))
    try:
        files["report"] = _report.write_demo_report(output_dir, {"energy": summary})
        summary["files"]["report"] = str(files["report"])
    except Exception as exc:  # the report must not sink the section
        summary["report_error"] = f"{type(exc).__name__}: {exc}"
    summary["seconds"] = _t.perf_counter() - t0
    return summary


def retention_scaling(comp: Comparison, names, sizes) -> dict:
    """Whether each design can reach the Delta target at each lateral size (sizing only, no WER)."""
    from ..errors import TargetNotMetError
    from .cell import size_for_delta

    out = {}
    for name in names:
        rows = []
        for s, dev in scaled_devices(comp, name, sizes):
            try:
                _, how = size_for_delta(dev, comp.targets.delta, comp.targets.temperature)
                rows.append({"size": s, "retention_met": True, "sizing": how["method"], "reason": None})
            except TargetNotMetError as exc:
                rows.append({"size": s, "retention_met": False, "sizing": None, "reason": exc.reason})
        out[name] = rows
    return out


def verdict(result: ComparisonResult, maps: list) -> list:
    """Plain statements: who beats whom by how much at the file's parameters, and where 3x holds."""
    rows = {r["name"]: r for r in result.rows}
    ok = {n: r for n, r in rows.items() if r["meets_targets"]}
    out = []
    spin = [n for n in ok if "spin loss" in n or "sink" in n]
    refs = [n for n in ok if n not in spin]
    for s in spin:
        for ref in refs:
            a = ok[ref]["energy_per_bit"] / ok[s]["energy_per_bit"]
            ach = ok[ref]["channel_energy"] / ok[s]["channel_energy"]
            word = ("beats" if a >= 1 else "loses to")
            three = " (3x or more)" if a >= 3 else ""
            out.append(f"{s} {word} {ref}: advantage {a:.3g}x in cell energy{three}, {ach:.3g}x in channel "
                       "Joule energy alone.")
    for n, r in rows.items():
        if not r["meets_targets"]:
            out.append(f"{n}: cannot meet the targets ({r['reason']}).")
    for m in maps:
        out.append(m.get("statement", ""))
    return out


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
        intro.append("Demo (fast) settings: WER target 1e-4 instead of 1e-9, one pulse width (3 ns), small splitting "
                     "ensembles. Run `spinloss compare examples/compare.toml` (or energy_section(fast=False)) "
                     "for the 1e-9 study.")
    html = "<div class=\"note\"><ul>" + "".join(f"<li>{_r.esc(s)}</li>" for s in statements if s) + "</ul></div>"
    secs.append({"title": "Energy per bit at the same Delta and WER", "text": intro, "html": html,
                 "table": result.rows, "columns": columns, "scale": scale, "left": ("name", "reason", "reference_layer"),
                 "figures": [files["bars"]]})
    mfig = [files[k] for k in files if str(k).startswith("map_")]
    secs.append({"title": "Where does 3x hold? Energy-ratio maps",
                 "text": ["Advantage E(reference)/E(design) over the FM's spin-Hall-like angle and the magnon "
                          "interface conductance, with the 1x (white) and 3x (red) contours. Each point reuses "
                          "the WER engine's required damping-like field for the (unchanged) magnet."]
                 + [m.get("statement", "") for m in maps], "figures": mfig})
    sc_text = ["Lateral size scaled with the aspect ratio kept; every size re-sized to the same Delta. "
               "Where the target cannot be met the size is marked, not extrapolated."]
    for name, rows in (sc.get("retention_only") or {}).items():
        bad = [f"{r['size'] * 1e9:.0f} nm" for r in rows if not r["retention_met"]]
        sc_text.append(f"{name}: retention target " + ("met at every size (WER not computed in fast mode)."
                                                       if not bad else f"cannot be met at {', '.join(bad)}."))
    for name, rows in sc.get("designs", {}).items():
        for r in rows:
            if not r["meets_targets"]:
                sc_text.append(f"{name} at {r['size'] * 1e9:.0f} nm: {r['reason']}")
    secs.append({"title": "Scaling from 200 nm to 20 nm", "text": sc_text,
                 "figures": [files["scaling"]] if "scaling" in files else []})
    return secs


def parameter_rows(result) -> list:
    """Parameters of the cell model with their sources (report table)."""
    from .cell import MAX_ANISOTROPY_SOURCES, READOUT_SOURCES, TECHNOLOGY_NODES

    rows = []
    node = TECHNOLOGY_NODES["28nm"]
    units = {"feature_size": "m", "supply_voltage": "V", "on_current_per_width": "A/m",
             "on_resistance_width": "Ohm m", "min_transistor_width": "m", "bitline_capacitance": "F"}
    for k, u in units.items():
        rows.append({"parameter": f"28nm: {k}", "value": node[k], "unit": u, "source": node["sources"].get(k, "")})
    rows.append({"parameter": "peripheral_energy", "value": node["bitline_capacitance"] * node["supply_voltage"] ** 2,
                 "unit": "J", "source": node["sources"]["peripheral_energy"]})
    for k, v in (("tmr", 1.5), ("resistance_area", 10e-12), ("read_voltage", 0.1), ("read_time", 5e-9),
                 ("max_voltage", 0.5), ("read_current_density", 1.3e11), ("usmr_ratio", 1e-5)):
        rows.append({"parameter": f"readout: {k}", "value": v, "unit": "", "source": READOUT_SOURCES[k]})
    for k, v in MAX_ANISOTROPY_SOURCES.items():
        rows.append({"parameter": f"max uniaxial anisotropy ({k})", "value": 1e6 if k == "perpendicular" else 1e5,
                     "unit": "J/m^3", "source": v})
    for r in result.results:
        if r.torque:
            rows.append({"parameter": f"{r.name}: xi_DL (J in {r.torque.get('reference_layer')})",
                         "value": r.torque.get("damping_like_efficiency"), "unit": "",
                         "source": r.torque.get("source")})
    return rows


def _find_examples() -> Path:
    try:
        from ..studies import find_examples_dir

        return Path(find_examples_dir(None))
    except Exception:
        return Path(__file__).resolve().parents[3] / "examples"


def _jsonable(obj):
    from ..io import to_jsonable

    return to_jsonable(obj)
