"""Every event the runtime publishes: frozen dataclasses with a lossless JSON round-trip."""

from __future__ import annotations

import builtins
import dataclasses
import json
import types
import typing
from dataclasses import dataclass
from typing import Any, ClassVar

Box = tuple[int, int, int, int]
"""A face box in frame pixels: (left, top, width, height)."""


@dataclass(frozen=True, kw_only=True)
class Event:
    """Something a stage learned. `t` is the device clock in seconds; `correlation_id` ties together
    every event of one interaction (None for events that belong to no interaction)."""

    t: float
    correlation_id: str | None = None

    registry: ClassVar[dict[str, builtins.type[Event]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Event.registry[cls.__name__] = cls

    @property
    def type(self) -> str:
        return type(self).__name__

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type}
        for field in dataclasses.fields(self):
            data[field.name] = getattr(self, field.name)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), allow_nan=False)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Event:
        """The event `data` describes; ValueError naming the field when a value has the wrong type
        (an event log edited by hand, or written by something else)."""
        if not isinstance(data, dict):
            raise ValueError(f"a JSON {type(data).__name__}, not an object")
        name = data.get("type")
        cls = Event.registry.get(str(name))
        if cls is None:
            raise ValueError(f"unknown event type {name!r}")
        hints = typing.get_type_hints(cls)
        kwargs = {}
        for field in dataclasses.fields(cls):
            if field.name in data:
                value = _as_type(data[field.name], hints[field.name])
                if not _is_a(value, hints[field.name]):
                    raise ValueError(
                        f"{name}.{field.name} = {data[field.name]!r} is not {_describe(hints[field.name])}"
                    )
                kwargs[field.name] = value
        return cls(**kwargs)

    @staticmethod
    def from_json(line: str) -> Event:
        return Event.from_dict(json.loads(line))


def _as_type(value: Any, hint: Any) -> Any:
    """Turn JSON lists back into the tuples the dataclass declares (recursively)."""
    origin = typing.get_origin(hint)
    if origin is tuple and isinstance(value, list):
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_as_type(item, args[0]) for item in value)
        return tuple(_as_type(item, arg) for item, arg in zip(value, args, strict=True))
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if arg is not type(None) and value is not None:
                return _as_type(value, arg)
    return value


def _is_a(value: Any, hint: Any) -> bool:
    """Whether a value read back from JSON has the type the event declares."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_is_a(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_is_a(item, args[0]) for item in value)
        return len(args) == len(value) and all(_is_a(v, a) for v, a in zip(value, args, strict=True))
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _describe(hint: Any) -> str:
    return {float: "a number", int: "a whole number", str: "text", bool: "true or false"}.get(
        hint, f"a {getattr(hint, '__name__', str(hint))}"
    )


# --- device lifecycle -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DeviceStarted(Event):
    microphone: str
    camera: str
    simulated: bool


@dataclass(frozen=True, kw_only=True)
class DeviceStopped(Event):
    reason: str


@dataclass(frozen=True, kw_only=True)
class DeviceDegraded(Event):
    """A component stopped working; the rest of the device goes on without it."""

    component: str
    reason: str
    fix: str


@dataclass(frozen=True, kw_only=True)
class DeviceRecovered(Event):
    component: str


@dataclass(frozen=True, kw_only=True)
class MediaEnded(Event):
    """A file-backed source reached its end and was not set to loop."""

    source: str


@dataclass(frozen=True, kw_only=True)
class ChannelStats(Event):
    """How many items a media channel delivered and dropped (drop-oldest) over the run."""

    channel: str
    delivered: int
    dropped: int


# --- supervision ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StageFailed(Event):
    stage: str
    error: str
    attempt: int
    restart_in_s: float


@dataclass(frozen=True, kw_only=True)
class StageRestarted(Event):
    stage: str
    attempt: int


@dataclass(frozen=True, kw_only=True)
class StageGaveUp(Event):
    stage: str
    error: str


# --- audio ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SpeechStarted(Event):
    """Speech began at `start_sample` (16 kHz samples since the microphone opened)."""

    start_sample: int


@dataclass(frozen=True, kw_only=True)
class SpeechEnded(Event):
    """Speech that began at `start_sample` ended at `end_sample` (exclusive)."""

    start_sample: int
    end_sample: int

    @property
    def duration_s(self) -> float:
        return (self.end_sample - self.start_sample) / 16_000


# --- vision -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FacesDetected(Event):
    frame_index: int
    width: int
    height: int
    boxes: tuple[Box, ...]


def new_correlation_id() -> str:
    """A short random id that ties one interaction's events together."""
    import secrets

    return secrets.token_hex(6)


# --- wake word and turns ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class WakeWordDetected(Event):
    """A wake word ended at `end_sample`; the correlation id starts a new interaction."""

    model: str
    engine: str
    score: float
    end_sample: int


@dataclass(frozen=True, kw_only=True)
class UtteranceCaptured(Event):
    """The command after the wake word: samples [start_sample, end_sample) of the microphone stream."""

    start_sample: int
    end_sample: int
    reason: str
    """"end of turn" (the VAD heard silence), "max length", or why a pause ended it early
    ("command complete", "sentence complete")."""
    pause_id: int | None = None
    """The pause whose early-end request ended the turn; None when the VAD or the length did."""

    @property
    def duration_s(self) -> float:
        return (self.end_sample - self.start_sample) / 16_000


@dataclass(frozen=True, kw_only=True)
class TurnAbandoned(Event):
    """The wake word was heard but no command followed."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class EarlyEndPending(Event):
    """A pause inside the turn holds a complete request: the turn ends if the pause lasts."""

    pause_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class EarlyEndWithdrawn(Event):
    """An early-end request that will not end the turn: the user spoke again, the answer was about
    a pause already over, or the turn ended another way. The reply prepared for it is dropped."""

    pause_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class TurnStateChanged(Event):
    """The voice turn moved from one state to another (see `assistant/turn_state.py`)."""

    state: str
    previous: str
    cause: str
    """The event type that moved it."""


@dataclass(frozen=True, kw_only=True)
class WakeWordChecked(Event):
    """The second check on a trigger: what Whisper heard there and whether it stands."""

    model: str
    accepted: bool
    heard: str
    similarity: float
    seconds: float


@dataclass(frozen=True, kw_only=True)
class FalseWakeMarked(Event):
    """The household said the wake of this interaction was not meant for the device ("that wasn't
    for you"): its features become a local hard negative."""

    reason: str


# --- the voice turn ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class WakeWordSuppressed(Event):
    """A wake word heard while the device was saying it itself (the playback matched)."""

    model: str
    score: float


@dataclass(frozen=True, kw_only=True)
class Transcribed(Event):
    text: str
    recognizer: str
    confidence: float
    seconds: float
    """Time the recognition took."""
    audio_s: float


@dataclass(frozen=True, kw_only=True)
class IntentRecognized(Event):
    """Where the turn goes: a local skill's intent, or "cloud" for a question no skill is sure of."""

    route: str
    skill: str
    intent: str
    confidence: float


@dataclass(frozen=True, kw_only=True)
class CloudRequested(Event):
    provider: str
    ledger_id: int


@dataclass(frozen=True, kw_only=True)
class CloudFailed(Event):
    reason: str


@dataclass(frozen=True, kw_only=True)
class ReplyStarted(Event):
    """The first sample of the reply went to the speaker."""

    source: str
    """"local", "cloud" or "fallback"."""
    voice: str


@dataclass(frozen=True, kw_only=True)
class ReplyFinished(Event):
    interrupted: bool
    reason: str
    text: str
    """What was said (as far as it got)."""
    stop_ms: float = 0.0
    """For an interruption: from the request to the last sample handed to the speaker."""


@dataclass(frozen=True, kw_only=True)
class ReplyInterrupted(Event):
    """Someone cut the reply ("stop", the button, a new wake word); `ReplyFinished` follows once
    playback has stopped."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class TurnFinished(Event):
    """The conversation stage is done with this turn (or announcement), whatever happened."""

    outcome: str
    """"answered", "interrupted", "dropped" (a reply prepared in a pause the user talked through)
    or "failed"."""


@dataclass(frozen=True, kw_only=True)
class TimerRang(Event):
    label: str
    set_by: str = "unknown"


@dataclass(frozen=True, kw_only=True)
class PrivacyModeChanged(Event):
    on: bool
    reason: str


# --- presence ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FaceIdentified(Event):
    """The identity decision for a face track: a gallery name, or "unknown"."""

    track_id: int
    person: str
    known: bool
    distance: float
    """Mean distance of the deciding votes to the person's nearest embedding (lower: surer)."""
    after_s: float
    """Time from the track's first sight to this decision."""
    decision_id: str = ""
    """Names this decision for a correction (`ambient faces not NAME --decision ID`)."""


@dataclass(frozen=True, kw_only=True)
class PersonArrived(Event):
    person: str
    """A gallery name, or "unknown" for a stranger (then `track_id` tells strangers apart)."""
    track_id: int


@dataclass(frozen=True, kw_only=True)
class PersonLeft(Event):
    person: str
    track_id: int


@dataclass(frozen=True, kw_only=True)
class UnknownPersonSeen(Event):
    track_id: int
    distance: float


@dataclass(frozen=True, kw_only=True)
class FaceCorrectionRequested(Event):
    """Someone in view said they are not `person` ("that's not me", "I'm not Serena")."""

    person: str


@dataclass(frozen=True, kw_only=True)
class FaceCorrected(Event):
    """Faces taken for `person` were kept as that person's look-alikes: a face like them is no
    longer taken for `person`."""

    person: str
    source: str
    """"voice", "decision <id>" or "photo"."""
    lookalikes: int
    """How many encodings were kept."""
    decision_ids: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class EnrolmentRequested(Event):
    """Someone the device does not know asked to be remembered as `person` ("remember me as Ana")."""

    person: str


@dataclass(frozen=True, kw_only=True)
class EnrolmentPending(Event):
    """The newcomer's face was collected and waits for a household member's approval
    (`ambient faces approve NAME`)."""

    person: str
    images: int
    summary: str


@dataclass(frozen=True, kw_only=True)
class EnrolmentFailed(Event):
    person: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class FaceCorrectionFailed(Event):
    person: str
    reason: str


# --- context: who spoke, reminders, the shopping list, nudges ------------------------------------


@dataclass(frozen=True, kw_only=True)
class SpeakerResolved(Event):
    """Who said the utterance of this turn: the one enrolled person in view when it was captured,
    or "unknown" (no one, a stranger too, or two people: never a guess between them)."""

    person: str
    why: str


@dataclass(frozen=True, kw_only=True)
class ReminderSet(Event):
    person: str
    text: str
    """What to remind them of, as said ("take her keys")."""
    occasion: str
    """"leaving", "arriving" or "at" (then `due` is the wall-clock time, epoch seconds)."""
    due: float
    set_by: str


@dataclass(frozen=True, kw_only=True)
class ReminderDelivered(Event):
    reminder_id: int
    person: str


@dataclass(frozen=True, kw_only=True)
class ShoppingListChanged(Event):
    change: str
    """"added", "removed" or "cleared"."""
    item: str
    by: str


@dataclass(frozen=True, kw_only=True)
class NudgeOffered(Event):
    """A nudge spoken to `person`: the rule that fired, its reason and the context it saw."""

    rule: str
    person: str
    text: str
    reason: str
    context: str


@dataclass(frozen=True, kw_only=True)
class NudgeSuppressed(Event):
    rule: str
    person: str
    reason: str
    """Why it was not spoken: "no consent", "quiet hours", "a stranger is present", "rate limit",
    "not present"."""
    context: str


# --- purchases -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LivenessRequested(Event):
    """The presence stage is to watch `person` turn their head to `direction` for `seconds`."""

    person: str
    direction: str
    seconds: float


@dataclass(frozen=True, kw_only=True)
class LivenessChecked(Event):
    person: str
    direction: str
    passed: bool
    reason: str
    frames: int
    turn: float
    """How far the nose moved towards the side asked for (eye widths)."""
    face_motion: float
    surround_motion: float


@dataclass(frozen=True, kw_only=True)
class PurchaseRequested(Event):
    """Someone said "order more coffee"; `person` is who the device took for the speaker."""

    item: str
    person: str


@dataclass(frozen=True, kw_only=True)
class PurchaseConfirmationHeard(Event):
    """ "Confirm the order", said by `person` (the one person in view when it was heard)."""

    person: str


@dataclass(frozen=True, kw_only=True)
class PurchaseCancelRequested(Event):
    person: str


@dataclass(frozen=True, kw_only=True)
class PurchaseStep(Event):
    """One step of an order, as the ledger has it: "identity", "quote", "limits", "liveness",
    "confirmation", "placed", "cancelled", with its outcome ("ok", "refused", "failed") and why."""

    order_id: int
    step: str
    outcome: str
    reason: str
