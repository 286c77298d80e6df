"""The sweep engine: every sweep of the package (``torque --vary``, ``switch --vary``,
``compare --map``, the demo's curves, ``spinloss sweep``) evaluates its points here, through one
core (:mod:`.engine`: point evaluation, error recording, status codes, progress).

- :func:`evaluate_grid`: the points of a cartesian grid of :class:`spinloss.grids.Axis`,
  evaluated in this process (one point at a time, or in vectorized blocks), results in memory.
- :func:`run_sweep`: the points of a :class:`SweepDesign` ([axes], [zip], [random]) evaluated
  into a Zarr store, resumable after any interruption, in this process, on a local process pool
  or on a Dask cluster (docs/sweeps.md). :func:`read_sweep` reads a sweep file.
"""

from .engine import (DONE, FAILED, PENDING, POINT_ERRORS, GridRun, PointOutcome, evaluate_grid, evaluate_points,
                     grid_points, point_error_text, result_fields)
from .pool import MAX_TRIES, usable_cores
from .run import SweepSummary, load_store, open_store, run_sweep
from .spec import RANDOM_DIM, ZIP_DIM, SweepDesign, SweepFile, fingerprint, read_sweep

__all__ = ["GridRun", "evaluate_grid", "grid_points", "evaluate_points", "PointOutcome", "point_error_text",
           "result_fields", "PENDING", "DONE", "FAILED", "POINT_ERRORS", "MAX_TRIES", "usable_cores",
           "SweepSummary", "run_sweep", "open_store", "load_store", "SweepDesign", "SweepFile", "read_sweep",
           "fingerprint", "ZIP_DIM", "RANDOM_DIM"]
