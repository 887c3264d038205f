"""The camera's presence core: detect, track, identify new tracks (and re-check now and then),
and turn that into arrivals, identities and departures with hysteresis."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ambient.devices.protocols import Frame
from ambient.events import (
    Event,
    FaceIdentified,
    LivenessChecked,
    PersonArrived,
    PersonLeft,
    UnknownPersonSeen,
)
from ambient.vision.detection import HogFaceDetector
from ambient.vision.encoding import FaceEncoder
from ambient.vision.enrolment import (
    EnrolmentError,
    EnrolmentPlan,
    EnrolmentRules,
    QualitySettings,
    Reference,
    head_yaw,
    lighting,
    plan_enrolment,
    sharpness,
)
from ambient.vision.identity import IdentityMatcher, Match
from ambient.vision.liveness import LivenessCheck, LivenessSettings
from ambient.vision.tracking import Track, Tracker


@dataclass(frozen=True)
class PresenceSettings:
    leave_after_s: float = 3.0
    """A person counts as gone this long after their last track was lost (hysteresis: a face
    turned away for a moment is not a departure and a return)."""
    decide_within_s: float = 0.8
    """Decide with the votes there are by then, even if fewer than `votes`: the first frame
    processed after this decides, which keeps the promise of a decision within 1 s."""
    full_scan_every: int = 3
    """Scan the whole frame for new faces on every n-th frame; on the others, look only near the
    faces already tracked (a few percent of the cost each). A newcomer waits at most n-1 frames
    to be seen; known faces get a fresh box, and can vote, on every frame. (Skipping detection on
    the frames between, tried first, lost Lin-Manuel Miranda's identity in the shared video: too
    few fresh boxes to vote from.)"""
    recheck_unknown_s: float = 1.0
    """An unknown face is looked at again this often: the first second of a face (turning, blur)
    is often its worst, and a household member should not stay a stranger for long."""


@dataclass(frozen=True)
class Decision:
    """An identity decision and the encodings it was made from (kept in memory for a correction,
    and handed to the gallery's short-lived decision archive when it named someone)."""

    decision_id: str
    person: str
    track_id: int
    encodings: npt.NDArray[np.float32]


@dataclass(frozen=True)
class Correction:
    """What `PresencePipeline.correct` did: the encodings that became look-alikes, and the events."""

    person: str
    decision_ids: tuple[str, ...]
    encodings: npt.NDArray[np.float32]
    events: list[Event] = field(default_factory=list)


@dataclass
class _Collecting:
    """A newcomer's face being collected for "remember me as NAME"."""

    name: str
    track_id: int
    until: float
    references: list[Reference] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@dataclass
class _Challenge:
    """A liveness challenge under way: `person`'s one track, watched until `until`."""

    person: str
    track_id: int
    until: float
    check: LivenessCheck
    correlation_id: str | None
    failed: str | None = None


@dataclass(frozen=True)
class Newcomer:
    """What collecting a newcomer's face gave: a plan to enrol, or why not."""

    name: str
    plan: EnrolmentPlan | None
    reason: str | None


COLLECT_S = 5.0
"""How long a newcomer's face is collected (they are asked to turn their head meanwhile)."""


@dataclass(frozen=True)
class FrameResult:
    boxes: tuple[tuple[int, int, int, int], ...]
    """Every face found in the frame (left, top, width, height), for `FacesDetected`."""
    events: list[Event]


class PresencePipeline:
    """One frame in, the events it causes out. Synchronous, so it runs in an executor or a test."""

    def __init__(
        self,
        detector: HogFaceDetector,
        encoder: FaceEncoder,
        matcher: IdentityMatcher,
        tracker: Tracker | None = None,
        settings: PresenceSettings | None = None,
    ) -> None:
        self.detector = detector
        self.encoder = encoder
        self.matcher = matcher
        self.tracker = tracker or Tracker()
        self.settings = settings or PresenceSettings()
        self._votes: dict[int, list[Match]] = {}
        self._vote_encodings: dict[int, list[npt.NDArray[np.float32]]] = {}
        self._decisions: dict[int, Decision] = {}
        """The latest decision of each live track."""
        self.new_decisions: list[Decision] = []
        """Decisions naming someone, not yet archived: the stage takes them after each frame."""
        self._collecting: _Collecting | None = None
        self.newcomers: list[Newcomer] = []
        """Newcomers whose collection ended, not yet taken by the stage."""
        self.quality = QualitySettings()
        self.rules = EnrolmentRules()
        self._challenge: _Challenge | None = None
        self.liveness = LivenessSettings()
        self.liveness_results: list[LivenessChecked] = []
        """Challenges that ended, not yet published by the stage."""
        self._present: dict[str, set[int]] = {}
        self._leaving: dict[str, tuple[float, int]] = {}
        self.encodings_computed = 0
        self._frame_count = -1

    def process(self, frame: Frame, t: float) -> FrameResult:
        """The faces found in this frame and the events they cause."""
        events: list[Event] = []
        self._frame_count += 1
        if self._frame_count % self.settings.full_scan_every == 0:
            boxes = self.detector.detect(frame)
        elif self.tracker.tracks:
            boxes = self.detector.detect_near(frame, [tr.predicted(t) for tr in self.tracker.tracks.values()])
        else:
            boxes = ()
        update = self.tracker.update(boxes, t)
        rgb: np.ndarray | None = None
        for track in [*update.new, *update.matched]:
            if self._needs_encoding(track, t):
                if rgb is None:
                    rgb = np.ascontiguousarray(frame[:, :, ::-1])
                left, top, width, height = track.box
                box = (round(left), round(top), round(width), round(height))
                encoding = self.encoder.encode(rgb, box)
                self._votes.setdefault(track.track_id, []).append(self.matcher.match(encoding))
                self._vote_encodings.setdefault(track.track_id, []).append(encoding)
                self.encodings_computed += 1
                track.last_check = t
            events.extend(self._maybe_decide(track, t))
        if self._challenge is not None:
            self._watch(frame, t, {tr.track_id: tr for tr in [*update.new, *update.matched]})
        if self._collecting is not None:
            if rgb is None:
                rgb = np.ascontiguousarray(frame[:, :, ::-1])
            self._collect(frame, rgb, t, {tr.track_id: tr for tr in [*update.new, *update.matched]})
        for track in update.lost:
            self._votes.pop(track.track_id, None)
            self._vote_encodings.pop(track.track_id, None)
            self._decisions.pop(track.track_id, None)
            if track.identity is not None:
                key = track.identity if track.identity != "unknown" else f"unknown:{track.track_id}"
                tracks = self._present.get(key, set())
                tracks.discard(track.track_id)
                if not tracks:
                    self._leaving[key] = (t, track.track_id)
        for key, (since, track_id) in list(self._leaving.items()):
            if t - since >= self.settings.leave_after_s:
                del self._leaving[key]
                self._present.pop(key, None)
                person = "unknown" if key.startswith("unknown:") else key
                events.append(PersonLeft(t=t, person=person, track_id=track_id))
        return FrameResult(tuple(boxes), events)

    def _needs_encoding(self, track: Track, t: float) -> bool:
        if track.identity is None:
            votes = self._votes.get(track.track_id, [])
            # Spread the votes over the decision window: neighbouring frames share their pose
            # and blur, so seven votes from one moment are worth little more than one.
            spacing = self.settings.decide_within_s / max(1, self.matcher.settings.votes)
            return len(votes) < self.matcher.settings.votes and (not votes or t - track.last_check >= spacing)
        interval = (
            self.settings.recheck_unknown_s
            if track.identity == "unknown"
            else self.matcher.settings.recheck_s
        )
        return t - track.last_check >= interval

    def _maybe_decide(self, track: Track, t: float) -> list[Event]:
        votes = self._votes.get(track.track_id, [])
        if not votes:
            return []
        enough = len(votes) >= self.matcher.settings.votes or self.matcher.settled(votes)
        overdue = t - track.first_seen >= self.settings.decide_within_s
        if track.identity is not None:
            # A re-check: only an accepted vote for someone else reopens the decision, and a new
            # strict majority must then agree, so one lucky frame never names a stranger.
            latest = votes[-1]
            if latest.name is None or latest.name == track.identity:
                self._votes[track.track_id] = []
                self._vote_encodings[track.track_id] = []
                return []
            self._votes[track.track_id] = [latest]
            self._vote_encodings[track.track_id] = self._vote_encodings.get(track.track_id, [])[-1:]
            events: list[Event] = []
            previous = track.identity if track.identity != "unknown" else f"unknown:{track.track_id}"
            tracks = self._present.get(previous, set())
            tracks.discard(track.track_id)
            if not tracks:
                self._present.pop(previous, None)
                person = "unknown" if previous.startswith("unknown:") else previous
                events.append(PersonLeft(t=t, person=person, track_id=track.track_id))
            track.identity = None
            track.first_seen = t  # the new decision gets its own window
            return events
        if not (enough or overdue):
            return []
        name, distance = self.matcher.decide(votes)
        self._votes[track.track_id] = []
        encodings = self._vote_encodings.pop(track.track_id, [])
        person = name or "unknown"
        track.identity = person
        track.distance = distance
        track.decided_at = t
        decision = Decision(uuid.uuid4().hex[:12], person, track.track_id, np.stack(encodings))
        self._decisions[track.track_id] = decision
        if name is not None:
            self.new_decisions.append(decision)
        events = [
            FaceIdentified(
                t=t,
                track_id=track.track_id,
                person=person,
                known=name is not None,
                distance=round(distance, 4),
                after_s=round(t - track.first_seen, 3),
                decision_id=decision.decision_id,
            )
        ]
        key = person if name is not None else f"unknown:{track.track_id}"
        returning = key in self._leaving or key in self._present
        self._leaving.pop(key, None)
        self._present.setdefault(key, set()).add(track.track_id)
        if not returning:
            events.append(PersonArrived(t=t, person=person, track_id=track.track_id))
            if name is None:
                events.append(UnknownPersonSeen(t=t, track_id=track.track_id, distance=round(distance, 4)))
        return events

    def take_decisions(self) -> list[Decision]:
        """The decisions naming someone since the last call (for the decision archive)."""
        taken, self.new_decisions = self.new_decisions, []
        return taken

    def correct(self, person: str, t: float) -> Correction | None:
        """Someone in view is not `person`: every live track named `person` becomes that person's
        look-alike (its deciding encodings), is no longer `person`, and is decided again with the
        look-alikes in force. None when no track in view is named `person`."""
        tracks = [tr for tr in self.tracker.tracks.values() if tr.identity == person]
        decisions = [self._decisions[tr.track_id] for tr in tracks if tr.track_id in self._decisions]
        if not decisions:
            return None
        encodings = np.concatenate([d.encodings for d in decisions]).astype(np.float32)
        self.matcher.add_lookalikes(person, encodings)
        events: list[Event] = []
        for track in tracks:
            self._votes[track.track_id] = []
            self._vote_encodings[track.track_id] = []
            self._decisions.pop(track.track_id, None)
            self._present.get(person, set()).discard(track.track_id)
            track.identity = None
            track.first_seen = t  # decided again, from fresh votes
            track.last_check = float("-inf")
        if not self._present.get(person):
            self._present.pop(person, None)
            self._leaving.pop(person, None)
            events.append(PersonLeft(t=t, person=person, track_id=tracks[0].track_id))
        return Correction(person, tuple(d.decision_id for d in decisions), encodings, events)

    def start_enrolment(self, name: str, t: float, seconds: float = COLLECT_S) -> str | None:
        """Begin collecting the face of the one unknown person in view for "remember me as
        `name`"; the reason it cannot begin, or None."""
        unknown = [tr for tr in self.tracker.tracks.values() if tr.identity == "unknown"]
        if self._collecting is not None:
            return f"I'm already learning {self._collecting.name}'s face"
        if len(unknown) != 1:
            return "I need to see exactly one person I don't know" if unknown else "I don't see anyone new"
        if name.lower() in (n.lower() for n in self.matcher.names):
            return f"I already know someone called {name}"
        self._collecting = _Collecting(name, unknown[0].track_id, t + seconds)
        return None

    def start_liveness(
        self, person: str, direction: str, t: float, seconds: float, correlation_id: str | None = None
    ) -> str | None:
        """Begin watching `person` turn their head to `direction`; the reason it cannot begin (they
        are not in view, or twice), or None. The result lands in `liveness_results`."""
        tracks = [tr for tr in self.tracker.tracks.values() if tr.identity == person]
        if len(tracks) != 1:
            return f"I don't see {person}" if not tracks else f"I see {person} twice"
        self._challenge = _Challenge(
            person, tracks[0].track_id, t + seconds, LivenessCheck(direction, self.liveness), correlation_id
        )
        return None

    def _watch(self, frame: Frame, t: float, visible: dict[int, Track]) -> None:
        import cv2

        challenge = self._challenge
        assert challenge is not None
        track = visible.get(challenge.track_id)
        if track is not None:
            if track.identity != challenge.person:
                challenge.failed = f"the face in view is no longer {challenge.person}"
            else:
                left, top, width, height = (max(0, round(v)) for v in track.box)
                gray = np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
                points = self.encoder.landmarks(gray, (left, top, width, height))
                challenge.check.add(gray, (left, top, width, height), points)
        elif challenge.track_id not in self.tracker.tracks:
            challenge.failed = f"{challenge.person} went out of view"
        strangers = [
            tr for tr in visible.values() if tr.identity != challenge.person and tr.identity is not None
        ]
        if strangers and challenge.failed is None:
            challenge.failed = "someone else came into view"
        if challenge.failed is not None or t >= challenge.until:
            passed, reason, measures = challenge.check.verdict()
            if challenge.failed is not None:
                passed, reason = False, challenge.failed
            self._challenge = None
            self.liveness_results.append(
                LivenessChecked(
                    t=t, correlation_id=challenge.correlation_id, person=challenge.person,
                    direction=challenge.check.direction, passed=passed, reason=reason,
                    frames=int(measures["frames"]), turn=measures["turn"],
                    face_motion=measures["face_motion"], surround_motion=measures["surround_motion"],
                )
            )  # fmt: skip

    def take_liveness_results(self) -> list[LivenessChecked]:
        taken, self.liveness_results = self.liveness_results, []
        return taken

    def take_newcomers(self) -> list[Newcomer]:
        taken, self.newcomers = self.newcomers, []
        return taken

    def _collect(self, frame: Frame, rgb: np.ndarray, t: float, visible: dict[int, Track]) -> None:
        import cv2

        collecting = self._collecting
        assert collecting is not None
        track = visible.get(collecting.track_id)
        if track is not None:
            left, top, width, height = (max(0, round(v)) for v in track.box)
            source = f"camera frame at {t:.2f} s"
            crop = frame[top : top + height, left : left + width]
            if width < self.quality.min_face_px or crop.size == 0:
                collecting.refused.append(f"the face is too small ({width} px wide); come closer")
            elif sharpness(gray := cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY).astype(np.uint8)) < (
                self.quality.min_sharpness
            ):
                collecting.refused.append("the face is too blurred; hold still a moment")
            else:
                encoding, points = self.encoder.encode_with_landmarks(rgb, (left, top, width, height))
                collecting.references.append(Reference(source, encoding, head_yaw(points), *lighting(gray)))
        if track is None and collecting.track_id not in self.tracker.tracks:
            self._finish_collecting("the face went out of view")
        elif t >= collecting.until:
            self._finish_collecting(None)

    def _finish_collecting(self, stopped: str | None) -> None:
        collecting = self._collecting
        assert collecting is not None
        self._collecting = None
        for reference in collecting.references:
            match = self.matcher.match(reference.encoding)
            if match.name is not None:  # never a second name for someone the device knows
                self.newcomers.append(Newcomer(collecting.name, None, f"I already know you as {match.name}"))
                return
        try:
            plan = plan_enrolment(collecting.references, collecting.refused[-1:], self.rules)
        except EnrolmentError as exc:
            reason = f"{stopped}: {exc}" if stopped else str(exc)
            self.newcomers.append(Newcomer(collecting.name, None, reason))
            return
        self.newcomers.append(Newcomer(collecting.name, plan, None))
