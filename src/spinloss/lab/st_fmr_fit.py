r"""ST-FMR analysis: from V_mix(H) at several frequencies to the torques and the damping (docs/lab.md
section 6).

Per frequency and field sign (each a resonance line), a least-squares fit of

    V_mix(H) = S F_S(H) + A F_A(H) + c0 + c1 (H - H_c),
    F_S = Delta^2 / ((H - H0)^2 + Delta^2),   F_A = Delta (H - H0) / ((H - H0)^2 + Delta^2)

(H_c the middle of the line's field range): the resonance field H0, the half width Delta (A/m, HWHM)
and the symmetric and antisymmetric amplitudes S, A (V), started from the best point of a grid in
(H0, Delta) with the linear parameters solved exactly (variable projection), uncertainties from the
Jacobian with the noise estimated from the residuals.

Then, over the lines (closed forms of :mod:`spinloss.lab.st_fmr`, in-plane film, m along the field):

- Kittel: f = (gamma mu0 / 2 pi) sqrt((H0 + H_k)(H0 + H_k + M_eff)), weighted least squares for M_eff
  and the in-plane anisotropy field H_k along the field (H_k fixed at 0 with fewer than three
  frequencies);
- line width: Delta(f) = Delta_0 + alpha_eff 2 pi f / (gamma mu0), weighted linear least squares for
  the effective damping alpha_eff and the inhomogeneous half width Delta_0;
- torque ratio H_DL/(H_FL + H_Oe) = (S/A) sqrt(1 + M_eff/(H0 + H_k)) and, with a device that has an
  Oersted field, xi_FMR of Liu et al. (PRL 106, 036601 (2011)):
  xi_FMR = (S/A) sqrt(1 + M_eff/(H0 + H_k)) (e mu0 M_s t d_N / hbar), written here as
  (S/A) sqrt(...) H_Oe / (H per xi), H_Oe = -J_N d_N/2 the Oersted field of the current below the
  magnet. It equals xi_DL only without a field-like torque: xi_FMR = xi_DL / (1 + H_FL/H_Oe);
- absolute torques when the microwave amplitude I_rf and the magnetoresistance AMR + SMR are known
  (``--current-amplitude`` and ``--device``): H_DL = S / (c w/w'), H_FL + H_Oe = A / (c H2),
  c = -(I_rf/2)(AMR + SMR) sin(2 phi) cos(phi) / ((H1 + H2) Delta), and xi_DL, xi_FL. This is the
  only torque a single ferromagnet (FM/AFI) gives: it has no Oersted reference;
- damping difference of a sample and its control (FM/AFI and FM/SiO2): Delta alpha =
  alpha_eff - alpha_eff(control) and G_eff = Delta alpha / (g mu_B hbar / (2 e^2 M_s d))
  (:func:`spinloss.transport.spin_pumping_damping`), the conductance of the sink seen by spin pumping,
  which the Onsager reciprocity makes the conductance of the spin-loss torque too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError, PhysicsError
from ..io import JsonResult
from .data import StFmrData

#: Fewest points of one resonance line.
MIN_LINE_POINTS = 12

CONVENTION = ("I(t) = I_rf cos(wt) along +x; V_mix = <I(t) R_xx(t)>; field in the plane at field_angle from x; "
              "V_mix = S F_S + A F_A + c0 + c1 (H - H_c); Delta the half width at half maximum (A/m); "
              "H_DL, H_FL along s = +y at I_rf (docs/physics.md section 2)")


def lorentzians(h, h0, width):
    """(F_S, F_A) of the module docstring at the fields h (A/m)."""
    x = np.asarray(h, dtype=float) - h0
    d = x * x + width * width
    return width * width / d, width * x / d


def _linear_part(h, hc, hs, fs, fa, v):
    """Best (S, A, c0, c1) for fixed line shapes and the residual sum of squares (batched over the
    leading axis of fs, fa)."""
    one = np.ones_like(fs)
    X = np.stack([fs, fa, one, np.broadcast_to((h - hc) / hs, fs.shape)], axis=-1)  # (..., N, 4)
    xtx = np.einsum("...ni,...nj->...ij", X, X)
    xtx = xtx + 1e-12 * np.trace(xtx, axis1=-2, axis2=-1)[..., None, None] * np.eye(4)
    xty = np.einsum("...ni,n->...i", X, v)
    c = np.linalg.solve(xtx, xty[..., None])[..., 0]
    r = v - np.einsum("...ni,...i->...n", X, c)
    return c, np.sum(r * r, axis=-1)


def fit_line(h, v) -> dict:
    """One resonance line (module docstring): H0, Delta, S, A, c0, c1 with uncertainties and the
    covariance of (H0, Delta, S, A). ``h`` (A/m) must hold the resonance."""
    from scipy.optimize import least_squares

    h = np.asarray(h, dtype=float)
    v = np.asarray(v, dtype=float)
    order = np.argsort(h)
    h, v = h[order], v[order]
    n = len(h)
    if n < MIN_LINE_POINTS:
        raise PhysicsError(f"a resonance line needs at least {MIN_LINE_POINTS} points, got {n}")
    lo, hi = float(h[0]), float(h[-1])
    span = hi - lo
    if not span > 0:
        raise PhysicsError("a resonance line needs more than one field value")
    hc, hs = 0.5 * (lo + hi), 0.5 * span
    step = float(np.min(np.diff(np.unique(h)))) if len(np.unique(h)) > 1 else span
    # grid in (H0, Delta): the linear parameters exactly at each node
    h0_grid = np.linspace(lo + 0.02 * span, hi - 0.02 * span, 41)
    w_grid = np.geomspace(max(0.5 * step, 1e-4 * span), 0.5 * span, 16)
    H0, W = np.meshgrid(h0_grid, w_grid, indexing="ij")
    fs, fa = lorentzians(h[None, None, :], H0[..., None], W[..., None])
    _, rss = _linear_part(h, hc, hs, fs, fa, v)
    k = np.unravel_index(int(np.argmin(rss)), rss.shape)
    h0, w = float(H0[k]), float(W[k])
    fs0, fa0 = lorentzians(h, h0, w)
    c, _ = _linear_part(h, hc, hs, fs0, fa0, v)
    x0 = np.array([h0, math.log(w), *c])

    def model(x):
        fs_, fa_ = lorentzians(h, x[0], math.exp(x[1]))
        return x[2] * fs_ + x[3] * fa_ + x[4] + x[5] * (h - hc) / hs

    def resid(x):
        return model(x) - v

    def jac(x):
        h0_, w_ = x[0], math.exp(x[1])
        u = h - h0_
        d = u * u + w_ * w_
        fs_, fa_ = w_ * w_ / d, w_ * u / d
        dfs_dh0 = 2 * w_ * w_ * u / d**2
        dfs_dw = 2 * w_ * u * u / d**2
        dfa_dh0 = w_ * (u * u - w_ * w_) / d**2
        dfa_dw = u * (u * u - w_ * w_) / d**2
        J = np.empty((n, 6))
        J[:, 0] = x[2] * dfs_dh0 + x[3] * dfa_dh0
        J[:, 1] = (x[2] * dfs_dw + x[3] * dfa_dw) * w_
        J[:, 2], J[:, 3], J[:, 4], J[:, 5] = fs_, fa_, 1.0, (h - hc) / hs
        return J

    vs = max(float(np.max(np.abs(v - np.median(v)))), 1e-300)
    sol = least_squares(resid, x0, jac=jac, method="lm", x_scale=np.array([w, 1.0, vs, vs, vs, vs]),
                        xtol=1e-14, ftol=1e-14, gtol=1e-14, max_nfev=2000)
    x = sol.x
    r = resid(x)
    dof = n - 6
    sigma = math.sqrt(float(r @ r) / dof) if dof > 0 else 0.0
    J = jac(x)
    # parameters (H0, Delta, S, A, c0, c1): d Delta = Delta d(log Delta)
    J_lin = J.copy()
    J_lin[:, 1] = J[:, 1] / math.exp(x[1])
    try:
        cov = sigma**2 * np.linalg.inv(J_lin.T @ J_lin)
    except np.linalg.LinAlgError:
        cov = np.full((6, 6), np.inf)
    unc = np.sqrt(np.maximum(np.diag(cov), 0.0))
    width = math.exp(x[1])
    out = {"H_res": float(x[0]), "linewidth": width, "S": float(x[2]), "A": float(x[3]), "offset": float(x[4]),
           "slope": float(x[5] / hs), "H_res_uncertainty": float(unc[0]), "linewidth_uncertainty": float(unc[1]),
           "S_uncertainty": float(unc[2]), "A_uncertainty": float(unc[3]), "offset_uncertainty": float(unc[4]),
           "slope_uncertainty": float(unc[5] / hs), "covariance": cov[:4, :4], "sigma_v": sigma, "points": int(n),
           "field_window": [lo, hi], "converged": bool(sol.success)}
    if not (lo < x[0] < hi) or width > span:
        out["warning"] = (f"the fitted resonance ({x[0]:.4g} A/m, half width {width:.3g} A/m) is not inside the "
                          f"line's field range [{lo:.4g}, {hi:.4g}] A/m")
    return out


def _propagate(fn, x, cov):
    """(value, standard deviation) of fn(x) for parameters x with covariance cov (forward differences)."""
    x = np.asarray(x, dtype=float)
    f0 = fn(x)
    g = np.empty(len(x))
    for i in range(len(x)):
        hstep = 1e-6 * max(abs(x[i]), 1e-30) if x[i] != 0 else 1e-12
        xi = x.copy()
        xi[i] += hstep
        g[i] = (fn(xi) - f0) / hstep
    return f0, math.sqrt(max(float(g @ cov @ g), 0.0))


def _weighted_mean(values, sigmas):
    v = np.asarray(values, dtype=float)
    s = np.asarray(sigmas, dtype=float)
    ok = np.isfinite(v) & np.isfinite(s) & (s > 0)
    if not np.any(ok):
        return (float(np.mean(v)) if len(v) else None), None
    w = 1.0 / s[ok] ** 2
    return float(np.sum(w * v[ok]) / np.sum(w)), float(1.0 / math.sqrt(np.sum(w)))


def kittel_field(frequency, m_eff, h_k, gamma_mu0):
    """Resonance field (A/m) of an in-plane film at ``frequency`` (Hz):
    H0 = -H_k - M_eff/2 + sqrt(M_eff^2/4 + (2 pi f / (gamma mu0))^2), the inverse of the Kittel formula
    :func:`spinloss.dynamics.analytic.kittel_in_plane` (its one home; tests check the inversion)."""
    w = 2 * math.pi * np.asarray(frequency, dtype=float) / gamma_mu0
    return -h_k - 0.5 * m_eff + np.sqrt(0.25 * m_eff**2 + w * w)


def fit_kittel(freq, h_res, sigma, gamma_mu0, *, free_anisotropy: bool = True) -> dict:
    """Weighted least squares of :func:`kittel_field` for M_eff (and H_k) (A/m) with their covariance."""
    from scipy.optimize import least_squares

    f = np.asarray(freq, dtype=float)
    hr = np.asarray(h_res, dtype=float)
    s = np.asarray(sigma, dtype=float)
    s = np.where(s > 0, s, max(float(np.max(s)), 1e-9 * float(np.max(hr))) if np.any(s > 0) else 1e-9 * float(np.max(hr)))
    w = 2 * math.pi * f / gamma_mu0
    guess = float(np.median(w * w / hr - hr))
    if not guess > 0:
        raise PhysicsError("the resonance fields do not follow the Kittel law of an in-plane film (M_eff <= 0): "
                           "is the magnet magnetized in the plane?")

    def resid(x):
        hk = x[1] if free_anisotropy else 0.0
        return (kittel_field(f, x[0], hk, gamma_mu0) - hr) / s

    x0 = np.array([guess, 0.0])
    sol = least_squares(resid, x0 if free_anisotropy else x0[:1], x_scale=np.array([guess, 0.01 * guess])
                        if free_anisotropy else np.array([guess]), xtol=1e-15, ftol=1e-15, gtol=1e-15)
    x = sol.x
    J = sol.jac
    try:
        cov = np.linalg.inv(J.T @ J)
    except np.linalg.LinAlgError:
        cov = np.full((len(x), len(x)), np.inf)
    r = resid(x)
    dof = len(hr) - len(x)
    out = {"M_eff": float(x[0]), "M_eff_uncertainty": float(math.sqrt(max(cov[0, 0], 0.0))),
           "H_k": float(x[1]) if free_anisotropy else 0.0,
           "H_k_uncertainty": float(math.sqrt(max(cov[1, 1], 0.0))) if free_anisotropy else 0.0,
           "chi2": float(r @ r), "dof": int(dof), "anisotropy_free": bool(free_anisotropy)}
    c = np.zeros((2, 2))
    c[:len(x), :len(x)] = cov
    out["covariance"] = c
    return out


def fit_linewidth(freq, width, sigma, gamma_mu0) -> dict:
    """Weighted linear least squares Delta = Delta_0 + alpha 2 pi f/(gamma mu0): alpha_eff, Delta_0
    (A/m) with uncertainties from the line fits' standard deviations."""
    f = np.asarray(freq, dtype=float)
    d = np.asarray(width, dtype=float)
    s = np.asarray(sigma, dtype=float)
    floor = 1e-12 * float(np.max(np.abs(d)))
    s = np.maximum(s, floor)
    x = 2 * math.pi * f / gamma_mu0
    X = np.column_stack([np.ones_like(x), x]) / s[:, None]
    y = d / s
    c, *_ = np.linalg.lstsq(X, y, rcond=None)
    cov = np.linalg.inv(X.T @ X)
    r = y - X @ c
    return {"inhomogeneous_broadening": float(c[0]), "alpha_eff": float(c[1]),
            "inhomogeneous_broadening_uncertainty": float(math.sqrt(cov[0, 0])),
            "alpha_eff_uncertainty": float(math.sqrt(cov[1, 1])), "correlation": float(cov[0, 1] / math.sqrt(cov[0, 0] * cov[1, 1])),
            "chi2": float(r @ r), "dof": int(len(d) - 2)}


@dataclass
class StFmrFit(JsonResult):
    """ST-FMR analysis (module docstring): ``values`` (top-level JSON keys: ``alpha_eff``,
    ``inhomogeneous_broadening``, ``M_eff``, ``H_k``, ``xi_FMR``, ``torque_ratio``, ``xi_DL``, ``xi_FL``,
    ``H_DL``, ``H_FL``, ``delta_alpha``, ``G_eff``, each with ``_uncertainty``), ``lines`` (one per
    frequency and field sign), ``kittel``, ``linewidth_fit``, ``control`` (the control's analysis)."""

    values: dict
    lines: list
    kittel: dict
    linewidth_fit: dict
    control: dict | None = None
    warnings: list = field(default_factory=list)

    def as_dict(self) -> dict:
        out = dict(self.values)
        out.update({"lines": self.lines, "kittel": self.kittel, "linewidth_fit": self.linewidth_fit,
                    "control": self.control, "warnings": self.warnings, "convention": CONVENTION})
        out["units"] = {"anisotropy_free": "1", "converged": "1", 
            "alpha_eff": "1", "alpha_eff_uncertainty": "1", "inhomogeneous_broadening": "A/m",
            "inhomogeneous_broadening_uncertainty": "A/m", "M_eff": "A/m", "M_eff_uncertainty": "A/m", "H_k": "A/m",
            "H_k_uncertainty": "A/m", "xi_FMR": "1", "xi_FMR_uncertainty": "1", "torque_ratio": "1",
            "torque_ratio_uncertainty": "1", "xi_DL": "1", "xi_FL": "1", "xi_DL_uncertainty": "1",
            "xi_FL_uncertainty": "1", "H_DL": "A/m", "H_FL": "A/m", "H_DL_uncertainty": "A/m",
            "H_FL_uncertainty": "A/m", "H_Oe": "A/m", "delta_alpha": "1", "delta_alpha_uncertainty": "1",
            "G_eff": "Ohm^-1 m^-2", "G_eff_uncertainty": "Ohm^-1 m^-2", "G_eff_model": "Ohm^-1 m^-2",
            "frequency": "Hz", "H_res": "A/m", "H_res_uncertainty": "A/m", "linewidth": "A/m",
            "linewidth_uncertainty": "A/m", "S": "V", "A": "V", "S_uncertainty": "V", "A_uncertainty": "V",
            "offset": "V", "offset_uncertainty": "V", "slope": "V/(A/m)", "slope_uncertainty": "V/(A/m)",
            "sigma_v": "V", "field_window": "A/m", "field_angle": "deg", "current_amplitude": "A",
            "current_density": "A/m^2", "chi2": "1", "dof": "1", "points": "1", "branch": "1",
            "covariance": "(mixed)", "correlation": "1"}
        return out


def group_lines(data: StFmrData):
    """(frequency, branch, selection) of every resonance line: rows of one frequency (to 1 kHz) and
    one field sign."""
    fkey = np.round(data.frequency / 1e3) * 1e3
    out = []
    for f in np.unique(fkey):
        for branch in (1, -1):
            sel = (fkey == f) & (np.sign(data.field) == branch)
            if np.any(sel):
                out.append((float(f), branch, sel))
    return out


def analyse_lines(data: StFmrData, warnings: list) -> list:
    """Fit every line of ``data`` (:func:`fit_line`); lines with too few points or without a
    resonance inside their range are left out with a warning."""
    lines = []
    for f, branch, sel in group_lines(data):
        d = data.select(sel)
        where = f"{f / 1e9:.6g} GHz, {'positive' if branch > 0 else 'negative'} fields"
        if len(d) < MIN_LINE_POINTS:
            warnings.append(f"{where}: {len(d)} points, fewer than {MIN_LINE_POINTS}: left out")
            continue
        try:
            fit = fit_line(np.abs(d.field), d.v * 1.0)
        except PhysicsError as exc:
            warnings.append(f"{where}: {exc}: left out")
            continue
        if "warning" in fit:
            warnings.append(f"{where}: {fit.pop('warning')}: left out")
            continue
        fit.update({"frequency": f, "branch": branch, "source": d.files})
        lines.append(fit)
    if not lines:
        raise PhysicsError("no resonance line could be fitted (each needs at least "
                           f"{MIN_LINE_POINTS} points of one frequency and field sign around its resonance)")
    return lines


def device_scales(device, current_amplitude: float | None):
    """(H per xi at the current, H_Oe at the current, current density, reference layer) for the
    current ``current_amplitude`` (A; 1 mA when None: only ratios are used then)."""
    from ..transport import sot_field_per_current
    from .harmonic_hall import oersted_field

    i = 1e-3 if current_amplitude is None else float(current_amplitude)
    ch = device.channel()
    j = i / ch["current_per_density"]
    per_xi = float(sot_field_per_current(1.0, device.saturation_magnetization, device.geometry.thickness)) * j
    return per_xi, oersted_field(device, i), j, ch["reference_layer"]


def analyse_st_fmr(data: StFmrData, *, field_angle: float = 45.0, device=None, current_amplitude: float | None = None,
                   control: StFmrData | None = None, free_anisotropy: bool | None = None,
                   oersted: bool = True) -> StFmrFit:
    """The ST-FMR analysis of ``data`` (module docstring). ``field_angle`` (deg) the in-plane field's
    angle from x; ``device`` gives xi_FMR (Oersted field, M_s, thickness), with ``current_amplitude``
    I_rf (A) the absolute H_DL, H_FL, xi_DL, xi_FL (needs the device's AMR/SMR), and with a
    ``control`` data set the damping difference and G_eff. ``free_anisotropy``: fit H_k in the Kittel
    law (default: with three or more frequencies)."""
    from ..units import GAMMA, MU0

    warnings: list = []
    gamma_mu0 = GAMMA * MU0
    lines = analyse_lines(data, warnings)
    freq = np.array([l["frequency"] for l in lines])
    nfreq = len(np.unique(freq))
    if free_anisotropy is None:
        free_anisotropy = nfreq >= 3
    if free_anisotropy and nfreq < 3:
        raise ConfigError(data.files[0], "frequency", "fitting the anisotropy field in the Kittel law needs three "
                                                      "or more frequencies")
    kit = fit_kittel(freq, [l["H_res"] for l in lines], [l["H_res_uncertainty"] for l in lines], gamma_mu0,
                     free_anisotropy=free_anisotropy)
    if not free_anisotropy:
        warnings.append("fewer than three frequencies: the Kittel fit assumes no in-plane anisotropy (H_k = 0)")
    if nfreq >= 2:
        lw = fit_linewidth(freq, [l["linewidth"] for l in lines], [l["linewidth_uncertainty"] for l in lines],
                           gamma_mu0)
    else:
        warnings.append("one frequency: the line width cannot be split into damping and inhomogeneous broadening "
                        "(alpha_eff needs two or more frequencies)")
        lw = dict.fromkeys(("alpha_eff", "alpha_eff_uncertainty", "inhomogeneous_broadening",
                            "inhomogeneous_broadening_uncertainty", "correlation", "chi2", "dof"))
    m_eff, h_k = kit["M_eff"], kit["H_k"]
    values = {"alpha_eff": lw["alpha_eff"], "alpha_eff_uncertainty": lw["alpha_eff_uncertainty"],
              "inhomogeneous_broadening": lw["inhomogeneous_broadening"],
              "inhomogeneous_broadening_uncertainty": lw["inhomogeneous_broadening_uncertainty"],
              "M_eff": m_eff, "M_eff_uncertainty": kit["M_eff_uncertainty"], "H_k": h_k,
              "H_k_uncertainty": kit["H_k_uncertainty"], "field_angle": float(field_angle),
              "current_amplitude": current_amplitude}

    # --- torque ratio H_DL / (H_FL + H_Oe) per line; common M_eff, H_k error added once at the end
    def ratio_of(line, me, hk):
        def fn(p):
            h1 = p[0] + hk
            return p[2] / p[3] * math.sqrt((h1 + me) / h1)
        return _propagate(fn, [line["H_res"], line["linewidth"], line["S"], line["A"]], line["covariance"])

    def combined_ratio(me, hk):
        vals = [ratio_of(l, me, hk) for l in lines]
        return _weighted_mean([v for v, _ in vals], [s for _, s in vals])

    for l in lines:
        l["torque_ratio"], l["torque_ratio_uncertainty"] = ratio_of(l, m_eff, h_k)
    tr, tr_s = combined_ratio(m_eff, h_k)
    tr_s = _with_common(tr_s, lambda me, hk: combined_ratio(me, hk)[0], kit)
    values.update({"torque_ratio": tr, "torque_ratio_uncertainty": tr_s, "xi_FMR": None, "xi_FMR_uncertainty": None,
                   "xi_DL": None, "xi_FL": None, "xi_DL_uncertainty": None, "xi_FL_uncertainty": None,
                   "H_DL": None, "H_FL": None, "H_DL_uncertainty": None, "H_FL_uncertainty": None})
    if device is not None:
        per_xi, h_oe, j, ref = device_scales(device, current_amplitude)
        if not oersted:
            h_oe = 0.0
        values.update({"H_Oe": h_oe if current_amplitude is not None else None, "reference_layer": ref,
                       "current_density": j if current_amplitude is not None else None})
        if h_oe != 0.0:
            values["xi_FMR"] = tr * h_oe / per_xi
            values["xi_FMR_uncertainty"] = abs(tr_s * h_oe / per_xi)
        else:
            warnings.append("the device has no Oersted field at the magnet (no current outside it): Liu's xi_FMR "
                            "has no reference" + ("; give --current-amplitude for the absolute torques"
                                                  if current_amplitude is None else ""))
        if current_amplitude is not None:
            _absolute(values, lines, device, float(current_amplitude), field_angle, kit, per_xi, h_oe, warnings)
    else:
        warnings.append("no --device: xi_FMR and the absolute torques need the magnet (M_s, thickness) and the "
                        "Oersted field of the stack")

    control_out = None
    if control is not None:
        if lw["alpha_eff"] is None:
            raise PhysicsError("the damping difference needs alpha_eff of the sample: two or more frequencies")
        c = analyse_st_fmr(control, field_angle=field_angle, free_anisotropy=None)
        if c.values["alpha_eff"] is None:
            raise PhysicsError("the damping difference needs alpha_eff of the control: two or more frequencies")
        control_out = {k: c.values[k] for k in ("alpha_eff", "alpha_eff_uncertainty", "inhomogeneous_broadening",
                                                "inhomogeneous_broadening_uncertainty", "M_eff", "M_eff_uncertainty")}
        control_out["lines"] = len(c.lines)
        da = lw["alpha_eff"] - c.values["alpha_eff"]
        da_s = math.hypot(lw["alpha_eff_uncertainty"], c.values["alpha_eff_uncertainty"])
        values.update({"delta_alpha": da, "delta_alpha_uncertainty": da_s, "G_eff": None, "G_eff_uncertainty": None})
        if device is not None:
            from ..transport import spin_pumping_damping

            per_g = float(spin_pumping_damping(1.0, device.saturation_magnetization, device.geometry.thickness))
            values["G_eff"] = da / per_g
            values["G_eff_uncertainty"] = da_s / per_g
            g_p = device.transport().magnet(device.magnet_layer).pumping_conductance
            values["G_eff_model"] = float(np.real(np.asarray(g_p)))
        else:
            warnings.append("no --device: G_eff from the damping difference needs the magnet's M_s and thickness")
    for l in lines:
        l["covariance"] = np.asarray(l["covariance"]).tolist()
    return StFmrFit(values, lines, kit, lw, control_out, warnings)


def _with_common(sigma, fn, kit):
    """Add to ``sigma`` the part of the error of fn(M_eff, H_k) that the Kittel fit's (common)
    uncertainty gives."""
    if sigma is None:
        return None
    me, hk = kit["M_eff"], kit["H_k"]
    cov = np.asarray(kit["covariance"])
    f0 = fn(me, hk)
    g = np.array([(fn(me * (1 + 1e-6), hk) - f0) / (1e-6 * me),
                  (fn(me, hk + 1e-6 * me) - f0) / (1e-6 * me) if kit["anisotropy_free"] else 0.0])
    extra = float(g @ cov @ g)
    return math.sqrt(sigma**2 + max(extra, 0.0))


def _absolute(values, lines, device, i_rf, field_angle, kit, per_xi, h_oe, warnings):
    """H_DL, H_FL (at I_rf) and xi_DL, xi_FL from the absolute amplitudes S and A (module docstring)."""
    from ..units import GAMMA, MU0
    from .resistance import ResistanceModel

    res = ResistanceModel.from_device(device)
    d_r = res.AMR + res.SMR
    if d_r == 0:
        warnings.append("the device's [resistance] has no AMR or SMR: the absolute torques are not computed")
        return
    gamma_mu0 = GAMMA * MU0

    def fields_of(line, me, hk):
        phi = math.radians(field_angle + (180.0 if line["branch"] < 0 else 0.0))
        geo = -0.5 * i_rf * d_r * math.sin(2 * phi) * math.cos(phi)
        if abs(geo) < 1e-12 * i_rf * abs(d_r):
            raise PhysicsError(f"the field angle {field_angle} deg gives sin(2 phi) cos(phi) = 0: no signal")
        w_ratio = 2 * math.pi * line["frequency"] / gamma_mu0

        def dl(p):
            h1 = p[0] + hk
            h2 = h1 + me
            return p[2] * (h1 + h2) * p[1] / (geo * w_ratio)

        def fl(p):
            h1 = p[0] + hk
            h2 = h1 + me
            return p[3] * (h1 + h2) * p[1] / (geo * h2) - h_oe

        x = [line["H_res"], line["linewidth"], line["S"], line["A"]]
        return _propagate(dl, x, line["covariance"]), _propagate(fl, x, line["covariance"])

    def combined(me, hk):
        pairs = [fields_of(l, me, hk) for l in lines]
        return (_weighted_mean([p[0][0] for p in pairs], [p[0][1] for p in pairs]),
                _weighted_mean([p[1][0] for p in pairs], [p[1][1] for p in pairs]))

    for l in lines:
        (l["H_DL"], l["H_DL_uncertainty"]), (l["H_FL"], l["H_FL_uncertainty"]) = fields_of(l, kit["M_eff"], kit["H_k"])
    (h_dl, s_dl), (h_fl, s_fl) = combined(kit["M_eff"], kit["H_k"])
    s_dl = _with_common(s_dl, lambda me, hk: combined(me, hk)[0][0], kit)
    s_fl = _with_common(s_fl, lambda me, hk: combined(me, hk)[1][0], kit)
    values.update({"H_DL": h_dl, "H_FL": h_fl, "H_DL_uncertainty": s_dl, "H_FL_uncertainty": s_fl,
                   "xi_DL": h_dl / per_xi, "xi_FL": h_fl / per_xi, "xi_DL_uncertainty": s_dl / abs(per_xi),
                   "xi_FL_uncertainty": s_fl / abs(per_xi)})
