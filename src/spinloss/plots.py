"""Figures (matplotlib, Agg, no pyplot state): called by the CLI or by the user, never by physics.

Every axis carries its unit. Functions take results and plain arrays and write one file (PNG by
default; the format follows the file suffix, so ``.svg`` works too). They return the path.

Generic helpers: :func:`line_plot` (curves against one axis) and :func:`map_plot` (a colour map
over a 2D grid). Torque figures: :func:`torque_sweep` (``spinloss torque --vary ... --plot``)
and :func:`torque_summary` (a single stack).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Axis labels of torque quantities (mathtext).
LABELS = {
    "xi_dl": r"$\xi_\mathrm{DL}$",
    "xi_fl": r"$\xi_\mathrm{FL}$",
    "b_dl": r"$B_\mathrm{DL}$ (mT)",
    "b_fl": r"$B_\mathrm{FL}$ (mT)",
    "sigma_dl": r"$\sigma_\mathrm{DL}$ ($\Omega^{-1}$ m$^{-1}$)",
}


def _figure(width: float = 6.4, height: float = 4.2, ncols: int = 1, nrows: int = 1):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols if ncols > 1 else width, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def _save(fig, path) -> Path:
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".").lower() or "png"
    fig.savefig(path, format=fmt, dpi=150)
    return path


def line_plot(x, series: dict, path, *, xlabel: str, ylabel: str, title: str | None = None,
              logx: bool = False, zero_line: bool = True) -> Path:
    """Curves ``series`` (label -> y array) against ``x``; labels must carry units."""
    fig, axes = _figure()
    ax = axes[0, 0]
    for label, y in series.items():
        ax.plot(x, np.broadcast_to(np.asarray(y, dtype=float), np.shape(x)), marker="o", ms=3,
                label=label)
    if zero_line:
        ax.axhline(0.0, color="0.6", lw=0.8)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(series) > 1:
        ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def map_plot(x, y, panels: dict, path, *, xlabel: str, ylabel: str, title: str | None = None,
             logx: bool = False, logy: bool = False) -> Path:
    """Colour maps: ``panels`` maps a colour-bar label (with unit) to an array of shape
    (len(x), len(y)) (axis 0 along x, ``indexing="ij"``)."""
    n = len(panels)
    fig, axes = _figure(width=5.2, height=4.2, ncols=n)
    for ax, (label, z) in zip(axes[0], panels.items()):
        z = np.broadcast_to(np.asarray(z, dtype=float), (len(x), len(y)))
        finite = z[np.isfinite(z)]
        if finite.size and finite.min() < 0 < finite.max():
            lim = np.abs(finite).max()
            kw = {"cmap": "RdBu_r", "vmin": -lim, "vmax": lim}
        else:
            kw = {"cmap": "viridis"}
        mesh = ax.pcolormesh(x, y, z.T, shading="nearest" if len(x) > 1 and len(y) > 1 else "auto", **kw)
        fig.colorbar(mesh, ax=ax, label=label)
        if logx:
            ax.set_xscale("log")
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def torque_sweep(res, grid, path, *, title: str | None = None) -> Path:
    """xi_DL and xi_FL of every magnet against the varied key (1D), or colour maps of xi_DL and
    xi_FL over the grid (2D; the first magnet, or each magnet's xi_DL if there are several).

    ``grid`` is a :class:`spinloss.cli.Grid` (keys, display values, units)."""
    ref = res.reference_layer
    unit_note = f"per $J$ in {ref}"
    if len(grid.keys) == 1:
        series = {}
        many = len(res.magnets) > 1
        for m in res.magnets:
            pre = f"{m.layer}: " if many else ""
            series[pre + LABELS["xi_dl"]] = m.xi_dl
            series[pre + LABELS["xi_fl"]] = m.xi_fl
        return line_plot(grid.display[0], series, path, xlabel=grid.label(0),
                         ylabel=f"torque efficiency $\\xi$ (dimensionless, {unit_note})",
                         title=title, logx=grid.log[0])
    if len(grid.keys) == 2:
        if len(res.magnets) == 1:
            m = res.magnets[0]
            panels = {f"{LABELS['xi_dl']} ({unit_note})": m.xi_dl,
                      f"{LABELS['xi_fl']} ({unit_note})": m.xi_fl}
        else:
            panels = {f"{m.layer}: {LABELS['xi_dl']} ({unit_note})": m.xi_dl for m in res.magnets}
        return map_plot(grid.display[0], grid.display[1], panels, path, xlabel=grid.label(0),
                        ylabel=grid.label(1), title=title, logx=grid.log[0], logy=grid.log[1])
    raise ValueError("torque_sweep needs a grid with one or two keys")


def torque_summary(res, stack, path) -> Path:
    """A single stack: current density per layer (bars) and xi_DL, xi_FL per magnet."""
    fig, axes = _figure(width=5.0, height=4.0, ncols=2)
    ax = axes[0, 0]
    names = [lc.name for lc in res.layers]
    jj = [float(np.asarray(lc.current_density)) for lc in res.layers]
    ax.bar(names, jj, color="tab:gray")
    ax.set_ylabel(r"current density $J$ (A/m$^2$)")
    ax.set_xlabel("layer (bottom to top)")
    ax.tick_params(axis="x", rotation=30)
    ax = axes[0, 1]
    mags = [m.layer for m in res.magnets]
    pos = np.arange(len(mags))
    ax.bar(pos - 0.2, [float(np.asarray(m.xi_dl)) for m in res.magnets], 0.4, label=LABELS["xi_dl"])
    ax.bar(pos + 0.2, [float(np.asarray(m.xi_fl)) for m in res.magnets], 0.4, label=LABELS["xi_fl"])
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xticks(pos, mags)
    ax.set_xlabel("magnet")
    ax.set_ylabel(f"$\\xi$ (dimensionless, per $J$ in {res.reference_layer})")
    ax.legend(frameon=False)
    fig.suptitle(stack.name)
    return _save(fig, path)


def spin_profiles(profiles: dict, path, *, title: str | None = None) -> Path:
    """Spin current Q(z) (A/m^2, charge units) and accumulation u(z) (V), x/y/z components,
    across the stack (``torques(..., profiles=True).profiles`` of a single stack)."""
    z = np.asarray(profiles["z"], dtype=float) * 1e9
    names = list(profiles.get("layer", []))
    fig, axes = _figure(width=6.4, height=3.2, nrows=2)
    for ax, key, label in ((axes[0, 0], "spin_current", r"spin current $Q$ (A/m$^2$, charge units)"),
                           (axes[1, 0], "spin_accumulation", r"spin accumulation $u = \mu_s/e$ (V)")):
        val = np.asarray(profiles[key], dtype=float)
        if val.ndim != 2:
            raise ValueError("spin_profiles plots a single stack (no sweep)")
        for c, comp in enumerate("xyz"):
            sym = "Q" if key == "spin_current" else "u"
            ax.plot(z, val[:, c], label=f"${sym}_{comp}$")
        ax.axhline(0.0, color="0.6", lw=0.8)
        ax.set_ylabel(label)
        ax.legend(frameon=False, ncols=3)
        ax.grid(alpha=0.3)
        # layer boundaries and names
        if names:
            for i in range(1, len(names)):
                if names[i] != names[i - 1]:
                    ax.axvline(z[i], color="0.3", lw=0.6, ls="--")
    if names:
        starts = [0] + [i for i in range(1, len(names)) if names[i] != names[i - 1]]
        ends = starts[1:] + [len(names)]
        for a, b in zip(starts, ends):
            axes[0, 0].text(0.5 * (z[a] + z[b - 1]), 1.02, names[a], ha="center", va="bottom",
                            transform=axes[0, 0].get_xaxis_transform(), fontsize=8)
    axes[1, 0].set_xlabel("z (nm, from the bottom of the stack)")
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def probability_figure(out: dict, keys: list, values: list, path) -> Path:
    """Switching probability vs one varied key (with Wilson error bars) or a 2D map."""
    p = np.asarray(out["switching_probability"], dtype=float)
    unc = np.asarray(out.get("uncertainty", np.zeros_like(p)), dtype=float)
    units = {"pulse.current_density": ("A/m$^2$", 1.0), "pulse.width": ("ns", 1e9),
             "temperature": ("K", 1.0)}
    fig, axes = _figure()
    ax = axes[0, 0]
    if p.ndim == 0 or not keys:
        ax.bar([0], [float(p)], yerr=[float(unc)])
        ax.set_xticks([])
        ax.set_ylabel("switching probability")
    elif p.ndim == 1:
        u, s = units.get(keys[0], ("SI", 1.0))
        ax.errorbar(np.asarray(values[0]) * s, p, yerr=unc, marker="o", ms=3, capsize=2)
        ax.set_xlabel(f"{keys[0]} ({u})")
        ax.set_ylabel("switching probability")
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
    else:
        u0, s0 = units.get(keys[0], ("SI", 1.0))
        u1, s1 = units.get(keys[1], ("SI", 1.0))
        mesh = ax.pcolormesh(np.asarray(values[1]) * s1, np.asarray(values[0]) * s0, p, shading="nearest",
                             vmin=0, vmax=1, cmap="viridis")
        fig.colorbar(mesh, ax=ax, label="switching probability")
        ax.set_xlabel(f"{keys[1]} ({u1})")
        ax.set_ylabel(f"{keys[0]} ({u0})")
    ax.set_title(f"{out.get('device', '')}: {out.get('trials', '')} trials per point")
    return _save(fig, path)


def trace_figure(t, traj, current, path, *, title: str | None = None) -> Path:
    """m_x, m_y, m_z and j versus time for up to a few devices."""
    fig, axes = _figure(height=5.0, nrows=2)
    ax, axj = axes[0, 0], axes[1, 0]
    t_ns = np.asarray(t) * 1e9
    n = traj.shape[1]
    for i in range(min(n, 5)):
        for k, (comp, style) in enumerate(zip("xyz", ("-", "--", ":"))):
            ax.plot(t_ns, traj[:, i, k], style, color=f"C{k}", lw=1,
                    label=f"$m_{comp}$" if i == 0 else None)
        axj.plot(t_ns, current[:, i], color="k", lw=1)
    ax.set_ylabel("magnetization (unit vector)")
    ax.set_ylim(-1.05, 1.05)
    ax.legend(frameon=False, ncol=3)
    ax.grid(alpha=0.3)
    axj.set_xlabel("time (ns)")
    axj.set_ylabel("current density (A/m$^2$)")
    axj.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    return _save(fig, path)
