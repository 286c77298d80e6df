"""The terms of the macrospin (dynamics/terms.py): each field is -dE/dm, and the fused numba kernel
equals the sum of the terms."""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pytest

from spinloss.dynamics import (MacrospinParameters, Waveform, effective_field, energy_density, simulate,
                               terms as T)
from spinloss.dynamics import kernels as K
from spinloss.dynamics.integrators import largest_field, pack_parameters
from spinloss.dynamics.llg import llg_rhs_numpy
from spinloss.errors import SpinlossInputError
from spinloss.units import MU0

EPS = np.finfo(float).eps
N = 64  # >= the kernels' chunk width: the vectorized chunk path runs, not only the scalar one


def random_parameters(rng, n=N, stt=True):
    """Random devices spanning the ranges the package uses: Ms 0.2-1.6 MA/m, alpha 0.002-0.5,
    H_K up to 2 MA/m, fields up to ~50 kA/m, torques up to ~1e4 A/m at j ~ 1e11-1e12 A/m^2."""
    return MacrospinParameters(
        saturation_magnetization=rng.uniform(2e5, 1.6e6, n), damping=rng.uniform(0.002, 0.5, n),
        demag_factors=rng.dirichlet([1, 1, 1], n), anisotropy_axis=rng.normal(size=(n, 3)),
        anisotropy_field=rng.uniform(-2e5, 2e6, n), applied_field=rng.normal(size=(n, 3)) * 3e4,
        polarization=rng.normal(size=(n, 3)),
        damping_like_field_per_current=rng.normal(size=n) * 1e-8,
        field_like_field_per_current=rng.normal(size=n) * 1e-8,
        spin_transfer_field_per_current=rng.normal(size=n) * 1e-8 if stt else 0.0,
        gamma=rng.uniform(1.7e11, 1.8e11, n))


def device(params, i):
    """Device i of a batch, from the raw fields (not re-normalized: the same bits)."""
    out = {}
    for f in fields(params):
        a = np.asarray(getattr(params, f.name))
        out[f.name] = a[i] if a.ndim and a.shape[0] == N else a
    return MacrospinParameters(**out)


def unit(rng, n=N):
    m = rng.normal(size=(n, 3))
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def terms_rhs(params, m, j, omit=()):
    """dm/dt (1/s) from the terms: fields summed, the torque terms' H_DL, H_FL and s through
    the reference numpy form of the LLG (llg.llg_rhs_numpy)."""
    b = params.broadcast(m.shape[0])
    terms = [t for t in params.terms(m.shape[0]) if t.name not in omit]
    h = sum(t.field(m) for t in terms if isinstance(t, T.FieldTerm))
    torques = [t for t in terms if isinstance(t, T.SpinTorque)]
    h_dl = sum(t.damping_like_field(j) for t in torques)
    h_fl = sum(t.field_like_field(j) for t in torques)
    return llg_rhs_numpy(m, h, b["damping"], h_dl, h_fl, torques[0].polarization, b["gamma"][:, None])


def rhs_scale(params, j):
    """Per device: rate x (1 + alpha) x (sum of the terms' field scales at |j| + M_s N_max): a
    bound on every intermediate of the right-hand side (|m| = 1), in 1/s."""
    b = params.broadcast(N)
    rate = b["gamma"] * MU0 / (1 + b["damping"] ** 2)
    h = T.field_scale(params.terms(N), np.max(np.abs(j))) + b["saturation_magnetization"] * b["demag_factors"].max(axis=1)
    return rate * (1 + b["damping"]) * h


def kernel_rhs(params, m, j):
    P = np.ascontiguousarray(pack_parameters(params, m.shape[0]))
    out = np.empty((3, m.shape[0]))
    K.deterministic_rhs(np.ascontiguousarray(m.T), P, np.ascontiguousarray(j, dtype=float), out)
    return out.T


def test_terms_of_the_parameters():
    p = MacrospinParameters(saturation_magnetization=8e5, damping=0.01)
    names = [t.name for t in p.terms()]
    assert names == ["zeeman", "uniaxial_anisotropy", "demagnetization", "damping_like_torque",
                     "field_like_torque", "spin_transfer_torque"]
    assert all(t.size == 5 for t in p.terms(5))
    # every parameter that the energy depends on, and only those
    assert set(T.ENERGY_PARAMETERS) == {"saturation_magnetization", "demag_factors", "anisotropy_axis",
                                        "anisotropy_field", "applied_field"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fused_kernel_equals_sum_of_terms(seed):
    rng = np.random.default_rng(seed)
    params = random_parameters(rng)
    m = unit(rng)
    j = rng.uniform(-2e12, 2e12, N)
    got = kernel_rhs(params, m, j)
    want = terms_rhs(params, m, j)
    # Float64 round-off: each component is a sum of ~12 rounded products and sums whose
    # intermediates are bounded by rhs_scale; the two forms order and group them differently
    # (rate folded in before vs after, m x (m x B) as m (m.B) - B (m.m) vs two cross products),
    # so they differ by at most ~12 eps x scale. 64 eps x scale: a 5x margin.
    tol = 64 * EPS * rhs_scale(params, j)
    err = np.max(np.abs(got - want), axis=1)
    assert np.all(err <= tol), (err / tol).max()
    # the tolerance bites: dropping any one term (or the torque's polarization sign) is caught
    # by many orders of magnitude
    for omit in ("zeeman", "uniaxial_anisotropy", "demagnetization", "damping_like_torque",
                 "field_like_torque", "spin_transfer_torque"):
        wrong = terms_rhs(params, m, j, omit=(omit,))
        assert np.max(np.abs(got - wrong) / tol[:, None]) > 1e6, omit


def test_heun_step_of_the_kernels_equals_the_terms():
    """One T = 0 Heun step of simulate (vectorized chunk path for N = 64, register path for N = 1)
    against the same step from the terms: checks the work-array field (_wfield) too."""
    rng = np.random.default_rng(7)
    params = random_parameters(rng)
    m = unit(rng)
    j = 1.5e12
    dt = 0.5 * 0.02 / (float(np.max(params.broadcast(N)["gamma"])) * MU0 * largest_field(params, j))
    r = simulate(params, m, Waveform.constant(j), dt, dt)
    f0 = terms_rhs(params, m, np.full(N, j))
    pred = m + dt * f0
    new = m + 0.5 * dt * (f0 + terms_rhs(params, pred, np.full(N, j)))
    new /= np.linalg.norm(new, axis=1, keepdims=True)
    # |dt f| <= 0.02 by the choice of dt: the round-off of the right-hand sides (64 eps scale,
    # above) enters multiplied by dt scale <= 0.02; the update m + dt f and the normalization add
    # a few eps (|m| = 1): 8 eps bounds both.
    assert np.max(np.abs(r.m_final - new)) <= 8 * EPS
    one = simulate(device(params, 3), m[3], Waveform.constant(j), dt, dt)
    assert np.array_equal(one.m_final[0], r.m_final[3])  # scalar path: the same bits


def test_torque_field_form_equals_explicit_torques():
    """Derivation step 1 of llg.py: the torques are a precession about H_T = H_FL s + H_DL m x s."""
    rng = np.random.default_rng(3)
    params = random_parameters(rng)
    m = unit(rng)
    j = rng.uniform(-2e12, 2e12, N)
    b = params.broadcast(N)
    terms = params.terms(N)
    h = sum(t.field(m) for t in terms if isinstance(t, T.FieldTerm))
    h_t = sum(t.torque_field(m, j) for t in terms if isinstance(t, T.SpinTorque))
    a = llg_rhs_numpy(m, h + h_t, b["damping"], 0.0, 0.0, b["polarization"], b["gamma"][:, None])
    want = terms_rhs(params, m, j)
    # same reference form, torque folded into the field: a few roundings (<= 16 eps x scale)
    assert np.all(np.max(np.abs(a - want), axis=1) <= 16 * EPS * rhs_scale(params, j))
    # Gilbert-form torque of each term against its formula
    s = b["polarization"]
    dl = T.DampingLikeTorque(b["damping_like_field_per_current"], s)
    want_dl = -(b["gamma"] * MU0 * dl.damping_like_field(j))[:, None] * np.cross(m, np.cross(m, s))
    scale = b["gamma"] * MU0 * np.abs(dl.damping_like_field(j))
    assert np.all(np.max(np.abs(dl.torque(m, j, b["gamma"]) - want_dl), axis=1) <= 8 * EPS * scale)


def test_spin_transfer_term_is_damping_like_along_the_polarization():
    rng = np.random.default_rng(4)
    base = random_parameters(rng, stt=False)
    a = base.damping_like_field_per_current
    stt = replace(base, damping_like_field_per_current=0.0, spin_transfer_field_per_current=a)
    m = unit(rng)
    r1 = simulate(base, m, Waveform.constant(1e12), 2e-12, 1e-13)
    r2 = simulate(stt, m, Waveform.constant(1e12), 2e-12, 1e-13)
    assert np.array_equal(r1.m_final, r2.m_final)  # the same kernel rows, bit for bit


def test_torque_terms_must_share_the_polarization():
    s1 = np.array([[0.0, 1.0, 0.0]])
    s2 = np.array([[0.0, 0.0, 1.0]])
    P = np.zeros((K.NPAR, 1))
    torques = [T.DampingLikeTorque(np.array([1e-8]), s1), T.SpinTransferTorque(np.array([1e-8]), s2)]
    with pytest.raises(SpinlossInputError, match="share one polarization"):
        T.pack_spin_torques(torques, P, np.array([0.01]), np.array([1.0]))
    # a torque with zero field does not constrain s, in either order
    for pair in ([torques[0], T.SpinTransferTorque(np.array([0.0]), s2)],
                 [T.DampingLikeTorque(np.array([0.0]), s2), T.SpinTransferTorque(np.array([1e-8]), s1)]):
        P = np.zeros((K.NPAR, 1))
        T.pack_spin_torques(pair, P, np.array([0.01]), np.array([1.0]))
        assert P[K.R_SY, 0] == 1.0 and P[K.R_SZ, 0] == 0.0 and P[K.R_TB, 0] == 1e-8


def energy_bound(term):
    """Per device, a bound A on |e| along any great circle and on the amplitudes of its Fourier
    components (J/m^3): e is a trigonometric polynomial of degree <= 2 in the angle."""
    ms = term.saturation_magnetization
    if isinstance(term, T.Zeeman):
        return MU0 * ms * np.linalg.norm(term.applied_field, axis=1)
    if isinstance(term, T.UniaxialAnisotropy):
        return 0.5 * MU0 * ms * np.abs(term.anisotropy_field)
    return 0.5 * MU0 * ms**2 * term.demag_factors.max(axis=1)


@pytest.mark.parametrize("name", ["zeeman", "uniaxial_anisotropy", "demagnetization"])
def test_field_is_minus_energy_gradient_on_the_sphere(name):
    """mu0 M_s H.e = -de/dtheta along m(theta) = cos(theta) m + sin(theta) e, e tangent to m
    (central differences). The check is on the tangential part only: that is all a field on the
    sphere is defined by (a radial part exerts no torque)."""
    rng = np.random.default_rng(11)
    params = random_parameters(rng)
    term = next(t for t in params.terms(N) if t.name == name)
    m = unit(rng)
    e = rng.normal(size=(N, 3))
    e -= np.sum(e * m, axis=1, keepdims=True) * m
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    h = 1e-5

    def energy(theta):
        return term.energy_density(np.cos(theta) * m + np.sin(theta) * e)

    fd = (energy(h) - energy(-h)) / (2 * h)
    want = -MU0 * term.saturation_magnetization * np.sum(term.field(m) * e, axis=1)
    # central difference of a degree-2 trigonometric polynomial with amplitudes <= A:
    # truncation h^2/6 |e'''| <= h^2/6 8A; round-off of the two energies (a few eps A each)
    # divided by 2h: <= 4 eps A / h. Tolerance: their sum, doubled.
    a = energy_bound(term)
    tol = 2 * a * (8 * h**2 / 6 + 4 * EPS / h)
    assert np.all(np.abs(fd - want) <= tol), np.max(np.abs(fd - want) / tol)
    # a field off by 1 % (e.g. a missing factor) would be caught: the check resolves ~1e-9 of A
    assert np.median(np.abs(want) / tol) > 1e6


def test_sums_over_terms():
    rng = np.random.default_rng(5)
    params = random_parameters(rng)
    m = unit(rng)
    terms = params.terms(N)
    b = params.broadcast(N)
    ms, u, nd = b["saturation_magnetization"], b["anisotropy_axis"], b["demag_factors"]
    mu = np.sum(m * u, axis=1)
    # the closed forms of the module docstring (an independent writing, rounding only)
    h = b["applied_field"] - ms[:, None] * nd * m + (b["anisotropy_field"] * mu)[:, None] * u
    e = (-MU0 * ms * np.sum(b["applied_field"] * m, axis=1) - 0.5 * MU0 * ms * b["anisotropy_field"] * mu**2
         + 0.5 * MU0 * ms**2 * np.sum(nd * m**2, axis=1))
    scale_h = np.linalg.norm(b["applied_field"], axis=1) + np.abs(b["anisotropy_field"]) + ms
    scale_e = MU0 * ms * scale_h
    assert np.all(np.max(np.abs(effective_field(params, m) - h), axis=1) <= 8 * EPS * scale_h)
    assert np.all(np.abs(energy_density(params, m) - e) <= 8 * EPS * scale_e)
    assert np.array_equal(energy_density(params, m), sum(t.energy_density(m) for t in terms if isinstance(t, T.FieldTerm)))
    # the largest field: the terms' field scales
    j = 3e11
    want = np.max(np.linalg.norm(b["applied_field"], axis=1) + np.abs(b["anisotropy_field"])
                  + ms * (nd.max(axis=1) - nd.min(axis=1))
                  + j * (np.abs(b["damping_like_field_per_current"]) + np.abs(b["field_like_field_per_current"])
                         + np.abs(b["spin_transfer_field_per_current"]))) + 1.0
    assert largest_field(params, j) == pytest.approx(want, rel=8 * EPS, abs=0)


def test_kernel_rows_of_each_term():
    """pack_parameters: each term writes its rows, fields times rate = gamma mu0/(1 + alpha^2)."""
    rng = np.random.default_rng(6)
    params = random_parameters(rng, n=5)
    P = pack_parameters(params, 5)
    b = params.broadcast(5)
    rate = b["gamma"] * MU0 / (1 + b["damping"] ** 2)
    assert np.array_equal(P[K.R_HAX:K.R_HAZ + 1], rate * b["applied_field"].T)
    assert np.array_equal(P[K.R_HK], rate * b["anisotropy_field"])
    assert np.array_equal(P[K.R_UX:K.R_UZ + 1], b["anisotropy_axis"].T)
    assert np.array_equal(P[K.R_DXX:K.R_DZZ + 1], (rate * b["saturation_magnetization"]) * b["demag_factors"].T)
    dl = b["damping_like_field_per_current"] + b["spin_transfer_field_per_current"]
    fl = b["field_like_field_per_current"]
    assert np.array_equal(P[K.R_SX:K.R_SZ + 1], b["polarization"].T)
    assert np.array_equal(P[K.R_TA], rate * (fl - b["damping"] * dl))
    assert np.array_equal(P[K.R_TB], rate * (dl + b["damping"] * fl))
    used = {r for t in T.TERMS for r in t.kernel_rows}
    assert used == {K.R_HAX, K.R_HAY, K.R_HAZ, K.R_HK, K.R_UX, K.R_UY, K.R_UZ, K.R_DXX, K.R_DYY, K.R_DZZ,
                    K.R_SX, K.R_SY, K.R_SZ, K.R_TA, K.R_TB}


def test_anisotropy_constant_and_field():
    ms = 1.1e6
    k_u = 8e5  # J/m^3
    hk = T.uniaxial_anisotropy_field(k_u, ms)
    assert hk == pytest.approx(2 * k_u / (MU0 * ms), rel=1e-15, abs=0)
    assert T.uniaxial_anisotropy_constant(hk, ms) == pytest.approx(k_u, rel=4 * EPS, abs=0)
    # the anisotropy term's energy is -K_u (m.u)^2
    p = MacrospinParameters(saturation_magnetization=ms, damping=0.01, anisotropy_field=hk)
    term = p.terms()[1]
    assert term.energy_density(np.array([[0.0, 0.6, 0.8]]))[0] == pytest.approx(-k_u * 0.64, rel=4 * EPS, abs=0)


def test_terms_of_one_device_evaluate_many_states():
    rng = np.random.default_rng(9)
    one = device(random_parameters(rng), 0)
    m = unit(rng, 200)
    terms = one.terms()
    assert all(t.size == 1 for t in terms)
    # the same arithmetic as the terms built for 200 copies of the device: the same bits
    assert np.array_equal(T.total_energy_density(terms, m), energy_density(one, m))
    assert np.array_equal(T.total_field(terms, m), effective_field(one, m))
    assert T.total_field(terms, m).shape == (200, 3)
