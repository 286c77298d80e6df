"""Leaf helpers any layer may use: conversion of results to plain JSON types."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np


def to_jsonable(obj: Any) -> Any:
    """Convert results to plain JSON types: arrays -> lists, numpy scalars -> Python numbers,
    non-finite floats -> None, complex -> [real, imag], objects with ``to_json`` -> their dict."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, complex):
        return [to_jsonable(obj.real), to_jsonable(obj.imag)]
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "c":
            return to_jsonable(np.stack([obj.real, obj.imag], axis=-1).tolist())
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "to_json"):
        return to_jsonable(obj.to_json())
    return str(obj)
