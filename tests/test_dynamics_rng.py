"""Counter-based Gaussian generator (spinloss.dynamics.rng)."""

import numpy as np
from scipy import stats

from spinloss.dynamics.rng import standard_normal, stream_keys


def test_moments_and_normality():
    g = standard_normal(seed=7, stream_ids=np.arange(1000), counters=np.arange(400)).ravel()
    n = g.size  # 1.2e6 draws
    se = 1 / np.sqrt(n)
    # 5-sigma statistical tolerances from the known moments of N(0,1):
    # var(g) = 1, var(g^2) = 2, var(g^3) = 15, var(g^4) = 96
    assert abs(g.mean()) < 5 * se
    assert abs(np.mean(g**2) - 1) < 5 * np.sqrt(2) * se
    assert abs(np.mean(g**3)) < 5 * np.sqrt(15) * se
    assert abs(np.mean(g**4) - 3) < 5 * np.sqrt(96) * se
    assert stats.kstest(g, "norm").pvalue > 1e-3
    # tails: P(|g| > 3) = 2.70e-3, binomial 5-sigma tolerance
    p3 = 2 * stats.norm.sf(3)
    assert abs(np.mean(np.abs(g) > 3) - p3) < 5 * np.sqrt(p3 / n)


def test_independence_between_components_streams_steps():
    g = standard_normal(seed=1, stream_ids=np.arange(2000), counters=np.arange(100))  # (100, 2000, 3)
    n = g.shape[0] * g.shape[1]
    tol = 5 / np.sqrt(n)  # correlation coefficient of independent normals has sd 1/sqrt(n)
    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert abs(np.mean(g[..., a] * g[..., b])) < tol
    assert abs(np.mean(g[1:, :, 0] * g[:-1, :, 0])) < tol  # consecutive steps
    assert abs(np.mean(g[:, 1:, 0] * g[:, :-1, 0])) < tol  # neighbouring streams


def test_pure_function_of_counter():
    a = standard_normal(3, [5, 9, 11], [0, 10, 123456789])
    b = standard_normal(3, [11], [123456789])
    assert a[2, 2].tolist() == b[0, 0].tolist()
    c = standard_normal(4, [5, 9, 11], [0, 10, 123456789])
    assert not np.any(a == c)
    k1, k2 = stream_keys(0, np.arange(100000))
    assert np.unique(k1).size == 100000 and np.unique(k2).size == 100000


def test_transform_matches_libm_box_muller():
    # the branch-free polynomial log/sin/cos against numpy's libm on the same random words
    from spinloss.dynamics.rng import normals_from_words, random_words, reference_normals

    w = random_words(seed=5, stream_ids=np.arange(500), counters=np.arange(200))
    g = standard_normal(seed=5, stream_ids=np.arange(500), counters=np.arange(200))
    assert np.array_equal(normals_from_words(w), g)
    ref = reference_normals(w)
    assert np.max(np.abs(g - ref) / np.maximum(1.0, np.abs(ref))) < 1e-12
    # extreme words: u = 1 (r = 0), smallest u (largest radius, sqrt(80 ln 2) = 7.45), both ends
    # of the angle grid, sign bit set
    ext = np.array([[0, 0], [2**64 - 1, 2**64 - 1], [(2**40 - 1) << 24, 2**23 - 1],
                    [2**23, (1 << 23) | 1], [((2**40 - 1) << 24) | 2**23, 0]], dtype=np.uint64)
    g = normals_from_words(ext)
    ref = reference_normals(ext)
    assert np.all(np.isfinite(g))
    assert np.max(np.abs(g - ref) / np.maximum(1.0, np.abs(ref))) < 1e-12
    assert np.max(np.abs(g)) <= np.sqrt(80 * np.log(2)) * (1 + 1e-12)
    assert g[0].tolist() == [0.0, 0.0, 0.0]
