"""Face identity by voice, through a whole voice turn: "that's not me" and "remember me as Ana" end
in the request the presence stage acts on, tied to the turn by its correlation id."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ambient.events import (
    EnrolmentRequested,
    FaceCorrectionRequested,
    ReplyFinished,
    WakeWordDetected,
)
from tests.unit.voice_turn_harness import ScriptedRecognizer, VoiceTurn


def test_that_is_not_me_asks_the_presence_stage_to_correct_the_name(tmp_path: Path) -> None:
    turn = VoiceTurn("W" + "s" * 10, ScriptedRecognizer(["That's not me."]), tmp_path)
    turn.context.person_arrived("Serena Williams", 4, 0.0)
    asyncio.run(turn.run())
    [wake] = turn.of(WakeWordDetected)
    [request] = turn.of(FaceCorrectionRequested)
    assert request.person == "Serena Williams" and request.correlation_id == wake.correlation_id
    assert [r.text for r in turn.of(ReplyFinished)] == ["Sorry. I won't take you for Serena Williams again."]


def test_remember_me_asks_for_the_newcomers_face(tmp_path: Path) -> None:
    turn = VoiceTurn("W" + "s" * 10, ScriptedRecognizer(["Remember me as Ana."]), tmp_path)
    turn.context.person_arrived("Tony Blair", 1, 0.0)
    turn.context.person_arrived("unknown", 2, 0.0)
    asyncio.run(turn.run())
    [request] = turn.of(EnrolmentRequested)
    assert request.person == "Ana" and request.correlation_id == turn.of(WakeWordDetected)[0].correlation_id


def test_nothing_is_asked_when_no_one_named_is_in_view(tmp_path: Path) -> None:
    turn = VoiceTurn("W" + "s" * 10, ScriptedRecognizer(["That's not me."]), tmp_path)
    asyncio.run(turn.run())
    assert turn.of(FaceCorrectionRequested) == []
    assert [r.text for r in turn.of(ReplyFinished)] == [
        "I don't see anyone I know right now, so I haven't named anyone."
    ]
