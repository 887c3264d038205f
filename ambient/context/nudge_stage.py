"""The nudge stage: when an occasion comes (someone arrives or leaves, a reminder's time, a rule's
time), it builds the nudges due, asks the policy, publishes the decision and speaks what may be
spoken. Reminders stay pending until spoken: one held back (quiet hours, a stranger in the room,
the hourly limit) is tried again while its person is here, or at its next occasion.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from datetime import date, datetime
from typing import TypeVar

from ambient.clock import Clock
from ambient.context.nudges import Nudge, NudgePolicy, NudgeRule
from ambient.context.reminders import Reminder, addressed_to, reminders_due, reminders_for
from ambient.context.store import UNKNOWN, ContextStore
from ambient.events import (
    Event,
    NudgeOffered,
    NudgeSuppressed,
    PersonArrived,
    PersonLeft,
    ReminderDelivered,
    TimerRang,
    new_correlation_id,
)
from ambient.runtime.bus import EventBus

log = logging.getLogger(__name__)

POLL_S = 1.0
RETENTION_EVERY_S = 3600.0
T = TypeVar("T")


def _clock_text(moment: float) -> str:
    return datetime.fromtimestamp(moment).strftime("%H:%M")


class NudgeStage:
    def __init__(
        self,
        store: ContextStore,
        rules: list[NudgeRule],
        policy: NudgePolicy,
        announce: Callable[[str, str], Awaitable[None]],
        bus: EventBus,
        clock: Clock,
        wall_clock: Callable[[], float] = time.time,
        executor: Executor | None = None,
    ) -> None:
        self._store = store
        self._rules = rules
        self._policy = policy
        self._announce = announce
        self._bus = bus
        self._clock = clock
        self._wall = wall_clock
        self._executor = executor
        self._occasions: deque[tuple[str, str, float]] = deque()
        """(occasion, person, wall time) from the bus, taken by `run`."""
        self._held: dict[tuple[str, str, str], tuple[Nudge, int | None]] = {}
        """Nudges held back while their person is here, by (rule, person, text), with the reminder
        they deliver: tried again every poll."""
        self._told: dict[tuple[str, str, str], str] = {}
        """The last suppression published per nudge: the same decision is not published again."""
        self._spoken: deque[tuple[str, float]] = deque()
        self._away_timers: dict[str, list[tuple[str, float]]] = {}
        self._rules_fired: set[tuple[str, date]] = set()
        bus.subscribe(self.on_event)

    def on_event(self, event: Event) -> None:
        now = self._wall()
        if isinstance(event, PersonArrived) and event.person != UNKNOWN:
            self._occasions.append(("arriving", event.person, now))
        elif isinstance(event, PersonLeft) and event.person != UNKNOWN:
            self._occasions.append(("leaving", event.person, now))
        elif isinstance(event, TimerRang) and event.set_by not in (UNKNOWN, *self._store.who_is_here()):
            self._away_timers.setdefault(event.set_by, []).append((event.label, now))

    async def run(self) -> None:
        last_retention = 0.0
        while True:
            await self.step()
            if self._clock.now() - last_retention >= RETENTION_EVERY_S:
                last_retention = self._clock.now()
                deleted = await self._in_state(self._store.enforce_retention)
                if deleted:
                    log.info("context retention: %d old rows deleted", deleted)
            await self._clock.sleep(POLL_S)

    async def step(self) -> None:
        """One look: the occasions that came, the reminders and rules whose time came, and the
        nudges held back."""
        while self._occasions:
            occasion, person, at = self._occasions.popleft()
            await self._occasion(occasion, person, at)
        now = self._wall()
        present = self._store.who_is_here()
        for reminder in await self._in_state(lambda: self._store.read(lambda db: reminders_due(db, now))):
            if reminder.person in present:
                context = f"it was set for {_clock_text(reminder.due)} and {reminder.person} is here"
                await self._offer(self._reminder_nudge(reminder, context), reminder.id)
        await self._timed_rules(now, present)
        for key, (nudge, reminder_id) in list(self._held.items()):
            if nudge.person in self._store.who_is_here():
                await self._offer(nudge, reminder_id)
            else:
                del self._held[key]  # they went: the reminder waits for its next occasion

    async def _occasion(self, occasion: str, person: str, at: float) -> None:
        when = "arrived" if occasion == "arriving" else "left"
        context = f"{person} {when} at {_clock_text(at)}"
        for reminder in await self._in_state(
            lambda: self._store.read(lambda db: reminders_for(db, person, occasion))
        ):
            await self._offer(self._reminder_nudge(reminder, context), reminder.id)
        if occasion == "arriving":
            # timed reminders that came due while they were out are told when they are back
            overdue = await self._in_state(lambda: self._store.read(lambda db: reminders_due(db, at)))
            for reminder in overdue:
                if reminder.person == person:
                    late = f"it was due at {_clock_text(reminder.due)} while {person} was out; {context}"
                    await self._offer(self._reminder_nudge(reminder, late), reminder.id)
            for label, rang in self._away_timers.pop(person, []):
                await self._offer(
                    Nudge(
                        "timer_while_away", person,
                        f"{person}, your {label} timer rang at {_clock_text(rang)} while you were out.",
                        "a timer you set rang while you were out of the room",
                        f"it rang at {_clock_text(rang)}; {context}", personal=False, consented=True,
                    ),
                    None,
                )  # fmt: skip
        moment = datetime.fromtimestamp(at)
        for rule in self._rules:
            if rule.when == occasion and rule.applies_to(person, moment):
                await self._offer(rule.nudge_for(person, context), None)

    async def _timed_rules(self, now: float, present: list[str]) -> None:
        moment = datetime.fromtimestamp(now)
        for rule in self._rules:
            if rule.when != "at" or rule.at is None:
                continue
            key = (rule.name, moment.date())
            since = (moment - datetime.combine(moment.date(), rule.at)).total_seconds()
            # within ten minutes of its time: a device started at noon does not say the 7:30 rule
            if not 0 <= since < 600 or key in self._rules_fired:
                continue
            self._rules_fired.add(key)
            for person in present:
                if rule.applies_to(person, moment):
                    context = f"it is {rule.at:%H:%M} and {person} is here"
                    await self._offer(rule.nudge_for(person, context), None)

    @staticmethod
    def _reminder_nudge(reminder: Reminder, context: str) -> Nudge:
        by = "you asked me" if reminder.said_by_themselves() else f"{reminder.set_by} asked me"
        if reminder.set_by == UNKNOWN:
            by = "someone asked me"
        return Nudge(
            "reminder", reminder.person,
            f"{reminder.person}, remember to {addressed_to(reminder.text)}.",
            f"{by} to remind {reminder.person} to {reminder.text} {reminder.occasion_phrase()}",
            context, personal=True, consented=reminder.said_by_themselves(),
        )  # fmt: skip

    async def _offer(self, nudge: Nudge, reminder_id: int | None) -> None:
        now = self._wall()
        while self._spoken and self._spoken[0][1] < now - 3600:
            self._spoken.popleft()
        opted_in = await self._in_state(lambda: self._store.consents(nudge.person))
        spoken_last_hour = sum(1 for person, _ in self._spoken if person == nudge.person)
        refusal = self._policy.refuse(
            nudge, datetime.fromtimestamp(now), opted_in, self._store.strangers_present(), spoken_last_hour
        )
        key = (nudge.rule, nudge.person, nudge.text)
        if refusal is not None:
            if refusal in ("quiet hours", "a stranger is present", "rate limit") and (
                nudge.person in self._store.who_is_here()
            ):
                self._held[key] = (nudge, reminder_id)
            if self._told.get(key) != refusal:
                self._told[key] = refusal
                self._bus.publish(NudgeSuppressed(t=self._clock.now(), rule=nudge.rule, person=nudge.person,
                                                  reason=refusal, context=nudge.context))  # fmt: skip
            if refusal == "no consent" and reminder_id is not None:
                # without consent it will never be spoken: it is done, not kept waiting
                self._bus.publish(
                    ReminderDelivered(t=self._clock.now(), reminder_id=reminder_id, person=nudge.person)
                )
            return
        self._held.pop(key, None)
        self._told.pop(key, None)
        self._spoken.append((nudge.person, now))
        cid = new_correlation_id()
        at = self._clock.now()
        self._bus.publish(
            NudgeOffered(t=at, correlation_id=cid, rule=nudge.rule, person=nudge.person, text=nudge.text,
                         reason=nudge.reason, context=nudge.context)
        )  # fmt: skip
        if reminder_id is not None:
            self._bus.publish(
                ReminderDelivered(t=at, correlation_id=cid, reminder_id=reminder_id, person=nudge.person)
            )
        await self._announce(cid, nudge.text)

    async def _in_state(self, job: Callable[[], T]) -> T:
        """SQLite off the event loop, after the store's queued writes (the same executor)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, job)
