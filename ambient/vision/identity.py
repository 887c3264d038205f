"""Identity decisions: nearest enrolled person, a calibrated threshold, a margin to the runner-up,
and a vote over several frames, so a stranger who resembles someone is not taken for them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ambient.vision.gallery import Person

NO_ONE_ENROLLED = 9.99
"""The distance reported when the gallery is empty (finite, so event logs stay strict JSON)."""


@dataclass(frozen=True)
class MatchSettings:
    threshold: float = 0.5
    """Largest distance to a person's nearest embedding that can still be that person."""
    margin: float = 0.04
    """The runner-up must be at least this much farther, or the face stays unknown."""
    votes: int = 7
    """Frames encoded per new track before deciding (a strict majority must agree): the first
    frames of a face are often the worst (turning, motion blur), so one or two cannot decide."""
    recheck_s: float = 5.0
    """A decided track is encoded again this often, in case the decision was wrong."""


@dataclass(frozen=True)
class Match:
    name: str | None
    """The accepted person, or None (no one close enough, or two people too close to call)."""
    nearest: str | None
    distance: float


class IdentityMatcher:
    def __init__(self, people: list[Person], settings: MatchSettings) -> None:
        self.settings = settings
        self._names = [p.name for p in people]
        self._embeddings = [p.embeddings for p in people]

    def match(self, encoding: npt.NDArray[np.float32]) -> Match:
        if not self._names:
            return Match(None, None, NO_ONE_ENROLLED)
        distances = np.array([float(np.min(np.linalg.norm(e - encoding, axis=1))) for e in self._embeddings])
        order = np.argsort(distances)
        best = int(order[0])
        distance = float(distances[best])
        runner_up = float(distances[order[1]]) if len(order) > 1 else float("inf")
        accepted = distance <= self.settings.threshold and runner_up - distance >= self.settings.margin
        return Match(self._names[best] if accepted else None, self._names[best], distance)

    def decide(self, votes: list[Match]) -> tuple[str | None, float]:
        """A strict majority of accepted votes for one name, or unknown."""
        counts = Counter(v.name for v in votes if v.name is not None)
        if counts:
            name, count = counts.most_common(1)[0]
            if count * 2 > len(votes):
                return name, float(np.mean([v.distance for v in votes if v.name == name]))
        return None, float(np.min([v.distance for v in votes])) if votes else NO_ONE_ENROLLED
