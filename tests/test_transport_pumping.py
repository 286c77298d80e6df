"""Spin pumping of every magnet from the same conductances as its torque (docs/transport.md,
"Spin pumping"; docs/physics.md section 3.6).

Tolerances: the pumping conductance is the exact solution of the same linear boundary-value
problem (magnet held at unit transverse accumulation), so the closed forms hold to round-off
(~1e-15); 1e-12 is asserted.
"""

import math

import numpy as np
import pytest

from spinloss.stack import Stack
from spinloss.transport import effective_sink_conductance, spin_pumping_damping, torques


def test_afi_on_top_pumps_with_the_closed_form_sink_conductance():
    for g_int, t in ((5e14, 10e-9), (1e13, 2e-9), (3e15, 40e-9)):
        layers = [{"material": "SiO2", "thickness": 5e-9},
                  {"name": "free", "material": "Py", "thickness": 5e-9},
                  {"material": "NiO", "thickness": t}]
        s = Stack.from_dict({"layers": layers, "interfaces": [
            {"between": ["free", "NiO"], "magnon_interface_conductance": g_int}]})
        m = torques(s).magnet("free")
        g_eff = float(effective_sink_conductance(g_int, 5e6, 1e-8, t))
        assert float(m.pumping_conductance.real) == pytest.approx(g_eff, rel=1e-12, abs=0)
        assert abs(float(m.pumping_conductance.imag)) < 1e-12 * g_eff
        assert float(m.spin_pumping_damping) == pytest.approx(
            float(spin_pumping_damping(g_eff, 8e5, 5e-9)), rel=1e-12, abs=0)


@pytest.mark.parametrize("d_pt,gmix", [(5e-9, (6e14, 6e13)), (1e-9, (2e14, 0.0)), (20e-9, (1e15, -1e14))])
def test_heavy_metal_pumps_with_the_backflow_reduced_mixing_conductance(d_pt, gmix):
    # 1/G_p = 1/G_mix + 1/[(sigma/2 lambda) tanh(d/lambda)] (the metal's backflow); independent of
    # the magnet's own transverse channel and of the transmitted part (the magnet is the source)
    rho, lam = 3.3e-7, 2.3e-9
    back = 1 / (2 * rho * lam) * math.tanh(d_pt / lam)
    g = complex(*gmix)
    expect = 1 / (1 / g + 1 / back)
    for gt, lphi in ((0.0, 1e-9), (0.5 * gmix[0], 1e-9), (0.0, 0.0)):
        layers = [{"material": "SiO2", "thickness": 5e-9},
                  {"material": "Pt", "thickness": d_pt, "resistivity": rho, "spin_diffusion_length": lam},
                  {"name": "free", "material": "CoFeB", "thickness": 1.5e-9, "spin_dephasing_length": lphi},
                  {"material": "MgO", "thickness": 2e-9}]
        s = Stack.from_dict({"layers": layers, "interfaces": [
            {"between": ["Pt", "free"], "spin_mixing_conductance": list(gmix),
             "transmitted_mixing_conductance": gt}]})
        m = torques(s).magnet("free")
        assert complex(m.pumping_conductance) == pytest.approx(expect, rel=1e-12, abs=0)


def test_pumping_and_torque_share_the_transparency():
    # Onsager pair of a heavy metal on a magnet (G_t = 0, real G_mix): the damping-like torque is
    # theta (1 - sech) T with T = G/(G + B), the pumping conductance G B/(G + B) = B T, B the
    # backflow conductance -- both from the same solve of the same conductances
    rho, lam, d, theta = 3.3e-7, 2.3e-9, 5e-9, 0.387
    g = np.geomspace(1e13, 1e16, 7)
    layers = [{"material": "Pt", "thickness": d, "resistivity": rho, "spin_diffusion_length": lam,
               "spin_hall_angle": theta},
              {"name": "free", "material": "CoFeB", "thickness": 1.5e-9}, {"material": "MgO", "thickness": 2e-9}]
    s = Stack.from_dict({"layers": layers, "interfaces": [{"between": ["Pt", "free"],
                                                           "spin_mixing_conductance": [1e14, 0.0]}]})
    res = torques(s.with_values({"interfaces.0.spin_mixing_conductance": g}))
    m = res.magnet("free")
    back = 1 / (2 * rho * lam) * math.tanh(d / lam)
    transparency = np.asarray(m.xi_dl) / (theta * (1 - 1 / math.cosh(d / lam)))
    np.testing.assert_allclose(np.asarray(m.pumping_conductance).real, back * transparency, rtol=1e-12, atol=0)


def test_sinks_on_both_sides_add_and_insulators_pump_nothing():
    rho, lam, d = 3.3e-7, 2.3e-9, 5e-9
    layers = [{"material": "Pt", "thickness": d, "resistivity": rho, "spin_diffusion_length": lam},
              {"name": "free", "material": "Py", "thickness": 4e-9},
              {"material": "NiO", "thickness": 10e-9}]
    s = Stack.from_dict({"layers": layers, "interfaces": [
        {"between": ["Pt", "free"], "spin_mixing_conductance": [6e14, 0.0]},
        {"between": ["free", "NiO"], "magnon_interface_conductance": 5e14}]})
    m = torques(s).magnet("free")
    back = 1 / (2 * rho * lam) * math.tanh(d / lam)
    expect = 1 / (1 / 6e14 + 1 / back) + float(effective_sink_conductance(5e14, 5e6, 1e-8, 10e-9))
    assert float(m.pumping_conductance.real) == pytest.approx(expect, rel=1e-12, abs=0)
    control = Stack.from_dict({"layers": [{"material": "SiO2", "thickness": 5e-9},
                                          {"name": "free", "material": "Py", "thickness": 4e-9},
                                          {"material": "MgO", "thickness": 5e-9}]})
    c = torques(control).magnet("free")
    assert float(c.pumping_conductance.real) == 0.0 and float(c.spin_pumping_damping) == 0.0


def test_pumping_follows_the_sink_temperature_law_like_the_torque():
    # same temperature-scaled G_int and magnon transport as the torque (T != T_ref)
    from spinloss.transport import DEFAULT_TEMPERATURE_LAW as law, layer_neel_temperature

    layers = [{"material": "SiO2", "thickness": 5e-9}, {"name": "free", "material": "Py", "thickness": 5e-9},
              {"material": "NiO", "thickness": 10e-9}]
    s = Stack.from_dict({"layers": layers})
    T = np.array([150.0, 300.0, 450.0, 600.0])
    m = torques(s, temperature=T).magnet("free")
    nio = s.layer("NiO")
    tn = float(layer_neel_temperature(nio))
    gaps = (nio.material.magnon_gap_frequency_low, nio.material.magnon_gap_frequency_high)
    g_int = law.scale("interface", 5e14, T, 300.0, tn, gaps)
    lam = law.scale("diffusion_length", 1e-8, T, 300.0, tn, gaps)
    sig = law.scale("conductivity", 5e6, T, 300.0, tn, gaps)
    np.testing.assert_allclose(np.asarray(m.pumping_conductance).real,
                               effective_sink_conductance(g_int, sig, lam, 10e-9), rtol=1e-12, atol=0)


def test_pumping_keys_in_json_and_xarray():
    s = Stack.from_dict({"layers": [{"material": "Pt", "thickness": 5e-9},
                                    {"name": "free", "material": "CoFeB", "thickness": 1.5e-9},
                                    {"material": "MgO", "thickness": 2e-9}]})
    res = torques(s)
    d = res.as_dict()["magnets"][0]
    m = res.magnet("free")
    assert d["pumping_conductance"]["real"] == pytest.approx(float(m.pumping_conductance.real), rel=1e-15, abs=0)
    assert d["pumping_conductance"]["imag"] == float(np.asarray(m.pumping_conductance).imag)
    assert d["spin_pumping_damping"] == pytest.approx(float(m.spin_pumping_damping), rel=1e-15, abs=0)
    assert res.as_dict()["units"]["pumping_conductance"] == "Ohm^-1 m^-2"
    ds = res.to_xarray()
    assert ds["spin_pumping_damping_free"].attrs["units"] == "1"
    # a sweep keeps the shape, select() picks points
    sweep = torques(s.with_values({"Pt.thickness": np.array([2e-9, 5e-9, 10e-9])}))
    g = np.asarray(sweep.magnet("free").pumping_conductance).real
    assert g.shape == (3,) and np.all(np.diff(g) > 0)            # thicker metal, less backflow
    assert float(sweep.select(1).magnet("free").pumping_conductance.real) == pytest.approx(
        float(m.pumping_conductance.real), rel=1e-12, abs=0)
