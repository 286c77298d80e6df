"""The heat-flow model of a write pulse (spinloss.thermal; docs/heating.md) against closed forms.

Each test states the expected error of the discretization it checks: the finite volumes are
second order in the cell size, the time integration is exact (eigenmodes), so what is left is
the spatial error and round-off.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import erfcx

from spinloss import thermal
from spinloss.stack import Stack
from spinloss.thermal import (HeatConduction, ThermalLayer, anisotropy_field_ratio, bloch_magnetization_ratio,
                              heat_conduction, pulse_heating, spreading_depth)

K_OX, C_OX = 1.4, 1.63e6          # SiO2 (library values)
K_M, C_M, RHO = 24.0, 3.9e6, 3.0e-7   # Py
J = 5e12


def film_on_oxide(d_ox=5e-9, d_m=5e-9, rb=0.0, substrate=None):
    q = RHO * J**2 * d_m
    layers = [] if substrate is None else [substrate]
    layers += [ThermalLayer("ox", "SiO2", d_ox, K_OX, C_OX),
               ThermalLayer("free", "Py", d_m, K_M, C_M, q, J)]
    return HeatConduction(layers, boundary_resistance=rb, current_density=J), q


@pytest.mark.parametrize("rb", [0.0, 2e-8])
def test_steady_state_of_a_film_on_an_oxide_on_a_heat_sink(rb):
    """Delta T = q (d_ox / kappa_ox + R_b) at the bottom of the film; the film's mean adds the
    parabola of its own uniform heating, q d_m / (3 kappa_m). The discrete mean of the cell
    centres exceeds it by p h^2 / (6 kappa_m) (p = q/d_m, h the cell size): p h^2/(8 kappa_m)
    from the linear half-cell resistance at the heated face, where the flux still falls, plus
    p h^2/(24 kappa_m) of the midpoint rule on the parabola. That bound is the tolerance (1e-4 of
    the rise, far inside the 1 % asked)."""
    model, q = film_on_oxide(rb=rb)
    ss = model.steady_state()
    mean = float(model.layer_weights[1] @ ss)
    expected = q * (5e-9 / K_OX + rb) + q * 5e-9 / (3 * K_M)
    h = 5e-9 / 10
    bound = (q / 5e-9) * h**2 / (6 * K_M)
    assert mean == pytest.approx(expected, rel=0, abs=1.01 * bound)
    assert abs(mean - expected) / (q * (5e-9 / K_OX + rb)) < 0.01
    # the oxide's mean: the linear profile is exact in finite volumes (round-off only)
    ox = float(model.layer_weights[0] @ ss)
    assert ox == pytest.approx(q * (2.5e-9 / K_OX + rb), rel=1e-9)


def test_steady_state_with_a_substrate_adds_its_resistance():
    """With L_s of Si between the oxide and the sink: Delta T = q (d_ox/kappa_ox + L_s/kappa_Si)
    at the film's bottom (series resistances; the graded substrate cells are exact for the linear
    profile)."""
    sub = ThermalLayer("substrate", "Si", 40e-9, 148.0, 1.64e6, substrate=True)
    model, q = film_on_oxide(substrate=sub)
    ss = model.steady_state()
    mean = float(model.layer_weights[2] @ ss)
    expected = q * (5e-9 / K_OX + 40e-9 / 148.0) + q * 5e-9 / (3 * K_M)
    assert mean == pytest.approx(expected, rel=2e-4)
    assert float(model.layer_weights[0] @ ss) == pytest.approx(q * 20e-9 / 148.0, rel=1e-9)


def test_adiabatic_limit_of_an_isolated_stack_is_exact():
    """R_b = inf isolates the stack: its mean temperature rises as q t / sum_i C_i d_i exactly (the
    zero mode of the eigen-solution; round-off only), and the time constant is infinite."""
    model, q = film_on_oxide(rb=math.inf)
    t = np.array([0.1e-9, 0.5e-9, 1.0e-9])
    rise = model.layer_rise(t, 1e-9)
    c = C_OX * 5e-9 + C_M * 5e-9
    mean = (rise @ np.array([C_OX * 5e-9, C_M * 5e-9])) / c
    assert mean == pytest.approx(q * t / c, rel=1e-10)
    assert model.time_constant == math.inf


def test_adiabatic_limit_is_approached_for_pulses_short_against_the_time_constant():
    """A film behind a large boundary resistance (a lumped R C: tau = R_b C): after t << tau the
    rise is q t / C within t / (2 tau) (the first correction of 1 - exp(-t/tau)); at t = tau/100
    that is 0.5 %, inside the 1 % asked. (Through a bare 5 nm oxide the adiabatic limit holds only
    for femtoseconds: the oxide's own heat capacity takes part within picoseconds.)"""
    model, q = film_on_oxide(rb=1e-6)
    c = C_M * 5e-9
    tau = model.time_constant
    assert tau == pytest.approx(1e-6 * (c + C_OX * 5e-9), rel=0.02)   # R C with the oxide's C
    t = tau / 100
    rise = model.layer_rise([t], 10 * tau)[0, 1]
    assert rise == pytest.approx(q * t / (c + C_OX * 5e-9), rel=0.01)


def test_lumped_film_on_a_half_space():
    """A film of negligible internal resistance (kappa 1e4 W/m/K) and heat capacity c = C d per
    area on a half-space of effusivity e = sqrt(kappa C) (5 um of SiO2, the sink far away),
    under a constant flux q: theta(t) = (q/c) [2 sqrt(t/pi)/beta - (1 - exp(beta^2 t) erfc(beta sqrt t))/beta^2],
    beta = e/c (Laplace transform). Measured agreement 0.7 % at 1 ps (the diffusion length, 1 nm,
    is two cells), < 0.2 % beyond 20 ps; the error is the mesh's: halving the cells and a gentler
    grading divide it by > 2."""
    q, c = 1e10, 3.5e6 * 2e-9
    beta = math.sqrt(K_OX * C_OX) / c
    t = np.geomspace(1e-12, 2e-9, 12)
    x = beta * np.sqrt(t)
    exact = (q / c) * (2 * np.sqrt(t / np.pi) / beta - (1 - erfcx(x)) / beta**2)

    def error():
        film = ThermalLayer("film", "X", 2e-9, 1e4, 3.5e6, q, 1e12)
        sub = ThermalLayer("sub", "SiO2", 5e-6, K_OX, C_OX, substrate=True)
        model = HeatConduction([sub, film], current_density=1e12)
        return np.abs(model.layer_rise(t, 10e-9)[:, 1] / exact - 1)

    coarse = error()
    assert coarse.max() < 0.01
    assert coarse[t > 2e-11].max() < 2e-3
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(thermal, "MAX_CELL", thermal.MAX_CELL / 2)
        mp.setattr(thermal, "SUBSTRATE_GROWTH", 1.05)
        fine = error()
    finally:
        mp.undo()
    assert np.all(fine < coarse / 2)


def test_energy_is_conserved_by_the_discretization():
    """Joule energy = stored + conducted into the sink, during and after a trapezoid, on a stack
    with a substrate and a boundary resistance: the semi-discrete system conserves energy exactly
    and it is integrated exactly in time, so only round-off and the quadrature of the sink flux
    (40-point Gauss on smooth pieces) remain: 1e-9 relative."""
    sub = ThermalLayer("substrate", "Si", 40e-9, 148.0, 1.64e6, substrate=True)
    model, _ = film_on_oxide(substrate=sub, rb=5e-9)
    for t in (0.1e-9, 0.25e-9, 1.3e-9, 3e-9):
        bal = model.energy_balance(1e-9, 0.2e-9, 0.1e-9, time=t)
        assert bal["relative_residual"] < 1e-9
        assert bal["stored"] > 0 and bal["conducted"] > 0


def test_time_constant_of_a_lumped_rc():
    """A conductive film (kappa 1e4) on an oxide of negligible heat capacity (1e-3 of the film's):
    tau = R C with R = d_ox / kappa_ox and C = C_m d_m (to the oxide's share, 1e-3)."""
    layers = [ThermalLayer("ox", "X", 5e-9, K_OX, C_M * 1e-3),
              ThermalLayer("free", "Y", 5e-9, 1e4, C_M, 1.0, 1.0)]
    model = HeatConduction(layers, current_density=1.0)
    assert model.time_constant == pytest.approx(5e-9 / K_OX * C_M * 5e-9, rel=2e-3, abs=0)


def test_joule_source_from_the_transport_current_split():
    """heat_conduction takes rho_i J_i^2 d_i of every metal layer from spinloss.transport at the
    pulse's current density: Pt/Py in parallel share one electric field, J_i = E/rho_i."""
    stack = Stack.from_dict({"layers": [{"material": "SiO2", "thickness": "5 nm"},
                                        {"material": "Pt", "thickness": "5 nm"},
                                        {"name": "free", "material": "Py", "thickness": "4 nm"}]})
    model = heat_conduction(stack, current_density=2e12)
    rho_pt, rho_py = 3.3e-7, 3.0e-7
    e_field = 2e12 * rho_pt
    q = rho_pt * (e_field / rho_pt) ** 2 * 5e-9 + rho_py * (e_field / rho_py) ** 2 * 4e-9
    assert model.joule_power == pytest.approx(q, rel=1e-12)
    assert model.reference_layer == "Pt"
    res = pulse_heating(model, magnet_layer="free", current_density=4e12, width=1e-9)
    assert res.joule_power == pytest.approx(4 * q, rel=1e-12)       # (J/J_0)^2
    assert res.peak_temperature == pytest.approx(300.0 + res.temperature_rise, rel=1e-15, abs=0)


def test_pulse_heating_reaches_the_steady_state_and_decays():
    """A pulse much longer than the time constant reaches the DC steady state; after the pulse the
    rise decays as the slowest mode, exp(-t/tau), once the faster ones have died out."""
    model, _ = film_on_oxide()
    res = pulse_heating(model, magnet_layer="free", current_density=J, width=100 * model.time_constant)
    assert res.temperature_rise == pytest.approx(res.steady_state_rise, rel=1e-9)
    tau = model.time_constant
    end = 100 * tau
    a, b = model.layer_rise([end + 5 * tau, end + 6 * tau], end)[:, 1]
    assert b / a == pytest.approx(math.exp(-1.0), rel=1e-3)


def test_bloch_and_callen_callen_laws():
    """M_s(T)/M_s(T_ref) = [1 - (T/T_C)^1.5] / [1 - (T_ref/T_C)^1.5]; H_K ~ m^(n-1) for K ~ M_s^n;
    at or above T_C the model refuses (M_s <= 0)."""
    m = bloch_magnetization_ratio(600.0, 300.0, 850.0)
    assert m == pytest.approx((1 - (600 / 850) ** 1.5) / (1 - (300 / 850) ** 1.5), rel=1e-15, abs=0)
    assert bloch_magnetization_ratio(300.0, 300.0, 850.0) == 1.0
    assert anisotropy_field_ratio(0.8) == pytest.approx(0.64, rel=1e-15, abs=0)
    assert anisotropy_field_ratio(0.8, 2.0) == pytest.approx(0.8, rel=1e-15, abs=0)
    from spinloss.errors import PhysicsError

    with pytest.raises(PhysicsError, match="Curie"):
        bloch_magnetization_ratio(np.array([400.0, 850.0]), 300.0, 850.0)


def test_spreading_depth():
    """The 1D depth with the steady spreading resistance pi a/(4 kappa) per area of a disk of
    radius a on a half-space: L = pi a / 4."""
    a = 50e-9
    assert spreading_depth(math.pi * a**2) == pytest.approx(math.pi * a / 4, rel=1e-15, abs=0)


def test_waveform_heating_is_the_trapezoid_and_pulses_add():
    """A piecewise-linear current (a spinloss Waveform) heats as f = (j/J_0)^2, integrated
    exactly: the trapezoid's waveform gives the trapezoid solution, and a train of two pulses the
    sum of two shifted single-pulse solutions (the model is linear in f). Round-off: 1e-12."""
    from spinloss.dynamics import Waveform

    model, _ = film_on_oxide()
    t = np.linspace(0.0, 8e-9, 97)
    one = Waveform.pulse(2 * J, 2e-9, 0.2e-9, 0.1e-9)
    a = model.waveform_rise(t, one.times, one.values)
    b = 4.0 * model.layer_rise(t, 2e-9, 0.2e-9, 0.1e-9)
    assert a == pytest.approx(b, rel=1e-12, abs=1e-12 * float(np.max(b)))
    train = Waveform.sequence([Waveform.pulse(J, 1e-9, 0.1e-9), Waveform.pulse(-J, 1e-9, 0.1e-9)], gap=1e-9)
    c = model.waveform_rise(t, train.times, train.values)
    first = model.layer_rise(t, 1e-9, 0.1e-9)
    second = model.layer_rise(t - 2.2e-9, 1e-9, 0.1e-9) * (t >= 2.2e-9)[:, None]
    assert c == pytest.approx(first + second, rel=1e-12, abs=1e-12 * float(np.max(c)))
