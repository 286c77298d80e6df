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


def st_fmr_plot(result, path):
    """Simulated ST-FMR lines: V_mix against the field, one curve per frequency."""
    from ..units import MU0
    from . import legend_outside

    fig, axes = new_figure(width=7.4)
    ax = axes[0, 0]
    for f in np.unique(result.frequency):
        sel = result.frequency == f
        order = np.argsort(result.field[sel])
        ax.plot(result.field[sel][order] * MU0 * 1e3, result.v[sel][order] * 1e6, lw=1.2, label=f"{f / 1e9:.4g} GHz")
    ax.set(xlabel=f"mu0 H at {result.field_angle:g} deg from x (mT)", ylabel="V_mix (uV)")
    legend_outside(ax)
    fig.suptitle(f"ST-FMR ({result.method}), I_rf = {result.current_amplitude:g} A")
    return save(fig, path)


def st_fmr_fit_plot(data, fit, path):
    """ST-FMR analysis: the data and the fitted lines (left), the half width and the resonance field
    against the frequency with the linear and Kittel fits (right)."""
    from ..lab.st_fmr_fit import kittel_field, lorentzians
    from ..units import GAMMA, MU0
    from . import legend_outside

    fig, axes = new_figure(width=5.2, ncols=2)
    ax = axes[0, 0]
    fkey = np.round(data.frequency / 1e3) * 1e3
    for line in fit.lines:
        sel = (fkey == line["frequency"]) & (np.sign(data.field) == line["branch"])
        h = np.abs(data.field[sel])
        order = np.argsort(h)
        hh = np.linspace(h.min(), h.max(), 400)
        fs, fa = lorentzians(hh, line["H_res"], line["linewidth"])
        model = line["S"] * fs + line["A"] * fa + line["offset"] + line["slope"] * (hh - 0.5 * (h.min() + h.max()))
        (ln,) = ax.plot(hh * MU0 * 1e3, model * 1e6, "-", lw=1,
                        label=f"{line['frequency'] / 1e9:.4g} GHz ({line['branch']:+d}): fit")
        ax.plot(h[order] * MU0 * 1e3, data.v[sel][order] * 1e6, ".", ms=2, color=ln.get_color())
    ax.set(xlabel="mu0 |H| (mT)", ylabel="V_mix (uV)")
    legend_outside(ax)
    ax2 = axes[0, 1]
    f = np.array([l["frequency"] for l in fit.lines])
    w = np.array([l["linewidth"] for l in fit.lines])
    ws = np.array([l["linewidth_uncertainty"] for l in fit.lines])
    ax2.errorbar(f / 1e9, w * MU0 * 1e3, yerr=ws * MU0 * 1e3, fmt="o", ms=3, label="half width")
    ff = np.linspace(0.0, f.max() * 1.05, 50)
    v = fit.values
    if v["alpha_eff"] is not None:
        ax2.plot(ff / 1e9, (v["inhomogeneous_broadening"] + v["alpha_eff"] * 2 * np.pi * ff / (GAMMA * MU0))
                 * MU0 * 1e3, "-", label=f"alpha_eff = {v['alpha_eff']:.4g}")
    ax2.set(xlabel="frequency (GHz)", ylabel="mu0 Delta, half width (mT)")
    ax3 = ax2.twinx()
    hr = np.array([l["H_res"] for l in fit.lines])
    ax3.plot(f / 1e9, hr * MU0 * 1e3, "s", ms=3, color="C3", label="resonance field")
    fk = np.linspace(max(f.min() * 0.8, 1e8), f.max() * 1.05, 60)
    ax3.plot(fk / 1e9, kittel_field(fk, v["M_eff"], v["H_k"], GAMMA * MU0) * MU0 * 1e3, "-", color="C3",
             label=f"Kittel, mu0 M_eff = {v['M_eff'] * MU0:.3g} T")
    ax3.set(ylabel="mu0 H_res (mT)")
    h1, l1 = ax2.get_legend_handles_labels()
    h2, l2 = ax3.get_legend_handles_labels()
    ax2.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper left", bbox_to_anchor=(1.15, 1.0), borderaxespad=0.0)
    fig.suptitle("ST-FMR analysis")
    return save(fig, path)
