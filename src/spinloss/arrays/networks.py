"""Layer shapes of the networks a workload holds in memory (docs/memory.md section 5), computed from
their architecture: nothing is downloaded.

Each network is a list of :class:`Layer` with its parameter count, the parameters an inference reads
(an embedding table is read only at the rows of the tokens) and its multiply-accumulates (MACs) per
inference. The totals are checked against the published counts in :data:`KNOWN`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..errors import ConfigError


@dataclass(frozen=True)
class Layer:
    """One layer: ``parameters`` (weights and biases), ``parameters_read`` per inference, ``macs`` per
    inference (counts, dimensionless)."""

    name: str
    kind: str
    parameters: int
    parameters_read: int
    macs: int


@dataclass(frozen=True)
class Network:
    name: str
    layers: tuple
    description: str

    @property
    def parameters(self) -> int:
        return sum(layer.parameters for layer in self.layers)

    @property
    def parameters_read(self) -> int:
        return sum(layer.parameters_read for layer in self.layers)

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    def to_json(self) -> dict:
        return {"name": self.name, "description": self.description, "parameters": self.parameters,
                "parameters_read": self.parameters_read, "macs": self.macs,
                "layers": [asdict(x) for x in self.layers]}


#: Published totals the computed networks are checked against.
KNOWN = {
    "resnet18": {"parameters": 11_689_512, "macs": 1.81e9,
                 "source": "torchvision ResNet18_Weights.IMAGENET1K_V1: 11,689,512 parameters, 1.81 GFLOPS "
                           "(multiply-accumulates) at 224 x 224 (He et al., CVPR 2016, Table 1: 1.8e9 FLOPs)"},
    "bert-tiny": {"parameters": 4.4e6,
                  "source": "BERT-Tiny, L = 2, H = 128, A = 2 (Turc et al., arXiv:1908.08962; model card "
                            "google/bert_uncased_L-2_H-128_A-2: 4.4 M parameters)"},
}


def conv(name, c_in, c_out, k, stride, h_in, bias=False):
    """A k x k convolution with 'same' padding: weights k^2 c_in c_out (+ c_out biases); output
    ceil(h_in / stride) squared; MACs = h_out^2 k^2 c_in c_out."""
    h_out = -(-h_in // stride)
    w = k * k * c_in * c_out + (c_out if bias else 0)
    return Layer(name, "conv", w, w, h_out * h_out * k * k * c_in * c_out), h_out


def norm(name, c):
    """Batch or layer norm: a scale and a shift per channel (folded into the neighbouring layer's
    arithmetic at inference: no MACs counted)."""
    return Layer(name, "norm", 2 * c, 2 * c, 0)


def linear(name, n_in, n_out, tokens=1, bias=True):
    w = n_in * n_out + (n_out if bias else 0)
    return Layer(name, "linear", w, w, tokens * n_in * n_out)


def resnet18(num_classes: int = 1000, image_size: int = 224) -> Network:
    """ResNet-18 (He et al., CVPR 2016): a 7x7/2 stem with 64 channels and a 3x3/2 max pool, four
    stages of two basic blocks (64, 128, 256, 512 channels; the first block of stages 2-4 strides 2
    and has a 1x1/2 projection), global average pooling and a fully connected classifier."""
    layers = []
    stem, h = conv("conv1", 3, 64, 7, 2, image_size)
    layers += [stem, norm("bn1", 64)]
    h = -(-h // 2)                                        # max pool 3x3/2
    c_in = 64
    for stage, c in enumerate((64, 128, 256, 512), start=1):
        for block in range(2):
            stride = 2 if (stage > 1 and block == 0) else 1
            p = f"layer{stage}.{block}"
            a, h_out = conv(f"{p}.conv1", c_in, c, 3, stride, h)
            b, _ = conv(f"{p}.conv2", c, c, 3, 1, h_out)
            layers += [a, norm(f"{p}.bn1", c), b, norm(f"{p}.bn2", c)]
            if stride != 1 or c_in != c:
                d, _ = conv(f"{p}.downsample", c_in, c, 1, stride, h)
                layers += [d, norm(f"{p}.downsample.bn", c)]
            c_in, h = c, h_out
    layers.append(linear("fc", 512, num_classes))
    return Network("resnet18", tuple(layers), f"ResNet-18, {num_classes} classes, {image_size} x {image_size} input")


def transformer(name: str = "transformer", *, layers: int, d_model: int, heads: int, d_ff: int, vocab: int,
                max_positions: int, sequence_length: int, type_vocab: int = 2, pooler: bool = True) -> Network:
    """A BERT-style encoder (Devlin et al., NAACL 2019): token, position and segment embeddings with a
    layer norm; per layer the Q, K, V and output projections (d x d with biases), a layer norm, a
    feed-forward d -> d_ff -> d, a layer norm; an optional pooler (d x d). An inference of
    ``sequence_length`` tokens reads the embedding rows of its tokens only, every other weight once,
    and does 4 s d^2 + 2 s^2 d (attention scores and the weighted sum) + 2 s d d_ff MACs per layer."""
    if d_model % heads:
        raise ConfigError("<network>", "heads", "must divide d_model")
    s = sequence_length
    out = [Layer("embeddings.word", "embedding", vocab * d_model, min(s, vocab) * d_model, 0),
           Layer("embeddings.position", "embedding", max_positions * d_model, min(s, max_positions) * d_model, 0),
           Layer("embeddings.segment", "embedding", type_vocab * d_model, min(s, type_vocab) * d_model, 0),
           norm("embeddings.norm", d_model)]
    for i in range(layers):
        p = f"layer{i}"
        for proj in ("query", "key", "value", "output"):
            out.append(linear(f"{p}.attention.{proj}", d_model, d_model, tokens=s))
        out.append(Layer(f"{p}.attention.scores", "attention", 0, 0, 2 * s * s * d_model))
        out += [norm(f"{p}.attention.norm", d_model), linear(f"{p}.ffn.in", d_model, d_ff, tokens=s),
                linear(f"{p}.ffn.out", d_ff, d_model, tokens=s), norm(f"{p}.ffn.norm", d_model)]
    if pooler:
        out.append(linear("pooler", d_model, d_model))
    return Network(name, tuple(out), f"transformer encoder: {layers} layers, d = {d_model}, {heads} heads, "
                                     f"d_ff = {d_ff}, vocabulary {vocab}, {s} tokens per inference")


def bert_tiny(sequence_length: int = 128) -> Network:
    """BERT-Tiny (Turc et al., arXiv:1908.08962): 2 layers, d = 128, 2 heads, d_ff = 512, the BERT
    uncased vocabulary of 30522 tokens, 512 positions."""
    return transformer("bert-tiny", layers=2, d_model=128, heads=2, d_ff=512, vocab=30522, max_positions=512,
                       sequence_length=sequence_length)


NETWORKS = {"resnet18": resnet18, "bert-tiny": bert_tiny}
