"""Closed forms for macrospin dynamics (docs/physics.md section 4). SI units; fields in A/m.

Each function cites its source; the validation tests compare the engine against them.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate

from ..errors import PhysicsError
from ..units import E_CHARGE, GAMMA, HBAR, KB, MU0
from ..transport import spin_pumping_damping  # the formula lives with the conductances

__all__ = [
    "kittel_in_plane",
    "kittel_perpendicular",
    "sun_critical_current",
    "lee_critical_current",
    "brown_attempt_time",
    "brown_dwell_time",
    "log10_brown_dwell_time",
    "brown_dwell_time_or_inf",
    "boltzmann_mz2",
    "thermal_stability",
    "thermal_stability_of_barrier",
    "uniaxial_energy_barrier",
    "effective_anisotropy_field",
    "koch_switching_current",
    "koch_switching_probability",
    "type_y_switching_ratio",
    "type_y_switching_current",
    "spin_pumping_damping",
    "uniaxial_mean_first_passage_time",
]


def kittel_in_plane(field, anisotropy_field, effective_magnetization, gamma=GAMMA):
    """FMR frequency (Hz), in-plane film, H along the in-plane easy axis [Kittel 1948]:
    f = (gamma mu0 / 2 pi) sqrt((H + H_K)(H + H_K + M_eff))."""
    h = np.asarray(field, float) + anisotropy_field
    return gamma * MU0 / (2 * np.pi) * np.sqrt(h * (h + effective_magnetization))


def kittel_perpendicular(field, effective_anisotropy_field, gamma=GAMMA):
    """FMR frequency (Hz), perpendicular magnet, H along the normal: (gamma mu0/2pi)(H + H_K,eff)."""
    return gamma * MU0 / (2 * np.pi) * (np.asarray(field, float) + effective_anisotropy_field)


def sun_critical_current(damping, saturation_magnetization, thickness, anisotropy_field,
                         effective_magnetization, damping_like_efficiency, field_y=0.0):
    """Anti-damping instability threshold of an in-plane magnet, easy axis y, s = +-y ("type-y")
    [Sun, PRB 62, 570 (2000); Liu et al., Science 336, 555 (2012)]:
    J_c0 = (2e/hbar) alpha mu0 M_s d (H_K + H_y + M_eff/2) / xi_DL  (A/m^2)."""
    return (2 * E_CHARGE / HBAR) * damping * MU0 * saturation_magnetization * thickness * (
        anisotropy_field + field_y + effective_magnetization / 2) / damping_like_efficiency


def lee_critical_current(saturation_magnetization, thickness, effective_anisotropy_field,
                         field_x, damping_like_efficiency):
    """Type-z switching threshold, perpendicular magnet, s = y, in-plane H_x along the current
    [Lee et al., APL 102, 112410 (2013)], valid for H_x << H_K,eff:
    J_c = (2e/hbar)(mu0 M_s d / xi_DL)(H_K,eff/2 - H_x/sqrt2)."""
    return (2 * E_CHARGE / HBAR) * MU0 * saturation_magnetization * thickness / \
        damping_like_efficiency * (effective_anisotropy_field / 2 - np.abs(field_x) / np.sqrt(2))


def brown_attempt_time(damping, anisotropy_field, delta, gamma=GAMMA):
    """The prefactor tau_0 (s) of Brown's dwell time tau = tau_0 exp(Delta):
    tau_0 = (1 + alpha^2)/(alpha gamma mu0 H_K) sqrt(pi/Delta) (:func:`brown_dwell_time`)."""
    return (1 + damping**2) / (damping * gamma * MU0 * anisotropy_field) * np.sqrt(np.pi / delta)


def brown_dwell_time(damping, anisotropy_field, delta, gamma=GAMMA):
    """Mean dwell time in one well of a uniaxial macrospin, high barrier, no field
    [from W. F. Brown, Phys. Rev. 130, 1677 (1963); his relaxation time of <m_z> is half this]:
    tau = (1 + alpha^2)/(alpha gamma mu0 H_K) sqrt(pi/Delta) exp(Delta), O(1/Delta) corrections."""
    return brown_attempt_time(damping, anisotropy_field, delta, gamma) * np.exp(delta)


def log10_brown_dwell_time(delta, damping, anisotropy_field, gamma=GAMMA):
    """log10 of Brown's mean dwell time (log10 s), finite for any barrier:
    log10(tau_0) + Delta / ln 10 (:func:`brown_attempt_time`)."""
    return math.log10(brown_attempt_time(damping, anisotropy_field, delta, gamma)) + delta / math.log(10)


def brown_dwell_time_or_inf(delta, damping, anisotropy_field, gamma=GAMMA):
    """Brown's dwell time (s), inf where it exceeds the float range."""
    log10 = log10_brown_dwell_time(delta, damping, anisotropy_field, gamma)
    return 10.0 ** log10 if log10 < 300 else math.inf


def boltzmann_mz2(delta):
    """<m_z^2> for p(m_z) ~ exp(Delta m_z^2) on [-1, 1] (uniform measure in m_z), exact integral."""
    d = float(delta)
    num = integrate.quad(lambda x: x * x * np.exp(d * (x * x - 1)), 0, 1, epsabs=0, epsrel=1e-13)[0]
    den = integrate.quad(lambda x: np.exp(d * (x * x - 1)), 0, 1, epsabs=0, epsrel=1e-13)[0]
    return num / den


def thermal_stability_of_barrier(energy_barrier, temperature):
    """Thermal stability Delta = E_b / (k_B T) of an energy barrier E_b (J) at T (K)."""
    return energy_barrier / (KB * temperature)


def uniaxial_energy_barrier(effective_anisotropy_field, saturation_magnetization, volume):
    """Energy barrier (J) of a uniaxial macrospin in zero field, E_b = K_eff V,
    K_eff = mu0 M_s H_K,eff / 2."""
    return MU0 * saturation_magnetization * effective_anisotropy_field * volume / 2


def thermal_stability(effective_anisotropy_field, saturation_magnetization, volume, temperature):
    """Delta = K_eff V / (k_B T), K_eff = mu0 M_s H_K,eff / 2 (uniaxial, zero field):
    :func:`thermal_stability_of_barrier` of :func:`uniaxial_energy_barrier`."""
    return thermal_stability_of_barrier(
        uniaxial_energy_barrier(effective_anisotropy_field, saturation_magnetization, volume), temperature)


def effective_anisotropy_field(anisotropy_field, saturation_magnetization, demag_factors, axis):
    """H_K,eff = H_K + M_s (N_perp - N_axis) (A/m): the uniaxial anisotropy field of an easy axis
    along principal axis ``axis`` (0, 1, 2 = x, y, z) of the demagnetizing tensor
    ``demag_factors`` (Nxx, Nyy, Nzz), shape anisotropy included; N_perp is the smaller transverse
    factor (the softer way out of the easy axis). A perpendicular thin film (N = (0, 0, 1),
    axis z): H_K - M_s. The easy axis is an energy minimum for H_K,eff > 0."""
    nd = np.asarray(demag_factors, dtype=float)
    n_perp = min(nd[i] for i in range(3) if i != axis)
    return anisotropy_field + saturation_magnetization * (n_perp - nd[axis])


def koch_switching_current(pulse_width, attempt_time, delta, critical_current):
    """Thermally activated regime [Koch, Katine, Sun, PRL 92, 088302 (2004)]:
    J_sw(t_p) = J_c0 [1 - ln(t_p / tau_0) / Delta] (for t_p >> tau_0)."""
    return critical_current * (1 - np.log(np.asarray(pulse_width, float) / attempt_time) / delta)


def koch_switching_probability(pulse_width, current, critical_current, delta, attempt_time,
                               exponent=1.0):
    """P = 1 - exp(-t_p / tau), tau = tau_0 exp[Delta (1 - J/J_c0)^n] (n = ``exponent``; Koch et
    al. use n = 1; n = 2 is the form for field-like barrier lowering). Valid for J < J_c0."""
    j = np.asarray(current, float) / critical_current
    if np.any(j > 1):
        raise PhysicsError("koch_switching_probability: J > J_c0 is outside the thermal regime")
    tau = attempt_time * np.exp(delta * (1 - j) ** exponent)
    return -np.expm1(-np.asarray(pulse_width, float) / tau)


def type_y_switching_ratio(anisotropy_field, effective_magnetization):
    """J_sw / J_c0 for type-y switching at zero field, from the orbit-averaged energy balance.

    On the conservative orbit through the saddles (m = +-x), the separatrix of the well at -y,
    the energy gained from the damping-like torque over one period must beat the damping loss
    [approach of Taniguchi et al., PRB 87, 054406 (2013)]. To first order in alpha and H_DL::

        dE/dt = -mu0 Ms gamma mu0 [alpha |m x H|^2 + H_DL (m x H).(m x s)]

    With dt = ds / (gamma mu0 |m x H|) along the orbit (conservative speed), the threshold is
    H_DL,sw = alpha oint |m x H| ds / oint -(m x H).(m x s)/|m x H| ds. The separatrix of
    e = -(H_K/2) m_y^2 + (M_eff/2) m_z^2 = 0 is a pair of half great circles m_z = -+k m_y,
    k = sqrt(H_K/M_eff); parametrized by the arc angle (ds = dphi) the integrands are smooth.
    Divided by H_DL,c0 = alpha (H_K + M_eff/2) (Sun). Limit H_K/M_eff -> 0: 4/pi.
    """
    hk = float(anisotropy_field)
    me = float(effective_magnetization)
    if hk <= 0 or me <= 0:
        raise PhysicsError("type_y_switching_ratio needs H_K > 0 and M_eff > 0")
    k = np.sqrt(hk / me)
    nrm = np.sqrt(1 + k * k)

    def parts(phi):
        mx = np.cos(phi)
        my = -np.sin(phi) / nrm
        mz = k * np.sin(phi) / nrm
        m = np.array([mx, my, mz])
        h = np.array([0.0, hk * my, -me * mz])
        mxh = np.cross(m, h)
        mxs = np.cross(m, np.array([0.0, 1.0, 0.0]))
        a = np.linalg.norm(mxh)
        return a, (-(mxh @ mxs) / a if a > 0 else 0.0)

    loss = integrate.quad(lambda p: parts(p)[0], 0, np.pi, epsrel=1e-12, limit=200)[0]
    gain = integrate.quad(lambda p: parts(p)[1], 0, np.pi, epsrel=1e-12, limit=200)[0]
    return loss / gain / (hk + me / 2)


def type_y_switching_current(damping, saturation_magnetization, thickness, anisotropy_field,
                             effective_magnetization, damping_like_efficiency):
    """Orbit-averaged energy-balance switching threshold (A/m^2) for type-y at zero field:
    :func:`type_y_switching_ratio` times :func:`sun_critical_current`."""
    return type_y_switching_ratio(anisotropy_field, effective_magnetization) * sun_critical_current(
        damping, saturation_magnetization, thickness, anisotropy_field, effective_magnetization,
        damping_like_efficiency)


def uniaxial_mean_first_passage_time(damping, anisotropy_field, delta, z_start=1.0, z_absorb=-0.5,
                                     gamma=GAMMA):
    """Exact mean first-passage time (s) of m_z from ``z_start`` to ``z_absorb`` (< z_start) for an
    axially symmetric uniaxial macrospin (no field), from the 1D Fokker-Planck equation of m_z.

    Generator L f = D [(1 - z^2) f'' + (2 Delta z (1 - z^2) - 2 z) f'], with
    D = alpha gamma mu0 H_K / (2 Delta (1 + alpha^2)) fixed by the deterministic LLG drift
    (the Delta z (1-z^2) term must reproduce dz/dt = alpha gamma mu0 H_K z (1-z^2)/(1+alpha^2)) and
    by detailed balance with p_eq ~ exp(Delta z^2) [D]. Reflecting at z = 1:
    T(z) = int_b^z dy [int_y^1 e^{Delta x^2} dx] / (D (1 - y^2) e^{Delta y^2}).
    For a high barrier and z_absorb deep in the other well this tends to
    :func:`brown_dwell_time` (which counts the escape over the top as the dwell time; the time to
    slide from the top to z_absorb adds only O(1/Delta))."""
    d_coef = damping * gamma * MU0 * anisotropy_field / (2 * delta * (1 + damping**2))
    return first_passage_time(delta, d_coef, z_start, z_absorb)


def rotational_diffusion_coefficient(damping, saturation_magnetization, volume, temperature, gamma=GAMMA):
    """D = alpha gamma k_B T / ((1 + alpha^2) M_s V) (1/s), the diffusion coefficient of the
    macrospin's direction (Brown): the D of :func:`uniaxial_mean_first_passage_time` written
    without H_K, so that it stays finite as the barrier vanishes."""
    return damping * gamma * KB * temperature / ((1 + damping**2) * saturation_magnetization * volume)


def first_passage_time(delta, diffusion, z_start=1.0, z_absorb=-0.5):
    """Mean first-passage time (s) from m_z = ``z_start`` to ``z_absorb`` of the uniaxial
    macrospin with barrier ``delta`` >= 0 (E = -Delta k_B T m_z^2) and rotational diffusion
    coefficient ``diffusion`` (1/s, :func:`rotational_diffusion_coefficient`), reflecting at
    z = 1: exact for any Delta, including Delta = 0 (free diffusion: ln((1 + z_start)/(1 + z_absorb))/D)."""
    if delta < 0:
        raise ValueError("delta must be >= 0")

    def inner(y):
        return integrate.quad(lambda x: np.exp(delta * (x * x - y * y)), y, 1.0, epsrel=1e-12)[0]

    def outer(y):
        if y >= 1.0:
            return 1.0 / (2.0 * diffusion)  # limit (1-y)/(1-y^2) -> 1/2
        return inner(y) / (diffusion * (1 - y * y))

    return integrate.quad(outer, z_absorb, z_start, epsrel=1e-10, limit=400)[0]
