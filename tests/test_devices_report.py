"""The HTML report is self-contained and renders in headless Chromium with no errors (issue 4).

Chromium comes from Debian's packages (``apt-get install -y chromium``); if it is not installed
the rendering test is skipped with that reason. Two reports are checked: one
built from a small synthetic section, and the demo's own report built here by running the demo's
torque section into a temporary folder (``run_demo(..., sections=("torque",))``), so that no test
depends on ``make demo`` having run.
"""

from __future__ import annotations

import base64
import html
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from report_units import unit_problems

from spinloss import report


def _png(path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1.5))
    ax = fig.add_subplot(111)
    ax.plot([0, 1], [0, 1])
    fig.savefig(path, dpi=50)
    return path


@pytest.fixture
def html_report(tmp_path):
    fig = _png(tmp_path / "fig.png")
    sections = [{"title": "Energy per bit <&> test", "text": ["A paragraph with <tags> & ampersands."],
                 "table": [{"name": "Pt/CoFeB", "energy_per_bit": 1.5e-12, "meets_targets": True, "reason": None},
                           {"name": "no sink", "energy_per_bit": None, "meets_targets": False,
                            "reason": "no torque"}],
                 "columns": {"name": "design", "energy_per_bit": "E (fJ)", "meets_targets": "ok", "reason": "reason"},
                 "scale": {"energy_per_bit": 1e15}, "left": ("name", "reason"), "figures": [fig]}]
    params = [{"parameter": "supply_voltage", "value": 0.9, "unit": "V", "source": "[D] test"}]
    return report.write_report(tmp_path / "report.html", title="test report", sections=sections,
                               parameters=params)


def test_report_is_self_contained(html_report):
    text = html_report.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert "data:image/png;base64," in text
    # no external resources of any kind
    assert not re.search(r'(src|href)="(?!data:|#)', text)
    assert "<script" not in text
    assert "&lt;tags&gt;" in text and "1500" in text          # escaped text; fJ scaling applied
    assert "Conventions" in text and "Parameters and sources" in text


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


@pytest.mark.skipif(_chromium() is None, reason="Chromium not installed (apt-get install -y chromium)")
def test_report_renders_in_headless_chromium(html_report, tmp_path):
    profile = tmp_path / "profile"
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
           "--enable-logging=stderr", "--v=0", "--dump-dom", html_report.as_uri()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    dom = p.stdout
    assert "<h1>test report</h1>" in dom
    assert dom.count("<img") == 1 and "Pt/CoFeB" in dom
    # every numeric column of the rendered tables states its unit
    assert unit_problems(dom) == []
    # console errors of the page (JS errors, failed loads) appear as CONSOLE lines or net errors
    bad = [l for l in p.stderr.splitlines()
           if ("CONSOLE" in l and ("error" in l.lower() or "Uncaught" in l)) or "ERR_FILE_NOT_FOUND" in l
           or "Failed to load resource" in l]
    assert not bad, bad
    # the figure decodes: a screenshot renders (non-empty PNG)
    shot = tmp_path / "shot.png"
    p2 = subprocess.run(cmd[:-2] + [f"--screenshot={shot}", "--window-size=1200,1600", html_report.as_uri()],
                        capture_output=True, text=True, timeout=120)
    assert p2.returncode == 0 and shot.stat().st_size > 5000


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    """The demo's own report, built here from its torque section (the fast one, ~10 s): the same
    ``run_demo`` -> ``write_demo_report`` path as ``spinloss demo``, so the test never depends on
    a ``make demo`` having run."""
    from spinloss.studies import run_demo

    out = tmp_path_factory.mktemp("demo-report") / "demo"
    res = run_demo(out, sections=("torque",), examples_dir=EXAMPLES, progress=None)
    path = Path(res["output_dir"]) / "report.html"
    assert str(path) in res["files"]
    return path, res["sections"]["torque"]


def test_demo_report_is_self_contained(demo_report):
    path, torque = demo_report
    text = path.read_text()
    assert unit_problems(text) == []
    assert str(EXAMPLES) not in text and str(path.parent) not in text, "a local absolute path in the report"
    assert text.startswith("<!DOCTYPE html>")
    assert not re.search(r'(src|href)="(?!data:|#)', text), "the demo report must be self-contained"
    assert "<script" not in text
    pngs = [f for f in torque["files"].values() if f.endswith(".png")]
    assert len(pngs) >= 5
    # every figure is embedded, and each embedded image is a PNG that decodes to the file's pixels
    blobs = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(blobs) == len(pngs)
    from matplotlib import image as mpimg

    for blob, f in zip(blobs, pngs):
        raw = base64.b64decode(blob, validate=True)
        assert raw == Path(f).read_bytes(), f
        assert min(mpimg.imread(io.BytesIO(raw), format="png").shape[:2]) > 100


def _rgb8(png):
    """A PNG (path or bytes) as an RGB uint8 array, composited on the page's white background."""
    from matplotlib import image as mpimg

    a = mpimg.imread(io.BytesIO(png) if isinstance(png, bytes) else png, format="png")
    if a.shape[-1] == 4:
        a = a[..., :3] * a[..., 3:] + (1 - a[..., 3:])
    return np.rint(a[..., :3] * 255).astype(np.uint8)


def _find_figure(shot, fig):
    """(top, left) where the image ``fig`` appears pixel for pixel in the screenshot ``shot`` (both
    RGB uint8), or None. Its most colourful row locates it; the whole block must then match."""
    h, w = fig.shape[:2]
    k = int(np.argmax((fig.max(axis=-1).astype(int) - fig.min(axis=-1)).sum(axis=1)))
    needle = fig[k].tobytes()
    for y in range(k, shot.shape[0] - h + k + 1):
        row = shot[y].tobytes()
        x = row.find(needle)
        while x >= 0:
            if x % 3 == 0 and np.array_equal(shot[y - k:y - k + h, x // 3:x // 3 + w], fig):
                return y - k, x // 3
            x = row.find(needle, x + 1)
    return None


@pytest.mark.skipif(_chromium() is None, reason="Chromium not installed (apt-get install -y chromium)")
def test_demo_report_renders_in_headless_chromium(demo_report, tmp_path):
    path, torque = demo_report
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'p'}",
           "--enable-logging=stderr", "--v=0", "--dump-dom", path.as_uri()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr[-2000:]
    dom = p.stdout
    assert "<h1>spinloss headline study" in dom
    assert f"<h2 id=\"s0\">{torque['title']}</h2>" in dom
    pngs = [f for f in torque["files"].values() if f.endswith(".png")]
    assert dom.count("<img") == len(pngs)
    # the torque table is there, one row per example stack
    for row in torque["table"]:
        assert f">{html.escape(row['stack'])}</td>" in dom, row["stack"]
    # every numeric column of the rendered tables states its unit (tests/report_units.py)
    assert unit_problems(dom) == []
    bad = [l for l in p.stderr.splitlines()
           if ("CONSOLE" in l and ("error" in l.lower() or "Uncaught" in l)) or "ERR_FILE_NOT_FOUND" in l
           or "Failed to load" in l]
    assert not bad, bad
    # every figure is decoded and drawn, at its own size, pixel for pixel, in the report's order:
    # find each PNG in a screenshot tall enough for the whole page
    figs = [_rgb8(f) for f in pngs]
    shot = tmp_path / "shot.png"
    height = 2000 + sum(f.shape[0] + 100 for f in figs)
    p2 = subprocess.run(cmd[:-2] + [f"--screenshot={shot}", f"--window-size=1200,{height}",
                                    "--force-device-scale-factor=1", "--hide-scrollbars", path.as_uri()],
                        capture_output=True, text=True, timeout=180)
    assert p2.returncode == 0, p2.stderr[-2000:]
    page = _rgb8(shot)
    where = [_find_figure(page, f) for f in figs]
    assert all(w is not None for w in where), [Path(f).name for f, w in zip(pngs, where) if w is None]
    tops = [w[0] for w in where]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)
