"""Transport engine against the closed forms and checks of docs/physics.md section 3 and the sign
conventions of section 2.

Tolerances: the closed forms 1 and 3 are exact solutions of the same boundary-value problem the
solver discretizes without approximation (hyperbolic functions evaluated in double precision and
a 2L x 2L linear solve with condition number << 1e5), so the relative error is bounded by
~1e-13; we test at 1e-9 as docs/physics.md asks.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from spinloss.stack import Stack
from spinloss.transport import (MagnonTemperatureLaw, effective_sink_conductance, torques,
                                spin_pumping_damping)


def fm_afi_stack(*, d=5e-9, theta=0.053, lsf=4e-9, lphi=1e-9, lj="inf", rho=3e-7, g_int=5e14,
                 t_afi=20e-9, sink="top", lam_m=1e-8, sig_m=5e6):
    fm = {"name": "free", "material": "Py", "thickness": d, "spin_hall_angle": theta,
          "spin_diffusion_length": lsf, "spin_dephasing_length": lphi, "spin_precession_length": lj,
          "resistivity": rho}
    afi = {"name": "afi", "material": "NiO", "thickness": t_afi, "magnon_diffusion_length": lam_m,
           "magnon_spin_conductivity": sig_m}
    ox = {"material": "SiO2", "thickness": 5e-9}
    layers = [ox, fm, afi] if sink == "top" else [afi, fm, ox]
    return Stack.from_dict({"name": "fm/afi", "layers": layers,
                            "interfaces": [{"between": ["free", "afi"], "magnon_interface_conductance": g_int}]})


def closed_form_1(d, theta, lsf, lphi, rho, G):
    lam = (1 / lsf**2 + 1 / lphi**2) ** -0.5
    g = 2 * lam * G * rho
    q_out = theta * (1 - 1 / np.cosh(d / lam)) * g / (g + np.tanh(d / lam))
    share = (1 / lphi**2) / (1 / lsf**2 + 1 / lphi**2)
    return q_out, -share * q_out


@pytest.mark.parametrize("d,lphi,g_int,t_afi", [
    (5e-9, 1e-9, 5e14, 20e-9), (2e-9, 0.7e-9, 1e15, 3e-9), (10e-9, 2e-9, 1e13, 50e-9),
    (1e-9, 1e-9, 3e15, 1e-9)])
def test_closed_form_1_fm_with_sink(d, lphi, g_int, t_afi):
    theta, lsf, rho = 0.053, 4e-9, 3e-7
    stack = fm_afi_stack(d=d, lphi=lphi, g_int=g_int, t_afi=t_afi)
    res = torques(stack)
    G = effective_sink_conductance(g_int, 5e6, 1e-8, t_afi)
    q_out, xi = closed_form_1(d, theta, lsf, lphi, rho, G)
    m = res.magnet("free")
    assert m.reference_layer == "free"
    assert m.xi_dl == pytest.approx(xi, rel=1e-9, abs=0)
    assert abs(m.xi_fl) < 1e-12 * abs(xi)  # no precession -> no field-like part
    assert xi < 0  # sink on top


def test_closed_form_1_limits():
    # g -> inf: theta (1 - sech) times the share; g -> 0: 0
    d, theta, lsf, lphi = 5e-9, 0.05, 4e-9, 1e-9
    lam = (1 / lsf**2 + 1 / lphi**2) ** -0.5
    share = (1 / lphi**2) / (1 / lsf**2 + 1 / lphi**2)
    strong = torques(fm_afi_stack(d=d, theta=theta, g_int="inf", sig_m=1e12, t_afi=1e-6)).magnet().xi_dl
    assert strong == pytest.approx(-share * theta * (1 - 1 / math.cosh(d / lam)), rel=1e-3)  # bulk sink 1e12/1e-8 = 1e20 >> sigma/lambda ~ 1e15: 1e-5..1e-4 error
    weak = torques(fm_afi_stack(d=d, theta=theta, g_int=0.0)).magnet().xi_dl
    assert abs(weak) < 1e-13 * theta  # round-off of the decoupled solve


def test_closed_form_2_symmetric_boundaries_give_zero():
    for outer in ("NiO", "SiO2", "MgO"):
        layers = [{"material": outer, "thickness": 10e-9},
                  {"name": "free", "material": "Py", "thickness": 5e-9},
                  {"material": outer, "thickness": 10e-9}]
        res = torques(Stack.from_dict({"layers": layers}))
        m = res.magnet()
        assert abs(m.xi_dl) < 1e-12 * 0.053 and abs(m.xi_fl) < 1e-12 * 0.053


@pytest.mark.parametrize("lphi", [0.0, 1e-9])
@pytest.mark.parametrize("d_n,gmix", [(4e-9, (6e14, 1e14)), (1e-9, (2e14, -5e13)), (10e-9, (1e15, 0.0))])
def test_closed_form_3_heavy_metal_on_absorbing_fm(d_n, gmix, lphi):
    # G_mix is the whole absorption of the interface (transmitted_mixing_conductance = 0, the
    # library default): closed form 3 holds for a magnet that dephases instantly (lphi = 0) and
    # for one with its own transverse channel (lphi > 0) alike -- no double counting.
    lam_n, rho_n, theta = 1.5e-9, 3.3e-7, 0.19
    layers = [{"material": "Pt", "thickness": d_n, "spin_hall_angle": theta, "spin_diffusion_length": lam_n,
               "resistivity": rho_n},
              {"name": "free", "material": "Py", "thickness": 3e-9, "spin_hall_angle": 0.0,
               "spin_dephasing_length": lphi},
              {"material": "MgO", "thickness": 2e-9}]
    stack = Stack.from_dict({"layers": layers, "interfaces": [
        {"between": ["Pt", "free"], "spin_mixing_conductance": list(gmix)}]})
    m = torques(stack).magnet()
    gt = 2 * lam_n * complex(*gmix) * rho_n
    f = theta * (1 - 1 / np.cosh(d_n / lam_n)) * gt / (gt + np.tanh(d_n / lam_n))
    assert m.reference_layer == "Pt"
    assert m.xi_dl == pytest.approx(f.real, rel=1e-9, abs=0)
    if gmix[1] != 0:
        assert m.xi_fl == pytest.approx(f.imag, rel=1e-9, abs=0)
    else:
        assert abs(m.xi_fl) < 1e-12


def test_closed_form_4_monotonic_in_conductance_and_thickness():
    g = np.geomspace(1e12, 1e17, 60)
    xi_g = torques(fm_afi_stack().with_values({"interfaces.0.magnon_interface_conductance": g})).magnet().xi_dl
    assert np.all(np.diff(-xi_g) > 0)  # more spin loss, more torque (xi < 0 with the sink on top)
    t = np.linspace(0.2e-9, 100e-9, 200)
    xi_t = torques(fm_afi_stack().with_values({"afi.thickness": t})).magnet().xi_dl
    assert np.all(np.diff(-xi_t) > 0)
    # saturation: beyond 5 lambda_m the torque changes by < 1e-3 of its value
    assert abs(xi_t[-1] - xi_t[np.searchsorted(t, 50e-9)]) < 1e-3 * abs(xi_t[-1])
    # linear for t << lambda_m when the bulk magnon conductance limits: doubling t doubles xi
    thin = torques(fm_afi_stack(g_int=1e18).with_values({"afi.thickness": np.array([0.05e-9, 0.1e-9])})).magnet().xi_dl
    assert thin[1] / thin[0] == pytest.approx(2.0, rel=0.02)


def test_closed_form_5_spin_conservation():
    examples = [fm_afi_stack(lj=1e-9), fm_afi_stack(sink="bottom"),
                Stack.from_dict({"layers": [{"material": "Pt", "thickness": 4e-9},
                                            {"name": "free", "material": "CoFeB", "thickness": 1.5e-9,
                                             "spin_hall_angle": 0.03},
                                            {"material": "NiO", "thickness": 8e-9}]}),
                Stack.from_dict({"layers": [{"material": "W", "thickness": 5e-9},
                                            {"name": "a", "material": "Py", "thickness": 2e-9},
                                            {"material": "NiO", "thickness": 3e-9},
                                            {"name": "b", "material": "Co", "thickness": 2e-9,
                                             "spin_hall_angle": 0.02},
                                            {"material": "Pt", "thickness": 3e-9},
                                            {"material": "MgO", "thickness": 2e-9}]})]
    for s in examples:
        res = torques(s)
        assert res.spin_balance["relative_residual"] < 1e-10


@pytest.mark.parametrize("theta_hm", [0.19, -0.3])
def test_sign_heavy_metal_below_magnet(theta_hm):
    layers = [{"material": "Pt", "thickness": 5e-9, "spin_hall_angle": theta_hm},
              {"name": "free", "material": "CoFeB", "thickness": 1.5e-9},
              {"material": "MgO", "thickness": 2e-9}]
    xi = torques(Stack.from_dict({"layers": layers})).magnet().xi_dl
    assert np.sign(xi) == np.sign(theta_hm)
    # moving the heavy metal on top flips the sign
    xi_top = torques(Stack.from_dict({"layers": layers[::-1]})).magnet().xi_dl
    assert np.sign(xi_top) == -np.sign(theta_hm)
    assert xi_top == pytest.approx(-xi, rel=1e-12, abs=0)


def test_sign_fm_self_torque_sink_above_and_below():
    assert torques(fm_afi_stack(sink="top")).magnet().xi_dl < 0
    assert torques(fm_afi_stack(sink="bottom")).magnet().xi_dl > 0
    # and the FM/AFI with a sink on top behaves like the FM with a theta > 0 heavy metal on top
    layers = [{"material": "SiO2", "thickness": 5e-9},
              {"name": "free", "material": "Py", "thickness": 5e-9, "spin_hall_angle": 0.0},
              {"material": "Pt", "thickness": 5e-9}]
    assert torques(Stack.from_dict({"layers": layers})).magnet().xi_dl < 0


def test_insulating_controls_give_no_torque():
    layers = [{"material": "SiO2", "thickness": 5e-9}, {"name": "free", "material": "Py", "thickness": 5e-9},
              {"material": "MgO", "thickness": 5e-9}]
    m = torques(Stack.from_dict({"layers": layers})).magnet()
    assert abs(m.xi_dl) < 1e-15 and abs(m.xi_fl) < 1e-15


def test_vectorized_equals_pointwise():
    base = fm_afi_stack(lj=1.5e-9)
    ds = np.array([1e-9, 3e-9, 7e-9])
    gs = np.array([1e13, 3e14, 2e15])
    dd, gg = np.meshgrid(ds, gs, indexing="ij")
    vec = torques(base.with_values({"free.thickness": dd, "interfaces.0.magnon_interface_conductance": gg}))
    assert vec.magnet().xi_dl.shape == (3, 3)
    for i, d in enumerate(ds):
        for j, g in enumerate(gs):
            one = torques(base.with_values({"free.thickness": d, "interfaces.0.magnon_interface_conductance": g}))
            assert vec.magnet().xi_dl[i, j] == pytest.approx(float(one.magnet().xi_dl), rel=1e-12, abs=0)
            assert vec.magnet().xi_fl[i, j] == pytest.approx(float(one.magnet().xi_fl), rel=1e-12, abs=0)


def test_current_split_and_joule_power():
    layers = [{"material": "Pt", "thickness": 5e-9}, {"name": "free", "material": "CoFeB", "thickness": 2e-9},
              {"material": "MgO", "thickness": 2e-9}]
    s = Stack.from_dict({"layers": layers, "current_density": 1e11})
    r = torques(s)
    pt, fm, ox = r.layers
    assert r.reference_layer == "Pt"
    assert float(pt.current_density) == pytest.approx(1e11)
    assert float(fm.current_density) == pytest.approx(1e11 * 3.3e-7 / 1.5e-6)
    assert float(ox.current_density) == 0.0
    assert float(pt.current_fraction + fm.current_fraction) == pytest.approx(1.0)
    rs = 1 / (5e-9 / 3.3e-7 + 2e-9 / 1.5e-6)
    assert float(r.sheet_resistance) == pytest.approx(rs)
    e = 1e11 * 3.3e-7
    assert float(r.joule_power) == pytest.approx(e**2 / rs)
    # b_dl = hbar xi J / (2 e Ms d)
    m = r.magnet()
    b = 1.054571817e-34 * float(m.xi_dl) * 1e11 / (2 * 1.602176634e-19 * 1.1e6 * 2e-9)
    assert float(m.b_dl) == pytest.approx(b, rel=1e-8, abs=0)
    assert float(m.sigma_dl) == pytest.approx(float(m.xi_dl) / 3.3e-7, rel=1e-12)


def test_afi_between_metals_transmits_spin():
    # Wang et al., Science 366, 1125 (2019): magnon torque through NiO from a heavy metal
    def xi(t):
        layers = [{"material": "Pt", "thickness": 5e-9}, {"material": "NiO", "thickness": t},
                  {"name": "free", "material": "Py", "thickness": 3e-9, "spin_hall_angle": 0.0},
                  {"material": "MgO", "thickness": 2e-9}]
        return float(torques(Stack.from_dict({"layers": layers})).magnet().xi_dl)
    x1, x2, x3 = xi(1e-9), xi(10e-9), xi(50e-9)
    assert x1 > x2 > x3 > 0
    assert x3 < 0.05 * x1  # decays over the magnon length


def test_temperature_law_reference_is_identity():
    # values in files hold at the reference temperature (docs/physics.md section 3.3); the laws
    # themselves are tested against their closed forms in tests/test_transport_temperature.py
    stack = fm_afi_stack()
    res_ref = torques(stack, temperature=300.0)
    assert float(res_ref.magnet().xi_dl) == pytest.approx(float(torques(stack).magnet().xi_dl), rel=1e-14, abs=0)
    law = MagnonTemperatureLaw()
    for kind in ("interface", "diffusion_length", "conductivity"):
        assert float(law.scale(kind, 2.0, 300.0, 300.0, 523.0, (0.14e12, 1.07e12))) == 2.0


def test_spin_pumping_damping_formula():
    # Delta alpha = g mu_B hbar G / (2 e^2 Ms d): numbers for Py 5 nm, G = 5e14
    da = spin_pumping_damping(5e14, 8e5, 5e-9)
    expect = 2.00231930436 * 9.2740100783e-24 * 1.054571817e-34 * 5e14 / (2 * (1.602176634e-19) ** 2 * 8e5 * 5e-9)
    assert da == pytest.approx(expect, rel=1e-9, abs=0)
    assert 1e-4 < da < 1e-1


def test_profiles_are_continuous_and_reflecting():
    s = fm_afi_stack(lj=1e-9)
    r = torques(s, profiles=True)
    q = r.profiles["spin_current"]
    z = r.profiles["z"]
    assert q.shape[-1] == 3 and z.shape == q.shape[:-1]
    # spin current vanishes at the insulator (bottom of the FM) and at the far side of the AFI
    names = r.profiles["layer"]
    first_fm = names.index("free")
    assert np.all(np.abs(q[first_fm]) < 1e-6 * 0.053 * 1e11)
    assert np.all(np.abs(q[-1]) < 1e-6 * 0.053 * 1e11)


# --------------------------------------------------------------------- property tests

kinds_metal = st.sampled_from(["Pt", "W", "Ta", "Cu", "Py", "CoFeB", "Co", "Fe"])
kinds_any = st.sampled_from(["Pt", "W", "Ta", "Cu", "Py", "CoFeB", "Co", "Fe", "NiO", "CoO", "MgO", "SiO2"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(kinds_any, st.floats(0.3e-9, 30e-9)), min_size=1, max_size=5),
       st.tuples(st.sampled_from(["Py", "CoFeB", "Co"]), st.floats(0.5e-9, 10e-9), st.floats(-0.1, 0.1)),
       st.integers(0, 5), st.floats(50.0, 900.0))
def test_random_valid_stacks_are_finite_and_conserve_spin(others, magnet, pos, temp):
    layers = [{"material": m, "thickness": t} for m, t in others]
    pos = min(pos, len(layers))
    layers.insert(pos, {"name": "free", "material": magnet[0], "thickness": magnet[1],
                        "spin_hall_angle": magnet[2]})
    if not any(l["material"] in ("Pt", "W", "Ta", "Cu", "Py", "CoFeB", "Co", "Fe") for l in layers):
        return
    stack = Stack.from_dict({"layers": layers, "temperature": temp})
    res = torques(stack)
    for m in res.magnets:
        for v in (m.xi_dl, m.xi_fl, m.b_dl, m.b_fl, m.sigma_dl):
            assert np.all(np.isfinite(v))
    assert np.all(np.isfinite(res.sheet_resistance))
    assert res.spin_balance["relative_residual"] < 1e-9
