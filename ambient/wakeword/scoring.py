"""Engines seen the same way by evaluation and benchmarks: a stream of 80 ms chunks in, one score per
chunk out, for one wake word."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ambient.errors import DependencyError, ModelError
from ambient.models import ModelStore
from ambient.wakeword.engine import WakeWordEngine
from ambient.wakeword.features import FeatureModels
from ambient.wakeword.head_manifest import HEADS_DIR, verify_head
from ambient.wakeword.heads import WakeWordHead
from ambient.wakeword.policy import TriggerSettings


class ChunkScorer(Protocol):
    name: str

    def reset(self) -> None: ...

    def score(self, chunk: npt.NDArray[np.int16]) -> float:
        """This chunk's score in [0, 1] (0 while the engine is still warming up)."""
        ...


def head_path(model: str) -> Path:
    """A head by name (`computer` -> models/computer.onnx) or by path."""
    path = Path(model)
    if path.suffix == ".onnx":
        return path
    candidate = HEADS_DIR / f"{model}.onnx"
    if not candidate.is_file():
        known = ", ".join(sorted(p.stem for p in HEADS_DIR.glob("*.onnx"))) or "none"
        raise ModelError(
            f"no wake-word head named {model!r} in {HEADS_DIR} (shipped: {known}); "
            f"train it with `ambient wakeword train {model}`"
        )
    verify_head(candidate)  # a shipped head is the one the manifest names, byte for byte
    return candidate


class AmbientScorer:
    """Our streaming engine with one head (no trigger policy: evaluation sweeps the threshold)."""

    def __init__(self, model: str, store: ModelStore | None = None) -> None:
        store = store or ModelStore()
        path = head_path(model)
        features = FeatureModels(store.path("wakeword_melspectrogram"), store.path("wakeword_embedding"))
        self.name = f"ambient:{path.stem}"
        self.engine = WakeWordEngine(
            features, [(WakeWordHead(path.stem, path), TriggerSettings(threshold=1.1))]
        )

    def reset(self) -> None:
        self.engine.reset()

    def score(self, chunk: npt.NDArray[np.int16]) -> float:
        self.engine.process(chunk)
        return self.engine.scores[0] if self.engine.features.ready else 0.0


class MicroWakeWordScorer:
    """microWakeWord through pymicro-wakeword (TFLite Micro models it ships: alexa, hey_jarvis, ...).

    Its score is the mean of the last `sliding_window_size` probabilities, exactly what it compares
    with its own cutoff.
    """

    def __init__(self, model: str) -> None:
        try:
            from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model
        except ImportError:
            raise DependencyError(
                "microWakeWord needs pymicro-wakeword: pip install 'ambient[micro]'"
            ) from None
        try:
            builtin = Model(model)
        except ValueError:
            known = ", ".join(m.value for m in Model)
            raise ModelError(f"microWakeWord has no model {model!r}; it ships {known}") from None
        self.name = f"micro:{model}"
        self._model_cls, self._features_cls, self._builtin = MicroWakeWord, MicroWakeWordFeatures, builtin
        self._model = MicroWakeWord.from_builtin(builtin)
        self._features = MicroWakeWordFeatures()
        self._last = 0.0

    def reset(self) -> None:
        self._model.reset()
        self._features.reset()
        self._last = 0.0

    def score(self, chunk: npt.NDArray[np.int16]) -> float:
        for features in self._features.process_streaming(chunk.tobytes()):
            probability = self._model.process_streaming_prob(features)
            if probability is not None:
                self._last = float(probability)
        return self._last


def scorer_for(model: str, store: ModelStore | None = None) -> ChunkScorer:
    """`micro:NAME` for microWakeWord, anything else is one of our heads."""
    if model.startswith("micro:"):
        return MicroWakeWordScorer(model.removeprefix("micro:"))
    return AmbientScorer(model, store)
