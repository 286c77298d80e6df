"""Write error rate of a device (docs/physics.md section 4): the device-level entry point.

The write error is "the magnet is not in the target well at the end of the pulse plus a settle
time": m(t_end) . target <= 0 with t_end = rise + width + fall + settle. The settle time lets
trajectories that are past the saddle at the end of the pulse relax into a well (default: five
small-angle relaxation times 2 M_s / (alpha gamma (E_11 + E_22)) from the energy curvatures at the
starting minimum, clipped to [1, 20] ns). Initial states: thermal equilibrium in the starting well.
The method (Monte Carlo, Fokker-Planck, multilevel splitting) is chosen by
:func:`spinloss.experiments.rare_events.write_error_rate`; with Joule heating (docs/heating.md)
the magnet follows T(t) and Fokker-Planck (constant Delta) is not used.
"""

from __future__ import annotations

import numpy as np

from .rare_events import WerResult, write_error_rate


def settle_time(device, temperature=None, well=None, relaxation_times: float = 5.0) -> float:
    """Relaxation time allowance after a pulse (s): ``relaxation_times`` small-angle relaxation
    times 2 M_s / (alpha gamma (E11 + E22)) at the starting minimum, clipped to [1, 20] ns for the
    default 5 (scaled with ``relaxation_times`` otherwise). ``well`` (the device's
    :class:`~spinloss.dynamics.energy.StartingWell`) avoids recomputing the energy landscape."""
    if well is None:
        well = device.starting_well(temperature)
    h11, h22, _, _, _ = well.curvatures()
    alpha = float(np.asarray(well.params.damping))  # alpha_eff (Gilbert + spin pumping)
    rate = alpha * float(np.asarray(well.params.gamma)) * (h11 + h22) / (2 * device.saturation_magnetization)
    five = float(np.clip(5.0 / rate, 1e-9, 20e-9)) if rate > 0 else 20e-9
    return five * relaxation_times / 5.0


def device_write_error_rate(device, *, current_density=None, pulse_width=None, temperature=None,
                            method: str = "auto", trials: int = 20_000, seed: int = 0,
                            settle: float | None = None, dt: float | None = None, progress=None,
                            **options) -> WerResult:
    """WER of one write pulse on ``device`` (current density in the torque reference layer, A/m^2;
    pulse width in s; temperature in K, default the file's). ``trials``: Monte Carlo trials where
    Monte Carlo is used; ``progress``: a :data:`spinloss.progress.ProgressCallback`."""
    from ..dynamics import heun_time_step, time_grid

    T = device.temperature if temperature is None else float(temperature)
    j = device.pulse.current_density if current_density is None else float(current_density)
    w = device.pulse.width if pulse_width is None else float(pulse_width)
    from dataclasses import replace

    from .switching import pulse_heating_report

    well = device.starting_well(T)
    params = well.params
    wave = device.waveform(current_density=j, width=w)
    p = device.pulse
    if settle is None:
        settle = settle_time(device, T, well=well)
    duration = p.duration(w) + settle
    # Joule heating (docs/heating.md): the magnet's T(t) during and after the pulse
    schedule = device.heating_schedule([j], w, T)
    # the path engines need a whole number of steps, in whole records of a 400-point record
    # grid (splitting): shrink dt slightly to fit the duration
    dt = time_grid(duration, heun_time_step(params, abs(j), schedule) if dt is None else dt)
    res = write_error_rate(params, wave, duration, dt, m0=tuple(well.start), target_axis=tuple(well.target),
                           method=method, trials=trials, seed=seed, progress=progress, schedule=schedule,
                           **options)
    res.details.update({"settle_time": settle, "time_step": dt})
    res = replace(res, current_density=float(j), pulse_width=float(w), temperature=float(T))
    peak, warnings = pulse_heating_report(device, j, w, T)
    if peak is not None:
        res = replace(res, peak_temperature=float(peak[0]), warnings=tuple(warnings))
    return res
