"""Headline study, switching section: thresholds, switching probability at 300 K, and the
pulse sequences of the paper's Fig. 5d.

Devices (examples/): py_nio_device.toml (spin loss), py_sio2_device.toml (no-sink control),
pt_py_device.toml (heavy-metal reference); the same Py ellipse in all three.

* T = 0 threshold (deterministic bisection) and the 300 K 50 % point (logistic fit of the
  switching probability) for a 5 ns pulse; the Joule energy of a pulse at the 50 % point.
* Switching probability versus current density at 300 K for the three devices on one figure.
* Pulse sequences (Choi et al., Nat. Commun. 2025, Fig. 5d: deterministic switching for
  sequences of pulses, read by USMR): alternating (+, -, +, -, ...) and repeated (+, +, -, -, ...)
  pulses on the Py/NiO device at 300 K, the state after each pulse read as the USMR signal,
  which is odd in m_y: R_USMR = dR_USMR (J_read / J_ref) m_y with the paper's read current density
  J_read = 1.3e11 A/m^2 (docs/physics.md section 5); shown in units of dR_USMR J_read/J_ref.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..cells.cell import READOUT_DEFAULTS
from ..plots import switching as switching_plots
from ..progress import note
from .provenance import unique_inputs, write_json

DEVICES = {"py_nio": ("py_nio_device.toml", "Py/NiO (spin loss)"),
           "py_sio2": ("py_sio2_device.toml", "Py/SiO2 (no sink)"),
           "pt_py": ("pt_py_device.toml", "Pt/Py (heavy metal)")}
PULSE_WIDTH = 5e-9

#: Column key -> header of the switching table (the unit as shown, after :data:`SWITCHING_SCALE`).
SWITCHING_COLUMNS = {"device": "device", "xi_dl": "xi_DL (1)", "reference_layer": "J in",
                     "jc_t0": "J_c T=0 (A/m^2)", "j50_300K": "J_50 300 K (A/m^2)",
                     "energy_at_j50": "Joule energy at J_50 (fJ)", "energy_ratio_to_pt_py": "E / E(Pt/Py) (ratio)"}
#: Display factor from SI of the switching table's columns (energy_at_j50 is stored in J).
SWITCHING_SCALE = {"energy_at_j50": 1e15}
#: A/m^2: the USMR readout's default read current density (Choi et al. Fig. 5, docs/physics.md section 1)
READ_CURRENT_DENSITY = READOUT_DEFAULTS["usmr"]["read_current_density"]


def switching_section(output_dir, examples_dir, *, progress=None, trials: int = 48, seed: int = 0) -> dict:
    """Run the switching section; returns {"title", "table", "columns", "files", "checks", "seconds"}.

    The probability curves are engine sweeps over ``pulse.current_density`` (every point the
    one-point run with the same seed)."""
    from ..device import HEATING_CURIE_MARGIN, Device
    from ..experiments.statistics import logistic_fit
    from ..experiments.switching import critical_current, switching_probability
    from ..grids import Axis
    from ..sweep import evaluate_grid

    t0 = time.perf_counter()
    out = Path(output_dir)
    ex = Path(examples_dir)
    devices = {k: Device.from_toml(ex / f) for k, (f, _) in DEVICES.items()}

    def log(msg):
        note(progress, "switching", msg)

    thresholds = {}
    for key, dev in devices.items():
        log(f"threshold (T = 0) of {DEVICES[key][1]}")
        thresholds[key] = critical_current(dev, pulse_width=PULSE_WIDTH, temperature=0.0, relative_tolerance=2e-3)

    # probability vs current at 300 K: a common log grid covering both thresholds
    j0 = {k: abs(r.critical_current_density) for k, r in thresholds.items() if r.critical_current_density}
    lo = 0.4 * min(j0.values())
    hi = 1.6 * max(j0.values())
    grid = np.geomspace(lo, hi, 16)
    curves, rows = {}, []
    for key, dev in devices.items():
        # Joule heating: currents that heat the magnet (95 % of the way) to its Curie temperature are
        # outside the model (docs/heating.md): the curve stops below them (NaN beyond)
        j_curie = (dev.curie_current_density(PULSE_WIDTH, 300.0, HEATING_CURIE_MARGIN) if dev.heating_enabled
                   else np.inf)
        usable = grid[grid < j_curie]
        log(f"switching probability at 300 K of {DEVICES[key][1]} ({trials} trials x {usable.size} currents)")
        sign = np.sign(thresholds[key].critical_current_density or 1.0)
        axis = Axis("pulse.current_density", sign * usable, sign * usable, "A/m^2", "A/m^2")

        def point(over, dev=dev):
            r = switching_probability(dev, current_density=over["pulse.current_density"], pulse_width=PULSE_WIDTH,
                                      temperature=300.0, trials=trials, seed=seed)
            return r.to_json()

        r = evaluate_grid([axis], point, errors="raise").stacked()

        def full(name):
            out = np.full(grid.size, np.nan)
            out[:usable.size] = np.asarray(r[name], dtype=float)
            return out

        p = full("switching_probability")
        curves[key] = {"current_density": grid, "probability": p, "uncertainty": full("uncertainty"),
                       "energy_per_pulse": full("energy_per_pulse"), "peak_temperature": full("peak_temperature")
                       if r.get("peak_temperature") is not None else None}
        j50, err, width = logistic_fit(usable, np.asarray(r["switched"], dtype=float), trials)
        e50 = float(dev.write_energy(current_density=j50)["energy"]) if j50 else None
        tq = dev.torque()
        rows.append({"key": key, "device": DEVICES[key][1], "xi_dl": tq.damping_like_efficiency,
                     "reference_layer": tq.reference_layer,
                     "jc_t0": thresholds[key].critical_current_density, "j50_300K": j50, "j50_err": err,
                     "energy_at_j50": e50, "reason": thresholds[key].reason})
    ref = next(r for r in rows if r["key"] == "pt_py")
    for r in rows:
        r["energy_ratio_to_pt_py"] = (r["energy_at_j50"] / ref["energy_at_j50"]
                                      if r["energy_at_j50"] and ref["energy_at_j50"] else None)
    files = {}
    labels = {k: v[1] for k, v in DEVICES.items()}
    files["switching_probability"] = switching_plots.probability_curves_figure(
        curves, {k: r.critical_current_density for k, r in thresholds.items()}, labels,
        out / "switching_probability_300K.png")

    # Fig. 5d-like pulse sequences on the spin-loss device
    dev = devices["py_nio"]
    j_seq = 1.3 * j0["py_nio"]
    if dev.heating_enabled:   # below the Curie current of the heated pulses (docs/heating.md)
        j_seq = min(j_seq, 0.98 * dev.curie_current_density(PULSE_WIDTH, 300.0, HEATING_CURIE_MARGIN))
    seq = pulse_sequences(dev, j_seq, seed=seed, progress=progress)
    files["pulse_sequences"] = switching_plots.pulse_sequences_figure(seq, out / "pulse_sequences_fig5d.png")
    checks = {
        "no_sink_control_cannot_switch": thresholds["py_sio2"].critical_current_density is None,
        "no_sink_probability_max": float(np.nanmax(curves["py_sio2"]["probability"])),
        "spin_loss_switches_deterministically": bool(curves["py_nio"]["probability"][
            np.isfinite(curves["py_nio"]["probability"])][-1] == 1.0),
        "sequence_states_follow_pulse_signs": bool(all(seq[k]["follows"] for k in seq)),
        "threshold_ratio_py_nio_to_pt_py": j0["py_nio"] / j0["pt_py"],
    }
    table_path = out / "switching_table.json"
    inputs = unique_inputs(ex / f for f, _ in DEVICES.values())
    seeds = {"seed": seed}
    write_json(table_path, {"rows": rows, "pulse_width": PULSE_WIDTH, "trials": trials, "curves": curves,
                            "sequences": seq}, inputs=inputs, seeds=seeds, indent=2, allow_nan=False)
    files["switching_table"] = table_path
    return {"title": "Switching: thresholds (5 ns pulse), 300 K probability and pulse sequences",
            "table": rows, "columns": SWITCHING_COLUMNS, "scale": dict(SWITCHING_SCALE),
            "files": {k: str(v) for k, v in files.items()}, "checks": checks,
            "inputs": inputs, "seeds": seeds, "seconds": time.perf_counter() - t0}


def pulse_sequences(device, current_density, *, seed=0, gap=10e-9, progress=False, devices: int = 4) -> dict:
    """Alternating and repeated pulse trains on ``device`` at 300 K; the state after each pulse."""
    from ..dynamics import Waveform
    from ..experiments.switching import trace

    p = device.pulse
    patterns = {"alternating": [+1, -1, +1, -1, +1, -1], "repeated": [+1, +1, -1, -1, +1, +1]}
    out = {}
    easy = np.asarray(device.easy_axis, dtype=float)
    for name, signs in patterns.items():
        pieces = [Waveform.pulse(s * current_density, PULSE_WIDTH, p.rise_time, p.fall) for s in signs]
        wave = Waveform.sequence(pieces, gap=gap)
        period = p.duration(PULSE_WIDTH) + gap
        res = trace(device, waveform=wave, devices=devices, seed=seed, duration=len(signs) * period + gap,
                    record_every=0.05e-9, temperature=300.0)
        t = res.times
        my = res.trajectory[:, :, :] @ easy
        # state after each pulse: m.easy at the end of the following gap
        read_t = np.array([(k + 1) * period for k in range(len(signs))])
        idx = np.minimum(np.searchsorted(t, read_t) - 1, len(t) - 1)
        states = my[idx]  # (n_pulses, devices)
        # the damping-like torque of a current of sign s_j pulls m towards sign(xi_DL) s_j s
        tq = device.torque()
        expected = np.sign(tq.damping_like_efficiency) * np.array(signs) * np.sign(np.dot(tq.polarization, easy))
        follows = bool(np.all(np.sign(states) == expected[:, None]))
        out[name] = {"pulse_signs": signs, "time": t, "m_easy": my, "current": res.current,
                     "read_times": read_t, "state_after_pulse": states,
                     "usmr_signal": states * READ_CURRENT_DENSITY / device.stack.current_density,
                     "follows": follows, "current_density": current_density}
    return out
