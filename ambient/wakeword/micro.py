"""microWakeWord behind the same interface as our engine, selectable with wakeword.engine = "micro"."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE
from ambient.wakeword.detector import WakeWordHit
from ambient.wakeword.policy import TriggerPolicy, TriggerSettings
from ambient.wakeword.scoring import MicroWakeWordScorer


class MicroWakeWordEngine:
    """One pymicro-wakeword model per wake word, each with our trigger policy on its score."""

    name = "micro"

    def __init__(self, models: list[tuple[str, TriggerSettings]]) -> None:
        self._scorers = [MicroWakeWordScorer(name) for name, _ in models]
        self._names = [name for name, _ in models]
        self.policies = [TriggerPolicy(settings, CHUNK_SAMPLES / SAMPLE_RATE) for _, settings in models]
        self.scores = [0.0] * len(models)
        self._chunks = 0

    def reset(self) -> None:
        self._chunks = 0
        for scorer, policy in zip(self._scorers, self.policies, strict=True):
            scorer.reset()
            policy.reset()

    def process(self, chunk: npt.NDArray[np.int16]) -> tuple[WakeWordHit, ...]:
        self._chunks += 1
        hits: tuple[WakeWordHit, ...] = ()
        for index, scorer in enumerate(self._scorers):
            score = scorer.score(chunk)
            self.scores[index] = score
            if self.policies[index].update(score):
                hits = (*hits, WakeWordHit(self._names[index], score, self._chunks * CHUNK_SAMPLES))
        return hits
