"""A heated run's slices handed to the kernel in blocks (one launch per block, coefficients of
the block computed at once) give the same numbers as one launch per slice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import spinloss.dynamics as dyn
from spinloss.device import Device
from spinloss.dynamics import integrators

DEVICE = Path(__file__).resolve().parents[1] / "examples" / "pt_py_device.toml"


@pytest.fixture(scope="module")
def heated_run():
    dev = Device.from_toml(DEVICE, overrides={"heating.enabled": True})
    T, j, w = 300.0, 1.3e12, 2e-9
    well = dev.starting_well(T)
    sched = dev.heating_schedule([j], w, T)
    wave = dyn.Waveform.pulse(j, w, dev.pulse.rise_time, dev.pulse.fall)
    dt = dyn.time_grid(4e-9, dyn.heun_time_step(well.params, j, sched))
    return well, sched, wave, dt


@pytest.mark.parametrize("n, block_bytes", [(3, integrators.SLICE_BLOCK_BYTES), (40, 8 * 22 * 40 * 7), (200, 1)])
def test_blocks_of_slices_equal_one_launch_per_slice(heated_run, monkeypatch, n, block_bytes):
    well, sched, wave, dt = heated_run
    m0 = np.tile(well.start, (n, 1))
    out = {}
    for blocks in (False, True):
        monkeypatch.setattr(integrators, "_USE_BLOCKS", blocks)
        monkeypatch.setattr(integrators, "SLICE_BLOCK_BYTES", block_bytes)
        r = dyn.simulate(well.params, m0, wave, 4e-9, dt, seed=3, schedule=sched, switch_axis=well.target,
                         record_every=0.5e-9)
        out[blocks] = r
    a, b = out[False], out[True]
    assert a.n_steps == b.n_steps
    np.testing.assert_array_equal(a.m_final, b.m_final)
    np.testing.assert_array_equal(a.switching_time, b.switching_time)
    np.testing.assert_array_equal(a.trajectory, b.trajectory)
    assert np.unique(sched.step_bounds(0.0, dt, a.n_steps)).size > 10  # many slices: the blocks matter
