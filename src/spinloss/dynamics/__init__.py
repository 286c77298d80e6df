"""Batched macrospin dynamics: LLG with spin-orbit / spin-transfer torques (numba kernels).

See ``docs/dynamics.md``. Public names:

* :class:`MacrospinParameters`, :class:`Waveform`, :class:`MacrospinResult`
* :func:`simulate` (stochastic Heun), :func:`simulate_deterministic` (Dormand-Prince 5(4))
* :func:`energy_density`, :func:`effective_field`, :func:`thermal_field_std`
* :mod:`demag` (demagnetizing tensors), :mod:`analytic` (closed forms), :mod:`llg` (the explicit
  form and the field-per-current helpers)
"""

from . import analytic, demag
from .integrators import (
    MacrospinParameters,
    MacrospinResult,
    Waveform,
    effective_field,
    energy_density,
    simulate,
    simulate_deterministic,
    thermal_field_std,
)
from .llg import sot_field_per_current, spin_pumping_damping, stt_field_per_current

__all__ = [
    "MacrospinParameters",
    "MacrospinResult",
    "Waveform",
    "simulate",
    "simulate_deterministic",
    "energy_density",
    "effective_field",
    "thermal_field_std",
    "sot_field_per_current",
    "stt_field_per_current",
    "spin_pumping_damping",
    "analytic",
    "demag",
]
