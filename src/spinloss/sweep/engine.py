"""The core every sweep shares: how a point is evaluated, how its failure is recorded, its status.

A *point* is a dict of file-key overrides (``{"free.thickness": 3e-9, ...}``, SI values, text for
text keys). An evaluator ``evaluate(overrides) -> dict`` returns the JSON result of one point; a
block evaluator ``evaluate_block([overrides, ...]) -> [dict, ...]`` several at once (vectorized
commands). :func:`evaluate_points` is the one place that runs either on a list of points: a point
that fails with bad input or outside a model's domain (:data:`POINT_ERRORS`) records its one-line
error and the others go on (``errors="record"``), or the error is raised (``errors="raise"``, the
command line's ``--vary``); a failing block is retried point by point to find the bad one.

Two engines use it:

- :func:`evaluate_grid` (here): a cartesian grid in memory, in this process (``torque --vary``,
  ``switch --vary``, ``compare --map``, the demo's curves). Ctrl-C raises
  :class:`~spinloss.errors.Interrupted` carrying the finished points.
- :func:`spinloss.sweep.run.run_sweep`: a sweep file's points in a Zarr store, resumable, on a
  local process pool or a Dask cluster (``spinloss sweep``).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np

from ..errors import Interrupted, PhysicsError, SpinlossInputError, TargetNotMetError
from ..io import JsonResult, dataset_from_json, flatten_numeric, stack_results, unit_of
from ..progress import Counter

#: Point status codes (the ``status`` variable of a sweep store).
PENDING, DONE, FAILED = 0, 1, 2

#: Exceptions that fail one point (its input or a model's domain), not the sweep.
POINT_ERRORS = (SpinlossInputError, PhysicsError, TargetNotMetError)


def point_error_text(exc: BaseException) -> str:
    """The one-line error of a failed point."""
    text = exc.one_line() if isinstance(exc, SpinlossInputError) else str(exc)
    return " ".join(text.split())


def internal_error_text(exc: BaseException) -> str:
    """The one-line record of an unexpected exception at a point (a bug, not bad input)."""
    return " ".join(f"internal error: {type(exc).__name__}: {exc}".split())


@dataclass
class PointOutcome:
    """What became of one point: ``status`` DONE with its JSON ``result``, or FAILED with its
    one-line ``error``; ``seconds`` of evaluation (a block's time is shared among its points)."""

    index: int
    status: int
    result: dict | None = None
    error: str | None = None
    seconds: float = 0.0


def evaluate_points(points: list, evaluate=None, evaluate_block=None, *, indices=None,
                    errors: str = "record", internal: str = "raise") -> list[PointOutcome]:
    """Evaluate ``points`` (one block for ``evaluate_block``, else one by one) -> one
    :class:`PointOutcome` each, in order. ``indices`` label them (default 0..n-1).

    ``errors``: "record" a :data:`POINT_ERRORS` failure in its outcome, or "raise" it.
    ``internal``: "raise" any other exception (a bug), or "record" it as a failed point (the
    store-backed sweep: one broken point does not lose the others)."""
    if evaluate is None and evaluate_block is None:
        raise ValueError("give evaluate or evaluate_block")
    if errors not in ("record", "raise") or internal not in ("record", "raise"):
        raise ValueError("errors and internal are 'record' or 'raise'")
    idx = list(range(len(points))) if indices is None else list(indices)
    if not points:
        return []
    if evaluate_block is not None:
        t0 = time.perf_counter()
        failure = None
        try:
            results = evaluate_block(list(points))
        except POINT_ERRORS as exc:
            if errors == "raise":
                raise
            failure = point_error_text(exc)
        except Exception as exc:  # noqa: BLE001 - recorded when the caller asks (internal="record")
            if internal == "raise":
                raise
            failure = internal_error_text(exc)
        dt = time.perf_counter() - t0
        if failure is None:
            if len(results) != len(points):
                raise RuntimeError(f"a block evaluator returned {len(results)} results for {len(points)} points")
            return [PointOutcome(i, DONE, r, None, dt / len(points)) for i, r in zip(idx, results)]
        if len(points) == 1:
            return [PointOutcome(idx[0], FAILED, None, failure, dt)]
        # the block failed: one point at a time, to find the bad one(s)
        return [_one(i, pt, lambda q: evaluate_block([q])[0], errors, internal) for i, pt in zip(idx, points)]
    return [_one(i, pt, evaluate, errors, internal) for i, pt in zip(idx, points)]


def _one(index: int, point: dict, evaluate, errors: str, internal: str) -> PointOutcome:
    t0 = time.perf_counter()
    try:
        result = evaluate(point)
    except POINT_ERRORS as exc:
        if errors == "raise":
            raise
        return PointOutcome(index, FAILED, None, point_error_text(exc), time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - recorded when the caller asks (internal="record")
        if internal == "raise":
            raise
        return PointOutcome(index, FAILED, None, internal_error_text(exc), time.perf_counter() - t0)
    return PointOutcome(index, DONE, result, None, time.perf_counter() - t0)


def result_fields(result: dict) -> tuple[dict, dict]:
    """The numeric fields of a point's JSON result as ``({name: float array}, {name: unit})``
    (:func:`spinloss.io.flatten_numeric`: nested keys joined with ``.``; units from the result's
    ``units`` table, fields without a known unit left out of the second dict)."""
    fields = flatten_numeric(result)
    units_table = result.get("units") if isinstance(result.get("units"), dict) else None
    units = {}
    for name in fields:
        u = unit_of(name, units_table)
        if u is not None:
            units[name] = u
    return fields, units


def grid_points(axes) -> list[dict]:
    """The points of the cartesian grid of ``axes`` in C order (last axis fastest)."""
    keys = [a.key for a in axes]
    values = [[(v.item() if hasattr(v, "item") else v) for v in a.values] for a in axes]
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


@dataclass
class GridRun(JsonResult):
    """Results of :func:`evaluate_grid`: ``results`` and ``errors`` per point (flat, C order),
    ``status`` (PENDING/DONE/FAILED) of grid ``shape``; ``interrupted`` if Ctrl-C stopped it."""

    axes: list
    results: list
    errors: list
    status: np.ndarray
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def shape(self) -> tuple:
        return tuple(len(a) for a in self.axes)

    @property
    def keys(self) -> list[str]:
        return [a.key for a in self.axes]

    def first_error(self) -> str | None:
        return next((e for e in self.errors if e), None)

    def stacked(self) -> dict | None:
        """One JSON result with every number an array over the grid (:func:`spinloss.io.stack_results`)."""
        return stack_results(self.results, self.shape)

    def as_dict(self) -> dict:
        """The grid (axes in SI), the results stacked over it, per-point ``status`` and ``error``."""
        stacked = self.stacked() or {}
        units = {a.key: a.si_unit for a in self.axes if a.si_unit}
        units.update({f"axes.{a.key}": a.si_unit for a in self.axes if a.si_unit})
        units.update(stacked.get("units", {}) if isinstance(stacked.get("units"), dict) else {})
        units["seconds"] = "s"
        units.update({"shape": "1", "status": "1", "interrupted": "1"})
        return {"axes": {a.key: a.values for a in self.axes}, "shape": list(self.shape),
                "results": {k: v for k, v in stacked.items() if k != "units"},
                "status": self.status.reshape(self.shape), "errors": self.errors,
                "seconds": self.seconds, "interrupted": self.interrupted, "units": units}

    def to_xarray(self):
        return self.to_dataset()

    def to_dataset(self):
        """An xarray.Dataset: each numeric field over the axes, ``status`` and ``error`` per point."""
        import xarray as xr

        dims = tuple(a.key for a in self.axes)
        coords = {a.key: xr.Variable((a.key,), a.values, {"units": a.si_unit} if a.si_unit else {})
                  for a in self.axes}
        data = {}
        stacked = self.stacked()
        if stacked is not None:
            flat = dataset_from_json(stacked)
            for name, var in flat.data_vars.items():
                arr = np.asarray(var.values)
                extra = tuple(f"{name}_dim{i}" for i in range(arr.ndim - len(dims)))
                data[name] = xr.Variable(dims + extra, arr, var.attrs)
        data["status"] = xr.Variable(dims, self.status.reshape(self.shape).astype(np.int8),
                                     {"flag_values": "0 pending, 1 done, 2 failed"})
        data["error"] = xr.Variable(dims, np.asarray([e or "" for e in self.errors], dtype=object).reshape(self.shape))
        return xr.Dataset(data, coords=coords, attrs={"interrupted": int(self.interrupted)})


def evaluate_grid(axes, evaluate=None, evaluate_block=None, *, block_size: int | None = None,
                  errors: str = "record", progress=None) -> GridRun:
    """Evaluate every point of the cartesian grid of ``axes`` in this process (module docstring).

    With ``evaluate_block`` the points are handed over in blocks of ``block_size`` (default: all
    at once). ``progress``: a :data:`spinloss.progress.ProgressCallback` (points done)."""
    if evaluate is None and evaluate_block is None:
        raise ValueError("give evaluate or evaluate_block")
    points = grid_points(axes)
    n = len(points)
    results: list = [None] * n
    errs: list = [None] * n
    status = np.full(n, PENDING, dtype=np.int8)
    t0 = time.perf_counter()
    if evaluate_block is not None:
        step = n if block_size is None else max(1, int(block_size))
    else:
        step = 1
    try:
        with Counter(progress, "points", total=n, unit="point") as counter:
            for lo in range(0, n, max(step, 1)):
                hi = min(n, lo + step)
                for o in evaluate_points(points[lo:hi], evaluate, evaluate_block, indices=range(lo, hi),
                                         errors=errors):
                    results[o.index], errs[o.index], status[o.index] = o.result, o.error, o.status
                counter.set(hi)
    except KeyboardInterrupt:
        run = GridRun(list(axes), results, errs, status, time.perf_counter() - t0, interrupted=True)
        done = int(np.sum(status != PENDING))
        raise Interrupted(run, f"{done} of {n} points finished") from None
    return GridRun(list(axes), results, errs, status, time.perf_counter() - t0)
