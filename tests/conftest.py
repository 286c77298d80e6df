"""Suite-wide guard: every ``pytest.approx`` must bite.

``pytest.approx(expected, rel=r)`` accepts ``|actual - expected| <= max(r * |expected|, abs)``
with ``abs`` defaulting to 1e-12 (and ``r`` to 1e-6). On the small SI quantities this package
deals in (energies ~1e-14 J, times ~1e-9 s, thicknesses ~1e-9 m, torque efficiencies ~1e-2 with
errors ~1e-18) the default absolute tolerance silently dominates: ``approx(1e-14, rel=1e-3)``
accepts anything within a picojoule, i.e. any value from -1e-12 to 1e-12 J.

This conftest replaces ``pytest.approx`` (before any test module is imported, so both
``pytest.approx(...)`` and ``from pytest import approx`` get it) by a wrapper that refuses such
a call. The rule, applied to every numeric expected value (a scalar, or each element of a
sequence, mapping or numpy array; booleans, strings, None, NaN, infinities and
datetime/timedelta values are not checked), **when ``abs`` is not passed** (or passed as None):

* expected == 0 is an error: the default 1e-12 would then be the whole tolerance, and it is
  rarely the intended one. State it (``abs=0`` for an exact zero, or a bound derived from the
  scale of the quantity).
* ``|expected| * rel < 1e-12`` (``rel`` defaulting to 1e-6) is an error: the default absolute
  tolerance 1e-12 would be larger than the relative one and decide the comparison.

Otherwise (``|expected| * rel >= 1e-12``) the default absolute tolerance is at most the relative
one and the call is left as it is. Passing ``abs`` explicitly (``abs=0`` or a justified bound)
satisfies the guard: that is the fix the error message asks for, with one trap closed:

* ``abs=0`` with no ``rel`` is an error too. When only ``abs`` is given pytest drops the relative
  tolerance altogether, so ``approx(x, abs=0)`` is an exact ``==`` in disguise (and a test that
  breaks on the last bit of round-off). Write ``approx(x, rel=..., abs=0)``, or ``==`` if exact
  equality is meant. (``abs=B > 0`` with no ``rel`` is a plain absolute tolerance and allowed.)

The error is
:class:`ToleranceError` (a ``ValueError``), raised at the call, so the test fails where the
approx is written. ``tests/test_tolerances.py`` tests this guard and also scans ``tests/*.py``
for ``np.allclose`` / ``np.isclose`` / ``np.testing.assert_allclose`` without an explicit
``atol`` (numpy's default ``atol=1e-8`` has the same problem).
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Mapping

import numpy as np
import pytest

#: pytest's defaults (ApproxScalar.DEFAULT_ABSOLUTE_TOLERANCE / DEFAULT_RELATIVE_TOLERANCE)
DEFAULT_ABS = 1e-12
DEFAULT_REL = 1e-6


class ToleranceError(ValueError):
    """A ``pytest.approx`` whose default absolute tolerance would decide the comparison."""


def _scalars(expected):
    """The magnitudes of the numeric scalars inside ``expected``, recursively; others are skipped."""
    if isinstance(expected, (bool, np.bool_, str, bytes)) or expected is None:
        return
    if isinstance(expected, Mapping):
        for v in expected.values():
            yield from _scalars(v)
        return
    if not isinstance(expected, np.ndarray) and hasattr(expected, "__array__"):
        expected = np.asarray(expected)          # as pytest.approx does (xarray, pandas, ...)
    if isinstance(expected, np.ndarray):
        if expected.dtype.kind in "iufc":
            yield from (float(v) for v in np.abs(expected).ravel())
        elif expected.dtype.kind == "O":
            for v in expected.ravel():
                yield from _scalars(v)
        return
    if isinstance(expected, (list, tuple)):
        for v in expected:
            yield from _scalars(v)
        return
    if isinstance(expected, numbers.Complex):   # int, float, Fraction, numpy scalars, complex
        yield abs(complex(expected))
        return
    if isinstance(expected, numbers.Number):    # Decimal
        try:
            yield math.fabs(float(expected))
        except (TypeError, ValueError, OverflowError):
            pass


def check_approx(expected, rel=None, abs=None):
    """Raise :class:`ToleranceError` if ``approx(expected, rel=rel, abs=abs)`` breaks the rule."""
    if abs is not None:
        if rel is None and float(abs) == 0:
            raise ToleranceError(
                f"pytest.approx({expected!r}, abs=0) without rel= is an exact comparison: pytest ignores "
                "its relative tolerance when only abs is given. Pass rel= too (rel=..., abs=0), or use == "
                "if exact equality is meant.")
        return
    r = DEFAULT_REL if rel is None else float(rel)
    for a in _scalars(expected):
        if not math.isfinite(a):
            continue
        if a == 0:
            raise ToleranceError(
                f"pytest.approx({expected!r}, rel={rel!r}) with no abs= has an expected value of exactly 0: "
                f"its whole tolerance is then pytest's default abs={DEFAULT_ABS:g}, rarely the intended one. "
                "Pass abs= explicitly: a bound derived from the quantity's scale (say why in a comment), "
                "or rel=..., abs=0 if the value must be exactly 0.")
        if a * r < DEFAULT_ABS:
            raise ToleranceError(
                f"pytest.approx({expected!r}, rel={rel!r}) with no abs=: |expected| * rel = {a * r:.3g} is "
                f"below pytest's default abs={DEFAULT_ABS:g}, which would then decide the comparison "
                f"(anything within {DEFAULT_ABS:g} of the expected value passes). Pass abs=0 with an explicit "
                "rel= to let rel bite (abs alone makes pytest drop rel), or an explicit absolute tolerance "
                "justified by the quantity's scale (say why in a comment).")


_original_approx = pytest.approx


@functools.wraps(_original_approx)
def approx(expected, rel=None, abs=None, nan_ok=False):
    __tracebackhide__ = True
    check_approx(expected, rel=rel, abs=abs)
    return _original_approx(expected, rel=rel, abs=abs, nan_ok=nan_ok)


approx.original = _original_approx
approx.check = check_approx
pytest.approx = approx
