"""The report's figures say what the data say (issue 9 item 6): structure checks on the figures
of plots/cells.py and plots/switching.py, on synthetic results (no design search).

- every axis label states a unit (or says dimensionless);
- no bars stacked on a log axis; the shares of the supply energy add up to 100 %;
- legends never overlap the data area of any axes;
- map axes are named by physics, the unwritable region is grey and hatched with a legend entry,
  distinct from the 1x and 3x contours;
- the Delta axis of the scaling figure prints no offset;
- the scaling figure shows every design it is given.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest

from spinloss import plots
from spinloss.plots import cells as cell_plots
from spinloss.plots import switching as switching_plots

#: A unit in parentheses: "(fJ)", "(A/m$^2$)", "(dimensionless)", "(1)", "(%)"...
UNIT = re.compile(r"\((?:[^()]|\([^()]*\))+\)\s*$")


@pytest.fixture
def capture(monkeypatch):
    """Figures drawn by the plots modules, captured (and still saved) by their ``save``."""
    figs = []

    def grab(module):
        real = module.save

        def save(fig, path, *a, **k):
            figs.append(fig)
            return real(fig, path, *a, **k)

        monkeypatch.setattr(module, "save", save)

    for mod in (cell_plots, switching_plots):
        grab(mod)
    return figs


def _drawn(fig):
    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def data_axes(fig):
    """Axes that hold data (colour bars excluded)."""
    return [a for a in fig.axes if a.get_label() != "<colorbar>" and (a.lines or a.patches or a.collections)]


def assert_units(fig):
    for ax in data_axes(fig):
        for lab in (ax.get_xlabel(), ax.get_ylabel()):
            if lab:
                assert UNIT.search(lab), f"axis label without a unit: {lab!r}"


def assert_legends_outside(fig):
    """No legend's box overlaps the plotting area of any data axes."""
    r = _drawn(fig)
    legends = [a.get_legend() for a in fig.axes if a.get_legend() is not None] + list(fig.legends)
    assert legends, "the figure has no legend"
    boxes = [a.get_window_extent(r) for a in data_axes(fig)]
    for leg in legends:
        lb = leg.get_window_extent(r)
        for b in boxes:
            ov_w = min(lb.x1, b.x1) - max(lb.x0, b.x0)
            ov_h = min(lb.y1, b.y1) - max(lb.y0, b.y0)
            assert ov_w <= 1 or ov_h <= 1, f"legend {[t.get_text() for t in leg.get_texts()]} overlaps the data"


# --------------------------------------------------------------------------- synthetic results


def _row(name, ok, e=None, ch=None, tr=None, pe=None, adv=None):
    return {"name": name, "meets_targets": ok, "energy_per_bit": e, "channel_energy": ch, "transistor_energy": tr,
            "peripheral_energy": pe, "advantage": adv, "reason": None if ok else "no torque"}


@pytest.fixture
def comparison():
    rows = [_row("Py/NiO spin loss", True, 2.2e-11, 6e-13, 3e-13, 1.1e-15, 0.3),
            _row("Py/SiO2 no sink", False),
            _row("Pt/CoFeB", True, 6.6e-12, 2e-13, 1e-13, 1.1e-15, 1.0),
            _row("STT-MTJ", True, 5e-13, 3.2e-13, 2e-14, 1.1e-15, 13.0)]
    return SimpleNamespace(rows=rows, reference="Pt/CoFeB",
                           targets={"thermal_stability": 40.29, "write_error_rate": 1e-4, "temperature": 358.0})


def test_energy_bars_not_stacked_on_log_axis(comparison, capture, tmp_path):
    cell_plots.plot_bars(comparison, tmp_path / "bars.png")
    fig = capture[-1]
    assert (tmp_path / "bars.png").stat().st_size > 1000
    assert_units(fig)
    assert_legends_outside(fig)
    log_axes = [a for a in fig.axes if a.get_yscale() == "log"]
    lin_axes = [a for a in fig.axes if a.get_yscale() == "linear" and a.patches]
    assert log_axes and lin_axes
    for ax in log_axes:
        # side by side: every bar starts at the axis' origin (none stands on another)
        assert all(p.get_y() == 0 for p in ax.patches), "bars stacked on a log axis"
    # the linear panel stacks the shares of the supply energy: each design adds up to 100 %
    ax = lin_axes[0]
    tops = {}
    for p in ax.patches:
        x = round(p.get_x() + p.get_width() / 2, 6)
        tops[x] = max(tops.get(x, 0.0), p.get_y() + p.get_height())
    ok = [i for i, r in enumerate(comparison.rows) if r["meets_targets"]]
    for i in ok:
        assert tops[round(float(i), 6)] == pytest.approx(100.0, abs=1e-9)
    # STT's MTJ part is visible: its channel share is most of the energy
    parts = cell_plots.energy_parts(comparison.rows[3])
    assert parts["channel"] / sum(parts.values()) > 0.5
    assert sum(parts.values()) == pytest.approx(comparison.rows[3]["energy_per_bit"], rel=1e-12, abs=0)


def _energy_map(unwritable=True):
    n1, n2 = 8, 7
    theta = np.linspace(0.01, 0.4, n1)
    g = np.geomspace(1e13, 1e16, n2)
    adv = 20 * theta[:, None] * np.log10(g[None, :] / 1e12) / 3
    if unwritable:
        adv[:2, :3] = np.nan
    return SimpleNamespace(
        design="Py/NiO spin loss", reference="Pt/Py",
        keys=("free.spin_hall_angle", "interfaces.0.magnon_interface_conductance"),
        display=(theta, g), units=("1", "Ohm^-1 m^-2"), log=(False, True), advantage=adv,
        channel_advantage=adv * 2, metric=lambda name: SimpleNamespace(advantage=adv * 2))


def test_map_axes_named_by_physics_and_unwritable_region_distinct(capture, tmp_path):
    m = _energy_map()
    cell_plots.plot_map(m, tmp_path / "map.png", kinds={"free": "ferromagnet"})
    fig = capture[-1]
    assert_units(fig)
    assert_legends_outside(fig)
    ax = data_axes(fig)[0]
    assert ax.get_xlabel().startswith("spin-Hall-like angle") and "(dimensionless)" in ax.get_xlabel()
    assert ax.get_ylabel().startswith("magnon interface conductance") and "S/m" in ax.get_ylabel()
    for a in fig.axes:
        assert "interfaces.0" not in a.get_xlabel() + a.get_ylabel()
    texts = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert any("cannot be written" in t for t in texts)
    # the unwritable corner is drawn grey, not white, and differs from both contour colours
    r = _drawn(fig)
    img = np.asarray(r.buffer_rgba())[..., :3].astype(int)
    h = img.shape[0]
    px = ax.transData.transform((m.display[0][0], m.display[1][0]))
    col = img[h - int(round(px[1])) - 3, int(round(px[0])) + 3]
    assert col.max() < 235, f"unwritable point drawn white-ish {col}"
    assert col.max() - col.min() < 30, f"unwritable point not grey {col}"
    from matplotlib.colors import to_rgb

    contour_colours = {tuple(np.round(np.array(to_rgb(c)) * 255).astype(int)) for c in ("black", "red", "white")}
    assert tuple(col) not in contour_colours


def test_map_without_unwritable_points_has_no_such_legend_entry(capture, tmp_path):
    cell_plots.plot_map(_energy_map(unwritable=False), tmp_path / "map.png")
    texts = [t.get_text() for leg in capture[-1].legends for t in leg.get_texts()]
    assert not any("cannot be written" in t for t in texts)


def _scaling():
    def rows(e0, ok_small=True):
        out = []
        for s in (100e-9, 50e-9, 20e-9):
            ok = ok_small or s > 30e-9
            out.append({"size": s, "meets_targets": ok, "reason": None if ok else "retention",
                        "energy_per_bit": e0 * s / 1e-7 if ok else None, "write_current": 1e-4 * s / 1e-7 if ok else None,
                        "pulse_width": 3e-9 if ok else None,
                        "thermal_stability": 40.29328 + 1e-11 * (s / 1e-8) if ok else None})
        return out

    return {"sizes": [100e-9, 50e-9, 20e-9],
            "targets": {"thermal_stability": 40.29328, "write_error_rate": 1e-4, "temperature": 358.0},
            "designs": {"STT-MTJ": rows(1e-12), "Pt/CoFeB": rows(6e-12, False), "Py/NiO spin loss": rows(2e-11, False)}}


def test_scaling_shows_every_design_and_delta_has_no_offset(capture, tmp_path):
    sc = _scaling()
    cell_plots.plot_scaling(sc, tmp_path / "scaling.png")
    fig = capture[-1]
    assert_units(fig)
    assert_legends_outside(fig)
    _drawn(fig)
    labels = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    for name in sc["designs"]:
        assert name in labels
    dax = [a for a in fig.axes if "Delta" in a.get_ylabel()]
    assert len(dax) == 1
    assert dax[0].yaxis.get_offset_text().get_text() == ""
    ticks = [t.get_text() for t in dax[0].get_yticklabels()]
    assert all("e" not in t and "+" not in t for t in ticks), ticks


def test_switching_figures_keep_legends_off_the_data(capture, tmp_path):
    j = np.geomspace(1e11, 1e13, 12)
    p = 1 / (1 + np.exp(-8 * (np.log10(j) - 12)))
    curves = {k: {"current_density": j, "probability": p, "uncertainty": 0.05 * np.ones_like(p)}
              for k in ("py_nio", "py_sio2", "pt_py")}
    switching_plots.probability_curves_figure(curves, {"py_nio": 1e12, "py_sio2": None, "pt_py": 8e11},
                                              {"py_nio": "Py/NiO (spin loss)", "py_sio2": "Py/SiO2 (no sink)",
                                               "pt_py": "Pt/Py (heavy metal)"}, tmp_path / "p.png")
    assert_units(capture[-1])
    assert_legends_outside(capture[-1])
    t = np.linspace(0, 5e-9, 200)
    traj = np.stack([np.cos(t * 1e9)[:, None] * np.ones((1, 3)), np.sin(t * 1e9)[:, None] * np.ones((1, 3)),
                     np.tanh(t * 1e9 - 2)[:, None] * np.ones((1, 3))], axis=-1)
    switching_plots.trace_figure(t, traj, 1e12 * np.ones((200, 3)), tmp_path / "t.png", title="test")
    assert_units(capture[-1])
    assert_legends_outside(capture[-1])


def test_probability_figure_labels_varied_keys_with_units(capture, tmp_path):
    out = {"switching_probability": [0.1, 0.5, 0.9], "uncertainty": [0.05] * 3, "device": "d", "trials": 10}
    switching_plots.probability_figure(out, ["pulse.current_density"], [[1e11, 2e11, 3e11]], tmp_path / "p.png")
    assert capture[-1].axes[0].get_xlabel() == "current density $J$ (A/m$^2$)"
    switching_plots.probability_figure(out, ["free.damping"], [[0.01, 0.02, 0.03]], tmp_path / "q.png")
    assert "(dimensionless)" in capture[-1].axes[0].get_xlabel()


def test_the_checks_bite(tmp_path):
    """A legend inside the data and a label without a unit are caught."""
    fig, axes = plots.new_figure()
    ax = axes[0, 0]
    ax.plot([0, 1], [0, 1], label="a")
    ax.plot([0, 1], [1, 0], label="b")
    ax.legend(loc="center")
    ax.set_xlabel("size")
    with pytest.raises(AssertionError, match="overlaps"):
        assert_legends_outside(fig)
    with pytest.raises(AssertionError, match="unit"):
        assert_units(fig)


@pytest.mark.parametrize("key,unit,expected", [
    ("interfaces.0.magnon_interface_conductance", "Ohm^-1 m^-2", "magnon interface conductance $G_\\mathrm{int}$ (S/m$^2$)"),
    ("free.spin_hall_angle", "1", "spin Hall angle $\\theta_\\mathrm{SH}$ of free (dimensionless)"),
    ("Pt.thickness", "nm", "thickness $d$ of Pt (nm)"),
    ("pulse.width", "ns", "pulse width (ns)"),
    ("NiO.some_new_key", "K", "some new key of NiO (K)"),
])
def test_key_labels(key, unit, expected):
    assert plots.key_label(key, unit) == expected
