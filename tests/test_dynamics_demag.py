"""Demagnetizing tensors (spinloss.dynamics.demag)."""

import numpy as np
import pytest
from scipy import integrate

from spinloss.dynamics import demag


@pytest.mark.parametrize("axes", [(1, 1, 1), (1, 2, 3), (5, 1, 0.1), (40, 40, 1.2), (1, 1, 30)])
def test_trace_is_one(axes):
    assert demag.ellipsoid(*axes).sum() == pytest.approx(1, abs=1e-12)
    assert demag.prism(*axes).sum() == pytest.approx(1, abs=1e-12)


def test_sphere_cube_thin_film():
    np.testing.assert_allclose(demag.ellipsoid(2, 2, 2), [1 / 3] * 3, atol=1e-14)
    np.testing.assert_allclose(demag.prism(3, 3, 3), [1 / 3] * 3, atol=1e-13)
    assert demag.thin_film().tolist() == [0, 0, 1]
    # very flat ellipsoid / prism -> thin film (N_z -> 1 like 1 - O(c/a))
    assert demag.ellipsoid(1e4, 1e4, 1)[2] > 0.999
    assert demag.prism(1e4, 1e4, 1)[2] > 0.999


def test_long_cylinder():
    np.testing.assert_allclose(demag.elliptic_cylinder(1, 1), [0.5, 0.5, 0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(demag.elliptic_cylinder(1, 3), [0.75, 0.25, 0], rtol=1e-12, atol=0)
    # long ellipsoid -> elliptic cylinder; N_z ~ (a b / c^2) ln(c/a) -> 0. The atol is the size of
    # that finite-length correction (not round-off): here N_z ~ 3e-10 * 12 ~ 3.6e-9 (3.2e-9 seen)
    np.testing.assert_allclose(demag.ellipsoid(1, 3, 1e5), [0.75, 0.25, 0], atol=1e-8)
    # square prism: the end faces give N_z ~ a/c-order corrections, ~5e-5 at c/a = 1e4 (4.7e-5 seen)
    np.testing.assert_allclose(demag.prism(1, 1, 1e4), [0.5, 0.5, 0], atol=1e-4)


@pytest.mark.parametrize("m", [1.01, 1.5, 2.0, 5.0, 20.0])
def test_osborn_vs_prolate_closed_form(m):
    n = demag.ellipsoid(1, 1, m)
    assert n[2] == pytest.approx(demag.prolate_spheroid_nz(m), rel=1e-12, abs=0)
    assert n[0] == pytest.approx((1 - n[2]) / 2, rel=1e-12, abs=0)


def _prism_nz_numeric(lx, ly, lz):
    """Independent check: N_zz = magnetostatic self-energy of the two charged faces,
    N_zz = [I(0) - I(lz)] / (2 pi V), I(h) = int int (lx-|u|)(ly-|v|)/sqrt(u^2+v^2+h^2) du dv."""
    def I(h):
        f = lambda v, u: (lx - u) * (ly - v) / np.sqrt(u * u + v * v + h * h)
        return 4 * integrate.dblquad(f, 0, lx, 0, ly, epsabs=1e-13, epsrel=1e-11)[0]

    return (I(0.0) - I(lz)) / (2 * np.pi * lx * ly * lz)


@pytest.mark.parametrize("dims", [(1, 1, 2), (2, 1, 0.5), (1, 3, 0.2)])
def test_prism_aharoni_vs_numeric_integral(dims):
    # quadrature tolerance ~1e-8 (integrable 1/r singularity at h = 0)
    assert demag.prism(*dims)[2] == pytest.approx(_prism_nz_numeric(*dims), rel=1e-6)


def test_elliptical_film_is_flat_ellipsoid():
    n = demag.elliptical_film(100e-9, 50e-9, 2e-9)
    assert n[2] > n[1] > n[0] > 0
    np.testing.assert_allclose(n, demag.ellipsoid(50e-9, 25e-9, 1e-9), rtol=1e-12, atol=0)
