"""Identity decisions: nearest enrolled person, a calibrated threshold adjusted per person, a margin
to the runner-up, and a vote over several frames, so a stranger who resembles someone is not taken
for them."""

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
    """The defaults of threshold, margin, spread_weight, spread_reference and max_adjustment are
    what `ambient faces tune` chooses on the tuning half of the shared faces (`vision/tuning.py`);
    the configuration's `[vision]` defaults are the same (a test keeps them so)."""

    threshold: float = 0.475
    """Largest distance to a person's nearest embedding that can still be that person, for a
    person whose enrolment photos are `spread_reference` apart (see `person_threshold`)."""
    margin: float = 0.08
    """The runner-up must be at least this much farther, or the face stays unknown."""
    votes: int = 7
    """Frames encoded per new track before deciding (a strict majority must agree): the first
    frames of a face are often the worst (turning, motion blur), so one or two cannot decide."""
    recheck_s: float = 5.0
    """A decided track is encoded again this often, in case the decision was wrong."""
    spread_weight: float = 0.75
    """How far a person's threshold follows the spread of their own enrolment encodings."""
    spread_reference: float = 0.387
    """The typical mean distance between three enrolment photos of one person (the median over
    the tuning people)."""
    max_adjustment: float = 0.09
    """A person's threshold moves at most this far from `threshold` either way, so one odd
    enrolment photo cannot open the door to strangers."""


def enrolment_spread(embeddings: npt.NDArray[np.float32]) -> float | None:
    """Mean distance between a person's enrolment encodings (None with fewer than two)."""
    count = len(embeddings)
    if count < 2:
        return None
    distances = np.linalg.norm(embeddings[:, None, :] - embeddings[None, :, :], axis=2)
    return float(distances[np.triu_indices(count, k=1)].mean())


def threshold_adjustment(embeddings: npt.NDArray[np.float32], settings: MatchSettings) -> float:
    """How much a person's threshold differs from the global one.

    A person whose own photos lie far apart (glasses on and off, years between them) needs a
    looser threshold for their next photo to land inside it; a person whose photos are all alike
    gets a tighter one, which is what keeps strangers of similar appearance out: on the shared
    photos, with one global threshold, the closest stranger (0.496 from an enrolled person whose
    photos are 0.37 apart) sat nearer than the farthest genuine probe (0.53, photos 0.47 apart).
    With fewer than two encodings there is no spread to read, and no adjustment.
    """
    spread = enrolment_spread(embeddings)
    if spread is None:
        return 0.0
    adjustment = settings.spread_weight * (spread - settings.spread_reference)
    return float(np.clip(adjustment, -settings.max_adjustment, settings.max_adjustment))


@dataclass(frozen=True)
class Nearest:
    """The nearest enrolled person to one encoding, before any threshold is applied."""

    name: str
    distance: float
    runner_up: float
    """Distance to the second-nearest person (inf with one person enrolled)."""
    adjustment: float
    """That person's threshold adjustment (see `threshold_adjustment`)."""
    lookalike: float = float("inf")
    """Distance to the nearest of that person's look-alikes (faces the household said were not
    them; inf with none). A face at least as near one of them as to the person is not the person.
    No margin here, on purpose: with the runner-up's margin (0.08) a correction from one photo of a
    relative cost the member up to 8 of 60 of his own photos (LFW's Bush family); nearest-wins
    cost none and still turned every relative photo the correction covered away."""

    def threshold(self, settings: MatchSettings, threshold: float | None = None) -> float:
        """This person's own limit: the global threshold moved by their enrolment spread."""
        return (settings.threshold if threshold is None else threshold) + self.adjustment

    def accepted(self, settings: MatchSettings, threshold: float | None = None) -> bool:
        return (
            self.distance <= self.threshold(settings, threshold)
            and self.runner_up - self.distance >= settings.margin
            and self.lookalike > self.distance
        )


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
        self._adjustments = [threshold_adjustment(p.embeddings, settings) for p in people]
        self._lookalikes = [p.lookalikes for p in people]

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def add_lookalikes(self, name: str, encodings: npt.NDArray[np.float32]) -> None:
        """Faces that are not `name` (a correction): from now on a face nearer one of them than
        `name` is not `name`. Unknown names are ignored (the person was forgotten meanwhile)."""
        if name in self._names:
            index = self._names.index(name)
            self._lookalikes[index] = np.concatenate([self._lookalikes[index], encodings]).astype(np.float32)

    def nearest(self, encoding: npt.NDArray[np.float32]) -> Nearest | None:
        if not self._names:
            return None
        distances = np.array([float(np.min(np.linalg.norm(e - encoding, axis=1))) for e in self._embeddings])
        order = np.argsort(distances)
        best = int(order[0])
        runner_up = float(distances[order[1]]) if len(order) > 1 else float("inf")
        lookalikes = self._lookalikes[best]
        lookalike = (
            float(np.min(np.linalg.norm(lookalikes - encoding, axis=1))) if len(lookalikes) else float("inf")
        )
        return Nearest(
            self._names[best], float(distances[best]), runner_up, self._adjustments[best], lookalike
        )

    def match(self, encoding: npt.NDArray[np.float32]) -> Match:
        nearest = self.nearest(encoding)
        if nearest is None:
            return Match(None, None, NO_ONE_ENROLLED)
        accepted = nearest.accepted(self.settings)
        return Match(nearest.name if accepted else None, nearest.name, nearest.distance)

    def settled(self, votes: list[Match]) -> bool:
        """Whether the votes still to come can no longer change the decision: one name already
        holds a strict majority of all `votes`, or no name can reach one. Deciding then saves the
        remaining encodings (each costs tens of milliseconds) and decides sooner."""
        planned = self.settings.votes
        remaining = max(0, planned - len(votes))
        counts = Counter(v.name for v in votes if v.name is not None)
        leader = counts.most_common(1)[0][1] if counts else 0
        return leader * 2 > planned or (leader + remaining) * 2 <= planned

    def decide(self, votes: list[Match]) -> tuple[str | None, float]:
        """A strict majority of accepted votes for one name, or unknown."""
        counts = Counter(v.name for v in votes if v.name is not None)
        if counts:
            name, count = counts.most_common(1)[0]
            if count * 2 > len(votes):
                return name, float(np.mean([v.distance for v in votes if v.name == name]))
        return None, float(np.min([v.distance for v in votes])) if votes else NO_ONE_ENROLLED
