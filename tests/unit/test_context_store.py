"""The context store: SQLite in the state directory, written only through the events it is
subscribed to; who is speaking; retention; forgetting a person."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ambient.context.database import context_path
from ambient.context.store import ContextStore
from ambient.errors import ConfigError
from ambient.events import (
    Event,
    IntentRecognized,
    NudgeOffered,
    PersonArrived,
    PersonLeft,
    ReminderSet,
    ReplyFinished,
    ReplyStarted,
    ShoppingListChanged,
    SpeakerResolved,
    Transcribed,
    TurnFinished,
    UtteranceCaptured,
    WakeWordDetected,
)
from ambient.runtime.bus import EventBus


class Wall:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _store(path: Path | None, wall: Wall) -> tuple[ContextStore, EventBus, list[Event]]:
    bus = EventBus()
    events = bus.keep_history()
    store = ContextStore(path, wall)
    store.publish = bus.publish
    bus.subscribe(store.on_event)
    return store, bus, events


def _wake(bus: EventBus, cid: str) -> None:
    bus.publish(WakeWordDetected(t=0.0, correlation_id=cid, model="m", engine="e", score=0.9, end_sample=0))


def _capture(bus: EventBus, cid: str) -> None:
    bus.publish(UtteranceCaptured(t=1.0, correlation_id=cid, start_sample=0, end_sample=1, reason="pause"))


def test_presence_follows_the_bus() -> None:
    store, bus, _ = _store(None, Wall())
    bus.publish(PersonArrived(t=1.0, person="Ada", track_id=1))
    bus.publish(PersonArrived(t=1.5, person="unknown", track_id=2))
    assert store.who_is_here() == ["Ada"] and store.strangers_present() == 1
    bus.publish(PersonLeft(t=4.0, person="Ada", track_id=1))
    bus.publish(PersonLeft(t=4.5, person="unknown", track_id=2))
    assert store.who_is_here() == [] and store.strangers_present() == 0


def test_visits_and_interactions_survive_a_restart_in_a_private_file(tmp_path: Path) -> None:
    wall = Wall()
    path = context_path(tmp_path)
    store, bus, _ = _store(path, wall)
    bus.publish(PersonArrived(t=1.0, person="Ada", track_id=1))
    _wake(bus, "c1")
    _capture(bus, "c1")
    bus.publish(Transcribed(t=2.0, correlation_id="c1", text="what time is it", recognizer="r",
                            confidence=1.0, seconds=0.1, audio_s=1.0))  # fmt: skip
    bus.publish(IntentRecognized(t=2.1, correlation_id="c1", route="local", skill="clock", intent="time",
                                 confidence=1.0))  # fmt: skip
    bus.publish(
        ReplyFinished(t=3.0, correlation_id="c1", interrupted=False, reason="done", text="It is noon.")
    )
    bus.publish(TurnFinished(t=3.1, correlation_id="c1", outcome="answered"))
    wall.now += 600
    bus.publish(PersonLeft(t=600.0, person="Ada", track_id=1))
    store.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    again = ContextStore(path, wall)
    visits = again.read(lambda db: db.execute("SELECT person, arrived, left FROM visits").fetchall())
    assert visits == [("Ada", wall.now - 600, wall.now)]
    query = "SELECT speaker, text, route, skill, reply, outcome FROM interactions WHERE correlation_id = 'c1'"
    row = again.read(lambda db: db.execute(query).fetchone())
    assert row == ("Ada", "what time is it", "local", "clock", "It is noon.", "answered")


@pytest.mark.parametrize(
    ("arrivals", "speaker", "why"),
    [
        ([("Ada", 1)], "Ada", "the only person in view"),
        ([("Ada", 1), ("Ben", 2)], "unknown", "2 people are in view"),
        ([("Ada", 1), ("unknown", 3)], "unknown", "someone I don't know is in view"),
        ([], "unknown", "no one I know is in view"),
    ],
)
def test_the_speaker_is_the_one_person_in_view_or_unknown(
    arrivals: list[tuple[str, int]], speaker: str, why: str
) -> None:
    store, bus, events = _store(None, Wall())
    for person, track in arrivals:
        bus.publish(PersonArrived(t=0.0, person=person, track_id=track))
    _wake(bus, "c1")
    _capture(bus, "c1")
    resolved = [e for e in events if isinstance(e, SpeakerResolved)]
    assert [(e.correlation_id, e.person, e.why) for e in resolved] == [("c1", speaker, why)]
    assert store.speaker_of("c1") == speaker


def test_someone_else_stepping_in_during_the_request_makes_the_speaker_unknown() -> None:
    store, bus, _ = _store(None, Wall())
    bus.publish(PersonArrived(t=0.0, person="Ada", track_id=1))
    _wake(bus, "c1")
    bus.publish(PersonLeft(t=0.5, person="Ada", track_id=1))
    bus.publish(PersonArrived(t=0.6, person="Ben", track_id=2))
    assert store.speaker_of("c1") == "unknown"  # before the capture too (a reply prepared in a pause)
    _capture(bus, "c1")
    assert store.speaker_of("c1") == "unknown"


def test_retention_deletes_old_context_but_keeps_what_waits(tmp_path: Path) -> None:
    wall = Wall()
    store, bus, _ = _store(context_path(tmp_path), wall)
    bus.publish(PersonArrived(t=0.0, person="Ada", track_id=1))
    bus.publish(PersonLeft(t=1.0, person="Ada", track_id=1))
    _wake(bus, "c1")
    _capture(bus, "c1")
    bus.publish(ReminderSet(t=0.0, person="Ada", text="water the plants", occasion="arriving", due=0.0,
                            set_by="Ada"))  # fmt: skip
    bus.publish(ShoppingListChanged(t=0.0, change="added", item="milk", by="Ada"))
    wall.now += 8 * 86_400
    store.retention_days = 7
    assert store.enforce_retention() == 2  # the visit and the interaction
    counts = store.read(
        lambda db: [db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                    for table in ("visits", "interactions", "reminders", "shopping")]
    )  # fmt: skip
    assert counts == [0, 0, 1, 1]


def test_forget_erases_a_person_everywhere(tmp_path: Path) -> None:
    wall = Wall()
    store, bus, _ = _store(context_path(tmp_path), wall)
    bus.publish(PersonArrived(t=0.0, person="Ada", track_id=1))
    _wake(bus, "c1")
    _capture(bus, "c1")
    bus.publish(Transcribed(t=2.0, correlation_id="c1", text="add milk to the list", recognizer="r",
                            confidence=1.0, seconds=0.1, audio_s=1.0))  # fmt: skip
    bus.publish(ShoppingListChanged(t=0.0, change="added", item="milk", by="Ada"))
    bus.publish(ReminderSet(t=0.0, person="Ben", text="call Ada", occasion="leaving", due=0.0, set_by="Ada"))
    bus.publish(ReminderSet(t=0.0, person="Ben", text="feed the cat", occasion="leaving", due=0.0,
                            set_by="Ada"))  # fmt: skip
    bus.publish(NudgeOffered(t=0.0, correlation_id="n1", rule="reminder", person="Ada", text="Ada, hi.",
                             reason="r", context="Ada arrived"))  # fmt: skip
    bus.publish(ReplyStarted(t=0.0, correlation_id="n1", source="local", voice="v"))
    store.set_consent("Ada", True)
    assert store.forget("Ada") > 0
    assert store.who_is_here() == []
    dump = store.read(lambda db: "\n".join(db.iterdump()))
    assert "Ada" not in dump
    assert "'milk','someone'" in dump.replace(", ", ",")  # the household's list keeps the item
    assert "feed the cat" in dump  # a reminder Ada set for Ben stays, without her name
    assert not store.consents("Ada")


def test_why_the_device_spoke() -> None:
    store, bus, _ = _store(None, Wall())
    assert store.why_last() is None
    bus.publish(NudgeOffered(t=0.0, correlation_id="n1", rule="reminder", person="Ada",
                             text="Ada, remember to take your keys.",
                             reason="you asked me to remind Ada to take her keys when they leave",
                             context="Ada left at 08:10"))  # fmt: skip
    bus.publish(ReplyStarted(t=0.0, correlation_id="n1", source="local", voice="v"))
    assert (
        store.why_last() == "you asked me to remind Ada to take her keys when they leave: Ada left at 08:10"
    )
    bus.publish(Transcribed(t=2.0, correlation_id="c2", text="What time is it?", recognizer="r",
                            confidence=1.0, seconds=0.1, audio_s=1.0))  # fmt: skip
    bus.publish(ReplyStarted(t=0.0, correlation_id="c2", source="local", voice="v"))
    assert store.why_last() == "you asked me: What time is it?"


def test_a_corrupt_store_is_one_line(tmp_path: Path) -> None:
    path = context_path(tmp_path)
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match=r"cannot be opened .*move it aside") as caught:
        ContextStore(path)
    assert "\n" not in str(caught.value)
