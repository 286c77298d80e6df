"""Onsager cross-check (docs/physics.md section 3): the sink conductance G_eff that gives the spin-loss
torque also gives spin-pumping damping Delta alpha = g_L mu_B hbar G_eff / (2 e^2 Ms d).

Pumped macrospin: a magnet precessing at angular frequency omega pumps, through the interface
conductance, the spin current of a spin accumulation u = (hbar/e) m x dm/dt (mu_up - mu_down =
hbar omega in the rotating frame), Q = G_eff (hbar/e) m x dm/dt in charge units. The torque of
that absorbed spin current is built with the SAME conversion the engine uses for spin-orbit
torques (H_DL = hbar Q / (2 e mu0 Ms d), ``sot_field_per_current``). For a small-angle circular
orbit about z, m x dm/dt = omega (z - cos(theta) m): a damping-like torque with polarization +z
and a constant H_DL. The ringdown of that macrospin must then decay at the Gilbert rate of
alpha + Delta alpha.
"""

import math

import numpy as np
import pytest

from spinloss.dynamics import MacrospinParameters, Waveform, simulate_deterministic, sot_field_per_current
from spinloss.transport import effective_sink_conductance, spin_pumping_damping
from spinloss.units import E_CHARGE, GAMMA, HBAR, MU0


def decay_rate(params, m0, duration, waveform=None):
    """Small-angle ringdown: theta(t) = theta0 exp(-rate t); returns the fitted rate (1/s)."""
    r = simulate_deterministic(params, m0, waveform, duration, rtol=1e-10, atol=1e-12,
                               record_every=duration / 400)
    theta = np.arccos(np.clip(r.trajectory[:, 0, 2], -1, 1))
    return -np.polyfit(r.times, np.log(theta), 1)[0]


def test_pumped_macrospin_damping_matches_delta_alpha():
    ms, d, alpha = 8e5, 5e-9, 0.004
    hk = 0.4 / MU0  # perpendicular effective anisotropy field (A/m)
    g_eff = float(effective_sink_conductance(5e14, 5e6, 1e-8, 10e-9))
    omega = GAMMA * MU0 * hk  # small-angle precession frequency (rad/s)
    q_pump = g_eff * (HBAR / E_CHARGE) * omega  # pumped spin current, A/m^2 (charge units)
    # its torque: damping-like with s = +z (pulls m back to +z), converted like any SOT
    h_dl = float(sot_field_per_current(1.0, ms, d)) * q_pump
    base = dict(saturation_magnetization=ms, damping=alpha, anisotropy_axis=(0, 0, 1), anisotropy_field=hk,
                polarization=(0, 0, 1))
    th0 = math.radians(2.0)
    m0 = np.array([[math.sin(th0), 0.0, math.cos(th0)]])
    duration = 3e-9
    gilbert = decay_rate(MacrospinParameters(**base), m0, duration)
    # a constant "current" of 1 A/m^2 carries the pumping field through the torque channel
    pumped = decay_rate(MacrospinParameters(**base, damping_like_field_per_current=h_dl), m0, duration,
                        Waveform.constant(1.0))
    # Gilbert: rate = alpha omega / (1 + alpha^2) in the small-angle limit; theta0 = 2 deg gives
    # O(theta^2) ~ 1e-3 corrections
    assert gilbert == pytest.approx(alpha * omega / (1 + alpha**2), rel=2e-3)
    delta_alpha_measured = (pumped - gilbert) / omega * (1 + alpha**2)
    delta_alpha = spin_pumping_damping(g_eff, ms, d)
    # the pumping torque is exactly damping-like on a circular orbit; what remains is the
    # O(theta^2) cone correction and the alpha H_DL precession cross term: 1e-2 relative
    assert delta_alpha_measured == pytest.approx(delta_alpha, rel=1e-2)
