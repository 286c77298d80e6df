"""Figures (matplotlib, Agg, no pyplot state): called by the CLI, the studies or the user, never
by physics.

Every axis carries its unit. Functions take results and plain arrays and write one file (PNG by
default; the format follows the file suffix, so ``.svg`` and ``.pdf`` work too), atomically (a
reader never sees half a figure). They return the path.

This module holds the one style helper (:func:`new_figure`, :func:`save`) and the generic
plots (:func:`line_plot`, :func:`map_plot`); the figures of each stage are in :mod:`.torque`,
:mod:`.switching` and :mod:`.cells`.
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

from ..names import QUANTITY_NAMES, TABLE_CONTEXT as _TABLE_CONTEXT  # noqa: E402

#: Unit strings as shown on axes (SI spelling of the code -> the usual notation).
_UNIT_TEXT = {"Ohm^-1 m^-2": "S/m$^2$", "1/(Ohm m^2)": "S/m$^2$", "S/m^2": "S/m$^2$", "A/m^2": "A/m$^2$",
              "Ohm m": r"$\Omega$ m", "Ohm^-1 m^-1": "S/m", "J/m^3": "J/m$^3$", "m^2": "m$^2$"}


def unit_text(unit: str | None) -> str:
    """A unit string as shown on an axis ("1" and "" are dimensionless: returned as "")."""
    if unit in (None, "", "1", "dimensionless"):
        return ""
    u = str(unit).strip()
    if u in _UNIT_TEXT:
        return _UNIT_TEXT[u]
    compact = u.replace("**", "^").replace(" / ", "/")
    if compact in _UNIT_TEXT:
        return _UNIT_TEXT[compact]
    if "Ω" in u or "/Ω" in u:  # pint's pretty form
        u = u.replace("1/Ω/m²", "S/m$^2$").replace("1/Ω/m", "S/m").replace("Ω", r"$\Omega$")
    return u.replace("^2", "$^2$").replace("^3", "$^3$").replace("²", "$^2$").replace("³", "$^3$")


def key_label(key: str, unit: str | None = None, *, kind: str | None = None) -> str:
    """An axis label for an override key, by the physics it names, with its unit:
    ``"interfaces.0.magnon_interface_conductance"`` with unit ``"Ohm^-1 m^-2"`` -> "magnon
    interface conductance $G_\\mathrm{int}$ (S/m$^2$)"; ``"free.spin_hall_angle"`` with
    ``kind="ferromagnet"`` -> "spin-Hall-like angle $\\theta_\\mathrm{SH}$ of free
    (dimensionless)"; ``"pulse.width"`` with ``"ns"`` -> "pulse width (ns)". ``kind``: the kind of
    the layer the key belongs to (a ferromagnet's spin Hall angle is its spin-Hall-like angle).
    A key not in :data:`QUANTITY_NAMES` is shown in words. Dimensionless keys say so."""
    parts = key.split(".")
    last = parts[-1]
    name, symbol = QUANTITY_NAMES.get(last, (last.replace("_", " "), ""))
    if last == "spin_hall_angle" and kind == "ferromagnet":
        name = "spin-Hall-like angle"
    text = f"{name} {symbol}".strip()
    if len(parts) == 2 and parts[0] in _TABLE_CONTEXT:
        if last in ("width", "length", "rise_time", "fall_time"):
            text = f"{_TABLE_CONTEXT[parts[0]]} {text}"
    elif len(parts) == 2:
        text = f"{text} of {parts[0]}"
    u = unit_text(unit)
    return f"{text} ({u})" if u else f"{text} (dimensionless)"


def legend_outside(ax, **kw):
    """The legend of ``ax`` outside its data, to the right of the axes (constrained and tight
    layouts make room for it), so that it never covers a curve. None if nothing is labelled."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    kw.setdefault("frameon", False)
    kw.setdefault("fontsize", 8)
    return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kw)


def new_figure(width: float = 6.4, height: float = 4.2, ncols: int = 1, nrows: int = 1,
               layout: str | None = "constrained"):
    """A matplotlib Figure (no pyplot state) and its axes array (nrows x ncols)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols if ncols > 1 else width, height * nrows), layout=layout)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def save(fig, path, dpi: int = 150) -> Path:
    """Write ``fig`` to ``path`` atomically, in the format of its suffix (default PNG)."""
    from ..io import atomic_path

    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".").lower() or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi)
    return path


def line_plot(x, series: dict, path, *, xlabel: str, ylabel: str, title: str | None = None,
              logx: bool = False, zero_line: bool = True) -> Path:
    """Curves ``series`` (label -> y array) against ``x``; labels must carry units."""
    fig, axes = new_figure()
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
    return save(fig, path)


def map_plot(x, y, panels: dict, path, *, xlabel: str, ylabel: str, title: str | None = None,
             logx: bool = False, logy: bool = False) -> Path:
    """Colour maps: ``panels`` maps a colour-bar label (with unit) to an array of shape
    (len(x), len(y)) (axis 0 along x, ``indexing="ij"``)."""
    n = len(panels)
    fig, axes = new_figure(width=5.2, height=4.2, ncols=n)
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
    return save(fig, path)


