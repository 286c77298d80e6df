"""Evaluation of sweep points: in memory, in this process.

A *point* is a dict of file-key overrides (``{"free.thickness": 3e-9, ...}``). An evaluator
``evaluate(overrides) -> dict`` returns the JSON result of one point; a block evaluator
``evaluate_block([overrides, ...]) -> [dict, ...]`` several at once (vectorized commands). A
point that fails with bad input or outside a model's domain records its one-line error and the
others go on (``errors="record"``), or the error is raised (``errors="raise"``, the command
line's ``--vary``). Ctrl-C raises :class:`~spinloss.errors.Interrupted` carrying the finished
points.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np

from ..errors import Interrupted, PhysicsError, SpinlossInputError, TargetNotMetError
from ..io import dataset_from_json, stack_results
from ..progress import Counter

#: Point status codes (the ``status`` variable of a sweep store).
PENDING, DONE, FAILED = 0, 1, 2

#: Exceptions that fail one point (its input or a model's domain), not the sweep.
POINT_ERRORS = (SpinlossInputError, PhysicsError, TargetNotMetError)


def point_error_text(exc: BaseException) -> str:
    """The one-line error of a failed point."""
    text = exc.one_line() if isinstance(exc, SpinlossInputError) else str(exc)
    return " ".join(text.split())


def grid_points(axes) -> list[dict]:
    """The points of the cartesian grid of ``axes`` in C order (last axis fastest)."""
    keys = [a.key for a in axes]
    values = [[(v.item() if hasattr(v, "item") else v) for v in a.values] for a in axes]
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


@dataclass
class GridRun:
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
    step = n if block_size is None else max(1, int(block_size))
    try:
        with Counter(progress, "points", total=n, unit="point") as counter:
            if evaluate_block is not None:
                for lo in range(0, n, step):
                    hi = min(n, lo + step)
                    try:
                        out = evaluate_block(points[lo:hi])
                    except POINT_ERRORS:
                        if errors == "raise":
                            raise
                        out = None
                        for i in range(lo, hi):  # fall back to single points to find the bad one
                            try:
                                results[i] = evaluate_block([points[i]])[0]
                                status[i] = DONE
                            except POINT_ERRORS as exc_i:
                                errs[i] = point_error_text(exc_i)
                                status[i] = FAILED
                    if out is not None:
                        for i, r in zip(range(lo, hi), out):
                            results[i] = r
                            status[i] = DONE
                    counter.set(hi)
            else:
                for i, pt in enumerate(points):
                    try:
                        results[i] = evaluate(pt)
                        status[i] = DONE
                    except POINT_ERRORS as exc:
                        if errors == "raise":
                            raise
                        errs[i] = point_error_text(exc)
                        status[i] = FAILED
                    counter.set(i + 1)
    except KeyboardInterrupt:
        run = GridRun(list(axes), results, errs, status, time.perf_counter() - t0, interrupted=True)
        done = int(np.sum(status != PENDING))
        raise Interrupted(run, f"{done} of {n} points finished") from None
    return GridRun(list(axes), results, errs, status, time.perf_counter() - t0)
