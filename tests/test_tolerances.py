"""Every tolerance in the suite bites (issue 7, item 8).

1. The ``pytest.approx`` guard of ``conftest.py`` rejects an approx whose default absolute
   tolerance (1e-12) would decide the comparison, and accepts it once ``abs`` is explicit.
2. A static scan of ``tests/*.py``: every ``np.allclose`` / ``np.isclose`` /
   ``np.testing.assert_allclose`` call states its ``atol`` (numpy's defaults are
   ``atol=1e-8`` for allclose/isclose, which accepts any pair of values below 1e-8 s or 1e-8 m,
   and ``atol=0`` for assert_allclose; the rule is the same for all three so that the reader never
   has to remember which default applies), and the absolute-only
   ``assert_almost_equal`` / ``assert_array_almost_equal`` are not used at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from pytest import approx  # imported by name, as some test modules do: must be the guarded one

from conftest import ToleranceError

TESTS = Path(__file__).resolve().parent


# --- the approx guard ----------------------------------------------------------------------------

def test_guard_is_installed_for_both_import_styles():
    assert pytest.approx is approx
    assert getattr(approx, "original", None) is not None, "conftest did not wrap pytest.approx"


def test_guard_rejects_default_abs_on_a_tiny_quantity():
    # the motivating case: an energy of 1e-15 J at rel=1e-3 would accept anything within 1e-12 J
    assert 0.0 == approx.original(1e-15, rel=1e-3)           # the problem, with pytest's own approx
    with pytest.raises(ToleranceError, match="abs=0"):
        approx(1e-15, rel=1e-3)


def test_guard_accepts_explicit_abs_and_then_the_tolerance_bites():
    a = approx(1e-15, rel=1e-3, abs=0)       # what the error asks for: rel bites, nothing else
    assert 1.0005e-15 == a
    assert 1.002e-15 != a and 0.0 != a
    assert 2e-15 == approx(1e-15, rel=1e-3, abs=1e-15)       # an explicit absolute bound is honoured


@pytest.mark.parametrize("expected,kw", [
    (0.0, {}),                          # exact zero: the default abs would be the whole tolerance
    (0, {"rel": 1e-3}),
    (1e-7, {}),                         # default rel 1e-6: 1e-13 < 1e-12
    (9e-10, {"rel": 1e-3}),             # 9e-13 < 1e-12
    (1e-14, {"rel": 0.5}),
    ([1.0, 1e-14], {"rel": 1e-6}),      # one small element is enough
    ((0, -1, 0), {}),                   # zeros inside a sequence
    ({"a": 1.0, "b": 2e-15}, {"rel": 1e-2}),
    (np.array([1.0, 1e-13]), {"rel": 1e-3}),
    (np.array([[0.0, 1.0]]), {}),
    (1e-15 + 0j, {"rel": 1e-3}),
])
def test_guard_rejects(expected, kw):
    with pytest.raises(ToleranceError):
        approx(expected, **kw)
    approx(expected, **{"rel": 1e-6, **kw}, abs=0)    # accepted once abs is explicit (with rel)


@pytest.mark.parametrize("expected,kw", [
    (1.0, {}), (1e-6, {}),              # 1e-6 * 1e-6 = 1e-12: the default abs equals rel*|x|, not above it
    (1e-9, {"rel": 1e-3}), (3e-9, {"rel": 1e-3}),
    (1e11, {"rel": 1e-12}),
    ([1.0, 2.0], {}),
    ({"a": 1.0, "b": "text", "c": None, "d": True}, {}),   # non-numeric values are compared exactly
    (float("inf"), {}), (float("nan"), {}),
])
def test_guard_leaves_biting_calls_alone(expected, kw):
    approx(expected, nan_ok=True, **kw)


def test_guard_rejects_zero_unless_abs_is_stated():
    with pytest.raises(ToleranceError, match="exactly 0"):
        approx(0.0)
    assert 0.0 == approx(0.0, rel=1e-9, abs=0)
    assert 1e-300 != approx(0.0, rel=1e-9, abs=0)
    assert 1e-19 == approx(0.0, abs=1e-18)         # an explicit absolute bound alone is fine


def test_guard_rejects_abs_zero_without_rel():
    # pytest ignores rel when only abs is given: approx(x, abs=0) would be an exact comparison
    assert 1.0 + 1e-15 != approx.original(1.0, abs=0)
    with pytest.raises(ToleranceError, match="exact comparison"):
        approx(1.5e-9, abs=0)
    assert 1.5e-9 * (1 + 1e-13) == approx(1.5e-9, rel=1e-12, abs=0)


def test_guard_message_says_what_to_do():
    with pytest.raises(ToleranceError) as exc:
        approx(2e-14, rel=1e-3)
    msg = str(exc.value)
    assert "abs=0" in msg and "1e-12" in msg and "2e-14" in msg


# --- the static scan for numpy's tolerances ------------------------------------------------------

NEEDS_ATOL = {"allclose", "isclose", "assert_allclose"}
FORBIDDEN = {"assert_almost_equal", "assert_array_almost_equal"}


def _name(func):
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def scan(source, filename="<string>"):
    """``file:line: problem`` for each numpy closeness call without an explicit ``atol``."""
    out = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in FORBIDDEN:
            out.append(f"{filename}:{node.lineno}: {name} has an absolute-only tolerance; "
                       "use np.testing.assert_allclose with rtol= and atol=")
        elif name in NEEDS_ATOL:
            kws = {k.arg for k in node.keywords}
            if None in kws:       # **kwargs: cannot tell statically
                out.append(f"{filename}:{node.lineno}: {name}(**...) hides its atol; pass atol= by name")
            elif "atol" not in kws:
                out.append(f"{filename}:{node.lineno}: {name} without atol= (numpy's default absolute "
                           "tolerance may decide the comparison on small quantities): pass atol=0 or a "
                           "bound justified by the quantity's scale")
    return out


def test_scan_flags_missing_atol():
    src = ("import numpy as np\nfrom numpy.testing import assert_allclose\n"
           "np.allclose(a, b)\nnp.isclose(a, b, rtol=1e-3)\nnp.testing.assert_allclose(a, b, rtol=1e-9)\n"
           "assert_allclose(a, b)\nnp.testing.assert_array_almost_equal(a, b)\n"
           "np.allclose(a, b, atol=0)\nnp.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-20)\n")
    found = scan(src)
    assert [int(f.split(":")[1]) for f in found] == [3, 4, 5, 6, 7]


def test_every_numpy_closeness_call_in_the_suite_states_atol():
    problems = []
    for path in sorted(TESTS.glob("*.py")):
        problems += scan(path.read_text(), filename=path.name)
    assert not problems, "\n".join(problems)
