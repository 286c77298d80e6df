"""The MRAM cell: its spec, energy, sizing, the design search and the comparisons
(docs/physics.md section 6).

- :mod:`.cell`: write path, access transistor, readout, read disturb, area; iso-Delta sizing;
  the classification of a design by its physics.
- :mod:`.design`: least-energy write pulse at a WER and a retention target (WER engine).
- :mod:`.compare`: the same design search for several devices, ratios to a reference, the
  energy-ratio map with its 1x and 3x contours, scaling with lateral size, the verdict.
"""

from .cell import (CATEGORIES, CellReport, CellSpec, ReadoutSpec, TECHNOLOGY_NODES, cell_energy, cell_report,
                   classify, delta_for_retention, parse_cell, parse_readout, size_for_delta, write_path)
from .design import FAST, FULL, STANDARD, DesignResult, SearchSettings, Targets, design, energy_at

__all__ = ["CATEGORIES", "CellReport", "CellSpec", "ReadoutSpec", "TECHNOLOGY_NODES", "cell_energy",
           "cell_report", "classify", "delta_for_retention", "parse_cell", "parse_readout", "size_for_delta",
           "write_path", "FAST", "FULL", "STANDARD", "DesignResult", "SearchSettings", "Targets", "design",
           "energy_at"]
