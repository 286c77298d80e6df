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
  J_read = 1.3e11 A/m^2 (PHYSICS.md section 5); shown in units of dR_USMR J_read/J_ref.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .io import to_jsonable

DEVICES = {"py_nio": ("py_nio_device.toml", "Py/NiO (spin loss)"),
           "py_sio2": ("py_sio2_device.toml", "Py/SiO2 (no sink)"),
           "pt_py": ("pt_py_device.toml", "Pt/Py (heavy metal)")}
PULSE_WIDTH = 5e-9
READ_CURRENT_DENSITY = 1.3e11  # A/m^2, Choi et al. Fig. 5 (PHYSICS.md section 1)


def switching_section(output_dir, examples_dir, *, progress=True, trials: int = 48, seed: int = 0) -> dict:
    """Run the switching section; returns {"title", "table", "columns", "files", "checks", "seconds"}."""
    from .device import Device
    from .experiments.switching import critical_current, switching_probability, _logistic_fit

    t0 = time.perf_counter()
    out = Path(output_dir)
    ex = Path(examples_dir)
    devices = {k: Device.from_toml(ex / f) for k, (f, _) in DEVICES.items()}
    log = (lambda m: __import__("sys").stderr.write(m + "\n")) if progress else (lambda m: None)

    thresholds = {}
    for key, dev in devices.items():
        log(f"  threshold (T = 0) of {DEVICES[key][1]}")
        thresholds[key] = critical_current(dev, pulse_width=PULSE_WIDTH, temperature=0.0, relative_tolerance=2e-3)

    # probability vs current at 300 K: a common log grid covering both thresholds
    j0 = {k: abs(r.critical_current_density) for k, r in thresholds.items() if r.critical_current_density}
    lo = 0.4 * min(j0.values())
    hi = 1.6 * max(j0.values())
    grid = np.geomspace(lo, hi, 16)
    curves, rows = {}, []
    for key, dev in devices.items():
        log(f"  switching probability at 300 K of {DEVICES[key][1]} ({trials} trials x {grid.size} currents)")
        sign = np.sign(thresholds[key].critical_current_density or 1.0)
        r = switching_probability(dev, current_density=sign * grid, pulse_width=PULSE_WIDTH, temperature=300.0,
                                  trials=trials, seed=seed)
        p = np.asarray(r.switching_probability, dtype=float)
        curves[key] = {"current_density": grid, "probability": p, "uncertainty": np.asarray(r.uncertainty),
                       "energy_per_pulse": np.asarray(r.energy_per_pulse)}
        j50, err, width = _logistic_fit(grid, np.asarray(r.switched, dtype=float), trials)
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
    files["switching_probability"] = _plot_probability(curves, thresholds, out / "switching_probability_300K.png")

    # Fig. 5d-like pulse sequences on the spin-loss device
    seq = pulse_sequences(devices["py_nio"], 1.3 * j0["py_nio"], seed=seed, progress=progress)
    files["pulse_sequences"] = _plot_sequences(seq, out / "pulse_sequences_fig5d.png")
    checks = {
        "no_sink_control_cannot_switch": thresholds["py_sio2"].critical_current_density is None,
        "no_sink_probability_max": float(np.max(curves["py_sio2"]["probability"])),
        "spin_loss_switches_deterministically": bool(curves["py_nio"]["probability"][-1] == 1.0),
        "sequence_states_follow_pulse_signs": bool(all(seq[k]["follows"] for k in seq)),
        "threshold_ratio_py_nio_to_pt_py": j0["py_nio"] / j0["pt_py"],
    }
    table_path = out / "switching_table.json"
    table_path.write_text(json.dumps(to_jsonable({"rows": rows, "pulse_width": PULSE_WIDTH, "trials": trials,
                                             "curves": curves, "sequences": seq}), indent=2, allow_nan=False) + "\n")
    files["switching_table"] = table_path
    return {"title": "Switching: thresholds (5 ns pulse), 300 K probability and pulse sequences",
            "table": rows, "columns": {"device": "device", "xi_dl": "xi_DL", "reference_layer": "J in",
                                       "jc_t0": "J_c T=0 (A/m^2)", "j50_300K": "J_50 300 K (A/m^2)",
                                       "energy_at_j50": "E at J_50 (fJ)",
                                       "energy_ratio_to_pt_py": "E / E(Pt/Py)"},
            "files": {k: str(v) for k, v in files.items()}, "checks": checks,
            "seconds": time.perf_counter() - t0}


def pulse_sequences(device, current_density, *, seed=0, gap=10e-9, progress=False, devices: int = 4) -> dict:
    """Alternating and repeated pulse trains on ``device`` at 300 K; the state after each pulse."""
    from .dynamics import Waveform
    from .experiments.switching import trace

    p = device.pulse
    patterns = {"alternating": [+1, -1, +1, -1, +1, -1], "repeated": [+1, +1, -1, -1, +1, +1]}
    out = {}
    easy = np.asarray(device.easy_axis, dtype=float)
    for name, signs in patterns.items():
        pieces = [Waveform.pulse(s * current_density, PULSE_WIDTH, p.rise_time, p.fall) for s in signs]
        wave = Waveform.sequence(pieces, gap=gap)
        period = PULSE_WIDTH + p.rise_time + p.fall + gap
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


def _plot_probability(curves, thresholds, path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.8, 4.4), layout="constrained")
    ax = fig.subplots()
    colours = {"py_nio": "C3", "py_sio2": "0.4", "pt_py": "C0"}
    for key, c in curves.items():
        ax.errorbar(c["current_density"], c["probability"], yerr=c["uncertainty"], marker="o", ms=3,
                    capsize=2, color=colours[key], ls="-" if key != "py_sio2" else "--", label=DEVICES[key][1])
        jc = thresholds[key].critical_current_density
        if jc:
            ax.axvline(abs(jc), color=colours[key], ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("write current density |J| in the torque reference layer (A/m$^2$)")
    ax.set_ylabel("switching probability (5 ns pulse, 300 K)")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="center right")
    ax.set_title("Same Py ellipse: spin loss vs heavy metal vs no sink\n(dotted: T = 0 thresholds)", fontsize=10)
    fig.savefig(path, dpi=150)
    return path


def _plot_sequences(seq, path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, 6.0), layout="constrained")
    axes = fig.subplots(3, 2, sharex="col", height_ratios=[1, 1.4, 1])
    for col, (name, s) in enumerate(seq.items()):
        t = s["time"] * 1e9
        axes[0, col].plot(t, s["current"][:, 0] / 1e12, color="k", lw=1)
        axes[0, col].set_ylabel("J (10$^{12}$ A/m$^2$)")
        axes[0, col].set_title(f"{name} pulses", fontsize=10)
        for d in range(s["m_easy"].shape[1]):
            axes[1, col].plot(t, s["m_easy"][:, d], lw=0.8)
        axes[1, col].set_ylabel("$m_y$")
        axes[1, col].set_ylim(-1.1, 1.1)
        rt = s["read_times"] * 1e9
        for d in range(s["usmr_signal"].shape[1]):
            axes[2, col].plot(rt, s["usmr_signal"][:, d], "o-", ms=4, lw=0.8)
        axes[2, col].set_ylabel("USMR after pulse\n(units of $\\Delta R_{USMR}$)")
        axes[2, col].set_xlabel("time (ns)")
        for a in axes[:, col]:
            a.grid(alpha=0.3)
    fig.suptitle("Py/NiO spin-loss device at 300 K: pulse sequences as in Choi et al. (2025) Fig. 5d\n"
                 "(4 devices; readout odd in $m_y$ at J$_{read}$ = 1.3e11 A/m$^2$)", fontsize=10)
    fig.savefig(path, dpi=150)
    return path
