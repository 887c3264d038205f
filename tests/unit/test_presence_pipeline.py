"""The presence pipeline with a scripted detector and encoder (what the camera's models would have
found) and the real tracker and identity matcher: arrivals, identities, the hysteresis of
departures, and a stranger never taken for a household member."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ambient.events import Event, FaceIdentified, PersonArrived, PersonLeft, UnknownPersonSeen
from ambient.vision.gallery import Person
from ambient.vision.identity import IdentityMatcher, MatchSettings
from ambient.vision.presence import PresencePipeline, PresenceSettings

FRAME = np.zeros((240, 320, 3), dtype=np.uint8)
ADA_BOX = (40, 60, 80, 80)
STRANGER_BOX = (200, 60, 80, 80)
FPS = 10


def unit(seed: int) -> npt.NDArray[np.float32]:
    vector = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return vector / np.linalg.norm(vector) * 0.6  # face encodings lie about this far from 0


ADA = unit(1)


class ScriptedCamera:
    """The detector and the encoder: which boxes each frame holds, whose face each box is."""

    def __init__(self) -> None:
        self.boxes: tuple[tuple[int, int, int, int], ...] = ()
        self.faces = {ADA_BOX: ADA, STRANGER_BOX: unit(2)}
        self._noise = np.random.default_rng(7)

    def detect(self, frame: object) -> tuple[tuple[int, int, int, int], ...]:
        return self.boxes

    def detect_near(self, frame: object, expected: object) -> tuple[tuple[int, int, int, int], ...]:
        return self.boxes

    def encode(self, rgb: object, box: tuple[int, int, int, int]) -> npt.NDArray[np.float32]:
        # a new photo of the same face: within a few hundredths of its enrolled encoding
        jitter = self._noise.normal(scale=0.004, size=128).astype(np.float32)
        return (self.faces[box] + jitter).astype(np.float32)


def pipeline() -> tuple[PresencePipeline, ScriptedCamera]:
    camera = ScriptedCamera()
    enrolled = np.stack([ADA + np.float32(0.01) * unit(n) for n in range(10, 14)]).astype(np.float32)
    matcher = IdentityMatcher([Person("Ada", enrolled)], MatchSettings())
    presence = PresencePipeline(camera, camera, matcher, settings=PresenceSettings(leave_after_s=3.0))  # type: ignore[arg-type]
    return presence, camera


def run(presence: PresencePipeline, start_s: float, seconds: float) -> list[Event]:
    events: list[Event] = []
    for frame in range(int(seconds * FPS)):
        events.extend(presence.process(FRAME, start_s + frame / FPS).events)
    return events


def test_a_household_member_arrives_is_named_and_leaves_only_after_the_hysteresis() -> None:
    presence, camera = pipeline()
    camera.boxes = (ADA_BOX,)
    events = run(presence, 0.0, 2.0)
    [identified] = [e for e in events if isinstance(e, FaceIdentified)]
    assert identified.person == "Ada" and identified.known and identified.after_s <= 1.0
    assert [(e.person) for e in events if isinstance(e, PersonArrived)] == ["Ada"]
    camera.boxes = ()  # she looks away for 1.5 s: her track is lost, she has not left
    events = run(presence, 2.0, 1.5)
    camera.boxes = (ADA_BOX,)
    events += run(presence, 3.5, 2.0)
    assert not [e for e in events if isinstance(e, PersonLeft | PersonArrived)]
    camera.boxes = ()  # gone for good: one departure, after the track's grace and the hysteresis
    events = run(presence, 5.5, 6.0)
    [left] = [e for e in events if isinstance(e, PersonLeft)]
    assert left.person == "Ada" and 5.5 + 3.0 <= left.t <= 5.5 + 1.0 + 3.0 + 0.2


def test_a_stranger_is_unknown_and_never_a_household_member() -> None:
    presence, camera = pipeline()
    camera.boxes = (STRANGER_BOX,)
    events = run(presence, 0.0, 3.0)
    assert {e.person for e in events if isinstance(e, FaceIdentified)} == {"unknown"}
    assert [e.person for e in events if isinstance(e, PersonArrived)] == ["unknown"]
    assert len([e for e in events if isinstance(e, UnknownPersonSeen)]) == 1
    assert presence.encodings_computed < 3.0 * FPS  # decided, then re-checked now and then


SISTER_BOX = (120, 60, 80, 80)
SISTER = (ADA + unit(3) * np.float32(0.45)).astype(np.float32)
"""A relative: about 0.27 from Ada's encodings, inside the threshold: taken for her."""


def test_that_is_not_me_makes_the_look_alike_unknown_and_leaves_ada_herself_known() -> None:
    presence, camera = pipeline()
    camera.faces[SISTER_BOX] = SISTER
    camera.boxes = (SISTER_BOX,)
    events = run(presence, 0.0, 1.5)
    [wrong] = [e for e in events if isinstance(e, FaceIdentified)]
    assert wrong.person == "Ada" and wrong.decision_id  # the documented limit: a relative passes
    [archived] = presence.take_decisions()
    assert archived.decision_id == wrong.decision_id and archived.person == "Ada"
    assert presence.take_decisions() == []

    correction = presence.correct("Ada", 1.5)
    assert correction is not None and correction.decision_ids == (wrong.decision_id,)
    assert len(correction.encodings) >= 1
    assert [(type(e).__name__, e.person) for e in correction.events] == [("PersonLeft", "Ada")]  # type: ignore[attr-defined]
    assert presence.correct("Ada", 1.5) is None  # no one in view is taken for Ada any more

    events = run(presence, 1.5, 3.0)  # the same face, decided again with the look-alike in force
    assert {e.person for e in events if isinstance(e, FaceIdentified)} == {"unknown"}
    camera.boxes = (SISTER_BOX, ADA_BOX)  # Ada walks in beside her sister: still Ada
    events = run(presence, 4.5, 2.0)
    named = {e.person for e in events if isinstance(e, FaceIdentified)}
    assert named == {"Ada"}
    assert [e.person for e in events if isinstance(e, PersonArrived)] == ["Ada"]
