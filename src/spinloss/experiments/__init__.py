"""Experiments on simulated devices: switching probability, write error rate, retention."""

from .fokker_planck import (
    FokkerPlanckResult,
    brown_dwell_time,
    critical_damping_like_field,
    fokker_planck_equilibrium,
    fokker_planck_relaxation_rate,
    fokker_planck_wer,
    sun_switching_time,
    thermal_stability_factor,
)
from .fokker_planck_sphere import (
    SphereFokkerPlanckResult,
    sphere_fokker_planck_applies,
    sphere_fokker_planck_wer,
)
from .rare_events import (
    WerResult,
    ams_probability,
    is_axially_symmetric,
    monte_carlo_wer,
    splitting_upper_bound,
    splitting_wer,
    write_error_rate,
)
