"""The context store: who is here, who is speaking, visits, interactions, reminders, the shopping
list and nudge decisions, kept in SQLite (`context/database.py`) and written only by its bus
subscription (`on_event`): a skill that sets a reminder publishes `ReminderSet`, the nudge stage
publishes `NudgeOffered`, and this store records them. Presence is also kept in memory, because
skills ask "who is here" on the event loop; the SQLite writes go to the state executor.

Who is speaking is the one enrolled person in view both when the wake word was heard and when the
utterance was captured, with no stranger in view; otherwise "unknown". With two people in the room
the device cannot tell which of them spoke (it does not read lips), so it never guesses.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ambient.context.database import enforce_retention, forget_person, open_context
from ambient.events import (
    Event,
    IntentRecognized,
    NudgeOffered,
    NudgeSuppressed,
    PersonArrived,
    PersonLeft,
    ReminderDelivered,
    ReminderSet,
    ReplyFinished,
    ReplyStarted,
    ShoppingListChanged,
    SpeakerResolved,
    TimerRang,
    Transcribed,
    TurnFinished,
    UtteranceCaptured,
    WakeWordDetected,
)

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
_REMEMBERED_TURNS = 64
"""Speakers kept in memory by correlation id: enough for every turn still being answered."""

T = TypeVar("T")


class PresenceView(Protocol):
    """What a skill may ask ("who is here"); the store changes only through `on_event`."""

    def who_is_here(self) -> list[str]: ...

    def strangers_present(self) -> int: ...


@dataclass
class _Presence:
    since: float
    tracks: set[int]


def time_of_day(moment: datetime) -> str:
    hour = moment.hour
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 18:
        return "afternoon"
    if 18 <= hour < 23:
        return "evening"
    return "night"


class ContextStore:
    def __init__(
        self,
        path: Path | None = None,
        wall_clock: Callable[[], float] = time.time,
        executor: Executor | None = None,
        retention_days: float = 7.0,
    ) -> None:
        """`path` None keeps the store in memory (tests of other parts, `ambient run` without a
        state directory never happens). `executor` runs the writes (None: in the caller)."""
        self._db = open_context(path) if path is not None else _memory_database()
        self._lock = threading.Lock()
        self._wall = wall_clock
        self._executor = executor
        self.retention_days = retention_days
        self._people: dict[str, _Presence] = {}
        self._strangers: set[int] = set()
        self._at_wake: OrderedDict[str, str] = OrderedDict()
        self._speakers: OrderedDict[str, str] = OrderedDict()
        self._explanations: OrderedDict[str, str] = OrderedDict()
        """Why the device said what it said unasked, by correlation id (nudges, timers)."""
        self._last_spoken = ""
        self._heard: OrderedDict[str, str] = OrderedDict()
        self.publish: Callable[[Event], None] = lambda event: None
        """Set by the device to the bus's publish: the store announces `SpeakerResolved`."""

    # --- the one writer ----------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        """Subscribe this to the bus."""
        now = self._wall()
        cid = event.correlation_id or ""
        if isinstance(event, PersonArrived):
            self.person_arrived(event.person, event.track_id, now)
        elif isinstance(event, PersonLeft):
            self.person_left(event.person, event.track_id, now)
        elif isinstance(event, WakeWordDetected) and cid:
            self._remember(self._at_wake, cid, self.speaker_now()[0])
        elif isinstance(event, UtteranceCaptured) and cid:
            person, why = self._resolve(cid)
            self._remember(self._speakers, cid, person)
            self._write("INSERT OR IGNORE INTO interactions (correlation_id, t, speaker) VALUES (?, ?, ?)",
                        (cid, now, person))  # fmt: skip
            self.publish(SpeakerResolved(t=event.t, correlation_id=cid, person=person, why=why))
        elif isinstance(event, Transcribed) and cid:
            self._remember(self._heard, cid, event.text)
            self._write("UPDATE interactions SET text = ? WHERE correlation_id = ?", (event.text, cid))
        elif isinstance(event, IntentRecognized) and cid:
            self._write("UPDATE interactions SET route = ?, skill = ?, intent = ? WHERE correlation_id = ?",
                        (event.route, event.skill, event.intent, cid))  # fmt: skip
        elif isinstance(event, ReplyFinished) and cid and event.text:
            self._write("UPDATE interactions SET reply = ? WHERE correlation_id = ?", (event.text, cid))
        elif isinstance(event, TurnFinished) and cid:
            self._write("UPDATE interactions SET outcome = ? WHERE correlation_id = ?", (event.outcome, cid))
        elif isinstance(event, ReminderSet):
            self._write(
                "INSERT INTO reminders (person, text, occasion, due, set_by, created, correlation_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (event.person, event.text, event.occasion, event.due, event.set_by, now, cid),
            )
        elif isinstance(event, ReminderDelivered):
            self._write("UPDATE reminders SET delivered = ? WHERE id = ?", (now, event.reminder_id))
        elif isinstance(event, ShoppingListChanged):
            self._shopping(event, now)
        elif isinstance(event, ReplyStarted) and cid:
            self._last_spoken = cid
        elif isinstance(event, TimerRang) and cid:
            self._remember(self._explanations, cid, f"your {event.label} timer rang")
        elif isinstance(event, NudgeOffered | NudgeSuppressed):
            if isinstance(event, NudgeOffered) and cid:
                self._remember(self._explanations, cid, f"{event.reason}: {event.context}")
            offered = isinstance(event, NudgeOffered)
            text = event.text if isinstance(event, NudgeOffered) else ""
            self._write(
                "INSERT INTO nudges (t, rule, person, offered, reason, text, context, correlation_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (now, event.rule, event.person, int(offered), event.reason, text, event.context, cid),
            )

    def person_arrived(self, person: str, track_id: int, now: float) -> None:
        """(Through `on_event`; public for tests of the skills that read presence.)"""
        if person == UNKNOWN:
            self._strangers.add(track_id)
            return
        if person not in self._people:
            self._write("INSERT INTO visits (person, arrived) VALUES (?, ?)", (person, now))
        self._people.setdefault(person, _Presence(now, set())).tracks.add(track_id)

    def person_left(self, person: str, track_id: int, now: float | None = None) -> None:
        now = self._wall() if now is None else now
        if person == UNKNOWN:
            self._strangers.discard(track_id)
            return
        if self._people.pop(person, None) is not None:
            self._write("UPDATE visits SET left = ? WHERE person = ? AND left IS NULL", (now, person))

    def _shopping(self, event: ShoppingListChanged, now: float) -> None:
        if event.change == "added":
            self._write(
                "INSERT INTO shopping (item, added_by, added) VALUES (?, ?, ?)", (event.item, event.by, now)
            )
        elif event.change == "removed":
            self._write("DELETE FROM shopping WHERE item = ?", (event.item,))
        elif event.change == "cleared":
            self._write("DELETE FROM shopping", ())

    def _write(self, statement: str, parameters: tuple[Any, ...]) -> None:
        def run() -> None:
            try:
                with self._lock:
                    self._db.execute(statement, parameters)
            except sqlite3.Error:
                log.exception("the context store could not record a change")

        if self._executor is None:
            run()
        else:
            self._executor.submit(run)

    @staticmethod
    def _remember(memory: OrderedDict[str, str], cid: str, person: str) -> None:
        memory[cid] = person
        while len(memory) > _REMEMBERED_TURNS:
            memory.popitem(last=False)

    # --- presence and the speaker --------------------------------------------------------------

    def who_is_here(self) -> list[str]:
        return sorted(self._people)

    def strangers_present(self) -> int:
        return len(self._strangers)

    def present_since(self, person: str) -> float | None:
        presence = self._people.get(person)
        return presence.since if presence else None

    def speaker_now(self) -> tuple[str, str]:
        """(who would be taken as speaking now, why)."""
        known, strangers = self.who_is_here(), self.strangers_present()
        if strangers:
            return UNKNOWN, "someone I don't know is in view"
        if len(known) == 1:
            return known[0], "the only person in view"
        if not known:
            return UNKNOWN, "no one I know is in view"
        return UNKNOWN, f"{len(known)} people are in view"

    def _resolve(self, cid: str) -> tuple[str, str]:
        person, why = self.speaker_now()
        at_wake = self._at_wake.get(cid)
        if at_wake is not None and at_wake != person:
            return UNKNOWN, "who was in view changed during the request"
        return person, why

    def speaker_of(self, cid: str) -> str:
        """The speaker of turn `cid`: as resolved when it was captured, or (a reply prepared in a
        pause, before the capture) as it would be resolved now."""
        if cid in self._speakers:
            return self._speakers[cid]
        return self._resolve(cid)[0] if cid else UNKNOWN

    def why_last(self) -> str | None:
        """Why the device said the last thing it said (before the question asking why), or None
        when it has said nothing since it started."""
        cid = self._last_spoken
        if not cid:
            return None
        if cid in self._explanations:
            return self._explanations[cid]
        heard = self._heard.get(cid, "").strip()
        return f"you asked me: {heard}" if heard else "you asked me something I didn't catch"

    # --- reading -------------------------------------------------------------------------------

    def read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """Runs `query` on the database under the store's lock (after the writes already queued
        when `flush` was called)."""
        with self._lock:
            return query(self._db)

    def flush(self) -> None:
        """Waits until every write queued so far is done."""
        if self._executor is not None:
            self._executor.submit(lambda: None).result()

    def consents(self, person: str) -> bool:
        query = "SELECT nudges FROM consent WHERE person = ?"
        row = self.read(lambda db: db.execute(query, (person,)).fetchone())
        return bool(row and row[0])

    def set_consent(self, person: str, on: bool) -> None:
        """Consent is the household's word, given from the command line (`ambient context consent`)."""
        self.read(
            lambda db: db.execute(
                "INSERT INTO consent (person, nudges, changed) VALUES (?, ?, ?) "
                "ON CONFLICT(person) DO UPDATE SET nudges = excluded.nudges, changed = excluded.changed",
                (person, int(on), self._wall()),
            )
        )

    def enforce_retention(self) -> int:
        return self.read(lambda db: enforce_retention(db, self._wall(), self.retention_days))

    def forget(self, person: str) -> int:
        """Drops every trace of a person, in memory and on disk (`ambient faces forget` and
        `ambient context forget`)."""
        self._people.pop(person, None)
        for cid in [cid for cid, text in self._heard.items() if person.lower() in text.lower()]:
            del self._heard[cid]
        for memory in (self._at_wake, self._speakers):
            for cid in [cid for cid, name in memory.items() if name == person]:
                memory[cid] = UNKNOWN
        self.flush()
        return self.read(lambda db: forget_person(db, person))

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._db.close()


def _memory_database() -> sqlite3.Connection:
    from ambient.context.database import SCHEMA

    db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    db.executescript(SCHEMA)
    return db
