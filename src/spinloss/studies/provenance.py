"""Provenance of the demo's JSON files (issue 7, item 6): every JSON file a section writes carries
``provenance`` (:func:`spinloss.io.provenance`: package version, Python, the example files the
section read with their SHA-256, the command line, the seeds and the UTC time), and a section
returns the same ``inputs`` and ``seeds`` so that ``demo_summary.json`` lists them all."""

from __future__ import annotations

import json
from pathlib import Path

from ..io import provenance, to_jsonable, write_text_atomic


def unique_inputs(paths) -> list[str]:
    """The paths as strings, each once, in the order first given."""
    out: list[str] = []
    for p in paths:
        if p is not None and str(p) not in out:
            out.append(str(p))
    return out


def with_provenance(data: dict, inputs, seeds: dict | None = None) -> dict:
    """``data`` with a ``provenance`` table for ``inputs`` (files) and ``seeds``."""
    return {**data, "provenance": provenance(unique_inputs(inputs), seeds=seeds)}


def write_json(path, data: dict, *, inputs, seeds: dict | None = None, indent=None, allow_nan: bool = True,
               newline: bool = True) -> Path:
    """Write ``data`` with its provenance (:func:`with_provenance`) as JSON to ``path``, atomically."""
    text = json.dumps(to_jsonable(with_provenance(data, inputs, seeds)), indent=indent, allow_nan=allow_nan)
    return write_text_atomic(path, text + ("\n" if newline else ""))
