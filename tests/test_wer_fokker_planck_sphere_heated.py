"""The Fokker-Planck solver on the sphere with Joule heating (docs/wer.md section 3, docs/heating.md):
its coefficients follow the heated magnet's M_s(T), H_K(T), alpha_eff(T), torques and noise
temperature on the points of a heating schedule.

The cell: the example Py/NiO device (in-plane type-y, field-like torque, heating on), 5 ns pulse.
At 5.5e12 A/m^2 the heated magnet reaches ~405 K and the WER is ~0.24; without heating its T = 0
threshold is 1.58e13 A/m^2 and the same pulse does not switch at all, so the comparison tests the
heated coefficients, not the unheated solver."""

from pathlib import Path

import numpy as np
import pytest

from spinloss.device import Device
from spinloss.errors import SpinlossInputError
from spinloss.experiments import fokker_planck_sphere as S
from spinloss.experiments.wer import device_write_error_rate

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "py_nio_device.toml"
J = 5.5e12


@pytest.fixture(scope="module")
def device():
    return Device.from_toml(EXAMPLE)


@pytest.fixture(scope="module")
def heated(device):
    """The default solve (heating_tolerance 0.05) with its level error (both tolerances doubled)."""
    return device_write_error_rate(device, current_density=J, method="auto",
                                   sphere_options={"heating_error": True})


def test_auto_takes_the_sphere_solver_for_a_heated_in_plane_cell(heated):
    assert heated.method == "fokker_planck_sphere"
    assert heated.peak_temperature > 380.0


def test_heated_wer_equals_heated_monte_carlo(device, heated):
    """Against Monte Carlo with the same heating schedule: within 3 combined standard errors (the
    solver's stated uncertainty, time + level error, counted as one). Measured (this suite's
    settings): 0.2434 vs 0.2441 +- 0.0030 with 20 000 paths (docs/wer.md section 3)."""
    mc = device_write_error_rate(device, current_density=J, method="monte_carlo", trials=20_000, seed=3)
    assert mc.method == "monte_carlo"
    both = float(np.hypot(mc.uncertainty, heated.uncertainty))
    assert abs(heated.write_error_rate - mc.write_error_rate) <= 3 * both
    # the bound bites: 3 SE of 20 000 paths is ~3.7 % of the WER, with the solver's 1.3 % ~5 %
    # (the unheated solve, the model without the heated coefficients, gives ~0)
    assert 3 * both < 0.08 * heated.write_error_rate


def test_halving_the_heating_tolerance_stays_within_the_level_error(device, heated):
    """The level error |WER(tol) - WER(2 tol)| bounds the error of WER(tol) at first order: the
    solve at tol / 2 lies within it (plus the two solves' time errors)."""
    fine = device_write_error_rate(device, current_density=J, method="fokker_planck_sphere",
                                   sphere_options={"heating_tolerance": 0.025, "heating_grid_tolerance": 0.1})
    level_error = heated.uncertainty - heated.details["time_error"]
    assert level_error > 0
    assert abs(fine.write_error_rate - heated.write_error_rate) <= level_error + heated.details["time_error"] \
        + fine.details["time_error"]


def test_heat_levels_are_spaced_by_the_tolerance(device):
    """Neighbouring points differ by at most the tolerance in ln of every parameter, the first
    point is the ambient temperature and the last the schedule's peak."""
    T = device.temperature
    well = device.starting_well(T)
    sched = device.heating_schedule([J], device.pulse.width, T)
    model = S.sphere_model(well.params)
    lv = S._HeatLevels(well.params, model, sched, 0.05, 0.2)
    assert lv.points[0] == T
    assert lv.points[-1] == pytest.approx(sched.state_range[1], rel=1e-9, abs=0)
    b = sched.parameters_of_state(well.params, lv.points).broadcast(lv.points.size)
    worst = 0.0
    for name in S._HeatLevels.QUANTITIES:
        q = np.abs(np.asarray(b[name], dtype=float).reshape(lv.points.size, -1)[:, 0])
        worst = max(worst, float(np.max(np.abs(np.diff(np.log(q))))))
    assert 0.5 * 0.05 < worst <= 0.05 * (1 + 1e-3)
    # grids on every 4th point: each point's grid point is at most 2 points away
    assert np.max(np.abs(lv.grid_point - np.arange(lv.points.size))) <= 2


def test_schedule_and_temperature_exclude_each_other(device):
    T = device.temperature
    well = device.starting_well(T)
    sched = device.heating_schedule([J], device.pulse.width, T)
    wave = device.waveform(current_density=J, width=device.pulse.width)
    with pytest.raises(SpinlossInputError, match="temperature"):
        S.sphere_fokker_planck_wer(well.params, wave, 10e-9, m0=well.start, schedule=sched, temperature=350.0)
