"""Figures of the cell comparison: energy per bit with its parts, the energy-ratio maps with their
1x and 3x contours, and the scaling with lateral size.

Rules these figures keep (tests/test_plots_cells.py): every axis states its unit; bars on a log
axis are never stacked (a stack on a log axis misstates the shares: the parts are shown as
shares of the supply energy on a linear axis instead); legends sit outside the data; a map's
points where the cell cannot be written are grey and hatched (legend entry), distinct from every
contour; the Delta axis has no offset."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import key_label, new_figure, save

#: Colours of the parts of the supply energy (shares panel of :func:`plot_bars`).
PART_COLOURS = {"channel": "#1f77b4", "transistor": "#ff7f0e", "driver": "#bcbd22", "peripheral": "#7f7f7f"}
#: Colour and hatch of the map points where the cell cannot be written.
UNWRITABLE = {"facecolor": "0.80", "hatch": "///", "edgecolor": "0.45"}


def _nz(v) -> float:
    return float(v) if v is not None and np.isfinite(v) else 0.0


def energy_parts(row: dict) -> dict | None:
    """The supply energy of a comparison row split into its parts (J): ``channel`` (I^2 R t_eff in
    the write path: the heavy metal, the magnet or the MTJ), ``transistor`` (I^2 R_on t_eff),
    ``peripheral`` (C_bl V_dd^2) and ``driver``, the rest of V_dd I t_q (dropped in the driver and
    the supply rails; never below 0). The parts add up to ``energy_per_bit``. None for a row
    that does not meet the targets."""
    e = row.get("energy_per_bit")
    if not row.get("meets_targets") or e is None or not np.isfinite(e):
        return None
    ch, tr, pe = _nz(row.get("channel_energy")), _nz(row.get("transistor_energy")), _nz(row.get("peripheral_energy"))
    return {"channel": ch, "transistor": tr, "driver": max(float(e) - ch - tr - pe, 0.0), "peripheral": pe}


def plot_bars(result, path) -> Path:
    """Energy per bit of each design: (top) the supply energy and the channel Joule energy side by
    side on a log axis, with the advantage over the reference; (bottom) the parts of the supply
    energy as shares (%) on a linear axis. Designs that cannot meet the targets are marked."""
    rows = result.rows
    names = [r["name"] for r in rows]
    x = np.arange(len(rows))
    fig, _ = new_figure(9.0, 7.2)
    fig.clear()
    ax, axs = fig.subplots(2, 1, sharex=True, height_ratios=[1.25, 1])
    supply = np.array([(r["energy_per_bit"] if r["meets_targets"] and r["energy_per_bit"] else np.nan)
                       for r in rows], dtype=float) * 1e15
    channel = np.array([(r.get("channel_energy") if r["meets_targets"] and r.get("channel_energy") else np.nan)
                        for r in rows], dtype=float) * 1e15
    w = 0.38
    ax.bar(x - w / 2, supply, w, color="#444444", label="supply energy $V_{dd} I t_q + C_{bl}V_{dd}^2$ (energy per bit)")
    ax.bar(x + w / 2, channel, w, color=PART_COLOURS["channel"], label="channel Joule energy $I^2 R t_\\mathrm{eff}$")
    ax.set_yscale("log")
    finite = np.concatenate([supply[np.isfinite(supply)], channel[np.isfinite(channel)]])
    if finite.size:
        ax.set_ylim(finite.min() / 3, finite.max() * 4)  # room for the advantage labels
    for i, r in enumerate(rows):
        if not r["meets_targets"]:
            ax.text(i, 0.04, "cannot meet\ntargets", ha="center", va="bottom", rotation=90, fontsize=7.5,
                    color="#b22222", transform=ax.get_xaxis_transform())
        elif r.get("advantage") is not None and np.isfinite(supply[i]):
            ax.text(i - w / 2, supply[i] * 1.15, f"{r['advantage']:.2g}x", ha="center", va="bottom", fontsize=7.5)
    ax.set_ylabel("energy per write (fJ)")
    ax.grid(alpha=0.3, axis="y")
    t = result.targets
    fig.suptitle(f"Energy per bit at Delta = {t['thermal_stability']:.1f}, WER = {t['write_error_rate']:g}, "
                 f"T = {t['temperature']:.0f} K\n(labels: advantage E({result.reference}) / E in supply energy)",
                 fontsize=9)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False, fontsize=8)
    # shares of the supply energy, stacked on a linear axis
    labels = {"channel": "channel / MTJ  $I^2 R t_\\mathrm{eff}$", "transistor": "access transistor  $I^2 R_{on} t_\\mathrm{eff}$",
              "driver": "rest of $V_{dd} I t_q$ (driver, rails)", "peripheral": "peripheral  $C_{bl} V_{dd}^2$"}
    bottom = np.zeros(len(rows))
    parts = [energy_parts(r) for r in rows]
    for key in ("channel", "transistor", "driver", "peripheral"):
        share = np.array([100 * p[key] / sum(p.values()) if p and sum(p.values()) > 0 else 0.0 for p in parts])
        axs.bar(x, share, 0.7, bottom=bottom, color=PART_COLOURS[key], label=labels[key])
        bottom += share
    axs.set_ylim(0, 100)
    axs.set_ylabel("share of the supply energy (%)")
    axs.grid(alpha=0.3, axis="y")
    axs.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False, fontsize=8)
    axs.set_xticks(x)
    axs.set_xticklabels(names, rotation=35, ha="right", fontsize=8)
    return save(fig, path, dpi=120)


def plot_map(m, path, *, kinds: dict | None = None) -> Path:
    """Advantage maps E_ref/E (log colour scale, one colour scale for both panels) in the supply
    energy and, where the map carries it, the channel Joule energy, with the 1x (black, dashed)
    and 3x (red) contours; points where the cell cannot be written grey and hatched. ``kinds``:
    layer name -> material kind, for the axis labels (a ferromagnet's spin Hall angle is its
    spin-Hall-like angle)."""
    from matplotlib.colors import LogNorm
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    panels = [("supply energy", m)]
    if getattr(m, "channel_advantage", None) is not None:
        panels.append(("channel Joule energy $I^2 R t$", m.metric("channel")))
    fig, axes = new_figure(5.4, 4.9, ncols=len(panels))
    allv = np.concatenate([np.ravel(p.advantage) for _, p in panels])
    allv = allv[np.isfinite(allv) & (allv > 0)]
    lo = max(float(allv.min()), 1e-4) if allv.size else 1e-2
    hi = max(float(allv.max()), lo * 10) if allv.size else 1.0
    norm = LogNorm(vmin=min(lo, 0.5), vmax=max(hi, 4.0))
    X, Y = np.meshgrid(m.display[0], m.display[1], indexing="ij")
    kinds = kinds or {}

    def layer_kind(key):
        parts = key.split(".")
        return kinds.get(parts[0]) if len(parts) == 2 else None

    xlabel = key_label(m.keys[0], m.units[0], kind=layer_kind(m.keys[0]))
    ylabel = key_label(m.keys[1], m.units[1], kind=layer_kind(m.keys[1]))
    unwritable = False
    for ax, (metric, mm) in zip(axes[0], panels):
        adv = np.asarray(mm.advantage, dtype=float)
        bad = ~np.isfinite(adv) | (adv <= 0)
        unwritable |= bool(bad.any())
        # the masked points show the axes' background: grey, hatched (never white like a contour)
        ax.patch.set_facecolor(UNWRITABLE["facecolor"])
        ax.patch.set_hatch(UNWRITABLE["hatch"])
        ax.patch.set_edgecolor(UNWRITABLE["edgecolor"])
        pc = ax.pcolormesh(X, Y, np.ma.masked_where(bad, adv), shading="auto", norm=norm, cmap="viridis")
        if (~bad).sum() >= 4:
            cs = ax.contour(X, Y, np.ma.masked_where(bad, adv), levels=[1.0, 3.0], colors=["black", "red"],
                            linewidths=[1.5, 2.0], linestyles=["--", "-"])
            if cs.levels.size:
                ax.clabel(cs, fmt={1.0: "1x", 3.0: "3x"}, fontsize=8)
        if m.log[0]:
            ax.set_xscale("log")
        if m.log[1]:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(f"in {metric}", fontsize=9)
    fig.colorbar(pc, ax=list(axes[0]), label=f"advantage  E({m.reference}) / E({m.design})  (ratio)")
    handles = [Line2D([], [], color="black", ls="--", lw=1.5, label="1x: equal energy"),
               Line2D([], [], color="red", lw=2.0, label="3x")]
    if unwritable:
        handles.append(Patch(label="cannot be written (no torque, or current beyond the drive limits)",
                             **UNWRITABLE))
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=8)
    fig.suptitle(f"{m.design} vs {m.reference}: where the advantage reaches 1x and 3x"
                 + (" (without Joule heating)" if getattr(m, "heating_removed", False) else ""), fontsize=10)
    return save(fig, path, dpi=120)


#: Panels of the scaling figure: (row key, axis label with unit, factor from SI, log axis).
SCALING_PANELS = (("energy_per_bit", "supply energy per bit (fJ)", 1e15, True),
                  ("write_current", "write current (uA)", 1e6, True),
                  ("pulse_width", "pulse width (ns)", 1e9, False),
                  ("thermal_stability", "thermal stability Delta (1)", 1.0, False))
_MARKERS = "osD^vP*Xh<>"


def plot_scaling(sc: dict, path) -> Path:
    """Energy, current, pulse width and Delta versus lateral size for every design of ``sc``
    (:func:`spinloss.cells.compare.scaling`); sizes where a design cannot meet the targets are
    marked with an x at the bottom of each panel. The Delta axis is printed without an offset
    (iso-Delta: every design sits on the target)."""
    from matplotlib.ticker import ScalarFormatter

    designs = sc["designs"]
    fig, axes = new_figure(4.6, 3.3, ncols=2, nrows=2)
    axes = list(axes.ravel())
    deltas = []
    for n, (name, rows) in enumerate(designs.items()):
        s = np.array([r["size"] for r in rows], dtype=float) * 1e9
        ok = np.array([bool(r["meets_targets"]) for r in rows])
        style = {"marker": _MARKERS[n % len(_MARKERS)], "color": f"C{n % 10}", "ms": 5}
        for ax, (k, _lab, f, _log) in zip(axes, SCALING_PANELS):
            y = np.array([(r.get(k) if r.get(k) is not None else np.nan) for r in rows], dtype=float) * f
            order = np.argsort(s[ok])
            ax.plot(s[ok][order], y[ok][order], "-", label=name if ax is axes[0] else None, **style)
            if (~ok).any():
                ax.plot(s[~ok], np.full((~ok).sum(), 0.04), "x", color=style["color"], ms=8, mew=1.5,
                        transform=ax.get_xaxis_transform())
            if k == "thermal_stability":
                deltas.extend(y[ok][np.isfinite(y[ok])])
    from matplotlib.ticker import NullFormatter

    sizes = sorted({round(r["size"] * 1e9, 6) for rows in designs.values() for r in rows})
    for ax, (k, lab, _f, log) in zip(axes, SCALING_PANELS):
        ax.set_xscale("log")
        if sizes:
            ax.set_xticks(sizes, [f"{s:g}" for s in sizes])
            ax.xaxis.set_minor_formatter(NullFormatter())
        if log:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        ax.margins(y=0.15)  # room at the bottom for the x markers of the sizes not met
        ax.set_xlabel("lateral size, long axis (nm)")
        ax.set_ylabel(lab)
        ax.grid(alpha=0.3)
    t = sc["targets"]
    dax = axes[3]
    target = t.get("thermal_stability")
    if target is not None:
        dax.axhline(target, color="0.4", lw=0.9, ls=":", label="target")
    fmt = ScalarFormatter(useOffset=False)
    fmt.set_scientific(False)
    dax.yaxis.set_major_formatter(fmt)
    vals = [v for v in deltas if np.isfinite(v)] + ([target] if target is not None else [])
    if vals and max(vals) - min(vals) < 2.0:  # iso-Delta: a flat line; show it on a readable scale
        mid = 0.5 * (max(vals) + min(vals))
        dax.set_ylim(mid - 2.0, mid + 2.0)
    handles, labels = axes[0].get_legend_handles_labels()
    from matplotlib.lines import Line2D

    handles.append(Line2D([], [], ls="none", marker="x", color="0.3", ms=8, mew=1.5))
    labels.append("target not met at that size")
    fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False, fontsize=8)
    fig.suptitle(f"Scaling at Delta = {t['thermal_stability']:.1f}, WER = {t['write_error_rate']:g}, "
                 f"T = {t.get('temperature', float('nan')):.0f} K (every size re-sized to the same Delta)", fontsize=9)
    return save(fig, path, dpi=110)
