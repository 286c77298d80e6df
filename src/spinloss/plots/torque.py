"""Torque figures: a sweep of the efficiencies, one stack's summary, spin profiles, and the
figures of the demo's torque study."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from . import LABELS, line_plot, map_plot, new_figure, save


class _Magnet:
    """A magnet entry of the torque JSON with array access."""

    def __init__(self, entry: dict):
        self.layer = entry["layer"]
        self.xi_dl = np.asarray(entry["xi_dl"], dtype=float)
        self.xi_fl = np.asarray(entry["xi_fl"], dtype=float)


def torque_sweep(data: dict, grid, path, *, title: str | None = None) -> Path:
    """xi_DL and xi_FL of every magnet against the varied key (1D), or colour maps of xi_DL and
    xi_FL over the grid (2D; the first magnet, or each magnet's xi_DL if there are several).

    ``data`` is the torque JSON result stacked over the grid (every number an array of the grid's
    shape); ``grid`` a :class:`spinloss.grids.Grid` (keys, display values, units)."""
    ref = data["reference_layer"]
    unit_note = f"per $J$ in {ref}"
    magnets = [_Magnet(m) for m in data["magnets"]]
    if len(grid.keys) == 1:
        series = {}
        many = len(magnets) > 1
        for m in magnets:
            pre = f"{m.layer}: " if many else ""
            series[pre + LABELS["xi_dl"]] = m.xi_dl
            series[pre + LABELS["xi_fl"]] = m.xi_fl
        return line_plot(grid.display[0], series, path, xlabel=grid.label(0),
                         ylabel=f"torque efficiency $\\xi$ (dimensionless, {unit_note})",
                         title=title, logx=grid.log[0])
    if len(grid.keys) == 2:
        if len(magnets) == 1:
            m = magnets[0]
            panels = {f"{LABELS['xi_dl']} ({unit_note})": m.xi_dl,
                      f"{LABELS['xi_fl']} ({unit_note})": m.xi_fl}
        else:
            panels = {f"{m.layer}: {LABELS['xi_dl']} ({unit_note})": m.xi_dl for m in magnets}
        return map_plot(grid.display[0], grid.display[1], panels, path, xlabel=grid.label(0),
                        ylabel=grid.label(1), title=title, logx=grid.log[0], logy=grid.log[1])
    raise ValueError("torque_sweep needs a grid with one or two keys")


def torque_summary(res, stack, path) -> Path:
    """A single stack: current density per layer (bars) and xi_DL, xi_FL per magnet."""
    fig, axes = new_figure(width=5.0, height=4.0, ncols=2)
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
    return save(fig, path)


def spin_profiles(profiles: dict, path, *, title: str | None = None) -> Path:
    """Spin current Q(z) (A/m^2, charge units) and accumulation u(z) (V), x/y/z components,
    across the stack (``torques(..., profiles=True).profiles`` of a single stack)."""
    z = np.asarray(profiles["z"], dtype=float) * 1e9
    names = list(profiles.get("layer", []))
    fig, axes = new_figure(width=6.4, height=3.2, nrows=2)
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
    return save(fig, path)




def _study_figure(width=6.6, height=4.4, nrows=1, ncols=1, **kw):
    fig, axes = new_figure(width, height, ncols=1, nrows=1)
    fig.clear()
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


_STYLE = {  # spin loss solid, controls dashed / dotted in distinct colours (keyed by the curve's kind)
    "spin_loss": {"color": "tab:red", "lw": 2.0, "ls": "-"},
    "no_sink": {"color": "tab:blue", "lw": 1.8, "ls": "--"},
    "symmetric": {"color": "tab:green", "lw": 1.8, "ls": ":"},
}


def _style(kind: str) -> dict:
    return _STYLE.get(kind, {})


def study_curve(curve: dict, path: Path) -> Path:
    """One curve figure of the torque study: xi_DL of the spin-loss stack and its controls against
    one parameter (``curve`` from :func:`spinloss.studies.torque.torque_curves`)."""
    fig, axes = _study_figure(height=5.0)
    ax = axes[0, 0]
    x = np.asarray(curve["x_display"])
    ctl_max = 0.0
    kinds = curve.get("kinds", {})
    for label, y in curve["series"].items():
        kind = kinds.get(label, "")
        ax.plot(x, y, label=label, **_style(kind))
        if kind in ("no_sink", "symmetric"):
            ctl_max = max(ctl_max, float(np.max(np.abs(y))))
    if "example_point" in curve:
        px, py = curve["example_point"]
        ax.plot([px], [py], "o", color="k", ms=5, zorder=5, label="examples/py_nio.toml")
    for xv, text in curve.get("vlines", []):
        ax.axvline(xv, color="0.4", lw=0.9, ls="-.", label=text)
    ax.axhline(0.0, color="0.6", lw=0.7)
    if curve.get("logx"):
        ax.set_xscale("log")
    ax.set_xlabel(curve["xlabel"])
    ax.set_ylabel(curve["ylabel"])
    ax.set_title(curve["title"], fontsize=10.5)
    ax.grid(alpha=0.3)
    leg = fig.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=8,
                    title=f"controls: $|\\xi_\\mathrm{{DL}}| < {_sci(max(ctl_max, 1e-300))}$ (zero by symmetry);\n"
                          "$\\xi_\\mathrm{DL} < 0$: sink on top pulls m towards $-y$",
                    title_fontsize=8)
    leg._legend_box.align = "left"
    return save(fig, path, dpi=130)


def _sci(v: float) -> str:
    """1e-17 style number as mathtext (10^{-17})."""
    exp = int(math.ceil(math.log10(v))) if v > 0 else 0
    return f"10^{{{exp}}}"


def spin_current_profile_figure(profile: dict, path: Path) -> Path:
    """Q(z)/J through the spin-loss stack and its no-sink control."""
    fig, axes = _study_figure(width=6.6, height=5.0)
    ax = axes[0, 0]
    p = profile["py_nio"]
    z = p["z"] * 1e9
    names = p["layer"]
    # layer bands with names
    starts = [0] + [i for i in range(1, len(names)) if names[i] != names[i - 1]]
    ends = starts[1:] + [len(names)]
    shades = {"SiO2": "0.92", "NiO": "#f3e3c8", "free": "white"}
    for a, b in zip(starts, ends):
        name = names[a]
        base = name.split("_")[0]
        ax.axvspan(z[a], z[b - 1], color=shades.get(base, "0.96"), zorder=0)
        shown = {"free": "Py (free)", "NiO": "NiO\n(magnon spin current)", "SiO2": "SiO2"}.get(base, name)
        ax.text(0.5 * (z[a] + z[b - 1]), 0.97, shown, ha="center", va="top",
                transform=ax.get_xaxis_transform(), fontsize=9)
    q = p["q_over_j"]
    ax.plot(z, q[:, 1], color="tab:red", lw=2.0, label="$Q_y/J$, SiO2/Py/NiO (spin loss)")
    ax.plot(z, q[:, 0], color="tab:orange", lw=1.2,
            label="$Q_x/J$, SiO2/Py/NiO (rotated by precession about m)")
    c = profile["py_sio2"]
    keep = np.array([n in ("SiO2", "free") for n in c["layer"]])  # its top SiO2 is not drawn
    ax.plot(c["z"][keep] * 1e9, c["q_over_j"][keep, 1], color="tab:blue", lw=1.6, ls="--",
            label="$Q_y/J$, SiO2/Py/SiO2 (control: no sink, $Q_y = 0$ at both Py surfaces)")
    ax.set_ylim(top=1.25 * float(np.max(q[:, 1])))
    ax.axhline(0.0, color="0.6", lw=0.7)
    free_idx = [i for i, n in enumerate(names) if n == "free"]
    if free_idx:
        i_top = free_idx[-1]
        ax.annotate(f"spin lost into NiO: $Q_y/J$ = {q[i_top, 1]:.4f}\n"
                    f"torque on Py: $\\xi_\\mathrm{{DL}}$ = {p['xi_dl']:.4f}",
                    xy=(z[i_top], q[i_top, 1]), xytext=(0.66, 0.55), textcoords="axes fraction",
                    fontsize=8.5, arrowprops={"arrowstyle": "->", "color": "0.3"})
    ax.set_xlabel("z (nm, from the bottom of the stack)")
    ax.set_ylabel("spin current $Q/J$ (charge units, per $J$ in Py)")
    ax.set_title("Spin current through SiO2/Py/NiO (J along +x, m along +z, Q > 0: flow to +z)",
                 fontsize=10)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", frameon=False, fontsize=8.5, ncols=1)
    return save(fig, path, dpi=130)


def torque_table_figure(table: list[dict], reference: str, path: Path, control_zero: float = 1e-12) -> Path:
    """Bars of xi_DL and of xi_DL^2/rho relative to the reference row, coloured by role."""
    fig, axes = _study_figure(width=7.6, height=4.8, ncols=2)
    labels = [r["stack"] for r in table]
    pos = np.arange(len(table))[::-1]
    ax = axes[0, 0]
    colors = ["tab:red" if r["kind"] == "spin_loss" else "tab:blue" if r["kind"].startswith("control")
              else "0.45" for r in table]
    ax.barh(pos, [r["xi_dl"] for r in table], color=colors)
    for p_, r in zip(pos, table):
        if abs(r["xi_dl"]) < control_zero:
            ax.text(0.004, p_, "0", va="center", fontsize=7.5, color="tab:blue")
    ax.set_yticks(pos, labels, fontsize=8)
    ax.axvline(0.0, color="0.3", lw=0.7)
    ax.set_xlabel("$\\xi_\\mathrm{DL}$ (per $J$ in the HM; in the FM for FM/AFI)")
    ax.set_title("damping-like efficiency", fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    ax = axes[0, 1]
    ratio = np.array([r["ratio_xi2_over_rho"] for r in table])
    floor = 1e-4
    ax.barh(pos, np.maximum(ratio, floor), color=colors, left=0)
    for p_, r in zip(pos, ratio):
        if r < floor:
            ax.text(floor * 1.3, p_, "0 (control)", va="center", fontsize=7.5, color="tab:blue")
    ax.set_xscale("log")
    ax.set_xlim(floor, max(10.0, ratio.max() * 2))
    ax.axvline(1.0, color="0.3", lw=0.8, ls="--")
    ax.set_yticks(pos, [""] * len(pos))
    ref_label = next(r["stack"] for r in table if r["key"] == reference)
    ax.set_xlabel(f"$\\xi_\\mathrm{{DL}}^2/\\rho$ relative to {ref_label}")
    ax.set_title("power efficiency (higher is better)", fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(color="tab:red", label="spin loss (FM/AFI)"),
                        Patch(color="0.45", label="heavy metal/FM"),
                        Patch(color="tab:blue", label="control")],
               loc="outside lower center", ncols=3, frameon=False, fontsize=8.5)
    fig.text(0.01, 0.005, "CoFeB rows with NiO/CoO use a spin-Hall-like angle 0.05 for CoFeB (a parameter, "
             "not measured); T = 300 K unless stated.", fontsize=7, color="0.3")
    return save(fig, path, dpi=130)




def damping_threshold_figure(curve: dict, path: Path) -> Path:
    """xi_DL, alpha_eff and J_c0 of the spin-loss device against G_int (three panels, log x),
    with the file's G_int marked and the optimum of J_c0, if any."""
    fig, axes = new_figure(6.4, 2.4, nrows=3)
    g = np.asarray(curve["interface_conductance"], dtype=float)
    panels = [(-np.asarray(curve["xi_dl"]), "$-\\xi_\\mathrm{DL}$ (per $J$ in the FM)", "tab:red"),
              (np.asarray(curve["effective_damping"]), "$\\alpha_\\mathrm{eff} = \\alpha + \\Delta\\alpha$", "tab:purple"),
              (np.asarray(curve["critical_current_density"]), "$J_{c0}$ (A/m$^2$), $T = 0$", "k")]
    for ax, (y, label, color) in zip(axes[:, 0], panels):
        ax.plot(g, y, color=color, lw=1.8)
        ax.axvline(curve["file_value"], color="0.5", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    jc = np.asarray(curve["critical_current_density"], dtype=float)
    axes[2, 0].set_yscale("log")
    i = int(np.argmin(jc))
    axes[2, 0].plot([g[i]], [jc[i]], "o", color="tab:orange", ms=6)
    axes[0, 0].plot([], [], color="0.5", ls=":", label="the example file's $G_\\mathrm{int}$")
    axes[0, 0].legend(frameon=False, fontsize=8)
    axes[2, 0].set_xlabel("magnon interface conductance $G_\\mathrm{int}$ at 300 K ($\\Omega^{-1}$ m$^{-2}$)")
    import textwrap

    axes[2, 0].plot([], [], "o", color="tab:orange", ms=6, label="least $J_{c0}$ on the grid")
    axes[2, 0].legend(frameon=False, fontsize=8)
    fig.suptitle(f"{curve['device']}: more spin loss, more torque and more damping\n"
                 + textwrap.fill(curve["statement"], 95), fontsize=8)
    return save(fig, path)
