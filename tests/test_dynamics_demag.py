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


# ---------------------------------------------------------------------------- flat elliptic cylinders


def _cylinder_nzz_surface_charges(a, b, t):
    """Independent N_zz of an elliptic cylinder (semi-axes a, b, thickness t): the self-energy of
    the charged top and bottom faces, N_zz = (1/(2 pi V)) int d^2w A(w) [1/|w| - 1/sqrt(w^2 + t^2)],
    A(w) the overlap area of the ellipse with its copy shifted by w (the unit-circle lens area
    2 acos(r/2) - (r/2) sqrt(4 - r^2) times a b, r = |(w_x/a, w_y/b)|)."""
    def lens(r):
        return 2 * np.arccos(r / 2) - (r / 2) * np.sqrt(4 - r * r)

    def inner(phi):
        h = np.sqrt((a * np.cos(phi)) ** 2 + (b * np.sin(phi)) ** 2)
        f = lambda r: lens(r) * (1.0 / h - r / np.sqrt((r * h) ** 2 + t * t))
        return integrate.quad(f, 0, 2, epsabs=0, epsrel=1e-10, limit=200)[0]

    total = integrate.quad(inner, 0, 2 * np.pi, epsabs=0, epsrel=1e-9, limit=200)[0]
    return a * b * total / (2 * np.pi ** 2 * t)


def _cylinder_nxx_surface_charges(a, b, t, axis="x"):
    """Independent N_xx (or N_yy) of the same cylinder: the self-energy of the charges on its side
    wall, sigma dS = b cos(theta) dtheta dz (a sin(theta) for y), the z integrals done exactly:
    N = (1/(4 pi V)) int int w(theta) w(theta') G(rho) dtheta dtheta',
    G(rho) = 2 [t asinh(t/rho) - sqrt(t^2 + rho^2) + rho], rho the chord between the two points."""
    w = (lambda th: b * np.cos(th)) if axis == "x" else (lambda th: a * np.sin(th))

    def G(rho):
        return 2 * (t * np.arcsinh(t / rho) - np.sqrt(t * t + rho * rho) + rho)

    def inner(th):
        def f(d):  # theta' = theta + d; log singularity at d = 0 and d = 2 pi (endpoints)
            tp = th + d
            rho = np.hypot(a * (np.cos(th) - np.cos(tp)), b * (np.sin(th) - np.sin(tp)))
            return w(tp) * G(rho)
        return w(th) * integrate.quad(f, 0, 2 * np.pi, epsabs=0, epsrel=1e-8, limit=400)[0]

    import warnings

    with warnings.catch_warnings():  # round-off notices of the reference quadrature (agreement is tested)
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        total = integrate.quad(inner, 0, 2 * np.pi, epsabs=0, epsrel=1e-9, limit=200)[0]
    return total / (4 * np.pi * np.pi * a * b * t)


@pytest.mark.parametrize("dims", [(100e-9, 100e-9, 3e-9), (150e-9, 60e-9, 5e-9), (60e-9, 20e-9, 30e-9)])
def test_flat_elliptic_cylinder_against_surface_charge_integrals(dims):
    L, W, T = dims
    n = demag.flat_elliptic_cylinder(L, W, T)
    a, b = L / 2, W / 2
    # the quadratures of the surface-charge forms are good to ~1e-9; the target is 1e-4
    assert n[2] == pytest.approx(_cylinder_nzz_surface_charges(a, b, T), rel=1e-6, abs=0)
    assert n[0] == pytest.approx(_cylinder_nxx_surface_charges(a, b, T, "x"), rel=1e-5, abs=0)
    assert n[1] == pytest.approx(_cylinder_nxx_surface_charges(a, b, T, "y"), rel=1e-5, abs=0)
    assert n.sum() == pytest.approx(1.0, rel=1e-12, abs=0)


def test_flat_elliptic_cylinder_limits():
    # a disk: the closed form with complete elliptic integrals, and the 100 nm x 3 nm numbers
    disk = demag.flat_elliptic_cylinder(100e-9, 100e-9, 3e-9)
    assert disk[2] == pytest.approx(demag.disk_nz(100e-9, 3e-9), rel=1e-12, abs=0)
    assert disk[0] == pytest.approx(0.04195, rel=1e-3, abs=0)        # 0.042 as a cylinder
    assert demag.elliptical_film(100e-9, 100e-9, 3e-9)[0] == pytest.approx(0.02269, rel=1e-3, abs=0)  # ellipsoid
    # a long cylinder (t >> a, b): the infinite elliptic cylinder, corrections ~ (a/t) (1e-3 here)
    np.testing.assert_allclose(demag.flat_elliptic_cylinder(1e-9, 3e-9, 1e-5),
                               demag.elliptic_cylinder(0.5, 1.5), rtol=0, atol=2e-4)
    # a thin film (t << a, b): (0, 0, 1), corrections ~ (t/a) ln(a/t)
    np.testing.assert_allclose(demag.flat_elliptic_cylinder(1e-3, 2e-3, 1e-9), [0, 0, 1], rtol=0, atol=2e-5)
    # a cylinder of height = diameter: magnetometric N_z = 0.3116 (Chen, Brug, Goldfarb, IEEE Trans.
    # Magn. 27, 3601 (1991), table for aspect ratio 1)
    assert demag.flat_elliptic_cylinder(1, 1, 1)[2] == pytest.approx(0.31158, rel=1e-4, abs=0)


def test_elliptical_cell_shape_anisotropy_cylinder_vs_ellipsoid():
    # the in-plane shape anisotropy (N_x - N_y) of a 150 x 60 x 5 nm ellipse, which sets Delta of
    # an in-plane cell, is ~1.5x larger as a cylinder than as the ellipsoid of equal axes
    cyl = demag.flat_elliptic_cylinder(150e-9, 60e-9, 5e-9)
    ell = demag.elliptical_film(150e-9, 60e-9, 5e-9)
    ratio = (cyl[1] - cyl[0]) / (ell[1] - ell[0])
    assert 1.3 < ratio < 1.7
