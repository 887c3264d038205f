"""Local skills and intent matching: phrases, slots, timers that survive a restart, who is here."""

from __future__ import annotations

from pathlib import Path

import pytest

from ambient.assistant.intents import IntentMatcher
from ambient.assistant.skills import SkillContext, default_skills
from ambient.assistant.timers import TimerStore
from ambient.assistant.volume import VolumeControl
from ambient.context.store import ContextStore
from ambient.events import PersonArrived
from ambient.speech.phrases import normalise, to_jsgf

SKILLS = default_skills()
MATCHER = IntentMatcher({(s.name, i): t for s in SKILLS for i, t in s.phrases.items()})


@pytest.mark.parametrize(
    ("heard", "skill", "intent", "slots"),
    [
        ("What time is it?", "clock", "time", {}),
        ("What's the date today?", "clock", "date", {}),
        ("Set a timer for 5 minutes.", "timers", "set", {"number": "five", "unit": "minutes"}),
        ("set a twenty five second timer", "timers", "set", {"number": "twenty five", "unit": "second"}),
        ("Cancel the timer", "timers", "cancel", {}),
        ("Turn the volume up", "volume", "up", {}),
        ("Set the volume to 3", "volume", "set", {"level": "three"}),
        ("Stop.", "stop", "stop", {}),
        ("Who's here?", "presence", "who", {}),
        ("Privacy mode on", "privacy", "on", {}),
        ("Say that again", "repeat", "repeat", {}),
        ("That wasn't for you.", "false_wake", "false_wake", {}),
        ("I was not talking to you", "false_wake", "false_wake", {}),
        ("That's not me.", "face_correction", "not_me", {}),
        ("I'm not Serena.", "face_correction", "not_me", {"name": "serena"}),
        ("My name is not Tony Blair", "face_correction", "not_me", {"name": "tony blair"}),
        ("Remember me as Ana.", "enrol", "enrol", {"name": "ana"}),
        ("Call me Ana Lucia", "enrol", "enrol", {"name": "ana lucia"}),
    ],
)
def test_phrases_match(heard: str, skill: str, intent: str, slots: dict[str, str]) -> None:
    found = MATCHER.match(heard)
    assert found is not None and found.confidence == 1.0
    assert (found.skill, found.name, found.slots) == (skill, intent, slots)


@pytest.mark.parametrize("heard", ["Tell me a story about dragons", "How far away is the moon?", ""])
def test_questions_are_not_local(heard: str) -> None:
    found = MATCHER.match(heard)
    assert found is None or found.confidence < 0.85


def test_grammar_covers_every_phrase() -> None:
    grammar = to_jsgf(MATCHER.templates)
    assert grammar.startswith("#JSGF V1.0;") and "<number>" in grammar and "<unit>" in grammar
    assert normalise("It's 10-15!") == "it is ten fifteen"


def _context(tmp_path: Path, presence: ContextStore, now: list[float]) -> SkillContext:
    return SkillContext(lambda: now[0], TimerStore(tmp_path / "timers.sqlite"),
                        VolumeControl(tmp_path / "volume.json", 7), presence)  # fmt: skip


def _reply(text: str, context: SkillContext) -> str:
    """The reply, committed (its effect applied), as a turn that ends does."""
    intent = MATCHER.match(text)
    assert intent is not None
    reply = {s.name: s for s in SKILLS}[intent.skill].handle(intent, context)
    reply.apply()
    return reply.text


@pytest.mark.parametrize(
    "text", ["set a timer for 5 minutes", "cancel the timer", "set the volume to 3", "mute"]
)
def test_a_prepared_reply_changes_nothing_until_applied(tmp_path: Path, text: str) -> None:
    """A reply prepared during a pause the user then talks through must leave no trace."""
    context = _context(tmp_path, ContextStore(), [1_000.0])
    _reply("set a timer for 1 minute", context)
    before = ([t.label for t in context.timers.active()], context.volume.level)
    intent = MATCHER.match(text)
    assert intent is not None
    reply = {s.name: s for s in SKILLS}[intent.skill].handle(intent, context)
    assert ([t.label for t in context.timers.active()], context.volume.level) == before
    reply.apply()
    assert ([t.label for t in context.timers.active()], context.volume.level) != before


def test_timers_survive_a_restart(tmp_path: Path) -> None:
    now = [1_000_000.0]
    first = _context(tmp_path, ContextStore(), now)
    assert _reply("set a timer for 5 minutes", first) == "Timer set for 5 minutes."
    first.timers.close()
    now[0] += 120
    again = _context(tmp_path, ContextStore(), now)  # the device restarted
    assert _reply("how much time is left", again) == "The 5 minutes timer has 3 minutes left."
    now[0] += 200
    due = again.timers.take_due(now[0])
    assert [t.label for t in due] == ["5 minutes"] and again.timers.active() == []
    assert _reply("cancel the timer", again) == "There are no timers to cancel."


def test_volume_is_kept(tmp_path: Path) -> None:
    context = _context(tmp_path, ContextStore(), [0.0])
    assert _reply("set the volume to 3", context) == "Volume 3."
    assert VolumeControl(tmp_path / "volume.json", 7).level == 3


def test_who_is_here_from_presence_events(tmp_path: Path) -> None:
    presence = ContextStore()
    context = _context(tmp_path, presence, [0.0])
    assert _reply("who is here", context) == "I don't see anyone."
    for event in (
        PersonArrived(t=1.0, person="Ada", track_id=1),
        PersonArrived(t=1.2, person="unknown", track_id=2),
    ):
        presence.person_arrived(event.person, event.track_id, event.t)
    assert _reply("who is in the room", context) == "Ada and someone I don't know are here."
    presence.person_left("Ada", 1)
    assert _reply("who is here", context) == "Someone I don't know is here."


def test_that_is_not_me_names_the_one_person_it_corrects(tmp_path: Path) -> None:
    presence = ContextStore()
    context = _context(tmp_path, presence, [0.0])

    def reply(heard: str) -> tuple[str, str | None, str | None]:
        intent = MATCHER.match(heard)
        assert intent is not None
        answer = {s.name: s for s in SKILLS}[intent.skill].handle(intent, context)
        return answer.text, answer.action, answer.subject

    assert reply("that's not me")[1:] == (None, None)  # no one named in view: nothing to correct
    presence.person_arrived("Serena Williams", 1, 0.0)
    assert reply("that's not me") == ("Sorry. I won't take you for Serena Williams again.", "not_me",
                                      "Serena Williams")  # fmt: skip
    assert reply("I'm not Serena")[1:] == ("not_me", "Serena Williams")
    assert reply("I'm not Tony")[1:] == (None, None)  # Tony is not in view
    presence.person_arrived("Tony Blair", 2, 0.0)
    text, action, _ = reply("that is not me")
    assert action is None and "Tell me the name" in text  # two people named: which one?
    assert reply("i am not tony blair")[1:] == ("not_me", "Tony Blair")


def test_the_grammar_leaves_out_open_names() -> None:
    grammar = to_jsgf(MATCHER.templates)
    assert "{name}" not in grammar and "<name>" not in grammar and "that is not me" in grammar


def test_remember_me_only_for_one_newcomer_with_a_household_member_there(tmp_path: Path) -> None:
    presence = ContextStore()
    context = _context(tmp_path, presence, [0.0])

    def reply(heard: str) -> tuple[str, str | None, str | None]:
        intent = MATCHER.match(heard)
        assert intent is not None and intent.skill == "enrol"
        answer = {s.name: s for s in SKILLS}["enrol"].handle(intent, context)
        return answer.text, answer.action, answer.subject

    assert reply("remember me as ana") == ("I don't see anyone new.", None, None)
    presence.person_arrived("Tony Blair", 1, 0.0)
    assert reply("remember me as ana") == ("I already know you as Tony Blair.", None, None)
    presence.person_arrived("unknown", 2, 0.0)
    text, action, subject = reply("remember me as ana")
    assert (action, subject) == ("enrol", "Ana") and "approve" in text
    assert reply("call me tony")[1:] == (None, None)  # a name the household already has
    presence.person_arrived("unknown", 3, 0.0)
    assert "one face at a time" in reply("remember me as ana")[0]
    presence.person_left("Tony Blair", 1)
    presence.person_left("unknown", 3)
    assert "Someone I already know has to be here" in reply("remember me as ana")[0]
