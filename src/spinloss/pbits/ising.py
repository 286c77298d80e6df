"""Ising networks for p-bit samplers: couplings J, biases h, file formats, graph colouring.

Convention (docs/pbits.md section 1; Camsari, Faria, Sutton, Datta, PRX 7, 031014 (2017)): spins
m_i = +-1, energy (dimensionless, in units of the p-bit's input scale)

    E(m) = - sum_{i<j} J_ij m_i m_j - sum_i h_i m_i + offset,

J symmetric with a zero diagonal. The input of p-bit i is I_i = sum_j J_ij m_j + h_i = -dE/dm_i,
and a p-bit at inverse temperature beta is +1 with probability (1 + tanh(beta I_i))/2: the
network samples exp(-beta E).

Max-Cut of a graph with edge weights w_ij is the Ising network J_ij = -w_ij, h = 0: the cut of a
spin state, sum over edges of w_ij (1 - m_i m_j)/2, equals (W - E)/2 with W the total weight,
so the lowest energy is the largest cut.

File formats (both 1-based, as the G-set):

* **G-set** (Helmberg-Rendl / Rinaldi's ``rudy``): first line ``N E`` (a trailing token is
  allowed), then E lines ``i j w``. Read as a graph (:func:`read_graph`); as an Ising network it
  is the Max-Cut problem J = -w.
* **spinloss Ising text** (``read_ising``): lines ``spins N``, ``J i j value``, ``h i value``,
  optionally ``offset value``; ``#`` starts a comment. Couplings given twice add up.

A plain edge list (lines ``i j [w]``, no header, w = 1 if absent) is read as a graph too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConfigError

#: Largest network (spins) the readers accept: 1e7 spins is far beyond any G-set graph (20,000)
#: and keeps a typo ("N" read from the wrong column) from allocating gigabytes.
MAX_SPINS = 10_000_000
#: Largest number of edges a file may declare (same reason).
MAX_EDGES = 100_000_000


@dataclass(frozen=True)
class IsingModel:
    """An Ising network in compressed sparse rows: spin i couples to ``indices[indptr[i]:indptr[i+1]]``
    with ``data`` J_ij (both directions stored, no diagonal); ``h`` (N,) biases; ``offset`` a
    constant added to the energy; ``names`` optional spin names (logic gates)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    h: np.ndarray
    offset: float = 0.0
    names: tuple = ()
    source: str = "<api>"
    #: the graph the network came from (Max-Cut): (edges (E, 2) 0-based, weights (E,)), or None
    graph: tuple | None = field(default=None, compare=False, repr=False)

    @property
    def n_spins(self) -> int:
        return int(self.h.shape[0])

    @property
    def n_couplings(self) -> int:
        """Number of nonzero couplings J_ij with i < j."""
        return int(self.indices.shape[0] // 2)

    @classmethod
    def from_dense(cls, J, h=None, offset: float = 0.0, names=(), source: str = "<api>") -> "IsingModel":
        """From a dense symmetric (N, N) coupling matrix (the diagonal must be zero) and biases."""
        J = np.asarray(J, dtype=float)
        if J.ndim != 2 or J.shape[0] != J.shape[1]:
            raise ConfigError(source, "J", f"must be a square matrix, got shape {J.shape}")
        n = J.shape[0]
        if not np.array_equal(J, J.T):
            raise ConfigError(source, "J", "must be symmetric")
        if np.any(np.diag(J) != 0):
            raise ConfigError(source, "J", "must have a zero diagonal (m_i^2 = 1 is a constant)")
        h = np.zeros(n) if h is None else np.asarray(h, dtype=float).reshape(-1)
        if h.shape != (n,):
            raise ConfigError(source, "h", f"must have {n} entries, got {h.shape[0]}")
        i, j = np.nonzero(J)
        return cls._from_pairs(n, i, j, J[i, j], h, offset, names, source, symmetric_given=True)

    @classmethod
    def from_couplings(cls, n: int, i, j, values, h=None, offset: float = 0.0, names=(),
                       source: str = "<api>", graph=None) -> "IsingModel":
        """From couplings J_ij = ``values`` between spins ``i`` and ``j`` (0-based, each pair
        once in either order; repeated pairs add up)."""
        i = np.asarray(i, dtype=np.int64).reshape(-1)
        j = np.asarray(j, dtype=np.int64).reshape(-1)
        v = np.asarray(values, dtype=float).reshape(-1)
        if not (i.shape == j.shape == v.shape):
            raise ConfigError(source, "J", "i, j and values must have the same length")
        if i.size and (min(i.min(), j.min()) < 0 or max(i.max(), j.max()) >= n):
            raise ConfigError(source, "J", f"spin index outside 1..{n}")
        if np.any(i == j):
            k = int(np.flatnonzero(i == j)[0])
            raise ConfigError(source, "J", f"self-coupling of spin {i[k] + 1} (m_i^2 = 1 is a constant)")
        h = np.zeros(n) if h is None else np.asarray(h, dtype=float).reshape(-1)
        return cls._from_pairs(n, np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([v, v]),
                               h, offset, names, source, symmetric_given=True, graph=graph)

    @classmethod
    def _from_pairs(cls, n, rows, cols, vals, h, offset, names, source, symmetric_given, graph=None):
        if not np.all(np.isfinite(vals)) or not np.all(np.isfinite(h)):
            raise ConfigError(source, "J", "couplings and biases must be finite")
        # sum duplicates, drop zeros, sort by row then column
        key = rows.astype(np.int64) * n + cols.astype(np.int64)
        uniq, inv = np.unique(key, return_inverse=True)
        summed = np.zeros(uniq.shape[0])
        np.add.at(summed, inv, vals)
        keep = summed != 0
        uniq, summed = uniq[keep], summed[keep]
        r = uniq // n
        c = uniq % n
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, r + 1, 1)
        indptr = np.cumsum(indptr)
        return cls(indptr=indptr, indices=c.astype(np.int32), data=summed.astype(np.float64),
                   h=np.ascontiguousarray(h, dtype=np.float64), offset=float(offset), names=tuple(names),
                   source=source, graph=graph)

    # ------------------------------------------------------------------ evaluation
    def dense(self) -> np.ndarray:
        """The dense (N, N) coupling matrix (for small networks)."""
        n = self.n_spins
        J = np.zeros((n, n))
        rows = np.repeat(np.arange(n), np.diff(self.indptr))
        J[rows, self.indices] = self.data
        return J

    def local_fields(self, m) -> np.ndarray:
        """I = J m + h for states m (..., N) of +-1."""
        m = np.asarray(m, dtype=float)
        n = self.n_spins
        rows = np.repeat(np.arange(n), np.diff(self.indptr))
        flat = m.reshape(-1, n)
        out = np.empty_like(flat)
        for k in range(flat.shape[0]):
            out[k] = np.bincount(rows, weights=self.data * flat[k, self.indices], minlength=n)
        return (out + self.h).reshape(m.shape)

    def energy(self, m) -> np.ndarray:
        """E(m) = -1/2 m.J.m - h.m + offset for states m (..., N) of +-1."""
        m = np.asarray(m, dtype=float)
        fields = self.local_fields(m) - self.h
        return -0.5 * np.sum(m * fields, axis=-1) - m @ self.h + self.offset

    def with_biases(self, h) -> "IsingModel":
        return IsingModel(self.indptr, self.indices, self.data, np.ascontiguousarray(h, dtype=float), self.offset,
                          self.names, self.source, self.graph)

    def colouring(self) -> np.ndarray:
        """A proper colouring (N,) of the coupling graph (no two coupled spins share a colour):
        greedy, in order of decreasing degree (Welsh-Powell), so at most max degree + 1 colours.
        Spins of one colour are conditionally independent given the others: they can be
        updated at the same time (graph-coloured, "chromatic" Gibbs sampling)."""
        n = self.n_spins
        deg = np.diff(self.indptr)
        order = np.argsort(-deg, kind="stable")
        colour = np.full(n, -1, dtype=np.int64)
        for i in order:
            nb = colour[self.indices[self.indptr[i]:self.indptr[i + 1]]]
            used = set(nb[nb >= 0].tolist())
            c = 0
            while c in used:
                c += 1
            colour[i] = c
        return colour

    # ------------------------------------------------------------------ Max-Cut
    def cut_value(self, m) -> np.ndarray:
        """Cut of states m (..., N) for the graph of a Max-Cut network: sum over edges of
        w (1 - m_i m_j)/2. Needs the graph (:func:`maxcut_model`)."""
        if self.graph is None:
            raise ConfigError(self.source, "graph", "this network does not come from a graph (no cut defined)")
        edges, w = self.graph
        m = np.asarray(m, dtype=float)
        return np.sum(w * (1.0 - m[..., edges[:, 0]] * m[..., edges[:, 1]]) / 2.0, axis=-1)

    @property
    def total_weight(self) -> float:
        """Sum of the graph's edge weights W (Max-Cut networks)."""
        if self.graph is None:
            raise ConfigError(self.source, "graph", "this network does not come from a graph")
        return float(np.sum(self.graph[1]))


def maxcut_model(n: int, edges, weights, source: str = "<api>") -> IsingModel:
    """The Ising network of Max-Cut on a graph: J_ij = -w_ij, h = 0 (module docstring); ``edges``
    (E, 2) 0-based; the graph is kept for :meth:`IsingModel.cut_value`."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    w = np.asarray(weights, dtype=float).reshape(-1)
    return IsingModel.from_couplings(n, edges[:, 0], edges[:, 1], -w, source=source, graph=(edges, w))


def _tokens(path: Path):
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "", "not a text file") from None
    out = []
    for k, line in enumerate(text.splitlines(), start=1):
        s = line.split("#", 1)[0].strip()
        if s:
            out.append((k, s.split()))
    return out


def _int(tok, path, line, what):
    try:
        v = int(tok)
    except ValueError:
        raise ConfigError(str(path), f"line {line}", f"{what} must be an integer, got {tok!r}") from None
    return v


def _float(tok, path, line, what):
    try:
        v = float(tok)
    except ValueError:
        raise ConfigError(str(path), f"line {line}", f"{what} must be a number, got {tok!r}") from None
    if not np.isfinite(v):
        raise ConfigError(str(path), f"line {line}", f"{what} must be finite")
    return v


def is_ising_text(path) -> bool:
    """True when the file is in the spinloss Ising text format (its first entry is ``spins N``)."""
    toks = _tokens(Path(path))
    return bool(toks) and toks[0][1][0].lower() == "spins"


def read_graph(path) -> tuple[int, np.ndarray, np.ndarray]:
    """A graph file -> (n, edges (E, 2) 0-based, weights (E,)): G-set format (``N E`` header) or a
    header-free edge list ``i j [w]`` (n = the largest index). Errors name the file and line."""
    path = Path(path)
    toks = _tokens(path)
    if not toks:
        raise ConfigError(str(path), "", "empty graph file")
    first_line, first = toks[0]
    header = len(first) in (2, 3) and all(t.lstrip("-").isdigit() for t in first[:2]) and \
        (len(first) == 2 or not _is_number(first[2]))
    if len(first) == 2 and len(toks) > 1 and len(toks[1][1]) == 2:
        header = False          # an unweighted edge list whose first edge has two tokens
    rows = toks[1:] if header else toks
    edges = np.empty((len(rows), 2), dtype=np.int64)
    w = np.empty(len(rows))
    for k, (line, t) in enumerate(rows):
        if len(t) not in (2, 3):
            raise ConfigError(str(path), f"line {line}", f"expected 'i j w', got {len(t)} entries")
        edges[k, 0] = _int(t[0], path, line, "a vertex")
        edges[k, 1] = _int(t[1], path, line, "a vertex")
        w[k] = _float(t[2], path, line, "an edge weight") if len(t) == 3 else 1.0
    if header:
        n = _int(first[0], path, first_line, "the number of vertices N")
        e = _int(first[1], path, first_line, "the number of edges E")
        if not 1 <= n <= MAX_SPINS:
            raise ConfigError(str(path), f"line {first_line}", f"N = {n} is outside 1..{MAX_SPINS}")
        if not 0 <= e <= MAX_EDGES:
            raise ConfigError(str(path), f"line {first_line}", f"E = {e} is outside 0..{MAX_EDGES}")
        if e != len(rows):
            raise ConfigError(str(path), f"line {first_line}", f"the header declares {e} edges, the file has "
                                                               f"{len(rows)}")
    else:
        n = int(edges.max()) if edges.size else 0
        if n < 1:
            raise ConfigError(str(path), "", "no edges")
    if edges.size and (edges.min() < 1 or edges.max() > n):
        k = int(np.flatnonzero((edges.min(axis=1) < 1) | (edges.max(axis=1) > n))[0])
        raise ConfigError(str(path), f"line {rows[k][0]}", f"vertex outside 1..{n} (vertices are numbered from 1)")
    loops = edges[:, 0] == edges[:, 1]
    if np.any(loops):
        k = int(np.flatnonzero(loops)[0])
        raise ConfigError(str(path), f"line {rows[k][0]}", "a self-loop (i = j) has no cut")
    return n, edges - 1, w


def _is_number(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


def read_ising(path) -> IsingModel:
    """An Ising network from a file: the spinloss Ising text format, or a graph (G-set, edge list)
    read as its Max-Cut network J = -w (module docstring)."""
    path = Path(path)
    if not is_ising_text(path):
        n, edges, w = read_graph(path)
        return maxcut_model(n, edges, w, source=str(path))
    toks = _tokens(path)
    line0, t0 = toks[0]
    if len(t0) != 2:
        raise ConfigError(str(path), f"line {line0}", "expected 'spins N'")
    n = _int(t0[1], path, line0, "N")
    if not 1 <= n <= MAX_SPINS:
        raise ConfigError(str(path), f"line {line0}", f"N = {n} is outside 1..{MAX_SPINS}")
    ii, jj, vv = [], [], []
    h = np.zeros(n)
    offset = 0.0
    for line, t in toks[1:]:
        kind = t[0].lower()
        if kind == "j":
            if len(t) != 4:
                raise ConfigError(str(path), f"line {line}", "expected 'J i j value'")
            i = _int(t[1], path, line, "i")
            j = _int(t[2], path, line, "j")
            for v in (i, j):
                if not 1 <= v <= n:
                    raise ConfigError(str(path), f"line {line}", f"spin {v} outside 1..{n}")
            if i == j:
                raise ConfigError(str(path), f"line {line}", "self-coupling (m_i^2 = 1 is a constant)")
            ii.append(i - 1)
            jj.append(j - 1)
            vv.append(_float(t[3], path, line, "J"))
        elif kind == "h":
            if len(t) != 3:
                raise ConfigError(str(path), f"line {line}", "expected 'h i value'")
            i = _int(t[1], path, line, "i")
            if not 1 <= i <= n:
                raise ConfigError(str(path), f"line {line}", f"spin {i} outside 1..{n}")
            h[i - 1] += _float(t[2], path, line, "h")
        elif kind == "offset":
            if len(t) != 2:
                raise ConfigError(str(path), f"line {line}", "expected 'offset value'")
            offset += _float(t[1], path, line, "offset")
        else:
            raise ConfigError(str(path), f"line {line}", f"unknown entry {t[0]!r} (spins | J | h | offset)")
    return IsingModel.from_couplings(n, ii, jj, vv, h, offset, source=str(path))


def write_ising(model: IsingModel, path) -> None:
    """Write ``model`` in the spinloss Ising text format (atomically)."""
    from ..io import write_text_atomic

    lines = ["# spinloss Ising network: E = -sum_{i<j} J_ij m_i m_j - sum_i h_i m_i + offset (1-based)",
             f"spins {model.n_spins}"]
    n = model.n_spins
    for i in range(n):
        for k in range(model.indptr[i], model.indptr[i + 1]):
            j = int(model.indices[k])
            if j > i:
                lines.append(f"J {i + 1} {j + 1} {float(model.data[k])!r}")
    for i in np.flatnonzero(model.h):
        lines.append(f"h {i + 1} {float(model.h[i])!r}")
    if model.offset:
        lines.append(f"offset {float(model.offset)!r}")
    write_text_atomic(path, "\n".join(lines) + "\n")
