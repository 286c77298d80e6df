"""The virtual lab (issue 10): resistance model, harmonic Hall simulation and analysis
(docs/lab.md). Layer: experiments (docs/architecture.md)."""

from .resistance import ResistanceModel
from .harmonic_hall import HallBar, HarmonicHallResult, harmonic_hall

__all__ = ["ResistanceModel", "HallBar", "HarmonicHallResult", "harmonic_hall"]
