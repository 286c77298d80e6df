"""The sweep engine: every sweep of the package (``torque --vary``, ``switch --vary``,
``compare --map``, the demo's curves, ``spinloss sweep``) evaluates its points here.

- :func:`evaluate_grid`: the points of a cartesian grid of :class:`spinloss.grids.Axis`,
  evaluated in this process (one point at a time, or in vectorized blocks), results in memory.
"""

from .engine import GridRun, evaluate_grid, grid_points

__all__ = ["GridRun", "evaluate_grid", "grid_points"]
