"""Batched macrospin dynamics: LLG with spin-orbit / spin-transfer torques (numba kernels).

See ``docs/dynamics.md``. Public names:

* :class:`MacrospinParameters`, :class:`Waveform`, :class:`MacrospinResult`
* :mod:`terms`: one object per field or torque term (:class:`Zeeman`, :class:`UniaxialAnisotropy`,
  :class:`Demagnetization`, :class:`DampingLikeTorque`, :class:`FieldLikeTorque`,
  :class:`SpinTransferTorque`); ``params.terms()`` gives them
* :func:`simulate` (stochastic Heun), :func:`simulate_deterministic` (Dormand-Prince 5(4))
* :func:`energy_density`, :func:`effective_field`, :func:`thermal_field_std`
* :func:`heun_time_step`, :func:`time_grid` (the time-step choice)
* :class:`ParameterSchedule`: parameters that change during a run (a heated magnet), piecewise
  constant in slices of :func:`simulate` and :func:`simulate_deterministic`
* :mod:`energy` (landscape, wells, :class:`StartingWell`), :mod:`demag` (demagnetizing tensors),
  :mod:`analytic` (closed forms), :mod:`llg` (the explicit form and the field-per-current helpers)
"""

from . import analytic, demag, terms
from .integrators import (
    MacrospinParameters,
    MacrospinResult,
    ParameterSchedule,
    Waveform,
    effective_field,
    energy_density,
    heun_time_step,
    simulate,
    simulate_deterministic,
    thermal_field_std,
    time_grid,
)
from .llg import sot_field_per_current, stt_field_per_current
from .terms import (DampingLikeTorque, Demagnetization, FieldLikeTorque, SpinTransferTorque, UniaxialAnisotropy,
                    Zeeman)
from .energy import (StartingWell, energy_curvatures, energy_landscape, relax_to_minimum,
                     thermal_initial_states)

__all__ = [
    "MacrospinParameters",
    "MacrospinResult",
    "ParameterSchedule",
    "Waveform",
    "simulate",
    "simulate_deterministic",
    "energy_density",
    "effective_field",
    "thermal_field_std",
    "heun_time_step",
    "time_grid",
    "sot_field_per_current",
    "stt_field_per_current",
    "StartingWell",
    "energy_curvatures",
    "energy_landscape",
    "relax_to_minimum",
    "thermal_initial_states",
    "Zeeman",
    "UniaxialAnisotropy",
    "Demagnetization",
    "DampingLikeTorque",
    "FieldLikeTorque",
    "SpinTransferTorque",
    "analytic",
    "demag",
    "terms",
]
