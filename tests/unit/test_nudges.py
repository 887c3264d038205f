"""Nudges: household rules from TOML (every mistake one line), the policy (consent, quiet hours,
a stranger in the room, the hourly limit), and the nudge stage delivering reminders on their
occasion, holding back what may not be said yet, and surviving a restart."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from ambient.clock import FakeClock
from ambient.context.database import context_path
from ambient.context.nudge_stage import NudgeStage
from ambient.context.nudges import Nudge, NudgePolicy, TimeWindow, load_rules
from ambient.context.store import ContextStore
from ambient.errors import ConfigError
from ambient.events import (
    Event,
    NudgeOffered,
    NudgeSuppressed,
    PersonArrived,
    PersonLeft,
    ReminderDelivered,
    ReminderSet,
    ReplyStarted,
    TimerRang,
)
from ambient.runtime.bus import EventBus

HEAD = "[[nudge]]\nname = 'a'\n"
BASE = HEAD + "when = 'leaving'\nsay = 'hi'\nreason = 'r'\n"

RULES = """
[[nudge]]
name = "umbrella"
when = "leaving"
between = "06:00-10:00"
say = "{person}, the forecast says rain: take an umbrella."
reason = "the household asked for an umbrella reminder on mornings"

[[nudge]]
name = "medicine"
when = "at"
at = "08:00"
people = ["Ana"]
say = "{person}, time for your medicine."
reason = "Ana asked to be reminded of her medicine at eight"
personal = true
"""


def test_rules_load(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(RULES)
    umbrella, medicine = load_rules(path)
    assert umbrella.when == "leaving" and str(umbrella.between) == "06:00-10:00" and not umbrella.personal
    assert medicine.at is not None and f"{medicine.at:%H:%M}" == "08:00" and medicine.people == ("Ana",)
    assert medicine.nudge_for("Ana", "it is 08:00").text == "Ana, time for your medicine."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[nudge]]\nname = 'a'\nwhen = 'leaving'\nsay = 'hi'", "reason is missing"),
        (HEAD + "when = 'sometimes'\nsay = 'hi'\nreason = 'r'", "when = 'sometimes'; use one of"),
        ("[[nudge]]\nname = 'a'\nwhen = 'at'\nsay = 'hi'\nreason = 'r'", 'needs at = "HH:MM"'),
        ("[[nudge]]\nname = 'a'\nwhen = 'at'\nat = '25:00'\nsay = 'hi'\nreason = 'r'", 'needs at = "HH:MM"'),
        ("[[nudge]]\nname = 'a'\nwhen = 'leaving'\nsay = 'hi'\nreason = 'r'\nbetween = '6-10'",
         "is not a time window"),
        (HEAD + "when = 'leaving'\nsay = 'hi {name}'\nreason = 'r'", "only {person} is filled in"),
        (BASE + "colour = 'red'", "unknown key 'colour'"),
        (BASE + "people = 'Ana'", "list of names"),
        ("[[nudge]]\nname = 'a'\nwhen = 'leaving'\nsay = 'hi'\nreason = 'r'\n"
         "[[nudge]]\nname = 'a'\nwhen = 'arriving'\nsay = 'hi'\nreason = 'r'", "two rules are named 'a'"),
        ("[rules]\nname = 'a'", "unknown table 'rules'"),
        ("[[nudge]\nname = ", "not valid TOML"),
    ],
)  # fmt: skip
def test_every_rule_mistake_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_the_policy_in_order() -> None:
    policy = NudgePolicy(TimeWindow.parse("22:00-07:00", "test"), per_hour=2)
    evening, night = datetime(2026, 12, 3, 19, 0), datetime(2026, 12, 3, 23, 30)
    personal = Nudge("reminder", "Ana", "Ana, hi.", "r", "c", personal=True, consented=True)
    general = Nudge("umbrella", "Ana", "Ana, rain.", "r", "c", personal=False)
    assert policy.refuse(general, evening, opted_in=False, strangers=0, spoken_last_hour=0) == "no consent"
    assert policy.refuse(general, evening, opted_in=True, strangers=1, spoken_last_hour=0) is None
    assert policy.refuse(personal, evening, opted_in=False, strangers=0, spoken_last_hour=0) is None
    assert policy.refuse(personal, night, opted_in=False, strangers=0, spoken_last_hour=0) == "quiet hours"
    assert policy.refuse(personal, evening, False, strangers=1, spoken_last_hour=0) == "a stranger is present"
    assert policy.refuse(personal, evening, False, strangers=0, spoken_last_hour=2) == "rate limit"


class Room:
    """The context store and the nudge stage on one bus, with a wall clock the test moves."""

    def __init__(self, state: Path, hour: int = 18, rules: list | None = None) -> None:  # type: ignore[type-arg]
        self.wall = datetime(2026, 12, 3, hour, 0).timestamp()
        self.bus = EventBus()
        self.events: list[Event] = self.bus.keep_history()
        self.store = ContextStore(context_path(state), lambda: self.wall)
        self.bus.subscribe(self.store.on_event)
        self.spoken: list[str] = []
        self.stage = NudgeStage(
            self.store, rules or [], NudgePolicy(TimeWindow.parse("22:00-07:00", "test"), 3),
            self._announce, self.bus, FakeClock(), lambda: self.wall,
        )  # fmt: skip

    async def _announce(self, cid: str, text: str) -> None:
        self.bus.publish(ReplyStarted(t=0.0, correlation_id=cid, source="local", voice="test"))
        self.spoken.append(text)

    def step(self, *events: Event) -> list[str]:
        """Publish `events`, let the stage look once; what it said."""
        before = len(self.spoken)
        for event in events:
            self.bus.publish(event)
        asyncio.run(self.stage.step())
        return self.spoken[before:]

    def suppressed(self) -> list[tuple[str, str, str]]:
        return [(e.rule, e.person, e.reason) for e in self.events if isinstance(e, NudgeSuppressed)]


def _remind(person: str, text: str, occasion: str, set_by: str, due: float = 0.0) -> ReminderSet:
    return ReminderSet(t=0.0, person=person, text=text, occasion=occasion, due=due, set_by=set_by)


def test_a_leaving_reminder_is_said_as_they_leave_once_even_across_a_restart(tmp_path: Path) -> None:
    room = Room(tmp_path)
    room.step(_remind("Ana", "take her keys", "leaving", "Ana"), PersonArrived(t=0, person="Ana", track_id=1))
    assert room.spoken == []
    assert room.step(PersonLeft(t=1, person="Ana", track_id=1)) == ["Ana, remember to take your keys."]
    offered = [e for e in room.events if isinstance(e, NudgeOffered)]
    assert [(e.rule, e.person, e.context) for e in offered] == [("reminder", "Ana", "Ana left at 18:00")]
    assert "you asked me to remind Ana to take her keys when they leave" in (room.store.why_last() or "")
    delivered = [e for e in room.events if isinstance(e, ReminderDelivered)]
    assert [e.correlation_id for e in delivered] == [offered[0].correlation_id]
    room.store.close()
    again = Room(tmp_path)  # a restart: the delivered reminder is not said again
    assert (
        again.step(PersonArrived(t=0, person="Ana", track_id=1), PersonLeft(t=1, person="Ana", track_id=1))
        == []
    )


def test_a_reminder_waits_out_quiet_hours_and_a_stranger(tmp_path: Path) -> None:
    room = Room(tmp_path, hour=6)
    room.step(_remind("Ana", "water the plants", "arriving", "Ana"))
    assert room.step(PersonArrived(t=0, person="Ana", track_id=1)) == []
    assert room.suppressed() == [("reminder", "Ana", "quiet hours")]
    room.bus.publish(PersonArrived(t=0, person="unknown", track_id=9))
    room.wall += 3600  # 07:00: quiet hours over, but a stranger is in the room and the reminder is personal
    assert room.step() == []
    assert room.suppressed()[-1] == ("reminder", "Ana", "a stranger is present")
    assert room.step() == [] and len(room.suppressed()) == 2  # the same decision is not published again
    assert room.step(PersonLeft(t=2, person="unknown", track_id=9)) == ["Ana, remember to water the plants."]


def test_a_timed_reminder_is_said_at_its_time_or_when_they_are_back(tmp_path: Path) -> None:
    room = Room(tmp_path, hour=17)
    six = datetime(2026, 12, 3, 18, 0).timestamp()
    room.step(
        _remind("Ana", "call the bank", "at", "Ana", six), _remind("Ben", "feed the cat", "at", "Ben", six)
    )
    room.step(PersonArrived(t=0, person="Ana", track_id=1))
    assert room.step() == []
    room.wall = six + 1
    assert room.step() == ["Ana, remember to call the bank."]  # Ben is out: his waits
    room.wall = six + 1800
    said = room.step(PersonArrived(t=0, person="Ben", track_id=2))
    assert said == ["Ben, remember to feed the cat."]
    offered = [e for e in room.events if isinstance(e, NudgeOffered)]
    assert offered[-1].context == "it was due at 18:00 while Ben was out; Ben arrived at 18:30"


def test_others_need_consent_and_the_hourly_limit_holds(tmp_path: Path) -> None:
    room = Room(tmp_path)
    room.step(_remind("Ana", "call Ben", "leaving", "Ben"))
    assert (
        room.step(PersonArrived(t=0, person="Ana", track_id=1), PersonLeft(t=1, person="Ana", track_id=1))
        == []
    )
    assert room.suppressed() == [("reminder", "Ana", "no consent")]
    room.store.set_consent("Ana", True)
    for index in range(5):
        room.step(_remind("Ana", f"do thing {index}", "arriving", "Ben"))
    said = room.step(PersonArrived(t=0, person="Ana", track_id=1))
    assert len(said) == 3 and room.suppressed()[-1] == ("reminder", "Ana", "rate limit")
    room.wall += 3601  # an hour on, the held ones are said while she is still here
    assert len(room.step()) == 2


def test_household_rules_fire_on_their_occasion_for_those_who_opted_in(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(RULES)
    room = Room(tmp_path, hour=7, rules=load_rules(path))
    room.wall += 1800  # 07:30
    room.store.set_consent("Ana", True)
    room.step(PersonArrived(t=0, person="Ana", track_id=1), PersonArrived(t=0, person="Ben", track_id=2))
    room.wall += 1800  # 08:00
    assert room.step() == ["Ana, time for your medicine."]  # Ana only
    assert room.step() == []  # once a day
    said = room.step(PersonLeft(t=1, person="Ana", track_id=1), PersonLeft(t=1, person="Ben", track_id=2))
    assert said == ["Ana, the forecast says rain: take an umbrella."]
    assert ("umbrella", "Ben", "no consent") in room.suppressed()


def test_a_timer_that_rang_while_its_setter_was_out_is_told_when_they_are_back(tmp_path: Path) -> None:
    room = Room(tmp_path)
    room.step(TimerRang(t=0, correlation_id="t1", label="10 minutes", set_by="Ana"))
    assert room.store.why_last() is None
    room.wall += 300
    said = room.step(PersonArrived(t=0, person="Ana", track_id=1))
    assert said == ["Ana, your 10 minutes timer rang at 18:00 while you were out."]
