"""The classifier head: a small MLP over 16 x 96 embeddings, trained in numpy, exported as ONNX."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.wakeword.features import EMBEDDING_DIM, HEAD_WINDOW

INPUT_DIM = HEAD_WINDOW * EMBEDDING_DIM


@dataclass
class MlpHead:
    """Flatten, two ReLU layers, a sigmoid: openWakeWord's DNN head shape, small enough to cost
    microseconds per chunk. Inputs are standardised with the training set's mean and spread,
    folded into the first layer on export."""

    weights: list[npt.NDArray[np.float32]]
    biases: list[npt.NDArray[np.float32]]
    mean: npt.NDArray[np.float32]
    scale: npt.NDArray[np.float32]
    history: list[float] = field(default_factory=list)

    @staticmethod
    def create(
        hidden: int, rng: np.random.Generator, mean: npt.NDArray[np.float32], scale: npt.NDArray[np.float32]
    ) -> MlpHead:
        sizes = [INPUT_DIM, hidden, hidden, 1]
        weights = [
            (rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(np.float32)
            for a, b in itertools.pairwise(sizes)
        ]
        biases = [np.zeros(b, dtype=np.float32) for b in sizes[1:]]
        return MlpHead(weights, biases, mean, scale)

    def logits(
        self, x: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.float32], list[npt.NDArray[np.float32]]]:
        activations = [(x - self.mean) / self.scale]
        h = activations[0]
        for index, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = h @ w + b
            if index < len(self.weights) - 1:
                h = np.maximum(h, 0.0)
                activations.append(h)
        return h[:, 0], activations

    def predict(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        out = np.zeros(len(x), dtype=np.float32)
        for start in range(0, len(x), 8192):
            logits, _ = self.logits(x[start : start + 8192])
            out[start : start + 8192] = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
        return out


@dataclass(frozen=True)
class FitSettings:
    hidden: int = 48
    epochs: int = 25
    batch: int = 512
    learning_rate: float = 1e-3
    weight_decay: float = 1e-3
    input_noise: float = 0.3
    """Gaussian noise (in standardised units) added to every training input: the head must not
    rely on any one embedding value, which is what let the first heads memorise their negatives."""
    negative_weight: float = 8.0
    mining_epochs: int = 10
    """After the first pass, negatives the head still scores above `mining_score` weigh
    `mining_weight` times more for this many further epochs (hard-negative mining)."""
    mining_score: float = 0.05
    mining_weight: float = 5.0
    """Negatives count this much more than positives once classes are balanced: a false accept
    in a quiet living room costs more than asking the user to repeat the word."""


def fit(
    x: npt.NDArray[np.float32],
    y: npt.NDArray[np.float32],
    settings: FitSettings,
    rng: np.random.Generator,
    progress: Callable[[int, float], None] | None = None,
) -> MlpHead:
    """Adam on weighted binary cross-entropy; deterministic given `rng`."""
    mean = x.mean(axis=0).astype(np.float32)
    scale = (x.std(axis=0) + 1e-3).astype(np.float32)
    head = MlpHead.create(settings.hidden, rng, mean, scale)
    positives = max(1.0, float(y.sum()))
    negatives = max(1.0, float(len(y) - y.sum()))
    sample_weight = np.where(
        y > 0.5, len(y) / (2 * positives), settings.negative_weight * len(y) / (2 * negatives)
    )
    sample_weight = (sample_weight / sample_weight.mean()).astype(np.float32)
    params = [*head.weights, *head.biases]
    moments = [np.zeros_like(p) for p in params]
    velocities = [np.zeros_like(p) for p in params]
    step = 0
    for epoch in range(settings.epochs + settings.mining_epochs):
        if epoch == settings.epochs and settings.mining_epochs:
            hard = (y < 0.5) & (head.predict(x) >= settings.mining_score)
            sample_weight = np.where(hard, sample_weight * settings.mining_weight, sample_weight).astype(
                np.float32
            )
        order = rng.permutation(len(x))
        total = 0.0
        for start in range(0, len(order), settings.batch):
            batch = order[start : start + settings.batch]
            xb, yb, wb = x[batch], y[batch], sample_weight[batch]
            if settings.input_noise:
                xb = xb + rng.standard_normal(xb.shape, dtype=np.float32) * (settings.input_noise * scale)
            logits, activations = head.logits(xb)
            p = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
            total += float(np.sum(wb * -(yb * np.log(p + 1e-7) + (1 - yb) * np.log(1 - p + 1e-7))))
            grad = ((p - yb) * wb / len(batch))[:, None].astype(np.float32)
            weight_grads: list[npt.NDArray[np.float32]] = []
            bias_grads: list[npt.NDArray[np.float32]] = []
            for layer in range(len(head.weights) - 1, -1, -1):
                weight_grads.insert(
                    0, activations[layer].T @ grad + settings.weight_decay * head.weights[layer]
                )
                bias_grads.insert(0, grad.sum(axis=0))
                if layer:
                    grad = (grad @ head.weights[layer].T) * (activations[layer] > 0)
            step += 1
            for index, (param, g) in enumerate(zip(params, [*weight_grads, *bias_grads], strict=True)):
                moments[index] = 0.9 * moments[index] + 0.1 * g
                velocities[index] = 0.999 * velocities[index] + 0.001 * g * g
                m_hat = moments[index] / (1 - 0.9**step)
                v_hat = velocities[index] / (1 - 0.999**step)
                param -= (settings.learning_rate * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)
        head.history.append(total / len(x))
        if progress:
            progress(epoch, total / len(x))
    return head


def export_onnx(head: MlpHead, path: Path, name: str) -> None:
    """Write the head as an ONNX graph: input (batch, 16, 96) embeddings, output (batch, 1) score."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    # Fold the standardisation into the first layer: (x - m) / s @ W + b = x @ (W / s) + (b - (m / s) @ W)
    first_w: npt.NDArray[np.float32] = (head.weights[0] / head.scale[:, None]).astype(np.float32)
    first_b: npt.NDArray[np.float32] = (head.biases[0] - (head.mean / head.scale) @ head.weights[0]).astype(
        np.float32
    )
    weights = [first_w, *head.weights[1:]]
    biases = [first_b, *head.biases[1:]]
    initializers = [numpy_helper.from_array(np.array([-1, INPUT_DIM], dtype=np.int64), "flat_shape")]
    nodes = [helper.make_node("Reshape", ["embeddings", "flat_shape"], ["h0"])]
    layers: list[tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]] = list(
        zip(weights, biases, strict=True)
    )
    for index, (w, b) in enumerate(layers):
        initializers.append(numpy_helper.from_array(w.astype(np.float32), f"w{index}"))
        initializers.append(numpy_helper.from_array(b.astype(np.float32), f"b{index}"))
        out = f"z{index}"
        nodes.append(helper.make_node("Gemm", [f"h{index}", f"w{index}", f"b{index}"], [out]))
        if index < len(weights) - 1:
            nodes.append(helper.make_node("Relu", [out], [f"h{index + 1}"]))
    nodes.append(helper.make_node("Sigmoid", [f"z{len(weights) - 1}"], ["score"]))
    graph = helper.make_graph(
        nodes,
        name,
        [
            helper.make_tensor_value_info(
                "embeddings", TensorProto.FLOAT, ["batch", HEAD_WINDOW, EMBEDDING_DIM]
            )
        ],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["batch", 1])],
        initializers,
    )
    model = helper.make_model(graph, producer_name="ambient", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(model.SerializeToString())
    partial.replace(path)
