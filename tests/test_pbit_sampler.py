"""The p-computer: Ising networks and their files, the sampler's correctness (Boltzmann
distribution, the colour-parallel update, thread-count independence), Max-Cut, the CLI."""

import itertools
import json

import numba
import numpy as np
import pytest
from scipy import stats

from spinloss.dynamics.rng import stream_keys
from spinloss.errors import ConfigError
from spinloss.pbits import kernels as K
from spinloss.pbits.ising import IsingModel, maxcut_model, read_graph, read_ising, write_ising
from spinloss.pbits.maxcut import GSET_DIR, maxcut
from spinloss.pbits.sampler import DeviceTiming, Schedule, sample

from pbit_cli import run_inprocess, run_subprocess

UPDATES = ("parallel", "sequential", "asynchronous")


def random_model(n=12, p=0.4, seed=3, integer=True):
    rng = np.random.default_rng(seed)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < p]
    i, j = np.array(pairs).T
    v = rng.integers(-2, 3, size=i.size).astype(float) if integer else rng.normal(size=i.size)
    v[v == 0] = 1.0
    h = rng.integers(-1, 2, size=n).astype(float) if integer else rng.normal(size=n) * 0.3
    return IsingModel.from_couplings(n, i, j, v, h)


def all_states(n):
    return np.array(list(itertools.product([-1, 1], repeat=n)), dtype=float)


# ---------------------------------------------------------------------------- networks and files


def test_energy_and_fields_match_dense_formula():
    m = random_model(integer=False)
    J, h = m.dense(), m.h
    s = all_states(m.n_spins)[::97]
    e_ref = -0.5 * np.einsum("ki,ij,kj->k", s, J, s) - s @ h
    np.testing.assert_allclose(m.energy(s), e_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m.local_fields(s), s @ J + h, rtol=1e-12, atol=1e-12)


def test_colouring_is_proper_and_small():
    for seed in range(3):
        m = random_model(n=40, p=0.2, seed=seed)
        c = m.colouring()
        rows = np.repeat(np.arange(m.n_spins), np.diff(m.indptr))
        assert not np.any(c[rows] == c[m.indices])          # no coupled pair shares a colour
        assert c.max() + 1 <= np.diff(m.indptr).max() + 1   # greedy bound: max degree + 1


def test_gset_reader_is_one_based_and_checks_the_header(tmp_path):
    n, e, w = read_graph(GSET_DIR / "G43.txt")
    assert (n, e.shape[0]) == (1000, 9990) and e.min() == 0 and e.max() == 999 and np.all(w == 1)
    f = tmp_path / "g.txt"
    f.write_text("3 2\n1 2 1\n2 3 1\n")
    n, e, w = read_graph(f)
    assert n == 3 and e.tolist() == [[0, 1], [1, 2]]
    f.write_text("3 3\n1 2 1\n2 3 1\n")
    with pytest.raises(ConfigError, match="declares 3 edges"):
        read_graph(f)
    f.write_text("3 1\n1 4 1\n")
    with pytest.raises(ConfigError, match="outside 1..3"):
        read_graph(f)
    f.write_text("3 1\n2 2 1\n")
    with pytest.raises(ConfigError, match="self-loop"):
        read_graph(f)
    f.write_text("1 2\n2 3\n3 1\n")              # a header-free edge list, unit weights
    n, e, w = read_graph(f)
    assert n == 3 and e.shape == (3, 2) and np.all(w == 1)


def test_ising_text_format_round_trip(tmp_path):
    m = random_model(integer=False)
    f = tmp_path / "net.txt"
    write_ising(m, f)
    back = read_ising(f)
    np.testing.assert_array_equal(back.dense(), m.dense())
    np.testing.assert_array_equal(back.h, m.h)
    f.write_text("spins 2\nJ 1 2 1.5\nx 1 2\n")
    with pytest.raises(ConfigError, match="line 3"):
        read_ising(f)


def test_maxcut_network_energy_is_the_cut():
    # cut = (W - E)/2 for J = -w (module docstring of ising.py)
    rng = np.random.default_rng(0)
    edges = np.array([(i, j) for i in range(8) for j in range(i + 1, 8) if rng.random() < 0.5])
    w = rng.integers(1, 4, size=len(edges)).astype(float)
    m = maxcut_model(8, edges, w)
    s = all_states(8)
    np.testing.assert_allclose(m.cut_value(s), (w.sum() - m.energy(s)) / 2, rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------- the sampler


@pytest.mark.parametrize("update", UPDATES)
def test_samples_the_boltzmann_distribution(update):
    """Final states of many independent replicas after 200 sweeps at beta = 0.6 (couplings up to
    |J| = 2: the random-scan asynchronous chain is still visibly off at 40 sweeps, within the
    noise from ~100 on) against the exact exp(-beta E)/Z by enumeration: a chi-square test at
    the 1e-3 level (deterministic seed; the level is the false-alarm probability of a correct
    sampler)."""
    m = random_model(n=5, p=0.8, seed=11)
    beta = 0.6
    run = sample(m, Schedule.constant(beta), 200, update=update, replicas=6000, seed=5)
    s = all_states(5)
    p = np.exp(-beta * m.energy(s))
    p /= p.sum()
    idx = ((run.final_state + 1) // 2) @ (1 << np.arange(4, -1, -1))
    counts = np.bincount(idx, minlength=32)
    chi2 = np.sum((counts - 6000 * p) ** 2 / (6000 * p))
    assert chi2 < stats.chi2.ppf(0.999, 31), (chi2, update)


def test_parallel_update_equals_the_simultaneous_colour_update():
    """The kernel updates a colour class spin by spin; a reference that updates every spin of a
    colour at once from the same inputs and the same random numbers (counter s N + i) must give
    the same states, sweep after sweep (integer couplings: the incremental inputs are exact)."""
    m = random_model(n=16, p=0.3, seed=2)
    beta, sweeps, seed = 0.7, 25, 9
    run = sample(m, Schedule.constant(beta), sweeps, update="parallel", replicas=1, seed=seed,
                 record=np.arange(16))
    k1, k2 = stream_keys(seed, np.array([0]))
    u0 = np.empty((1, 16))
    K.fill_uniforms_rows(k1, k2, np.uint64(1 << 62), u0)
    x = np.where(u0[0] < 0.5, 1.0, -1.0)
    J, h = m.dense(), m.h
    colours = m.colouring()
    for s in range(sweeps):
        u = np.empty(16)
        K.uniforms_at(k1[0], k2[0], (s * 16 + np.arange(16)).astype(np.uint64), u)
        for c in range(colours.max() + 1):
            sel = colours == c
            field = J @ x + h
            p_up = 1.0 / (1.0 + np.exp(-2 * beta * field))
            x[sel] = np.where(u[sel] < p_up[sel], 1.0, -1.0)
        np.testing.assert_array_equal(run.record[0, s], x.astype(np.int8))


@pytest.mark.parametrize("update", UPDATES)
def test_results_do_not_depend_on_the_thread_count(update):
    model = read_ising(GSET_DIR / "G43.txt")
    saved = numba.get_num_threads()
    runs = []
    try:
        for threads in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(threads)
            runs.append(sample(model, Schedule("linear", 0.1, 2.0), 30, update=update, replicas=3, seed=4))
    finally:
        numba.set_num_threads(saved)
    a, b = runs
    np.testing.assert_array_equal(a.final_state, b.final_state)
    np.testing.assert_array_equal(a.energy_trace, b.energy_trace)
    np.testing.assert_array_equal(a.best_state, b.best_state)
    assert a.accepted == b.accepted


def test_replica_results_do_not_depend_on_the_number_of_replicas():
    model = random_model(n=30, p=0.2, seed=1)
    a = sample(model, Schedule.constant(0.5), 20, replicas=2, seed=3)
    b = sample(model, Schedule.constant(0.5), 20, replicas=5, seed=3)
    np.testing.assert_array_equal(a.final_state, b.final_state[:2])


def test_clamped_spins_stay_put():
    model = random_model(n=10, seed=4)
    run = sample(model, Schedule.constant(1.0), 30, replicas=4, seed=1, clamp={0: 1, 3: -1}, record=[0, 3])
    assert np.all(run.record[:, :, 0] == 1) and np.all(run.record[:, :, 1] == -1)


def test_schedules():
    assert Schedule.parse("linear:0.1:2").betas(3).tolist() == [0.1, 1.05, 2.0]
    np.testing.assert_allclose(Schedule.parse("geometric:0.1:10").betas(3), [0.1, 1.0, 10.0], rtol=1e-12, atol=0)
    assert Schedule.parse("2.5").betas(2).tolist() == [2.5, 2.5]
    for bad in ("linear:1", "geometric:0:1", "cubic:1:2", "linear:a:b", "constant:-1"):
        with pytest.raises(ConfigError):
            Schedule.parse(bad)


# ---------------------------------------------------------------------------- Max-Cut


def brute_force_maxcut(n, edges, w):
    s = all_states(n)
    return float(np.max(np.sum(w * (1 - s[:, edges[:, 0]] * s[:, edges[:, 1]]) / 2, axis=1)))


@pytest.mark.parametrize("update", UPDATES)
def test_maxcut_finds_the_optimum_of_small_graphs(update):
    rng = np.random.default_rng(7)
    for trial in range(3):
        n = 14
        edges = np.array([(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.35])
        w = rng.integers(1, 4, size=len(edges)).astype(float)
        res = maxcut((n, edges, w), sweeps=300, update=update, replicas=4, seed=trial)
        assert res.cut == brute_force_maxcut(n, edges, w)


@pytest.mark.parametrize("graph,best", [("G1", 11624), ("G22", 13359), ("G43", 6660)])
def test_gset_targets(graph, best):
    """>= 99 % of the best-known cut with the command's defaults (1000 sweeps, 4 replicas,
    geometric 0.05 -> 3, seed 0); the shipped table is found by content."""
    res = maxcut(GSET_DIR / f"{graph}.txt")
    assert res.known_graph == graph and res.best_known_cut == best
    assert res.cut >= 0.99 * best
    assert res.cut <= best          # a cut above the best known would be a bug in the cut


def test_maxcut_of_an_ising_text_file(tmp_path):
    f = tmp_path / "ring.txt"
    f.write_text("spins 4\nJ 1 2 -1\nJ 2 3 -1\nJ 3 4 -1\nJ 4 1 -1\n")
    assert maxcut(f, sweeps=50).cut == 4
    f.write_text("spins 2\nJ 1 2 -1\nh 1 0.5\n")
    with pytest.raises(ConfigError, match="no biases"):
        maxcut(f, sweeps=5)


def test_time_and_energy_to_solution_from_device_numbers():
    n = 10
    edges = np.array([(i, (i + 1) % n) for i in range(n)])     # an even cycle: cut = n
    timing = DeviceTiming(2e-9, 3e-15)
    res = maxcut((n, edges, np.ones(n)), sweeps=50, replicas=2, seed=0, timing=timing)
    assert res.cut == n
    out = res.to_json()
    sweeps_needed = out["solution_sweep"]
    assert out["time_to_solution"] == pytest.approx(sweeps_needed * 2 * 2e-9, rel=1e-12, abs=0)   # 2 colours
    # N p-bits x 2 replicas powered for the time to solution, one random bit per tau_c each
    assert out["energy_to_solution"] == pytest.approx(n * 2 * sweeps_needed * 2 * 3e-15, rel=1e-12, abs=0)
    assert maxcut((n, edges, np.ones(n)), sweeps=5).to_json()["time_to_solution"] is None


# ---------------------------------------------------------------------------- command line


def test_cli_maxcut_json_keys(tmp_path, capsys):
    f = tmp_path / "g.txt"
    f.write_text("4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n")
    png = tmp_path / "conv.png"
    out = json.loads(run_subprocess("pbit", "maxcut", f, "--sweeps", 50, "--json", "--plot", png).stdout)
    for key in ("cut", "flips", "flips_per_second", "time_to_solution", "energy_to_solution"):
        assert key in out
    assert out["cut"] == 4 and out["time_to_solution"] is None and out["flips"] == 50 * 4 * 4
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    cal = tmp_path / "cal.json"
    cal.write_text(json.dumps({"centre": {"correlation_time": 1e-9}, "energy_per_flip": 2e-15}))
    out = json.loads(run_inprocess(capsys, "pbit", "maxcut", f, "--sweeps", 50, "--device", cal, "--json").stdout)
    assert out["time_to_solution"] > 0 and out["energy_to_solution"] > 0
    text = run_inprocess(capsys, "pbit", "maxcut", GSET_DIR / "G43.txt", "--sweeps", 20).stdout
    assert "(G43)" in text and "best-known 6660" in text


@pytest.mark.parametrize("args,where", [
    (("--schedule", "cubic:1:2"), "--schedule"),
    (("--device", "missing.toml"), "--device"),
])
def test_cli_maxcut_bad_options(tmp_path, capsys, args, where):
    f = tmp_path / "g.txt"
    f.write_text("2 1\n1 2 1\n")
    p = run_inprocess(capsys, "pbit", "maxcut", f, *args, ok=(2,))
    assert p.stderr.startswith("spinloss: error:") and where in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_cli_maxcut_bad_graph_file(tmp_path, capsys):
    f = tmp_path / "g.txt"
    f.write_text("3 1\n1 x 1\n")
    p = run_inprocess(capsys, "pbit", "maxcut", f, ok=(2,))
    assert p.stderr.strip() == f"spinloss: error: {f}: line 2: a vertex must be an integer, got 'x'"


def test_integer_table_is_bit_identical(monkeypatch):
    """Integer networks look the p-bit factor up in a per-sweep table: same arithmetic, same bits."""
    from spinloss.pbits import sampler as S

    model = read_ising(GSET_DIR / "G43.txt")
    assert S.integer_table_shift(model) == np.diff(model.indptr).max()
    a = sample(model, Schedule("geometric", 0.05, 3.0), 40, replicas=2, seed=8)
    monkeypatch.setattr(S, "integer_table_shift", lambda m: -1)
    b = sample(model, Schedule("geometric", 0.05, 3.0), 40, replicas=2, seed=8)
    np.testing.assert_array_equal(a.final_state, b.final_state)
    np.testing.assert_array_equal(a.energy_trace, b.energy_trace)
    assert S.integer_table_shift(random_model(integer=False)) == -1


def test_maxcut_reads_a_shipped_gset_graph_by_name(tmp_path, monkeypatch):
    from spinloss.cli.pbit import shipped_graph

    monkeypatch.chdir(tmp_path)
    assert shipped_graph("G22").endswith("data/gset/G22.txt")
    assert shipped_graph("G1.txt").endswith("data/gset/G1.txt")
    assert shipped_graph("G999") == "G999"                      # not shipped: the missing-file error follows
    (tmp_path / "G1").write_text("2 1\n1 2 1\n")
    assert shipped_graph("G1") == "G1"                          # a user's file of that name wins
