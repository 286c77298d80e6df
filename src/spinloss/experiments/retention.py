"""Retention: thermal stability and the mean dwell time of a stored bit (docs/physics.md section 4).

``analytic``: Delta = E_b / (k_B T) from the macrospin energy landscape (anisotropy + demag +
Zeeman, lowest saddle), and Brown's high-barrier dwell time
tau = (1 + alpha^2) / (alpha gamma mu0 H_K) sqrt(pi/Delta) exp(Delta), with H_K the effective
anisotropy field 2 E_b / (mu0 M_s V) of the barrier [D from M: W. F. Brown, Phys. Rev. 130, 1677
(1963)]. Exact to O(1/Delta) for an axially symmetric magnet; for a magnet with a transverse hard
axis (in-plane films) it is an estimate (the prefactor then depends on both curvatures).

``simulate``: first-passage times out of the starting well from the stochastic LLG, started from
the thermal equilibrium of the well; the mean dwell time is the maximum-likelihood estimate for
exponential waiting times with censoring at the simulated time, with a 1/sqrt(k) standard error.
Only practical for Delta up to ~10-12.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..dynamics.analytic import brown_dwell_time_or_inf, log10_brown_dwell_time, thermal_stability_of_barrier
from ..errors import PhysicsError
from ..io import JsonResult


#: Below this Delta Brown's high-barrier formula is not used (its O(1/Delta) corrections exceed
#: ~20 %): the exact first-passage time of the uniaxial model is reported instead.
BROWN_MIN_DELTA = 5.0


@dataclass
class RetentionResult(JsonResult):
    """Thermal stability ``thermal_stability`` (Delta), ``mean_dwell_time`` (s) with its
    ``uncertainty`` (s, simulate only), the ``method`` used, ``temperature`` (K) and
    ``energy_barrier`` (J)."""

    thermal_stability: float
    mean_dwell_time: float | None
    uncertainty: float | None
    method: str
    temperature: float
    energy_barrier: float
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"thermal_stability": self.thermal_stability, "mean_dwell_time": self.mean_dwell_time,
                "uncertainty": self.uncertainty, "method": self.method, "temperature": self.temperature,
                "energy_barrier": self.energy_barrier, "details": self.details,
                "units": {"mean_dwell_time": "s", "uncertainty": "s", "energy_barrier": "J", "temperature": "K",
                          "thermal_stability": "1", "effective_anisotropy_field": "A/m",
                          "log10_mean_dwell_time": "log10(s)", "simulated_time": "s", "time_step": "s",
                          "lower_bound": "s", "brown": "s"}}


def retention(device, *, temperature=None, method: str = "analytic", trials: int = 200,
              max_time: float = 200e-9, seed: int = 0, dt: float | None = None, progress=None) -> RetentionResult:
    """Thermal stability Delta and mean dwell time of ``device`` at ``temperature`` (K).

    ``analytic``: Brown's formula for Delta >= :data:`BROWN_MIN_DELTA`; below it the exact mean
    first-passage time of the uniaxial model (m.easy from the minimum to -0.5, the criterion of
    ``simulate``), which stays right down to Delta = 0 (method ``exact_first_passage``).
    ``simulate``: first-passage times from the stochastic LLG (Delta up to ~14).
    """
    from .. import dynamics as dyn
    from ..dynamics.analytic import first_passage_time, rotational_diffusion_coefficient

    T = device.temperature if temperature is None else float(temperature)
    if not T > 0:
        raise PhysicsError("retention needs a temperature > 0 K")
    well = device.starting_well(T)
    V = device.geometry.volume
    eb = well.barrier * V
    delta = thermal_stability_of_barrier(eb, T)
    ms = device.saturation_magnetization
    hk_eff = well.effective_anisotropy_field
    alpha = float(np.asarray(well.params.damping))  # alpha_eff (Gilbert + spin pumping)
    gamma = float(np.asarray(well.params.gamma))
    axial = _axial(well.params)
    if method == "analytic":
        if delta >= BROWN_MIN_DELTA:
            tau = brown_dwell_time_or_inf(delta, alpha, hk_eff, gamma)
            return RetentionResult(delta, tau, None, "analytic_brown", T, eb,
                                   details={"effective_anisotropy_field": hk_eff,
                                            "log10_mean_dwell_time": log10_brown_dwell_time(delta, alpha, hk_eff, gamma),
                                            "validity": "Delta >~ 5, O(1/Delta) corrections"
                                                        + ("" if axial else "; an estimate for a magnet "
                                                           "without axial symmetry (the prefactor depends on "
                                                           "both curvatures)")})
        diffusion = rotational_diffusion_coefficient(alpha, ms, V, T, gamma)
        tau = first_passage_time(delta, diffusion, 1.0, -0.5)
        return RetentionResult(delta, tau, None, "exact_first_passage", T, eb,
                               details={"effective_anisotropy_field": hk_eff,
                                        "log10_mean_dwell_time": math.log10(tau),
                                        "validity": f"Delta = {delta:.3g} < {BROWN_MIN_DELTA:g}: Brown's high-barrier "
                                                    "formula does not apply; exact 1D first-passage time of the "
                                                    "uniaxial model (m.easy from 1 to -0.5)"
                                                    + ("" if axial else "; for a magnet without axial symmetry "
                                                       "an estimate with the same barrier")})
    if method != "simulate":
        raise PhysicsError(f"unknown retention method {method!r} (analytic | simulate)")
    if delta > 14:
        raise PhysicsError(f"Delta = {delta:.1f}: dwell times ~ exp(Delta) are beyond direct simulation; "
                           "use --method analytic or a higher temperature")
    params = replace(well.params, damping_like_field_per_current=0.0, field_like_field_per_current=0.0)
    if dt is None:
        dt = dyn.heun_time_step(params)
    m0 = well.thermal_states(trials, T, V, seed)
    r = dyn.simulate(params, m0, None, max_time, dt, seed=seed, switch_axis=well.target,
                     switch_threshold=0.5, stop_when_all_switched=True, progress=progress)
    t = r.switching_time
    k = int(np.sum(np.isfinite(t)))
    total = float(np.nansum(t) + (trials - k) * max_time)
    brown = brown_dwell_time_or_inf(delta, alpha, hk_eff, gamma) if delta > 0 else None
    if k == 0:
        return RetentionResult(delta, None, None, "simulate", T, eb,
                               details={"reason": f"no escape in {trials} x {max_time:g} s",
                                        "lower_bound": total})
    tau = total / k
    return RetentionResult(delta, tau, tau / math.sqrt(k), "simulate", T, eb,
                           details={"escapes": k, "trials": trials, "simulated_time": max_time, "time_step": dt,
                                    "brown": brown})


def _axial(params) -> bool:
    from .rare_events import is_axially_symmetric

    return bool(is_axially_symmetric(params)[0])
