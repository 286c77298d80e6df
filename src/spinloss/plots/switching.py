"""Switching figures: probability against a varied key or over a map, traces m(t), and the
figures of the demo's switching study."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import key_label, legend_outside, new_figure, save


def probability_figure(out: dict, keys: list, values: list, path) -> Path:
    """Switching probability vs one varied key (with Wilson error bars) or a 2D map."""
    p = np.asarray(out["switching_probability"], dtype=float)
    unc = np.asarray(out.get("uncertainty", np.zeros_like(p)), dtype=float)
    def axis(key):
        """(label with unit, factor from SI) of a varied key."""
        from ..grids import key_dimension
        from ..units import SI_UNIT

        if key == "pulse.width":
            return key_label(key, "ns"), 1e9
        return key_label(key, SI_UNIT.get(key_dimension(key) or "", "")), 1.0

    fig, axes = new_figure()
    ax = axes[0, 0]
    if p.ndim == 0 or not keys:
        ax.bar([0], [float(p)], yerr=[float(unc)])
        ax.set_xticks([])
        ax.set_ylabel("switching probability")
    elif p.ndim == 1:
        lab, s = axis(keys[0])
        ax.errorbar(np.asarray(values[0]) * s, p, yerr=unc, marker="o", ms=3, capsize=2)
        ax.set_xlabel(lab)
        ax.set_ylabel("switching probability")
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
    else:
        lab0, s0 = axis(keys[0])
        lab1, s1 = axis(keys[1])
        mesh = ax.pcolormesh(np.asarray(values[1]) * s1, np.asarray(values[0]) * s0, p, shading="nearest",
                             vmin=0, vmax=1, cmap="viridis")
        fig.colorbar(mesh, ax=ax, label="switching probability")
        ax.set_xlabel(lab1)
        ax.set_ylabel(lab0)
    ax.set_title(f"{out.get('device', '')}: {out.get('trials', '')} trials per point")
    return save(fig, path)


def trace_figure(t, traj, current, path, *, title: str | None = None) -> Path:
    """m_x, m_y, m_z and j versus time for up to a few devices."""
    fig, axes = new_figure(height=5.0, nrows=2)
    ax, axj = axes[0, 0], axes[1, 0]
    t_ns = np.asarray(t) * 1e9
    n = traj.shape[1]
    for i in range(min(n, 5)):
        for k, (comp, style) in enumerate(zip("xyz", ("-", "--", ":"))):
            ax.plot(t_ns, traj[:, i, k], style, color=f"C{k}", lw=1,
                    label=f"$m_{comp}$" if i == 0 else None)
        axj.plot(t_ns, current[:, i], color="k", lw=1)
    ax.set_ylabel("magnetization $m_i$ (unit vector)")
    ax.set_ylim(-1.05, 1.05)
    legend_outside(ax)  # beside the axes: m(t) fills the whole [-1, 1] band
    ax.grid(alpha=0.3)
    axj.set_xlabel("time (ns)")
    axj.set_ylabel("current density (A/m$^2$)")
    axj.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    return save(fig, path)


def probability_curves_figure(curves: dict, thresholds: dict, labels: dict, path: Path) -> Path:
    """Switching probability against |J| of several devices (``curves[key]`` with
    current_density, probability, uncertainty), their T = 0 thresholds dotted."""
    fig, axes = new_figure(6.8, 4.4)
    ax = axes[0, 0]
    colours = {"py_nio": "C3", "py_sio2": "0.4", "pt_py": "C0"}
    for key, c in curves.items():
        ax.errorbar(c["current_density"], c["probability"], yerr=c["uncertainty"], marker="o", ms=3,
                    capsize=2, color=colours.get(key), ls="-" if key != "py_sio2" else "--", label=labels[key])
        jc = thresholds.get(key)
        if jc:
            ax.axvline(abs(jc), color=colours.get(key), ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("write current density |J| in the torque reference layer (A/m$^2$)")
    ax.set_ylabel("switching probability (5 ns pulse, 300 K)")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    legend_outside(ax, title="dotted: $T = 0$ thresholds", title_fontsize=8)
    ax.set_title("Same Py ellipse: spin loss vs heavy metal vs no sink", fontsize=10)
    return save(fig, path)


def pulse_sequences_figure(seq: dict, path: Path) -> Path:
    """Current, m_y and the USMR readout after each pulse for the pulse trains of ``seq``."""
    fig, _ = new_figure(8.0, 6.0)
    fig.clear()
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
    return save(fig, path)
