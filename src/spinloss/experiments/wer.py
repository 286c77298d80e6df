"""Write error rate of a device (PHYSICS.md section 4): the device-level entry point.

The write error is "the magnet is not in the target well at the end of the pulse plus a settle
time": m(t_end) . target <= 0 with t_end = rise + width + fall + settle. The settle time lets
trajectories that are past the saddle at the end of the pulse relax into a well (default: five
small-angle relaxation times 2 M_s / (alpha gamma (E_11 + E_22)) from the energy curvatures at the
starting minimum, clipped to [1, 20] ns). Initial states: thermal equilibrium in the starting well.
The method (Monte Carlo, Fokker-Planck, multilevel splitting) is chosen by
:func:`spinloss.experiments.rare_events.write_error_rate`.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .rare_events import WerResult, write_error_rate


def settle_time(device, temperature=None, setup=None) -> float:
    """Relaxation time allowance after a pulse (s): 5 / (alpha gamma (E11 + E22) / (2 Ms)).
    ``setup`` (from ``switching._setup``) avoids recomputing the energy landscape."""
    from .switching import _setup, energy_curvatures

    if setup is None:
        setup = _setup(device, temperature)
    params = replace(setup.params, temperature=0.0)
    h11, h22, _, _, _ = energy_curvatures(params, setup.m_min)
    rate = device.gilbert_damping * float(np.asarray(params.gamma)) * (h11 + h22) / (2 * device.saturation_magnetization)
    return float(np.clip(5.0 / rate, 1e-9, 20e-9)) if rate > 0 else 20e-9


def device_write_error_rate(device, *, current_density=None, pulse_width=None, temperature=None,
                            method: str = "auto", n_trials: int = 20_000, seed: int = 0,
                            settle: float | None = None, dt: float | None = None, **options) -> WerResult:
    """WER of one write pulse on ``device`` (current density in the torque reference layer, A/m^2;
    pulse width in s; temperature in K, default the file's)."""
    from .switching import _setup, default_time_step

    T = device.temperature if temperature is None else float(temperature)
    j = device.pulse.current_density if current_density is None else float(current_density)
    w = device.pulse.width if pulse_width is None else float(pulse_width)
    setup = _setup(device, T)
    params = setup.params
    wave = device.waveform(current_density=j, width=w)
    p = device.pulse
    if settle is None:
        settle = settle_time(device, T, setup=setup)
    duration = p.rise_time + w + p.fall + settle
    if dt is None:
        dt = default_time_step(params, abs(j))
    # the path engines need a whole number of steps, in whole records of a 400-point record
    # grid (splitting): shrink dt slightly to fit the duration
    dt = duration / (400 * math.ceil(duration / dt / 400 - 1e-9))
    res = write_error_rate(params, wave, duration, dt, m0=tuple(setup.start), target_axis=tuple(setup.target),
                           method=method, n_trials=n_trials, seed=seed, **options)
    res.details.update({"current_density": j, "pulse_width": w, "temperature": T, "settle_time": settle,
                        "time_step": dt})
    return res
