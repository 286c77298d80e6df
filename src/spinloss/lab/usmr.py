r"""USMR readout and the write/read protocol of Choi et al. (Nat. Commun. 2025, Fig. 5) (docs/lab.md
section 7).

Readout [D]. An AC read current I(t) = I0 sin(w t) (current density J(t) = J0 sin(w t) in the
torque reference layer) flows along +x; the longitudinal voltage over the bar section is

    V_xx(t) = R_xx(m(t), J(t), |H|) I(t) + V_N,xx (I(t)/I0)^2 m_y(t)

with R_xx of docs/lab.md section 1 (R0 + AMR m_x^2 + SMR (1 - m_y^2) + R0 u(|H|) J m_y, u = USMR +
USMR_magnon / (1 + |H|/H_m)) and the anomalous Nernst voltage of the vertical gradient dT/dz (the
Joule heat leaving through the substrate, as for harmonic Hall): E = S_ANE grad(T) x m has
E_x = -S_ANE (dT/dz) m_y, so V_N,xx = -S_ANE L dT/dz (bar length L) at I0. The harmonics
V_1w, V_2w are taken in the convention of harmonic Hall (docs/lab.md section 2.1: in-phase first,
amplitude of -cos(2wt) second) and quoted as resistances R_1w = V_1w/I0, R_2w = V_2w/I0. In the
small-current limit, for a state m,

    R_2w = R0 u(|H|) J0 m_y / 2 + V_N,xx m_y / (2 I0) + (1/2) (dR_xx/dm) . m1

(the USMR part, the thermal part, and the part of the current-induced tilt m1 of m seen through AMR
and SMR; the last vanishes at m = +-y, where the damping-like field H_DL (m x y) and the field-like
and Oersted fields along y exert no torque). So R_2w is odd in m_y: it reads the bit of a type-y
device. The simulation takes the harmonics of the quasistatic response exactly
(:func:`spinloss.lab.harmonic_hall.quasistatic_harmonics` with the longitudinal voltage).

Field sweep: the applied field along y is swept from START to STOP and back; every point is the
stable equilibrium reached from the previous one (hysteresis: m_y flips where its well vanishes).

Write/read protocol: a write pulse (the device's [pulse] shape) of current density J_p, the
relaxation of the magnet with no current until it is decided (energy below the saddle, as in
:mod:`spinloss.experiments.switching`), then the read of R_2w of the well it is in. In the loop,
J_p is swept 0 -> +J_max -> -J_max -> +J_max; in a sequence it takes the given values. At T > 0
each of ``trials`` devices carries its own thermal history through the whole protocol (stochastic
Heun); the read is the mean R_2w of the ensemble (the fraction in each well times that well's R_2w;
the thermal wobble within a well, of relative order 1/Delta, is neglected). Between a read and the
next pulse the bench waits (milliseconds): every device then starts from the equilibrium of the
well it was written to (a harmonic Boltzmann state of that well at T > 0, its minimum at T = 0),
not from the ringing state the decision left. At T = 0 the dynamics
are deterministic and, as for thresholds (:func:`spinloss.experiments.switching.deterministic_switches`),
a magnet exactly on the easy axis is tilted by ``initial_tilt_deg`` before every pulse (a
collinear polarization exerts no torque on it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..device import USMR_READ_CURRENT_DENSITY  # the read current density of Choi et al.'s Fig. 5
from ..errors import ConfigError, PhysicsError
from ..io import JsonResult
from ..vectors import film_tangent_frame
from .harmonic_hall import device_magnet, equilibrium, hall_bar_of_device, quasistatic_harmonics
from .resistance import RESISTANCE_UNITS, ResistanceModel, anomalous_nernst_longitudinal_voltage
from .st_fmr import stiffness

#: Offset of the noise counters between pulses (steps): far beyond the steps of any pulse and relaxation.
PULSE_STEP_STRIDE = 10**12
#: Longest relaxation after a pulse (s) before a device is counted undecided.
MAX_SETTLE_TIME = 50e-9


class Readout:
    """The USMR read of a device at the read current density ``read_current_density`` J0 (A/m^2 in
    the reference layer) and the applied field ``applied_field`` (A/m, 3-vector): R_1w and R_2w
    (Ohm) of any state (module docstring)."""

    def __init__(self, device, read_current_density: float = USMR_READ_CURRENT_DENSITY, *,
                 resistance: ResistanceModel | None = None, oersted: bool = True):
        if not (read_current_density > 0 and math.isfinite(read_current_density)):
            raise ConfigError("<api>", "read_current_density", "must be > 0 and finite")
        self.device = device
        ch = device.channel()
        self.current_density = float(read_current_density)
        self.current_amplitude = self.current_density * ch["current_per_density"]
        self.bar, self.info = hall_bar_of_device(device, self.current_amplitude, resistance=resistance,
                                                 oersted=oersted)
        self.resistance = self.bar.resistance
        self.nernst_voltage = float(anomalous_nernst_longitudinal_voltage(
            np.array([0.0, 1.0, 0.0]), self.info["temperature_gradient"], self.resistance.anomalous_nernst,
            device.geometry.length))
        self.params, self.scale = device_magnet(device)

    def field_function(self, h_app):
        from ..dynamics.integrators import effective_field

        params_n = self.magnet(h_app)
        return lambda m: effective_field(params_n, m)

    def magnet(self, h_app):
        """The macrospin parameters (T = 0) with the applied field(s) ``h_app`` (A/m, (N, 3) or (3,))."""
        h = np.asarray(h_app, dtype=float)
        return replace(self.params, applied_field=h[0] if h.ndim == 2 and h.shape[0] == 1 else h)

    def voltage(self, h_app):
        """V_xx(m, c) (V) at the applied fields ``h_app`` (N, 3) (copies of the N points stacked as
        :func:`~spinloss.lab.harmonic_hall.quasistatic_harmonics` does)."""
        h_mag = np.linalg.norm(np.asarray(h_app, dtype=float), axis=1)
        n = len(h_mag)
        r, i0, j0, vn = self.resistance, self.current_amplitude, self.current_density, self.nernst_voltage

        def v(m, c):
            c = np.asarray(c, dtype=float)
            hm = np.tile(h_mag, len(c) // n) if len(c) != n else h_mag
            return r.longitudinal(m, c * j0, hm) * c * i0 + vn * c**2 * m[..., 1]

        return v

    def read(self, m_states, h_app):
        """R_1w, R_2w (Ohm, (N,)) of the states ``m_states`` (N, 3) (zero-current equilibria) at the
        fields ``h_app`` (N, 3), and the parts of R_2w (USMR, thermal) of the module docstring."""
        m_states = np.asarray(m_states, dtype=float)
        h_app = np.asarray(h_app, dtype=float)
        scale = self.scale + float(np.max(np.abs(h_app), initial=0.0)) + 1.0
        v1, v2, m0 = quasistatic_harmonics(self.field_function(h_app), self.bar, m_states, scale=scale,
                                           voltage=self.voltage(h_app))
        h_mag = np.linalg.norm(h_app, axis=1)
        usmr = (0.5 * self.resistance.R0 * self.resistance.usmr_per_current_density(h_mag) * self.current_density
                * m0[:, 1])
        thermal = 0.5 * self.nernst_voltage * m0[:, 1] / self.current_amplitude
        return v1 / self.current_amplitude, v2 / self.current_amplitude, m0, usmr, thermal


def stable_equilibrium(params, m_start, scale: float, *, push: float = 0.3, attempts: int = 4):
    """The stable equilibrium (1, 3) of the single-device macrospin ``params`` (applied field
    included) reached from ``m_start`` (1, 3): :func:`~spinloss.lab.harmonic_hall.equilibrium` (Newton
    finds any stationary state), then, while the stiffness (symmetrized) is not positive definite (a
    state left on a saddle or a maximum, e.g. past its switching field), a push of ``push`` rad along
    the softest direction, a steepest descent of the energy
    (:func:`spinloss.dynamics.energy.relax_to_minimum`, which cannot stop on a saddle) and a Newton
    polish."""
    from ..dynamics.energy import relax_to_minimum
    from ..dynamics.integrators import effective_field

    def field_fn(m):
        return effective_field(params, m)

    m = equilibrium(field_fn, m_start, scale=scale)
    for _ in range(attempts):
        _, e1, e2 = film_tangent_frame(m)
        K = stiffness(field_fn, m, e1, e2)
        w, vec = np.linalg.eigh(0.5 * (K + np.transpose(K, (0, 2, 1))))
        if w[0, 0] > 1e-9 * scale:
            return m
        u = vec[0, :, 0]
        pushed = m[0] + push * (u[0] * e1[0] + u[1] * e2[0])
        m_min = relax_to_minimum(params, pushed / np.linalg.norm(pushed))
        m = equilibrium(field_fn, m_min.reshape(1, 3), scale=scale)
    raise PhysicsError("no stable equilibrium found (the magnet has no energy minimum at this field)")


@dataclass
class UsmrResult(JsonResult):
    """USMR simulation (module docstring): ``mode`` field | loop | sequence; ``rows`` the points
    (dict of arrays: field sweeps ``field`` (A/m along y), ``direction`` (+1 up, -1 down), ``m_y``,
    ``r1w``, ``r2w`` (Ohm) and its ``r2w_usmr`` and ``r2w_thermal`` parts, ``usmr_per_current_density``
    (m^2/A: u(|H|), dR/R per current density); pulses ``pulse``,
    ``current_density`` (A/m^2), ``direction`` (loops: 0 first ramp, -1 falling, +1 rising), ``fraction_positive`` (devices with m . easy > 0),
    ``r2w`` (Ohm, ensemble mean), ``r2w_std``); ``summary`` the read levels and switching currents."""

    mode: str
    rows: dict
    summary: dict
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {"mode": self.mode, **self.rows, **self.summary, "details": self.details}
        out["units"] = {**RESISTANCE_UNITS, "field": "A/m", "direction": "1", "m_y": "1", "r1w": "Ohm", "r2w": "Ohm", "r2w_usmr": "Ohm",
                        "r2w_thermal": "Ohm", "r2w_std": "Ohm", "usmr_per_current_density": "m^2/A", "pulse": "1",
                        "current_density": "A/m^2", "fraction_positive": "1", "read_current_density": "A/m^2",
                        "read_current_amplitude": "A", "r2w_positive": "Ohm", "r2w_negative": "Ohm",
                        "read_contrast": "Ohm", "switching_current_density_up": "A/m^2",
                        "switching_current_density_down": "A/m^2", "pulse_width": "s", "rise_time": "s",
                        "fall_time": "s", "temperature": "K", "trials": "1", "nernst_voltage": "V",
                        "temperature_gradient": "K/m", "undecided": "1", "seed": "1", "applied_field": "A/m",
                        "damping_like_field": "A/m", "field_like_field": "A/m", "oersted_field": "A/m",
                        "joule_power_per_area": "W/m^2", "damping_like_efficiency": "1",
                        "field_like_efficiency": "1", "polarization": "1", "current_amplitude": "A",
                        "resistance": "Ohm", "usmr_per_current_density_zero_field": "m^2/A"}
        return out

    def to_csv(self, comment: str | None = None) -> str:
        """The rows as CSV (docs/lab.md section 7.4)."""
        lines = [f"# {c}" for c in (comment or "").splitlines() if comment]
        r = self.rows
        if self.mode == "field":
            lines.append("field [A/m],direction,m_y,r1w [Ohm],r2w [Ohm],r2w_usmr [Ohm],r2w_thermal [Ohm]")
            for k in range(len(r["field"])):
                lines.append(f"{r['field'][k]:.10g},{int(r['direction'][k]):+d},{r['m_y'][k]:.10g},{r['r1w'][k]:.12g},"
                             f"{r['r2w'][k]:.10g},{r['r2w_usmr'][k]:.10g},{r['r2w_thermal'][k]:.10g}")
        else:
            lines.append("pulse,current density [A/m^2],direction,fraction_positive,r2w [Ohm],r2w_std [Ohm]")
            for k in range(len(r["pulse"])):
                lines.append(f"{int(r['pulse'][k])},{r['current_density'][k]:.10g},{int(r['direction'][k]):+d},"
                             f"{r['fraction_positive'][k]:.6g},{r['r2w'][k]:.10g},{r['r2w_std'][k]:.6g}")
        return "\n".join(lines) + "\n"


def _readout_details(ro: Readout) -> dict:
    d = {k: v for k, v in ro.info.items() if k not in ("torque_source",)}
    d["torque_source"] = ro.info["torque_source"]
    d["nernst_voltage"] = ro.nernst_voltage
    d["resistance"] = {k: v for k, v in ro.resistance.as_dict().items() if math.isfinite(v)}
    return d


def usmr_field_sweep(device, fields, *, read_current_density: float = USMR_READ_CURRENT_DENSITY,
                     resistance: ResistanceModel | None = None, progress=None) -> UsmrResult:
    """R_1w, R_2w against the field along y swept through ``fields`` (A/m) and back (module
    docstring); the device file's own [field] is replaced by the sweep."""
    from ..progress import Counter

    ro = Readout(device, read_current_density, resistance=resistance)
    fields = np.asarray(fields, dtype=float)
    if fields.ndim != 1 or fields.size < 2:
        raise ConfigError("<api>", "fields", "give at least two field values")
    sweep = np.concatenate([fields, fields[::-1][1:]])
    direction = np.concatenate([np.full(fields.size, 1 if fields[-1] >= fields[0] else -1),
                                np.full(fields.size - 1, -1 if fields[-1] >= fields[0] else 1)])
    h_app = np.stack([np.zeros_like(sweep), sweep, np.zeros_like(sweep)], axis=1)
    m = np.asarray(device.initial_direction, dtype=float).reshape(1, 3)
    m = m / np.linalg.norm(m)
    states = np.empty((sweep.size, 3))
    with Counter(progress, "field points", total=sweep.size) as counter:
        for k in range(sweep.size):
            scale = ro.scale + abs(sweep[k]) + 1.0
            tilt = m + 1e-3 * np.array([[1.0, 0.0, 0.3]])        # off any exact (unstable) symmetry point
            m = stable_equilibrium(ro.magnet(h_app[k:k + 1]), tilt / np.linalg.norm(tilt), scale)
            states[k] = m[0]
            counter.add(1)
    r1, r2, m0, usmr, thermal = ro.read(states, h_app)
    rows = {"field": sweep, "direction": direction, "m_y": m0[:, 1], "r1w": r1, "r2w": r2, "r2w_usmr": usmr,
            "r2w_thermal": thermal,
            "usmr_per_current_density": ro.resistance.usmr_per_current_density(np.abs(sweep))}
    top = int(np.argmax(sweep))
    bottom = int(np.argmin(sweep))
    summary = {"read_current_density": ro.current_density, "read_current_amplitude": ro.current_amplitude,
               "usmr_per_current_density_zero_field": float(ro.resistance.usmr_per_current_density(0.0))}
    summary["read_contrast"] = float(r2[top] - r2[bottom]) if sweep[top] > 0 > sweep[bottom] else None
    return UsmrResult("field", rows, summary, _readout_details(ro))


def read_levels(device, ro: Readout) -> dict:
    """R_2w (Ohm) of the two easy-axis wells at the device's applied field: {+1: ..., -1: ...}."""
    easy = np.asarray(device.easy_axis, dtype=float)
    h = np.asarray(device.applied_field, dtype=float).reshape(1, 3)
    scale = ro.scale + float(np.max(np.abs(h))) + 1.0
    out = {}
    for sign in (1.0, -1.0):
        start = sign * easy + 1e-3 * np.array([1.0, 0.0, 0.3])
        m = stable_equilibrium(ro.magnet(h), (start / np.linalg.norm(start)).reshape(1, 3), scale)
        if float(m[0] @ easy) * sign <= 0:
            raise PhysicsError("the applied field leaves only one well: the read has a single level")
        _, r2, _, _, _ = ro.read(m, h)
        out[int(sign)] = float(r2[0])
    return out


def write_read(device, pulses, *, read_current_density: float = USMR_READ_CURRENT_DENSITY,
               temperature: float | None = None, trials: int = 1, seed: int = 0, pulse_width: float | None = None,
               initial_tilt_deg: float = 1.0, directions=None, resistance: ResistanceModel | None = None,
               mode: str = "sequence", progress=None) -> UsmrResult:
    """Write pulses of the current densities ``pulses`` (A/m^2, in the reference layer), each followed
    by relaxation and a USMR read (module docstring). ``temperature`` K (default the device's; 0:
    deterministic, one device), ``trials`` devices at T > 0 (seeded), ``pulse_width`` s (default the
    file's). ``directions`` labels each pulse (+1/-1, the loop's branch)."""
    from .. import dynamics as dyn
    from ..experiments.switching import relax_until_decided
    from ..progress import Counter

    pulses = np.asarray(pulses, dtype=float).ravel()
    if pulses.size == 0 or not np.all(np.isfinite(pulses)):
        raise ConfigError("<api>", "pulses", "give finite pulse current densities")
    T = device.temperature if temperature is None else float(temperature)
    if T < 0 or not math.isfinite(T):
        raise ConfigError("<api>", "temperature", "must be >= 0 and finite")
    n = 1 if T == 0 else int(trials)
    if n < 1:
        raise ConfigError("<api>", "trials", "must be >= 1")
    ro = Readout(device, read_current_density, resistance=resistance)
    levels = read_levels(device, ro)
    from ..dynamics.energy import StartingWell

    well = device.starting_well(T)
    params = well.params if T > 0 else replace(well.params, temperature=0.0)
    easy = well.easy
    try:
        wells = {float(well.start @ easy): well,
                 float(well.target @ easy): StartingWell.find(well.params, easy, well.target)}
    except PhysicsError as exc:
        raise PhysicsError(f"the write/read protocol needs two wells: {exc}") from None
    p = device.pulse
    width = p.width if pulse_width is None else float(pulse_width)
    if T > 0:
        m = well.thermal_states(n, T, device.geometry.volume, seed)
    else:
        m = np.tile(np.asarray(device.initial_direction, dtype=float) / np.linalg.norm(device.initial_direction), (n, 1))
    stream = np.arange(n, dtype=np.int64)
    frac, r2w, r2w_std, undecided = [], [], [], []
    with Counter(progress, "pulses", total=pulses.size) as counter:
        for k, j in enumerate(pulses):
            wave = dyn.Waveform.pulse(j, width, p.rise_time, p.fall)
            duration = p.duration(width)
            schedule = device.heating_schedule(np.full(n, j), width, T)
            if j != 0.0:
                if T > 0:
                    dt = dyn.heun_time_step(params, abs(j), schedule)
                    r = dyn.simulate(params, m, wave, duration, dt, seed=seed, stream_ids=stream,
                                     step_offset=k * PULSE_STEP_STRIDE, schedule=schedule)
                    m, und, _ = relax_until_decided(params, r.m_final, duration, seed, stream, dt, well,
                                                    k * PULSE_STEP_STRIDE + int(round(duration / dt)) + 1,
                                                    MAX_SETTLE_TIME, schedule=schedule)
                else:
                    m = _tilt_off_axis(m, easy, initial_tilt_deg)
                    m, und = _deterministic_pulse(params, m, wave, duration, well, schedule)
            else:
                und = np.zeros(n, dtype=bool)
            s = np.sign(m @ easy)
            pos = s > 0
            m = _equilibrate(m, pos, wells, T, device.geometry.volume, seed, k)
            vals = np.where(pos, levels[1], levels[-1])
            frac.append(float(np.mean(pos)))
            r2w.append(float(np.mean(vals)))
            r2w_std.append(float(np.std(vals, ddof=1)) if n > 1 else 0.0)
            undecided.append(int(np.sum(und)))
            counter.add(1)
    if directions is None:
        directions = np.ones(pulses.size)
    rows = {"pulse": np.arange(pulses.size), "current_density": pulses, "direction": np.asarray(directions),
            "fraction_positive": np.array(frac), "r2w": np.array(r2w), "r2w_std": np.array(r2w_std),
            "undecided": np.array(undecided)}
    summary = {"read_current_density": ro.current_density, "read_current_amplitude": ro.current_amplitude,
               "r2w_positive": levels[1], "r2w_negative": levels[-1], "read_contrast": levels[1] - levels[-1],
               "temperature": T, "trials": n, "seed": seed if T > 0 else None, "pulse_width": width,
               "rise_time": p.rise_time, "fall_time": p.fall}
    if mode == "loop":
        summary.update(loop_thresholds(pulses, np.asarray(directions), np.array(frac)))
    details = _readout_details(ro)
    details["applied_field"] = list(device.applied_field)
    return UsmrResult(mode, rows, summary, details)


def _equilibrate(m, positive, wells, temperature, volume, seed, pulse_index):
    """The wait before the next pulse: every device thermalized in the well it was written to (at
    T = 0 its minimum; at T > 0 a harmonic Boltzmann state of that well, seeded by (seed, pulse))."""
    out = np.array(m, dtype=float)
    for sign, sel in ((1.0, positive), (-1.0, ~positive)):
        k = int(np.sum(sel))
        if k == 0:
            continue
        w = wells[sign]
        if temperature > 0:
            sub_seed = int(np.random.SeedSequence([seed, pulse_index, int(sign > 0)]).generate_state(1)[0])
            out[sel] = w.thermal_states(k, temperature, volume, sub_seed)
        else:
            out[sel] = w.minimum
    return out


def _tilt_off_axis(m, easy, tilt_deg):
    """States within 1e-6 rad of the easy axis tilted by ``tilt_deg`` towards x (z for an x axis)."""
    m = np.array(m, dtype=float)
    on_axis = np.linalg.norm(np.cross(m, easy), axis=1) < 1e-6
    if np.any(on_axis):
        d = np.array([1.0, 0.0, 0.0]) if abs(easy[0]) < 0.9 else np.array([0.0, 0.0, 1.0])
        a = math.radians(tilt_deg)
        m[on_axis] = math.cos(a) * m[on_axis] + math.sin(a) * d
        m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m


def _deterministic_pulse(params, m, wave, duration, well, schedule, rtol: float = 1e-7):
    """T = 0: the pulse (Dormand-Prince), then relaxation in 2 ns pieces until every device is below
    the saddle energy (at most :data:`MAX_SETTLE_TIME`). Returns (m, undecided)."""
    from .. import dynamics as dyn

    r = dyn.simulate_deterministic(params, m, wave, duration, rtol=rtol, atol=rtol * 1e-2, schedule=schedule)
    m = r.m_final
    t = 0.0
    und = np.ones(len(m), dtype=bool)
    while t < MAX_SETTLE_TIME:
        und = dyn.energy_density(params, m) > well.saddle
        if schedule is not None and duration + t < schedule.stop:
            und[:] = True
        if not np.any(und):
            break
        idx = np.nonzero(und)[0]
        rr = dyn.simulate_deterministic(params, m[idx], None, 2e-9, rtol=rtol, atol=rtol * 1e-2,
                                        start_time=None if schedule is None else duration + t,
                                        schedule=None if schedule is None else schedule.select(idx, len(m)))
        m[idx] = rr.m_final
        t += 2e-9
    return m, und


def loop_thresholds(pulses, directions, fraction):
    """Switching current densities of a loop (A/m^2): on the falling (-1) and the rising (+1) branch
    the current where the fraction of devices in the positive well crosses 1/2 (linear
    interpolation between pulses); None where the branch does not switch."""
    out = {"switching_current_density_up": None, "switching_current_density_down": None}
    for d, key in ((1, "switching_current_density_up"), (-1, "switching_current_density_down")):
        sel = np.flatnonzero(directions == d)
        if sel.size < 2:
            continue
        f = fraction[sel]
        j = pulses[sel]
        for a in range(1, sel.size):
            if (f[a - 1] - 0.5) * (f[a] - 0.5) < 0:
                t = (0.5 - f[a - 1]) / (f[a] - f[a - 1])
                out[key] = float(j[a - 1] + t * (j[a] - j[a - 1]))
                break
            if f[a] == 0.5:
                out[key] = float(j[a])
                break
    return out


def loop_pulses(max_current_density: float, steps: int):
    """The loop's pulses 0 -> +J_max -> -J_max -> +J_max in steps of J_max/(steps - 1), and their
    branch (0 the first ramp from the initial state, -1 falling, +1 rising)."""
    if not (max_current_density > 0 and math.isfinite(max_current_density)):
        raise ConfigError("<api>", "max_current_density", "must be > 0")
    if steps < 2:
        raise ConfigError("<api>", "steps", "must be >= 2")
    up0 = np.linspace(0.0, max_current_density, steps)
    down = np.linspace(max_current_density, -max_current_density, 2 * steps - 1)[1:]
    up = np.linspace(-max_current_density, max_current_density, 2 * steps - 1)[1:]
    j = np.concatenate([up0, down, up])
    d = np.concatenate([np.zeros(up0.size), -np.ones(down.size), np.ones(up.size)])
    return j, d
