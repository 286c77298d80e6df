"""The magnon sink's temperature and thickness laws (docs/physics.md section 3.3, docs/transport.md
"Temperature law of the magnon sink").

Tolerances: the magnon-number integral is evaluated by a trapezoid rule in w (x = delta sinh w)
whose error for this analytic, even integrand is far below round-off; it is compared with an
independent exact series (Bessel functions) and adaptive quadrature to 1e-10 relative, the
accuracy of those references.
"""

import math

import numpy as np
import pytest
from scipy import integrate, special

from spinloss.stack import Stack
from spinloss.transport import (HEISENBERG_SHIFT_EXPONENT, MagnonTemperatureLaw, film_neel_temperature,
                                layer_neel_temperature, log_magnon_number_factor, magnon_number_factor,
                                torques)
from spinloss.units import HBAR, KB

H = 2 * math.pi * HBAR
TWO_ZETA3 = 2 * 1.2020569031595942
NIO_GAPS = (0.14e12, 1.07e12)


def gap_for(delta, T=300.0):
    """The gap frequency (Hz) with Delta/(k_B T) = delta."""
    return delta * KB * T / H


def integral_by_bessel_series(delta):
    """I(delta) = integral x^2/(exp(sqrt(x^2 + delta^2)) - 1) = delta^2 sum_n K_2(n delta)/n:
    expand 1/(e^y - 1) = sum_n e^{-n y} and use integral x^2 e^{-n sqrt(x^2+d^2)} dx = d^2 K_2(n d)/n."""
    n = np.arange(1, int(80 / delta) + 2)
    return delta**2 * np.sum(special.kv(2, n * delta) / n)


def integral_by_quadrature(delta):
    """Same integral by adaptive quadrature, with exp(-delta) taken out (returns log I)."""
    f = lambda x: x**2 * math.exp(delta - math.sqrt(x * x + delta * delta)) / -math.expm1(-math.sqrt(x * x + delta * delta))
    val, _ = integrate.quad(f, 0, math.inf, epsabs=0, epsrel=1e-13, limit=400)
    return math.log(val) - delta


@pytest.mark.parametrize("delta", [1e-4, 1e-2, 0.1, 0.5, 1.0, 3.0, 10.0, 40.0, 300.0])
def test_magnon_number_integral(delta):
    got = float(log_magnon_number_factor(300.0, (gap_for(delta),))) + math.log(TWO_ZETA3)   # log I
    assert got == pytest.approx(integral_by_quadrature(delta), rel=0, abs=1e-10)
    if 0.1 <= delta <= 40:
        assert math.exp(got) == pytest.approx(integral_by_bessel_series(delta), rel=1e-10, abs=0)


def test_gapless_antiferromagnet_population_is_t_cubed():
    # linear dispersion, no gap: n ~ (k_B T / hbar v)^3 zeta(3)/pi^2, the T^3 law
    law = MagnonTemperatureLaw()
    T = np.array([30.0, 100.0, 250.0, 400.0])
    p = law.population(T, 523.0, (0.0, 0.0))
    np.testing.assert_allclose(p, (T / 523.0) ** 3, rtol=1e-10, atol=0)
    assert float(magnon_number_factor(300.0, (0.0,))) == pytest.approx(1.0, rel=1e-10, abs=0)


def test_population_ratio_well_above_and_well_below_the_gap():
    law = MagnonTemperatureLaw()
    # well above the gaps (k_B T >> h f): doubling T multiplies the number by 8 up to O(delta^2)
    hot = law.population(np.array([2000.0, 4000.0]), 1e4, NIO_GAPS)
    delta = H * NIO_GAPS[1] / (KB * 2000.0)                 # 0.026
    assert hot[1] / hot[0] == pytest.approx(8.0, rel=2 * delta, abs=0)
    # well below a gap: activated, n ~ T^(3/2) exp(-Delta/k_B T) (1 + 15/(8 delta) + ...)
    gap = (1.07e12,)
    T1, T2 = 2.0, 4.0
    d1, d2 = H * gap[0] / (KB * T1), H * gap[0] / (KB * T2)    # 25.7, 12.8
    cold = law.population(np.array([T1, T2]), 523.0, gap)
    asym = (T1 / T2) ** 1.5 * math.exp(-(d1 - d2)) * (1 + 15 / (8 * d1)) / (1 + 15 / (8 * d2))
    assert cold[0] / cold[1] == pytest.approx(asym, rel=3 / d2**2, abs=0)   # next term O(1/delta^2)


def test_nio_population_ratio_against_independent_integration():
    # the default law for NiO's two branches (0.14 and 1.07 THz) between 100 K and 300 K, against
    # the same ratio from adaptive quadrature of the magnon number of each branch
    law = MagnonTemperatureLaw()
    ratio = law.population(300.0, 523.0, NIO_GAPS) / law.population(100.0, 523.0, NIO_GAPS)

    def number(T):
        return T**3 * sum(math.exp(integral_by_quadrature(H * f / (KB * T))) for f in NIO_GAPS)

    assert float(ratio) == pytest.approx(number(300.0) / number(100.0), rel=1e-10, abs=0)
    # steeper than T^3 (27): the gaps suppress the 100 K population more than the 300 K one; the
    # former T^(3/2) law gave 5.2
    assert 27.0 < float(ratio) < 35.0


def test_power_law_option_keeps_the_ferromagnet_like_law():
    law = MagnonTemperatureLaw(population_law="power", population_exponent=1.5)
    T = np.array([100.0, 300.0, 600.0])
    np.testing.assert_allclose(law.population(T, 523.0, NIO_GAPS), np.minimum(T / 523.0, 1.0) ** 1.5,
                               rtol=1e-14, atol=0)


def test_finite_size_neel_temperature():
    # T_N(t) = T_N,bulk [1 - (t0/t)^lambda]
    t = np.array([0.5e-9, 0.6e-9, 1e-9, 2e-9, 10e-9, 1e-6])
    tn = film_neel_temperature(523.0, t, 0.6e-9, 1.41)
    np.testing.assert_allclose(tn, 523.0 * np.clip(1 - (0.6e-9 / t) ** 1.41, 0, 1), rtol=1e-14, atol=0)
    assert tn[0] == 0.0 and tn[1] == 0.0                      # t <= t0: never orders
    assert np.all(np.diff(tn) >= 0)
    assert tn[-1] == pytest.approx(523.0, rel=1e-4, abs=0)    # bulk limit
    assert float(film_neel_temperature(523.0, 2e-9, 0.0)) == 523.0   # t0 = 0: bulk value
    assert HEISENBERG_SHIFT_EXPONENT == pytest.approx(1.406, rel=1e-3, abs=0)


def test_library_nio_film_neel_temperatures_against_measured_films():
    # a 3-monolayer NiO(100) film on MgO (a/2 = 0.2085 nm per monolayer) orders below 40 K
    # [V: Altieri et al., PRB 79, 174431 (2009)]; thicker films approach the bulk 523 K
    def nio(t):
        return Stack.from_dict({"layers": [{"name": "free", "material": "Py", "thickness": 5e-9},
                                           {"material": "NiO", "thickness": t}]}).layer("NiO")
    ml = 0.2085e-9
    assert float(layer_neel_temperature(nio(3 * ml))) < 40.0
    t20 = float(layer_neel_temperature(nio(20 * ml)))
    assert 0.85 * 523 < t20 < 523.0                 # reduced below bulk even at 20 ML (Alders et al. 1998)
    assert float(layer_neel_temperature(nio(100e-9))) > 0.999 * 523


def test_torque_peak_follows_the_film_neel_temperature():
    # the solver uses the film's T_N: a 2 nm NiO sink peaks near T_N(2 nm) ~ 427 K, well below the
    # bulk 523 K (a 10 nm film near 513 K)
    peaks = {}
    for t_nio in (2e-9, 10e-9):
        s = Stack.from_dict({"layers": [{"material": "SiO2", "thickness": 5e-9},
                                        {"name": "free", "material": "Py", "thickness": 5e-9},
                                        {"material": "NiO", "thickness": t_nio}]})
        tn = float(layer_neel_temperature(s.layer("NiO")))
        T = np.arange(100.0, 801.0, 2.0)
        xi = np.abs(np.asarray(torques(s, temperature=T).magnet("free").xi_dl))
        t_peak = T[np.argmax(xi)]
        assert abs(t_peak - tn) < 0.03 * tn, (t_nio, t_peak, tn)
        peaks[t_nio] = t_peak
    assert peaks[2e-9] < 523.0 - 60.0 < peaks[10e-9]


def test_afi_without_gap_keys_is_gapless():
    s = Stack.from_dict({"layers": [{"material": "SiO2", "thickness": 5e-9},
                                    {"name": "free", "material": "Py", "thickness": 5e-9},
                                    {"name": "afi", "thickness": 10e-9,
                                     "material": {"kind": "antiferromagnetic_insulator", "neel_temperature": 500.0,
                                                  "magnon_diffusion_length": 1e-8,
                                                  "magnon_spin_conductivity": 5e6}}]})
    assert np.all(np.isfinite(np.asarray(torques(s, temperature=np.array([50.0, 300.0, 700.0])).magnet("free").xi_dl)))
