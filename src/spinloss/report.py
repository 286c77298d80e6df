"""Self-contained HTML report of the headline study (``spinloss-demo/report.html``).

One file, no external resources: figures are embedded as base64 PNG (``<img src="data:...">``),
tables are plain HTML, styles inline, no scripts. Sections come from the demo's section results
(``{"title", "files", "table", "columns", ...}``, see :mod:`spinloss.studies`) plus the energy
section's own parts (comparison table, map statement, scaling, parameters with sources).

Public entry points: :func:`write_report` (generic) and :func:`write_demo_report` (reads the
demo's output directory).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import math
import re
from pathlib import Path

CONVENTIONS = [
    "SI units inside the code; figures state their units (fJ, uA, ns for readability).",
    "Charge current along +x; film normal +z from substrate to top; layers listed bottom to top.",
    "Spin Hall convention: current along +x in a layer with theta > 0 sends spin polarized +y along +z.",
    "Torque: T = -gamma mu0 H_DL m x (m x s) - gamma mu0 H_FL m x s, mu0 H_DL = hbar xi_DL J / (2 e M_s d); "
    "J is the current density in the reference layer named in each table.",
    "Write error: the magnet not in the target well at the end of the pulse plus a settle time.",
    "Thermal stability Delta = E_b / (k_B T); retention target -> Delta = ln(t / 1 ns); every design is "
    "sized to the same Delta (iso-Delta).",
    "Energy per bit = the energy drawn from the supply, V_dd I t_q + peripheral C_bl V_dd^2, t_q = width + "
    "(rise + fall)/2; beside it the channel Joule energy I^2 R t_eff in the write path (heavy metal, magnet "
    "or MTJ), t_eff = width + (rise + fall)/3, and the access transistor's I^2 R_on t_eff.",
    "Every numeric column states its unit in its header (fJ, uA, ns, um^2, ...), or '(1)' / '(ratio)' for a "
    "pure number; the parameter table gives each value in SI with its unit.",
    "Advantage = E(reference) / E(design): 3x means the design needs a third of the reference's energy; "
    "it is stated for the supply energy unless a figure or table says channel.",
]

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.1em}table{border-collapse:collapse;margin:.8em 0;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}th{background:#f2f2f2}
td.l,th.l{text-align:left}img{max-width:100%;border:1px solid #eee;margin:.5em 0}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5em 1em}
.ok{color:#1b7f1b}.bad{color:#b22222}code{background:#f5f5f5;padding:0 .2em}
"""


def esc(x) -> str:
    return html.escape(str(x), quote=True)


def img_tag(path, alt="figure") -> str:
    """A PNG embedded as base64 (an empty string if the file is missing or not a PNG)."""
    p = Path(path)
    if not p.is_file() or p.suffix.lower() != ".png":
        return ""
    data = base64.b64encode(p.read_bytes()).decode("ascii")
    return f'<figure><img alt="{esc(alt)}" src="data:image/png;base64,{data}"></figure>'


def fmt_value(v, spec=".4g") -> str:
    if v is None:
        return "&ndash;"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and not math.isfinite(v):
            return "&ndash;"
        return esc(format(v, spec))
    return esc(v)


#: An absolute local path inside a text (``/home/x/examples/cell.toml``): two or more components,
#: not preceded by a word character (so units like ``A/m^2`` are left alone).
_ABS_PATH = re.compile(r"(?<![\w)\]^])/(?:[\w.+-]+/)+[\w.+-]+")


def relative_paths(text, base=None) -> str:
    """``text`` with every absolute local path shown relative to ``base`` (a folder) when it lies
    inside it, else as its file name: a report never shows where its author keeps files."""
    if not isinstance(text, str):
        return text
    root = Path(base).resolve() if base is not None else None

    def short(mt):
        p = Path(mt.group(0))
        if root is not None:
            try:
                return p.resolve().relative_to(root).as_posix()
            except (ValueError, OSError):
                pass
        return p.name

    return _ABS_PATH.sub(short, text)


def table_html(rows: list, columns: dict, *, scale: dict | None = None, left=()) -> str:
    """An HTML table of ``rows`` (dicts) with ``columns`` {key: header}; ``scale`` {key: factor}."""
    scale = scale or {}
    head = "".join(f'<th class="{"l" if k in left else ""}">{esc(h)}</th>' for k, h in columns.items())
    body = []
    for r in rows:
        cells = []
        for k in columns:
            v = r.get(k)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v is not None and k in scale:
                v = v * scale[k]
            cells.append(f'<td class="{"l" if k in left else ""}">{fmt_value(relative_paths(v))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def write_report(path, *, title: str, sections: list, parameters: list | None = None,
                 conventions=CONVENTIONS) -> Path:
    """Write the HTML report. ``sections``: list of dicts with ``title`` and any of ``html``
    (trusted markup made here), ``text`` (paragraphs, escaped), ``figures`` (PNG paths),
    ``table`` + ``columns`` (+ ``scale``, ``left``): ``columns`` maps a row key to its header, which
    states the unit of the column as shown (after ``scale``, the factor from SI: ``{"energy_per_bit":
    1e15}`` with the header "E (fJ)"), or "(1)" / "(ratio)" for a pure number. ``parameters``: rows
    ``{"parameter", "value", "unit", "source"}`` (values in SI). Absolute local paths in table cells
    are shown by file name (:func:`relative_paths`)."""
    parts = [f"<h1>{esc(title)}</h1>",
             f"<p>Generated {esc(_dt.datetime.now().strftime('%Y-%m-%d %H:%M'))} by spinloss. Every figure "
             "and table below is embedded in this file.</p>"]
    toc = "".join(f'<li><a href="#s{i}">{esc(s["title"])}</a></li>' for i, s in enumerate(sections))
    parts.append(f"<ul>{toc}<li><a href=\"#params\">Parameters and sources</a></li>"
                 "<li><a href=\"#conv\">Conventions</a></li></ul>")
    for i, s in enumerate(sections):
        parts.append(f'<h2 id="s{i}">{esc(s["title"])}</h2>')
        for para in s.get("text", []) or []:
            parts.append(f"<p>{esc(relative_paths(para))}</p>")
        if s.get("html"):
            parts.append(s["html"])
        if s.get("table"):
            cols = s.get("columns") or {k: k for k in s["table"][0]}
            parts.append(table_html(s["table"], cols, scale=s.get("scale"), left=s.get("left", ())))
        for f in s.get("figures", []) or []:
            parts.append(img_tag(f, alt=Path(f).stem))
    parts.append('<h2 id="params">Parameters and sources</h2>')
    if parameters:
        parts.append(table_html(parameters, {"parameter": "parameter", "value": "value (SI)", "unit": "unit",
                                             "source": "source"}, left=("parameter", "unit", "source")))
    parts.append("<p>Tags: [V] read in a published source, [M] standard literature value, [D] chosen here "
                 "with the reason given. Material values: <code>spinloss materials</code>.</p>")
    parts.append('<h2 id="conv">Conventions</h2><ul>' + "".join(f"<li>{esc(c)}</li>" for c in conventions)
                 + "</ul>")
    doc = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{esc(title)}</title>"
           f"<style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>\n")
    from .io import write_text_atomic

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(p, doc)


def _generic_section(name, res: dict) -> dict:
    """A demo section result (studies.py contract) -> report section."""
    figs = [f for f in (res.get("files") or {}).values() if str(f).lower().endswith(".png")]
    sec = {"title": res.get("title", name), "figures": figs, "text": []}
    if res.get("table") and isinstance(res["table"], list) and isinstance(res["table"][0], dict):
        cols = res.get("columns") or {k: k for k in res["table"][0]}
        sec["table"] = res["table"]
        sec["columns"] = {k: v for k, v in cols.items() if any(k in r for r in res["table"])}
        sec["left"] = tuple(k for k in sec["columns"] if isinstance(res["table"][0].get(k), str))
        if res.get("scale"):
            sec["scale"] = dict(res["scale"])
    for key in ("statement", "summary", "conclusion"):
        if isinstance(res.get(key), str):
            sec["text"].append(res[key])
    return sec


def write_demo_report(output_dir, sections: dict | None = None) -> Path:
    """``output_dir/report.html`` from the demo's section results (``{name: result}``); without
    ``sections`` the results are read from ``output_dir/demo_summary.json`` and
    ``output_dir/energy/energy_summary.json`` where present. The energy section (if any) brings
    its own rich layout and parameter table."""
    out = Path(output_dir)
    sections = dict(sections or {})
    summ = out / "demo_summary.json"
    if summ.is_file():
        try:
            data = json.loads(summ.read_text())
            for name, r in (data.get("sections") or {}).items():
                sections.setdefault(name, r)
        except (OSError, ValueError):
            pass
    es = out / "energy" / "energy_summary.json"
    if "energy" not in sections and es.is_file():
        try:
            sections["energy"] = json.loads(es.read_text())
        except (OSError, ValueError):
            pass
    rep_sections, params = [], []
    for name, res in sections.items():
        if not isinstance(res, dict):
            continue
        if name == "energy" and "report_sections" in res:
            rep_sections.extend(res["report_sections"])
            params.extend(res.get("parameters", []))
        else:
            # a section's further tables (``more_sections``, studies contract) follow it, each with
            # its own figures (shown there only)
            extra = [x for x in res.get("more_sections") or [] if isinstance(x, dict)]
            sec = _generic_section(name, res)
            shown = {str(f) for x in extra for f in (x.get("files") or {}).values()}
            sec["figures"] = [f for f in sec["figures"] if str(f) not in shown]
            rep_sections.append(sec)
            rep_sections.extend(_generic_section(f"{name} {i}", x) for i, x in enumerate(extra, 1))
    return write_report(out / "report.html", title="spinloss headline study: spin loss versus heavy-metal SOT and STT",
                        sections=rep_sections, parameters=params)
