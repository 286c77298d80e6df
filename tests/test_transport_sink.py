"""The perfect spin sink (kind ``spin_sink``): a boundary condition holding zero spin
accumulation behind its interface (docs/physics.md sec. 3.8).

Tolerances: the sink is the same linear boundary-value problem as an AFI whose bulk magnon
conductance sigma_m/lambda_m is infinite; compared at the same effective conductance G_eff the
two agree to round-off (measured 7e-15), 1e-9 is asserted; an AFI with a finite bulk
(sigma_m/lambda_m = 1e17) is asserted to be weaker by more than 1e-4 (it is by G/1e17 ~ 1e-3).
The closed form and the pumping hold to round-off; 1e-9 and 1e-12 are asserted.
"""

import pytest

from spinloss.device import Device
from spinloss.errors import ConfigError
from spinloss.stack import Stack
from spinloss.transport import spin_pumping_damping, torques
from pathlib import Path

EX = Path(__file__).resolve().parents[1] / "examples"


def on_sink(g=6e14, d_py=3e-9):
    return Stack.from_dict({"layers": [{"material": "SiO2", "thickness": 5e-9},
                                       {"name": "free", "material": "Py", "thickness": d_py},
                                       {"material": "PerfectSink", "thickness": 1e-9}],
                            "interfaces": [{"between": ["free", "PerfectSink"], "spin_conductance": g}]})


def on_afi(g=6e14, d_py=3e-9, t=30e-9, sigma_m=5e6):
    return Stack.from_dict({"layers": [{"material": "SiO2", "thickness": 5e-9},
                                       {"name": "free", "material": "Py", "thickness": d_py},
                                       {"material": "NiO", "thickness": t, "magnon_spin_conductivity": sigma_m}],
                            "interfaces": [{"between": ["free", "NiO"], "magnon_interface_conductance": g}]},
                           )


@pytest.mark.parametrize("g", [1e14, 6e14, 3e15])
def test_perfect_sink_is_the_limit_of_an_afi_with_infinite_bulk_magnon_conductance(g):
    a = torques(on_afi(g, sigma_m=1e12)).magnet("free")
    far = torques(on_afi(g, sigma_m=1e9)).magnet("free")
    # the AFI's interface conductance is scaled by its temperature law (T/T_N): compare at the
    # AFI's G_eff, which is what it pumps
    scale = float(a.pumping_conductance.real) / g
    s = torques(on_sink(g * scale)).magnet("free")
    for k in ("xi_dl", "xi_fl"):
        assert float(getattr(a, k)) == pytest.approx(float(getattr(s, k)), rel=1e-9, abs=0)
    assert float(a.pumping_conductance.real) == pytest.approx(float(s.pumping_conductance.real), rel=1e-9, abs=0)
    # the tolerance bites: a finite bulk (sigma_m = 1e9, sigma_m/lambda_m = 1e17) is measurably weaker
    assert abs(float(far.xi_dl)) < abs(float(s.xi_dl)) * (1 - 1e-4)


def test_no_afi_takes_more_spin_than_the_perfect_sink_at_the_same_interface_conductance():
    g = 6e14
    best = abs(float(torques(on_sink(g)).magnet("free").xi_dl))
    for t in (2e-9, 10e-9, 30e-9, 100e-9):
        for sigma in (1e6, 5e6, 1e8):
            a = torques(on_afi(g, t=t, sigma_m=sigma))
            # the AFI's G_int is scaled by its temperature law (below 1 at 300 K): at worst equal
            assert abs(float(a.magnet("free").xi_dl)) <= best * (1 + 1e-12), (t, sigma)


def test_sink_pumps_exactly_its_interface_conductance_and_balances_spin():
    for g in (1e13, 6e14, 1e16):
        r = torques(on_sink(g))
        m = r.magnet("free")
        assert float(m.pumping_conductance.real) == pytest.approx(g, rel=1e-12, abs=0)
        assert float(m.spin_pumping_damping) == pytest.approx(float(spin_pumping_damping(g, 8e5, 3e-9)),
                                                              rel=1e-12, abs=0)
        assert float(r.spin_balance["relative_residual"]) < 1e-10


def test_torque_grows_with_the_sink_conductance_towards_its_bound():
    xs = [abs(float(torques(on_sink(g)).magnet("free").xi_dl)) for g in (1e13, 1e14, 1e15, 1e16, 1e17, 1e18)]
    assert all(b > a for a, b in zip(xs, xs[1:]))
    # saturation: the last decade adds < 2 %, the bound (~0.05 for 3 nm Py) is reached
    assert xs[-1] / xs[-2] < 1.02
    assert 0.045 < xs[-1] < 0.055


def test_perfect_sink_refuses_what_it_cannot_be():
    with pytest.raises(ConfigError, match="must be finite"):
        on_sink(float("inf"))
    with pytest.raises(ConfigError, match="perfect spin sink"):
        Stack.from_dict({"layers": [{"name": "free", "material": "Py", "thickness": 3e-9},
                                    {"material": "NiO", "thickness": 5e-9},
                                    {"material": "PerfectSink", "thickness": 1e-9}]})
    with pytest.raises(ConfigError, match="antiferromagnetic insulator"):
        Stack.from_dict({"layers": [{"name": "free", "material": "Py", "thickness": 3e-9},
                                    {"material": "PerfectSink", "thickness": 1e-9}],
                         "interfaces": [{"between": ["free", "PerfectSink"], "magnon_interface_conductance": 1e15}]})
    with pytest.raises(ConfigError, match="not a property"):
        Stack.from_dict({"layers": [{"name": "free", "material": "Py", "thickness": 3e-9},
                                    {"material": "PerfectSink", "thickness": 1e-9, "resistivity": 1e-7}]})


def test_perfect_sink_cell_is_a_spin_loss_design_and_its_damping_includes_the_sink():
    from spinloss.cells import classify

    d = Device.from_toml(EX / "py_perfect_sink_cell.toml")
    c = classify(d)
    assert c["category"] == "spin_loss" and c["sink"]
    assert c["sink_conductance"] == pytest.approx(6e14, rel=1e-12, abs=0)
    b = d.damping_breakdown()
    assert b["spin_pumping_damping"] == pytest.approx(float(spin_pumping_damping(6e14, 8e5, 3e-9)), rel=1e-12, abs=0)


@pytest.mark.parametrize("g,d", [(1e14, 3e-9), (6e14, 2e-9), (5e15, 6e-9)])
def test_perfect_sink_matches_the_closed_form_of_a_sink_on_top(g, d):
    # docs/physics.md sec. 3.5, form 1, with G_eff = G exactly (no bulk in series): no precession
    # (lambda_J = inf), real transverse length; xi_DL = -share * theta (1 - sech(d/l)) g~/(g~ + tanh(d/l))
    import math

    s = Stack.from_dict({"layers": [{"material": "SiO2", "thickness": 5e-9},
                                    {"name": "free", "material": "Py", "thickness": d,
                                     "spin_precession_length": "inf"},
                                    {"material": "PerfectSink", "thickness": 1e-9}],
                         "interfaces": [{"between": ["free", "PerfectSink"], "spin_conductance": g}]})
    theta, rho, lsf, lphi = 0.053, 3e-7, 4e-9, 1e-9
    lam = (1 / lsf ** 2 + 1 / lphi ** 2) ** -0.5
    gt = 2 * lam * g * rho
    q_out = theta * (1 - 1 / math.cosh(d / lam)) * gt / (gt + math.tanh(d / lam))
    share = (1 / lphi ** 2) / (1 / lsf ** 2 + 1 / lphi ** 2)
    m = torques(s).magnet("free")
    assert float(m.xi_dl) == pytest.approx(-share * q_out, rel=1e-9, abs=0)
    assert abs(float(m.xi_fl)) < 1e-12
