"""When a stream of scores becomes a detection: threshold, patience (k of the last n), refractory."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TriggerSettings:
    threshold: float = 0.5
    patience: int = 1
    """Scores at or above the threshold needed among the last `window` ..."""
    window: int = 1
    """... chunk scores (k of n: 2 of 3 rejects one-chunk spikes)."""
    refractory_s: float = 2.0
    """After a detection, the same word cannot fire again for this long."""

    def __post_init__(self) -> None:
        if not 1 <= self.patience <= self.window <= 64:
            raise ValueError("patience must be between 1 and the window (at most 64)")


class TriggerPolicy:
    """A sliding k-of-n vote over per-chunk decisions, in audio time (chunks), not wall time.

    Counting in chunks makes the behaviour exact and repeatable: the same audio always fires at
    the same chunk, whether it is played in real time or as fast as possible.
    """

    def __init__(self, settings: TriggerSettings, chunk_s: float) -> None:
        self.settings = settings
        self._votes = [False] * settings.window
        self._slot = 0
        self._count = 0
        self._refractory_chunks = round(settings.refractory_s / chunk_s)
        self._cooldown = 0

    def reset(self) -> None:
        self._votes = [False] * self.settings.window
        self._slot = 0
        self._count = 0
        self._cooldown = 0

    def update(self, score: float) -> bool:
        """Feed one chunk's score; True when this chunk completes a detection."""
        # Scores inside the refractory time do not vote: they are the same utterance that fired.
        vote = score >= self.settings.threshold and not self._cooldown
        if self._votes[self._slot]:
            self._count -= 1
        self._votes[self._slot] = vote
        if vote:
            self._count += 1
        self._slot += 1
        if self._slot == len(self._votes):
            self._slot = 0
        if self._cooldown:
            self._cooldown -= 1
            return False
        if self._count >= self.settings.patience:
            self._cooldown = self._refractory_chunks
            for index in range(len(self._votes)):
                self._votes[index] = False
            self._count = 0
            return True
        return False
