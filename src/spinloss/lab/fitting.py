r"""Harmonic Hall analysis: from V_1w, V_2w to the current-induced fields (docs/lab.md section 3).

Conventions (docs/physics.md sections 2 and 5): I = I0 sin(wt); V_1w the in-phase first harmonic,
V_2w the amplitude of the -cos(2wt) term (:mod:`spinloss.lab.harmonic_hall`); R_xy = R_AHE m_z +
R_PHE m_x m_y; the current-induced fields at the peak current I0 are
Delta H = H_DL (m x y) + H_FL y (+ H_Oe y), i.e. s = +y.

Perpendicular films (Hayashi et al., PRB 89, 144425 (2014), in this package's resistances) [D]:
field sweeps along x and y of each m_z branch p; polynomial fits give the H -> 0 limits
B_x,y = (dV_2w/dH_x,y) / (d^2 V_1w/dH_x,y^2), and with xi = R_PHE/R_AHE

    H_DL = -2 (p B_x + xi B_y) / (1 - xi^2),   H_FL = 2 (B_y + p xi B_x) / (1 - xi^2).

(2 B_x = Delta H_x - p xi Delta H_y, 2 B_y = Delta H_y - p xi Delta H_x with Delta H_x = -p H_DL,
Delta H_y = H_FL.) Hayashi's xi is a ratio of full swings, R_PHE/(2 R_AHE) here, hence their 2 xi
and 1 - 4 xi^2. The inversion breaks as xi -> 1.

In-plane films (Avci et al., PRB 90, 224427 (2014); MacNeill et al.), field of magnitude H rotated
in the plane at angle phi from x [D]:

    V_1w = I0 (R_PHE/2) sin(2 phi)
    V_2w = [I0 R_AHE H_DL / (2 (H + M_eff)) + V_thermal] cos(phi)
           + I0 (R_PHE/2) (H_FL + H_Oe)/H (2 cos^3 phi - cos phi)

with M_eff = -H_K_eff > 0 the out-of-plane stiffness. In Avci's resistances (R_PHE,Avci = R_PHE/2
here) the last term reads R_PHE,Avci (...), as in docs/physics.md section 5; with this package's
R_PHE it carries R_PHE/2: the factor of two that separates the formulas in use (Lau et al.,
arXiv:2601.03583) is fixed here by the round trip (tests/test_lab_fit.py). The thermal term (anomalous
Nernst, V_thermal m_x) is separated from the damping-like term by its field dependence
(constant versus 1/(H + M_eff)).

Full model: the quasistatic forward simulation (:func:`spinloss.lab.harmonic_hall.quasistatic_harmonics`)
of a film (uniaxial perpendicular anisotropy H_K_eff m_z z plus an in-plane H_K_in m_x x) fitted to
every point by least squares (scipy.optimize.least_squares), uncertainties from the Jacobian and
checked by a residual bootstrap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError, PhysicsError
from ..io import JsonResult
from .data import HarmonicHallData
from .harmonic_hall import HallBar, quasistatic_harmonics, scan_fields, start_states
from .resistance import ResistanceModel

#: |R_PHE/R_AHE| above which the perpendicular inversion is flagged (1/(1 - xi^2) > 1.33).
XI_WARNING = 0.5
#: Default field window of the perpendicular analysis, as a fraction of H_K,eff.
FIELD_WINDOW = 0.25

CONVENTION = ("I = I0 sin(wt); V_1w = in-phase first-harmonic amplitude; V_2w = amplitude of the -cos(2wt) "
              "term; R_xy = R_AHE m_z + R_PHE m_x m_y; Delta H = H_DL (m x y) + H_FL y at I0 (s = +y)")


def covariance(jac):
    """(J^T J)^-1 with the columns scaled to unit norm first (parameters of very different sizes
    would otherwise lose their small singular values to the pseudo-inverse's cutoff)."""
    jac = np.asarray(jac, dtype=float)
    norms = np.linalg.norm(jac, axis=0)
    norms = np.where(norms > 0, norms, 1.0)
    js = jac / norms
    return np.linalg.pinv(js.T @ js) / np.outer(norms, norms)


def _linfit(x_cols, y):
    """Least squares y ~ X c: (c, covariance with sigma^2 from the residuals, sigma, dof)."""
    X = np.column_stack(x_cols)
    c, *_ = np.linalg.lstsq(X, y, rcond=None)
    res = y - X @ c
    dof = len(y) - X.shape[1]
    if dof <= 0:
        raise PhysicsError("too few points for the polynomial fit")
    s2 = float(res @ res) / dof
    cov = s2 * np.linalg.inv(X.T @ X)
    return c, cov, math.sqrt(s2), dof


def _where(data: HarmonicHallData, mask) -> str:
    i = int(np.flatnonzero(mask)[0])
    return f"{data.source[i]}", f"line {data.line[i]}"


def assign_branches(data: HarmonicHallData, ahe_sign: float = 1.0) -> tuple[np.ndarray, str]:
    """Branch p (+1/-1) of each x/y row: the ``branch`` column where given, else detected from the
    first harmonic (p = sign(V_1w - midpoint) sign(R_AHE), the midpoint between the two branches'
    levels; a single branch when every V_1w has one sign and the spread is < 50 % of the level).
    Returns (branches, how)."""
    p = data.branch.astype(float).copy()
    free = (p == 0)
    if not np.any(free):
        return p, "given"
    v = data.v1w[free]
    ok = np.isfinite(v)
    if not np.any(ok):
        src, where = _where(data, free)
        raise ConfigError(src, where, "branch: no v1w on these rows to detect the m_z branch from; give a branch column")
    lo, hi = float(np.min(v[ok])), float(np.max(v[ok]))
    level = max(abs(lo), abs(hi))
    single = (lo > 0 or hi < 0) and (hi - lo) < 0.5 * level
    idx = np.flatnonzero(free)
    if single:
        p[idx] = math.copysign(1.0, hi) * ahe_sign
        return p, "detected (one branch)"
    mid = 0.5 * (lo + hi)
    for i in idx:
        if not math.isfinite(data.v1w[i]):
            raise ConfigError(str(data.source[i]), f"line {data.line[i]}", "branch: a row without v1w needs a "
                              "branch column when the data hold both m_z branches")
        p[i] = (1.0 if data.v1w[i] > mid else -1.0) * ahe_sign
    return p, "detected (both branches)"


# ============================================================================ perpendicular


def _branch_scan_fit(h, v1, v2, i0):
    """Polynomial fits of one branch and scan: V_1w = a0 + ... + a4 H^4, V_2w = b0 + ... + b3 H^3
    (H -> 0 limits: curvature 2 a2, slope b1). Returns a dict with B, its sigma and the rest."""
    k1, k2 = np.isfinite(v1), np.isfinite(v2)
    if k1.sum() < 7 or k2.sum() < 6:
        return None
    # scale fields to order 1 for conditioning
    hs = max(float(np.max(np.abs(h))), 1.0)
    x1, x2 = h[k1] / hs, h[k2] / hs
    c1, cov1, s1, _ = _linfit([x1**0, x1, x1**2, x1**3, x1**4], v1[k1])
    c2, cov2, s2, _ = _linfit([x2**0, x2, x2**2, x2**3], v2[k2])
    a2, var_a2 = c1[2] / hs**2, cov1[2, 2] / hs**4
    b1, var_b1 = c2[1] / hs, cov2[1, 1] / hs**2
    if a2 == 0:
        return None
    B = b1 / (2 * a2)
    var_B = var_b1 / (2 * a2) ** 2 + (b1 * math.sqrt(var_a2) / (2 * a2**2)) ** 2
    return {"B": B, "B_uncertainty": math.sqrt(var_B), "a0": c1[0], "a0_var": cov1[0, 0], "a2": a2,
            "a2_var": var_a2, "b1": b1, "sigma_v1w": s1, "sigma_v2w": s2, "points_v1w": int(k1.sum()),
            "points_v2w": int(k2.sum())}


def fit_perpendicular(data: HarmonicHallData, current_amplitude: float, *, planar_hall: float | None = None,
                      ahe_sign: float = 1.0, field_range: float | None = None) -> dict:
    """Hayashi analysis of a perpendicular film (module docstring). ``planar_hall`` R_PHE (Ohm; None:
    no planar Hall correction, with a warning); ``field_range`` |H| max (A/m; default
    :data:`FIELD_WINDOW` H_K,eff, found iteratively). Returns a dict of the results."""
    i0 = float(current_amplitude)
    sweep = np.isin(data.scan, ("x", "y"))
    if not np.any(sweep):
        raise ConfigError(data.files[0] if len(data) else "<data>", "scan",
                          "the perpendicular analysis needs field sweeps along x and y (scan x, y)")
    d = data.select(sweep)
    p, how = assign_branches(d, ahe_sign)
    warnings = []
    hmax = float(np.max(np.abs(d.field)))
    rng = hmax if field_range is not None and field_range >= hmax else (field_range or 0.5 * hmax)
    for _ in range(6):
        fits = {}
        for pb in (1.0, -1.0):
            for s in ("x", "y"):
                sel = (p == pb) & (d.scan == s) & (np.abs(d.field) <= rng * (1 + 1e-12))
                if np.any(sel):
                    f = _branch_scan_fit(d.field[sel], d.v1w[sel], d.v2w[sel], i0)
                    if f is not None:
                        fits[(pb, s)] = f
        if not fits:
            raise PhysicsError(f"too few points within |H| <= {rng:.4g} A/m for the polynomial fits (at least 7 "
                               "v1w and 6 v2w points per branch and scan)")
        levels = {pb: np.mean([f["a0"] for (q, _), f in fits.items() if q == pb]) for pb in (1.0, -1.0)
                  if any(q == pb for q, _ in fits)}
        if len(levels) == 2:
            r_ahe = (levels[1.0] - levels[-1.0]) / (2 * i0)
        else:
            (pb, lev), = levels.items()
            r_ahe = pb * lev / i0
        hk2 = [-i0 * r_ahe * q / (2 * f["a2"]) for (q, _), f in fits.items()]
        hk2 = [v for v in hk2 if v > 0]
        if not hk2:
            raise PhysicsError("the first harmonic does not curve like a perpendicular magnet tilting in an "
                               "in-plane field (d^2 V_1w/dH^2 has the wrong sign): check --magnet and the branches")
        h_k = float(np.sqrt(np.mean(hk2)))
        if field_range is not None:
            break
        new = min(hmax, FIELD_WINDOW * h_k)
        if abs(new - rng) <= 1e-6 * rng:
            break
        rng = new
    if planar_hall is None:
        warnings.append("no R_PHE given (--planar-hall-resistance or the device's [resistance] PHE): the planar "
                        "Hall correction is off (xi = 0)")
        r_phe = 0.0
    else:
        r_phe = float(planar_hall)
    xi = r_phe / r_ahe if r_ahe != 0 else 0.0
    if abs(xi) >= 1.0:
        raise PhysicsError(f"R_PHE/R_AHE = {xi:.3g}: the harmonic Hall inversion of perpendicular films breaks "
                           "down at |R_PHE/R_AHE| >= 1 (1 - xi^2 <= 0)")
    if abs(xi) > XI_WARNING:
        warnings.append(f"R_PHE/R_AHE = {xi:.3g} approaches 1: the planar Hall correction amplifies errors by "
                        f"1/(1 - xi^2) = {1 / (1 - xi**2):.3g} and the method breaks at 1")
    per_branch = []
    for pb in (1.0, -1.0):
        fx, fy = fits.get((pb, "x")), fits.get((pb, "y"))
        if fx is None or fy is None:
            continue
        bx, by = fx["B"], fy["B"]
        vx, vy = fx["B_uncertainty"] ** 2, fy["B_uncertainty"] ** 2
        den = 1 - xi**2
        h_dl = -2 * (pb * bx + xi * by) / den
        h_fl = 2 * (by + pb * xi * bx) / den
        per_branch.append({"branch": int(pb), "B_x": bx, "B_y": by, "B_x_uncertainty": math.sqrt(vx),
                           "B_y_uncertainty": math.sqrt(vy), "H_DL": h_dl, "H_FL": h_fl,
                           "H_DL_uncertainty": 2 * math.sqrt(vx + xi**2 * vy) / den,
                           "H_FL_uncertainty": 2 * math.sqrt(vy + xi**2 * vx) / den})
    if not per_branch:
        raise PhysicsError("no branch has both an x and a y sweep with enough points")

    def combine(key):
        w = np.array([1.0 / b[f"{key}_uncertainty"] ** 2 for b in per_branch])
        v = np.array([b[key] for b in per_branch])
        return float(np.sum(w * v) / np.sum(w)), float(1.0 / math.sqrt(np.sum(w)))

    h_dl, s_dl = combine("H_DL")
    h_fl, s_fl = combine("H_FL")
    sig1 = float(np.sqrt(np.mean([f["sigma_v1w"] ** 2 for f in fits.values()])))
    sig2 = float(np.sqrt(np.mean([f["sigma_v2w"] ** 2 for f in fits.values()])))
    return {"method": "hayashi", "H_DL": h_dl, "H_FL": h_fl, "H_DL_uncertainty": s_dl, "H_FL_uncertainty": s_fl,
            "R_AHE": float(r_ahe), "R_PHE": r_phe, "H_K_eff": h_k, "xi": xi, "field_range": float(rng),
            "branches": per_branch, "branch_assignment": how, "sigma_v1w": sig1, "sigma_v2w": sig2,
            "branch_of_row": p, "warnings": warnings}


# ============================================================================ in-plane


def _z_scan(data: HarmonicHallData, i0):
    """R_AHE and M_eff from an out-of-plane sweep: V_1w = c + I0 R_AHE clip(H/M_eff, -1, 1) (the
    Stoner-Wohlfarth hard-axis curve), M_eff by a bounded 1D search with (c, R_AHE) solved
    linearly at each M_eff."""
    from scipy.optimize import minimize_scalar

    sel = (data.scan == "z") & np.isfinite(data.v1w)
    if sel.sum() < 5:
        return None
    h, v = data.field[sel], data.v1w[sel]

    def solve(m):
        X = np.column_stack([np.ones_like(h), i0 * np.clip(h / m, -1, 1)])
        q, *_ = np.linalg.lstsq(X, v, rcond=None)
        return q, float(np.sum((X @ q - v) ** 2))

    hmax = float(np.max(np.abs(h)))
    grid = np.geomspace(0.02, 1.0, 60) * hmax
    k = int(np.argmin([solve(m)[1] for m in grid]))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    r = minimize_scalar(lambda lm: solve(math.exp(lm))[1], bounds=(math.log(lo), math.log(hi)), method="bounded",
                        options={"xatol": 1e-10})
    m = math.exp(r.x)
    q, _ = solve(m)
    return {"R_AHE": float(q[1]), "M_eff": float(m), "offset_v1w": float(q[0])}


def fit_in_plane(data: HarmonicHallData, current_amplitude: float, *, anomalous_hall: float | None = None,
                 h_k_eff: float | None = None) -> dict:
    """Angular-scan analysis of an in-plane film (module docstring). ``anomalous_hall`` R_AHE (Ohm)
    and ``h_k_eff`` (A/m, < 0 for an in-plane film: -M_eff) are taken from a z sweep in the data
    when there is one, else from these arguments; M_eff is fitted when neither gives it."""
    from scipy.optimize import least_squares

    i0 = float(current_amplitude)
    warnings = []
    zs = _z_scan(data, i0)
    r_ahe = zs["R_AHE"] if zs else anomalous_hall
    m_eff = zs["M_eff"] if zs else (-h_k_eff if h_k_eff is not None else None)
    if r_ahe is None:
        raise ConfigError(data.files[0], "R_AHE", "the in-plane analysis needs R_AHE: add an out-of-plane sweep "
                          "(scan z) to the data, give --anomalous-hall-resistance or a --device with [resistance] AHE")
    if m_eff is not None and m_eff <= 0:
        raise ConfigError(data.files[0], "H_K_eff", "an in-plane film has H_K,eff < 0 (M_eff > 0)")
    ang = data.scan == "angle"
    if not np.any(ang):
        raise ConfigError(data.files[0], "scan", "the in-plane analysis needs angular scans (an 'angle [deg]' column)")
    d = data.select(ang)
    mags = np.unique(np.round(np.abs(d.field), 6))
    per_field = []
    for hm in mags:
        sel = np.abs(np.abs(d.field) - hm) <= 1e-6 * max(hm, 1.0)
        phi = d.angle[sel]
        v1, v2 = d.v1w[sel], d.v2w[sel]
        k1, k2 = np.isfinite(v1), np.isfinite(v2)
        if k1.sum() < 5 or k2.sum() < 5:
            continue
        p1 = phi[k1]
        c1, cov1, s1, _ = _linfit([p1**0, np.sin(2 * p1), np.cos(2 * p1)], v1[k1])
        p2 = phi[k2]
        c2, cov2, s2, _ = _linfit([p2**0, np.cos(p2), np.cos(p2) * np.cos(2 * p2)], v2[k2])
        per_field.append({"field": float(hm), "R_PHE": 2 * c1[1] / i0, "R_PHE_var": 4 * cov1[1, 1] / i0**2,
                          "A": c2[1], "A_var": cov2[1, 1], "F": c2[2], "F_var": cov2[2, 2], "sigma_v1w": s1,
                          "sigma_v2w": s2})
    if len(per_field) < 2:
        raise PhysicsError("the in-plane analysis needs angular scans at two or more field magnitudes "
                           "(at least 5 angles each) to separate the thermal term")
    h = np.array([f["field"] for f in per_field])
    w_r = np.array([1 / f["R_PHE_var"] for f in per_field])
    r_phe = float(np.sum(w_r * [f["R_PHE"] for f in per_field]) / np.sum(w_r))
    # field-like: F_j = (I0 R_PHE / 2) H_FL / H_j
    y = np.array([2 * f["F"] * f["field"] / (i0 * r_phe) for f in per_field])
    sy = np.array([2 * math.sqrt(f["F_var"]) * f["field"] / abs(i0 * r_phe) for f in per_field])
    w = 1 / sy**2
    h_fl = float(np.sum(w * y) / np.sum(w))
    s_fl = float(1 / math.sqrt(np.sum(w)))
    chi_fl = float(np.sum(w * (y - h_fl) ** 2) / max(len(y) - 1, 1))
    s_fl *= math.sqrt(max(chi_fl, 1.0)) if len(y) > 2 else 1.0
    # damping-like and thermal: A_j = D / (H_j + M_eff) + V_th
    a = np.array([f["A"] for f in per_field])
    sa = np.sqrt([f["A_var"] for f in per_field])

    def resid(q):
        dd, vth, me = q
        return (dd / (h + me) + vth - a) / sa

    m_fixed = m_eff is not None
    if m_fixed:
        X = np.column_stack([1 / (h + m_eff), np.ones_like(h)]) / sa[:, None]
        q, *_ = np.linalg.lstsq(X, a / sa, rcond=None)
        cov = np.linalg.inv(X.T @ X)
        dd, vth, sd, sv = q[0], q[1], math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1])
    else:
        if len(per_field) < 3:
            raise PhysicsError("M_eff unknown and only two field magnitudes: add a z sweep, give "
                               "--anisotropy-field or scan more fields")
        best = None
        for me in np.geomspace(1e3, 1e7, 60):
            X = np.column_stack([1 / (h + me), np.ones_like(h)]) / sa[:, None]
            q, *_ = np.linalg.lstsq(X, a / sa, rcond=None)
            rss = float(np.sum((X @ q - a / sa) ** 2))
            if best is None or rss < best[0]:
                best = (rss, [q[0], q[1], me])
        fit = least_squares(resid, best[1], x_scale="jac")
        cov = covariance(fit.jac)
        dd, vth, m_eff = fit.x
        sd, sv = math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1])
        warnings.append(f"M_eff fitted from the field dependence of the cos(phi) term: {m_eff:.4g} A/m")
    h_dl = 2 * dd / (i0 * r_ahe)
    s_dl = 2 * sd / abs(i0 * r_ahe)
    return {"method": "avci", "H_DL": float(h_dl), "H_FL": h_fl, "H_DL_uncertainty": float(s_dl),
            "H_FL_uncertainty": s_fl, "R_AHE": float(r_ahe), "R_PHE": r_phe, "H_K_eff": -float(m_eff),
            "V_thermal": float(vth), "V_thermal_uncertainty": float(sv), "R_thermal": float(vth / i0),
            "fields": per_field, "z_scan": zs, "field_range": [float(h.min()), float(h.max())],
            "sigma_v1w": float(np.sqrt(np.mean([f["sigma_v1w"] ** 2 for f in per_field]))),
            "sigma_v2w": float(np.sqrt(np.mean([f["sigma_v2w"] ** 2 for f in per_field]))),
            "warnings": warnings}


# ============================================================================ full model


@dataclass(frozen=True)
class FilmModel:
    """The macrospin film of the full-model fit: H_eff = H_app + H_K_eff m_z z + H_K_in m_x x (A/m);
    H_K_eff > 0 a perpendicular easy axis, < 0 an easy plane (-M_eff); H_K_in an in-plane uniaxial
    anisotropy along x (< 0: easy axis y)."""

    h_k_eff: float
    h_k_in: float = 0.0

    def field(self, h_app):
        h_app = np.asarray(h_app, dtype=float)

        def f(m):
            out = h_app.copy() if h_app.shape == m.shape else np.tile(h_app, (m.shape[0] // h_app.shape[0], 1))
            out[:, 2] += self.h_k_eff * m[:, 2]
            out[:, 0] += self.h_k_in * m[:, 0]
            return out

        return f

    def easy_axis(self):
        if self.h_k_eff > 0:
            return np.array([0.0, 0.0, 1.0])
        return np.array([1.0, 0.0, 0.0]) if self.h_k_in > 0 else np.array([0.0, 1.0, 0.0])


def forward(data: HarmonicHallData, branch, current_amplitude, q: dict, phases: int = 8):
    """Model V_1w, V_2w (V) at every row for the parameters ``q`` (H_DL, H_FL, R_AHE, R_PHE,
    H_K_eff, H_K_in, V_N, offset_v1w, offset_v2w)."""
    film = FilmModel(q["H_K_eff"], q.get("H_K_in", 0.0))
    res = ResistanceModel(AHE=q["R_AHE"], PHE=q["R_PHE"])
    bar = HallBar(res, current_amplitude, q["H_DL"], q["H_FL"], 0.0, (0.0, 1.0, 0.0), q.get("V_N", 0.0))
    v1 = np.empty(len(data))
    v2 = np.empty(len(data))
    for s in np.unique(data.scan):
        sel = data.scan == s
        h_app = scan_fields(s, data.field[sel], np.degrees(data.angle[sel]) if s == "angle" else None)
        start = start_states(h_app, branch[sel] if s != "angle" else np.ones(sel.sum()), film.easy_axis(),
                             s if s in ("angle",) else "x")
        if s == "z" and film.h_k_eff < 0:
            start = start_states(h_app, np.ones(sel.sum()), film.easy_axis(), "x")
        scale = abs(film.h_k_eff) + abs(film.h_k_in) + float(np.max(np.abs(h_app))) + 1.0
        a, b, _ = quasistatic_harmonics(film.field(h_app), bar, start, scale=scale, phases=phases)
        v1[sel], v2[sel] = a, b
    return v1 + q.get("offset_v1w", 0.0), v2 + q.get("offset_v2w", 0.0)


def fit_full_model(data: HarmonicHallData, current_amplitude: float, branch, initial: dict, free: list,
                   *, sigma_v1w: float, sigma_v2w: float, bootstrap: int = 20, seed: int = 0,
                   phases: int = 8) -> dict:
    """Least-squares fit of :func:`forward` to every point (module docstring). ``initial`` all the
    parameters; ``free`` the names fitted; the residuals are weighted by the noise levels
    ``sigma_v1w``, ``sigma_v2w`` (V), re-estimated from the fit and the fit repeated once.
    Uncertainties: sqrt(diag((J^T J)^-1)) of the weighted problem; ``bootstrap`` residual
    resamplings (seeded) give the bootstrap standard deviations beside them."""
    from scipy.optimize import least_squares

    k1, k2 = np.isfinite(data.v1w), np.isfinite(data.v2w)
    y1, y2 = data.v1w[k1], data.v2w[k2]
    n1, n2 = len(y1), len(y2)
    scales = {"H_DL": 100.0, "H_FL": 100.0, "R_AHE": 1.0, "R_PHE": 0.1, "H_K_eff": 1e5, "H_K_in": 1e3,
              "V_N": 1e-6, "offset_v1w": 1e-5, "offset_v2w": 1e-7}

    def unpack(x):
        q = dict(initial)
        for name, val in zip(free, x):
            q[name] = val
        return q

    def model(x):
        return forward(data, branch, current_amplitude, unpack(x), phases)

    def run(y1, y2, x0, s1, s2):
        def resid(x):
            m1, m2 = model(x)
            return np.concatenate([(m1[k1] - y1) / s1, (m2[k2] - y2) / s2])

        sc = np.array([scales[n] for n in free])

        def jac(x):
            # forward differences with absolute steps (a relative step at x = 0 would be below the
            # equilibrium solver's tolerance)
            f0 = resid(x)
            J = np.empty((f0.size, x.size))
            for i in range(x.size):
                h = 1e-4 * max(abs(x[i]), sc[i])
                xi = x.copy()
                xi[i] += h
                J[:, i] = (resid(xi) - f0) / h
            return J

        return least_squares(resid, x0, jac=jac, x_scale=sc, method="trf")

    x0 = np.array([initial[n] for n in free], dtype=float)
    # noise floors: relative 1e-6 of the first and 1e-4 of the second harmonic, so that
    # noise-free data do not weight the model's small approximations (demag, phases) absurdly
    s1 = max(sigma_v1w, 1e-6 * float(np.max(np.abs(y1))) if n1 else 0.0, 1e-15)
    s2 = max(sigma_v2w, 1e-4 * float(np.max(np.abs(y2))) if n2 else 0.0, 1e-18)
    fit = run(y1, y2, x0, s1, s2)
    m1, m2 = model(fit.x)
    r1, r2 = y1 - m1[k1], y2 - m2[k2]
    pfree = len(free)
    s1 = max(math.sqrt(float(r1 @ r1) / max(n1 - pfree / 2, 1)), 1e-9 * s1)
    s2 = max(math.sqrt(float(r2 @ r2) / max(n2 - pfree / 2, 1)), 1e-9 * s2)
    fit = run(y1, y2, fit.x, s1, s2)
    cov = covariance(fit.jac)
    unc = np.sqrt(np.maximum(np.diag(cov), 0.0))
    m1, m2 = model(fit.x)
    r1, r2 = y1 - m1[k1], y2 - m2[k2]
    boot = []
    rng = np.random.default_rng(seed)
    for _ in range(int(bootstrap)):
        b1 = m1[k1] + rng.choice(r1, size=n1, replace=True)
        b2 = m2[k2] + rng.choice(r2, size=n2, replace=True)
        boot.append(run(b1, b2, fit.x, s1, s2).x)
    best = unpack(fit.x)
    out = {"method": "full_model", "parameters": {n: float(best[n]) for n in best},
           "uncertainties": {n: float(u) for n, u in zip(free, unc)}, "free": list(free),
           "sigma_v1w": s1, "sigma_v2w": s2, "chi2_reduced": float(2 * fit.cost / max(n1 + n2 - pfree, 1)),
           "converged": bool(fit.success), "points": int(n1 + n2)}
    if boot:
        bs = np.std(np.array(boot), axis=0, ddof=1) if len(boot) > 1 else np.zeros(pfree)
        out["bootstrap_uncertainties"] = {n: float(u) for n, u in zip(free, bs)}
        out["bootstrap_resamples"] = int(bootstrap)
    return out


# ============================================================================ the result


@dataclass
class HarmonicHallFit(JsonResult):
    """Torques from harmonic Hall data (docs/lab.md section 3): ``H_DL``, ``H_FL`` (A/m at the current
    amplitude, s = +y), their uncertainties, ``R_AHE``, ``R_PHE`` (Ohm), ``H_K_eff`` (A/m, < 0 for an
    in-plane film), the thermal term, and with a device ``xi_DL``, ``xi_FL`` per current density in
    the reference layer; ``closed_form`` and ``full_model`` hold each analysis."""

    values: dict
    closed_form: dict
    full_model: dict | None
    warnings: list = field(default_factory=list)

    def as_dict(self) -> dict:
        out = dict(self.values)
        out["closed_form"] = self.closed_form
        out["full_model"] = self.full_model
        out["warnings"] = self.warnings
        out["convention"] = CONVENTION
        out["units"] = {"H_DL": "A/m", "H_FL": "A/m", "H_DL_uncertainty": "A/m", "H_FL_uncertainty": "A/m",
                        "R_AHE": "Ohm", "R_PHE": "Ohm", "H_K_eff": "A/m", "H_K_in": "A/m", "xi_DL": "1",
                        "xi_FL": "1", "xi_DL_uncertainty": "1", "xi_FL_uncertainty": "1", "V_thermal": "V",
                        "V_thermal_uncertainty": "V", "R_thermal": "Ohm", "current_amplitude": "A",
                        "current_density": "A/m^2", "H_Oe": "A/m", "H_FL_with_oersted": "A/m",
                        "field_range": "A/m", "field": "A/m", "B_x": "A/m", "B_y": "A/m", "B_x_uncertainty": "A/m",
                        "B_y_uncertainty": "A/m", "sigma_v1w": "V", "sigma_v2w": "V", "xi": "1",
                        "R_PHE_var": "Ohm^2", "A": "V", "A_var": "V^2", "F": "V", "F_var": "V^2",
                        "M_eff": "A/m", "offset_v1w": "V", "offset_v2w": "V", "V_N": "V", "chi2_reduced": "1",
                        "points": "1", "branch": "1", "bootstrap_resamples": "1"}
        return out


def _strip(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in ("branch_of_row",)}


def analyse_harmonic_hall(data: HarmonicHallData, current_amplitude: float, magnet: str, *, device=None,
                          planar_hall: float | None = None, anomalous_hall: float | None = None,
                          h_k_eff: float | None = None, field_range: float | None = None,
                          analysis: str = "both", bootstrap: int = 20, seed: int = 0) -> HarmonicHallFit:
    """The harmonic Hall analysis of ``data`` (module docstring): ``magnet`` perpendicular | in-plane;
    ``analysis`` closed-form | full-model | both (the top-level values come from the full model when
    it runs); ``device`` (optional) supplies R_PHE/R_AHE from its ``[resistance]`` table when not
    given, the Oersted field and the conversion to xi_DL, xi_FL."""
    if magnet not in ("perpendicular", "in-plane"):
        raise ConfigError("<api>", "magnet", "must be perpendicular or in-plane")
    if analysis not in ("closed-form", "full-model", "both"):
        raise ConfigError("<api>", "analysis", "must be closed-form, full-model or both")
    i0 = float(current_amplitude)
    warnings = []
    res_dev = None
    if device is not None:
        res_dev = ResistanceModel.from_device(device)
        if planar_hall is None and "PHE" in ((device.raw or {}).get("resistance") or {}):
            planar_hall = res_dev.PHE
        if anomalous_hall is None and "AHE" in ((device.raw or {}).get("resistance") or {}):
            anomalous_hall = res_dev.AHE
    ahe_sign = math.copysign(1.0, anomalous_hall) if anomalous_hall else 1.0
    if magnet == "perpendicular":
        cf = fit_perpendicular(data, i0, planar_hall=planar_hall, ahe_sign=ahe_sign, field_range=field_range)
        branch_rows = None
    else:
        cf = fit_in_plane(data, i0, anomalous_hall=anomalous_hall, h_k_eff=h_k_eff)
    warnings += cf["warnings"]
    fm = None
    if analysis != "closed-form":
        if magnet == "perpendicular":
            sel = np.isin(data.scan, ("x", "y"))
            d = data.select(sel)
            branch_rows = cf["branch_of_row"]
            keep = np.abs(d.field) <= 0.6 * cf["H_K_eff"]
            d, branch_rows = d.select(keep), branch_rows[keep]
            initial = {"H_DL": cf["H_DL"], "H_FL": cf["H_FL"], "R_AHE": cf["R_AHE"], "R_PHE": cf["R_PHE"],
                       "H_K_eff": cf["H_K_eff"], "H_K_in": 0.0, "V_N": 0.0, "offset_v1w": 0.0, "offset_v2w": 0.0}
            free = ["H_DL", "H_FL", "R_AHE", "H_K_eff", "offset_v1w", "offset_v2w"]
        else:
            # the z sweep fixed R_AHE and M_eff in the closed form; the full model fits the angular
            # scans (an in-plane film without in-plane anisotropy has no static state in a z field
            # with a damping-like torque: its azimuth is free)
            d = data.select(data.scan == "angle")
            branch_rows = np.ones(len(d))
            initial = {"H_DL": cf["H_DL"], "H_FL": cf["H_FL"], "R_AHE": cf["R_AHE"], "R_PHE": cf["R_PHE"],
                       "H_K_eff": cf["H_K_eff"], "H_K_in": 0.0, "V_N": 2 * cf["V_thermal"],
                       "offset_v1w": 0.0, "offset_v2w": 0.0}
            free = ["H_DL", "H_FL", "R_PHE", "H_K_in", "V_N", "offset_v1w", "offset_v2w"]
            if cf["z_scan"] is None and h_k_eff is None:
                free += ["H_K_eff"]
        fm = fit_full_model(d, i0, branch_rows, initial, free, sigma_v1w=cf["sigma_v1w"],
                            sigma_v2w=cf["sigma_v2w"], bootstrap=bootstrap, seed=seed)
        fm["field_range"] = float(np.max(np.abs(d.field)))
        if not fm["converged"]:
            warnings.append("the full-model least squares did not report convergence")
    if fm is not None:
        p, u = fm["parameters"], fm["uncertainties"]
        values = {"analysis": "full_model", "H_DL": p["H_DL"], "H_FL": p["H_FL"],
                  "H_DL_uncertainty": u["H_DL"], "H_FL_uncertainty": u["H_FL"], "R_AHE": p["R_AHE"],
                  "R_PHE": p["R_PHE"], "H_K_eff": p["H_K_eff"], "V_thermal": p["V_N"] / 2,
                  "V_thermal_uncertainty": u.get("V_N", 0.0) / 2, "field_range": fm["field_range"]}
    else:
        values = {"analysis": "closed_form", **{k: cf[k] for k in ("H_DL", "H_FL", "H_DL_uncertainty",
                                                                   "H_FL_uncertainty", "R_AHE", "R_PHE",
                                                                   "H_K_eff")},
                  "V_thermal": cf.get("V_thermal"), "V_thermal_uncertainty": cf.get("V_thermal_uncertainty"),
                  "field_range": cf["field_range"]}
    values["R_thermal"] = values["V_thermal"] / i0 if values["V_thermal"] is not None else None
    if magnet == "perpendicular" and fm is None:
        values["V_thermal"] = None
    values.update({"magnet": magnet, "current_amplitude": i0, "xi_DL": None, "xi_FL": None})
    if device is not None:
        from ..transport import sot_field_per_current
        from .harmonic_hall import oersted_field

        ch = device.channel()
        j0 = i0 / ch["current_per_density"]
        per_xi = float(sot_field_per_current(1.0, device.saturation_magnetization, device.geometry.thickness)) * j0
        h_oe = oersted_field(device, i0)
        values["H_FL_with_oersted"] = values["H_FL"]
        values["H_FL"] = values["H_FL"] - h_oe
        values.update({"H_Oe": h_oe, "current_density": j0, "reference_layer": ch["reference_layer"],
                       "xi_DL": values["H_DL"] / per_xi, "xi_FL": values["H_FL"] / per_xi,
                       "xi_DL_uncertainty": values["H_DL_uncertainty"] / abs(per_xi),
                       "xi_FL_uncertainty": values["H_FL_uncertainty"] / abs(per_xi)})
    else:
        warnings.append("no --device: H_FL includes the Oersted field, and xi_DL, xi_FL are not computed")
    cf_out = _strip(cf)
    return HarmonicHallFit(values, cf_out, fm, warnings)
