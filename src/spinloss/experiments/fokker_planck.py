"""Write error rate of an axially symmetric macrospin from a 1D Fokker-Planck equation.

Model (docs/physics.md sections 2 and 4; derivation in docs/wer.md): uniaxial easy axis z with
effective anisotropy field ``H_K`` (A/m, shape included), applied field ``H_z`` and a
damping-like torque ``T = -gamma mu0 H_DL m x (m x s)`` with ``s`` along the axis, plus Brown's
thermal field. With ``x = cos(theta)`` measured from the *initial* direction and ``p(x, t)`` the
probability per unit ``x`` (``p = 2 pi W``, ``W`` the density per solid angle), the stochastic
LLG gives [Brown, Phys. Rev. 130, 1677 (1963); Butler et al., IEEE Trans. Magn. 48, 4684 (2012)]

    dp/dt = d/dx [ (1 - x^2) ( D dp/dx - a(x, t) p ) ],
    a(x, t) = gamma mu0 / (1 + alpha^2) * [ alpha (H_K x + H_z) - H_DL(t) ],
    D = alpha gamma mu0 k_B T / ((1 + alpha^2) mu0 M_s V)  (1/s),

where ``H_z`` is the field along the initial direction and ``H_DL > 0`` pulls ``m`` towards the
target (``s`` antiparallel to the initial direction). The zero-current stationary solution is the
Boltzmann density ``p ~ exp(-E / k_B T)``, ``E = -mu0 M_s V (H_K x^2 / 2 + H_z x)``.

Numerics: conservative finite volumes in ``x`` (faces uniform in ``theta``, which clusters cells
at the poles), Scharfetter-Gummel (exponentially fitted) fluxes, which make the discrete
Boltzmann state exactly stationary and the matrix an M-matrix, and backward Euler in time
(positivity preserving, exact probability conservation) with Richardson extrapolation of
``ln WER`` from runs with ``n`` and ``2 n`` steps (second order in time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import eigvalsh_tridiagonal, solve_banded

from ..errors import PhysicsError, SpinlossInputError
from ..io import JsonResult
from ..units import GAMMA, MU0

__all__ = [
    "FokkerPlanckResult",
    "fokker_planck_wer",
    "fokker_planck_equilibrium",
    "fokker_planck_relaxation_rate",
    "thermal_stability_factor",
    "brown_dwell_time",
    "sun_switching_time",
    "critical_damping_like_field",
]


# ----------------------------------------------------------------------------- analytic helpers

def thermal_stability_factor(saturation_magnetization, anisotropy_field, volume, temperature):
    """Delta = mu0 M_s H_K V / (2 k_B T) (zero field): :func:`spinloss.dynamics.analytic.thermal_stability`."""
    from ..dynamics.analytic import thermal_stability

    return thermal_stability(anisotropy_field, saturation_magnetization, volume, temperature)


def brown_dwell_time(*, saturation_magnetization, anisotropy_field, volume, temperature, damping,
                     gamma=GAMMA):
    """Mean dwell time in one well, high-barrier uniaxial magnet, zero field (s).

    tau = (1 + alpha^2) / (alpha gamma mu0 H_K) sqrt(pi / Delta) exp(Delta)
    [docs/physics.md section 4, from Brown, Phys. Rev. 130, 1677 (1963)]. The relaxation time of
    <m_z> (the Neel-Brown time, 1 / lowest non-zero eigenvalue of the Fokker-Planck operator)
    is tau / 2. Corrections are O(1/Delta): the exact (Fokker-Planck) dwell time is
    tau (1 + 1/Delta + O(1/Delta^2)); measured in tests/test_wer_fokker_planck.py.
    """
    from ..dynamics.analytic import brown_dwell_time as brown

    delta = thermal_stability_factor(saturation_magnetization, anisotropy_field, volume,
                                     temperature)
    return float(brown(damping, anisotropy_field, delta, gamma))


def critical_damping_like_field(*, damping, anisotropy_field, applied_field=0.0):
    """Zero-temperature instability threshold of the initial state (A/m).

    Linearizing d(theta)/dt = -gamma' sin(theta) [alpha (H_K cos(theta) + H_z) - H_DL] at
    theta = 0 gives growth when H_DL > alpha (H_K + H_z) (H_z along the initial direction,
    H_DL > 0 pulling towards the target) [Sun, PRB 62, 570 (2000); docs/wer.md].
    """
    return damping * (anisotropy_field + applied_field)


def sun_switching_time(*, damping, anisotropy_field, damping_like_field, initial_angle,
                       applied_field=0.0, gamma=GAMMA):
    """Deterministic switching time from ``initial_angle`` to the equator (s).

    Sun, PRB 62, 570 (2000), overdrive regime i = H_DL / (alpha (H_K + H_z)) > 1:
    t = (1 + alpha^2) / (alpha gamma mu0 (H_K + H_z) (i - 1)) ln(pi / (2 theta0)).
    """
    hk = anisotropy_field + applied_field
    i = damping_like_field / (damping * hk)
    if i <= 1.0:
        raise PhysicsError("sun_switching_time needs overdrive (H_DL > alpha (H_K + H_z))")
    return ((1.0 + damping**2) / (damping * gamma * MU0 * hk * (i - 1.0))
            * math.log(math.pi / (2.0 * initial_angle)))


# ----------------------------------------------------------------------------- discretization

def _bernoulli(z):
    """B(z) = z / (exp(z) - 1), stable for all z (B(0) = 1, B(+large) -> 0)."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    small = np.abs(z) < 1e-8
    with np.errstate(over="ignore"):
        zs = z[~small]
        out[~small] = zs / np.expm1(zs)
    out[small] = 1.0 - 0.5 * z[small]
    return out


class _AxialOperator:
    """Finite-volume generator in dimensionless time tau = gamma' H_K t for cell masses.

    Cells are ordered by increasing x = cos(theta) (theta from the initial direction); faces are
    uniform in theta with one face exactly at the equator. Scharfetter-Gummel flux through the
    face between cells f and f+1 (probability per unit tau, towards +x):
        F_f = c_f [B(-P_f) u_f / dx_f - B(P_f) u_{f+1} / dx_{f+1}],
        c_f = (1 - x_f^2) d / h_f,  P_f = a_f h_f / d,
    with d = alpha / (2 Delta) and a_f = alpha (xm_f + h) - i(t) the drift evaluated midway
    between the centres (exact for the linear drift, so the Boltzmann ratio is exact).
    """

    def __init__(self, n_cells: int, damping: float, delta: float, field_ratio: float):
        if n_cells < 20 or n_cells % 2:
            raise SpinlossInputError(None, "n_cells", "must be an even integer >= 20")
        self.n = n_cells
        theta_f = np.linspace(0.0, math.pi, n_cells + 1)
        xf = np.cos(theta_f[::-1])
        xf[0], xf[-1], xf[n_cells // 2] = -1.0, 1.0, 0.0
        self.xf = xf
        self.xc = 0.5 * (xf[:-1] + xf[1:])
        self.dx = np.diff(xf)
        self.h = np.diff(self.xc)
        xm = 0.5 * (self.xc[:-1] + self.xc[1:])
        d = damping / (2.0 * delta)
        self.d = d
        self.alpha = damping
        self.delta = delta
        self.field_ratio = field_ratio
        self.c = (1.0 - xf[1:-1] ** 2) * d / self.h
        self.p0 = damping * (xm + field_ratio) * self.h / d     # Peclet number at i = 0
        self.dp = -self.h / d                                   # dP / di
        self.upper_hemisphere = self.xc > 0.0

    def _coefficients(self, i):
        p = self.p0 + i * self.dp
        bp = _bernoulli(p)
        bm = _bernoulli(-p)
        upper = self.c * bp / self.dx[1:]     # M[f, f+1]
        lower = self.c * bm / self.dx[:-1]    # M[f+1, f]
        diag = np.zeros(self.n)
        diag[:-1] -= lower
        diag[1:] -= upper
        return upper, diag, lower

    def step_matrix(self, i, dtau):
        """Banded (I - dtau M) for scipy.linalg.solve_banded((1, 1), ...)."""
        upper, diag, lower = self._coefficients(i)
        ab = np.empty((3, self.n))
        ab[0, 0] = 0.0
        ab[0, 1:] = -dtau * upper
        ab[1] = 1.0 - dtau * diag
        ab[2, :-1] = -dtau * lower
        ab[2, -1] = 0.0
        return ab

    def apply(self, u, i):
        """M u (time derivative of the cell masses)."""
        upper, diag, lower = self._coefficients(i)
        out = diag * u
        out[:-1] += upper * u[1:]
        out[1:] += lower * u[:-1]
        return out

    def boltzmann_masses(self, restrict_to_initial=False, i=0.0):
        """Discrete stationary state (exact Boltzmann ratio between centres), normalized."""
        # ln p(x) = Delta (x^2 + 2 h x) - 2 Delta i x / alpha  (effective potential with current)
        logp = self.delta * (self.xc**2 + 2.0 * self.field_ratio * self.xc)
        if i != 0.0:
            logp = logp - 2.0 * self.delta * i * self.xc / self.alpha
        if restrict_to_initial:
            logp = np.where(self.upper_hemisphere, logp, -np.inf)
        logu = logp + np.log(self.dx)
        u = np.exp(logu - np.max(logu))
        return u / u.sum()

    def symmetric_tridiagonal(self, i):
        """Diagonal and off-diagonal of S^-1 M S, S = diag(sqrt(stationary masses))."""
        p = self.p0 + i * self.dp
        _, diag, _ = self._coefficients(i)
        half = 0.5 * p
        with np.errstate(invalid="ignore", over="ignore"):
            ratio = np.where(np.abs(half) < 1e-8, 1.0, half / np.sinh(half))
        off = self.c * ratio / np.sqrt(self.dx[:-1] * self.dx[1:])
        return diag, off


# ----------------------------------------------------------------------------- results

@dataclass(frozen=True)
class FokkerPlanckResult(JsonResult):
    """Write error rate from the 1D Fokker-Planck equation.

    ``write_error_rate``: probability left in the initial hemisphere at the end of the pulse plus
    ``settle_time``; ``times`` and ``switching_probability``: probability in the target
    hemisphere vs time (s); ``uncertainty``: time-discretization error estimate (difference
    between the Richardson-extrapolated and the fine-step value).
    """

    write_error_rate: float
    uncertainty: float
    times: np.ndarray
    switching_probability: np.ndarray
    thermal_stability: float
    write_error_rate_end_of_pulse: float
    mean_switching_time: float
    n_cells: int
    n_steps: int
    parameters: dict = field(default_factory=dict)
    method: str = "fokker_planck"

    @property
    def switching_probability_vs_time(self):
        return self.times, self.switching_probability

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "write_error_rate": float(self.write_error_rate),
            "uncertainty": float(self.uncertainty),
            "write_error_rate_end_of_pulse": float(self.write_error_rate_end_of_pulse),
            "thermal_stability": float(self.thermal_stability),
            "mean_switching_time": float(self.mean_switching_time),
            "cells": int(self.n_cells),
            "steps": int(self.n_steps),
            "times": self.times,
            "switching_probability": self.switching_probability,
            "parameters": dict(self.parameters),
            "units": {"write_error_rate": "1", "uncertainty": "1", "write_error_rate_end_of_pulse": "1",
                      "thermal_stability": "1", "mean_switching_time": "s", "times": "s",
                      "switching_probability": "1", "saturation_magnetization": "A/m", "volume": "m^3",
                      "damping": "1", "anisotropy_field": "A/m", "temperature": "K", "pulse_width": "s",
                      "applied_field": "A/m", "field_like_field": "A/m", "rise_time": "s", "fall_time": "s",
                      "settle_time": "s", "gamma": "rad/(s T)", "damping_like_field": "A/m",
                      "cells": "1", "steps": "1"},
        }

    def to_xarray(self):
        """The switching probability against time (dimension ``time``), scalars as variables."""
        import xarray as xr

        ds = xr.Dataset({"switching_probability": (("time",), np.asarray(self.switching_probability, float),
                                                   {"units": "1"})},
                        coords={"time": ("time", np.asarray(self.times, float), {"units": "s"})})
        for k in ("write_error_rate", "uncertainty", "write_error_rate_end_of_pulse", "thermal_stability"):
            ds[k] = xr.DataArray(float(getattr(self, k)), attrs={"units": "1"})
        ds["mean_switching_time"] = xr.DataArray(float(self.mean_switching_time), attrs={"units": "s"})
        ds.attrs.update({"method": self.method, "cells": int(self.n_cells), "steps": int(self.n_steps)})
        return ds


# ----------------------------------------------------------------------------- public solver

def _check_positive(name, value, allow_zero=False):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SpinlossInputError(None, name, f"must be a number, got {value!r}") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise SpinlossInputError(None, name, f"must be {'>= 0' if allow_zero else '> 0'} and "
                                             f"finite, got {value!r}")
    return v


def _pulse_function(damping_like_field, pulse_width, rise_time, fall_time):
    """H_DL(t) on [0, pulse_width] (A/m): a callable, or a trapezoid of plateau height
    ``damping_like_field`` rising linearly over ``rise_time`` at the start and falling over
    ``fall_time`` at the end of ``pulse_width`` (``pulse_width`` is the whole driven interval)."""
    if callable(damping_like_field):
        return damping_like_field, None
    amp = float(damping_like_field)
    if not math.isfinite(amp):
        raise SpinlossInputError(None, "damping_like_field", "must be finite")
    if rise_time + fall_time > pulse_width * (1 + 1e-12):
        raise SpinlossInputError(None, "rise_time", "rise_time + fall_time exceed pulse_width")

    def h(t):
        t = float(t)
        if t < 0.0 or t > pulse_width:
            return 0.0
        f = 1.0
        if rise_time > 0.0 and t < rise_time:
            f = t / rise_time
        if fall_time > 0.0 and t > pulse_width - fall_time:
            f = min(f, (pulse_width - t) / fall_time)
        return amp * f

    return h, amp


def _integrate(op, u0, i_of_tau, tau_end, n_steps, record_every):
    """Backward Euler over [0, tau_end] with n_steps uniform steps. Returns final u and the
    switched probability (mass in x < 0) at the recorded step indices."""
    dtau = tau_end / n_steps
    u = u0.copy()
    rec = [float(u[~op.upper_hemisphere].sum())]
    cache_i, cache_ab = None, None
    for k in range(1, n_steps + 1):
        i = i_of_tau(k * dtau)
        if i != cache_i:
            cache_ab = op.step_matrix(i, dtau)
            cache_i = i
        u = solve_banded((1, 1), cache_ab, u, check_finite=False)
        np.maximum(u, 0.0, out=u)   # M-matrix: only rounding can make u negative
        if k % record_every == 0 or k == n_steps:
            rec.append(float(u[~op.upper_hemisphere].sum()))
    return u, np.array(rec)


def fokker_planck_wer(*, saturation_magnetization, volume, damping, anisotropy_field,
                      temperature, damping_like_field, pulse_width, applied_field=0.0,
                      field_like_field=0.0, rise_time=0.0, fall_time=None, settle_time=0.0,
                      initial="up", n_cells=600, n_steps=None, richardson=True,
                      n_records=200, gamma=GAMMA) -> FokkerPlanckResult:
    """Write error rate of an axially symmetric macrospin (Butler et al. 2012 approach).

    Parameters (SI): ``anisotropy_field`` H_K (A/m, effective: shape included, > 0);
    ``applied_field`` H_z (A/m) along +z; ``damping_like_field`` H_DL (A/m), a number (trapezoid
    pulse) or a callable H_DL(t) on [0, pulse_width]: H_DL > 0 means the polarization is
    antiparallel to the initial direction (the torque drives the switch), H_DL < 0 stabilizes;
    ``field_like_field`` H_FL (A/m, constant during the pulse) acts as a field along s;
    ``initial`` 'up' (+z) or 'down' (-z): the initial state is the Boltzmann density restricted
    to that hemisphere. ``settle_time``: zero-current relaxation after the pulse.

    Returns a :class:`FokkerPlanckResult`; WER = probability in the initial hemisphere at
    ``pulse_width + settle_time``. Time steps default to alpha (1 + |h| + i_max) dtau <= 0.01
    (dtau = gamma' H_K dt), Richardson-extrapolated in ln(WER) from n and 2n steps.
    """
    ms = _check_positive("saturation_magnetization", saturation_magnetization)
    vol = _check_positive("volume", volume)
    alpha = _check_positive("damping", damping)
    hk = float(anisotropy_field)
    if not math.isfinite(hk) or hk <= 0:
        raise PhysicsError("the Fokker-Planck WER needs an easy axis: effective anisotropy "
                           f"field H_K > 0 (got {anisotropy_field!r} A/m)")
    temp = _check_positive("temperature", temperature)
    width = _check_positive("pulse_width", pulse_width)
    rise = _check_positive("rise_time", rise_time, allow_zero=True)
    fall = rise if fall_time is None else _check_positive("fall_time", fall_time, allow_zero=True)
    settle = _check_positive("settle_time", settle_time, allow_zero=True)
    if initial not in ("up", "down"):
        raise SpinlossInputError(None, "initial", "must be 'up' or 'down'")
    sign = 1.0 if initial == "up" else -1.0

    hdl, amp = _pulse_function(damping_like_field, width, rise, fall)
    hz_initial = sign * float(applied_field)    # field along the initial direction
    # A field-like torque with s = -(initial) acts as a field -H_FL along the initial direction.
    hz_pulse_extra = -float(field_like_field)
    delta = thermal_stability_factor(ms, hk, vol, temp)
    omega = gamma * MU0 * hk / (1.0 + alpha**2)        # tau = omega t

    # The field-like term only acts during the pulse: fold it into the current-dependent drift:
    # a = alpha (x + h + hFL) - i  ->  i_eff = i - alpha hFL (exact since both are x-independent).
    def i_of_tau(tau):
        t = tau / omega
        if t <= width:
            return hdl(t) / hk - alpha * hz_pulse_extra / hk
        return 0.0

    op = _AxialOperator(int(n_cells), alpha, delta, hz_initial / hk)
    u0 = op.boltzmann_masses(restrict_to_initial=True)
    tau_end = (width + settle) * omega

    if n_steps is None:
        if amp is not None:
            i_max = abs(amp) / hk
        else:
            probe = np.linspace(0.0, width, 257)
            i_max = max(abs(hdl(t)) for t in probe) / hk
        i_max += alpha * abs(hz_pulse_extra) / hk
        rate = alpha * (1.0 + abs(hz_initial) / hk) + i_max
        n_steps = int(math.ceil(tau_end * rate / 0.01))
        n_steps = max(n_steps, 400)
        if rise > 0:
            n_steps = max(n_steps, int(math.ceil(20 * (width + settle) / rise)))
    n_steps = int(n_steps)
    rec_every = max(1, n_steps // max(1, n_records))

    u_c, rec_c = _integrate(op, u0, i_of_tau, tau_end, n_steps, rec_every)
    wer_c = float(u_c[op.upper_hemisphere].sum())
    t_rec = np.minimum(np.arange(len(rec_c)) * rec_every, n_steps) * (tau_end / n_steps) / omega
    if richardson:
        u_f, rec_f = _integrate(op, u0, i_of_tau, tau_end, 2 * n_steps, 2 * rec_every)
        wer_f = float(u_f[op.upper_hemisphere].sum())
        if wer_c > 0 and wer_f > 0:
            wer = math.exp(2.0 * math.log(wer_f) - math.log(wer_c))
        else:
            wer = wer_f
        err = abs(wer - wer_f)
        p_sw = np.clip(2.0 * rec_f - rec_c, 0.0, 1.0)
        total_steps = 3 * n_steps
    else:
        wer, err, p_sw, total_steps = wer_c, float("nan"), rec_c, n_steps

    # WER at the end of the pulse (before settling), from the records
    if settle > 0:
        k_end = int(np.searchsorted(t_rec, width - 1e-15 * width))
        wer_pulse = float(1.0 - p_sw[min(k_end, len(p_sw) - 1)])
    else:
        wer_pulse = wer
    # <t_sw> = int (1 - P_sw) dt over the window (meaningful when P_sw(end) ~ 1)
    mean_t = float(np.trapezoid(1.0 - p_sw, t_rec))

    params = {
        "saturation_magnetization": ms, "volume": vol, "damping": alpha,
        "anisotropy_field": hk, "temperature": temp, "pulse_width": width,
        "applied_field": float(applied_field), "field_like_field": float(field_like_field),
        "rise_time": rise, "fall_time": fall, "settle_time": settle, "initial": initial, "gamma": gamma,
        "damping_like_field": amp if amp is not None else "callable",
    }
    return FokkerPlanckResult(
        write_error_rate=wer, uncertainty=err, times=t_rec, switching_probability=p_sw,
        thermal_stability=delta, write_error_rate_end_of_pulse=wer_pulse,
        mean_switching_time=mean_t, n_cells=op.n, n_steps=total_steps, parameters=params)


def fokker_planck_equilibrium(*, saturation_magnetization, volume, damping, anisotropy_field,
                              temperature, applied_field=0.0, n_cells=600):
    """Discrete stationary state: returns (x cell centres, cell masses, stationarity residual
    max|M u| / max|diag(M) u|). The residual is rounding-level: the Scharfetter-Gummel scheme
    makes the Boltzmann ratio exp(-(E_{i+1} - E_i)/k_B T) between neighbouring cells exact."""
    delta = thermal_stability_factor(saturation_magnetization, anisotropy_field, volume,
                                     temperature)
    op = _AxialOperator(int(n_cells), float(damping), delta, applied_field / anisotropy_field)
    u = op.boltzmann_masses()
    _, diag, _ = op._coefficients(0.0)
    resid = np.max(np.abs(op.apply(u, 0.0))) / np.max(np.abs(diag * u))
    return op.xc.copy(), u, float(resid)


def fokker_planck_relaxation_rate(*, saturation_magnetization, volume, damping,
                                  anisotropy_field, temperature, applied_field=0.0,
                                  damping_like_field=0.0, n_cells=600, gamma=GAMMA):
    """Lowest non-zero eigenvalue (1/s) of the discretized Fokker-Planck operator at constant
    current. At zero field and current it is 1/tau_N = 2 / tau_dwell (Brown). Computed on the
    symmetrized tridiagonal matrix (detailed balance holds in 1D); absolute accuracy is about
    1e-16 of the largest rate, so it is reliable for Delta up to about 25."""
    delta = thermal_stability_factor(saturation_magnetization, anisotropy_field, volume,
                                     temperature)
    alpha = float(damping)
    op = _AxialOperator(int(n_cells), alpha, delta, applied_field / anisotropy_field)
    diag, off = op.symmetric_tridiagonal(damping_like_field / anisotropy_field)
    n = op.n
    w = eigvalsh_tridiagonal(diag, off, select="i", select_range=(n - 2, n - 1))
    omega = gamma * MU0 * anisotropy_field / (1.0 + alpha**2)
    return float(-w[0] * omega)
