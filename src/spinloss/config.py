"""Reading TOML configuration files and command-line overrides.

Every error names the file, the key and the rule broken (:class:`ConfigError`).
Values may be plain SI numbers or strings with units; see :func:`spinloss.units.to_si`.
"""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError


def read_toml(path: str | Path) -> dict:
    """Parse a TOML file; ConfigError (not a traceback) for a missing file or bad syntax."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(str(path), None, "file not found")
    if not p.is_file():
        raise ConfigError(str(path), None, "not a file")
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), None, f"not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), None, "not a UTF-8 text file") from None


def check_keys(table: dict, allowed, *, source: str, prefix: str) -> None:
    """Unknown keys are errors."""
    if not isinstance(table, dict):
        raise ConfigError(source, prefix or None, "must be a table")
    for k in table:
        if k not in allowed:
            where = f"{prefix}.{k}" if prefix else k
            raise ConfigError(source, where, f"unknown key (allowed: {', '.join(sorted(allowed))})")


def require(table: dict, key: str, *, source: str, prefix: str = ""):
    where = f"{prefix}.{key}" if prefix else key
    if key not in table:
        raise ConfigError(source, where, "missing")
    return table[key]


def parse_scalar_text(text: str) -> Any:
    """A command-line value: a number, inf/nan, a bracketed TOML list, or a string with units."""
    t = text.strip()
    if t == "":
        return t
    try:
        return tomllib.loads(f"v = {t}")["v"]
    except tomllib.TOMLDecodeError:
        pass
    try:
        return float(t)
    except ValueError:
        return t


def parse_set(item: str, *, source: str = "<command line>") -> tuple[str, Any]:
    """``KEY=VALUE`` -> (key, value)."""
    if "=" not in item:
        raise ConfigError(source, item, "expected KEY=VALUE")
    key, value = item.split("=", 1)
    key = key.strip()
    if not key:
        raise ConfigError(source, item, "empty key")
    return key, parse_scalar_text(value)


def parse_vary(item: str, *, source: str = "<command line>") -> tuple[str, np.ndarray, str | None]:
    """``KEY=START:STOP:NUM`` -> (key, values, unit or None).

    START and STOP may carry a unit ("1 nm:10 nm:50"); NUM points, inclusive, linear; a
    ``log`` suffix (``KEY=1e13:1e16:40:log``) gives a geometric grid.
    """
    if "=" not in item:
        raise ConfigError(source, item, "expected KEY=START:STOP:NUM")
    key, spec = item.split("=", 1)
    parts = spec.split(":")
    if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3].strip() not in ("log", "lin")):
        raise ConfigError(source, key, f"expected START:STOP:NUM[:log], got {spec!r}")
    try:
        num = int(parts[2])
    except ValueError:
        raise ConfigError(source, key, f"NUM must be an integer, got {parts[2]!r}") from None
    if num < 1 or num > 10_000_000:
        raise ConfigError(source, key, "NUM must be between 1 and 1e7")
    start, stop = parse_scalar_text(parts[0]), parse_scalar_text(parts[1])
    log = len(parts) == 4 and parts[3].strip() == "log"
    from .units import unit_registry

    def _num(v):
        if isinstance(v, (int, float)):
            return float(v), None
        try:
            q = unit_registry().Quantity(v)
            return float(q.magnitude), str(q.units)
        except Exception:
            raise ConfigError(source, key, f"cannot parse {v!r}") from None

    (a, ua), (b, ub) = _num(start), _num(stop)
    if ua != ub:
        if ua is None or ub is None:
            raise ConfigError(source, key, "START and STOP must have the same unit")
        try:
            b = float(unit_registry().Quantity(b, ub).to(ua).magnitude)
        except Exception:
            raise ConfigError(source, key, f"START ({ua}) and STOP ({ub}) have different dimensions") from None
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ConfigError(source, key, "START and STOP must be finite")
    if log:
        if a <= 0 or b <= 0:
            raise ConfigError(source, key, "a log grid needs positive START and STOP")
        values = np.geomspace(a, b, num)
    else:
        values = np.linspace(a, b, num)
    return key.strip(), values, ua


def deep_copy(d: dict) -> dict:
    return copy.deepcopy(d)
