"""Invertible logic on p-bits (docs/pbits.md section 5).

A gate is a Hamiltonian over its terminals whose ground states are exactly the rows of its truth
table; p-bits sampling exp(-beta E) then visit the valid rows, whichever terminals are clamped:
inputs (forward: the outputs follow), outputs (backward: the inputs consistent with them), or
none (the whole truth table) [Camsari, Faria, Sutton, Datta, PRX 7, 031014 (2017)].

Construction [D]: each gate is a penalty P(x) >= 0 in bits x = 0/1, zero exactly on the valid
rows and >= 1 elsewhere:

* AND, c = a b:            P = a b - 2 (a + b) c + 3 c
* OR,  c = a + b - a b:    P = a b + (a + b)(1 - 2 c) + c
* XOR, c = a xor b:        P = (a + b - c - 2 d)^2, with an auxiliary bit d (= a b): a half adder
* full adder:              P = (a + b + c_in - s - 2 c_out)^2
* half adder:              P = (a + b - s - 2 c)^2

and a circuit is the sum of its gates' penalties over shared bits. With x = (1 + m)/2 a quadratic
penalty is an Ising energy; the scale E = 4 P makes the couplings integers and gives the AND gate
exactly the J = [[0, -1, 2], [-1, 0, 2], [2, 2, 0]], h = [1, 1, -2] of Camsari et al. Valid rows
have E = E_0, every other state E >= E_0 + 4.

Multiplier and factorization [Borders et al., Nature 573, 390 (2019)]: partial products
p_i q_j (AND gates) summed column by column with full and half adders (a carry-save reduction);
clamping the product bits to an integer N and sampling the free factor bits is the multiplier run
in reverse: a state whose factor bits multiply to N is a factorization. The time to solution is the
number of sweeps until a replica first holds one, in device time (:class:`DeviceTiming`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import PhysicsError, SpinlossInputError
from ..io import JsonResult
from ..progress import Counter
from .ising import IsingModel
from .sampler import DeviceTiming, Schedule, sample

#: Ising energy per unit of penalty (module docstring): integer couplings, Camsari's AND gate.
PENALTY_SCALE = 4.0
GATES = ("and", "or", "xor", "full-adder", "half-adder")
#: Default inverse temperature of the gates (docs/pbits.md section 5): invalid rows are 4 above
#: the valid ones, so at beta = 2 each keeps a Boltzmann weight e^-8 = 3e-4 of a valid row's;
#: measured: >= 99.8 % of the samples on valid rows for AND, OR, XOR and the full adder, forward,
#: backward and free (beta = 1: 95-98 %).
DEFAULT_BETA = 2.0
#: Default inverse temperature of the reversed multiplier (docs/pbits.md section 5, measured on
#: 221 and 945 with 16 replicas: the median sweeps to a first factorization are 214 / 225 at
#: beta = 0.5, 776 / 577 at 0.7 and ~1e4 at 1.0, while the weight of the answer in the sampled
#: distribution grows from 2 % to 45 %: a hot circuit finds the answer first, a cold one holds it).
DEFAULT_FACTOR_BETA = 0.5
#: Largest factor widths of the multiplier (bits each): 16 x 16 bits is a ~1,000 p-bit circuit.
MAX_FACTOR_BITS = 16


class Circuit:
    """A sum of gate penalties over named bits (module docstring). ``add_*`` create the gates; the
    bits are created on first use; :meth:`model` is the Ising network."""

    def __init__(self):
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.linear: dict[int, float] = {}
        self.quadratic: dict[tuple[int, int], float] = {}
        self.constant = 0.0
        self._aux = 0

    def bit(self, name: str) -> int:
        if name not in self.index:
            self.index[name] = len(self.names)
            self.names.append(name)
        return self.index[name]

    def auxiliary(self, stem: str) -> str:
        self._aux += 1
        return f"{stem}{self._aux}"

    # -- penalties in bits
    def _lin(self, i, v):
        self.linear[i] = self.linear.get(i, 0.0) + v

    def _quad(self, i, j, v):
        if i == j:                      # x^2 = x
            self._lin(i, v)
            return
        k = (min(i, j), max(i, j))
        self.quadratic[k] = self.quadratic.get(k, 0.0) + v

    def add_square(self, terms: dict, const: float = 0.0) -> None:
        """Add (sum_k c_k x_k + const)^2 with ``terms`` {bit name: c_k}."""
        items = [(self.bit(n), float(c)) for n, c in terms.items()]
        for a, (i, ci) in enumerate(items):
            self._lin(i, ci * ci + 2 * const * ci)
            for j, cj in items[a + 1:]:
                self._quad(i, j, 2 * ci * cj)
        self.constant += const * const

    def add_and(self, a, b, c):
        i, j, k = self.bit(a), self.bit(b), self.bit(c)
        self._quad(i, j, 1.0)
        self._quad(i, k, -2.0)
        self._quad(j, k, -2.0)
        self._lin(k, 3.0)

    def add_or(self, a, b, c):
        i, j, k = self.bit(a), self.bit(b), self.bit(c)
        self._quad(i, j, 1.0)
        self._lin(i, 1.0)
        self._lin(j, 1.0)
        self._quad(i, k, -2.0)
        self._quad(j, k, -2.0)
        self._lin(k, 1.0)

    def add_half_adder(self, a, b, s, c):
        self.add_square({a: 1, b: 1, s: -1, c: -2})

    def add_xor(self, a, b, c, aux: str | None = None):
        self.add_half_adder(a, b, c, aux or self.auxiliary("xor_aux"))

    def add_full_adder(self, a, b, cin, s, cout):
        self.add_square({a: 1, b: 1, cin: 1, s: -1, cout: -2})

    # -- evaluation
    def penalty(self, bits) -> np.ndarray:
        """P of states ``bits`` (..., n) of 0/1 (in the order of :attr:`names`)."""
        x = np.asarray(bits, dtype=float)
        out = np.full(x.shape[:-1], self.constant)
        for i, v in self.linear.items():
            out = out + v * x[..., i]
        for (i, j), v in self.quadratic.items():
            out = out + v * x[..., i] * x[..., j]
        return out

    def model(self) -> IsingModel:
        """The Ising network E = PENALTY_SCALE P (module docstring), spins m = 2 x - 1."""
        n = len(self.names)
        s = PENALTY_SCALE
        h = np.zeros(n)
        offset = self.constant
        for i, v in self.linear.items():          # q x = q/2 + (q/2) m
            h[i] -= s * v / 2
            offset += v / 2
        ii, jj, vv = [], [], []
        for (i, j), v in self.quadratic.items():  # Q x_i x_j = (Q/4)(1 + m_i + m_j + m_i m_j)
            ii.append(i)
            jj.append(j)
            vv.append(-s * v / 4)
            h[i] -= s * v / 4
            h[j] -= s * v / 4
            offset += v / 4
        return IsingModel.from_couplings(n, ii, jj, vv, h, s * offset, names=tuple(self.names))


@dataclass(frozen=True)
class Gate:
    """A gate: its circuit, input and output terminal names, and its truth function."""

    name: str
    circuit: Circuit
    inputs: tuple
    outputs: tuple
    function: object

    def truth_table(self) -> list[tuple[tuple, tuple]]:
        return [(x, tuple(self.function(*x))) for x in itertools.product((0, 1), repeat=len(self.inputs))]


def gate(name: str) -> Gate:
    """One of :data:`GATES` with terminals A, B (, Cin) -> C (or S, Cout)."""
    c = Circuit()
    if name == "and":
        c.add_and("A", "B", "C")
        return Gate(name, c, ("A", "B"), ("C",), lambda a, b: (a & b,))
    if name == "or":
        c.add_or("A", "B", "C")
        return Gate(name, c, ("A", "B"), ("C",), lambda a, b: (a | b,))
    if name == "xor":
        c.add_xor("A", "B", "C", aux="D")
        return Gate(name, c, ("A", "B"), ("C",), lambda a, b: (a ^ b,))
    if name == "half-adder":
        c.add_half_adder("A", "B", "S", "Cout")
        return Gate(name, c, ("A", "B"), ("S", "Cout"), lambda a, b: (a ^ b, a & b))
    if name == "full-adder":
        c.add_full_adder("A", "B", "Cin", "S", "Cout")
        return Gate(name, c, ("A", "B", "Cin"), ("S", "Cout"),
                    lambda a, b, ci: ((a + b + ci) & 1, (a + b + ci) >> 1))
    raise SpinlossInputError("<api>", "gate", f"unknown gate {name!r} ({' | '.join(GATES)})")


# ----------------------------------------------------------------------------- truth tables

@dataclass
class TruthTableResult(JsonResult):
    """Sampled truth table of a gate: for each clamped condition, the distribution of the
    terminals' states over the recorded sweeps and the probability of the valid rows."""

    gate: str
    direction: str
    terminals: tuple
    conditions: list
    beta: float
    sweeps: int
    burn_in: int
    replicas: int
    update: str
    seed: int
    updates: int
    wall_time: float
    timing: DeviceTiming | None = None

    def as_dict(self) -> dict:
        return {"gate": self.gate, "direction": self.direction, "terminals": list(self.terminals),
                "conditions": self.conditions, "valid_probability": min(c["valid_probability"] for c in self.conditions),
                "beta": self.beta, "sweeps": self.sweeps, "burn_in": self.burn_in, "replicas": self.replicas,
                "update": self.update, "seed": self.seed, "flips": self.updates, "wall_time": self.wall_time,
                "device": None if self.timing is None else {"source": self.timing.source,
                                                            "correlation_time": self.timing.correlation_time,
                                                            "energy_per_flip": self.timing.energy_per_flip},
                "units": {"wall_time": "s", "correlation_time": "s", "energy_per_flip": "J", "beta": "1",
                          "*": "1"}}  # the rest: spins, probabilities, counts


def truth_table(name: str, direction: str = "forward", *, beta: float = DEFAULT_BETA, sweeps: int = 2000,
                burn_in: int = 100, replicas: int = 4, update: str = "parallel", seed: int = 0,
                timing: DeviceTiming | None = None, progress=None) -> TruthTableResult:
    """Sample gate ``name`` with its inputs clamped to each input row (``forward``), its outputs
    clamped to each output row (``backward``), or nothing clamped (``free``). Each condition runs
    ``replicas`` x ``sweeps`` sweeps at constant ``beta``; the states after the first ``burn_in``
    sweeps are counted. ``valid_probability`` of a condition: the fraction of samples on rows of
    the truth table."""
    if direction not in ("forward", "backward", "free"):
        raise SpinlossInputError("<api>", "direction", "must be forward, backward or free")
    if not 0 <= burn_in < sweeps:
        raise SpinlossInputError("<api>", "burn_in", "must be >= 0 and below the sweeps")
    g = gate(name)
    model = g.circuit.model()
    terms = g.inputs + g.outputs
    t_idx = [g.circuit.index[t] for t in terms]
    table = g.truth_table()
    valid = {x + y for x, y in table}
    if direction == "forward":
        clamps = [dict(zip(g.inputs, x)) for x, _ in table]
    elif direction == "backward":
        outs = sorted({y for _, y in table})
        clamps = [dict(zip(g.outputs, y)) for y in outs]
    else:
        clamps = [{}]
    conditions = []
    updates = 0
    wall = 0.0
    with Counter(progress, "conditions", total=len(clamps), unit="condition") as counter:
        for k, cl in enumerate(clamps):
            clamp = {g.circuit.index[t]: 2 * v - 1 for t, v in cl.items()}
            run = sample(model, Schedule.constant(beta), sweeps, update=update, replicas=replicas,
                         seed=seed + 1000 * k, clamp=clamp, record=t_idx)
            updates += run.updates
            wall += run.wall_time
            rec = (run.record[:, burn_in:, :].reshape(-1, len(terms)) + 1) // 2
            keys = rec @ (1 << np.arange(len(terms) - 1, -1, -1))
            counts = np.bincount(keys, minlength=1 << len(terms))
            total = counts.sum()
            dist = []
            for key in np.flatnonzero(counts):
                bits = tuple(int(b) for b in np.binary_repr(key, len(terms)))
                dist.append({"state": dict(zip(terms, bits)), "probability": counts[key] / total,
                             "valid": bits in valid})
            dist.sort(key=lambda d: -d["probability"])
            pv = float(sum(d["probability"] for d in dist if d["valid"]))
            expected = [dict(zip(terms, x + y)) for x, y in table
                        if all(dict(zip(terms, x + y))[t] == v for t, v in cl.items())]
            conditions.append({"clamped": cl, "distribution": dist, "valid_probability": pv,
                               "expected": expected})
            counter.set(k + 1)
    return TruthTableResult(gate=name, direction=direction, terminals=terms, conditions=conditions, beta=beta,
                            sweeps=sweeps, burn_in=burn_in, replicas=replicas, update=update, seed=seed,
                            updates=updates, wall_time=wall, timing=timing)


# ----------------------------------------------------------------------------- multiplier

def multiplier(a_bits: int, b_bits: int) -> tuple[Circuit, list[str], list[str], list[str]]:
    """An a x b bit array multiplier: (circuit, factor bits p0.., factor bits q0.., product bits
    P0..P_{a+b-1}, least significant first). Partial products pp_i_j = p_i q_j; columns reduced
    with full adders (three bits -> a sum in the column, a carry in the next) and half adders
    (two bits) until one bit is left per column; a column with no bit is a product bit that is
    always 0 (named '0')."""
    if not (1 <= a_bits <= MAX_FACTOR_BITS and 1 <= b_bits <= MAX_FACTOR_BITS):
        raise SpinlossInputError("<api>", "bits", f"factor widths must be 1..{MAX_FACTOR_BITS} bits")
    c = Circuit()
    p = [f"p{i}" for i in range(a_bits)]
    q = [f"q{j}" for j in range(b_bits)]
    for name in p + q:
        c.bit(name)
    width = a_bits + b_bits
    columns: list[list[str]] = [[] for _ in range(width + 1)]
    for i in range(a_bits):
        for j in range(b_bits):
            pp = f"pp{i}_{j}"
            c.add_and(p[i], q[j], pp)
            columns[i + j].append(pp)
    product = []
    for k in range(width):
        col = columns[k]
        while len(col) > 1:
            if len(col) >= 3:
                x, y, z = col.pop(0), col.pop(0), col.pop(0)
                s, co = c.auxiliary(f"s{k}_"), c.auxiliary(f"c{k + 1}_")
                c.add_full_adder(x, y, z, s, co)
            else:
                x, y = col.pop(0), col.pop(0)
                s, co = c.auxiliary(f"s{k}_"), c.auxiliary(f"c{k + 1}_")
                c.add_half_adder(x, y, s, co)
            col.append(s)
            columns[k + 1].append(co)
        product.append(col[0] if col else "0")
    # a carry out of the top column would be a product bit beyond the width: it must be 0
    for extra in columns[width]:
        c.add_square({extra: 1})
    return c, p, q, product


def factor_widths(n: int) -> tuple[int, int]:
    """Default factor widths for N (module docstring of :func:`factorize`): a = ceil(b_N / 2),
    b = b_N - a + 1 with b_N the bits of N, so that p < 2^a and q < 2^b hold every factor pair
    p <= sqrt(N) <= q with q < 2^b, and 1 x N does not fit when N >= 2^b."""
    bn = int(n).bit_length()
    a = (bn + 1) // 2
    return a, bn - a + 1


@dataclass
class FactorResult(JsonResult):
    """A factorization by the multiplier run in reverse."""

    number: int
    bits: tuple
    spins: int
    factors: tuple | None
    solved_replicas: int
    replicas: int
    sweeps_to_solution: int | None
    median_sweeps: float | None
    sweeps_run: int
    beta: float
    update: str
    seed: int
    updates: int
    wall_time: float
    n_colours: int
    n_free: int
    timing: DeviceTiming | None
    solutions: list = field(default_factory=list)
    solution_probability: float | None = None
    random_guess_probability: float | None = None

    def as_dict(self) -> dict:
        tts = ets = None
        if self.timing is not None and self.sweeps_to_solution is not None:
            # the free p-bits fluctuate (the clamped product bits are held by their inputs)
            sweep_time = self.timing.sweep_time(self.update, self.n_colours, self.n_free)
            tts = self.sweeps_to_solution * sweep_time
            ets = self.timing.run_energy(tts, self.n_free * self.replicas)
        return {"number": self.number, "factor_bits": list(self.bits), "spins": self.spins, "free_spins": self.n_free,
                "colours": self.n_colours,
                "factors": None if self.factors is None else list(self.factors), "solutions": self.solutions,
                "solved_replicas": self.solved_replicas, "replicas": self.replicas,
                "solution_probability": self.solution_probability,
                "random_guess_probability": self.random_guess_probability,
                "sweeps_to_solution": self.sweeps_to_solution, "median_sweeps_to_solution": self.median_sweeps,
                "sweeps": self.sweeps_run, "beta": self.beta, "update": self.update, "seed": self.seed,
                "flips": self.updates, "wall_time": self.wall_time,
                "flips_per_second": self.updates / self.wall_time if self.wall_time > 0 else None,
                "time_to_solution": tts, "energy_to_solution": ets,
                "device": None if self.timing is None else {"source": self.timing.source,
                                                            "correlation_time": self.timing.correlation_time,
                                                            "energy_per_flip": self.timing.energy_per_flip},
                "units": {"time_to_solution": "s", "energy_to_solution": "J", "wall_time": "s",
                          "correlation_time": "s", "energy_per_flip": "J", "flips_per_second": "1/s",
                          "*": "1"}}  # the rest: factors, spins, probabilities, counts


def factorize(n: int, *, bits: tuple | None = None, beta: float = DEFAULT_FACTOR_BETA, max_sweeps: int = 100_000,
              replicas: int = 8, update: str = "parallel", seed: int = 0, timing: DeviceTiming | None = None,
              chunk: int = 500, progress=None) -> FactorResult:
    """Factorize ``n`` with the multiplier of widths ``bits`` = (a, b) (default
    :func:`factor_widths`) run in reverse: product bits clamped to n, ``replicas`` p-computers
    sampling at constant ``beta`` until each has held a factorization p q = n with p, q > 1, or
    ``max_sweeps``. ``sweeps_to_solution``: the first sweep (1-based) any replica held one;
    ``median_sweeps``: the median over replicas (None if fewer than half solved);
    ``solution_probability``: the fraction of all recorded sweeps whose factor bits multiply to n
    (the weight the p-bits give the answer), beside ``random_guess_probability``, that of
    uniformly random factor bits."""
    n = int(n)
    if n < 4:
        raise SpinlossInputError("<api>", "number", "must be >= 4 (a composite number)")
    a, b = factor_widths(n) if bits is None else (int(bits[0]), int(bits[1]))
    if n >= 1 << (a + b):
        raise SpinlossInputError("<api>", "bits", f"{n} needs more than {a} + {b} product bits")
    if all(n % p for p in range(2, math.isqrt(n) + 1)):
        raise PhysicsError(f"{n} is prime: there is no factorization to find")
    circ, p, q, prod = multiplier(a, b)
    clamp = {}
    for k, name in enumerate(prod):
        v = (n >> k) & 1
        if name == "0":
            if v:
                raise SpinlossInputError("<api>", "bits", f"{n} does not fit the product of {a} x {b} bits")
            continue
        idx = circ.index[name]
        if idx in clamp and clamp[idx] != 2 * v - 1:
            raise SpinlossInputError("<api>", "bits", "inconsistent product bits")
        clamp[idx] = 2 * v - 1
    model = circ.model()
    rec_idx = [circ.index[x] for x in p + q]
    wp = 1 << np.arange(a)
    wq = 1 << np.arange(b)
    first = np.full(replicas, -1, dtype=np.int64)
    first_pair: dict[int, tuple] = {}
    hits_total = 0
    recorded = 0
    state = None
    done = 0
    updates = 0
    wall = 0.0
    n_col = 0
    n_free = model.n_spins - len(clamp)
    with Counter(progress, "sweeps", total=max_sweeps, unit="sweep") as counter:
        while done < max_sweeps and np.any(first < 0):
            s = min(chunk, max_sweeps - done)
            run = sample(model, Schedule.constant(beta), s, update=update, replicas=replicas, seed=seed,
                         clamp=clamp, initial=state, record=rec_idx, sweep_offset=done)
            state = run.final_state
            updates += run.updates
            wall += run.wall_time
            n_col = run.n_colours
            bits_ = (run.record + 1) // 2                      # (R, s, a + b)
            pv = bits_[:, :, :a] @ wp
            qv = bits_[:, :, a:] @ wq
            ok = (pv * qv == n) & (pv > 1) & (qv > 1)
            hits_total += int(ok.sum())
            recorded += ok.size
            for r in range(replicas):
                hits = np.flatnonzero(ok[r])
                if hits.size and first[r] < 0:
                    first[r] = done + int(hits[0]) + 1
                    first_pair[r] = tuple(sorted((int(pv[r, hits[0]]), int(qv[r, hits[0]]))))
            done += s
            counter.set(done)
    solved = first[first > 0]
    best = int(solved.min()) if solved.size else None
    med = float(np.median(np.where(first > 0, first, np.inf))) if solved.size * 2 >= replicas else None
    found: dict[tuple, int] = {}
    for pair in first_pair.values():
        found[pair] = found.get(pair, 0) + 1
    factors = first_pair[int(np.argmin(np.where(first > 0, first, np.iinfo(np.int64).max)))] if found else None
    # factor pairs that fit the widths (p, q > 1): the random-guess baseline of the occupancy
    pairs = sum(1 for x in range(2, 1 << a) if n % x == 0 and 1 < n // x < (1 << b))
    return FactorResult(number=n, bits=(a, b), spins=model.n_spins, factors=factors, solved_replicas=int(solved.size),
                        replicas=replicas, sweeps_to_solution=best, median_sweeps=med, sweeps_run=done, beta=beta,
                        update=update, seed=seed, updates=updates, wall_time=wall, n_colours=n_col, n_free=n_free,
                        timing=timing,
                        solutions=[{"factors": list(k), "replicas": v} for k, v in sorted(found.items())],
                        solution_probability=hits_total / recorded if recorded else None,
                        random_guess_probability=pairs / float(1 << (a + b)))
