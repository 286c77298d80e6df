"""Parse the HTML tables of a report and find numeric columns whose header does not state a unit
(tests/test_report_units.py, tests/test_devices_report.py).

A column is numeric when every filled cell (placeholders "–", "-", "" aside) is a number and at
least one is. Its header must end in a parenthesized unit, e.g. "E (fJ)", "J_c (A/m^2)",
"rho (uOhm cm)", "xi_DL (1)", "E / E(Pt/Py) (ratio)": the first item of the group (before a comma
or semicolon) is a unit pint understands or one of :data:`DIMENSIONLESS`. In a table with a
"unit" column (the parameter table), a numeric column may instead take its unit per row: then
every row's unit cell must be a unit.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Words that say a column is a pure number.
DIMENSIONLESS = {"1", "ratio", "dimensionless", "%", "1 (dimensionless)"}
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_PLACEHOLDERS = {"", "-", "\u2013", "&ndash;", "n/a"}


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self._cell, self._row = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"headers": [], "rows": []})
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(("th" if tag == "th" else "td", "".join(self._cell).strip()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and all(kind == "th" for kind, _ in self._row):
                self.tables[-1]["headers"] = [t for _, t in self._row]
            elif self._row:
                self.tables[-1]["rows"].append([t for _, t in self._row])
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html_text: str) -> list[dict]:
    """Every table of ``html_text``: ``{"headers": [...], "rows": [[cell text, ...], ...]}``."""
    p = _Tables()
    p.feed(html_text)
    return p.tables


def is_unit(text: str) -> bool:
    """True for a unit string ("fJ", "A/m^2", "1/(Ohm m)", "uOhm cm") or a dimensionless word."""
    t = text.strip()
    if t in DIMENSIONLESS:
        return True
    if not t or _NUMBER.match(t):
        return False
    from spinloss.units import unit_registry

    try:
        u = unit_registry().parse_units(t.replace("Ohm", "ohm").replace("^", "**"))
    except Exception:  # noqa: BLE001 - anything pint cannot read is not a unit
        return False
    return u is not None


def header_unit(header: str) -> str | None:
    """The unit a header states (its last parenthesized group, first item), or None."""
    m = re.search(r"\(((?:[^()]|\([^()]*\))+)\)\s*$", header)
    if not m:
        return None
    unit = re.split(r"[,;]", m.group(1))[0].strip()
    return unit if is_unit(unit) else None


def numeric(column: list[str]) -> bool:
    filled = [c for c in column if c.strip() not in _PLACEHOLDERS]
    return bool(filled) and all(_NUMBER.match(c.strip()) for c in filled)


def unit_problems(html_text: str) -> list[str]:
    """Headers of numeric columns that state no unit, as "table i: header"."""
    bad = []
    for i, t in enumerate(tables(html_text)):
        heads = t["headers"]
        unit_col = next((j for j, h in enumerate(heads) if h.strip().lower() == "unit"), None)
        for j, h in enumerate(heads):
            col = [r[j] for r in t["rows"] if j < len(r)]
            if not numeric(col) or header_unit(h) is not None:
                continue
            if unit_col is not None:
                rows_bad = [r for r in t["rows"] if j < len(r) and r[j].strip() not in _PLACEHOLDERS
                            and not is_unit(r[unit_col])]
                if not rows_bad:
                    continue
                bad.extend(f"table {i}: {h!r} row {r[0]!r} has unit {r[unit_col]!r}" for r in rows_bad)
                continue
            bad.append(f"table {i}: {h!r}")
    return bad
