"""Design search: the least-energy write pulse of a cell at a retention and a WER target.

Steps (each stated in the result):

1. **Iso-Delta.** Delta_target = ln(t_retention / 1 ns) (or given directly); the magnet is sized
   to exactly this Delta at the target temperature by its anisotropy field (or, for an in-plane
   ellipse whose shape anisotropy alone exceeds the target, by its aspect ratio):
   :func:`spinloss.devices.cell.size_for_delta`. Every design compared thus has the same Delta.
2. **Required drive per pulse width.** For each pulse width in ``settings.widths`` the
   damping-like field H_DL (A/m) at which the write error rate equals the target is found with
   the WER engine (:func:`spinloss.experiments.write_error_rate`): Fokker-Planck for axially
   symmetric cells (perpendicular STT), else Monte Carlo to bracket (cheap, WER >= ~1e-3) and
   adaptive multilevel splitting near the target, the current being refined by a secant on
   ln WER between computed points (interpolation between engine results, never extrapolation
   to the answer: the chosen point is re-checked, step 4).
   The search runs on a *reduced* magnet: the device's macrospin with the damping-like field
   per current set to 1 (so the drive is H_DL itself) and the field-like torque kept as the
   ratio H_FL/H_DL. The result is exact for any stack with the same magnet and the same ratio,
   so designs sharing a magnet share the (expensive) WER work; with ``share_field_like`` the
   ratio is set to 0 for the search (it enters an in-plane type-y threshold only through
   H_y in (H_K + H_y + M_eff/2), e.g. 0.2 % for Py/NiO) and the re-check uses the full torque.
3. **Energy.** At each width the current density J = H_DL / (H_DL per J) of the design gives
   the cell energy (:func:`spinloss.devices.cell.cell_energy`: I^2 R t in channel and transistor
   plus peripheral); the least-energy width wins.
4. **Re-check.** The WER at the chosen (current, width) is computed again by the engine with the
   design's full torques (independent seed, ``check`` settings). If it misses the target the
   current is raised (up to four times, 8 % each; a raise whose WER is higher than the last
   one's by more than twice their combined uncertainty stops it: past the WER's minimum, as under Joule heating, the target is out of reach);
   a sphere Fokker-Planck re-check takes three time levels (:data:`RECHECK_TIME_LEVELS`); the
   reported WER is this re-check. When the
   search left the field-like torque out and the first re-check lands outside the band its aim
   allows (:func:`field_like_matters`: the torque matters for this cell, in either direction),
   the widths are searched again with the full torques (:func:`_full_torque_curve`) and the
   re-check starts over at the new least-energy point.

Cost control: :data:`FAST` (demo: WER target set by the caller, one pulse width (3 ns), small
AMS ensembles, settle of 2 relaxation times) and :data:`STANDARD` (CLI default); :data:`FULL` for publication-grade runs.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from ..errors import TargetNotMetError
from ..io import JsonResult
from ..progress import note
from ..units import to_si
from .cell import (CellSpec, cell_energy, classify, cell_report, curvature_field, delta_for_retention, instability_field,
                   parse_cell, parse_readout, size_for_delta, write_path)


@dataclass(frozen=True)
class SearchSettings:
    """Cost knobs of the design search. ``widths`` (s) pulse widths tried; ``n_mc`` Monte Carlo
    trials per bracketing point; ``n_particles``/``n_repetitions`` AMS ensemble in the search;
    ``check_particles``/``check_repetitions`` AMS ensemble of the final re-check;
    ``max_evaluations`` engine calls per width; ``share_field_like`` see the module docstring;
    ``search_tolerance`` factor on WER at which the secant stops; ``settle_relaxation_times``
    the settle time after the pulse in small-angle relaxation times (the WER engine's default is
    5, clipped to [1, 20] ns; FAST uses 2: cheaper, slightly conservative for paths still above
    the saddle); ``fokker_planck_widths`` the widths tried instead of ``widths`` when the cell is
    axially symmetric (Fokker-Planck is cheap, and STT cells need long pulses to stay within the
    MTJ's voltage limit); None: ``widths``."""

    widths: tuple = (1e-9, 3e-9, 10e-9)
    n_mc: int = 1000
    n_particles: int = 200
    n_repetitions: int = 1
    check_particles: int = 200
    check_repetitions: int = 2
    max_evaluations: int = 6
    share_field_like: bool = True
    search_tolerance: float = 3.0
    seed: int = 0
    settle_relaxation_times: float = 5.0
    fokker_planck_widths: tuple | None = (1e-9, 3e-9, 10e-9, 20e-9)

    def to_json(self) -> dict:
        """The settings as plain JSON, counts named without the ``n_`` prefix (widths in s)."""
        out = {}
        for k, v in asdict(self).items():
            out[k[2:] if k.startswith("n_") else k] = list(v) if isinstance(v, tuple) else v
        out["monte_carlo_trials"] = out.pop("mc")
        return out


FAST = SearchSettings(widths=(3e-9,), n_mc=600, n_particles=200, n_repetitions=1,
                      check_particles=200, check_repetitions=2, max_evaluations=5, search_tolerance=5.0,
                      share_field_like=True, settle_relaxation_times=2.0)
STANDARD = SearchSettings()
FULL = SearchSettings(widths=(0.5e-9, 1e-9, 2e-9, 5e-9, 10e-9, 20e-9),
                      fokker_planck_widths=(0.5e-9, 1e-9, 2e-9, 5e-9, 10e-9, 20e-9, 50e-9), n_mc=4000, n_particles=200,
                      n_repetitions=2, check_particles=300, check_repetitions=4, max_evaluations=8)


@dataclass(frozen=True)
class Targets:
    """Shared targets: ``write_error_rate``; ``thermal_stability`` Delta (from ``retention_time``
    (s) by Delta = ln(t/1 ns) unless given); ``temperature`` (K)."""

    write_error_rate: float = 1e-9
    retention_time: float | None = 10 * 365.25 * 24 * 3600.0
    temperature: float = 358.0
    thermal_stability: float | None = None

    @property
    def delta(self) -> float:
        if self.thermal_stability is not None:
            return float(self.thermal_stability)
        return delta_for_retention(self.retention_time)

    @classmethod
    def parse(cls, write_error_rate=1e-9, retention="10 years", temperature="358 K",
              thermal_stability=None, source="<api>"):
        from ..errors import ConfigError

        wer = to_si(write_error_rate, "dimensionless", source=source, key="write_error_rate")
        if not 0 < wer < 0.5:
            raise ConfigError(source, "write_error_rate", "must be between 0 and 0.5")
        ret = None
        if retention is not None:
            ret = to_si(retention, "time", source=source, key="retention")
            if not ret > 1e-9:
                raise ConfigError(source, "retention", "must be longer than 1 ns")
        T = to_si(temperature, "temperature", source=source, key="temperature")
        if not T > 0:
            raise ConfigError(source, "temperature", "must be > 0 K")
        if thermal_stability is not None:
            thermal_stability = to_si(thermal_stability, "dimensionless", source=source,
                                      key="thermal_stability")
            if not thermal_stability > 0:
                raise ConfigError(source, "thermal_stability", "must be > 0")
        if ret is None and thermal_stability is None:
            raise ConfigError(source, "retention", "give retention or thermal_stability")
        return cls(float(wer), ret, float(T), thermal_stability)


@dataclass
class DesignResult(JsonResult):
    """Outcome of :func:`design`. Figures are None when ``meets_targets`` is False."""

    name: str
    meets_targets: bool
    reason: str | None
    energy_per_bit: float | None = None
    write_current: float | None = None
    current_density: float | None = None
    pulse_width: float | None = None
    write_error_rate: float | None = None
    wer_uncertainty: float | None = None
    wer_method: str | None = None
    thermal_stability: float | None = None
    retention_time: float | None = None
    write_latency: float | None = None
    cell_area: float | None = None
    damping_like_field: float | None = None
    channel_energy: float | None = None
    supply_energy: float | None = None
    transistor_energy: float | None = None
    peripheral_energy: float | None = None
    read_current: float | None = None
    read_disturb_probability: float | None = None
    peak_temperature: float | None = None
    warnings: list = field(default_factory=list)
    targets: dict = field(default_factory=dict)
    sizing: dict = field(default_factory=dict)
    curve: list = field(default_factory=list)
    torque: dict = field(default_factory=dict)
    cell: dict = field(default_factory=dict)
    classification: dict = field(default_factory=dict)
    magnet: dict = field(default_factory=dict)
    optimization: dict = field(default_factory=dict)   # compare's ``optimize``: every candidate
    gilbert_damping: float | None = None      # the magnet's damping (docs/physics.md sec. 3.6)
    spin_pumping_damping: float | None = None
    effective_damping: float | None = None
    seconds: float = 0.0
    device: object = field(default=None, repr=False)

    @property
    def wer_relative_uncertainty(self) -> float | None:
        """The re-check's stated uncertainty over its WER (one standard error for Monte Carlo and
        splitting, the discretization error for Fokker-Planck); None without a re-check."""
        if self.write_error_rate is None or self.wer_uncertainty is None:
            return None
        return float(self.wer_uncertainty / self.write_error_rate) if self.write_error_rate > 0 else math.inf

    @property
    def wer_resolved(self) -> bool | None:
        """Whether the re-check resolves the WER to :data:`WER_RESOLUTION` (issue 9: a verdict's
        WER is a value to 10 %, or it is said to be unresolved); None without a re-check."""
        rel = self.wer_relative_uncertainty
        return None if rel is None else bool(rel <= WER_RESOLUTION)

    @property
    def energies(self) -> dict | None:
        """The four energy metrics of the chosen write (J): ``channel``, ``transistor``,
        ``peripheral``, ``supply`` (docs/energy.md); None when the targets are not met."""
        if not self.meets_targets:
            return None
        return {"channel": self.channel_energy, "transistor": self.transistor_energy,
                "peripheral": self.peripheral_energy, "supply": self.supply_energy}

    def as_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "device"}
        out["energies"] = self.energies
        out["wer_relative_uncertainty"] = self.wer_relative_uncertainty
        out["wer_resolved"] = self.wer_resolved
        out["units"] = UNITS
        return out


#: Relative uncertainty (one standard error) below which a design's re-checked WER counts as
#: resolved: the verdict's tolerance (issue 9) [D]. A design above it still reports its value,
#: flagged ``wer_resolved`` False; the energy then rests on a WER known only to that accuracy.
WER_RESOLUTION = 0.10

UNITS = {"classification": "1", "sink": "1", "effective_damping": "1", "gilbert_damping": "1", "meets_targets": "1", "spin_pumping_damping": "1", "seconds": "s", "supply_energy": "J", "channel": "J", "transistor": "J", "peripheral": "J",
         "supply": "J", "energy_per_bit": "J", "write_current": "A", "current_density": "A/m^2", "pulse_width": "s",
         "write_latency": "s", "cell_area": "m^2", "damping_like_field": "A/m", "retention_time": "s",
         "channel_energy": "J", "transistor_energy": "J", "peripheral_energy": "J", "read_current": "A",
         "temperature": "K", "peak_temperature": "K", "curie_drive_field": "A/m",
         "write_error_rate": "1", "wer_uncertainty": "1", "wer_relative_uncertainty": "1", "uncertainty": "1",
         "thermal_stability": "1", "read_disturb_probability": "1", "drive_field": "A/m",
         "anisotropy_field": "A/m", "length": "m", "width": "m", "thickness": "m",
         "damping_like_efficiency": "1", "field_like_efficiency": "1", "polarization": "1",
         "sink_conductance": "Ohm^-1 m^-2"}

#: Required-drive curves already computed: key (reduced magnet, pulse shape, target, settings) ->
#: per-width dicts. Designs sharing a magnet reuse them (module docstring, step 2).
_CURVE_CACHE: dict = {}


def clear_cache() -> None:
    _CURVE_CACHE.clear()


# ----------------------------------------------------------------------------- reduced magnet


class _Magnet:
    """The device's macrospin with unit damping-like field per current (drive = H_DL in A/m)."""

    def __init__(self, device, temperature, share_field_like, settle_relaxation_times=5.0):
        from ..experiments.switching import write_current_sign
        from ..experiments.wer import settle_time

        self.device = device
        self.T = float(temperature)
        well = device.starting_well(self.T)
        p = well.params
        a_dl = float(np.asarray(p.damping_like_field_per_current))
        a_fl = float(np.asarray(p.field_like_field_per_current))
        self.a_dl = abs(a_dl)
        self.ratio = a_fl / a_dl if a_dl != 0 else 0.0
        self.well = well
        tq = device.torque(self.T)
        # canonical form: drive h >= 0, unit damping-like field per drive, polarization folded
        # with the signs of xi_DL and of the current (DL and FL terms are both odd in s and in
        # the drive, so (s, -h) and (-s, h) are the same dynamics): mirror-image designs share
        # one curve. The device's current density is current_sign * h / |H_DL per J|.
        self.current_sign = write_current_sign(device, tq) if a_dl != 0 else 1.0
        self.sign = 1.0
        pol = np.asarray(p.polarization, dtype=float) * (1.0 if a_dl >= 0 else -1.0) * self.current_sign
        fl = 0.0 if share_field_like else self.ratio
        self.full = replace(p, polarization=tuple(pol), damping_like_field_per_current=1.0,
                            field_like_field_per_current=self.ratio)
        self.search = replace(self.full, field_like_field_per_current=fl)
        self.settle = settle_time(device, self.T, well=well, relaxation_times=settle_relaxation_times)
        self.pulse = device.pulse
        self.rise, self.fall = self.pulse.rise_time, self.pulse.fall
        cf = curvature_field(device, self.T)
        self.h_guess = max(instability_field(cf, float(np.asarray(p.damping)), pol, device.easy_axis), 1.0)
        self.heated = device.heating_enabled

    def curie_drive(self, width) -> float:
        """The drive H_DL (A/m) above which the pulse of ``width`` heats the magnet too close to its
        Curie temperature (:data:`spinloss.device.HEATING_CURIE_MARGIN` of the way; inf without
        heating; docs/heating.md)."""
        from ..device import HEATING_CURIE_MARGIN

        if not self.heated:
            return math.inf
        return self.a_dl * self.device.curie_current_density(width, self.T, HEATING_CURIE_MARGIN)

    def key(self, params) -> tuple:
        from dataclasses import fields

        vals = []
        for f in fields(params):
            v = np.round(np.atleast_1d(np.asarray(getattr(params, f.name), dtype=float)), 9)
            vals.append((f.name, tuple(float(x) for x in v)))
        out = (tuple(vals), tuple(np.round(self.well.start, 9)), round(self.rise, 15),
               round(self.fall, 15), round(self.settle, 13))
        if self.heated:
            # a heated pulse depends on the whole stack (its heat flow, the sink's temperature law),
            # not only on the magnet: designs share a curve only with the same file
            import json

            out += (("heating", json.dumps(self.device.raw, sort_keys=True, default=str), self.T),)
        return out

    def evaluate(self, params, h, width, *, method, settings: SearchSettings, check=False, seed=0):
        from ..experiments.rare_events import write_error_rate
        from ..dynamics import Waveform, heun_time_step, time_grid

        wave = Waveform.pulse(self.sign * h, width, self.rise, self.fall)
        duration = self.pulse.duration(width) + self.settle
        # Joule heating: the schedule of the device's current J = H_DL / (H_DL per J) scales the
        # reduced magnet's parameters as the device's (docs/heating.md)
        schedule = self.device.heating_schedule([self.current_sign * h / self.a_dl], width, self.T) \
            if self.heated and self.a_dl > 0 else None
        dt = time_grid(duration, heun_time_step(params, h, schedule))
        n_p = settings.check_particles if check else settings.n_particles
        n_r = settings.check_repetitions if check else settings.n_repetitions
        # the re-check's sphere solve takes a third time level (n, 2n, 4n steps): the WER from the
        # (2n, 4n) extrapolation, its time error the difference from the (n, 2n) one, which
        # states the WER to < 10 % where two levels state 15-40 % (heated cells; docs/energy.md)
        sphere = {"time_levels": RECHECK_TIME_LEVELS} if check and method == "fokker_planck_sphere" else None
        return write_error_rate(params, wave, duration, dt, m0=tuple(self.well.start),
                                target_axis=tuple(self.well.target), method=method,
                                trials=settings.n_mc, n_particles=n_p, n_repetitions=max(n_r, 1),
                                seed=seed, schedule=schedule, sphere_options=sphere)

    def axial(self, params) -> bool:
        from ..experiments.rare_events import is_axially_symmetric

        ax, k, _ = is_axially_symmetric(params)
        return bool(ax and abs(abs(self.well.start[k]) - 1.0) < 1e-9)

    def deterministic_method(self, params) -> str | None:
        """The Fokker-Planck method that resolves this magnet deterministically (1D for axial
        cells; the sphere solver for in-plane cells without field, with their field-like torque
        where its grids follow the driven orbits, i.e. type-y: docs/wer.md), or None (then Monte
        Carlo and splitting). Heated pulses (the coefficients follow T(t)) take the sphere
        solver, axial cells included (the 1D solver takes constant parameters)."""
        if self.axial(params) and not self.heated:
            return "fokker_planck"
        from ..experiments.fokker_planck_sphere import sphere_fokker_planck_is_default

        ok = sphere_fokker_planck_is_default(params, tuple(self.well.start), tuple(self.well.target))
        return "fokker_planck_sphere" if ok else None


def _log(msg, progress):
    note(progress, "design", msg)


#: Time levels of a re-check by the sphere Fokker-Planck solver (``time_levels`` of
#: :func:`~spinloss.experiments.fokker_planck_sphere.sphere_fokker_planck_wer`).
RECHECK_TIME_LEVELS = 3

#: Ratio between neighbouring damping nodes of :class:`DriveCurves` (module docstring of
#: compare.py): log-log interpolation of H_DL(alpha) over a factor 1.25 errs by at most
#: (ln 1.25)^2 / 32 = 0.16 % for H = a + b alpha (second log-derivative <= 1/4) [D].
DAMPING_NODE_RATIO = 1.25


class DriveCurves:
    """Required H_DL (A/m) per pulse width of one sized magnet as a function of its effective
    damping alpha_eff: maps and optimizations over transport keys change alpha_eff (the sink's or
    the heavy metal's spin pumping) as well as the torque, so one curve at the design's own
    alpha_eff would be wrong away from it. Curves are computed by the WER engine at damping nodes
    alpha_base * 1.25^k (the magnet with ``magnet.damping`` = the node and no further pumping) and
    interpolated linearly in (ln alpha, ln H_DL) between the two nodes that bracket alpha; alpha_base
    itself (the design's alpha_eff) is a node, so the design's own curve is reused.

    The field-like ratio does not enter (the search sets it to 0, ``share_field_like``; refused
    otherwise): the curves hold for any torque on this magnet."""

    def __init__(self, sized_device, targets: "Targets", settings: "SearchSettings", widths, *, progress=None):
        if not settings.share_field_like:
            raise ValueError("DriveCurves needs share_field_like (the search without the field-like torque)")
        self.device = sized_device
        self.targets = targets
        self.settings = settings
        self.widths = tuple(widths)
        self.progress = progress
        self.alpha_base = float(sized_device.effective_damping(targets.temperature))
        self._nodes: dict = {}

    def _node(self, k: int) -> dict:
        if k not in self._nodes:
            alpha = self.alpha_base * DAMPING_NODE_RATIO ** k
            dev = self.device if k == 0 else self.device.with_values(
                {"magnet.damping": alpha, "magnet.spin_pumping": False})
            mag = _Magnet(dev, self.targets.temperature, self.settings.share_field_like,
                          self.settings.settle_relaxation_times)
            if k != 0:
                _log(f"drive curve at alpha_eff = {alpha:.4g} (node {k:+d})", self.progress)
            curve = {}
            for w in self.widths:
                r = required_drive(mag, w, self.targets.write_error_rate, self.settings, progress=self.progress)
                curve[w] = r["drive_field"] if r["ok"] else None
            self._nodes[k] = curve
        return self._nodes[k]

    def at(self, alpha: float) -> dict:
        """``{width: H_DL or None}`` at effective damping ``alpha`` (None where a node bracketing
        it cannot reach the target at that width)."""
        x = math.log(float(alpha) / self.alpha_base) / math.log(DAMPING_NODE_RATIO)
        k0 = math.floor(x + 1e-9)
        f = x - k0
        if abs(f) < 1e-9:
            return dict(self._node(k0))
        lo, hi = self._node(k0), self._node(k0 + 1)
        out = {}
        for w in self.widths:
            a, b = lo.get(w), hi.get(w)
            out[w] = None if a is None or b is None else math.exp((1 - f) * math.log(a) + f * math.log(b))
        return out

    @property
    def nodes(self) -> dict:
        """Damping nodes computed so far: ``{alpha: {width: H_DL}}``."""
        return {self.alpha_base * DAMPING_NODE_RATIO ** k: dict(v) for k, v in sorted(self._nodes.items())}


def required_drive(magnet: _Magnet, width: float, target: float, settings: SearchSettings, *,
                   progress=None, full_torques: bool = False) -> dict:
    """H_DL (A/m) at which WER(width) = target on the reduced magnet (module docstring, step 2);
    ``full_torques``: with the field-like torque even when ``share_field_like`` dropped it (the
    search of a cell whose re-check showed that the field-like torque matters, step 4).

    Returns ``{"width", "drive_field", "slope" (d ln WER / dH), "evaluations": [...], "ok",
    "reason"}``."""
    params = magnet.full if full_torques else magnet.search
    key = (magnet.key(params), round(width, 15), target, settings.n_mc, settings.n_particles,
           settings.n_repetitions, settings.max_evaluations, settings.seed)
    if key in _CURVE_CACHE:
        return dict(_CURVE_CACHE[key], cached=True)
    evals = []
    h_max = 200.0 * magnet.h_guess
    # Joule heating: above the Curie drive the pulse demagnetizes the magnet (docs/heating.md)
    h_curie = magnet.curie_drive(width)
    h_max = min(h_max, h_curie * (1.0 - 1e-6))

    memo = {}

    def run(h, method):
        if h >= h_curie * (1.0 - 1e-6):
            h = h_curie * (1.0 - 1e-6)
        if (h, method) in memo:
            return memo[(h, method)]
        r = memo[(h, method)] = magnet.evaluate(params, h, width, method=method, settings=settings,
                            seed=settings.seed + len(evals) + 1)
        evals.append({"drive_field": h, "write_error_rate": r.write_error_rate,
                      "uncertainty": r.uncertainty, "method": r.method,
                      "failures": r.details.get("failures")})
        _log(f"t = {width * 1e9:.3g} ns, H_DL = {h:.4g} A/m: WER = {r.write_error_rate:.3g} "
             f"({r.method})", progress)
        return r

    fp_method = magnet.deterministic_method(params)
    if fp_method is not None:
        out = _search_deterministic(run, target, magnet.h_guess, h_max, method=fp_method)
    else:
        out = _search_stochastic(run, target, magnet.h_guess, h_max, settings)
    if not out["ok"] and math.isfinite(h_curie) and h_max < 200.0 * magnet.h_guess:
        out["reason"] = (f"{out['reason']}; above H_DL = {h_curie:.4g} A/m the pulse heats the magnet close to its "
                         "Curie temperature (Joule heating, docs/heating.md)")
    out.update({"width": width, "evaluations": evals, "target": target, "curie_drive_field": h_curie})
    _CURVE_CACHE[key] = out
    return dict(out)


def _lnp(p):
    return math.log(max(p, 1e-300))


def unresolved(result) -> bool:
    """A WER result that is no value: zero, or an upper bound (extinct splitting). The search
    treats it as "below what the engine resolves", never as a met target."""
    return bool(getattr(result, "upper_bound", False)) or not result.write_error_rate > 0


def _search_deterministic(run, target, h0, h_max, method="fokker_planck") -> dict:
    """Fokker-Planck (``method``: 1D or on the sphere): bracket and solve ln WER(H) = ln target
    (brentq, rtol 2e-3)."""
    from scipy.optimize import brentq

    f = lambda h: _lnp(run(h, method).write_error_rate) - math.log(target)  # noqa: E731
    lo, hi = None, h0
    while True:
        v = f(hi)
        if v <= 0:
            break
        lo = hi
        hi *= 2.0
        if hi > h_max:
            return {"ok": False, "drive_field": None, "slope": None,
                    "reason": f"WER stays above {target:g} up to H_DL = {h_max:.3g} A/m"}
    if lo is None:
        lo = hi
        while lo > 1e-3 * h0:
            lo /= 1.5
            if f(lo) > 0:
                break
    h = brentq(f, lo, hi, rtol=2e-3)
    return {"ok": True, "drive_field": h * (1 + 4e-3), "slope": None, "reason": None}


def _search_stochastic(run, target, h0, h_max, settings: SearchSettings) -> dict:
    """Monte Carlo bracket, then a secant on ln WER with AMS (or MC if it resolves the target)."""
    n = settings.n_mc
    pts = []            # (h, p) with p resolved (> 0)
    h_fail, h_pass = None, None
    h = h0 * 1.5
    for _ in range(12):
        r = run(h, "monte_carlo")
        k = r.details.get("failures", int(round(r.write_error_rate * n)))
        if k > 0.5 * n:
            h_fail = h if h_fail is None else max(h_fail, h)
        elif k < 3:
            h_pass = h if h_pass is None else min(h_pass, h)
        else:
            pts.append((h, r.write_error_rate))
            break
        if h_fail is not None and h_pass is not None:
            h = math.sqrt(h_fail * h_pass)
        elif h_pass is None:
            h *= 1.6
        else:
            h /= 1.4
        if h > h_max:
            return {"ok": False, "drive_field": None, "slope": None,
                    "reason": f"WER stays above 50 % up to H_DL = {h_max:.3g} A/m"}
    if not pts:
        if h_pass is None:
            return {"ok": False, "drive_field": None, "slope": None, "reason": "no current bracket found"}
        pts.append((h_pass, 0.5 / n))  # an upper estimate of WER at the first passing point
    mc_resolves = target * n >= 20
    method = "monte_carlo" if mc_resolves else "multilevel_splitting"
    zero_pass = None
    for _ in range(settings.max_evaluations):
        pts.sort()
        above = [(h, p) for h, p in pts if p > target]
        below = [(h, p) for h, p in pts if p <= target]
        if len(pts) >= 2:
            # the two points closest to the target in ln WER
            two = sorted(pts, key=lambda q: abs(_lnp(q[1]) - math.log(target)))[:2]
            (h1, p1), (h2, p2) = sorted(two)
            slope = (_lnp(p2) - _lnp(p1)) / (h2 - h1) if h2 != h1 else 0.0
        else:
            slope = 0.0
        if slope < 0:
            h_next = h2 + (math.log(target) - _lnp(p2)) / slope
        else:
            h_next = max(h for h, _ in pts) * 1.3
        lo_b = max([h for h, _ in above], default=0.0)
        hi_b = min([h for h, _ in below] + ([zero_pass] if zero_pass else []), default=math.inf)
        if math.isfinite(hi_b) and not (lo_b < h_next < hi_b):
            h_next = math.sqrt(max(lo_b, 1e-30) * hi_b) if lo_b > 0 else 0.8 * hi_b
        h_next = min(max(h_next, 0.5 * min(h for h, _ in pts)), 3.0 * max(h for h, _ in pts))
        if h_next > h_max:
            return {"ok": False, "drive_field": None, "slope": None,
                    "reason": f"WER target {target:g} not reached below H_DL = {h_max:.3g} A/m"}
        r = run(h_next, method)
        if unresolved(r):
            zero_pass = h_next if zero_pass is None else min(zero_pass, h_next)
            continue
        pts.append((h_next, r.write_error_rate))
        if abs(_lnp(r.write_error_rate) - math.log(target)) < math.log(settings.search_tolerance):
            break
    pts.sort()
    above = [(h, p) for h, p in pts if p > target]
    below = [(h, p) for h, p in pts if p <= target]
    slope = None
    if above and below:
        (h1, p1), (h2, p2) = max(above), min(below)
        if h2 > h1:
            slope = (_lnp(p2) - _lnp(p1)) / (h2 - h1)
            h_req = h1 + (math.log(target) - _lnp(p1)) / slope
        else:
            h_req = h2
    elif below:
        h_req = min(below)[0]
    elif zero_pass is not None:
        # only unresolved estimates (zero / upper bounds) below the target: their current is a
        # bracket, not a met target; the re-check of design() must resolve it
        return {"ok": True, "drive_field": float(zero_pass), "slope": None, "reason": None, "resolved": False}
    elif len(pts) >= 2:
        # stopped within the search tolerance above the target: one secant step from the point
        # closest to it (a step of at most ln(search_tolerance) in ln WER; the re-check decides)
        two = sorted(pts, key=lambda q: abs(_lnp(q[1]) - math.log(target)))[:2]
        (h1, p1), (h2, p2) = sorted(two)
        sl = (_lnp(p2) - _lnp(p1)) / (h2 - h1) if h2 != h1 else 0.0
        if not sl < 0:
            return {"ok": False, "drive_field": None, "slope": None,
                    "reason": f"the search did not reach WER {target:g} (WER not decreasing with current)"}
        hc, pc = min(pts, key=lambda q: abs(_lnp(q[1]) - math.log(target)))
        h_req = hc + (math.log(target) - _lnp(pc)) / sl
    else:
        return {"ok": False, "drive_field": None, "slope": None,
                "reason": f"the search did not reach WER {target:g} in {settings.max_evaluations} "
                          "engine evaluations (raise max_evaluations)"}
    if slope is None and len(pts) >= 2:
        two = sorted(pts, key=lambda q: abs(_lnp(q[1]) - math.log(target)))[:2]
        (h1, p1), (h2, p2) = sorted(two)
        slope = (_lnp(p2) - _lnp(p1)) / (h2 - h1) if h2 != h1 else None
    return {"ok": True, "drive_field": float(h_req), "slope": slope, "reason": None}


# ----------------------------------------------------------------------------- design


def size_device(device, targets: Targets, cell: CellSpec | None = None):
    """Iso-Delta sizing at the targets' temperature: (device', sizing dict)."""
    return size_for_delta(device, targets.delta, targets.temperature, cell)


def design(device, targets: Targets | None = None, settings: SearchSettings = STANDARD, *,
           name: str | None = None, progress=None) -> DesignResult:
    """Least-energy write pulse of ``device`` at ``targets`` (module docstring). Never raises for
    a design that cannot meet the targets: the result says so (``meets_targets`` False, ``reason``).
    """
    t0 = time.perf_counter()
    targets = targets or Targets()
    name = name or device.stack.name
    T = targets.temperature
    tj = {"write_error_rate": targets.write_error_rate, "retention_time": targets.retention_time,
          "thermal_stability": targets.delta, "temperature": T}

    classification = classify(device)
    free_layer = describe_magnet(device)
    damping = device.damping_breakdown(T)

    def fail(reason, **kw):
        return DesignResult(name=name, meets_targets=False, reason=reason, targets=tj,
                            classification=classification, magnet=free_layer, seconds=time.perf_counter() - t0,
                            **damping, **kw)

    cell = parse_cell(device)
    parse_readout(device)
    tq = device.torque(T)
    torque = {"mechanism": tq.mechanism, "damping_like_efficiency": tq.damping_like_efficiency,
              "field_like_efficiency": tq.field_like_efficiency, "polarization": list(tq.polarization),
              "reference_layer": tq.reference_layer, "source": tq.source}
    if abs(tq.damping_like_efficiency) < 1e-12:
        return fail("no damping-like torque on the magnet (xi_DL = 0): the current cannot switch it",
                    torque=torque)
    try:
        sized, sizing = size_device(device, targets, cell)
    except TargetNotMetError as exc:
        return fail(exc.reason, torque=torque)
    magnet = _Magnet(sized, T, settings.share_field_like, settings.settle_relaxation_times)
    _log(f"{name}: Delta = {sizing['thermal_stability']:.2f} ({sizing['method']}), "
         f"H_DL per J = {magnet.a_dl:.4g} A/m per A/m^2, H_FL/H_DL = {magnet.ratio:.3g}", progress)
    path = write_path(sized, T)
    curve = []
    widths = settings.widths
    if settings.fokker_planck_widths and magnet.axial(magnet.full) and not magnet.heated:
        widths = tuple(settings.fokker_planck_widths)
    for w in widths:
        r = required_drive(magnet, w, targets.write_error_rate, settings, progress=progress)
        entry = {"pulse_width": w, "ok": r["ok"], "reason": r["reason"], "damping_like_field": r["drive_field"],
                 "evaluations": r["evaluations"], "cached": r.get("cached", False)}
        if r["ok"]:
            j = r["drive_field"] / magnet.a_dl
            e = cell_energy(sized, j, w, temperature=T, cell=cell, path=path)
            entry.update({"current_density": j, "write_current": float(e["current"]),
                          "energy_per_bit": float(e["energy"]) if e["ok"] else None,
                          "drivable": bool(e["ok"]), "slope": r.get("slope")})
        curve.append(entry)
    usable = [c for c in curve if c["ok"] and c.get("energy_per_bit") is not None]
    if not usable:
        by_reason: dict = {}
        for c in curve:
            why = c["reason"] or ("the current needed cannot be driven (access transistor within V_dd, or the "
                                  "MTJ barrier voltage limit)")
            by_reason.setdefault(why, []).append(f"{c['pulse_width'] * 1e9:.3g} ns")
        reasons = "; ".join(f"at {', '.join(ws)}: {why}" for why, ws in by_reason.items())
        return fail(f"WER {targets.write_error_rate:g} not met at any pulse width: {reasons}",
                    sizing=sizing, curve=_clean_curve(curve), torque=torque)
    best = min(usable, key=lambda c: c["energy_per_bit"])
    w, h = _aim(best)
    check = None
    h_curie = magnet.curie_drive(w)
    field_like_searched = False
    attempt = -1
    previous = None        # (H_DL, re-check) of the last raise
    rising = None
    while attempt < 4:
        attempt += 1
        if h >= h_curie:
            return fail(f"the re-check needs H_DL = {h:.4g} A/m, where the pulse heats the magnet close to its "
                        "Curie temperature (Joule heating, docs/heating.md)", sizing=sizing, curve=_clean_curve(curve),
                        torque=torque)
        method = magnet.deterministic_method(magnet.full) or (
            "monte_carlo" if targets.write_error_rate * settings.n_mc >= 20 else "multilevel_splitting")
        check = magnet.evaluate(magnet.full, h, w, method=method, settings=settings, check=True,
                                seed=settings.seed + 1000 + attempt + (10 if field_like_searched else 0))
        _log(f"re-check t = {w * 1e9:.3g} ns, H_DL = {h:.4g} A/m: WER = {check.write_error_rate:.3g} "
             f"+- {check.uncertainty:.2g} ({check.method})", progress)
        if unresolved(check) and check.method == "multilevel_splitting":
            # an extinct splitting run says "rare", not "zero": confirm with twice the particles
            s2 = replace(settings, check_particles=2 * settings.check_particles)
            check = magnet.evaluate(magnet.full, h, w, method=method, settings=s2, check=True,
                                    seed=settings.seed + 2000 + attempt)
            _log(f"re-check (2x particles): WER = {check.write_error_rate:.3g}", progress)
        if (attempt == 0 and not field_like_searched and settings.share_field_like and magnet.ratio != 0.0
                and field_like_matters(check, targets.write_error_rate, settings)):
            # the search without the field-like torque is not this cell's: search again with it
            field_like_searched = True
            redo = _full_torque_curve(magnet, curve, targets, settings, sized, T, cell, path, progress)
            if redo is None:
                return fail(f"with its field-like torque (H_FL/H_DL = {magnet.ratio:.3g}) the cell does not meet "
                            f"WER {targets.write_error_rate:g} at any pulse width that met it without",
                            sizing=sizing, curve=_clean_curve(curve), torque=torque)
            best = redo
            w, h = _aim(best)
            h_curie = magnet.curie_drive(w)
            attempt = -1  # the new aim gets its own re-check and four 8 % steps
            previous = None
            continue
        if not unresolved(check) and check.write_error_rate <= targets.write_error_rate:
            break
        if previous is not None and not unresolved(check) and not unresolved(previous[1]) \
                and check.write_error_rate - previous[1].write_error_rate \
                > 2.0 * math.hypot(check.uncertainty, previous[1].uncertainty):
            # more current, more errors: past the WER's minimum (Joule heating); raising further
            # cannot reach the target
            rising = (f"the re-checks' WER rises with the current, from {previous[1].write_error_rate:.3g} at "
                      f"H_DL = {previous[0]:.4g} A/m to {check.write_error_rate:.3g} at {h:.4g} A/m"
                      + (" (Joule heating: docs/heating.md)" if magnet.heated else "")
                      + f": WER {targets.write_error_rate:g} is out of reach at {w * 1e9:.3g} ns")
            break
        previous = (h, check)
        h *= 1.08
    j = magnet.current_sign * h / magnet.a_dl   # signed, in the torque reference layer
    settle = magnet.settle
    rep = cell_report(sized, j, w, temperature=T, settle_time=settle)
    from ..experiments.switching import pulse_heating_report

    peak, heat_warnings = pulse_heating_report(sized, j, w, T)
    common = dict(sizing=sizing, curve=_clean_curve(curve), torque=torque, cell=rep.to_json(),
                  peak_temperature=None if peak is None else float(peak[0]), warnings=heat_warnings)
    if unresolved(check):
        return fail(f"the re-check at the chosen pulse is unresolved: {check.method} supports only "
                    f"WER <= {check.write_error_rate:.3g} (no event reached), not a value", **common)
    if rising is not None:
        return fail(rising, **common)
    if check.write_error_rate > targets.write_error_rate:
        return fail(f"the re-check at the chosen pulse gave WER {check.write_error_rate:.3g} > "
                    f"{targets.write_error_rate:g} after four 8 % current increases", **common)
    if not rep.ok:
        return fail(rep.reason, **common)
    if rep.read_disturb_probability > targets.write_error_rate:
        # a cell whose read flips the bit more often than a write fails does not store it [D]
        return fail(f"a read disturbs the bit with probability {rep.read_disturb_probability:.3g} per read, above "
                    f"the WER target {targets.write_error_rate:g} (read current {rep.read_current * 1e6:.3g} uA): "
                    "lower the read voltage or current density in [readout]", **common)
    return DesignResult(
        name=name, meets_targets=True, reason=None, energy_per_bit=rep.energy_per_bit,
        write_current=rep.write_current, current_density=j, pulse_width=w,
        write_error_rate=check.write_error_rate, wer_uncertainty=check.uncertainty, wer_method=check.method,
        thermal_stability=rep.thermal_stability, retention_time=rep.retention_time,
        write_latency=rep.write_latency, cell_area=rep.cell_area, damping_like_field=h,
        channel_energy=rep.channel_energy, transistor_energy=rep.transistor_energy, supply_energy=rep.supply_energy,
        peripheral_energy=rep.peripheral_energy, read_current=rep.read_current,
        read_disturb_probability=rep.read_disturb_probability, targets=tj,
        classification=classification, magnet=free_layer, seconds=time.perf_counter() - t0, device=sized,
        **damping, **common)


#: The first re-check (full torques) of a search that left the field-like torque out
#: (``share_field_like``) aims at target/2. A result above FIELD_LIKE_MISS x target (a factor 4
#: off the aim, beyond what the re-check's 8 % current steps are meant to absorb) or below
#: target / (FIELD_LIKE_MISS x search_tolerance x 2) (further below the aim than the search's own
#: tolerance and the same factor allow: the cell would be over-driven, its energy too high) means
#: that the field-like torque matters for this cell, and the search is run again with it [D].
FIELD_LIKE_MISS = 2.0


def field_like_matters(check, target: float, settings: SearchSettings) -> bool:
    """Whether a re-check with the full torques is too far from the aim of a search without the
    field-like torque (:data:`FIELD_LIKE_MISS`). An upper bound counts as far below when it is."""
    p = check.write_error_rate
    low = target / (FIELD_LIKE_MISS * settings.search_tolerance * 2.0)
    if unresolved(check):
        return p <= low  # an extinct splitting run below the band: over-driven
    return p > FIELD_LIKE_MISS * target or p < low


def _aim(entry) -> tuple[float, float]:
    """(width, H_DL) of a curve entry, H_DL raised to aim at target/2 where the slope is known."""
    h = entry["damping_like_field"]
    slope = entry.get("slope")
    if slope is not None and slope < 0:
        h = h + math.log(2.0) / abs(slope)
    return entry["pulse_width"], h


def _full_torque_curve(magnet, curve, targets, settings, sized, T, cell, path, progress):
    """Search again, with the field-like torque, the widths that met the target without it, in
    the order of their energies without it; stop once the best energy found is below the next
    width's energy without the torque [D: the order is a heuristic, stated in docs/energy.md].
    Updates ``curve`` in place (``field_like`` True on the entries searched again); returns the
    best entry or None."""
    _log(f"the re-check with the field-like torque (H_FL/H_DL = {magnet.ratio:.3g}) is outside the band its aim "
         f"allows (FIELD_LIKE_MISS = {FIELD_LIKE_MISS:g}): searching again with it", progress)
    order = sorted((c for c in curve if c["ok"] and c.get("energy_per_bit") is not None),
                   key=lambda c: c["energy_per_bit"])
    found = []
    for c in order:
        if found and min(e["energy_per_bit"] for e in found) <= c["energy_per_bit"]:
            break
        r = required_drive(magnet, c["pulse_width"], targets.write_error_rate, settings, progress=progress,
                           full_torques=True)
        c.update({"field_like": True, "ok": r["ok"], "reason": r["reason"], "damping_like_field": r["drive_field"],
                  "evaluations": r["evaluations"], "cached": r.get("cached", False), "slope": r.get("slope")})
        if not r["ok"]:
            c["energy_per_bit"] = None
            continue
        j = r["drive_field"] / magnet.a_dl
        e = cell_energy(sized, j, c["pulse_width"], temperature=T, cell=cell, path=path)
        c.update({"current_density": j, "write_current": float(e["current"]),
                  "energy_per_bit": float(e["energy"]) if e["ok"] else None, "drivable": bool(e["ok"])})
        if c["energy_per_bit"] is not None:
            found.append(c)
    return min(found, key=lambda c: c["energy_per_bit"]) if found else None


def describe_magnet(device) -> dict:
    """The free layer of a design as the comparison pairs designs ("the same magnet"): its material,
    thickness (m), shape, length and width (m) as given in the file (before iso-Delta sizing)."""
    g = device.geometry
    return {"material": device.layer.material.name, "thickness": g.thickness, "shape": g.shape,
            "length": g.length, "width": g.width}


def same_magnet(a: dict, b: dict) -> bool:
    """Two designs have the same free layer (material, thickness, shape, lateral size; 1e-9 rel)."""
    if not a or not b or a.get("material") != b.get("material") or a.get("shape") != b.get("shape"):
        return False
    return all(abs(a[k] - b[k]) <= 1e-9 * max(abs(a[k]), abs(b[k])) for k in ("thickness", "length", "width"))


def _clean_curve(curve):
    return [{k: v for k, v in c.items()} for c in curve]


def energy_at(device, drive_fields, targets: Targets, cell: CellSpec | None = None) -> dict:
    """Least energy of ``device`` given the required H_DL per pulse width of its magnet: a
    :class:`DriveCurves` (evaluated at the device's own alpha_eff) or a fixed ``{width: H_DL}``
    (valid only at the alpha_eff it was computed for). Returns ``{"energy_per_bit", "pulse_width",
    "write_current", "current_density", "energies", "effective_damping"}`` (None if no torque or no
    drivable width; ``energies`` the four metrics at the least-energy width)."""
    T = targets.temperature
    alpha = None
    if isinstance(drive_fields, DriveCurves):
        alpha = float(device.effective_damping(T))
        drive_fields = drive_fields.at(alpha)
    cell = cell or parse_cell(device)
    a_dl, _ = device.field_per_current(T)
    if abs(a_dl) < 1e-30:
        return {"energy_per_bit": None, "pulse_width": None, "write_current": None, "current_density": None}
    path = write_path(device, T)
    best = None
    for w, h in drive_fields.items():
        if h is None:
            continue
        j = h / abs(a_dl)
        e = cell_energy(device, j, w, temperature=T, cell=cell, path=path)
        if e["ok"] and (best is None or float(e["energy"]) < best["energy_per_bit"]):
            best = {"energy_per_bit": float(e["energy"]), "pulse_width": w,
                    "write_current": float(e["current"]), "current_density": j,
                    "channel_energy": float(e["channel"]),
                    "energies": {"channel": float(e["channel"]), "transistor": float(e["transistor"]),
                                 "peripheral": float(e["peripheral"]), "supply": float(e["supply"])},
                    "effective_damping": alpha}
    return best or {"energy_per_bit": None, "pulse_width": None, "write_current": None, "current_density": None,
                    "effective_damping": alpha}
