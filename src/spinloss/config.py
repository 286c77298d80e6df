"""Reading TOML configuration files and command-line overrides.

Every error names the file, the key and the rule broken (:class:`ConfigError`).
Values may be plain SI numbers or strings with units; see :func:`spinloss.units.to_si`.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError, UnknownKeyError


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
            raise UnknownKeyError(source, where, f"unknown key (allowed: {', '.join(sorted(allowed))})")


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


def split_key_value(item: str, *, expected: str = "KEY=VALUE", source: str = "<command line>") -> tuple[str, str]:
    """``KEY=TEXT`` -> (key, text) (an error naming ``expected`` without ``=`` or with no key)."""
    if "=" not in item:
        raise ConfigError(source, item, f"expected {expected}")
    key, value = item.split("=", 1)
    key = key.strip()
    if not key:
        raise ConfigError(source, item, "empty key")
    return key, value


def parse_set(item: str, *, source: str = "<command line>") -> tuple[str, Any]:
    """``KEY=VALUE`` -> (key, value)."""
    key, value = split_key_value(item, source=source)
    return key, parse_scalar_text(value)


def deep_copy(d: dict) -> dict:
    return copy.deepcopy(d)
