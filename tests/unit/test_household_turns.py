"""Household requests through a whole voice turn: who is speaking decides whose reminder it is and
who added to the list, and the context store records what the turn committed, by its id."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ambient.context.reminders import pending_reminders
from ambient.context.shopping import shopping_list
from ambient.events import ReminderSet, ReplyFinished, SpeakerResolved, WakeWordDetected
from tests.unit.voice_turn_harness import ScriptedRecognizer, VoiceTurn


def test_remind_me_with_one_person_in_view_is_their_reminder(tmp_path: Path) -> None:
    turn = VoiceTurn(
        "W" + "s" * 10, ScriptedRecognizer(["Remind me to take my keys when I leave."]), tmp_path
    )
    turn.context.person_arrived("Ana", 1, 0.0)
    asyncio.run(turn.run())
    [wake] = turn.of(WakeWordDetected)
    [speaker] = turn.of(SpeakerResolved)
    assert (speaker.person, speaker.correlation_id) == ("Ana", wake.correlation_id)
    [reminder] = turn.of(ReminderSet)
    assert (reminder.person, reminder.set_by, reminder.correlation_id) == ("Ana", "Ana", wake.correlation_id)
    assert [r.text for r in turn.of(ReplyFinished)] == [
        "OK, I'll remind you to take your keys when you leave."
    ]
    turn.context.flush()
    [kept] = turn.context.read(pending_reminders)
    assert (kept.person, kept.text, kept.occasion) == ("Ana", "take my keys", "leaving")


def test_with_two_people_in_view_the_speaker_is_unknown(tmp_path: Path) -> None:
    turn = VoiceTurn("W" + "s" * 10, ScriptedRecognizer(["Add coffee to the shopping list."]), tmp_path)
    turn.context.person_arrived("Ana", 1, 0.0)
    turn.context.person_arrived("Ben", 2, 0.0)
    asyncio.run(turn.run())
    assert [s.person for s in turn.of(SpeakerResolved)] == ["unknown"]
    turn.context.flush()
    assert turn.context.read(shopping_list) == [("coffee", "unknown")]
