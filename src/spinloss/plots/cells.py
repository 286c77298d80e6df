"""Figures of the cell comparison: energy bars, the energy-ratio map with its 1x and 3x contours,
and the scaling with lateral size."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import new_figure, save


def _fig(w=7.0, h=4.2):
    return new_figure(w, h, layout=None)[0]


def plot_bars(result, path) -> Path:
    """Bar chart: energy per bit (fJ) of each design, split into channel, transistor and
    peripheral; designs that cannot meet the targets marked."""
    fig = _fig(8.0, 4.6)
    fig.clear()
    ax = fig.add_subplot(111)
    rows = result.rows
    names = [r["name"] for r in rows]
    x = np.arange(len(rows))
    ch = np.array([(r["channel_energy"] or 0) * 1e15 for r in rows])
    tr = np.array([(r["transistor_energy"] or 0) * 1e15 for r in rows])
    pe = np.array([(r["peripheral_energy"] or 0) * 1e15 for r in rows])
    ax.bar(x, ch, label="channel / MTJ  $I^2R t$", color="#1f77b4")
    ax.bar(x, tr, bottom=ch, label="access transistor  $I^2R_{on}t$", color="#ff7f0e")
    ax.bar(x, pe, bottom=ch + tr, label="peripheral (bit line)", color="#7f7f7f")
    tot = ch + tr + pe
    top = np.nanmax(tot) if np.any(tot > 0) else 1.0
    for i, r in enumerate(rows):
        if not r["meets_targets"]:
            ax.text(i, top * 0.02 if top > 0 else 0.1, "cannot meet\ntargets", ha="center", va="bottom",
                    rotation=90, fontsize=8, color="#b22222")
        elif r["advantage"] is not None:
            ax.text(i, tot[i], f"{r['advantage']:.2g}x", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=35, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("energy per bit (fJ)")
    t = result.targets
    ax.set_title(f"Energy per bit at Delta = {t['thermal_stability']:.1f}, WER = {t['write_error_rate']:g}, "
                 f"T = {t['temperature']:.0f} K (labels: advantage vs {result.reference})", fontsize=9)
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi * 8)  # head room above the tallest bar for the legend and labels
    ax.legend(fontsize=8, loc="upper center", ncol=3, frameon=False)
    fig.tight_layout()
    return save(fig, path, dpi=120)


def plot_map(m, path) -> Path:
    """Advantage map E_ref/E (log colour scale) with the 1x and 3x contours."""
    from matplotlib.colors import LogNorm

    fig = _fig(6.4, 4.8)
    fig.clear()
    ax = fig.add_subplot(111)
    X, Y = np.meshgrid(m.display[0], m.display[1], indexing="ij")
    a = np.ma.masked_invalid(m.advantage)
    lo = max(float(np.nanmin(m.advantage)), 1e-4) if np.isfinite(m.advantage).any() else 1e-2
    hi = max(float(np.nanmax(m.advantage)), lo * 10) if np.isfinite(m.advantage).any() else 1.0
    pc = ax.pcolormesh(X, Y, a, shading="auto", norm=LogNorm(vmin=lo, vmax=hi), cmap="viridis")
    fig.colorbar(pc, ax=ax, label=f"advantage  E({m.reference}) / E({m.design})")
    if np.isfinite(m.advantage).sum() >= 4:
        cs = ax.contour(X, Y, np.nan_to_num(m.advantage, nan=0.0), levels=[1.0, 3.0],
                        colors=["white", "red"], linewidths=[1.5, 2.0])
        ax.clabel(cs, fmt={1.0: "1x", 3.0: "3x"}, fontsize=9)
    if m.log[0]:
        ax.set_xscale("log")
    if m.log[1]:
        ax.set_yscale("log")
    ax.set_xlabel(f"{m.keys[0]} ({m.units[0]})" if m.units[0] not in ("", "1") else m.keys[0])
    ax.set_ylabel(f"{m.keys[1]} ({m.units[1]})" if m.units[1] not in ("", "1") else m.keys[1])
    ax.set_title(f"{m.design} vs {m.reference}: 1x (white) and 3x (red) contours", fontsize=9)
    fig.tight_layout()
    return save(fig, path, dpi=120)


def plot_scaling(sc: dict, path) -> Path:
    """Energy, current, pulse width and Delta versus lateral size; sizes that cannot meet the
    targets are marked with an x on the axis."""
    fig = _fig(9.0, 6.4)
    fig.clear()
    axes = [fig.add_subplot(2, 2, i + 1) for i in range(4)]
    keys = [("energy_per_bit", "energy per bit (fJ)", 1e15), ("write_current", "write current (uA)", 1e6),
            ("pulse_width", "pulse width (ns)", 1e9), ("thermal_stability", "Delta", 1.0)]
    for name, rows in sc["designs"].items():
        s = np.array([r["size"] for r in rows]) * 1e9
        ok = np.array([r["meets_targets"] for r in rows])
        for ax, (k, lab, f) in zip(axes, keys):
            y = np.array([(r[k] if r[k] is not None else np.nan) for r in rows], dtype=float) * f
            line, = ax.plot(s[ok], y[ok], "o-", label=name)
            if (~ok).any():
                ax.plot(s[~ok], np.full((~ok).sum(), np.nanmin(y) if np.isfinite(y).any() else 1.0),
                        "x", color=line.get_color(), ms=9)
    for ax, (k, lab, f) in zip(axes, keys):
        ax.set_xscale("log")
        if k != "thermal_stability":
            ax.set_yscale("log")
        ax.set_xlabel("lateral size (nm)")
        ax.set_ylabel(lab)
    axes[0].legend(fontsize=7)
    t = sc["targets"]
    fig.suptitle(f"Scaling at Delta = {t['thermal_stability']:.1f}, WER = {t['write_error_rate']:g} "
                 "(x: target not met at that size)", fontsize=9)
    fig.tight_layout()
    return save(fig, path, dpi=110)


