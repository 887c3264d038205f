"""`ambient wakeword adapt`: retune a head on the false wakes a household marked.

The first layer (the 1536 x 48 one that reads the embeddings) stays as trained; the second and the
output layer are refit. Every head ships with its first layer's activations on the positive windows
of its training recordings that it scores at least 0.5 (`<head>.anchors.npz`, 2,000 rows of 48,
never audio): the refit pushes the marked windows below the threshold while those anchors stay where
they were, and a penalty on moving away from the trained weights keeps the change as small as the
marks allow. Refitting only the output layer was tried first: a straight line in the last hidden
layer could not part the marked wakes from the word without losing the word too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.errors import ModelError
from ambient.wakeword.classifier import INPUT_DIM, MlpHead, export_onnx

ANCHOR_COUNT = 2000
"""Positive windows kept per head (48 first-layer activations each, float16: about 60 kB compressed)."""


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_head(path: Path) -> MlpHead:
    """A head exported by `export_onnx`, back as an MlpHead (its standardisation is folded into the
    first layer, so mean 0 and scale 1)."""
    import onnx
    from onnx import numpy_helper

    try:
        model = onnx.load(str(path))
    except Exception as error:
        raise ModelError(f"{path} cannot be read as ONNX ({error}); retrain it") from None
    tensors = {t.name: numpy_helper.to_array(t).astype(np.float32) for t in model.graph.initializer}
    layers = sorted(int(name[1:]) for name in tensors if name.startswith("w") and name[1:].isdigit())
    if layers != [0, 1, 2] or tensors["w0"].shape[0] != INPUT_DIM:
        raise ModelError(
            f"{path} is not one of our MLP heads; only heads from `ambient wakeword train` adapt"
        )
    return MlpHead(
        weights=[tensors[f"w{i}"] for i in layers],
        biases=[tensors[f"b{i}"] for i in layers],
        mean=np.zeros(INPUT_DIM, np.float32),
        scale=np.ones(INPUT_DIM, np.float32),
    )


def first_hidden(head: MlpHead, windows: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The first layer's activations, for flattened or (n, 16, 96) windows: what the refit reads."""
    flat = windows.reshape(len(windows), -1).astype(np.float32)
    _, activations = head.logits(flat)
    return activations[1]


def write_anchors(
    head_path: Path, positive_windows: npt.NDArray[np.float32], rng: np.random.Generator
) -> Path:
    """Store the first layer's activations on the head's positive training windows that it scores
    at least 0.5 (those a detection rests on), a sample of ANCHOR_COUNT."""
    head = load_head(head_path)
    flat = positive_windows.reshape(len(positive_windows), -1)
    flat = flat[head.predict(flat) >= 0.5]
    if len(flat) > ANCHOR_COUNT:
        flat = flat[np.sort(rng.choice(len(flat), ANCHOR_COUNT, replace=False))]
    hidden = first_hidden(head, flat).astype(np.float16)
    path = anchors_path(head_path)
    with path.open("wb") as out:
        np.savez_compressed(out, hidden=hidden, head_sha256=np.array(file_sha256(head_path)))
    return path


def anchors_path(head_path: Path) -> Path:
    return head_path.with_suffix(".anchors.npz")


def read_anchors(head_path: Path) -> npt.NDArray[np.float32]:
    path = anchors_path(head_path)
    if not path.is_file():
        raise ModelError(
            f"{head_path.name} has no anchors ({path.name}); make them with "
            f"`ambient wakeword anchors {head_path.stem}`"
        )
    with np.load(path) as data:
        if str(data["head_sha256"]) != file_sha256(head_path):
            raise ModelError(
                f"{path.name} belongs to another version of {head_path.name}; remake them with "
                f"`ambient wakeword anchors {head_path.stem}`"
            )
        return np.asarray(data["hidden"], dtype=np.float32)


@dataclass(frozen=True)
class AdaptSettings:
    threshold: float
    """The threshold the device uses for this word: marked windows must end below it."""
    margin: float = 1.0
    """How far (in logits) below the threshold a marked window is pushed, and how far above it an
    anchor may stay without pulling: a replay never lands on exactly the same chunk grid."""
    stay: float = 0.1
    """Penalty on moving away from the trained weights (without it the refit can raise scores
    elsewhere: wakes went up, not down, at 0.01)."""
    negative_weight: float = 1.0
    steps: int = 400
    learning_rate: float = 0.01
    # These constants were chosen on "computer" (its train split, marks from the shared read
    # speech at a loose threshold); benchmarks/wakeword_adapt.py reports "alexa" on its test split.


@dataclass(frozen=True)
class AdaptResult:
    head: MlpHead
    negatives: int
    negatives_above_before: int
    negatives_above_after: int
    anchor_recall_before: float
    anchor_recall_after: float


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def _forward(
    h1: npt.NDArray[np.float32], params: list[npt.NDArray[np.float32]]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    w1, b1, w2, b2 = params
    h2 = np.maximum(h1 @ w1 + b1, 0.0)
    return h2, h2 @ w2 + b2[0]


def adapt(
    head: MlpHead,
    anchors: npt.NDArray[np.float32],
    negatives: npt.NDArray[np.float32],
    settings: AdaptSettings,
) -> AdaptResult:
    """Refit the second and output layers (Adam) on a squared hinge: marked windows below the
    threshold by the margin, anchors not below where they were (capped at the margin above it),
    plus the penalty on moving away from the trained weights. A window already on its side pulls
    on nothing, so the change stays near what was marked."""
    if not len(negatives):
        raise ModelError('no false wakes are marked for this word yet; say "that wasn\'t for you" after one')
    marked = first_hidden(head, negatives)
    cut = _logit(settings.threshold)
    trained = [head.weights[1], head.biases[1], head.weights[2][:, 0], head.biases[2]]
    params = [p.astype(np.float32).copy() for p in trained]
    _, anchor_logits = _forward(anchors, trained)
    floor = np.minimum(anchor_logits, cut + settings.margin)
    _, marked_logits = _forward(marked, trained)
    before_neg, before_anchor = int((marked_logits >= cut).sum()), float((anchor_logits >= cut).mean())
    moments = [np.zeros_like(p) for p in params]
    velocities = [np.zeros_like(p) for p in params]
    total = len(anchors) + settings.negative_weight * len(marked)
    for step in range(1, settings.steps + 1):
        grads = [settings.stay * (p - t) for p, t in zip(params, trained, strict=True)]
        for inputs, is_marked in ((marked, True), (anchors, False)):
            h2, z = _forward(inputs, params)
            if is_marked:
                pull = settings.negative_weight * np.maximum(0.0, z - (cut - settings.margin))
            else:
                pull = -np.maximum(0.0, floor - z)
            dz = (pull / total).astype(np.float32)
            grads[2] += h2.T @ dz
            grads[3] += dz.sum(keepdims=True)
            dh = np.outer(dz, params[2]) * (h2 > 0)
            grads[0] += inputs.T @ dh
            grads[1] += dh.sum(axis=0)
        for index, (param, grad) in enumerate(zip(params, grads, strict=True)):
            moments[index] = 0.9 * moments[index] + 0.1 * grad
            velocities[index] = 0.999 * velocities[index] + 0.001 * grad * grad
            m_hat = moments[index] / (1 - 0.9**step)
            v_hat = velocities[index] / (1 - 0.999**step)
            param -= (settings.learning_rate * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)
    w1, b1, w2, b2 = params
    adapted = MlpHead(
        weights=[head.weights[0], w1, w2[:, None]],
        biases=[head.biases[0], b1, b2],
        mean=head.mean,
        scale=head.scale,
    )
    _, anchor_after = _forward(anchors, params)
    _, marked_after = _forward(marked, params)
    return AdaptResult(
        head=adapted,
        negatives=len(negatives),
        negatives_above_before=before_neg,
        negatives_above_after=int((marked_after >= cut).sum()),
        anchor_recall_before=before_anchor,
        anchor_recall_after=float((anchor_after >= cut).mean()),
    )


def save_adapted(result: AdaptResult, path: Path, name: str) -> None:
    export_onnx(result.head, path, name)
