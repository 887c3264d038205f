"""The streaming wake-word engine: shared features, several heads, one trigger policy per head."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE
from ambient.wakeword.detector import WakeWordHit
from ambient.wakeword.features import (
    EMBEDDING_DIM,
    HEAD_WINDOW,
    RECENT_WINDOWS,
    FeatureModels,
    StreamingFeatures,
)
from ambient.wakeword.heads import WakeWordHead
from ambient.wakeword.policy import TriggerPolicy, TriggerSettings

_NO_HITS: tuple[WakeWordHit, ...] = ()
_LAP = 200


class WakeWordEngine:
    """Per 80 ms chunk: 8 mel frames and one embedding, then every head reads the same window.

    `process` returns the empty tuple in the steady state and allocates nothing; scores of the
    latest chunk are in `scores` (one float per head, in head order).
    """

    name = "ambient"

    def __init__(self, models: FeatureModels, heads: list[tuple[WakeWordHead, TriggerSettings]]) -> None:
        self.features = StreamingFeatures(models)
        self.heads = [head for head, _ in heads]
        self.policies = [TriggerPolicy(settings, CHUNK_SAMPLES / SAMPLE_RATE) for _, settings in heads]
        for head in self.heads:
            head.bind(self.features.head_windows)
        self.scores = [0.0] * len(self.heads)
        # The window each head last fired on, copied only on a detection (rare): what a false wake
        # marked by the household is learned from.
        self._fired_windows = [
            np.zeros((RECENT_WINDOWS, HEAD_WINDOW, EMBEDDING_DIM), np.float32) for _ in self.heads
        ]
        self._fired = [False] * len(self.heads)
        self._head_count = len(self.heads)
        # Chunks counted as laps of 200 plus a remainder: both stay small ints (CPython caches
        # them), where one growing counter would allocate a new int object every chunk.
        self._chunk_in_lap = 0
        self._laps = 0

    def reset(self) -> None:
        """Start over on a new stream: features, policies and the sample count."""
        self._chunk_in_lap = 0
        self._laps = 0
        self.features.reset()
        for policy in self.policies:
            policy.reset()

    def trigger_window(self, model: str) -> npt.NDArray[np.float32] | None:
        """The head windows `model` last fired on, (3, 16, 96): the chunk that fired and the two
        before it (None before its first detection)."""
        for index, head in enumerate(self.heads):
            if head.name == model and self._fired[index]:
                return self._fired_windows[index]
        return None

    @property
    def samples_seen(self) -> int:
        return (self._laps * _LAP + self._chunk_in_lap) * CHUNK_SAMPLES

    def process(self, chunk: npt.NDArray[np.int16]) -> tuple[WakeWordHit, ...]:
        self.features.push(chunk)
        self._chunk_in_lap += 1
        if self._chunk_in_lap == _LAP:
            self._chunk_in_lap = 0
            self._laps += 1
        if not self.features.ready:
            return _NO_HITS
        slot = self.features.embedding_slot
        hits = _NO_HITS
        index = 0
        while index < self._head_count:  # a while loop: a for loop allocates an iterator per call
            score = self.heads[index].run_bound(slot)
            self.scores[index] = score
            if self.policies[index].update(score):
                self.features.recent_windows(self._fired_windows[index])
                self._fired[index] = True
                hits = (*hits, WakeWordHit(self.heads[index].name, score, self.samples_seen))
            index += 1
        return hits
