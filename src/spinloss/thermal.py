r"""Joule heating of a write pulse: the temperature of every layer during and after the pulse.

Model (docs/heating.md; docs/physics.md section 4.3). The film is wide compared with its
thickness, so heat flows across it (along z) only::

    C(z) dT/dt = d/dz [ kappa(z) dT/dz ] + p(z) f(t)

* ``p = rho_i J_i^2`` (W/m^3) in every conducting layer i, from the current split of the
  transport model (:func:`spinloss.transport.torques`, ``layers[i].joule_power / d_i``) at the
  pulse's current density J_0 in the reference layer; insulators and AFIs carry no current.
  ``f(t) = (j(t)/J_0)^2`` is the square of the trapezoid pulse (rise, flat top, fall).
* ``kappa`` (W/m/K) and ``C`` (J/m^3/K, per volume) are the layers' material keys
  ``thermal_conductivity`` and ``heat_capacity``, constant in temperature.
* Top of the stack: adiabatic (``-kappa dT/dz = 0``): the cap (or vacuum) above takes no heat.
* Bottom: the stack sits on a substrate (a library material, thickness ``L_s``) whose far side
  is a heat sink at the ambient temperature T_0. A thermal boundary resistance ``R_b`` (m^2 K/W)
  between the stack's bottom layer and the substrate makes the temperature jump by ``R_b`` times
  the heat flux there; ``R_b = inf`` isolates the stack (the adiabatic limit). With ``L_s = 0``
  the sink is right under the stack (behind ``R_b``).

Closed forms this reproduces (tests/test_thermal.py): the steady state of a film on an oxide on
a heat sink, ``Delta T = q (d_ox / kappa_ox + R_b)`` (q = sum_i rho_i J_i^2 d_i the Joule power
per area); the adiabatic limit ``Delta T = q t / sum_i C_i d_i``; a lumped film on a half-space
(``theta(t) = (q/c)[2 sqrt(t/pi)/beta - (1 - exp(beta^2 t) erfc(beta sqrt t))/beta^2]``,
``beta = sqrt(kappa C)/c``).

Numerics. Finite volumes in z: every layer is cut into uniform cells of at most
:data:`MAX_CELL` (at least :data:`MIN_CELLS_PER_LAYER`), the substrate into cells growing
geometrically (ratio :data:`SUBSTRATE_GROWTH`) from the stack downwards; face conductances are
the series resistances of the two half cells (plus ``R_b`` at the stack/substrate face). The
semi-discrete system for theta = T - T_0,

    M dtheta/dt = -K theta + s f(t),     M = diag(C_k h_k),  K symmetric, positive (semi)definite,

is solved *exactly in time* by its eigenmodes (``K v = lambda M v``, scipy ``eigh``): each mode
obeys ``a' = -lambda a + b f(t)`` with f a polynomial of degree <= 2 on every piece of the
trapezoid, integrated in closed form with the functions ``phi_k(z) = sum_j z^j / (j + k)!``.
There is no time step to choose, and the discrete energy balance (Joule energy = stored + conducted
into the sink) holds to round-off. The thermal time constant is the slowest mode's
``1 / lambda_min`` (R C for a lumped film on a resistive oxide).

The magnet's temperature laws used with T(t) (docs/heating.md): the Bloch law
``M_s(T) = M_s(0) [1 - (T/T_C)^(3/2)]`` (:func:`bloch_magnetization_ratio`) and the
Callen-Callen scaling of a uniaxial anisotropy ``K(T) ~ M_s(T)^n``, n = 3 for l = 2
(:func:`anisotropy_field_ratio`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .errors import ConfigError, OverheatedError, PhysicsError
from .io import JsonResult

__all__ = [
    "ThermalLayer",
    "HeatConduction",
    "HeatingResult",
    "heat_conduction",
    "pulse_heating",
    "waveform_pieces",
    "bloch_magnetization_ratio",
    "anisotropy_field_ratio",
    "spreading_depth",
    "MAX_CELL",
    "MIN_CELLS_PER_LAYER",
    "SUBSTRATE_GROWTH",
    "CALLEN_CALLEN_EXPONENT",
]

#: Largest cell (m) of a stack layer: 0.5 nm, so a 5 nm film has 10 cells (the steady state of a
#: uniformly heated layer is exact at the cell centres for any cell size; 0.5 nm keeps the
#: transients of the thinnest films to < 1e-3, tests/test_thermal.py).
MAX_CELL = 0.5e-9
#: Fewest cells of one layer (a 1 nm film still has an interior).
MIN_CELLS_PER_LAYER = 4
#: Most cells of one stack layer (a 100 um layer then has 0.25 um cells).
MAX_CELLS_PER_LAYER = 400
#: Growth ratio of the substrate cells, from the stack down to the sink.
SUBSTRATE_GROWTH = 1.1
#: Callen-Callen exponent n of a uniaxial (l = 2) anisotropy, K(T)/K(0) = m(T)^(l(l+1)/2) = m^3
#: [M: H. B. Callen and E. Callen, J. Phys. Chem. Solids 27, 1271 (1966)].
CALLEN_CALLEN_EXPONENT = 3.0


# ----------------------------------------------------------------------------- temperature laws


def bloch_magnetization_ratio(temperature, reference_temperature, curie_temperature):
    """M_s(T) / M_s(T_ref) from the Bloch law M_s(T) = M_s(0) [1 - (T/T_C)^(3/2)]
    (docs/heating.md; [M] valid below about 0.6 T_C, where spin waves dominate).

    Arrays broadcast. Raises :class:`~spinloss.errors.OverheatedError` at or above T_C (the law
    gives M_s <= 0: the magnet has lost its order and the macrospin model does not apply)."""
    t = np.asarray(temperature, dtype=float)
    tc = float(curie_temperature)
    if np.any(t >= tc) or float(reference_temperature) >= tc:
        hot = float(max(np.max(t), float(reference_temperature)))
        raise OverheatedError(f"the drive is too strong for the magnet: the pulse heats it to {hot:.4g} K, at or above "
                              f"its Curie temperature {tc:.4g} K, where it loses its magnetization and the macrospin "
                              "model does not apply (Joule heating; lower the current density or shorten the pulse)")
    return (1.0 - (t / tc) ** 1.5) / (1.0 - (float(reference_temperature) / tc) ** 1.5)


def anisotropy_field_ratio(magnetization_ratio, exponent: float = CALLEN_CALLEN_EXPONENT):
    """H_K(T) / H_K(T_ref) for an anisotropy K(T) ~ M_s(T)^n (Callen-Callen; n = 3 for a
    uniaxial anisotropy): H_K = 2 K / (mu0 M_s) scales as m^(n - 1), m = M_s(T)/M_s(T_ref)."""
    return np.asarray(magnetization_ratio, dtype=float) ** (float(exponent) - 1.0)


def spreading_depth(area: float) -> float:
    """Depth (m) of substrate that a 1D model needs to give the steady spreading resistance of a
    heated disk of area ``area`` (m^2) on a half-space: L = (pi/4) a with a = sqrt(A/pi).

    The constriction resistance of an isothermal disk of radius a on a half-space of conductivity
    kappa is 1/(4 kappa a) (K/W) [M: H. S. Carslaw and J. C. Jaeger, Conduction of Heat in
    Solids (1959), section 8.2]; per area pi a^2 it is pi a / (4 kappa), the resistance of a slab
    of thickness pi a / 4 (docs/heating.md)."""
    a = math.sqrt(float(area) / math.pi)
    return math.pi * a / 4.0


# ----------------------------------------------------------------------------- phi functions


def _phi(k: int, z):
    """phi_k(z) = sum_{j>=0} z^j / (j + k)! for z <= 0 (arrays): Taylor series for |z| < 1, else the
    recursion phi_{k} = (phi_{k-1} - 1/(k-1)!) / z from phi_0 = exp(z)."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    small = np.abs(z) < 1.0
    if np.any(small):
        zs = z[small]
        term = np.full_like(zs, 1.0 / math.factorial(k))
        acc = term.copy()
        for j in range(1, 30):
            term = term * zs / (j + k)
            acc += term
        out[small] = acc
    big = ~small
    if np.any(big):
        zb = z[big]
        p = np.exp(zb)
        for kk in range(1, k + 1):
            p = (p - 1.0 / math.factorial(kk - 1)) / zb
        out[big] = p
    return out


# ----------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class ThermalLayer:
    """One layer of the heat-flow problem: ``name``, ``material``, ``thickness`` (m),
    ``thermal_conductivity`` (W/m/K), ``heat_capacity`` (J/m^3/K), ``joule_power`` (W/m^2, per area
    at the reference current density) and whether it is the ``substrate``."""

    name: str
    material: str
    thickness: float
    thermal_conductivity: float
    heat_capacity: float
    joule_power: float = 0.0
    current_density: float = 0.0
    substrate: bool = False


def _pulse_pieces(width, rise, fall):
    """Pieces (start, duration, (c0, c1, c2)) of f(t) = (j/J_0)^2 = c0 + c1 tau + c2 tau^2 on each
    piece of the trapezoid (tau from the piece's start); zero-length pieces are left out."""
    out = []
    t = 0.0
    if rise > 0:
        out.append((t, rise, (0.0, 0.0, 1.0 / rise**2)))
        t += rise
    if width > 0:
        out.append((t, width, (1.0, 0.0, 0.0)))
        t += width
    if fall > 0:
        out.append((t, fall, (1.0, -2.0 / fall, 1.0 / fall**2)))
        t += fall
    return out, t


def waveform_pieces(wave_times, wave_values, reference_current_density: float):
    """Contiguous pieces (start, duration, (c0, c1, c2)) of f(t) = (j(t)/J_0)^2 for a piecewise-
    linear j (``wave_times``, ``wave_values``; zero-length segments are jumps), and the end time.
    Raises :class:`~spinloss.errors.PhysicsError` for a waveform that never ends."""
    t = np.asarray(wave_times, dtype=float).ravel()
    v = np.asarray(wave_values, dtype=float).ravel() / float(reference_current_density)
    if t.size < 2:
        return [], 0.0
    if not np.all(np.isfinite(t)):
        raise PhysicsError("the Joule heating of a current that never stops has no end: give a waveform that ends")
    out = []
    for k in range(t.size - 1):
        d = t[k + 1] - t[k]
        if d <= 0:
            continue
        v0, v1 = v[k], v[k + 1]
        slope = (v1 - v0) / d
        out.append((float(t[k]), float(d), (v0 * v0, 2.0 * v0 * slope, slope * slope)))
    return out, float(t[-1])


def _piece_integral(c, duration):
    """integral of f over a piece (J per unit source)."""
    c0, c1, c2 = c
    return c0 * duration + c1 * duration**2 / 2.0 + c2 * duration**3 / 3.0


class HeatConduction:
    """The discretized 1D heat flow of a stack on its substrate (module docstring).

    ``layers``: :class:`ThermalLayer` bottom to top (the substrate first, if it has a thickness);
    ``boundary_resistance`` R_b (m^2 K/W, inf isolates the stack) between the substrate (or the
    sink) and the stack's bottom layer; ``ambient_temperature`` T_0 (K) of the sink;
    ``current_density`` J_0 (A/m^2, in the reference layer) at which the layers' Joule powers hold.
    """

    def __init__(self, layers, *, boundary_resistance: float = 0.0, ambient_temperature: float = 300.0,
                 current_density: float = 0.0, reference_layer: str | None = None):
        self.layers = tuple(layers)
        if not self.layers or all(l.substrate for l in self.layers):
            raise PhysicsError("the heat-flow model needs at least one layer of the stack")
        self.boundary_resistance = float(boundary_resistance)
        self.ambient_temperature = float(ambient_temperature)
        self.current_density = float(current_density)
        self.reference_layer = reference_layer
        if not (self.boundary_resistance >= 0):
            raise PhysicsError("the thermal boundary resistance must be >= 0")
        self._build_mesh()
        self._modes = None

    # --------------------------------------------------------------------------- mesh
    def _build_mesh(self):
        widths, owner = [], []
        stack_layers = [i for i, l in enumerate(self.layers) if not l.substrate]
        h_first = min(self.layers[i].thickness / max(MIN_CELLS_PER_LAYER,
                                                       math.ceil(self.layers[i].thickness / MAX_CELL))
                      for i in stack_layers[:1])
        for i, l in enumerate(self.layers):
            d = float(l.thickness)
            if not (d > 0 and math.isfinite(d)):
                raise PhysicsError(f"layer {l.name!r}: thickness must be > 0")
            if l.substrate:
                # geometric cells growing from the stack (top of the substrate) to the sink
                r = SUBSTRATE_GROWTH
                n = max(MIN_CELLS_PER_LAYER, math.ceil(math.log1p(d * (r - 1.0) / h_first) / math.log(r)))
                h = h_first * r ** np.arange(n)
                h = h * (d / h.sum())
                widths.extend(h[::-1])          # bottom (sink side) first
            else:
                n = int(min(MAX_CELLS_PER_LAYER, max(MIN_CELLS_PER_LAYER, math.ceil(d / MAX_CELL - 1e-9))))
                widths.extend([d / n] * n)
            owner.extend([i] * (len(widths) - len(owner)))
        h = np.asarray(widths, dtype=float)
        owner = np.asarray(owner, dtype=int)
        kappa = np.array([self.layers[i].thermal_conductivity for i in owner], dtype=float)
        cap = np.array([self.layers[i].heat_capacity for i in owner], dtype=float)
        power = np.array([self.layers[i].joule_power / self.layers[i].thickness for i in owner], dtype=float)
        n = h.size
        # face resistances (m^2 K/W): half cell + half cell (+ R_b between substrate and stack)
        r_half = h / (2.0 * kappa)
        r_face = r_half[:-1] + r_half[1:]
        first_stack = int(np.flatnonzero(~np.array([self.layers[i].substrate for i in owner]))[0])
        rb = self.boundary_resistance
        if first_stack > 0:
            r_face[first_stack - 1] += rb
            r_sink = r_half[0]
        else:
            r_sink = r_half[0] + rb
        with np.errstate(divide="ignore"):
            g_face = np.where(np.isfinite(r_face), 1.0 / r_face, 0.0)
            g_sink = 0.0 if not math.isfinite(r_sink) else 1.0 / r_sink
        k = np.zeros((n, n))
        idx = np.arange(n - 1)
        k[idx, idx] += g_face
        k[idx + 1, idx + 1] += g_face
        k[idx, idx + 1] -= g_face
        k[idx + 1, idx] -= g_face
        k[0, 0] += g_sink
        self.cell_widths = h
        self.cell_layer = owner
        self.cell_centres = np.cumsum(h) - h / 2.0   # z from the sink (m)
        self.stiffness = k                            # W/m^2/K
        self.capacity = cap * h                       # J/m^2/K per cell
        self.source = power * h                       # W/m^2 per cell at J_0
        self.sink_conductance = g_sink
        # layer means: weights h_k / d_i
        nl = len(self.layers)
        w = np.zeros((nl, n))
        w[owner, np.arange(n)] = h
        w /= w.sum(axis=1, keepdims=True)
        self.layer_weights = w

    @property
    def n_cells(self) -> int:
        return int(self.cell_widths.size)

    def layer_index(self, name: str) -> int:
        for i, l in enumerate(self.layers):
            if l.name == name and not l.substrate:
                return i
        raise KeyError(name)

    # --------------------------------------------------------------------------- modes
    def modes(self):
        """(lambda (n,), V (n, n), b (n,)): K V = M V diag(lambda), V^T M V = 1, b = V^T s."""
        if self._modes is None:
            from scipy.linalg import eigh

            lam, vec = eigh(self.stiffness, np.diag(self.capacity))
            lam = np.maximum(lam, 0.0)
            # an isolated stack: lambda = 0 exactly up to round-off of the largest eigenvalue
            lam[lam < 1e-13 * max(float(lam.max()), 1.0)] = 0.0
            self._modes = (lam, vec, vec.T @ self.source)
        return self._modes

    @property
    def time_constant(self) -> float:
        """Thermal time constant (s): 1 / lambda_min of the slowest mode (inf for an isolated
        stack)."""
        lam = self.modes()[0]
        lmin = float(lam.min())
        return math.inf if lmin <= 0 else 1.0 / lmin

    @property
    def joule_power(self) -> float:
        """Joule power per area q = sum_i rho_i J_i^2 d_i (W/m^2) at the reference current density."""
        return float(self.source.sum())

    @property
    def heat_capacity_per_area(self) -> float:
        """sum_i C_i d_i of the stack (substrate excluded), J/m^2/K."""
        return float(sum(l.heat_capacity * l.thickness for l in self.layers if not l.substrate))

    def steady_state(self, scale: float = 1.0) -> np.ndarray:
        """theta (K) of every cell under a DC current ``sqrt(scale) J_0`` (inf for an isolated
        stack with a nonzero source)."""
        if self.time_constant == math.inf:
            return np.full(self.n_cells, math.inf if self.joule_power > 0 else 0.0)
        return np.linalg.solve(self.stiffness, scale * self.source)

    # --------------------------------------------------------------------------- transient
    def mode_amplitudes(self, times, width: float, rise_time: float = 0.0, fall_time: float | None = None):
        """Modal amplitudes a (len(times), n) of the trapezoid pulse (flat top ``width``, linear
        ``rise_time`` and ``fall_time`` of j; f = (j/J_0)^2) starting at t = 0, exact in time."""
        fall = rise_time if fall_time is None else fall_time
        pieces, t_end = _pulse_pieces(float(width), float(rise_time), float(fall))
        return self.piece_amplitudes(times, pieces, t_end)

    def piece_amplitudes(self, times, pieces, t_end: float):
        """Modal amplitudes a (len(times), n) of f(t) given as contiguous ``pieces`` (start,
        duration, (c0, c1, c2)) ending at ``t_end`` (f = 0 before the first and after the last),
        exact in time."""
        lam, _, b = self.modes()
        t = np.atleast_1d(np.asarray(times, dtype=float))
        a = np.zeros((t.size, lam.size))
        state = np.zeros(lam.size)
        starts = []
        for start, dur, c in pieces:
            starts.append(state.copy())
            state = self._advance(state, lam, b, c, dur)
        after = state
        for (start, dur, c), a0 in zip(pieces, starts):
            sel = (t >= start) & (t < start + dur)
            if np.any(sel):
                a[sel] = self._advance(a0[None, :], lam[None, :], b[None, :], c, (t[sel] - start)[:, None])
        sel = t >= t_end
        if np.any(sel):
            tau = (t[sel] - t_end)[:, None]
            a[sel] = np.exp(-lam[None, :] * tau) * after[None, :]
        return a

    @staticmethod
    def _advance(a0, lam, b, c, tau):
        """a(tau) of a' = -lam a + b (c0 + c1 s + c2 s^2) from a(0) = a0."""
        c0, c1, c2 = c
        tau = np.asarray(tau, dtype=float)
        z = np.broadcast_to(-lam * tau, np.broadcast_shapes(np.shape(lam), np.shape(tau)))
        out = np.exp(z) * a0
        forced = np.zeros(z.shape)
        if c0:
            forced = forced + c0 * tau * _phi(1, z)
        if c1:
            forced = forced + c1 * tau**2 * _phi(2, z)
        if c2:
            forced = forced + 2.0 * c2 * tau**3 * _phi(3, z)
        return out + b * forced

    def waveform_rise(self, times, wave_times, wave_values, layer: int | None = None):
        """Layer-mean theta (K), (len(times), n_layers) (or one layer's, (len(times),)), of a
        piecewise-linear current j(t) (``wave_times``, ``wave_values`` in A/m^2 in the reference
        layer, zero outside; a repeated time is a jump, as in :class:`spinloss.dynamics.Waveform`):
        f = (j/J_0)^2 is piecewise quadratic, integrated exactly."""
        pieces, t_end = waveform_pieces(wave_times, wave_values, self.current_density)
        _, vec, _ = self.modes()
        if not pieces:
            n = self.layer_weights.shape[0]
            shape = (np.size(times),) if layer is not None else (np.size(times), n)
            return np.zeros(shape)
        w = self.layer_weights @ vec
        a = self.piece_amplitudes(times, pieces, t_end)
        return a @ (w[layer] if layer is not None else w.T)

    def cell_rise(self, times, width, rise_time=0.0, fall_time=None, scale: float = 1.0):
        """theta (K) of every cell at ``times``: (len(times), n_cells); ``scale`` = (J/J_0)^2."""
        _, vec, _ = self.modes()
        return scale * self.mode_amplitudes(times, width, rise_time, fall_time) @ vec.T

    def layer_rise(self, times, width, rise_time=0.0, fall_time=None, scale: float = 1.0):
        """Layer-mean theta (K): (len(times), n_layers)."""
        _, vec, _ = self.modes()
        return scale * self.mode_amplitudes(times, width, rise_time, fall_time) @ (self.layer_weights @ vec).T

    def energy_balance(self, width, rise_time=0.0, fall_time=None, time=None, scale: float = 1.0) -> dict:
        """Energy per area (J/m^2) of the pulse up to ``time`` (default: its end): ``source`` (Joule
        energy), ``stored`` (sum_k C_k h_k theta_k), ``conducted`` (into the sink: integral of
        G_sink theta_0 dt, by Gauss-Legendre quadrature on every piece of the exact solution) and
        the ``relative_residual`` |source - stored - conducted| / source."""
        fall = rise_time if fall_time is None else fall_time
        pieces, t_end = _pulse_pieces(float(width), float(rise_time), float(fall))
        t_stop = t_end if time is None else float(time)
        _, vec, _ = self.modes()
        src = 0.0
        nodes, weights = np.polynomial.legendre.leggauss(40)
        conducted = 0.0
        edges = [p[0] for p in pieces] + [t_end]
        segs = [(edges[i], edges[i + 1], pieces[i][2]) for i in range(len(pieces))]
        if t_stop > t_end:
            # after the pulse: geometric sub-intervals resolve the decays of every mode
            tau = self.time_constant if math.isfinite(self.time_constant) else (t_stop - t_end)
            sub = np.unique(np.concatenate([[t_end, t_stop],
                                            t_end + np.geomspace(1e-6 * tau, max(t_stop - t_end, 1e-6 * tau), 60)]))
            sub = sub[(sub >= t_end) & (sub <= t_stop)]
            segs += [(sub[i], sub[i + 1], None) for i in range(sub.size - 1)]
        tq, wq = [], []
        for lo, hi, c in segs:
            lo, hi = max(lo, 0.0), min(hi, t_stop)
            if hi <= lo:
                continue
            if c is not None:
                src += _piece_integral(c, hi - lo) * self.joule_power
            # theta of the bottom cell is smooth inside each piece: Gauss points on 8 sub-pieces
            sub = np.linspace(lo, hi, 9)
            for a_, b_ in zip(sub[:-1], sub[1:]):
                tq.append(0.5 * (b_ - a_) * nodes + 0.5 * (a_ + b_))
                wq.append(0.5 * (b_ - a_) * weights)
        if tq:
            theta0 = self.mode_amplitudes(np.concatenate(tq), width, rise_time, fall) @ vec[0]
            conducted = self.sink_conductance * float(np.concatenate(wq) @ theta0)
        theta = self.cell_rise([t_stop], width, rise_time, fall)[0]
        stored = float(self.capacity @ theta)
        src *= scale
        stored *= scale
        conducted *= scale
        resid = abs(src - stored - conducted) / src if src > 0 else 0.0
        return {"source": src, "stored": stored, "conducted": conducted, "relative_residual": resid,
                "time": t_stop}

    # --------------------------------------------------------------------------- a pulse
    def trace_times(self, width, rise_time=0.0, fall_time=None, *, points: int = 600,
                    after: float | None = None) -> np.ndarray:
        """Times (s) of a trace of the pulse: dense near every kink of f(t) (the start, the ends of
        the ramps) on the scale of the fast and slow modes, uniform in between, and after the pulse
        for ``after`` (default 5 time constants, at least the pulse's duration/10)."""
        fall = rise_time if fall_time is None else fall_time
        pieces, t_end = _pulse_pieces(float(width), float(rise_time), float(fall))
        tau = self.time_constant
        if after is None:
            after = 5.0 * tau if math.isfinite(tau) else max(t_end, 1e-12)
            after = max(after, 0.1 * t_end)
        t_stop = t_end + after
        scale = tau if math.isfinite(tau) else max(t_stop, 1e-12)
        pts = [np.linspace(0.0, t_stop, points)]
        for start in [p[0] for p in pieces] + [t_end]:
            pts.append(start + np.geomspace(1e-4 * scale, 10.0 * scale, points // 4))
        for start, dur, _ in pieces:
            pts.append(np.linspace(start, start + dur, 41))
        t = np.unique(np.concatenate(pts))
        return t[(t >= 0.0) & (t <= t_stop)]


def heat_conduction(stack, *, current_density: float, substrate: str = "Si", substrate_thickness: float = 0.0,
                    boundary_resistance: float = 0.0, ambient_temperature: float | None = None,
                    source: str | None = None) -> HeatConduction:
    """The :class:`HeatConduction` of ``stack`` (a single stack, not vectorized) on a
    ``substrate`` (a material name of the stack's library) of ``substrate_thickness`` (m; 0: the
    sink is right under the stack), with the Joule powers of ``current_density`` (A/m^2, in the
    torque reference layer) from the transport's current split.

    Every layer's material needs ``thermal_conductivity`` and ``heat_capacity``: a missing key
    raises :class:`~spinloss.errors.ConfigError` naming the layer (``source`` names the file)."""
    from .transport import torques

    src = stack.source if source is None else source
    if stack.shape != ():
        raise PhysicsError("the heat-flow model takes one stack (not a vectorized one)")
    res = torques(replace(stack, current_density=float(current_density)))
    layers = []
    if substrate_thickness > 0:
        mat = stack.library.lookup(substrate, source=src, key="heating.substrate")
        for k in ("thermal_conductivity", "heat_capacity"):
            if getattr(mat, k) is None:
                raise ConfigError(src, "heating.substrate", f"the substrate material {mat.name!r} has no {k}")
        layers.append(ThermalLayer(f"substrate ({mat.name})", mat.name, float(substrate_thickness),
                                   float(mat.thermal_conductivity), float(mat.heat_capacity), 0.0, 0.0, True))
    for i, (l, lc) in enumerate(zip(stack.layers, res.layers)):
        if l.kind == "spin_sink":
            continue        # a boundary condition of the spin transport, not a layer that holds heat
        kap, cap = l.material.thermal_conductivity, l.material.heat_capacity
        for k, v in (("thermal_conductivity", kap), ("heat_capacity", cap)):
            if v is None:
                raise ConfigError(src, f"layers[{i}].{k}",
                                  f"missing for layer {l.name!r} (material {l.material.name}): the Joule heating "
                                  "model needs it (give it in the layer's material)")
        layers.append(ThermalLayer(l.name, l.material.name, float(np.asarray(l.thickness)), float(np.asarray(kap)),
                                   float(np.asarray(cap)), float(np.asarray(lc.joule_power)),
                                   float(np.asarray(lc.current_density))))
    T0 = float(np.asarray(stack.temperature)) if ambient_temperature is None else float(ambient_temperature)
    return HeatConduction(layers, boundary_resistance=boundary_resistance, ambient_temperature=T0,
                          current_density=float(current_density), reference_layer=res.reference_layer)


# ----------------------------------------------------------------------------- result


@dataclass
class HeatingResult(JsonResult):
    """Joule heating of one write pulse (``spinloss heating``; docs/heating.md).

    ``peak_temperature`` (K): the largest mean temperature of the magnet layer (the temperature
    the dynamics use); ``temperature_rise`` (K) = peak - ``ambient_temperature``;
    ``time_constant`` (s): the slowest mode's 1/lambda; ``steady_state_rise`` (K): the magnet's
    rise under a DC current of the same density; ``adiabatic_heating_rate`` (K/s): q / sum C d;
    ``layers``: per layer its Joule power, current density and peak temperature; ``times`` (s) and
    ``temperature`` (K, (times, layers)) the trace of the layer means; ``energy_balance`` (J/m^2)
    at the end of the trace; ``warnings``: the sink past T_N, the magnet past T_C, a current
    density beyond the electromigration limit."""

    magnet_layer: str
    ambient_temperature: float
    peak_temperature: float
    temperature_rise: float
    time_constant: float
    steady_state_rise: float
    adiabatic_heating_rate: float
    peak_time: float
    current_density: float
    pulse_width: float
    rise_time: float
    fall_time: float
    joule_power: float
    substrate: dict
    layers: list
    times: Any
    temperature: Any
    energy_balance: dict
    cells: int
    warnings: list = field(default_factory=list)
    enabled: bool = True

    UNITS = {"ambient_temperature": "K", "peak_temperature": "K", "temperature_rise": "K", "time_constant": "s",
             "steady_state_rise": "K", "adiabatic_heating_rate": "K/s", "peak_time": "s",
             "current_density": "A/m^2", "pulse_width": "s", "rise_time": "s", "fall_time": "s",
             "joule_power": "W/m^2", "thickness": "m", "thermal_conductivity": "W/m/K",
             "heat_capacity": "J/m^3/K", "boundary_resistance": "m^2 K/W", "times": "s", "temperature": "K",
             "source": "J/m^2", "stored": "J/m^2", "conducted": "J/m^2", "relative_residual": "1",
             "time": "s", "cells": "1", "electromigration_current_density": "A/m^2", "enabled": "1",
             "substrate": "1"}

    def as_dict(self) -> dict:
        return {"magnet_layer": self.magnet_layer, "enabled": self.enabled,
                "ambient_temperature": self.ambient_temperature, "peak_temperature": self.peak_temperature,
                "temperature_rise": self.temperature_rise, "time_constant": self.time_constant,
                "steady_state_rise": self.steady_state_rise, "adiabatic_heating_rate": self.adiabatic_heating_rate,
                "peak_time": self.peak_time, "current_density": self.current_density,
                "pulse_width": self.pulse_width, "rise_time": self.rise_time, "fall_time": self.fall_time,
                "joule_power": self.joule_power, "substrate": dict(self.substrate), "layers": list(self.layers),
                "times": self.times, "temperature": self.temperature, "energy_balance": dict(self.energy_balance),
                "cells": self.cells, "warnings": list(self.warnings), "units": dict(self.UNITS)}

    def to_xarray(self):
        """The trace as an xarray.Dataset over (time, layer), the scalars as variables with units."""
        import xarray as xr

        names = [l["name"] for l in self.layers]
        ds = xr.Dataset(
            {"temperature": (("time", "layer"), np.asarray(self.temperature, dtype=float),
                             {"units": "K", "long_name": "layer-mean temperature"})},
            coords={"time": ("time", np.asarray(self.times, dtype=float), {"units": "s"}), "layer": names})
        for k in ("ambient_temperature", "peak_temperature", "temperature_rise", "time_constant",
                  "steady_state_rise", "adiabatic_heating_rate", "peak_time", "current_density", "pulse_width",
                  "rise_time", "fall_time", "joule_power"):
            v = getattr(self, k)
            ds[k] = xr.DataArray(float(v) if v is not None and math.isfinite(v) else float("nan"),
                                 attrs={"units": self.UNITS[k]})
        for k in ("joule_power", "peak_temperature", "current_density"):
            ds[f"layer_{k}"] = (("layer",), np.array([float(l[k]) for l in self.layers]),
                                {"units": self.UNITS[k]})
        ds.attrs.update({"magnet_layer": self.magnet_layer, "cells": int(self.cells),
                         "substrate": str(self.substrate.get("material")), "enabled": int(self.enabled),
                         "warnings": " | ".join(self.warnings)})
        return ds


def pulse_heating(model: HeatConduction, *, magnet_layer: str, current_density: float, width: float,
                  rise_time: float = 0.0, fall_time: float | None = None, points: int = 600,
                  ambient_temperature: float | None = None) -> HeatingResult:
    """The :class:`HeatingResult` of a trapezoid pulse of ``current_density`` (A/m^2, in the
    reference layer; the model's Joule powers are scaled by (J/J_0)^2) on ``model``, with the sink
    at ``ambient_temperature`` (K; default the model's: the model is linear in the rise)."""
    fall = rise_time if fall_time is None else fall_time
    ratio = current_density / model.current_density if model.current_density != 0 else 0.0
    scale = ratio ** 2
    times = model.trace_times(width, rise_time, fall, points=points)
    rise_layers = model.layer_rise(times, width, rise_time, fall, scale=scale)
    im = model.layer_index(magnet_layer)
    k = int(np.argmax(rise_layers[:, im]))
    # refine the magnet's peak between the neighbouring trace times (exact evaluation)
    lo, hi = times[max(k - 1, 0)], times[min(k + 1, times.size - 1)]
    fine = np.linspace(lo, hi, 201)
    fine_rise = model.layer_rise(fine, width, rise_time, fall, scale=scale)[:, im]
    kf = int(np.argmax(fine_rise))
    peak_rise = max(float(fine_rise[kf]), float(rise_layers[k, im]))
    peak_time = float(fine[kf]) if fine_rise[kf] >= rise_layers[k, im] else float(times[k])
    T0 = model.ambient_temperature if ambient_temperature is None else float(ambient_temperature)
    ss = model.steady_state(scale)
    ss_magnet = float(model.layer_weights[im] @ ss)
    layer_peaks = rise_layers.max(axis=0)
    layer_peaks[im] = peak_rise
    layers = []
    for i, l in enumerate(model.layers):
        layers.append({"name": l.name, "material": l.material, "substrate": l.substrate, "thickness": l.thickness,
                       "thermal_conductivity": l.thermal_conductivity, "heat_capacity": l.heat_capacity,
                       "joule_power": l.joule_power * scale,
                       "current_density": l.current_density * ratio,
                       "peak_temperature": T0 + float(layer_peaks[i])})
    bal = model.energy_balance(width, rise_time, fall, time=float(times[-1]), scale=scale)
    c_area = model.heat_capacity_per_area
    return HeatingResult(
        magnet_layer=magnet_layer, ambient_temperature=T0, peak_temperature=T0 + peak_rise, temperature_rise=peak_rise,
        time_constant=model.time_constant, steady_state_rise=ss_magnet,
        adiabatic_heating_rate=model.joule_power * scale / c_area, peak_time=peak_time,
        current_density=float(current_density), pulse_width=float(width), rise_time=float(rise_time),
        fall_time=float(fall), joule_power=model.joule_power * scale,
        substrate={"material": next((l.material for l in model.layers if l.substrate), None),
                   "thickness": next((l.thickness for l in model.layers if l.substrate), 0.0),
                   "boundary_resistance": model.boundary_resistance},
        layers=layers, times=times, temperature=T0 + rise_layers, energy_balance=bal, cells=model.n_cells)
