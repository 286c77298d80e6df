"""The HTML report is self-contained and renders in headless Chromium with no errors (issue 4).

Chromium comes from Debian's packages (``apt-get install -y chromium``); if it is not installed
the rendering test is skipped with that reason. The report itself is built from a small synthetic
section (the demo builds the real one: ``spinloss demo`` -> spinloss-demo/report.html).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

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


DEMO_REPORT = __import__("pathlib").Path(__file__).resolve().parents[1] / "spinloss-demo" / "report.html"


@pytest.mark.skipif(_chromium() is None, reason="Chromium not installed (apt-get install -y chromium)")
@pytest.mark.skipif(not DEMO_REPORT.is_file(), reason="no spinloss-demo/report.html (run `make demo` first)")
def test_demo_report_renders_in_headless_chromium(tmp_path):
    text = DEMO_REPORT.read_text()
    assert not re.search(r'(src|href)="(?!data:|#)', text), "the demo report must be self-contained"
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'p'}",
           "--enable-logging=stderr", "--v=0", "--dump-dom", DEMO_REPORT.as_uri()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0 and "<h1>" in p.stdout
    bad = [l for l in p.stderr.splitlines() if ("CONSOLE" in l and "error" in l.lower()) or "Failed to load" in l]
    assert not bad, bad
