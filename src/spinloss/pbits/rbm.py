"""A restricted Boltzmann machine trained by contrastive divergence with the p-bit sampler
(docs/pbits.md section 6).

Model (spins +-1, as every network here): visible v (V,), hidden h (H,),
E(v, h) = -v.W.h - b.v - c.h. The graph is bipartite, so it has two colours and the p-computer's
parallel update samples all hidden p-bits at once given v (p-bit inputs I_h = W^T v + c) and all
visible ones given h (I_v = W h + b): m = +1 with probability (1 + tanh(I))/2, beta = 1 (the
weights carry the scale). The uniforms come from the counter-based generator of
:mod:`spinloss.pbits.kernels`, keyed by (seed, epoch, batch, step, unit).

Training: CD-k [G. E. Hinton, Neural Comput. 14, 1771 (2002)]: for a mini-batch of data v_0
(pixel intensities x in [0, 1] as mean spins 2x - 1, the usual real-valued visible input),
h_0 ~ p(h | v_0) by p-bits, then k alternating colour updates give v_k, and
dW = eta (<v_0 tanh(I_h(v_0))> - <v_k tanh(I_h(v_k))>) (the hidden means in both phases: a
Rao-Blackwellized estimate), likewise for b and c, with an L2 weight decay.

Features: the hidden means tanh(W^T v + c) of each image feed a multinomial logistic regression
(softmax, L2-regularized, trained by gradient descent in numpy); the accuracy on held-out images
measures what the RBM learned without labels.

Device cost of the sampling: every p-bit update is one random bit of a device p-bit, so the
sampling energy is (updates) x E_bit, and the device time is (colour phases) x tau_c when each
image of a batch has its own p-bit array (docs/pbits.md).

Data: scikit-learn's bundled 8x8 digits (1,797 images, no download; an optional dependency:
``pip install 'spinloss[pbit]'``).
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field

import numpy as np

from ..dynamics.rng import stream_keys
from ..errors import SpinlossInputError
from ..io import JsonResult
from ..progress import Counter
from . import kernels as K
from .sampler import DeviceTiming

#: Defaults of ``spinloss pbit learn`` (docs/pbits.md section 6; measured, seeds 0-2: 128 hidden
#: units, 10 epochs give 94.2-95.5 % held-out accuracy, 5 epochs 93.5-94.4 %, 20 epochs 94.0-95.3 %;
#: 64 hidden units 91.5-94.4 %).
DEFAULT_HIDDEN = 128
DEFAULT_EPOCHS = 10
DEFAULT_BATCH = 20
DEFAULT_LEARNING_RATE = 0.02
DEFAULT_CD_STEPS = 1
DEFAULT_WEIGHT_DECAY = 1e-4
#: Held-out fraction of the images (a fixed, seeded split).
TEST_FRACTION = 0.25
#: The classifier's L2 penalty and gradient-descent steps.
CLASSIFIER_L2 = 1e-3
CLASSIFIER_STEPS = 1000
CLASSIFIER_RATE = 0.5


def load_digits_data():
    """(images (1797, 64) in [0, 1], labels (1797,)) from scikit-learn's bundled 8x8 digits.
    Raises SpinlossInputError (one line) when scikit-learn is not installed."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise SpinlossInputError("<environment>", "scikit-learn",
                                 "not installed: the 8x8 digits ship with scikit-learn "
                                 "(pip install 'spinloss[pbit]' or pip install scikit-learn)") from None
    d = load_digits()
    return np.asarray(d.data, dtype=float) / 16.0, np.asarray(d.target, dtype=np.int64)


def split(n: int, seed: int, test_fraction: float = TEST_FRACTION):
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xD161]))
    perm = rng.permutation(n)
    k = int(round(n * test_fraction))
    return perm[k:], perm[:k]


class PbitUniforms:
    """Uniforms in (0, 1) for the RBM's p-bits: stream (seed, 0), consecutive counters handed out
    in blocks, so every draw of a training run has its own counter."""

    def __init__(self, seed: int):
        k1, k2 = stream_keys(seed, np.array([0x52424D], dtype=np.int64))
        self.k1, self.k2 = k1[0], k2[0]
        self.counter = 0

    def draw(self, shape) -> np.ndarray:
        out = np.empty(int(np.prod(shape)))
        K.fill_uniforms(self.k1, self.k2, np.uint64(self.counter), out)
        self.counter += out.size
        return out.reshape(shape)


def pbit_update(inputs, uniforms) -> np.ndarray:
    """The p-bit rule for a whole colour at once: +1 where u < sigma(2 I) (module docstring)."""
    return np.where(uniforms * (1.0 + np.exp(-2.0 * inputs)) < 1.0, 1.0, -1.0)


@dataclass
class RBMResult(JsonResult):
    """A trained RBM and what it achieved (JSON keys are the command's)."""

    weights: np.ndarray
    visible_bias: np.ndarray
    hidden_bias: np.ndarray
    accuracy: float
    train_accuracy: float
    pixel_accuracy: float
    reconstruction_error: list
    settings: dict
    updates: int
    colour_phases: int
    training_time: float
    classifier_time: float
    timing: DeviceTiming | None = None
    notes: list = field(default_factory=list)

    def as_dict(self) -> dict:
        e = t = None
        if self.timing is not None:
            t = self.colour_phases * self.timing.correlation_time
            if self.timing.energy_per_flip is not None:
                e = self.updates * self.timing.energy_per_flip
        return {"accuracy": self.accuracy, "train_accuracy": self.train_accuracy,
                "raw_pixel_accuracy": self.pixel_accuracy, "reconstruction_error": self.reconstruction_error,
                "training_time": self.training_time, "classifier_time": self.classifier_time,
                "sampling_updates": self.updates, "colour_phases": self.colour_phases,
                "sampling_time": t, "sampling_energy": e, "settings": self.settings, "notes": self.notes,
                "device": None if self.timing is None else {"source": self.timing.source,
                                                            "correlation_time": self.timing.correlation_time,
                                                            "energy_per_flip": self.timing.energy_per_flip},
                "units": {"colour_phases": "1", "sampling_updates": "1", "batch": "1", "cd_steps": "1", "epochs": "1", "hidden": "1", "learning_rate": "1", "seed": "1", "test_images": "1", "train_images": "1", "visible": "1", "weight_decay": "1", "training_time": "s", "classifier_time": "s", "sampling_time": "s",
                          "sampling_energy": "J", "accuracy": "1", "train_accuracy": "1", "raw_pixel_accuracy": "1",
                          "reconstruction_error": "1", "correlation_time": "s", "energy_per_flip": "J"}}


def train_rbm(data, *, hidden: int = DEFAULT_HIDDEN, epochs: int = DEFAULT_EPOCHS, batch: int = DEFAULT_BATCH,
              learning_rate: float = DEFAULT_LEARNING_RATE, cd_steps: int = DEFAULT_CD_STEPS,
              weight_decay: float = DEFAULT_WEIGHT_DECAY, seed: int = 0, progress=None):
    """CD-k training on ``data`` (n, V) in [0, 1] (module docstring). Returns (W, b, c,
    reconstruction errors per epoch, p-bit updates, colour phases, wall time)."""
    x = np.asarray(data, dtype=float)
    if x.ndim != 2 or np.any(x < 0) or np.any(x > 1):
        raise SpinlossInputError("<api>", "data", "must be (n, V) with values in [0, 1]")
    n, nv = x.shape
    for name, v, lo in (("hidden", hidden, 1), ("epochs", epochs, 1), ("batch", batch, 1), ("cd_steps", cd_steps, 1)):
        if int(v) < lo:
            raise SpinlossInputError("<api>", name, f"must be >= {lo}")
    if not (learning_rate > 0 and math.isfinite(learning_rate)):
        raise SpinlossInputError("<api>", "learning_rate", "must be > 0")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x57]))
    W = rng.normal(scale=0.01, size=(nv, hidden))
    vm = 2 * x - 1
    b = np.arctanh(np.clip(vm.mean(axis=0), -0.95, 0.95))     # the data's mean spins at W = 0
    c = np.zeros(hidden)
    uni = PbitUniforms(seed)
    order_rng = np.random.default_rng(np.random.SeedSequence([seed, 0x0D]))
    updates = 0
    phases = 0
    recon = []
    t0 = _time.perf_counter()
    with Counter(progress, "epochs", total=epochs, unit="epoch") as counter:
        for ep in range(epochs):
            perm = order_rng.permutation(n)
            err = 0.0
            for s in range(0, n, batch):
                v0 = vm[perm[s:s + batch]]
                m = v0.shape[0]
                ph0 = np.tanh(v0 @ W + c)
                h = pbit_update(v0 @ W + c, uni.draw((m, hidden)))
                for _ in range(cd_steps):
                    v = pbit_update(h @ W.T + b, uni.draw((m, nv)))
                    h = pbit_update(v @ W + c, uni.draw((m, hidden)))
                phk = np.tanh(v @ W + c)
                updates += m * (hidden + cd_steps * (nv + hidden))
                phases += 1 + 2 * cd_steps
                W += learning_rate * ((v0.T @ ph0 - v.T @ phk) / m - weight_decay * W)
                b += learning_rate * (v0 - v).mean(axis=0)
                c += learning_rate * (ph0 - phk).mean(axis=0)
                err += float(np.sum((v0 - np.tanh(ph0 @ W.T + b)) ** 2))
            recon.append(err / (n * nv * 4.0))      # mean squared error in pixel units (spins / 2)
            counter.set(ep + 1)
    return W, b, c, recon, updates, phases, _time.perf_counter() - t0


def hidden_features(data, W, c) -> np.ndarray:
    """The hidden means tanh(W^T v + c) of images ``data`` (n, V) in [0, 1]."""
    return np.tanh((2 * np.asarray(data, dtype=float) - 1) @ W + c)


def fit_softmax(features, labels, *, l2: float = CLASSIFIER_L2, steps: int = CLASSIFIER_STEPS,
                rate: float = CLASSIFIER_RATE):
    """Multinomial logistic regression by full-batch gradient descent (numpy): returns the weights
    (F + 1, classes), the last column of the features being a constant 1 (the bias); features are
    standardized by the caller."""
    X = np.column_stack([features, np.ones(len(features))])
    k = int(labels.max()) + 1
    Y = np.eye(k)[labels]
    Wc = np.zeros((X.shape[1], k))
    for _ in range(steps):
        z = X @ Wc
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = X.T @ (p - Y) / len(X) + l2 * np.vstack([Wc[:-1], np.zeros((1, k))])
        Wc -= rate * grad
    return Wc


def classify(features, Wc) -> np.ndarray:
    X = np.column_stack([features, np.ones(len(features))])
    return np.argmax(X @ Wc, axis=1)


def _accuracy(train_f, train_y, test_f, test_y):
    mu, sd = train_f.mean(axis=0), train_f.std(axis=0) + 1e-8
    Wc = fit_softmax((train_f - mu) / sd, train_y)
    return (float(np.mean(classify((test_f - mu) / sd, Wc) == test_y)),
            float(np.mean(classify((train_f - mu) / sd, Wc) == train_y)))


def learn_digits(*, hidden: int = DEFAULT_HIDDEN, epochs: int = DEFAULT_EPOCHS, batch: int = DEFAULT_BATCH,
                 learning_rate: float = DEFAULT_LEARNING_RATE, cd_steps: int = DEFAULT_CD_STEPS, seed: int = 0,
                 timing: DeviceTiming | None = None, progress=None) -> RBMResult:
    """Train an RBM on the 8x8 digits (the training 75 % of a seeded split, without labels), then
    a softmax classifier on its hidden means; ``accuracy`` is on the held-out 25 %. The same
    classifier on the raw pixels is reported beside it (``raw_pixel_accuracy``)."""
    x, y = load_digits_data()
    tr, te = split(len(x), seed)
    W, b, c, recon, updates, phases, t_train = train_rbm(
        x[tr], hidden=hidden, epochs=epochs, batch=batch, learning_rate=learning_rate, cd_steps=cd_steps,
        seed=seed, progress=progress)
    t0 = _time.perf_counter()
    acc, acc_train = _accuracy(hidden_features(x[tr], W, c), y[tr], hidden_features(x[te], W, c), y[te])
    t_cls = _time.perf_counter() - t0
    pix, _ = _accuracy(x[tr], y[tr], x[te], y[te])
    notes = []
    if timing is None:
        notes.append("sampling_time and sampling_energy need device numbers: give --device")
    settings = {"hidden": hidden, "visible": int(x.shape[1]), "epochs": epochs, "batch": batch,
                "learning_rate": learning_rate, "cd_steps": cd_steps, "weight_decay": DEFAULT_WEIGHT_DECAY,
                "seed": seed, "train_images": int(len(tr)), "test_images": int(len(te)),
                "classifier": f"softmax regression, L2 {CLASSIFIER_L2:g}, {CLASSIFIER_STEPS} gradient steps"}
    return RBMResult(weights=W, visible_bias=b, hidden_bias=c, accuracy=acc, train_accuracy=acc_train,
                     pixel_accuracy=pix, reconstruction_error=recon, settings=settings, updates=updates,
                     colour_phases=phases, training_time=t_train, classifier_time=t_cls, timing=timing, notes=notes)
