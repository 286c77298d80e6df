"""Ferromagnetic resonance of a device from a small-angle ringdown (T = 0, no current).

The magnet is relaxed to its energy minimum, tilted by ``tilt_deg`` and let ring down with the
adaptive Dormand-Prince integrator. A damped cosine A exp(-t/tau) cos(2 pi f t + phi) + c fitted
to the deviation along one tangent direction gives the frequency f and the field-swept-free
linewidth (full width at half maximum of the Lorentzian in frequency) 1/(pi tau).
Small-angle theory (Smit-Beljers) for the initial guess:
f = gamma / (2 pi M_s) sqrt(E_11 E_22 - E_12^2) from the curvatures of the energy density at the minimum.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import PhysicsError
from ..io import JsonResult


@dataclass
class ResonanceResult(JsonResult):
    """FMR ``frequency`` (Hz) and ``linewidth`` (Hz, FWHM) from the ringdown, the small-angle
    theory's ``smit_beljers_frequency`` (Hz), the ringdown's ``decay_time`` (s) and the
    equilibrium direction."""

    frequency: float
    linewidth: float
    smit_beljers_frequency: float
    decay_time: float
    equilibrium_direction: list
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"frequency": self.frequency, "linewidth": self.linewidth,
                "smit_beljers_frequency": self.smit_beljers_frequency, "decay_time": self.decay_time,
                "equilibrium_direction": self.equilibrium_direction, "details": self.details,
                "units": {"frequency": "Hz", "linewidth": "Hz", "smit_beljers_frequency": "Hz",
                          "decay_time": "s", "frequency_std": "Hz", "duration": "s", "tilt_deg": "deg",
                          "equilibrium_direction": "1", "curvatures": "J/m^3"}}


def resonance(device, *, tilt_deg: float = 2.0, periods: int = 40) -> ResonanceResult:
    """Frequency and linewidth of the small-angle ringdown of ``device`` (module docstring)."""
    from scipy.optimize import curve_fit

    from .. import dynamics as dyn

    params = replace(device.macrospin_parameters(temperature=0.0), temperature=0.0)
    m_min = dyn.relax_to_minimum(params, np.asarray(device.initial_direction, dtype=float))
    h11, h22, h12, e1, _ = dyn.energy_curvatures(params, m_min)
    gamma = float(np.asarray(params.gamma))
    ms = device.saturation_magnetization
    f_sb = gamma / (2 * math.pi * ms) * math.sqrt(max(h11 * h22 - h12**2, 0.0))
    if f_sb <= 0:
        raise PhysicsError("no stable equilibrium: the energy has no minimum here, so there is no resonance")
    alpha = float(np.asarray(params.damping))  # alpha_eff: Gilbert + spin pumping into the stack
    a = math.radians(tilt_deg)
    m0 = (math.cos(a) * m_min + math.sin(a) * e1).reshape(1, 3)
    period = 1 / f_sb
    decay_guess = 1 / (alpha * 2 * math.pi * f_sb) if alpha > 0 else 1e-6
    duration = min(periods * period, 3 * decay_guess) if alpha > 0 else periods * period
    duration = max(duration, 10 * period)
    rec = period / 40
    r = dyn.simulate_deterministic(params, m0, None, duration, rtol=1e-10, atol=1e-12, record_every=rec)
    t = r.times
    y = r.trajectory[:, 0, :] @ e1
    spec = np.abs(np.fft.rfft(y - y.mean()))
    freqs = np.fft.rfftfreq(len(y), rec)
    f0 = freqs[int(np.argmax(spec[1:])) + 1]

    def model(tt, A, tau, f, ph, c):
        return A * np.exp(-tt / tau) * np.cos(2 * np.pi * f * tt + ph) + c

    p0 = [float(np.max(np.abs(y - y.mean()))), decay_guess, f0, 0.0, float(y.mean())]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # OptimizeWarning (covariance not estimated): judged below
            popt, pcov = curve_fit(model, t, y, p0=p0, maxfev=20000)
    except (RuntimeError, ValueError) as exc:
        raise PhysicsError(f"the ringdown could not be fitted by a damped cosine ({exc}); the magnet may be "
                           "too strongly damped or its motion not a small-angle precession") from None
    if not np.all(np.isfinite(popt)) or not np.all(np.isfinite(np.diag(pcov))):
        raise PhysicsError("the ringdown fit did not converge to a finite frequency and decay time")
    tau = abs(popt[1])
    return ResonanceResult(float(abs(popt[2])), float(1 / (math.pi * tau)), float(f_sb), float(tau),
                           [float(v) for v in m_min],
                           details={"tilt_deg": tilt_deg, "duration": duration,
                                    "frequency_std": float(math.sqrt(abs(pcov[2, 2]))),
                                    "curvatures": [h11, h22, h12]})
