r"""The macrospin's parameters and its terms: one small object per field or torque term.

In the style of magnum.np, each physical term is an object with its own field and energy, and
everything that needs "the" effective field, energy or kernel coefficients loops over the terms:
:func:`~spinloss.dynamics.integrators.effective_field`,
:func:`~spinloss.dynamics.integrators.energy_density`,
:func:`~spinloss.dynamics.integrators.pack_parameters` (the kernels' coefficient matrix) and the
time-step choice (:func:`field_scale`). The numba kernels (:mod:`.kernels`) evaluate the same
terms fused into one expression for speed; ``tests/test_dynamics_terms.py`` checks that the fused
right-hand side equals the sum of these terms.

Terms (SI: fields A/m, energy densities J/m^3, arrays (N,) and (N, 3) over a batch of N devices)::

    Zeeman               H = H_app                      e = -mu0 M_s H_app.m
    UniaxialAnisotropy   H = H_K (m.u) u                e = -(mu0 M_s H_K / 2) (m.u)^2
    Demagnetization      H = -M_s N m  (N diagonal)     e = (mu0 M_s^2 / 2) sum_i N_ii m_i^2
    DampingLikeTorque    T = -gamma mu0 H_DL m x (m x s),  H_DL = (H_DL/j) j(t)
    FieldLikeTorque      T = -gamma mu0 H_FL m x s,        H_FL = (H_FL/j) j(t)
    SpinTransferTorque   T = -gamma mu0 H_ST m x (m x p),  H_ST = (H_ST/j) j(t)  (Slonczewski, lambda = 0)

Each conservative term's field is -(1/(mu0 M_s)) de/dm (tested on the sphere). The torques have no
energy; a torque is a precession about its torque field H_T = H_FL s + H_DL m x s (derivation in
:mod:`.llg`). The kernels have one torque channel: the torque terms share one polarization s
(``polarization``; for STT the reference-layer direction p) and their fields per current add up.

Adding a term: a class here (field, energy or torque, ``field_scale``, ``pack``), its parameters in
:class:`MacrospinParameters`, its entry in :data:`TERMS`; its rows ``R_*`` in :mod:`.kernels` and
its arithmetic in the fused field there (``_field`` and ``_wfield``). See docs/dynamics.md, "Terms".
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from ..errors import SpinlossInputError
from ..units import GAMMA, MU0
from . import kernels as K

__all__ = [
    "MacrospinParameters",
    "Term",
    "FieldTerm",
    "SpinTorque",
    "Zeeman",
    "UniaxialAnisotropy",
    "Demagnetization",
    "DampingLikeTorque",
    "FieldLikeTorque",
    "SpinTransferTorque",
    "TERMS",
    "ENERGY_PARAMETERS",
    "make_terms",
    "total_field",
    "total_energy_density",
    "field_scale",
    "pack_spin_torques",
    "uniaxial_anisotropy_field",
    "uniaxial_anisotropy_constant",
]

_VECTOR_FIELDS = ("demag_factors", "anisotropy_axis", "applied_field", "polarization")


def _bad(key, rule):
    return SpinlossInputError("<api>", key, rule)


# ----------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class MacrospinParameters:
    """Macrospin parameters; every field is a scalar or an array of shape (N,) ((N,3) or (3,) for
    vectors), broadcast over the batch. :meth:`terms` gives the term objects they define.

    Fields (SI):
        saturation_magnetization  M_s, A/m
        damping                   Gilbert alpha
        volume                    m^3 (thermal field; unused at T = 0)
        temperature               K
        demag_factors             (Nxx, Nyy, Nzz), principal axes along x, y, z (see ``demag``)
        anisotropy_axis           uniaxial easy axis u (normalized here)
        anisotropy_field          H_K = 2 K_u,eff / (mu0 M_s), A/m (magnetocrystalline +
                                  interface; shape anisotropy comes from ``demag_factors``)
        applied_field             A/m
        polarization              s, spin polarization entering the magnet (normalized; a zero
                                  vector means no torque). For STT: the reference layer p.
        damping_like_field_per_current  H_DL / j, A/m per A/m^2 (``llg.sot_field_per_current``)
        field_like_field_per_current    H_FL / j, A/m per A/m^2
        spin_transfer_field_per_current H_ST / j, A/m per A/m^2 (``llg.stt_field_per_current``):
                                  Slonczewski STT along ``polarization`` (= p)
        gamma                     rad s^-1 T^-1
    """

    saturation_magnetization: object
    damping: object
    volume: object = 1e-24
    temperature: object = 0.0
    demag_factors: object = (0.0, 0.0, 0.0)
    anisotropy_axis: object = (0.0, 0.0, 1.0)
    anisotropy_field: object = 0.0
    applied_field: object = (0.0, 0.0, 0.0)
    polarization: object = (0.0, 1.0, 0.0)
    damping_like_field_per_current: object = 0.0
    field_like_field_per_current: object = 0.0
    spin_transfer_field_per_current: object = 0.0
    gamma: object = GAMMA

    def batch_size(self) -> int:
        """N implied by the fields (1 if all are scalars / single vectors)."""
        n = 1
        for f in fields(self):
            a = np.asarray(getattr(self, f.name), dtype=float)
            lead = a.shape[:-1] if f.name in _VECTOR_FIELDS else a.shape
            if len(lead) > 1:
                raise _bad(f.name, f"shape {a.shape} not broadcastable to a batch")
            if len(lead) == 1 and lead[0] != 1:
                if n not in (1, lead[0]):
                    raise _bad(f.name, f"batch size {lead[0]} conflicts with {n}")
                n = lead[0]
        return n

    def broadcast(self, n: int) -> dict:
        """Dict of arrays: scalars -> (n,), vectors -> (n, 3). Validates values."""
        out = {}
        for f in fields(self):
            a = np.asarray(getattr(self, f.name), dtype=float)
            try:
                if f.name in _VECTOR_FIELDS:
                    if a.shape[-1:] != (3,):
                        raise ValueError
                    a = np.broadcast_to(a, (n, 3))
                else:
                    a = np.broadcast_to(a, (n,))
            except ValueError:
                raise _bad(f.name, f"shape {np.shape(getattr(self, f.name))} does not broadcast "
                                   f"to batch size {n}") from None
            if not np.all(np.isfinite(a)):
                raise _bad(f.name, "must be finite")
            out[f.name] = np.array(a, dtype=float)
        if np.any(out["saturation_magnetization"] <= 0):
            raise _bad("saturation_magnetization", "must be > 0")
        if np.any(out["damping"] < 0):
            raise _bad("damping", "must be >= 0")
        if np.any(out["temperature"] < 0):
            raise _bad("temperature", "must be >= 0 K")
        if np.any((out["temperature"] > 0) & ((out["volume"] <= 0) | (out["damping"] <= 0))):
            raise _bad("volume", "temperature > 0 needs volume > 0 and damping > 0")
        if np.any(out["gamma"] <= 0):
            raise _bad("gamma", "must be > 0")
        for name in ("anisotropy_axis", "polarization"):
            v = out[name]
            nrm = np.linalg.norm(v, axis=1)
            if name == "anisotropy_axis" and np.any((nrm == 0) & (out["anisotropy_field"] != 0)):
                raise _bad(name, "zero vector with nonzero anisotropy_field")
            out[name] = v / np.where(nrm > 0, nrm, 1.0)[:, None]
        return out

    def single_device(self, user: str = "this computation") -> "MacrospinParameters":
        """The parameters as one device: scalars and 3-vectors (a batch of identical devices is
        accepted). Raises :class:`SpinlossInputError` naming the field that differs across the
        batch; ``user`` names who needs one device in that message ("... need(s) one device")."""
        one = {}
        for f in fields(self):
            v = np.asarray(getattr(self, f.name), dtype=float)
            if f.name in _VECTOR_FIELDS:
                if v.ndim == 2:
                    if not np.allclose(v, v[0]):
                        raise SpinlossInputError(None, f.name, f"{user} one device")
                    v = v[0]
                one[f.name] = v.reshape(3)
            else:
                if v.size > 1 and not np.allclose(v, v.reshape(-1)[0]):
                    raise SpinlossInputError(None, f.name, f"{user} one device: give scalars")
                one[f.name] = float(v.reshape(-1)[0])
        return MacrospinParameters(**one)

    def terms(self, n: int | None = None) -> tuple:
        """The field and torque terms of these parameters for a batch of ``n`` devices (default
        :meth:`batch_size`), in the order of :data:`TERMS`."""
        return make_terms(self.broadcast(self.batch_size() if n is None else n))


# ----------------------------------------------------------------------------- conservative terms


def _rows(m, n):
    """m as (n, 3) (a single direction is broadcast over the batch); the terms of one device
    (n = 1) evaluate any number of states (k, 3)."""
    m = np.asarray(m, dtype=float)
    if n == 1 and m.ndim == 2:
        return m
    return np.broadcast_to(m, (n, 3))


class Term:
    """What every term has: ``name``, ``parameters`` (the fields of :class:`MacrospinParameters`
    it is built from, in the order of its constructor's arguments), ``kernel_rows`` (its rows in
    :mod:`.kernels`), ``size`` (N) and ``field_scale(max_current)``."""

    name: ClassVar[str]
    parameters: ClassVar[tuple]
    kernel_rows: ClassVar[tuple]

    @classmethod
    def from_parameters(cls, values: dict) -> "Term":
        """The term of broadcast parameter values (:meth:`MacrospinParameters.broadcast`)."""
        return cls(*(values[name] for name in cls.parameters))


class FieldTerm(Term):
    """A conservative term: ``field(m)`` (A/m, (N, 3)) = -(1/(mu0 M_s)) d energy_density/dm,
    ``energy_density(m)`` (J/m^3, (N,)), ``field_scale()`` (A/m, (N,): the largest field it
    exerts, which bounds the precession rate) and ``pack(P, rate)`` (its rows of the kernels'
    coefficient matrix, fields times ``rate`` = gamma mu0/(1 + alpha^2)). ``m``: unit vectors
    (N, 3), or one direction (3,) for the whole batch; for one device (N = 1), any number of
    states (k, 3). ``parameters`` names the fields of
    :class:`MacrospinParameters` it depends on; ``kernel_rows`` its rows in :mod:`.kernels`."""

    @property
    def size(self) -> int:
        return self.saturation_magnetization.shape[0]

    def field(self, m):
        raise NotImplementedError

    def energy_density(self, m):
        raise NotImplementedError

    def field_scale(self, max_current: float = 0.0):
        raise NotImplementedError

    def pack(self, P, rate) -> None:
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class Zeeman(FieldTerm):
    """Applied field: H = H_app, e = -mu0 M_s H_app.m. Kernel rows R_HAX..R_HAZ (rate H_app)."""

    applied_field: np.ndarray             # (N, 3) A/m
    saturation_magnetization: np.ndarray  # (N,) A/m

    name: ClassVar[str] = "zeeman"
    parameters: ClassVar[tuple] = ("applied_field", "saturation_magnetization")
    kernel_rows: ClassVar[tuple] = (K.R_HAX, K.R_HAY, K.R_HAZ)

    def field(self, m):
        return np.array(np.broadcast_to(self.applied_field, _rows(m, self.size).shape))

    def energy_density(self, m):
        mm = _rows(m, self.size)
        return -MU0 * self.saturation_magnetization * np.sum(self.applied_field * mm, axis=1)

    def field_scale(self, max_current: float = 0.0):
        return np.linalg.norm(self.applied_field, axis=1)

    def pack(self, P, rate) -> None:
        P[K.R_HAX:K.R_HAZ + 1] = rate[None, :] * self.applied_field.T


@dataclass(frozen=True, eq=False)
class UniaxialAnisotropy(FieldTerm):
    """Uniaxial anisotropy (magnetocrystalline + interface): H = H_K (m.u) u,
    e = -(mu0 M_s H_K / 2)(m.u)^2 = -K_u (m.u)^2 with K_u = mu0 M_s H_K / 2. Kernel rows R_HK
    (rate H_K) and R_UX..R_UZ (the unit axis u)."""

    anisotropy_field: np.ndarray          # (N,) A/m
    anisotropy_axis: np.ndarray           # (N, 3) unit vectors
    saturation_magnetization: np.ndarray  # (N,) A/m

    name: ClassVar[str] = "uniaxial_anisotropy"
    parameters: ClassVar[tuple] = ("anisotropy_field", "anisotropy_axis", "saturation_magnetization")
    kernel_rows: ClassVar[tuple] = (K.R_HK, K.R_UX, K.R_UY, K.R_UZ)

    def field(self, m):
        u = self.anisotropy_axis
        mu = np.sum(_rows(m, self.size) * u, axis=1)
        return (self.anisotropy_field * mu)[:, None] * u

    def energy_density(self, m):
        mu = np.sum(_rows(m, self.size) * self.anisotropy_axis, axis=1)
        return -0.5 * MU0 * self.saturation_magnetization * self.anisotropy_field * mu**2

    def field_scale(self, max_current: float = 0.0):
        return np.abs(self.anisotropy_field)

    def pack(self, P, rate) -> None:
        P[K.R_HK] = rate * self.anisotropy_field
        P[K.R_UX:K.R_UZ + 1] = self.anisotropy_axis.T


@dataclass(frozen=True, eq=False)
class Demagnetization(FieldTerm):
    """Shape anisotropy of a uniformly magnetized body with a diagonal demagnetizing tensor N
    (principal axes x, y, z; :mod:`.demag`): H = -M_s N m, e = (mu0 M_s^2 / 2) sum_i N_ii m_i^2.
    Kernel rows R_DXX..R_DZZ (rate M_s N_ii)."""

    demag_factors: np.ndarray             # (N, 3)
    saturation_magnetization: np.ndarray  # (N,) A/m

    name: ClassVar[str] = "demagnetization"
    parameters: ClassVar[tuple] = ("demag_factors", "saturation_magnetization")
    kernel_rows: ClassVar[tuple] = (K.R_DXX, K.R_DYY, K.R_DZZ)

    def field(self, m):
        return -(self.saturation_magnetization[:, None] * self.demag_factors * _rows(m, self.size))

    def energy_density(self, m):
        ms = self.saturation_magnetization
        return 0.5 * MU0 * ms**2 * np.sum(self.demag_factors * _rows(m, self.size)**2, axis=1)

    def field_scale(self, max_current: float = 0.0):
        """M_s (N_max - N_min): the uniform part of N exerts no torque."""
        nd = self.demag_factors
        return self.saturation_magnetization * (nd.max(axis=1) - nd.min(axis=1))

    def pack(self, P, rate) -> None:
        P[K.R_DXX:K.R_DZZ + 1] = (rate * self.saturation_magnetization)[None, :] * self.demag_factors.T


# ----------------------------------------------------------------------------- torque terms


def spin_torque_field(m, damping_like_field, field_like_field, polarization):
    """The torque field H_T = H_FL s + H_DL m x s (A/m, (N, 3)) of the states ``m`` (N, 3) under the
    damping-like and field-like fields ``damping_like_field`` H_DL and ``field_like_field`` H_FL
    (A/m, scalars or (N,)) along the polarization ``polarization`` s ((3,) or (N, 3)): the torque
    -gamma mu0 m x H_T is the spin torque of docs/physics.md section 2 (the damping-like torque
    -gamma mu0 H_DL m x (m x s) is that of the field H_DL m x s). The one home of the formula:
    :meth:`SpinTorque.torque_field` and the virtual lab's current-induced fields
    (:meth:`spinloss.lab.harmonic_hall.HallBar.current_field`, the ST-FMR drive) call it."""
    s = np.asarray(polarization, dtype=float)
    return (np.asarray(field_like_field, dtype=float)[..., None] * s
            + np.asarray(damping_like_field, dtype=float)[..., None] * np.cross(m, s))


@dataclass(frozen=True, eq=False)
class SpinTorque(Term):
    """A current-driven torque along the polarization s, in Gilbert form (docs/physics.md section 2)::

        T = -gamma mu0 [H_DL m x (m x s) + H_FL m x s],   H_DL, H_FL = (field per current) j(t)

    A damping-like term contributes to H_DL, a field-like one to H_FL. No energy. ``pack`` is
    :func:`pack_spin_torques` (the kernels' one torque channel, shared by the torque terms)."""

    field_per_current: np.ndarray  # (N,) A/m per A/m^2
    polarization: np.ndarray       # (N, 3) unit (or zero) vectors

    damping_like: ClassVar[bool]
    kernel_rows: ClassVar[tuple] = (K.R_SX, K.R_SY, K.R_SZ, K.R_TA, K.R_TB)

    @property
    def size(self) -> int:
        return self.field_per_current.shape[0]

    @property
    def damping_like_field_per_current(self):
        """H_DL / j of this term (A/m per A/m^2), (N,)."""
        return self.field_per_current if self.damping_like else np.zeros_like(self.field_per_current)

    @property
    def field_like_field_per_current(self):
        """H_FL / j of this term (A/m per A/m^2), (N,)."""
        return np.zeros_like(self.field_per_current) if self.damping_like else self.field_per_current

    def damping_like_field(self, current_density):
        """H_DL (A/m), (N,), at current density j (A/m^2, scalar or (N,))."""
        return self.damping_like_field_per_current * np.asarray(current_density, dtype=float)

    def field_like_field(self, current_density):
        """H_FL (A/m), (N,), at current density j (A/m^2, scalar or (N,))."""
        return self.field_like_field_per_current * np.asarray(current_density, dtype=float)

    def torque_field(self, m, current_density):
        """The torque field H_T = H_FL s + H_DL m x s (A/m, (N, 3)): T = -gamma mu0 m x H_T
        (:mod:`.llg`, derivation step 1)."""
        return spin_torque_field(_rows(m, self.size), self.damping_like_field(current_density),
                                 self.field_like_field(current_density), self.polarization)

    def torque(self, m, current_density, gamma=GAMMA):
        """T (1/s, (N, 3)) in Gilbert form, -gamma mu0 m x H_T."""
        mm = _rows(m, self.size)
        return -np.asarray(gamma, dtype=float)[..., None] * MU0 * np.cross(mm, self.torque_field(mm, current_density))

    def field_scale(self, max_current: float = 0.0):
        """|j_max| |H/j| (A/m)."""
        return abs(max_current) * np.abs(self.field_per_current)


@dataclass(frozen=True, eq=False)
class DampingLikeTorque(SpinTorque):
    """Damping-like spin-orbit torque, T = -gamma mu0 H_DL m x (m x s); H_DL > 0 pulls m towards s."""

    name: ClassVar[str] = "damping_like_torque"
    parameters: ClassVar[tuple] = ("damping_like_field_per_current", "polarization")
    damping_like: ClassVar[bool] = True


@dataclass(frozen=True, eq=False)
class FieldLikeTorque(SpinTorque):
    """Field-like spin-orbit torque, T = -gamma mu0 H_FL m x s: a precession about the field H_FL s."""

    name: ClassVar[str] = "field_like_torque"
    parameters: ClassVar[tuple] = ("field_like_field_per_current", "polarization")
    damping_like: ClassVar[bool] = False


@dataclass(frozen=True, eq=False)
class SpinTransferTorque(SpinTorque):
    """Slonczewski spin-transfer torque from a reference layer p (= ``polarization``),
    T = -gamma mu0 H_ST m x (m x p), H_ST / j = hbar eta / (2 e mu0 M_s d)
    (:func:`spinloss.dynamics.llg.stt_field_per_current`). The angular factor 1/(1 + lambda m.p)
    is not modelled (lambda = 0): the damping-like form, pulling m towards p for j > 0."""

    name: ClassVar[str] = "spin_transfer_torque"
    parameters: ClassVar[tuple] = ("spin_transfer_field_per_current", "polarization")
    damping_like: ClassVar[bool] = True


# ----------------------------------------------------------------------------- the list of terms

#: Every term of the macrospin, in the order the sums run (energies, fields, field scales).
TERMS = (Zeeman, UniaxialAnisotropy, Demagnetization, DampingLikeTorque, FieldLikeTorque,
         SpinTransferTorque)

#: The fields of :class:`MacrospinParameters` the energy depends on (those of the field terms).
ENERGY_PARAMETERS = tuple(f.name for f in fields(MacrospinParameters)
                          if any(f.name in t.parameters for t in TERMS if issubclass(t, FieldTerm)))


def make_terms(values: dict) -> tuple:
    """The terms of the broadcast parameter values ``values`` (:meth:`MacrospinParameters.broadcast`)."""
    return tuple(t.from_parameters(values) for t in TERMS)


def _sum(parts, empty):
    """parts[0] + parts[1] + ... in order (no leading 0 + ...), ``empty()`` for no parts."""
    total = None
    for v in parts:
        total = v if total is None else total + v
    return empty() if total is None else total


def total_field(terms, m):
    """H_eff (A/m, (N, 3)): the sum of the field terms' fields at m ((N, 3), or (3,) for all)."""
    return _sum([t.field(m) for t in terms if isinstance(t, FieldTerm)],
                lambda: np.zeros(_rows(m, terms[0].size).shape))


def total_energy_density(terms, m):
    """Energy density (J/m^3, (N,)): the sum of the field terms' energy densities at m."""
    return _sum([t.energy_density(m) for t in terms if isinstance(t, FieldTerm)],
                lambda: np.zeros(_rows(m, terms[0].size).shape[0]))


def field_scale(terms, max_current: float = 0.0):
    """The largest field (A/m, (N,)), and so the fastest precession gamma mu0 |H|, the dynamics can
    reach at current densities up to ``max_current``: the field terms' field scales plus
    |j_max| times the torque terms' |H/j| summed (the current-induced field)."""
    fixed = _sum([t.field_scale() for t in terms if isinstance(t, FieldTerm)], lambda: np.zeros(terms[0].size))
    per_current = [np.abs(t.field_per_current) for t in terms if isinstance(t, SpinTorque)]
    return fixed + abs(max_current) * _sum(per_current, lambda: np.zeros(terms[0].size)) if per_current else fixed


def pack_spin_torques(torques, P, damping, rate) -> None:
    """Rows of the kernels' one torque channel for the torque terms ``torques``: R_SX..R_SZ = s,
    R_TA = rate (H_FL - alpha H_DL)/j, R_TB = rate (H_DL + alpha H_FL)/j (the explicit form of
    :mod:`.llg`), H_DL/j and H_FL/j summed over the terms. Terms with a nonzero field must share
    one polarization (the kernels have one s)."""
    dl = np.zeros(P.shape[1])
    fl = np.zeros(P.shape[1])
    s = None
    for t in torques:
        active = t.field_per_current != 0
        if s is None:
            s, taken = t.polarization.copy(), active
        else:
            if np.any(active & taken & np.any(t.polarization != s, axis=1)):
                raise _bad("polarization", f"{t.name}: the torque terms must share one polarization "
                                           "(the kernels have one torque channel)")
            s[active & ~taken] = t.polarization[active & ~taken]
            taken = taken | active
        dl = dl + t.damping_like_field_per_current
        fl = fl + t.field_like_field_per_current
    if s is not None:
        P[K.R_SX:K.R_SZ + 1] = s.T
    P[K.R_TA] = rate * (fl - damping * dl)
    P[K.R_TB] = rate * (dl + damping * fl)


# ----------------------------------------------------------------------------- anisotropy constants


def uniaxial_anisotropy_field(anisotropy_constant, saturation_magnetization):
    """H_K = 2 K_u / (mu0 M_s) (A/m) of a uniaxial anisotropy constant K_u (J/m^3)."""
    return 2 * np.asarray(anisotropy_constant, dtype=float) / (MU0 * np.asarray(saturation_magnetization, dtype=float))


def uniaxial_anisotropy_constant(anisotropy_field, saturation_magnetization):
    """K_u = mu0 M_s H_K / 2 (J/m^3) of an anisotropy field H_K (A/m): the inverse of
    :func:`uniaxial_anisotropy_field`."""
    return 0.5 * MU0 * np.asarray(saturation_magnetization, dtype=float) * np.asarray(anisotropy_field, dtype=float)
