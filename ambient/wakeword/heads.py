"""Classifier heads: small ONNX models that score the latest 16 embeddings (openWakeWord format)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from ambient.errors import ModelError
from ambient.onnx_session import CompiledRunner, open_session
from ambient.wakeword.features import EMBEDDING_DIM, HEAD_WINDOW


class WakeWordHead:
    """One wake word's classifier, bound once to every window of the embedding ring."""

    def __init__(self, name: str, path: Path) -> None:
        if not path.is_file():
            raise ModelError(
                f"wake-word head {path} not found; train it with `ambient wakeword train` "
                "or set wakeword.models"
            )
        self.name = name
        self.path = path
        self.session = open_session(path)
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        shape = list(inputs[0].shape) if len(inputs) == 1 else []
        if len(shape) != 3 or shape[1:] != [HEAD_WINDOW, EMBEDDING_DIM] or len(outputs) != 1:
            raise ModelError(
                f"wake-word head {path} takes input {shape or [i.shape for i in inputs]}, "
                f"not [batch, {HEAD_WINDOW}, {EMBEDDING_DIM}] embeddings; retrain it with "
                "`ambient wakeword train`"
            )
        self._input = inputs[0].name
        self._output = outputs[0].name
        self.score = np.zeros((1, 1), dtype=np.float32)
        self._score_flat = self.score.reshape(-1)
        self._runner = CompiledRunner(self.session)
        self._bindings: list[object] = []

    def bind(self, windows: list[npt.NDArray[np.float32]]) -> None:
        """Prebuild one binding per ring window (views into the streaming extractor's ring)."""
        self._bindings = []
        for window in windows:
            binding = self.session.io_binding()
            binding.bind_ortvalue_input(self._input, ort.OrtValue.ortvalue_from_numpy(window))
            binding.bind_ortvalue_output(self._output, ort.OrtValue.ortvalue_from_numpy(self.score))
            self._bindings.append(self._runner.prepare(binding))

    def run_bound(self, slot: int) -> float:
        self._runner.run(self._bindings[slot])
        return float(self._score_flat.item(0))

    def score_batch(self, windows: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Scores for many (16, 96) windows at once (training and evaluation of features)."""
        out = self.session.run(None, {self._input: windows.astype(np.float32, copy=False)})[0]
        return np.asarray(out, dtype=np.float32).reshape(-1)
