"""Figures of the p-bit stage (docs/pbits.md): the calibrated sigmoid, Max-Cut convergence."""

from __future__ import annotations

import numpy as np

from . import legend_outside, new_figure, save


def sigmoid_figure(result: dict, path):
    """<m> versus the input with its standard errors, the tanh fit and the exact Boltzmann
    average (field input) of a ``spinloss pbit calibrate`` JSON result; the correlation time on
    a second panel."""
    x = np.asarray(result["input"], dtype=float)
    field = result["input_kind"] == "field"
    scale, unit = (4e-7 * np.pi * 1e3, "mT") if field else (1.0, "A/m$^2$")
    label = r"$\mu_0 H$ along the easy axis" if field else "current density $J$"
    fig, axes = new_figure(4.4, 3.4, ncols=2)
    ax = axes[0, 0]
    m = np.asarray(result["mean_m"], dtype=float)
    se = np.asarray(result["mean_m_uncertainty"], dtype=float)
    ax.errorbar(x * scale, m, yerr=se, fmt="o", ms=4, capsize=2, label="sLLG (1 s.e.)")
    xx = np.linspace(x.min(), x.max(), 200)
    sig = result.get("sigmoid")
    if sig:
        ax.plot(xx * scale, np.tanh((xx - sig["x0"]) / sig["x_s"]), "-", lw=1.2, label=r"$\tanh((x-x_0)/x_s)$")
    bz = result.get("boltzmann_mean_m")
    if bz:
        ax.plot(x * scale, bz, "k--", lw=1.0, label="Boltzmann (exact)")
    ax.set_xlabel(f"{label} ({unit})")
    ax.set_ylabel(r"easy-axis $\langle m \rangle$")
    ax.axhline(0, color="0.8", lw=0.6)
    ax.legend(fontsize=7, frameon=False, loc="best")
    ax2 = axes[0, 1]
    ax2.plot(x * scale, np.asarray(result["correlation_time"], dtype=float) * 1e9, "o-", ms=4)
    ax2.set_xlabel(f"{label} ({unit})")
    ax2.set_ylabel(r"correlation time $\tau_c$ (ns)")
    fig.suptitle(result.get("device", ""), fontsize=9)
    return save(fig, path)


def maxcut_figure(result: dict, path):
    """The best cut over the replicas versus the sweeps of a ``spinloss pbit maxcut`` result, with
    the best-known cut when there is one."""
    fig, axes = new_figure(6.4, 3.6)
    ax = axes[0, 0]
    conv = result["convergence"]
    ax.plot(conv["sweep"], conv["best_cut"], "-o", ms=3, label="p-computer (best of replicas)")
    if result.get("best_known_cut"):
        ax.axhline(result["best_known_cut"], color="k", ls="--", lw=0.8, label="best known")
        ax.axhline(0.99 * result["best_known_cut"], color="0.6", ls=":", lw=0.8, label="99 % of best known")
    ax.set_xscale("log")
    ax.set_xlabel("sweeps")
    ax.set_ylabel("cut (edge weight)")
    ax.set_title(f"{result.get('known_graph') or result.get('graph', '')}: {result['update']} updates, "
                 f"{result['schedule']}", fontsize=9)
    legend_outside(ax)
    return save(fig, path)
