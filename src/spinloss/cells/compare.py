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

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import check_keys, read_toml, require
from ..errors import ConfigError, Interrupted, SpinlossInputError
from ..io import JsonResult
from ..progress import note
from .design import UNITS as DESIGN_UNITS
from .design import (STANDARD, WER_RESOLUTION, DesignResult, DriveCurves, SearchSettings, Targets, design, energy_at,
                     same_magnet)

COMPARE_KEYS = {"reference", "targets", "designs"}
TARGET_KEYS = {"write_error_rate", "retention", "temperature", "thermal_stability"}
DESIGN_KEYS = {"name", "device", "set", "optimize"}

#: Keys of the JSON contract, in order.
CONTRACT_KEYS = ("name", "meets_targets", "reason", "energy_per_bit", "write_current", "pulse_width",
                 "write_error_rate", "thermal_stability", "ratio_to_reference")

#: Keys that change the magnet (refused in maps).
MAGNET_KEY_SUFFIXES = ("thickness", "saturation_magnetization", "damping")


#: Units of a comparison's search settings and targets (SI; counts and flags "1").
SEARCH_AND_TARGET_UNITS = {
    "widths": "s", "fokker_planck_widths": "s", "check_particles": "1", "check_repetitions": "1",
    "max_evaluations": "1", "monte_carlo_trials": "1", "particles": "1", "repetitions": "1",
    "search_tolerance": "1", "seed": "1", "settle_relaxation_times": "1", "share_field_like": "1",
    "retention_time": "s", "temperature": "K", "thermal_stability": "1", "write_error_rate": "1",
    "interrupted": "1"}

@dataclass(frozen=True)
class DesignEntry:
    name: str
    device: Path
    overrides: dict
    optimize: object = None      # grids.Axis of a transport key: least-energy value within the range


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
        opt = d.get("optimize")
        axis = None
        if opt is not None:
            if not isinstance(opt, dict) or len(opt) != 1:
                raise ConfigError(src, f"{pre}.optimize", "must be a table with one KEY = \"START:STOP:NUM[:log]\" "
                                  "(e.g. {\"Pt.thickness\" = \"2 nm:10 nm:9\"})")
            from ..grids import parse_range

            (okey, ospec), = opt.items()
            axis = parse_range(ospec, okey, source=src)
            if axis.values.size < 2:
                raise ConfigError(src, f"{pre}.optimize.{okey}", "give at least two values to choose from")
            if okey in ov:
                raise ConfigError(src, f"{pre}.optimize.{okey}", "also given in set")
        out.append(DesignEntry(name, p, dict(ov), axis))
    if reference not in names:
        raise ConfigError(src, "reference", f"{reference!r} is not one of the designs ({', '.join(sorted(names))})")
    return Comparison(src, reference, targets, tuple(out))


@dataclass
class ComparisonResult(JsonResult):
    reference: str
    targets: dict
    results: list            # DesignResult
    rows: list               # contract rows (+ extras)
    seconds: float = 0.0

    interrupted: bool = False
    settings: SearchSettings = STANDARD   # the design search's settings (maps reuse them)

    def as_dict(self) -> dict:
        return {"reference": self.reference, "targets": self.targets, "designs": self.rows,
                "interrupted": self.interrupted, "search_settings": self.settings.to_json(),
                "seconds": self.seconds,
                "units": {**DESIGN_UNITS, **SEARCH_AND_TARGET_UNITS,
                          "seconds": "s", "supply_energy": "J", "channel": "J", "transistor": "J",
                          "peripheral": "J", "supply": "J", "energy_per_bit": "J", "write_current": "A",
                          "pulse_width": "s",
                          "write_latency": "s", "cell_area": "m^2", "current_density": "A/m^2",
                          "channel_energy": "J", "transistor_energy": "J", "peripheral_energy": "J",
                          "peak_temperature": "K"},
                "details": [r.to_json() for r in self.results]}

    def result(self, name) -> DesignResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)


def compare(comp: Comparison, settings: SearchSettings = STANDARD, *, progress=None,
            only=None, workers: int | None = None) -> ComparisonResult:
    """Run the design search for every design (``only``: a subset of names; the reference is
    always included). A design whose device file cannot be evaluated or that cannot meet the
    targets gets ``meets_targets`` False and a reason; the others go on.

    ``workers``: processes the designs run on at once (default: the usable cores; 1 runs them in
    this process, one after the other). The designs share nothing, so the result does not depend
    on it; the designs with a thickness search (about twice the work) start first."""
    t0 = time.perf_counter()
    names = None if only is None else set(only) | {comp.reference}
    todo = [e for e in comp.designs if names is None or e.name in names]
    tj = {"write_error_rate": comp.targets.write_error_rate, "retention_time": comp.targets.retention_time,
          "thermal_stability": comp.targets.delta, "temperature": comp.targets.temperature}
    from ..sweep.jobs import WorkerDied, run_jobs

    order = sorted(range(len(todo)), key=lambda i: todo[i].optimize is None)   # stable: file order within
    done: dict = {}

    def finished(k, res):
        entry = todo[order[k]]
        if isinstance(res, WorkerDied):
            res = DesignResult(name=entry.name, meets_targets=False, reason=f"evaluation failed: {res}")
        done[order[k]] = res
        msg = (f"E = {res.energy_per_bit:.4g} J at {res.pulse_width * 1e9:.3g} ns" if res.meets_targets
               else f"cannot meet the targets: {res.reason}")
        note(progress, "compare", f"{entry.name}: {msg} ({res.seconds:.1f} s)")

    try:
        run_jobs(design_entry, [(comp, todo[i], settings) for i in order], workers=workers, progress=progress,
                 labels=[todo[i].name for i in order], on_result=finished)
    except KeyboardInterrupt:
        results = [done[i] for i in sorted(done)]
        partial = ComparisonResult(comp.reference, tj, results, comparison_rows(results, comp.reference),
                                   time.perf_counter() - t0, interrupted=True, settings=settings)
        raise Interrupted(partial, f"{len(results)} of {len(todo)} designs finished "
                                   f"({', '.join(r.name for r in results) or 'none'})") from None
    results = [done[i] for i in range(len(todo))]
    rows = comparison_rows(results, comp.reference)
    return ComparisonResult(comp.reference, tj, results, rows, time.perf_counter() - t0, settings=settings)


def design_entry(comp: Comparison, entry: DesignEntry, settings: SearchSettings = STANDARD, *,
                 progress=None) -> DesignResult:
    """The design of one entry of a comparison (its thickness search included). An input error
    is raised; any other failure of the evaluation becomes a design that cannot meet the targets,
    with the error as its reason (one design that breaks must not stop the others)."""
    try:
        dev = comp.load_device(entry)
        if entry.optimize is not None:
            return optimized_design(dev, entry, comp.targets, settings, progress=progress)
        return design(dev, comp.targets, settings, name=entry.name, progress=progress)
    except (ConfigError, SpinlossInputError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001
        return DesignResult(name=entry.name, meets_targets=False,
                            reason=f"evaluation failed: {type(exc).__name__}: {exc}")


def optimized_design(device, entry: DesignEntry, targets: Targets, settings: SearchSettings = STANDARD, *,
                     progress=None) -> DesignResult:
    """The design of ``device`` at the least-energy value of ``entry.optimize`` (a transport key,
    e.g. a heavy metal's thickness) within its range (docs/energy.md, "Like for like"). The file's
    value is designed first (sizing, drive curves); each candidate's energy then comes from the
    drive curves at its own alpha_eff (:class:`~spinloss.cells.design.DriveCurves`: no new WER
    search unless alpha_eff leaves the nodes); the least supply energy wins and is designed again
    in full (re-check included). The result's ``optimization`` lists every candidate."""
    axis = entry.optimize
    first = design(device, targets, settings, name=entry.name, progress=progress)
    if first.device is None or not first.curve:
        return first
    _check_map_key(first.device, axis.key, source=str(entry.device))
    curves = DriveCurves(first.device, targets, settings, [c["pulse_width"] for c in first.curve], progress=progress)
    rows = []
    for v, shown in zip(axis.values, axis.display):
        try:
            e = energy_at(first.device.with_values({axis.key: float(v)}), curves, targets)
        except ConfigError as exc:
            raise SpinlossInputError(str(entry.device), f"optimize.{axis.key}", str(exc)) from None
        rows.append({"value": float(v), "display": float(shown), "energy_per_bit": e["energy_per_bit"],
                     "channel_energy": (e.get("energies") or {}).get("channel"),
                     "pulse_width": e["pulse_width"], "effective_damping": e["effective_damping"]})
        note(progress, "compare", f"{entry.name}: {axis.key} = {shown:.4g} {axis.unit}: "
             + (f"E = {e['energy_per_bit']:.4g} J" if e["energy_per_bit"] is not None else "cannot be written"))
    usable = [r for r in rows if r["energy_per_bit"] is not None]
    info = {"key": axis.key, "unit": axis.unit, "candidates": rows, "metric": "supply",
            "damping_nodes": len(curves.nodes)}
    if not usable:
        first.optimization = {**info, "chosen": None, "at_edge": False}
        return first
    best = min(usable, key=lambda r: r["energy_per_bit"])
    i = rows.index(best)
    final = design(device.with_values({axis.key: best["value"]}), targets, settings, name=entry.name,
                   progress=progress)
    final.optimization = {**info, "chosen": best["value"], "chosen_display": best["display"],
                          "at_edge": i in (0, len(rows) - 1)}
    return final


#: The energy metrics whose ratios a comparison reports (docs/energy.md): the channel Joule energy
#: (the physics figure) and the energy drawn from the supply (the cost in a cell).
ADVANTAGE_METRICS = ("channel", "supply")


def comparison_rows(results, reference: str) -> list:
    """One row per design: the contract keys, the four ``energies`` (J) and the ``advantages``
    E_ref/E per metric of :data:`ADVANTAGE_METRICS` (None where a design or the reference cannot
    meet the targets). ``advantage`` and ``ratio_to_reference`` are those of the supply energy
    (``energy_per_bit``)."""
    ref = next((r for r in results if r.name == reference), None)
    ref_e = ref.energies if ref is not None and ref.meets_targets else None
    e_ref = ref.energy_per_bit if ref_e else None
    ch_ref = ref.channel_energy if ref_e else None
    rows = []
    for r in results:
        ok = r.meets_targets
        energies = r.energies
        advantages = {m: (ref_e[m] / energies[m]) if ok and ref_e and energies[m] else None for m in ADVANTAGE_METRICS}
        row = {"name": r.name, "meets_targets": ok, "reason": r.reason,
               "energy_per_bit": r.energy_per_bit if ok else None,
               "write_current": r.write_current if ok else None,
               "pulse_width": r.pulse_width if ok else None,
               "write_error_rate": r.write_error_rate if ok else None,
               "thermal_stability": r.thermal_stability if ok else None,
               "ratio_to_reference": (r.energy_per_bit / e_ref) if ok and e_ref else None}
        row.update({
            "energies": energies,
            "advantages": advantages,
            "advantage": advantages["supply"],
            "channel_energy": r.channel_energy if ok else None,
            "channel_ratio_to_reference": (r.channel_energy / ch_ref) if ok and ch_ref else None,
            "transistor_energy": r.transistor_energy if ok else None,
            "peripheral_energy": r.peripheral_energy if ok else None,
            "supply_energy": r.supply_energy if ok else None,
            "current_density": r.current_density if ok else None,
            "write_latency": r.write_latency if ok else None,
            "cell_area": r.cell_area if ok else None,
            "wer_uncertainty": r.wer_uncertainty if ok else None,
            "wer_relative_uncertainty": r.wer_relative_uncertainty if ok else None,
            "wer_resolved": r.wer_resolved if ok else None,
            "wer_method": r.wer_method if ok else None,
            "category": (r.classification or {}).get("category"),
            "optimized": ({r.optimization["key"]: r.optimization.get("chosen")} if r.optimization else None),
            "effective_damping": r.effective_damping,
            "peak_temperature": r.peak_temperature if ok else None,
            "warnings": list(r.warnings or []),
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
    """``KEY=START:STOP:NUM[:log]`` -> :class:`spinloss.grids.Axis` (SI values, dimension checked)."""
    from ..grids import parse_vary_item

    return parse_vary_item(item)


def _check_map_key(device, key, source="<command line>"):
    parts = key.split(".")
    if parts[0] in ("magnet", "geometry", "field", "pulse", "cell", "readout", "torques") or \
            (parts[0] == device.magnet_layer and len(parts) == 2 and parts[1] in MAGNET_KEY_SUFFIXES):
        raise SpinlossInputError(source, key,
                                 "a map key must leave the magnet unchanged (transport keys only: spin "
                                 "Hall angles, resistivities, conductances, AFI or heavy-metal thickness); "
                                 "compare separate designs or use the scaling study for magnet keys")


@dataclass
class EnergyMap(JsonResult):
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
    channel_energy: np.ndarray | None = None       # (n1, n2) J, the channel Joule energy I^2 R t
    channel_advantage: np.ndarray | None = None    # E_ref,channel / E_channel
    reference_channel_energy: float | None = None
    effective_damping: np.ndarray | None = None    # (n1, n2) alpha_eff at each point
    nominal_channel_advantage: float | None = None
    names: tuple = ()                              # the keys' quantities in words (names.quantity_words)
    heating_removed: bool = False                  # heated designs mapped without Joule heating ([D], docs/energy.md)

    def words(self, k: int) -> str:
        return self.names[k] if self.names else self.keys[k]

    def metric(self, name: str) -> "EnergyMap":
        """The same map in another energy metric (``supply``: this one; ``channel``)."""
        if name == "supply":
            return self
        from dataclasses import replace as _replace

        return _replace(self, energy=self.channel_energy, advantage=self.channel_advantage,
                        reference_energy=self.reference_channel_energy, nominal_advantage=self.nominal_channel_advantage)

    def as_dict(self) -> dict:
        def fractions(a):
            a = np.where(np.isfinite(a), a, 0.0)
            return {"fraction_at_least_1x": float(np.mean(a >= 1)), "fraction_at_least_3x": float(np.mean(a >= 3))}

        out = {"design": self.design, "reference": self.reference, "keys": list(self.keys),
               "values": [v.tolist() for v in self.values], "energy_per_bit": self.energy.tolist(),
               "advantage": self.advantage.tolist(), "reference_energy": self.reference_energy,
               "nominal_advantage": self.nominal_advantage, "statement": self.statement,
               "heating_removed": self.heating_removed,
               **fractions(self.advantage),
               "units": {"energy_per_bit": "J", "channel_energy": "J", "values": list(self.units),
                         "advantage": "1", "nominal_advantage": "1", "fraction_at_least_1x": "1",
                         "fraction_at_least_3x": "1", "heating_removed": "1", "reference_energy": "J",
                         "channel_advantage": "1", "channel_reference_energy": "J"}}
        if self.channel_advantage is not None:
            out["advantages"] = {"supply": {"advantage": self.advantage.tolist(), **fractions(self.advantage)},
                                 "channel": {"advantage": self.channel_advantage.tolist(),
                                             **fractions(self.channel_advantage)}}
            out["channel_energy"] = self.channel_energy.tolist()
            out["reference_channel_energy"] = self.reference_channel_energy
        if self.effective_damping is not None:
            out["effective_damping"] = self.effective_damping.tolist()
        return out


def energy_map(comp: Comparison, result: ComparisonResult, design_name: str, axis1: str, axis2: str,
               *, reference: str | None = None, progress=None) -> EnergyMap:
    """Advantage E_ref / E of ``design_name`` over the reference on a KEY1 x KEY2 grid (module
    docstring). ``axis`` items are ``KEY=START:STOP:NUM[:log]`` with units allowed."""
    reference = reference or comp.reference
    try:
        res = result.result(design_name)
        ref = result.result(reference)
    except KeyError as exc:
        raise SpinlossInputError("<command line>", "--design", f"design {exc.args[0]!r} was not run "
                                 "(it is not in the file, or --only left it out)") from None
    if not ref.meets_targets:
        raise TargetNotMetErrorForMap(f"the reference {reference!r} cannot meet the targets ({ref.reason}): "
                                      "no ratio to map")
    if res.device is None:
        unheated = _unheated_design(comp, design_name, result.settings, progress)
        if unheated is None:
            raise TargetNotMetErrorForMap(f"design {design_name!r} has no sized magnet ({res.reason}): "
                                          "nothing to map")
        # a heated design that fails (its pulse reaches the Curie margin): the map, unheated in any
        # case (below), is that of the unheated design
        res = unheated
    # the required drive follows alpha_eff, which the map's keys change (spin pumping into the
    # sink or the heavy metal): curves at damping nodes, interpolated (design.DriveCurves)
    widths = [c["pulse_width"] for c in res.curve]
    base = res.device
    ref_energy, ref_channel = ref.energy_per_bit, ref.channel_energy
    nominal = (ref.energy_per_bit / res.energy_per_bit) if res.meets_targets else None
    nominal_ch = (ref.channel_energy / res.channel_energy) if res.meets_targets else None
    heated = bool(base.heating_enabled or (ref.device is not None and ref.device.heating_enabled))
    if heated:
        # [D] maps without Joule heating (docs/energy.md, "Maps"): a heated pulse's WER depends on
        # the current J = H_DL / (H_DL per J), which the map's keys change, so drive curves in H_DL
        # cannot be shared across the map; both ends are taken unheated, the ratios labelled so
        off = {"heating.enabled": False}
        base = base.with_values(off)
        ref_dev = ref.device.with_values(off)
        ref_curves = DriveCurves(ref_dev, comp.targets, result.settings, [c["pulse_width"] for c in ref.curve],
                                 progress=progress)
        e_ref = energy_at(ref_dev, ref_curves, comp.targets)
        if e_ref["energy_per_bit"] is None:
            raise TargetNotMetErrorForMap(f"the reference {reference!r} cannot meet the targets without Joule "
                                          "heating: no unheated ratio to map")
        ref_energy, ref_channel = e_ref["energy_per_bit"], e_ref["energies"]["channel"]
    drive = DriveCurves(base, comp.targets, result.settings, widths, progress=progress)
    if heated:
        e_nom = energy_at(base, drive, comp.targets)
        nominal = ref_energy / e_nom["energy_per_bit"] if e_nom["energy_per_bit"] else None
        nominal_ch = ref_channel / e_nom["energies"]["channel"] if e_nom["energy_per_bit"] else None
    from ..sweep import evaluate_grid

    ax1, ax2 = parse_axis(axis1), parse_axis(axis2)
    for k in (ax1.key, ax2.key):
        _check_map_key(base, k)

    def point(overrides):
        try:
            dev = base.with_values(overrides)
        except ConfigError as exc:
            raise SpinlossInputError("<command line>", "--map", f"{exc}") from None
        e = energy_at(dev, drive, comp.targets)
        ch = e["energies"]["channel"] if e.get("energies") else None
        return {"energy_per_bit": e["energy_per_bit"], "channel_energy": ch,
                "effective_damping": e["effective_damping"]}

    try:
        run = evaluate_grid([ax1, ax2], point, errors="raise", progress=progress)
    except Interrupted as exc:
        raise Interrupted(partial_map(exc.partial, design_name, reference),
                          f"map of {design_name}: {exc.what} (no map statement)") from None
    st = run.stacked()

    def grid(name):
        return np.asarray([np.nan if v is None else v for v in np.ravel(st[name])], dtype=float).reshape(
            np.shape(st[name]))

    energy, channel, alpha = grid("energy_per_bit"), grid("channel_energy"), grid("effective_damping")
    adv = ref_energy / energy
    m = EnergyMap(design_name, reference, (ax1.key, ax2.key), (ax1.values, ax2.values),
                  (ax1.display, ax2.display), (ax1.unit, ax2.unit), (ax1.log, ax2.log), energy, adv,
                  ref_energy, nominal, channel_energy=channel,
                  channel_advantage=ref_channel / channel, reference_channel_energy=ref_channel,
                  effective_damping=alpha, nominal_channel_advantage=nominal_ch,
                  names=(key_words(base, ax1.key), key_words(base, ax2.key)), heating_removed=heated)
    m.statement = (("Without Joule heating (both designs unheated; the table's designs are heated): "
                    if heated else "")
                   + f"Supply energy: {map_statement(m)} Channel Joule energy (I^2 R t): "
                   f"{map_statement(m.metric('channel'))} alpha_eff on the map: {np.nanmin(alpha):.3g} to "
                   f"{np.nanmax(alpha):.3g} ({len(drive.nodes)} damping nodes of the WER engine).")
    return m


def partial_map(run, design_name: str, reference: str) -> dict:
    """The finished points of an interrupted map (a :class:`~spinloss.sweep.GridRun`) as JSON,
    marked ``interrupted``: the supply energy on the grid (null where not finished) and the
    per-point ``status``; no statement and no advantage fractions (they would read the
    unfinished points as unwritable)."""
    shape = run.shape
    energy = [None if r is None else r.get("energy_per_bit") for r in run.results]
    channel = [None if r is None else r.get("channel_energy") for r in run.results]
    done = int(np.sum(run.status != 0))
    return {"design": design_name, "reference": reference, "keys": run.keys,
            "values": [np.asarray(a.values).tolist() for a in run.axes],
            "energy_per_bit": np.asarray(energy, dtype=object).reshape(shape).tolist(),
            "channel_energy": np.asarray(channel, dtype=object).reshape(shape).tolist(),
            "status": run.status.reshape(shape).tolist(), "interrupted": True,
            "points_finished": done, "points": int(np.prod(shape)),
            "statement": f"Map of {design_name} versus {reference} interrupted: {done} of {int(np.prod(shape))} "
                         "points finished (no map statement).",
            "units": {"energy_per_bit": "J", "channel_energy": "J", "status": "1", "interrupted": "1",
                      "points_finished": "1", "points": "1"}}


def _unheated_design(comp: Comparison, name: str, settings, progress):
    """The design ``name`` of ``comp`` searched without Joule heating, or None (its file is not
    heated, or even unheated it has no sized magnet with a drive curve)."""
    entry = next((e for e in comp.designs if e.name == name), None)
    if entry is None:
        return None
    dev = comp.load_device(entry)
    if not dev.heating_enabled:
        return None
    note(progress, "compare", f"{name}: unheated design for the map (the heated one cannot be written)")
    res = design(dev.with_values({"heating.enabled": False}), comp.targets, settings, name=name, progress=progress)
    return res if res.device is not None and res.curve else None


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
    where = (f"{m.words(0)} = {m.display[0][i]:.3g} {m.units[0]}, {m.words(1)} = {m.display[1][j]:.3g} "
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


def _drop_unit_one(text: str) -> str:
    """"x >= 0.37 1" -> "x >= 0.37" (a dimensionless unit written "1"); other text unchanged."""
    return text[:-2] if text.endswith(" 1") else text


def key_words(device, key: str) -> str:
    """The quantity of an override ``key`` of ``device`` in words (:func:`spinloss.names.quantity_words`),
    with the kind of the layer it belongs to."""
    from ..names import quantity_words

    kind = None
    first = key.split(".")[0]
    for layer in device.stack.layers:
        if layer.name == first:
            kind = layer.kind
    return quantity_words(key, kind=kind)


def _first_3x(m: EnergyMap) -> str:
    """The smallest value of key 1 at which some key-2 value reaches 3x, and vice versa."""
    a = m.advantage >= 3
    parts = []
    rows = np.flatnonzero(a.any(axis=1))
    cols = np.flatnonzero(a.any(axis=0))
    if rows.size:
        parts.append(_drop_unit_one(f"{m.words(0)} >= {m.display[0][rows.min()]:.3g} {m.units[0]}"))
    if cols.size:
        parts.append(_drop_unit_one(f"{m.words(1)} >= {m.display[1][cols.min()]:.3g} {m.units[1]}"))
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
            targets: Targets | None = None, progress=None, workers: int | None = None) -> dict:
    """Energy, current, latency and Delta versus lateral size (m) for the named designs (module
    docstring). Returns ``{"sizes", "targets", "designs": {name: [row per size]}}``; rows of sizes
    where a target cannot be met carry ``meets_targets`` False and the reason. ``workers``: as in
    :func:`compare` (each design at each size is one job)."""
    from ..sweep.jobs import WorkerDied, run_jobs

    targets = targets or comp.targets
    out = {"sizes": list(sizes), "targets": {"write_error_rate": targets.write_error_rate,
                                              "thermal_stability": targets.delta,
                                              "temperature": targets.temperature}, "designs": {}}
    jobs, labels = [], []
    for name in names:
        for s, dev in scaled_devices(comp, name, sizes):
            labels.append(f"{name} @ {s * 1e9:.0f} nm")
            jobs.append((dev, targets, settings, labels[-1], s))

    def as_row(i, row):
        if isinstance(row, WorkerDied):
            return {"size": jobs[i][4], "meets_targets": False, "reason": f"evaluation failed: {row}"}
        return row

    done: dict = {}

    def finished(i, row):
        row = as_row(i, row)
        done[i] = row
        note(progress, "scaling", f"{labels[i]}: " + (f"E = {row['energy_per_bit']:.3g} J" if row["meets_targets"]
                                                       else f"not met: {row['reason']}"))

    try:
        rows = [as_row(i, r) for i, r in enumerate(run_jobs(scaled_design, jobs, workers=workers,
                                                               progress=progress, labels=labels,
                                                               on_result=finished))]
    except KeyboardInterrupt:
        # the finished sizes only, marked: a partial study never passes for a whole one
        k = 0
        for name in names:
            out["designs"][name] = [done[i] for i in range(k, k + len(sizes)) if i in done]
            k += len(sizes)
        out["interrupted"] = True
        raise Interrupted(out, f"scaling study: {len(done)} of {len(jobs)} (design, size) searches finished"
                               + (f" ({', '.join(labels[i] for i in sorted(done))})" if done else "")) from None
    k = 0
    for name in names:
        out["designs"][name] = rows[k:k + len(sizes)]
        k += len(sizes)
    return out


def scaled_design(device, targets: Targets, settings: SearchSettings, name: str, size: float, *,
                  progress=None) -> dict:
    """One row of the scaling study: the design of ``device`` (already scaled to ``size``, m)."""
    return scaling_row(size, design(device, targets, settings, name=name, progress=progress))


def scaling_row(size: float, r: DesignResult) -> dict:
    """A row of :func:`scaling` (lateral size ``size``, m) from a design result."""
    return {"size": size, "meets_targets": r.meets_targets, "reason": r.reason,
            "energy_per_bit": r.energy_per_bit, "write_current": r.write_current, "pulse_width": r.pulse_width,
            "write_latency": r.write_latency, "thermal_stability": r.thermal_stability,
            "write_error_rate": r.write_error_rate, "sizing": r.sizing.get("method") if r.sizing else None,
            "cell_area": r.cell_area, "seconds": r.seconds}


# ----------------------------------------------------------------------------- retention and verdict


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
    """One plain sentence for each reading of the claim (docs/energy.md), from the designs' physics
    (their category and free layer, never their names), in both metrics: the channel Joule energy
    I^2 R t (the SOT literature's switching energy) and the energy drawn from the supply (a cell's
    cost). Readings: spin loss versus the same magnet without a sink, versus the same magnet on a
    heavy metal, versus STT, and a weak versus a strong sink; then each map's statement."""
    ok = {r.name: r for r in result.results if r.meets_targets}
    by_name = {r.name: r for r in result.results}

    def cat(r):
        return (r.classification or {}).get("category")

    def ratios(a, b) -> str:
        ea, eb = a.energies, b.energies
        return (f"{eb['channel'] / ea['channel']:.3g}x in channel Joule energy (I^2 R t) and "
                f"{eb['supply'] / ea['supply']:.3g}x in supply energy")

    def beats(a, b, metric="channel") -> str:
        return "needs less energy than" if a.energies[metric] < b.energies[metric] else "needs more energy than"

    out = []
    spin = [r for r in result.results if cat(r) == "spin_loss"]
    for s in spin:
        label = f"{s.name} (spin loss)"
        if s.name not in ok:
            out.append(f"{label} cannot be written at the targets: {s.reason}.")
            continue
        for c in (r for r in result.results if cat(r) == "no_sink_control" and same_magnet(r.magnet, s.magnet)):
            if c.name in ok:
                out.append(f"Versus the same magnet without a sink ({c.name}): {label} {beats(s, c)} it, "
                           f"advantage {ratios(s, c)}.")
            else:
                out.append(f"Versus the same magnet without a sink ({c.name}): the control cannot be written "
                           f"({c.reason}); only the sink makes the magnet writable by its own current.")
        for h in (r for r in result.results if cat(r) == "heavy_metal_sot" and same_magnet(r.magnet, s.magnet)):
            ref_layer = (h.torque or {}).get("reference_layer", "a heavy metal")
            opt = h.optimization or {}
            if opt.get("chosen") is not None:
                c = opt["candidates"]
                ref_layer += (f" at its least-energy {opt['key']} {opt['chosen_display']:.3g} {opt['unit']} "
                              f"(of {c[0]['display']:.3g}-{c[-1]['display']:.3g} {opt['unit']}"
                              + (", at the edge of the range" if opt.get("at_edge") else "") + ")")
            if h.name in ok:
                out.append(f"Versus the same magnet on {ref_layer} ({h.name}): {label} {beats(s, h)} it in channel "
                           f"Joule energy; advantage {ratios(s, h)} (above 1: spin loss wins).")
            else:
                out.append(f"Versus the same magnet on {ref_layer} ({h.name}): that design cannot be written "
                           f"({h.reason}).")
        for t in (r for r in result.results if cat(r) == "stt"):
            if t.name in ok:
                out.append(f"Versus STT ({t.name}, its own MTJ magnet): advantage {ratios(s, t)}.")
        stronger = [r for r in spin if r is not s and same_magnet(r.magnet, s.magnet)
                    and (r.classification or {}).get("sink_conductance", 0) > (s.classification or {}).get("sink_conductance", 0)]
        for r in stronger:
            gs, gr = s.classification["sink_conductance"], r.classification["sink_conductance"]
            if r.name in ok:
                out.append(f"A weak versus a strong sink ({s.name}, G_p = {gs:.2g} vs {r.name}, G_p = {gr:.2g} "
                           f"Ohm^-1 m^-2): the stronger sink's advantage is {ratios(r, s)}.")
    for n, r in by_name.items():
        if not r.meets_targets and cat(r) != "spin_loss":
            out.append(f"{n}: cannot meet the targets ({r.reason}).")
    loose = [(n, r) for n, r in by_name.items() if r.meets_targets and r.wer_resolved is False]
    if loose:
        out.append(f"WER re-checks not resolved to {100 * WER_RESOLUTION:.0f} % (one standard error): "
                   + "; ".join(f"{n} {r.write_error_rate:.2g} +- {100 * r.wer_relative_uncertainty:.0f} % "
                               f"({r.wer_method})" for n, r in loose)
                   + ": their energies rest on a WER known only to that accuracy.")
    hot = [(n, r) for n, r in by_name.items() if r.meets_targets and r.peak_temperature is not None]
    if hot:
        out.append("Peak temperature of the write pulse (the heating model, docs/heating.md): "
                   + "; ".join(f"{n} {r.peak_temperature:.0f} K" for n, r in hot) + ".")
    for n, r in hot:
        for w in r.warnings or []:
            out.append(f"{n}: {w}")
    for m in maps:
        out.append(m.get("statement", ""))
    return [x for x in out if x]
