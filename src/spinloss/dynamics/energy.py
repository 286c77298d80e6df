"""The macrospin's energy landscape on the sphere: wells, the saddle between them, the curvatures
at a minimum, the thermal states of a well, and :class:`StartingWell`, the well a device starts in.

Everything here works on :class:`~spinloss.dynamics.terms.MacrospinParameters` (energy
density in J/m^3, fields in A/m). The device layer (:meth:`spinloss.device.Device.starting_well`)
builds a :class:`StartingWell` from its file; every experiment (switching, WER, retention,
resonance, the cell's sizing) uses that one object.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import PhysicsError
from ..units import KB, MU0
from ..vectors import orthonormal_frame
from .integrators import MacrospinParameters, effective_field, energy_density, largest_field
from .terms import ENERGY_PARAMETERS


# ----------------------------------------------------------------------------- landscape


def _landscape_key(params: MacrospinParameters, easy_axis, n_theta, n_phi) -> tuple:
    vals = []
    for name in ENERGY_PARAMETERS:  # the energy depends on these only
        v = np.atleast_1d(np.asarray(getattr(params, name), dtype=float))
        vals.append((name, v.shape, v.tobytes()))
    return (tuple(vals), np.asarray(easy_axis, dtype=float).tobytes(), n_theta, n_phi)


_LANDSCAPES: "OrderedDict[tuple, dict]" = OrderedDict()
_LANDSCAPE_CACHE_SIZE = 512


def energy_landscape(params: MacrospinParameters, easy_axis, n_theta: int = 181, n_phi: int = 360) -> dict:
    """Energy landscape between the states near +easy_axis and -easy_axis (J/m^3).

    Returns ``saddle`` (the lowest saddle joining the two wells), ``minimum_positive`` and
    ``minimum_negative`` (the well minima on either side of the plane normal to the easy axis)
    and ``barrier`` = saddle minus the higher of the two minima (the weaker state sets
    retention). Where a field has removed one of the wells, ``barrier`` is 0 and
    ``missing_well`` names it.

    Method: energy on a (theta, phi) grid in a frame whose pole is the easy axis; local minima by
    a 3x3 minimum filter (periodic in phi); the saddle level by flooding (bisection on the level
    with connected-component labelling, periodic in phi); then the saddle point refined as a
    stationary point of the energy on the sphere (Newton on the tangential gradient from the
    grid saddle) so that the result does not depend on the grid. Results are memoized on the
    parameters that enter the energy (identical inputs give the identical dict).
    """
    key = _landscape_key(params, easy_axis, n_theta, n_phi)
    hit = _LANDSCAPES.get(key)
    if hit is not None:
        _LANDSCAPES.move_to_end(key)
        return dict(hit)
    out = _compute_landscape(params, easy_axis, n_theta, n_phi)
    _LANDSCAPES[key] = out
    if len(_LANDSCAPES) > _LANDSCAPE_CACHE_SIZE:
        _LANDSCAPES.popitem(last=False)
    return dict(out)


def _compute_landscape(params, easy_axis, n_theta, n_phi) -> dict:
    from scipy import ndimage
    from scipy.optimize import root

    u, e1, e2 = orthonormal_frame(easy_axis)

    def direction(th, ph):
        th, ph = np.asarray(th), np.asarray(ph)
        return (np.cos(th)[..., None] * u + (np.sin(th) * np.cos(ph))[..., None] * e1
                + (np.sin(th) * np.sin(ph))[..., None] * e2)

    def energy(m):
        m = np.atleast_2d(m)
        return np.asarray(energy_density(params, m), dtype=float)

    th = np.linspace(0.0, np.pi, n_theta)
    ph = np.linspace(0.0, 2 * np.pi, n_phi, endpoint=False)
    T, P = np.meshgrid(th, ph, indexing="ij")
    e = energy(direction(T, P).reshape(-1, 3)).reshape(n_theta, n_phi)
    # pole rows are single points: use one value for the whole row
    e[0, :] = e[0, 0]
    e[-1, :] = e[-1, 0]

    # local minima of the grid (3x3 neighbourhood, periodic in phi)
    filt = ndimage.minimum_filter(e, size=3, mode=("nearest", "wrap"))
    is_min = e <= filt
    half = n_theta // 2
    top_min = e[: half][is_min[: half]]
    bot_min = e[half + 1:][is_min[half + 1:]]
    if top_min.size == 0 or bot_min.size == 0:
        which = "positive" if top_min.size == 0 else "negative"
        lo_side = float(e.min())
        return {"barrier": 0.0, "saddle": lo_side, "minimum_positive": float(e[: half].min()),
                "minimum_negative": float(e[half + 1:].min()), "missing_well": which}
    e_top, e_bot = float(top_min.min()), float(bot_min.min())
    i_top = np.argwhere(is_min[: half] & (e[: half] == e_top))[0]
    i_bot = np.argwhere(is_min[half + 1:] & (e[half + 1:] == e_bot))[0] + np.array([half + 1, 0])

    def labels(level):
        mask = e <= level
        lab, _ = ndimage.label(mask)
        # periodic in phi and single-node poles: merge labels through a union-find
        parent = {}

        def find(x):
            while parent.get(x, x) != x:
                x = parent[x]
            return x

        def union(x, y):
            if x and y:
                rx, ry = find(x), find(y)
                if rx != ry:
                    parent[rx] = ry

        for i in range(n_theta):
            union(lab[i, 0], lab[i, -1])
        for row in (0, n_theta - 1):
            ids = [v for v in np.unique(lab[row]) if v]
            for v in ids[1:]:
                union(ids[0], v)
        return lab, find

    def connected(level):
        lab, find = labels(level)
        la, lb = lab[tuple(i_top)], lab[tuple(i_bot)]
        return bool(la and lb and find(la) == find(lb))

    lo, hi = max(e_top, e_bot), float(e.max())
    if not connected(hi):
        raise PhysicsError("energy landscape has no path between the wells")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if connected(mid):
            hi = mid
        else:
            lo = mid
    saddle = hi
    # refine: the grid point nearest the saddle level among those in the joined component
    lab, find = labels(hi)
    root_label = find(lab[tuple(i_top)])
    comp = np.vectorize(lambda v: bool(v) and find(v) == root_label)(lab)
    cand = np.argwhere(comp)
    k = int(np.argmax(e[comp]))
    t0, p0 = th[cand[k][0]], ph[cand[k][1]]

    def tangential_gradient(x):
        m = direction(x[0], x[1]).reshape(1, 3)
        h = np.asarray(effective_field(params, m))[0]
        e_th = direction(x[0] + np.pi / 2, x[1])
        e_ph = np.array([-np.sin(x[1]) * e1 + np.cos(x[1]) * e2]).reshape(3)
        return [h @ e_th, h @ e_ph]

    try:
        sol = root(tangential_gradient, [t0, p0], method="hybr", options={"xtol": 1e-13})
        if sol.success and 0 < sol.x[0] < np.pi:
            refined = float(energy(direction(sol.x[0], sol.x[1]))[0])
            # accept only a stationary point at the flooded level (within the grid's resolution)
            grid_step = np.pi / (n_theta - 1)
            if abs(refined - saddle) <= 4 * grid_step**2 * (float(e.max()) - min(e_top, e_bot)) + 1e-30:
                saddle = refined
    except (ValueError, FloatingPointError):
        pass
    barrier = float(saddle - max(e_top, e_bot))
    if barrier <= 1e-12 * (float(e.max()) - float(e.min())):
        # a "well" whose barrier is round-off of the energy range is a flat shoulder, not a well
        higher = "positive" if e_top >= e_bot else "negative"
        return {"barrier": 0.0, "saddle": float(saddle), "minimum_positive": e_top, "minimum_negative": e_bot,
                "missing_well": higher}
    return {"barrier": barrier, "saddle": float(saddle),
            "minimum_positive": e_top, "minimum_negative": e_bot, "missing_well": None}


# ----------------------------------------------------------------------------- minima


def relax_to_minimum(params: MacrospinParameters, m0, max_iter: int = 20000) -> np.ndarray:
    """The energy minimum reached from ``m0`` by steepest descent on the sphere (T = 0, no current)."""
    m = np.asarray(m0, dtype=float).reshape(1, 3)
    m = m / np.linalg.norm(m)
    # a tiny, fixed, generic tilt: an unstable equilibrium (e.g. a state whose well a field has
    # removed) is left instead of being returned as a "minimum"; a true minimum is regained
    m = m + 1e-5 * np.array([[0.5773, 0.5774, 0.5775]])
    m = m / np.linalg.norm(m)
    # the largest stiffness of the energy (A/m) bounds a stable step of the descent
    scale = largest_field(params)
    step = 0.5 / scale
    for _ in range(max_iter):
        h = effective_field(params, m)
        h_perp = h - (np.sum(h * m, axis=1, keepdims=True)) * m
        if np.linalg.norm(h_perp) < 1e-12 * scale:
            break
        m = m + step * h_perp
        m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m[0]


def energy_curvatures(params: MacrospinParameters, m_min, eps: float = 1e-4):
    """Curvatures of the energy density (J/m^3 per rad^2) at the minimum ``m_min`` in the tangent
    frame (e1, e2) of :func:`spinloss.vectors.orthonormal_frame`: returns (E11, E22, E12, e1, e2),
    central differences."""
    m_min = np.asarray(m_min, dtype=float)
    _, e1, e2 = orthonormal_frame(m_min)

    def energy(a, b):
        v = m_min + a * e1 + b * e2
        v = v / np.linalg.norm(v)
        return float(energy_density(params, v.reshape(1, 3))[0])

    e0 = energy(0, 0)
    h11 = (energy(eps, 0) - 2 * e0 + energy(-eps, 0)) / eps**2
    h22 = (energy(0, eps) - 2 * e0 + energy(0, -eps)) / eps**2
    h12 = (energy(eps, eps) - energy(eps, -eps) - energy(-eps, eps) + energy(-eps, -eps)) / (4 * eps**2)
    return h11, h22, h12, e1, e2


def thermal_initial_states(params: MacrospinParameters, m_min, n: int, temperature: float, volume: float,
                           seed: int) -> np.ndarray:
    """n initial directions from the harmonic Boltzmann distribution around the minimum m_min:
    Gaussian deviations in the tangent plane with variances k_B T / (k_i V), k_i the curvatures."""
    m_min = np.asarray(m_min, dtype=float)
    if temperature <= 0 or n == 0:
        return np.tile(m_min, (n, 1))
    h11, h22, h12, e1, e2 = energy_curvatures(params, m_min)
    H = np.array([[h11, h12], [h12, h22]]) * volume
    w, v = np.linalg.eigh(H)
    if np.any(w <= 0):
        raise PhysicsError("the initial direction is not at an energy minimum: no thermal well to sample")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))
    z = rng.standard_normal((n, 2)) * np.sqrt(KB * temperature / w)
    dev = z @ v.T
    m = m_min + dev[:, :1] * e1 + dev[:, 1:] * e2
    return m / np.linalg.norm(m, axis=1, keepdims=True)


# ----------------------------------------------------------------------------- the starting well


@dataclass(frozen=True)
class StartingWell:
    """The well a device starts in and the one a write must reach.

    ``params`` the macrospin parameters (at the experiment's temperature); ``easy`` the unit
    easy axis; ``start`` and ``target`` the easy-axis directions of the starting and the target
    state (``target = -start``); ``minimum`` the energy minimum of the starting well (a unit
    vector); ``saddle`` the energy density of the lowest saddle between the wells and
    ``barrier`` saddle minus the higher minimum (J/m^3).
    """

    params: Any
    easy: np.ndarray
    start: np.ndarray
    target: np.ndarray
    saddle: float
    barrier: float
    minimum: np.ndarray

    @classmethod
    def find(cls, params: MacrospinParameters, easy_axis, initial_direction) -> "StartingWell":
        """The well of ``initial_direction`` (which must lie on one side of the hard plane)."""
        easy = np.asarray(easy_axis, dtype=float)
        easy = easy / np.linalg.norm(easy)
        init = np.asarray(initial_direction, dtype=float)
        init = init / np.linalg.norm(init)
        proj = float(init @ easy)
        if abs(proj) < 1e-9:
            raise PhysicsError("the initial direction is perpendicular to the easy axis (on the hard plane): "
                               "it names no well; tilt it towards the state the magnet starts in")
        sgn = 1.0 if proj > 0 else -1.0
        land = energy_landscape(params, easy)
        m_min = relax_to_minimum(replace(params, temperature=0.0), init)
        if (m_min @ easy) * sgn <= 0:
            raise PhysicsError("the initial direction relaxes into the other well: check the applied field")
        return cls(params, easy, sgn * easy, -sgn * easy, land["saddle"], land["barrier"], m_min)

    @property
    def effective_anisotropy_field(self) -> float:
        """The anisotropy field of the barrier, 2 barrier / (mu0 M_s) (A/m): the H_K,eff of the
        uniaxial magnet with the same barrier (exact for one; Brown's formula and the sizing use it)."""
        ms = float(np.asarray(self.params.saturation_magnetization, dtype=float).reshape(-1)[0])
        return 2 * self.barrier / (MU0 * ms)

    def curvatures(self):
        """(E11, E22, E12, e1, e2) at the minimum (:func:`energy_curvatures`, at T = 0)."""
        return energy_curvatures(replace(self.params, temperature=0.0), self.minimum)

    def thermal_states(self, n: int, temperature: float, volume: float, seed: int) -> np.ndarray:
        """n thermal initial states of the well (:func:`thermal_initial_states`)."""
        return thermal_initial_states(replace(self.params, temperature=0.0), self.minimum, n, temperature,
                                      volume, seed)
