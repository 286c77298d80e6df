r"""From torques to the stack: a global fit of the transport model to a sample series (docs/lab.md
section 8).

A series file lists samples (a stack or device file each, with overrides and a temperature) and
what was measured on them: torque efficiencies xi_DL, xi_FL (per current density in the reference
layer, s = +y, docs/physics.md section 2), the effective damping alpha_eff or the sink conductance
G_eff of an ST-FMR damping difference, each with its 1-sigma uncertainty, or data files that the
lab's analyses turn into those numbers (harmonic Hall, item 3; ST-FMR, item 5). The parameters
named ``free`` are shared by every sample and fitted by weighted least squares:

    chi^2 = sum_k ((model_k(p) - measured_k) / sigma_k)^2

with model_k the transport model (:func:`spinloss.transport.torques`) of sample k at its
temperature: xi_DL, xi_FL of its magnet, G_eff = Re of the magnet's spin-pumping conductance, and
alpha_eff = alpha (Gilbert) + Delta alpha (its spin pumping, the Onsager partner of the torque).
Fittable parameters (:data:`PARAMETERS`): the ferromagnet's spin-Hall-like angle, its Gilbert
damping, the FM/AFI magnon interface conductance G_int, the AFI's magnon diffusion length
lambda_m and spin conductivity sigma_m (values at the stacks' reference temperature, as in every
file) and its bulk Neel temperature T_N (the film's follows the finite-size law; the temperature
law of the magnon transport scales with T/T_N). Positive parameters are fitted in log space.

Uncertainties and correlations come from the Jacobian at the optimum: C = (J^T J)^-1 in the fit
variables (J of the residuals divided by sigma: the given uncertainties are taken as absolute),
transformed to the parameters (sigma_p = p sigma_log p for log-space ones). A direction of the
parameters that the series does not constrain (T_N without a temperature series across it,
lambda_m without a thickness series of the AFI) makes J^T J singular: the fit refuses and names
the parameter. chi^2, its degrees of freedom and p-value say whether the model describes the
series within its uncertainties.

Speed: samples with the same layer structure are merged into one vectorized stack (every numeric
parameter an array over the samples), and the trial parameter sets of a Jacobian are a second
array axis: one transport solve per structure evaluates the whole Jacobian.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..config import check_keys, read_toml, require
from ..errors import ConfigError, PhysicsError
from ..io import JsonResult

#: Fittable parameters: name -> (where: magnet | interface | sink, dimension for units, log space, SI unit).
PARAMETERS = {
    "spin_hall_angle": ("magnet", "dimensionless", False, "1"),
    "damping": ("magnet", "dimensionless", True, "1"),
    "magnon_interface_conductance": ("interface", "interface_conductance", True, "Ohm^-1 m^-2"),
    "magnon_diffusion_length": ("sink", "length", True, "m"),
    "magnon_spin_conductivity": ("sink", "conductivity", True, "Ohm^-1 m^-1"),
    "neel_temperature": ("sink", "temperature", True, "K"),
}
#: Measured quantities an entry may give (with ``_uncertainty``).
OBSERVABLES = ("xi_DL", "xi_FL", "alpha_eff", "G_eff")
SERIES_KEYS = {"name", "description", "template", "magnet", "sink", "free", "initial", "entries"}
ENTRY_KEYS = ({"name", "stack", "device", "set", "temperature", "data", "analysis", "current_amplitude",
               "current_amplitude_uncertainty", "magnet_kind", "hall_analysis", "field_angle", "control", "use"}
              | set(OBSERVABLES) | {f"{o}_uncertainty" for o in OBSERVABLES})
#: Relative singular value below which a parameter direction counts as undetermined.
SINGULAR = 1e-8
#: Relative step of the central differences of the Jacobian (fit variables).
JACOBIAN_STEP = 1e-5


@dataclass
class Observation:
    """One measured number of an entry: ``name`` (xi_DL | xi_FL | alpha_eff | G_eff), ``value``,
    ``sigma`` (1-sigma, > 0), ``origin`` (given, or the analysis that produced it)."""

    name: str
    value: float
    sigma: float
    origin: str = "given"


@dataclass
class SeriesEntry:
    """One sample: its ``stack`` (and ``device`` when the file is a device file), ``temperature`` (K),
    ``magnet`` and ``sink`` layer names (sink None without an AFI next to the magnet), its
    ``observations``, the ``file`` it came from and its ``overrides``."""

    name: str
    file: str
    stack: object
    device: object
    temperature: float
    magnet: str
    sink: str | None
    observations: list
    overrides: dict = field(default_factory=dict)
    gilbert_damping: float | None = None
    spin_pumping: bool = True


@dataclass
class Series:
    name: str
    description: str
    source: str
    entries: list
    free: list
    initial: dict
    template: str


# ============================================================================ reading


def _si(value, dimension, *, source, key, positive=False):
    from ..units import to_si

    x = to_si(value, dimension, source=source, key=key)
    if not (isinstance(x, float) or np.ndim(x) == 0) or not math.isfinite(float(x)):
        raise ConfigError(source, key, "must be a finite number")
    x = float(x)
    if positive and not x > 0:
        raise ConfigError(source, key, "must be > 0")
    return x


def _files(value, base: Path, source: str, key: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise ConfigError(source, key, "must be a file name or a list of file names")
    out = []
    for v in items:
        p = Path(v)
        p = p if p.is_absolute() else base / p
        if not p.is_file():
            raise ConfigError(source, key, f"no such file: {v}")
        out.append(str(p))
    return out


def _magnet_of(stack, device, wanted, source, key):
    if device is not None:
        return device.magnet_layer
    mags = [l.name for l in stack.layers if l.kind == "ferromagnet"]
    if wanted is not None:
        if wanted not in mags:
            raise ConfigError(source, key, f"no ferromagnetic layer named {wanted!r} (ferromagnets: {', '.join(mags)})")
        return wanted
    if len(mags) != 1:
        raise ConfigError(source, key, f"the stack has {len(mags)} ferromagnets: name the one measured with the "
                                       "series' magnet key")
    return mags[0]


def _sink_of(stack, magnet, wanted):
    """The AFI layer next to the magnet (``wanted`` if that is one), else None."""
    k = stack.index(magnet)
    near = [stack.layers[i].name for i in (k - 1, k + 1)
            if 0 <= i < len(stack.layers) and stack.layers[i].kind == "antiferromagnetic_insulator"]
    if wanted is not None:
        return wanted if wanted in near else None
    return near[0] if len(near) == 1 else None


def read_series(path) -> Series:
    """A series file (module docstring; docs/lab.md section 8.2) -> :class:`Series`. Data entries are
    analysed here (harmonic Hall, ST-FMR)."""
    source = str(path)
    base = Path(path).parent
    raw = read_toml(path)
    check_keys(raw, SERIES_KEYS, source=source, prefix="")
    name = raw.get("name", Path(path).stem)
    if not isinstance(name, str):
        raise ConfigError(source, "name", "must be a string")
    free = require(raw, "free", source=source)
    if not (isinstance(free, list) and free and all(isinstance(f, str) for f in free)):
        raise ConfigError(source, "free", "must be a non-empty list of parameter names")
    for f in free:
        if f not in PARAMETERS:
            raise ConfigError(source, "free", f"unknown parameter {f!r} (known: {', '.join(PARAMETERS)})")
    if len(set(free)) != len(free):
        raise ConfigError(source, "free", "a parameter is named twice")
    initial = {}
    init_raw = raw.get("initial", {})
    check_keys(init_raw, set(PARAMETERS), source=source, prefix="initial")
    for k, v in init_raw.items():
        _, dim, log, _ = PARAMETERS[k]
        initial[k] = _si(v, dim, source=source, key=f"initial.{k}", positive=log)
    entries_raw = require(raw, "entries", source=source)
    if not isinstance(entries_raw, list) or not entries_raw:
        raise ConfigError(source, "entries", "must be a non-empty array of tables ([[entries]])")
    magnet_name = raw.get("magnet")
    sink_name = raw.get("sink")
    for key, v in (("magnet", magnet_name), ("sink", sink_name)):
        if v is not None and not isinstance(v, str):
            raise ConfigError(source, key, "must be a layer name")
    entries = [read_entry(e, i, base, source, magnet_name, sink_name) for i, e in enumerate(entries_raw)]
    refs = {float(e.stack.reference_temperature) for e in entries}
    if len(refs) > 1:
        raise ConfigError(source, "entries", "the stacks have different reference_temperature values: the fitted "
                                             "magnon parameters would mean different things in each")
    template = raw.get("template")
    if template is None:
        template = entries[0].file
    else:
        template = _files(template, base, source, "template")[0]
    desc = raw.get("description", "")
    if not isinstance(desc, str):
        raise ConfigError(source, "description", "must be a string")
    return Series(name, desc, source, entries, list(free), initial, template)


def read_entry(e, i, base, source, magnet_name, sink_name) -> SeriesEntry:
    """One ``[[entries]]`` table (module docstring)."""
    from ..device import DEVICE_TABLES, Device
    from ..stack import Stack

    where = f"entries[{i}]"
    check_keys(e, ENTRY_KEYS, source=source, prefix=where)
    files = [k for k in ("stack", "device") if k in e]
    if len(files) != 1:
        raise ConfigError(source, where, "give the sample's file as stack = ... or device = ... (one of them)")
    file = _files(e[files[0]], base, source, f"{where}.{files[0]}")[0]
    overrides = e.get("set", {})
    if not isinstance(overrides, dict):
        raise ConfigError(source, f"{where}.set", "must be a table of KEY = VALUE overrides")
    raw = read_toml(file)
    has_device = any(k in raw for k in DEVICE_TABLES) and "magnet" in raw
    if has_device:
        device = Device.from_dict(raw, source=file, overrides=overrides)
        stack = device.stack
    else:
        device = None
        stack = Stack.from_dict(raw, source=file, overrides=overrides,
                                extra_keys=DEVICE_TABLES if any(k in raw for k in DEVICE_TABLES) else ())
    if stack.shape != ():
        raise ConfigError(source, f"{where}.set", "a sample is one stack: no array-valued parameters")
    temperature = (_si(e["temperature"], "temperature", source=source, key=f"{where}.temperature", positive=True)
                   if "temperature" in e else float(np.asarray(stack.temperature)))
    magnet = _magnet_of(stack, device, magnet_name, source, f"{where}")
    sink = _sink_of(stack, magnet, sink_name)
    label = e.get("name", f"{Path(file).stem}" + (f" {overrides}" if overrides else "") +
                  (f" at {temperature:g} K" if "temperature" in e else ""))
    if not isinstance(label, str):
        raise ConfigError(source, f"{where}.name", "must be a string")
    obs = []
    for o in OBSERVABLES:
        if o in e:
            if f"{o}_uncertainty" not in e:
                raise ConfigError(source, f"{where}.{o}_uncertainty", "missing: every measured value needs its "
                                                                        "1-sigma uncertainty")
            v = _si(e[o], "dimensionless" if o != "G_eff" else "interface_conductance", source=source,
                    key=f"{where}.{o}")
            s = _si(e[f"{o}_uncertainty"], "dimensionless" if o != "G_eff" else "interface_conductance",
                    source=source, key=f"{where}.{o}_uncertainty", positive=True)
            obs.append(Observation(o, v, s))
        elif f"{o}_uncertainty" in e:
            raise ConfigError(source, f"{where}.{o}_uncertainty", f"given without {o}")
    if "data" in e:
        obs += analyse_entry_data(e, where, base, source, device, file)
    elif any(k in e for k in ("analysis", "current_amplitude", "current_amplitude_uncertainty", "magnet_kind",
                              "hall_analysis", "field_angle", "control", "use")):
        raise ConfigError(source, where, "analysis options without data = ...")
    if not obs:
        raise ConfigError(source, where, f"nothing measured: give {', '.join(OBSERVABLES)} (with _uncertainty) or data")
    names = [o.name for o in obs]
    if len(set(names)) != len(names):
        raise ConfigError(source, where, f"an observable is given twice ({', '.join(names)})")
    gilbert = device.gilbert_damping if device is not None else _material_damping(stack, magnet)
    spin_pumping = device.spin_pumping if device is not None else True
    return SeriesEntry(label, file, stack, device, temperature, magnet, sink, obs, dict(overrides), gilbert,
                       spin_pumping)


def _material_damping(stack, magnet):
    v = stack.layer(magnet).material.damping
    return None if v is None else float(np.asarray(v))


def analyse_entry_data(e, where, base, source, device, file) -> list:
    """The observations of a data entry: ``analysis`` harmonic-hall (xi_DL, xi_FL) or st-fmr (xi_DL,
    xi_FL with ``current_amplitude``; G_eff with a ``control``, else alpha_eff)."""
    analysis = e.get("analysis")
    if analysis not in ("harmonic-hall", "st-fmr"):
        raise ConfigError(source, f"{where}.analysis", "must be harmonic-hall or st-fmr (for data = ...)")
    if device is None:
        raise ConfigError(source, f"{where}.device", "a data entry needs a device file (device = ...)")
    paths = _files(e["data"], base, source, f"{where}.data")
    i0 = (_si(e["current_amplitude"], "current", source=source, key=f"{where}.current_amplitude", positive=True)
          if "current_amplitude" in e else None)
    out = []
    if analysis == "harmonic-hall":
        from .data import read_harmonic_hall_files
        from .fitting import analyse_harmonic_hall

        if i0 is None:
            raise ConfigError(source, f"{where}.current_amplitude", "missing (the harmonic Hall analysis needs it)")
        kind = e.get("magnet_kind")
        if kind not in ("perpendicular", "in-plane"):
            raise ConfigError(source, f"{where}.magnet_kind", "must be perpendicular or in-plane")
        how = e.get("hall_analysis", "both")
        if how not in ("closed-form", "full-model", "both"):
            raise ConfigError(source, f"{where}.hall_analysis", "must be closed-form, full-model or both")
        try:
            fit = analyse_harmonic_hall(read_harmonic_hall_files(paths), i0, kind, device=device, analysis=how,
                                        bootstrap=0)
        except PhysicsError as exc:
            raise ConfigError(source, f"{where}.data", f"harmonic Hall analysis: {exc}") from None
        v = fit.values
        for o in ("xi_DL", "xi_FL"):
            out.append(Observation(o, float(v[o]), float(v[f"{o}_uncertainty"]), f"harmonic Hall ({v['analysis']})"))
    else:
        from .data import read_st_fmr_files
        from .st_fmr_fit import analyse_st_fmr

        angle = float(e.get("field_angle", 45.0))
        control = _files(e["control"], base, source, f"{where}.control") if "control" in e else None
        try:
            fit = analyse_st_fmr(read_st_fmr_files(paths), field_angle=angle, device=device, current_amplitude=i0,
                                 control=read_st_fmr_files(control) if control else None)
        except PhysicsError as exc:
            raise ConfigError(source, f"{where}.data", f"ST-FMR analysis: {exc}") from None
        v = fit.values
        if i0 is not None and v.get("xi_DL") is not None:
            for o in ("xi_DL", "xi_FL"):
                out.append(Observation(o, float(v[o]), float(v[f"{o}_uncertainty"]), "ST-FMR (absolute amplitudes)"))
        if control:
            out.append(Observation("G_eff", float(v["G_eff"]), float(v["G_eff_uncertainty"]),
                                   "ST-FMR damping difference"))
        elif v.get("alpha_eff") is not None:
            out.append(Observation("alpha_eff", float(v["alpha_eff"]), float(v["alpha_eff_uncertainty"]),
                                   "ST-FMR line width"))
    if "current_amplitude_uncertainty" in e:
        if i0 is None:
            raise ConfigError(source, f"{where}.current_amplitude_uncertainty", "given without current_amplitude")
        di = _si(e["current_amplitude_uncertainty"], "current", source=source,
                 key=f"{where}.current_amplitude_uncertainty", positive=True)
        # the torques scale as 1/I: a calibration error of the current is a common relative error
        for o in out:
            if o.name in ("xi_DL", "xi_FL"):
                o.sigma = math.hypot(o.sigma, abs(o.value) * di / i0)
                o.origin += f", current amplitude +- {di / i0:.1%}"
    use = e.get("use")
    if use is not None:
        if not (isinstance(use, list) and all(u in OBSERVABLES for u in use)):
            raise ConfigError(source, f"{where}.use", f"must be a list of {', '.join(OBSERVABLES)}")
        missing = [u for u in use if u not in [o.name for o in out]]
        if missing:
            raise ConfigError(source, f"{where}.use", f"the analysis gives no {', '.join(missing)}")
        out = [o for o in out if o.name in use]
    for o in out:
        if not (math.isfinite(o.value) and math.isfinite(o.sigma) and o.sigma > 0):
            raise ConfigError(source, f"{where}.data", f"the analysis gave {o.name} = {o.value} +- {o.sigma}: not "
                                                       "usable in the fit")
    return out


# ============================================================================ the model


def _signature(entry: SeriesEntry):
    from ..materials import MATERIAL_KEYS

    st = entry.stack
    layers = tuple((l.name, l.kind, tuple(getattr(l.material, k) is None for k in MATERIAL_KEYS)) for l in st.layers)
    itfs = tuple((i.index, i.kinds, tuple(getattr(i, k) is None for k in _INTERFACE_NUMERIC)) for i in st.interfaces)
    return (layers, itfs, float(st.reference_temperature), tuple(st.magnetization_direction), entry.magnet, entry.sink)


_INTERFACE_NUMERIC = ("spin_mixing_conductance", "transmitted_mixing_conductance", "spin_conductance",
                      "magnon_interface_conductance")


def merge_stacks(stacks):
    """One vectorized stack from single stacks of identical structure: every numeric parameter an
    array over the stacks (shape (n,)); names, kinds and references from the first."""
    from ..materials import MATERIAL_KEYS

    first = stacks[0]
    layers = []
    for i, l0 in enumerate(first.layers):
        vals = {}
        for k in MATERIAL_KEYS:
            if getattr(l0.material, k) is None:
                continue
            vals[k] = np.array([np.asarray(getattr(s.layers[i].material, k)) for s in stacks])
        thick = np.array([float(np.asarray(s.layers[i].thickness)) for s in stacks])
        layers.append(replace(l0, material=replace(l0.material, **vals), thickness=thick))
    itfs = []
    for g, i0 in enumerate(first.interfaces):
        vals = {}
        for k in _INTERFACE_NUMERIC:
            if getattr(i0, k) is None:
                continue
            vals[k] = np.array([np.asarray(getattr(s.interfaces[g], k)) for s in stacks])
        itfs.append(replace(i0, **vals))
    cd = np.array([float(np.asarray(s.current_density)) for s in stacks])
    return replace(first, layers=tuple(layers), interfaces=tuple(itfs), current_density=cd,
                   temperature=np.array([float(np.asarray(s.temperature)) for s in stacks]))


class SeriesModel:
    """The model of every observation of a series as a function of the free parameters."""

    def __init__(self, series: Series):
        self.series = series
        self.free = list(series.free)
        groups: dict = {}
        for k, e in enumerate(series.entries):
            groups.setdefault(_signature(e), []).append(k)
        self.groups = []
        for sig, idx in groups.items():
            ents = [series.entries[k] for k in idx]
            merged = merge_stacks([e.stack for e in ents])
            names = merged.layer_names
            im = names.index(ents[0].magnet)
            isink = names.index(ents[0].sink) if ents[0].sink is not None else None
            gilbert = np.array([np.nan if e.gilbert_damping is None else e.gilbert_damping for e in ents])
            pump = np.array([1.0 if e.spin_pumping else 0.0 for e in ents])
            temps = np.array([e.temperature for e in ents])
            self.groups.append({"entries": idx, "stack": merged, "magnet": im, "sink": isink, "gilbert": gilbert,
                                "pumping": pump, "temperature": temps})
        # the observation list: (entry, observation)
        self.rows = [(k, o) for k, e in enumerate(series.entries) for o in e.observations]
        self.measured = np.array([o.value for _, o in self.rows])
        self.sigma = np.array([o.sigma for _, o in self.rows])
        for name in self.free:
            where = PARAMETERS[name][0]
            if where in ("sink", "interface") and all(g["sink"] is None for g in self.groups):
                raise ConfigError(series.source, "free", f"{name}: no sample has an antiferromagnetic insulator "
                                                         "next to its magnet")
            if name == "damping" and not any(o.name == "alpha_eff" for _, o in self.rows):
                raise ConfigError(series.source, "free", "damping: no sample measures alpha_eff")
        for k, o in self.rows:
            if o.name == "alpha_eff" and series.entries[k].gilbert_damping is None and "damping" not in self.free:
                raise ConfigError(series.source, f"entries[{k}]", "alpha_eff needs the magnet's Gilbert damping")

    def apply(self, group, P):
        """The group's stack with the parameter sets P (K, n_free) as a second array axis (K, 1)."""
        st = group["stack"]
        layers = list(st.layers)
        itfs = list(st.interfaces)
        for j, name in enumerate(self.free):
            where = PARAMETERS[name][0]
            col = P[:, j:j + 1]
            if name == "damping":
                continue
            if where == "magnet":
                l = layers[group["magnet"]]
                layers[group["magnet"]] = replace(l, material=replace(l.material, **{name: col}))
            elif group["sink"] is None:
                continue
            elif where == "sink":
                l = layers[group["sink"]]
                layers[group["sink"]] = replace(l, material=replace(l.material, **{name: col}))
            else:
                g = min(group["magnet"], group["sink"])
                itfs[g] = replace(itfs[g], magnon_interface_conductance=col)
        return replace(st, layers=tuple(layers), interfaces=tuple(itfs))

    def observables(self, P):
        """Every observable of every entry for the parameter sets P (K, n_free): dict name -> (K, n_entries)."""
        from ..transport import torques

        P = np.atleast_2d(np.asarray(P, dtype=float))
        K = P.shape[0]
        n = len(self.series.entries)
        out = {o: np.full((K, n), np.nan) for o in OBSERVABLES}
        for g in self.groups:
            stack = self.apply(g, P)
            try:
                res = torques(stack, temperature=g["temperature"])
            except PhysicsError as exc:
                raise PhysicsError(f"the transport model failed for the trial parameters: {exc}") from None
            mag = res.magnet(stack.layers[g["magnet"]].name)
            shape = (K, len(g["entries"]))
            xi_dl = np.broadcast_to(np.asarray(mag.xi_dl, dtype=float), shape)
            xi_fl = np.broadcast_to(np.asarray(mag.xi_fl, dtype=float), shape)
            gp = np.broadcast_to(np.real(np.asarray(mag.pumping_conductance)), shape)
            dalpha = np.broadcast_to(np.asarray(mag.spin_pumping_damping, dtype=float), shape) * g["pumping"]
            gil = (P[:, self.free.index("damping")][:, None] if "damping" in self.free
                   else np.broadcast_to(g["gilbert"], shape))
            for o, v in (("xi_DL", xi_dl), ("xi_FL", xi_fl), ("G_eff", gp), ("alpha_eff", gil + dalpha)):
                out[o][:, g["entries"]] = v
        return out

    def predict(self, P):
        """The model of every observation row (K, n_rows)."""
        obs = self.observables(P)
        return np.stack([obs[o.name][:, k] for k, o in self.rows], axis=1)


def _to_x(free, p):
    return np.array([math.log(v) if PARAMETERS[n][2] else v for n, v in zip(free, p)])


def _to_p(free, x):
    x = np.atleast_2d(x)
    out = x.copy()
    for j, n in enumerate(free):
        if PARAMETERS[n][2]:
            out[:, j] = np.exp(x[:, j])
    return out


def initial_values(series: Series) -> dict:
    """Starting values of every parameter: the series' [initial], else the template's (or the
    first sample with the layer concerned)."""
    from ..device import read_stack

    values = dict(series.initial)
    tmpl = read_stack(series.template)
    candidates = [(tmpl, None)] + [(e.stack, e) for e in series.entries]
    for name in PARAMETERS:
        if name in values:
            continue
        where = PARAMETERS[name][0]
        for st, e in candidates:
            try:
                mag = e.magnet if e is not None else _magnet_of(st, None, None, series.source, "template")
            except ConfigError:
                continue
            sink = e.sink if e is not None else _sink_of(st, mag, None)
            v = None
            if where == "magnet":
                if name == "damping":
                    v = e.gilbert_damping if e is not None else _material_damping(st, mag)
                else:
                    v = getattr(st.layer(mag).material, name)
            elif sink is not None and where == "sink":
                v = getattr(st.layer(sink).material, name)
            elif sink is not None:
                i, k = st.index(mag), st.index(sink)
                v = st.interfaces[min(i, k)].magnon_interface_conductance
            if v is not None:
                values[name] = float(np.asarray(v))
                break
    return values


# ============================================================================ the fit


@dataclass
class StackFitResult(JsonResult):
    """The calibrated parameters (module docstring): ``values`` and ``uncertainties`` of the free
    parameters (SI), ``fixed`` the others used, ``correlation`` (free x free), ``chi2``, ``dof``,
    ``p_value``, ``entries`` (per observation: measured, sigma, model, pull) and ``predictions`` (every
    observable of every sample at the optimum)."""

    name: str
    free: list
    values: dict
    uncertainties: dict
    fixed: dict
    covariance: np.ndarray
    correlation: np.ndarray
    chi2: float
    dof: int
    p_value: float
    entries: list
    predictions: list
    calibrated_stack: str | None = None
    template: str | None = None
    warnings: list = field(default_factory=list)

    def as_dict(self) -> dict:
        out = {"name": self.name, "parameters": self.free}
        for n in PARAMETERS:
            if n in self.values:
                out[n] = self.values[n]
                out[f"{n}_uncertainty"] = self.uncertainties[n]
        out.update({"fixed": self.fixed, "covariance": self.covariance, "correlation": self.correlation,
                    "chi2": self.chi2, "dof": self.dof, "chi2_reduced": self.chi2 / self.dof if self.dof else None,
                    "p_value": self.p_value, "entries": self.entries, "predictions": self.predictions,
                    "calibrated_stack": self.calibrated_stack, "template": self.template, "warnings": self.warnings})
        units = {n: PARAMETERS[n][3] for n in PARAMETERS}
        units.update({f"{n}_uncertainty": PARAMETERS[n][3] for n in PARAMETERS})
        units.update({"xi_DL": "1", "xi_FL": "1", "alpha_eff": "1", "G_eff": "Ohm^-1 m^-2", "measured": "(observable)",
                      "sigma": "(observable)", "model": "(observable)", "pull": "1", "chi2": "1", "dof": "1",
                      "chi2_reduced": "1", "p_value": "1", "temperature": "K", "correlation": "1",
                      "covariance": "(parameter units)", "film_neel_temperature": "K"})
        out["units"] = units
        return out


def fit_stack_series(series: Series, *, progress=None) -> StackFitResult:
    """The global least-squares fit of ``series`` (module docstring)."""
    from scipy.optimize import least_squares
    from scipy.stats import chi2 as chi2_dist

    from ..progress import note

    model = SeriesModel(series)
    free = model.free
    start = initial_values(series)
    missing = [n for n in free if n not in start]
    if missing:
        raise ConfigError(series.source, "initial", f"no starting value for {', '.join(missing)} (give it in [initial])")
    for n in free:
        if PARAMETERS[n][2] and not start[n] > 0:
            raise ConfigError(series.source, "initial", f"{n}: the starting value must be > 0 (got {start[n]:g})")
    n_obs = len(model.rows)
    if n_obs <= len(free):
        raise PhysicsError(f"the series has {n_obs} measured values for {len(free)} free parameters: a fit needs more "
                           "values than parameters")
    x0 = _to_x(free, [start[n] for n in free])
    steps = np.array([JACOBIAN_STEP if PARAMETERS[n][2] else JACOBIAN_STEP * max(abs(start[n]), 1e-3) for n in free])
    evaluations = [0]

    def resid_many(X):
        evaluations[0] += X.shape[0]
        return (model.predict(_to_p(free, X)) - model.measured[None, :]) / model.sigma[None, :]

    def resid(x):
        r = resid_many(x[None, :])[0]
        if not np.all(np.isfinite(r)):
            return np.full_like(r, 1e10)
        return r

    def jac(x):
        X = np.vstack([x + s * np.eye(len(x))[j] * sgn for j, s in enumerate(steps) for sgn in (1, -1)])
        R = resid_many(X)
        J = np.empty((n_obs, len(x)))
        for j in range(len(x)):
            J[:, j] = (R[2 * j] - R[2 * j + 1]) / (2 * steps[j])
        return J

    sol = least_squares(resid, x0, jac=jac, method="lm", x_scale="jac", xtol=1e-10, ftol=1e-10, gtol=1e-10,
                        max_nfev=500)
    note(progress, "stack fit", f"least squares: {sol.nfev} residual evaluations, {evaluations[0]} model points")
    x = sol.x
    J = jac(x)
    norms = np.linalg.norm(J, axis=0)
    # a change of a parameter by its own size (1 in log space) that moves no residual by 1e-6 sigma
    size = np.array([1.0 if PARAMETERS[n][2] else max(abs(float(v)), 1e-3) for n, v in zip(free, _to_p(free, x)[0])])
    dead = [free[j] for j in range(len(free)) if not norms[j] * size[j] > 1e-6]
    if dead:
        raise PhysicsError(f"the series does not constrain {', '.join(dead)}: no measured value depends on it")
    Jn = J / norms
    _, sv, vt = np.linalg.svd(Jn, full_matrices=False)
    if sv[-1] < SINGULAR * sv[0]:
        weak = np.argsort(-np.abs(vt[-1]))
        names = [free[j] for j in weak if abs(vt[-1][j]) > 0.3]
        raise PhysicsError("the series does not determine the combination of " + ", ".join(names) +
                           " (a singular Jacobian): fix one of them or add samples that separate them (a thickness "
                           "series of the AFI for lambda_m, a temperature series across T_N for T_N)")
    cov_x = np.linalg.inv(Jn.T @ Jn) / np.outer(norms, norms)
    p = _to_p(free, x)[0]
    D = np.diag([p[j] if PARAMETERS[n][2] else 1.0 for j, n in enumerate(free)])
    cov = D @ cov_x @ D
    unc = np.sqrt(np.maximum(np.diag(cov), 0.0))
    corr = cov / np.outer(unc, unc)
    r = resid(x)
    chi2 = float(r @ r)
    dof = n_obs - len(free)
    pval = float(chi2_dist.sf(chi2, dof))
    warnings = []
    if not sol.success:
        warnings.append(f"the least squares did not report convergence ({sol.message})")
    if pval < 1e-3:
        warnings.append(f"chi2 = {chi2:.4g} for {dof} degrees of freedom (p = {pval:.2g}): the model does not describe "
                        "the series within the given uncertainties (uncertainties understated, or a physical effect "
                        "the model leaves out); the parameter uncertainties assume it does")
    values = {n: float(v) for n, v in zip(free, p)}
    uncertainties = {n: float(u) for n, u in zip(free, unc)}
    fixed = {n: v for n, v in start.items() if n not in free}
    best = model.predict(p[None, :])[0]
    rows = []
    for (k, o), m, pull in zip(model.rows, best, r):
        e = series.entries[k]
        rows.append({"entry": e.name, "file": e.file, "temperature": e.temperature, "observable": o.name,
                     "measured": o.value, "sigma": o.sigma, "model": float(m), "pull": float(pull), "origin": o.origin})
    allobs = model.observables(p[None, :])
    preds = []
    for k, e in enumerate(series.entries):
        d = {"entry": e.name, "temperature": e.temperature}
        for o in OBSERVABLES:
            v = float(allobs[o][0, k])
            d[o] = v if math.isfinite(v) else None
        d["film_neel_temperature"] = _film_neel(e, values, fixed)
        preds.append(d)
    return StackFitResult(series.name, free, values, uncertainties, fixed, cov, corr, chi2, dof, pval, rows, preds,
                          template=series.template, warnings=warnings)


def _film_neel(entry, values, fixed):
    from ..transport import film_neel_temperature

    if entry.sink is None:
        return None
    mat = entry.stack.layer(entry.sink).material
    tn = values.get("neel_temperature", fixed.get("neel_temperature", mat.neel_temperature))
    return float(film_neel_temperature(tn, entry.stack.layer(entry.sink).thickness, mat.neel_finite_size_length,
                                       mat.neel_finite_size_exponent))


# ============================================================================ the calibrated file


def apply_to_raw(raw: dict, values: dict, *, source: str, magnet: str | None = None, sink: str | None = None) -> dict:
    """A copy of the raw file contents ``raw`` (a stack or device file) with the parameter ``values``
    written in: layer keys of the magnet and the sink, the FM/AFI interface (an [[interfaces]] entry
    is added if the file has none for it), the Gilbert damping in [magnet] if the file sets it there."""
    import copy

    from ..device import DEVICE_TABLES
    from ..stack import Stack, layer_names

    out = copy.deepcopy(raw)
    stack = Stack.from_dict(out, source=source, extra_keys=DEVICE_TABLES if any(k in out for k in DEVICE_TABLES) else ())
    if magnet is None:
        magnet = out["magnet"]["layer"] if isinstance(out.get("magnet"), dict) and "layer" in out["magnet"] else \
            _magnet_of(stack, None, None, source, "magnet")
    if sink is None:
        sink = _sink_of(stack, magnet, None)
    names = layer_names(out["layers"], source=source)
    for name, v in values.items():
        where = PARAMETERS[name][0]
        if where == "magnet":
            if name == "damping" and isinstance(out.get("magnet"), dict) and "damping" in out["magnet"]:
                out["magnet"]["damping"] = v
            else:
                out["layers"][names.index(magnet)][name] = v
        elif sink is None:
            continue
        elif where == "sink":
            out["layers"][names.index(sink)][name] = v
        else:
            itfs = out.setdefault("interfaces", [])
            for it in itfs:
                if set(it.get("between", [])) == {magnet, sink}:
                    it[name] = v
                    break
            else:
                itfs.append({"between": [magnet, sink], name: v})
    return out


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if math.isnan(v):
            return "nan"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, np.generic):
        return _toml_value(v.item())
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _toml_key(k: str) -> str:
    return k if k and all(c.isalnum() or c in "-_" for c in k) else json.dumps(k)


def to_toml(raw: dict) -> str:
    """TOML text of a parsed file's contents (scalars and lists first, then tables, then arrays of
    tables; tables nested deeper are written inline). tomllib reads it back equal."""
    lines = []
    scalars = {k: v for k, v in raw.items() if not isinstance(v, dict)
               and not (isinstance(v, list) and v and all(isinstance(x, dict) for x in v))}
    tables = {k: v for k, v in raw.items() if isinstance(v, dict)}
    arrays = {k: v for k, v in raw.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)}
    for k, v in scalars.items():
        lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
    for k, v in arrays.items():
        for item in v:
            lines.append("")
            lines.append(f"[[{_toml_key(k)}]]")
            for kk, vv in item.items():
                lines.append(f"{_toml_key(kk)} = {_toml_value(vv)}")
    for k, v in tables.items():
        lines.append("")
        lines.append(f"[{_toml_key(k)}]")
        for kk, vv in v.items():
            lines.append(f"{_toml_key(kk)} = {_toml_value(vv)}")
    return "\n".join(lines) + "\n"


def calibrated_text(result: StackFitResult, series: Series, output_path) -> str:
    """The calibrated stack file: the template with the fitted values, a header with the fit."""
    import os

    from ..version import __version__

    raw = read_toml(series.template)
    out = apply_to_raw(raw, result.values, source=series.template)
    if isinstance(out.get("library"), str) and not Path(out["library"]).is_absolute():
        lib = (Path(series.template).parent / out["library"]).resolve()
        out["library"] = os.path.relpath(lib, Path(output_path).resolve().parent)
    if isinstance(out.get("name"), str):
        out["name"] = out["name"] + " (calibrated)"
    head = [f"Calibrated stack: spinloss {__version__} fit stack {series.source} ({series.name})",
            f"template: {series.template}; the fitted values below replace the template's (SI units)"]
    if series.description:
        head += [f"series: {line}" for line in series.description.splitlines()]
    for n in result.free:
        head.append(f"  {n} = {result.values[n]:.6g} +- {result.uncertainties[n]:.2g} {PARAMETERS[n][3]}")
    if len(result.free) > 1:
        head.append("  correlations: " + ", ".join(
            f"{result.free[i]}/{result.free[j]} {result.correlation[i, j]:+.2f}"
            for i in range(len(result.free)) for j in range(i + 1, len(result.free))))
    head.append(f"  chi2 = {result.chi2:.4g} for {result.dof} degrees of freedom (p = {result.p_value:.3g})")
    template_comments = []
    for line in Path(series.template).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            template_comments.append(line)
        elif line.strip():
            break
    text = "".join(f"# {h}\n" for h in head)
    if template_comments:
        text += "#\n# the template's header:\n" + "\n".join(template_comments) + "\n"
    return text + "\n" + to_toml(out)
