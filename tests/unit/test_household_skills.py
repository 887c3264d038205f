"""Reminders bound to a person and an occasion, the shopping list with who added what, and "why
did you say that": phrases, replies, and the events that the context store records."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ambient.assistant.intents import IntentMatcher
from ambient.assistant.skills import Reply, SkillContext, default_skills
from ambient.assistant.skills.reminders import due_at
from ambient.assistant.timers import TimerStore
from ambient.assistant.volume import VolumeControl
from ambient.context.reminders import addressed_to
from ambient.context.store import ContextStore
from ambient.events import ReminderSet, ShoppingListChanged
from ambient.runtime.bus import EventBus

SKILLS = {skill.name: skill for skill in default_skills()}
MATCHER = IntentMatcher({(s.name, i): t for s in SKILLS.values() for i, t in s.phrases.items()})
NOON = datetime(2026, 12, 3, 12, 0).timestamp()


@pytest.mark.parametrize(
    ("heard", "skill", "intent", "slots"),
    [
        ("Remind Ana to take her keys when she leaves.", "reminders", "leaving",
         {"person": "ana", "text": "take her keys"}),
        ("remind me to call the bank when I get home", "reminders", "arriving",
         {"person": "me", "text": "call the bank"}),
        ("Remind Ana to go to the shop at 6 p.m.", "reminders", "at",
         {"person": "ana", "text": "go to the shop", "hour": "six", "meridiem": "p m"}),
        ("remind ben to check the oven in 20 minutes", "reminders", "after",
         {"person": "ben", "text": "check the oven", "number": "twenty", "unit": "minutes"}),
        ("What are my reminders?", "reminders", "list", {}),
        ("Add oat milk to the shopping list.", "shopping_list", "add", {"item": "oat milk"}),
        ("put coffee on the list", "shopping_list", "add", {"item": "coffee"}),
        ("We need more eggs", "shopping_list", "add", {"item": "eggs"}),
        ("Take coffee off the list", "shopping_list", "remove", {"item": "coffee"}),
        ("What's on the list?", "shopping_list", "read", {}),
        ("clear the shopping list", "shopping_list", "clear", {}),
        ("Why did you say that?", "why", "why", {}),
        ("why did you remind me of that", "why", "why", {}),
    ],
)  # fmt: skip
def test_phrases_match(heard: str, skill: str, intent: str, slots: dict[str, str]) -> None:
    found = MATCHER.match(heard)
    assert found is not None and found.confidence == 1.0
    assert (found.skill, found.name, found.slots) == (skill, intent, slots)


@pytest.mark.parametrize(
    ("said_at", "hour", "minute", "meridiem", "due"),
    [
        ((14, 0), "six", None, None, (3, 18, 0)),  # the nearer six: this evening
        ((5, 0), "six", None, None, (3, 6, 0)),  # this morning
        ((19, 0), "six", "thirty", None, (4, 6, 30)),  # tomorrow morning
        ((7, 0), "six", None, "pm", (3, 18, 0)),
        ((7, 0), "six", None, "in the morning", (4, 6, 0)),
        ((11, 0), "twelve", None, "pm", (3, 12, 0)),
    ],
)
def test_a_time_of_day_is_the_next_one(
    said_at: tuple[int, int], hour: str, minute: str | None, meridiem: str | None, due: tuple[int, int, int]
) -> None:
    now = datetime(2026, 12, 3, *said_at)
    assert due_at(hour, minute, meridiem, now) == datetime(2026, 12, due[0], due[1], due[2])


def test_a_reminder_is_said_to_its_person() -> None:
    assert addressed_to("take her keys") == "take your keys"
    assert addressed_to("call his mother and bring my book") == "call your mother and bring your book"


class Household:
    def __init__(self, tmp_path: Path) -> None:
        self.bus = EventBus()
        self.events = self.bus.keep_history()
        self.store = ContextStore(tmp_path / "context.sqlite", lambda: NOON)
        self.bus.subscribe(self.store.on_event)
        self.context = SkillContext(
            lambda: NOON, TimerStore(tmp_path / "timers.sqlite"), VolumeControl(tmp_path / "volume.json", 7),
            self.store, lambda: ["Ana Lucia", "Ben"], self.store,
        )  # fmt: skip

    def say(self, heard: str, speaker: str = "unknown") -> Reply:
        """The reply, committed as a turn does: its events published (and so recorded)."""
        intent = MATCHER.match(heard)
        assert intent is not None
        reply = SKILLS[intent.skill].handle(intent, self.context.for_turn("c1", speaker))
        for event in reply.events:
            self.bus.publish(event)
        return reply


def test_remind_me_needs_to_know_who_is_speaking(tmp_path: Path) -> None:
    home = Household(tmp_path)
    reply = home.say("remind me to take my keys when I leave")
    assert "can't tell who is asking" in reply.text and reply.events == ()
    reply = home.say("remind me to take my keys when I leave", speaker="Ben")
    assert reply.text == "OK, I'll remind you to take your keys when you leave."
    assert reply.events == (ReminderSet(t=0.0, person="Ben", text="take my keys", occasion="leaving", due=0.0,
                                        set_by="Ben"),)  # fmt: skip


def test_a_reminder_for_someone_else_needs_their_consent(tmp_path: Path) -> None:
    home = Household(tmp_path)
    assert home.say("remind zoe to feed the cat when she gets home", "Ben").text == (
        "I don't know anyone called zoe, so I couldn't remind them."
    )
    refused = home.say("remind ana to feed the cat when she gets home", "Ben")
    assert refused.events == () and "ambient context consent Ana Lucia on" in refused.text
    home.store.set_consent("Ana Lucia", True)
    reply = home.say("remind ana to feed the cat when she gets home", "Ben")
    assert reply.text == "OK, I'll remind Ana Lucia to feed the cat when they get home."
    timed = home.say("remind ana to call the bank at six", "Ben")
    assert timed.text == "OK, I'll remind Ana Lucia to call the bank at 6 PM."
    event = timed.events[0]
    assert isinstance(event, ReminderSet) and event.due == datetime(2026, 12, 3, 18).timestamp()
    assert (
        "Ana Lucia to feed the cat when they get home" in home.say("what are the reminders", "Ana Lucia").text
    )


def test_the_shopping_list_remembers_who_added_what(tmp_path: Path) -> None:
    home = Household(tmp_path)
    assert home.say("what is on the list").text == "The shopping list is empty."
    assert home.say("add milk to the list", "Ana Lucia").text == "Added milk to the list."
    assert home.say("we need coffee").text == "Added coffee to the list."
    assert home.say("put milk on the list", "Ben").text == "Milk is already on the list."
    assert home.say("what's on the shopping list").text == "On the list: milk from Ana Lucia, coffee."
    assert home.say("take tea off the list").text == "Tea isn't on the list."
    assert home.say("take milk off the list").text == "Took milk off the list."
    assert home.say("clear the list").text == "Cleared the list of 1 item."
    assert home.say("what is on the list").text == "The shopping list is empty."
    changes = [(e.change, e.item, e.by) for e in home.events if isinstance(e, ShoppingListChanged)]
    assert changes == [("added", "milk", "Ana Lucia"), ("added", "coffee", "unknown"),
                       ("removed", "milk", "unknown"), ("cleared", "", "unknown")]  # fmt: skip


def test_why_with_nothing_said(tmp_path: Path) -> None:
    assert Household(tmp_path).say("why did you say that").text == "I haven't said anything since I started."
