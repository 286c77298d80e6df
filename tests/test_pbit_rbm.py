"""The RBM trained with p-bits on scikit-learn's 8x8 digits (skipped without scikit-learn)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from spinloss.pbits.rbm import PbitUniforms, fit_softmax, classify, pbit_update, train_rbm
from spinloss.pbits.sampler import DeviceTiming


def test_pbit_update_probabilities():
    """P(+1) = (1 + tanh(I))/2 for the block update: 2e5 draws per input, s.e. <= 1.2e-3, 5 of them."""
    uni = PbitUniforms(3)
    inputs = np.array([-1.5, -0.3, 0.0, 0.4, 2.0])
    m = pbit_update(np.broadcast_to(inputs, (200_000, 5)), uni.draw((200_000, 5)))
    p = (m > 0).mean(axis=0)
    np.testing.assert_allclose(p, (1 + np.tanh(inputs)) / 2, rtol=0, atol=6e-3)


def test_softmax_separates_separable_data():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(loc=c, scale=0.3, size=(50, 2)) for c in ((0, 0), (3, 0), (0, 3))])
    y = np.repeat(np.arange(3), 50)
    assert np.mean(classify(X, fit_softmax(X, y)) == y) == 1.0


def test_rbm_learns_a_bars_pattern():
    """Two prototype images (left half on / right half on) with 5 % pixel noise: after CD-1 the
    one-step reconstruction error falls well below its start (a generative model of the data)."""
    rng = np.random.default_rng(1)
    proto = np.array([[1.0] * 8 + [0.0] * 8, [0.0] * 8 + [1.0] * 8])
    data = proto[rng.integers(0, 2, 400)]
    data = np.abs(data - (rng.random(data.shape) < 0.05))
    *_, recon, updates, phases, _ = train_rbm(data, hidden=4, epochs=20, batch=20, learning_rate=0.05, seed=0)
    assert recon[-1] < 0.5 * recon[0]
    assert updates == 20 * 400 * (4 + 16 + 4) and phases == 20 * 20 * 3


def test_digits_accuracy():
    """>= 90 % held-out accuracy from the learned features with the command's defaults."""
    pytest.importorskip("sklearn", reason="scikit-learn (optional extra 'pbit') is not installed")
    from spinloss.pbits.rbm import learn_digits

    res = learn_digits(seed=0, timing=DeviceTiming(2e-9, 3e-15))
    out = res.to_json()
    assert out["accuracy"] >= 0.90
    assert out["sampling_energy"] == pytest.approx(out["sampling_updates"] * 3e-15, rel=1e-12, abs=0)
    assert out["sampling_time"] == pytest.approx(out["colour_phases"] * 2e-9, rel=1e-12, abs=0)


def test_cli_learn(capsys):
    pytest.importorskip("sklearn", reason="scikit-learn (optional extra 'pbit') is not installed")
    from pbit_cli import run_inprocess

    out = json.loads(run_inprocess(capsys, "pbit", "learn", "--epochs", "2", "--hidden", "32", "--json").stdout)
    for key in ("accuracy", "training_time", "sampling_energy", "sampling_updates"):
        assert key in out


def test_missing_scikit_learn_is_one_line(tmp_path):
    """With scikit-learn hidden, the command exits 2 with one line naming it."""
    shim = tmp_path / "sitecustomize.py"
    shim.write_text("import sys\nsys.modules['sklearn'] = None\n")
    env = dict(__import__("os").environ, PYTHONPATH=str(tmp_path))
    p = subprocess.run([sys.executable, "-m", "spinloss", "pbit", "learn"], capture_output=True, text=True,
                       timeout=600, env=env)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip().startswith("spinloss: error: <environment>: scikit-learn: not installed")
