"""The streaming wake-word engine: shared features, several heads, one trigger policy per head."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ambient.audio.ring import CHUNK_SAMPLES, SAMPLE_RATE
from ambient.wakeword.features import FeatureModels, StreamingFeatures
from ambient.wakeword.heads import WakeWordHead
from ambient.wakeword.policy import TriggerPolicy, TriggerSettings

_NO_HITS: tuple[WakeWordHit, ...] = ()


@dataclass(frozen=True)
class WakeWordHit:
    model: str
    score: float
    end_sample: int
    """The sample offset (since the stream began) at the end of the chunk that fired."""


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
        self._chunks = np.zeros((), dtype=np.int64)  # a 0-d counter: incrementing it allocates nothing
        self._one = np.ones((), dtype=np.int64)

    def reset(self) -> None:
        """Start over on a new stream: features, policies and the sample count."""
        self._chunks.fill(0)
        self.features.reset()
        for policy in self.policies:
            policy.reset()

    @property
    def samples_seen(self) -> int:
        return int(self._chunks) * CHUNK_SAMPLES

    def process(self, chunk: npt.NDArray[np.int16]) -> tuple[WakeWordHit, ...]:
        self.features.push(chunk)
        np.add(self._chunks, self._one, out=self._chunks)
        if not self.features.ready:
            return _NO_HITS
        slot = self.features.embedding_slot
        hits = _NO_HITS
        for index in range(len(self.heads)):
            score = self.heads[index].run_bound(slot)
            self.scores[index] = score
            if self.policies[index].update(score):
                hits = (*hits, WakeWordHit(self.heads[index].name, score, self.samples_seen))
        return hits
