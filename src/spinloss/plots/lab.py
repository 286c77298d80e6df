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


def usmr_plot(result, path):
    """USMR: R_xx^2w against the field along y (both sweep directions), against the pulse current of
    a loop, or along a pulse sequence (with the pulses)."""
    from ..units import MU0
    from . import legend_outside

    fig, axes = new_figure(width=7.0)
    ax = axes[0, 0]
    r = result.rows
    if result.mode == "field":
        for d, lab in ((1, "rising field"), (-1, "falling field")):
            sel = np.asarray(r["direction"]) == d
            ax.plot(np.asarray(r["field"])[sel] * MU0 * 1e3, np.asarray(r["r2w"])[sel] * 1e3, "o-", ms=3, lw=1,
                    label=lab)
        ax.set(xlabel="mu0 H_y (mT)", ylabel="R_xx^2w (mOhm)")
    elif result.mode == "loop":
        for d, lab in ((0, "first ramp"), (-1, "falling pulse current"), (1, "rising pulse current")):
            sel = np.asarray(r["direction"]) == d
            ax.errorbar(np.asarray(r["current_density"])[sel], np.asarray(r["r2w"])[sel] * 1e3,
                        yerr=np.asarray(r["r2w_std"])[sel] * 1e3, fmt="o-", ms=3, lw=1, label=lab)
        ax.set(xlabel="write pulse current density (A/m^2)", ylabel="R_xx^2w after the pulse (mOhm)")
    else:
        k = np.asarray(r["pulse"])
        ax.step(k, np.asarray(r["r2w"]) * 1e3, where="mid", label="R_xx^2w after the pulse")
        ax.set(xlabel="pulse number", ylabel="R_xx^2w (mOhm)")
        ax2 = ax.twinx()
        ax2.bar(k, np.asarray(r["current_density"]), width=0.3, alpha=0.3, color="C1", label="pulse current density")
        ax2.set(ylabel="pulse current density (A/m^2)")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper left", bbox_to_anchor=(1.18, 1.0), borderaxespad=0.0,
                  frameon=False)
    if result.mode != "sequence":
        legend_outside(ax)
    s = result.summary
    fig.suptitle(f"USMR readout ({result.mode}), J_AC = {s['read_current_density']:.3g} A/m^2")
    return save(fig, path)


def stack_fit_plot(result, path):
    """Stack fit: measured against modelled values of every observable (with the 1-sigma bars), and
    the pulls."""
    from . import legend_outside

    fig, axes = new_figure(width=5.0, ncols=2)
    ax, ax2 = axes[0, 0], axes[0, 1]
    names = sorted({e["observable"] for e in result.entries})
    for k, name in enumerate(names):
        rows = [e for e in result.entries if e["observable"] == name]
        scale = max(abs(r["measured"]) for r in rows) or 1.0
        m = np.array([r["model"] for r in rows]) / scale
        y = np.array([r["measured"] for r in rows]) / scale
        s = np.array([r["sigma"] for r in rows]) / scale
        ax.errorbar(m, y, yerr=s, fmt="o", ms=3, label=f"{name} (/ {scale:.3g})")
    lo, hi = ax.get_xlim()
    ax.plot([lo, hi], [lo, hi], "k-", lw=0.6)
    ax.set(xlabel="model at the fit (scaled, dimensionless)", ylabel="measured (scaled, dimensionless)")
    legend_outside(ax)
    pulls = np.array([e["pull"] for e in result.entries])
    ax2.plot(np.arange(len(pulls)), pulls, "o", ms=3)
    ax2.axhline(0.0, color="k", lw=0.6)
    for b in (-1.0, 1.0):
        ax2.axhline(b, color="0.6", lw=0.6, ls="--")
    ax2.set(xlabel="measured value (index)", ylabel="pull (model - measured)/sigma (dimensionless)")
    fig.suptitle(f"stack fit: chi2 = {result.chi2:.3g} for {result.dof} degrees of freedom")
    return save(fig, path)
