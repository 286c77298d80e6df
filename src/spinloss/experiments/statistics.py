"""Statistics of Monte Carlo experiments: binomial intervals and the logistic fit of P(J).

One home for each estimator used by the switching, WER and p-bit experiments.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import SpinlossInputError

#: z of a 95 % two-sided normal interval.
Z95 = 1.959963984540054


def wilson_score(k, n, z=Z95):
    """Centre and half-width of the Wilson score interval for k successes in n trials (k may be
    an array); z = 1.96 is 95 %, z = 1 about 68 %."""
    if n <= 0:
        raise SpinlossInputError(None, "trials", "must be > 0")
    p = np.asarray(k, dtype=float) / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return centre, half


def wilson_interval(k, n, z=Z95):
    """Wilson score interval (lo, hi) for a binomial proportion k/n (default 95 %)."""
    centre, half = wilson_score(k, n, z)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def clopper_pearson_interval(k, n, confidence=0.95):
    """Exact (Clopper-Pearson) binomial interval."""
    from scipy.stats import beta

    a = 1.0 - confidence
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def logistic_fit(x, k, n):
    """Maximum-likelihood fit of P(x) = 1/(1 + exp(-(x - x50)/w)) to k successes of n at each x.

    Returns ``(x50, standard error of x50 from the Fisher information, w)``, or
    ``(None, None, None)`` when the data do not cross 50 %."""
    from scipy.optimize import minimize

    x = np.asarray(x, dtype=float)
    k = np.asarray(k, dtype=float)
    p = k / n
    if not (np.any(p < 0.5) and np.any(p > 0.5)):
        return None, None, None
    scale = float(np.max(np.abs(x)))
    xs = x / scale
    i = int(np.argmax(p > 0.5))
    x0 = [xs[i], max((xs[-1] - xs[0]) / 10, 1e-3)]

    def nll(theta):
        c, lw = theta[0], theta[1]
        wv = abs(lw) + 1e-9
        z = (xs - c) / wv
        lp = -np.logaddexp(0, -z)
        lq = -np.logaddexp(0, z)
        return -np.sum(k * lp + (n - k) * lq)

    r = minimize(nll, x0, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    c, wv = r.x[0], abs(r.x[1]) + 1e-9
    z = (xs - c) / wv
    q = 1 / (1 + np.exp(-z))
    wts = n * q * (1 - q)
    info = np.array([[np.sum(wts) / wv**2, np.sum(wts * z) / wv**2],
                     [np.sum(wts * z) / wv**2, np.sum(wts * z**2) / wv**2]])
    try:
        cov = np.linalg.inv(info)
        err = math.sqrt(max(cov[0, 0], 0.0))
    except np.linalg.LinAlgError:
        err = float("nan")
    return c * scale, err * scale, wv * scale
