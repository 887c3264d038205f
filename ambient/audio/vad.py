"""Silero VAD run with onnxruntime alone: one speech probability per 512-sample window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from ambient.errors import ModelError
from ambient.onnx_session import CompiledRunner, open_session

VAD_WINDOW = 512
"""Samples per Silero window at 16 kHz (32 ms)."""
_CONTEXT = 64
"""Silero v5+ expects the last 64 samples of the previous window in front of each new one."""


class SileroVad:
    """Streaming Silero VAD with every buffer preallocated.

    The recurrent state ping-pongs between two arrays through two prebuilt IO bindings, so a call
    copies one window in and runs the graph: no new arrays, no new onnxruntime values.
    """

    def __init__(self, model_path: Path) -> None:
        self._session = open_session(model_path)
        names = {i.name for i in self._session.get_inputs()}
        if names != {"input", "state", "sr"}:
            raise ModelError(
                f"model file {model_path} is not a Silero VAD v5+ model (inputs {sorted(names)}); "
                "run `ambient models fetch --force`"
            )
        self._input = np.zeros((1, _CONTEXT + VAD_WINDOW), dtype=np.float32)
        self._context_tail = self._input[0, VAD_WINDOW:]
        self._context_head = self._input[0, :_CONTEXT]
        self._window_view = self._input[0, _CONTEXT:]
        self._states = (
            np.zeros((2, 1, 128), dtype=np.float32),
            np.zeros((2, 1, 128), dtype=np.float32),
        )
        self._sample_rate = np.array(16_000, dtype=np.int64)
        self.probability = np.zeros((1, 1), dtype=np.float32)
        """The latest speech probability, updated in place by `process`."""
        self._runner = CompiledRunner(self._session)
        self._bindings = tuple(self._runner.prepare(b) for b in (self._bind(0, 1), self._bind(1, 0)))
        self._turn = 0

    def _bind(self, state_in: int, state_out: int) -> ort.IOBinding:
        binding = self._session.io_binding()
        binding.bind_ortvalue_input("input", ort.OrtValue.ortvalue_from_numpy(self._input))
        binding.bind_ortvalue_input("state", ort.OrtValue.ortvalue_from_numpy(self._states[state_in]))
        binding.bind_ortvalue_input("sr", ort.OrtValue.ortvalue_from_numpy(self._sample_rate))
        binding.bind_ortvalue_output("output", ort.OrtValue.ortvalue_from_numpy(self.probability))
        binding.bind_ortvalue_output("stateN", ort.OrtValue.ortvalue_from_numpy(self._states[state_out]))
        return binding

    def reset(self) -> None:
        self._input.fill(0.0)
        self._states[0].fill(0.0)
        self._states[1].fill(0.0)
        self.probability.fill(0.0)
        self._turn = 0

    def process(self, window: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Run one 512-sample window; returns `self.probability` (shape (1, 1)), updated in place."""
        np.copyto(self._context_head, self._context_tail)
        np.copyto(self._window_view, window)
        self._runner.run(self._bindings[self._turn])
        self._turn = 1 - self._turn
        return self.probability
