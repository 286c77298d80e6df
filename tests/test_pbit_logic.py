"""Invertible logic: gate Hamiltonians (exact), truth tables sampled forward and backward, the
reversed multiplier factorizing integers, the CLI."""

import itertools
import json

import numpy as np
import pytest

from spinloss.pbits.logic import GATES, PENALTY_SCALE, factor_widths, factorize, gate, multiplier, truth_table
from spinloss.pbits.sampler import DeviceTiming

from pbit_cli import run_inprocess, run_subprocess


@pytest.mark.parametrize("name", GATES)
def test_gate_ground_states_are_the_truth_table(name):
    """Exact, by enumeration: penalty 0 on every valid row (auxiliary bits free), >= 1 elsewhere,
    and the Ising energy is PENALTY_SCALE x penalty up to a constant."""
    g = gate(name)
    c = g.circuit
    n = len(c.names)
    states = np.array(list(itertools.product([0, 1], repeat=n)))
    P = c.penalty(states)
    model = c.model()
    np.testing.assert_allclose(model.energy(2 * states - 1), PENALTY_SCALE * P, rtol=0, atol=1e-9)
    terms = [c.index[t] for t in g.inputs + g.outputs]
    valid = {x + y for x, y in g.truth_table()}
    for s, p in zip(states, P):
        row = tuple(int(v) for v in s[terms])
        if row in valid:
            assert p >= -1e-12
        else:
            assert p >= 1 - 1e-12
    best = {}
    for s, p in zip(states, P):
        row = tuple(int(v) for v in s[terms])
        best[row] = min(best.get(row, np.inf), p)
    assert {r for r, p in best.items() if abs(p) < 1e-12} == valid


def test_and_gate_is_camsaris():
    """E = 4 P gives the AND gate of Camsari et al. (PRX 7, 031014): J = [[0,-1,2],[-1,0,2],[2,2,0]], h = [1,1,-2]."""
    m = gate("and").circuit.model()
    np.testing.assert_array_equal(m.dense(), [[0, -1, 2], [-1, 0, 2], [2, 2, 0]])
    np.testing.assert_array_equal(m.h, [1, 1, -2])


@pytest.mark.parametrize("name", ["and", "or", "xor", "full-adder"])
@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_truth_tables_sampled_both_ways(name, direction):
    """At the default beta = 2 an invalid row is >= 4 above a valid one: its Boltzmann weight is
    <= e^-8 = 3.4e-4 of a valid row's, so with at most 8 invalid and >= 1 valid rows per condition
    the valid probability is >= 1 - 8 x 3.4e-4 / (1 + 8 x 3.4e-4) = 0.997 in equilibrium; the test
    asks 0.99 (7,600 correlated samples per condition) and that every valid row is visited."""
    res = truth_table(name, direction, seed=1)
    for cond in res.conditions:
        assert cond["valid_probability"] >= 0.99, cond["clamped"]
        valid = [d for d in cond["distribution"] if d["valid"]]
        assert len(valid) == len(cond["expected"])


@pytest.mark.parametrize("name,clamped", [("xor", {"C": 1}), ("xor", {"C": 0}), ("full-adder", {"S": 1, "Cout": 0}),
                                          ("and", {"C": 0})])
def test_backward_shares_are_equal(name, clamped):
    """Backward, the valid inputs of one output have equal energies, so they share its probability
    equally. Moving between them crosses invalid rows (>= 4 higher), slow at beta = 2: the test
    runs at beta = 1 and compares the share of each valid row, averaged over 32 replicas, with
    1/k within 4 standard errors of that mean (from the replicas' spread): the s.e. is itself
    uncertain by 1/sqrt(2 x 31) = 13 %, and P(|t_31| > 4) x 11 shares checked < 0.5 %."""
    from spinloss.pbits.sampler import Schedule, sample

    g = gate(name)
    c = g.circuit
    terms = g.inputs + g.outputs
    rows = [x + y for x, y in g.truth_table() if all(dict(zip(terms, x + y))[t] == v for t, v in clamped.items())]
    run = sample(c.model(), Schedule.constant(1.0), 3000, replicas=32, seed=4,
                 clamp={c.index[t]: 2 * v - 1 for t, v in clamped.items()}, record=[c.index[t] for t in terms])
    rec = (run.record[:, 200:, :] + 1) // 2                    # (R, sweeps, terminals)
    on_valid = np.zeros(rec.shape[:2], dtype=bool)
    shares = []
    for row in rows:
        hit = np.all(rec == np.array(row), axis=2)
        on_valid |= hit
        shares.append(hit)
    per_replica = np.array([h.sum(axis=1) for h in shares]) / on_valid.sum(axis=1)     # (k, R)
    mean = per_replica.mean(axis=1)
    se = per_replica.std(axis=1, ddof=1) / np.sqrt(per_replica.shape[1])
    assert np.all(np.abs(mean - 1 / len(rows)) <= 4 * se), (mean, se)


def test_multiplier_is_a_multiplier():
    """Forward: every clamped factor pair gives the product bits of p x q in the ground state
    (exact: the lowest-energy completion, found by enumerating the free bits of a 2 x 2 circuit)."""
    circ, p, q, prod = multiplier(2, 2)
    names = circ.names
    fixed = {n: i for i, n in enumerate(names)}
    free = [n for n in names if n not in p + q]
    for pv, qv in itertools.product(range(4), range(4)):
        best = None
        for bits in itertools.product([0, 1], repeat=len(free)):
            s = np.zeros(len(names))
            for k in range(2):
                s[fixed[p[k]]] = (pv >> k) & 1
                s[fixed[q[k]]] = (qv >> k) & 1
            for n, b in zip(free, bits):
                s[fixed[n]] = b
            e = circ.penalty(s)
            if best is None or e < best[0]:
                best = (e, s.copy())
        assert best[0] == 0
        value = sum(int(best[1][fixed[n]]) << k for k, n in enumerate(prod) if n != "0")
        assert value == pv * qv


@pytest.mark.parametrize("n,answers", [(35, {(5, 7)}), (221, {(13, 17)}), (945, {(15, 63), (21, 45), (27, 35)})])
def test_factorization(n, answers):
    res = factorize(n, replicas=8, seed=0, max_sweeps=20000)
    out = res.to_json()
    assert res.factors is not None and tuple(res.factors) in answers
    assert {tuple(s["factors"]) for s in out["solutions"]} <= answers
    # the p-bits weigh the answer above random guessing of the factor bits
    assert out["solution_probability"] > out["random_guess_probability"]


def test_factor_widths_and_errors():
    assert factor_widths(945) == (5, 6) and factor_widths(15) == (2, 3)
    with pytest.raises(Exception, match="prime"):
        factorize(13)


def test_time_and_energy_to_solution():
    res = factorize(35, replicas=4, seed=0, timing=DeviceTiming(1e-9, 2e-15))
    out = res.to_json()
    sweep_time = res.n_colours * 1e-9
    assert out["time_to_solution"] == pytest.approx(out["sweeps_to_solution"] * sweep_time, rel=1e-12, abs=0)
    assert out["energy_to_solution"] == pytest.approx(res.n_free * 4 * out["time_to_solution"] / 1e-9 * 2e-15,
                                                      rel=1e-12, abs=0)


def test_cli_logic(tmp_path, capsys):
    cal = tmp_path / "cal.json"
    cal.write_text(json.dumps({"centre": {"correlation_time": 2e-9}, "energy_per_flip": 1e-15}))
    out = json.loads(run_subprocess("pbit", "logic", "factor", 35, "--device", cal, "--json").stdout)
    assert sorted(out["factors"]) == [5, 7] and out["time_to_solution"] > 0 and out["energy_to_solution"] > 0
    out = json.loads(run_inprocess(capsys, "pbit", "logic", "full-adder", "--direction", "backward", "--sweeps", 500,
                                   "--json").stdout)
    assert out["gate"] == "full-adder" and len(out["conditions"]) == 4 and out["valid_probability"] > 0.95
    text = run_inprocess(capsys, "pbit", "logic", "and", "--sweeps", 300).stdout
    assert "A=1, B=1: valid rows" in text
    for args, where in ((("factor",), "NUMBER"), (("and", "5"), "NUMBER"), (("factor", "945", "--bits", "3,3"), "--bits"),
                        (("factor", "945", "--bits", "x"), "--bits"), (("and", "--beta", "-1"), "--beta")):
        p = run_inprocess(capsys, "pbit", "logic", *args, ok=(2,))
        assert p.stderr.startswith("spinloss: error:") and where in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1
