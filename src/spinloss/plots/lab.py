"""Figures of the virtual lab (docs/lab.md): harmonic Hall scans and fits."""

from __future__ import annotations

import numpy as np

from . import new_figure, save


def harmonic_hall_plot(result, path):
    """V_1w and V_2w of a simulated scan against the field (or the angle)."""
    fig, axes = new_figure(ncols=2)
    angular = result.angle is not None
    x = np.asarray(result.angle if angular else result.field, dtype=float)
    groups = np.asarray(result.field if angular else result.branch)
    for g in np.unique(groups):
        sel = groups == g
        lab = f"|H| = {g:.3g} A/m" if angular else f"branch {int(g):+d}"
        order = np.argsort(x[sel])
        axes[0, 0].plot(x[sel][order], np.asarray(result.v1w)[sel][order] * 1e3, marker="o", ms=3, label=lab)
        axes[0, 1].plot(x[sel][order], np.asarray(result.v2w)[sel][order] * 1e6, marker="o", ms=3, label=lab)
    xl = "field angle (deg)" if angular else f"field along {result.scan[0]} (A/m)"
    axes[0, 0].set(xlabel=xl, ylabel="V_1w (mV)")
    axes[0, 1].set(xlabel=xl, ylabel="V_2w (uV)")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"harmonic Hall ({result.method}), I0 = {result.current_amplitude:g} A")
    return save(fig, path)


def harmonic_hall_fit_plot(data, fit, current_amplitude, path):
    """The data's V_2w against the field (or angle), with the fitted values in the title."""
    fig, axes = new_figure(ncols=2)
    angular = np.any(data.scan == "angle")
    for k, s in enumerate(("x", "y") if not angular else ("angle",)):
        sel = data.scan == s
        if not np.any(sel):
            continue
        x = np.degrees(data.angle[sel]) if angular else data.field[sel]
        ax = axes[0, min(k, 1)]
        ax.plot(x, data.v2w[sel] * 1e6, "o", ms=3, label=f"V_2w, scan {s}")
        ax.set(xlabel="field angle (deg)" if angular else f"field along {s} (A/m)", ylabel="V_2w (uV)")
        ax.legend(fontsize=7)
        if angular:
            ax2 = axes[0, 1]
            ax2.plot(x, data.v1w[sel] * 1e3, "o", ms=3)
            ax2.set(xlabel="field angle (deg)", ylabel="V_1w (mV)")
    v = fit.values
    fig.suptitle(f"H_DL = {v['H_DL']:.4g} +- {v['H_DL_uncertainty']:.2g} A/m, "
                 f"H_FL = {v['H_FL']:.4g} +- {v['H_FL_uncertainty']:.2g} A/m (I0 = {current_amplitude:g} A)")
    return save(fig, path)
