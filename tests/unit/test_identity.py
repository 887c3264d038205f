"""The identity rule: per-person thresholds from the enrolment spread, margin, and the vote."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ambient.vision.gallery import Person
from ambient.vision.identity import (
    IdentityMatcher,
    Match,
    MatchSettings,
    enrolment_spread,
    threshold_adjustment,
)


def around(centre: npt.NDArray[np.float32], offsets: list[float]) -> npt.NDArray[np.float32]:
    """Encodings `offsets` away from `centre`, each along its own axis (so pairwise distances are
    sqrt(a^2 + b^2))."""
    rows = []
    for axis, offset in enumerate(offsets):
        row = centre.copy()
        row[axis] += offset
        rows.append(row)
    return np.stack(rows).astype(np.float32)


def unit(axis: int, length: float = 1.0) -> npt.NDArray[np.float32]:
    vector = np.zeros(128, dtype=np.float32)
    vector[axis] = length
    return vector


def test_spread_is_the_mean_pairwise_distance() -> None:
    embeddings = around(unit(100), [0.3, 0.3, 0.3])
    spread = enrolment_spread(embeddings)
    assert spread is not None and abs(spread - 0.3 * np.sqrt(2)) < 1e-6
    assert enrolment_spread(embeddings[:1]) is None


def test_adjustment_follows_the_spread_and_is_bounded() -> None:
    settings = MatchSettings(threshold=0.49, spread_weight=0.75, spread_reference=0.40, max_adjustment=0.06)
    tight = around(unit(100), [0.25, 0.25, 0.25])  # photos 0.354 apart
    wide = around(unit(100), [0.33, 0.33, 0.33])  # photos 0.467 apart
    odd = around(unit(100), [0.6, 0.6, 0.6])  # photos 0.85 apart: capped
    assert threshold_adjustment(tight, settings) < 0 < threshold_adjustment(wide, settings)
    assert abs(threshold_adjustment(wide, settings) - 0.75 * (0.33 * np.sqrt(2) - 0.40)) < 1e-6
    assert threshold_adjustment(odd, settings) == 0.06
    assert threshold_adjustment(tight[:1], settings) == 0.0  # one photo: nothing to read


def test_the_same_distance_is_accepted_for_a_varied_person_only() -> None:
    settings = MatchSettings(threshold=0.49, margin=0.04)
    tight = Person("tight", around(unit(100, 5.0), [0.25, 0.25, 0.25]))
    wide = Person("wide", around(unit(110, 5.0), [0.35, 0.35, 0.35]))
    matcher = IdentityMatcher([tight, wide], settings)
    # a probe 0.50 from each person's first embedding, along an axis none of them uses
    for person in (tight, wide):
        probe = person.embeddings[0] + unit(127, 0.50)
        nearest = matcher.nearest(probe)
        assert nearest is not None and nearest.name == person.name
        assert abs(nearest.distance - 0.50) < 1e-5
    assert matcher.match(tight.embeddings[0] + unit(127, 0.50)).name is None
    assert matcher.match(wide.embeddings[0] + unit(127, 0.50)).name == "wide"
    assert matcher.match(tight.embeddings[0] + unit(127, 0.40)).name == "tight"


def test_two_people_too_close_to_call_stay_unknown() -> None:
    settings = MatchSettings(threshold=0.49, margin=0.04)
    first = Person("first", unit(0)[None, :])
    second = Person("second", (unit(0) + unit(1, 0.05))[None, :])
    matcher = IdentityMatcher([first, second], settings)
    match = matcher.match(unit(0) + unit(2, 0.2))
    assert match.name is None and match.nearest == "first"


def test_the_vote_needs_a_strict_majority() -> None:
    matcher = IdentityMatcher([], MatchSettings())
    assert matcher.match(unit(0)).name is None
    ann, unknown = Match("ann", "ann", 0.4), Match(None, "ann", 0.6)
    assert matcher.decide([ann, ann, unknown])[0] == "ann"
    assert matcher.decide([ann, unknown])[0] is None


def test_a_face_nearer_a_look_alike_than_the_member_is_not_the_member() -> None:
    settings = MatchSettings(threshold=0.49, margin=0.04)
    member = around(unit(100, 5.0), [0.25, 0.25, 0.25])
    relative = member[0] + unit(120, 0.30)  # inside the member's threshold: taken for her
    assert IdentityMatcher([Person("ana", member)], settings).match(relative).name == "ana"
    corrected = Person("ana", member, relative[None, :])
    matcher = IdentityMatcher([corrected], settings)
    another_photo = relative + unit(121, 0.05)
    nearest = matcher.nearest(another_photo)
    assert nearest is not None and nearest.lookalike < nearest.distance
    assert matcher.match(another_photo).name is None  # nearer the look-alike: not her
    assert matcher.match(member[0] + unit(122, 0.05)).name == "ana"  # she herself still is
    late = IdentityMatcher([Person("ana", member)], settings)  # corrections made while running
    late.add_lookalikes("ana", relative[None, :])
    late.add_lookalikes("someone forgotten", relative[None, :])
    assert late.match(another_photo).name is None
