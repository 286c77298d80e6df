"""Measured (or simulated) harmonic Hall data: the CSV input format (the contract, docs/lab.md
section 4).

- A header row (lines starting with ``#`` before or after it are comments; blank lines are
  skipped). Column names are case-insensitive; a unit in brackets converts the column to SI.
- ``scan``: ``x`` or ``y`` (field sweeps along x or y), ``z`` (an out-of-plane sweep, for R_AHE and
  H_K,eff of in-plane films), or ``angle`` (an in-plane rotation of the field). A file with an
  ``angle`` column and no ``scan`` column is an angular scan.
- ``field``: A/m, or ``field [Oe]``, ``field [mT]``, ``field [T]`` (mu0 H) and any other field unit
  pint knows; for an angular scan the field magnitude.
- ``angle [deg]`` (or ``[rad]``): the field's angle from x in the plane (angular scans).
- ``v1w [V]``, ``v2w [V]``: lock-in amplitudes in the same convention for both (``[mV]``, ``[uV]``
  convert); either may be empty on a row (not both).
- ``branch``: optional +1/-1, the sign of m along the easy axis (m_z of a perpendicular film).
- ``--columns NAME=COLUMN,...`` (``column_map``) names other columns for the names above.

Errors: :class:`~spinloss.errors.ConfigError` with the file, ``line N`` and the rule.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ConfigError

CANONICAL = ("scan", "field", "angle", "v1w", "v2w", "branch")
SCAN_VALUES = ("x", "y", "z", "angle")
_HEADER = re.compile(r"^\s*([^\[\]]*?)\s*(?:\[([^\]]*)\])?\s*$")


@dataclass
class HarmonicHallData:
    """Rows of one or more files: ``scan`` (str array), ``field`` (A/m), ``angle`` (rad, NaN
    for field sweeps), ``v1w``, ``v2w`` (V, NaN where empty), ``branch`` (+1/-1, 0 where not
    given), ``source`` and ``line`` of each row (for messages)."""

    scan: np.ndarray
    field: np.ndarray
    angle: np.ndarray
    v1w: np.ndarray
    v2w: np.ndarray
    branch: np.ndarray
    source: np.ndarray
    line: np.ndarray

    def __len__(self) -> int:
        return len(self.field)

    def select(self, mask) -> "HarmonicHallData":
        mask = np.asarray(mask)
        return HarmonicHallData(*(getattr(self, f)[mask] for f in
                                  ("scan", "field", "angle", "v1w", "v2w", "branch", "source", "line")))

    @property
    def files(self) -> list[str]:
        return sorted(set(self.source.tolist()))

    @classmethod
    def concatenate(cls, parts) -> "HarmonicHallData":
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                     ("scan", "field", "angle", "v1w", "v2w", "branch", "source", "line")))


def parse_column_map(text: str | None, *, option: str = "--columns") -> dict:
    """``NAME=COLUMN,...`` -> {canonical name: column header (lower case)}."""
    out = {}
    if not text:
        return out
    for item in text.split(","):
        if not item.strip():
            continue
        if "=" not in item:
            raise ConfigError("<command line>", option, f"expected NAME=COLUMN, got {item.strip()!r}")
        name, col = (s.strip() for s in item.split("=", 1))
        if name.lower() not in CANONICAL:
            raise ConfigError("<command line>", option, f"unknown name {name!r} (names: {', '.join(CANONICAL)})")
        if not col:
            raise ConfigError("<command line>", option, f"no column given for {name!r}")
        out[name.lower()] = col
    return out


def _unit_factor(unit: str | None, kind: str, source: str, key: str) -> float:
    """SI value of one ``unit`` of a column of ``kind`` field | angle | voltage."""
    from ..units import to_si

    if unit is None or unit.strip() == "":
        return 1.0 if kind != "angle" else math.pi / 180.0  # angles default to degrees
    u = unit.strip()
    if kind == "angle":
        if u.lower() in ("deg", "degree", "degrees", "°"):
            return math.pi / 180.0
        if u.lower() in ("rad", "radian", "radians"):
            return 1.0
        raise ConfigError(source, key, f"unknown angle unit [{u}] (deg or rad)")
    dim = "field" if kind == "field" else "voltage"
    return to_si(f"1 {u}", dim, source=source, key=key)


def read_harmonic_hall_csv(path, column_map: dict | None = None) -> HarmonicHallData:
    """One CSV file in the input format (module docstring) -> :class:`HarmonicHallData`."""
    source = str(path)
    column_map = {k: v.strip().lower() for k, v in (column_map or {}).items()}
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(source, "file", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, "file", f"cannot read it ({exc})") from None
    rows = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        rows.append((lineno, next(csv.reader([raw]))))
    if not rows:
        raise ConfigError(source, "file", "no header row (the first non-comment line names the columns)")
    header_line, header = rows[0]
    names, units = [], []
    for cell in header:
        m = _HEADER.match(cell)
        if m is None:
            raise ConfigError(source, f"line {header_line}", f"cannot read the column header {cell!r}")
        names.append(m.group(1).strip().lower())
        units.append(m.group(2))
    # canonical name -> column index
    index = {}
    for canon in CANONICAL:
        want = column_map.get(canon, canon)
        wname = _HEADER.match(want).group(1).strip().lower() if _HEADER.match(want) else want
        hits = [i for i, n in enumerate(names) if n == wname]
        if len(hits) > 1:
            raise ConfigError(source, f"line {header_line}", f"column {wname!r} appears twice")
        if hits:
            index[canon] = hits[0]
        elif canon in column_map:
            raise ConfigError(source, f"line {header_line}", f"no column {want!r} (given by --columns {canon}=...)")
    if "field" not in index:
        raise ConfigError(source, f"line {header_line}", "no 'field' column (give 'field [Oe]', 'field [mT]', "
                                                         "'field [A/m]', ... or map one with --columns field=NAME)")
    if "v1w" not in index and "v2w" not in index:
        raise ConfigError(source, f"line {header_line}", "no 'v1w [V]' or 'v2w [V]' column")
    if "scan" not in index and "angle" not in index:
        raise ConfigError(source, f"line {header_line}", "no 'scan' column (x or y) and no 'angle [deg]' column")
    factor = {}
    for canon, kind in (("field", "field"), ("angle", "angle"), ("v1w", "voltage"), ("v2w", "voltage")):
        if canon in index:
            factor[canon] = _unit_factor(units[index[canon]], kind, source, f"line {header_line}")
    n = len(rows) - 1
    scan = np.empty(n, dtype=object)
    out = {k: np.full(n, np.nan) for k in ("field", "angle", "v1w", "v2w")}
    branch = np.zeros(n, dtype=int)
    lines = np.zeros(n, dtype=int)
    for r, (lineno, cells) in enumerate(rows[1:]):
        where = f"line {lineno}"
        lines[r] = lineno
        if len(cells) != len(header):
            raise ConfigError(source, where, f"{len(cells)} fields, the header has {len(header)}")

        def cell(canon):
            return cells[index[canon]].strip() if canon in index else ""

        def number(canon, required):
            t = cell(canon)
            if t == "":
                if required:
                    raise ConfigError(source, where, f"{canon}: empty (a value is required)")
                return math.nan
            try:
                x = float(t)
            except ValueError:
                raise ConfigError(source, where, f"{canon}: {t!r} is not a number") from None
            if not math.isfinite(x):
                raise ConfigError(source, where, f"{canon}: {t!r} is not finite")
            return x * factor[canon]

        s = cell("scan").lower()
        if "scan" not in index or s == "":
            if "angle" not in index:
                raise ConfigError(source, where, "scan: empty (x, y, z or angle)")
            s = "angle"
        if s not in SCAN_VALUES:
            raise ConfigError(source, where, f"scan: {cell('scan')!r} is not one of x, y, z, angle")
        scan[r] = s
        out["field"][r] = number("field", True)
        if s == "angle":
            if "angle" not in index:
                raise ConfigError(source, where, "scan: an angular scan needs an 'angle [deg]' column")
            out["angle"][r] = number("angle", True)
        out["v1w"][r] = number("v1w", False) if "v1w" in index else math.nan
        out["v2w"][r] = number("v2w", False) if "v2w" in index else math.nan
        if math.isnan(out["v1w"][r]) and math.isnan(out["v2w"][r]):
            raise ConfigError(source, where, "v1w and v2w are both empty (a row needs at least one)")
        b = cell("branch")
        if b != "":
            try:
                bv = float(b)
            except ValueError:
                bv = math.nan
            if bv not in (1.0, -1.0):
                raise ConfigError(source, where, f"branch: {b!r} is not +1 or -1")
            branch[r] = int(bv)
    if n == 0:
        raise ConfigError(source, f"line {header_line}", "a header but no data rows")
    return HarmonicHallData(scan.astype(str), out["field"], out["angle"], out["v1w"], out["v2w"], branch,
                            np.full(n, source, dtype=object).astype(str), lines)


def read_harmonic_hall_files(paths, column_map: dict | None = None) -> HarmonicHallData:
    """Several files in the input format, concatenated (e.g. an x sweep and a y sweep)."""
    return HarmonicHallData.concatenate([read_harmonic_hall_csv(p, column_map) for p in paths])


# ============================================================================ ST-FMR data

ST_FMR_CANONICAL = ("frequency", "field", "v")


@dataclass
class StFmrData:
    """Rows of ST-FMR files (docs/lab.md section 6.3): ``frequency`` (Hz), ``field`` (A/m, signed,
    along the in-plane field direction), ``v`` (V, the DC mixing voltage), ``source`` and ``line``
    of each row."""

    frequency: np.ndarray
    field: np.ndarray
    v: np.ndarray
    source: np.ndarray
    line: np.ndarray

    def __len__(self) -> int:
        return len(self.field)

    def select(self, mask) -> "StFmrData":
        mask = np.asarray(mask)
        return StFmrData(*(getattr(self, f)[mask] for f in ("frequency", "field", "v", "source", "line")))

    @property
    def files(self) -> list[str]:
        return sorted(set(self.source.tolist()))

    @classmethod
    def concatenate(cls, parts) -> "StFmrData":
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                     ("frequency", "field", "v", "source", "line")))


def read_st_fmr_csv(path, column_map: dict | None = None) -> StFmrData:
    """One ST-FMR CSV: a header row with ``frequency [GHz]`` (any frequency unit; a plain number is
    Hz), ``field`` (A/m or a unit in brackets, as for harmonic Hall), ``v [V]`` (any voltage unit);
    ``#`` comments and blank lines skipped; ``column_map`` maps other column names (``--columns``)."""
    from ..units import to_si

    source = str(path)
    column_map = {k: v.strip().lower() for k, v in (column_map or {}).items()}
    for k in column_map:
        if k not in ST_FMR_CANONICAL:
            raise ConfigError("<command line>", "--columns", f"unknown name {k!r} (names: {', '.join(ST_FMR_CANONICAL)})")
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(source, "file", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, "file", f"cannot read it ({exc})") from None
    rows = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        rows.append((lineno, next(csv.reader([raw]))))
    if not rows:
        raise ConfigError(source, "file", "no header row (the first non-comment line names the columns)")
    header_line, header = rows[0]
    names, units = [], []
    for cell in header:
        m = _HEADER.match(cell)
        if m is None:
            raise ConfigError(source, f"line {header_line}", f"cannot read the column header {cell!r}")
        names.append(m.group(1).strip().lower())
        units.append(m.group(2))
    index = {}
    for canon in ST_FMR_CANONICAL:
        want = column_map.get(canon, canon)
        wname = _HEADER.match(want).group(1).strip().lower() if _HEADER.match(want) else want
        hits = [i for i, n in enumerate(names) if n == wname]
        if len(hits) > 1:
            raise ConfigError(source, f"line {header_line}", f"column {wname!r} appears twice")
        if not hits:
            hint = {"frequency": "'frequency [GHz]'", "field": "'field [mT]', 'field [A/m]', ...", "v": "'v [V]'"}[canon]
            raise ConfigError(source, f"line {header_line}", f"no {wname!r} column (give {hint} or map one with "
                                                             f"--columns {canon}=NAME)")
        index[canon] = hits[0]
    where = f"line {header_line}"
    funit = units[index["frequency"]]
    factor = {"frequency": 1.0 if not funit else to_si(f"1 {funit.strip()}", "frequency", source=source, key=where),
              "field": _unit_factor(units[index["field"]], "field", source, where),
              "v": _unit_factor(units[index["v"]], "voltage", source, where)}
    n = len(rows) - 1
    if n == 0:
        raise ConfigError(source, where, "a header but no data rows")
    out = {k: np.empty(n) for k in ST_FMR_CANONICAL}
    lines = np.zeros(n, dtype=int)
    for r, (lineno, cells) in enumerate(rows[1:]):
        where = f"line {lineno}"
        lines[r] = lineno
        if len(cells) != len(header):
            raise ConfigError(source, where, f"{len(cells)} fields, the header has {len(header)}")
        for canon in ST_FMR_CANONICAL:
            t = cells[index[canon]].strip()
            if t == "":
                raise ConfigError(source, where, f"{canon}: empty (a value is required)")
            try:
                x = float(t)
            except ValueError:
                raise ConfigError(source, where, f"{canon}: {t!r} is not a number") from None
            if not math.isfinite(x):
                raise ConfigError(source, where, f"{canon}: {t!r} is not finite")
            out[canon][r] = x * factor[canon]
        if out["frequency"][r] <= 0:
            raise ConfigError(source, where, f"frequency: {cells[index['frequency']].strip()!r} must be > 0")
    return StFmrData(out["frequency"], out["field"], out["v"], np.full(n, source, dtype=object).astype(str), lines)


def read_st_fmr_files(paths, column_map: dict | None = None) -> StFmrData:
    """Several ST-FMR files, concatenated (e.g. one file per frequency)."""
    return StFmrData.concatenate([read_st_fmr_csv(p, column_map) for p in paths])
