"""A reply turn holds its events until it is committed, and drops them if it never is."""

from __future__ import annotations

import asyncio

from ambient.assistant.reply_turn import ReplyTurn
from ambient.events import Event, IntentRecognized, ReplyStarted, Transcribed


def _events(cid: str) -> list[Event]:
    return [
        Transcribed(t=1.0, correlation_id=cid, text="what time is it", recognizer="commands",
                    confidence=1.0, seconds=0.1, audio_s=1.2),
        IntentRecognized(t=1.1, correlation_id=cid, route="local", skill="clock", intent="time",
                         confidence=1.0),
    ]  # fmt: skip


def test_held_events_come_out_in_order_with_their_times_on_commit() -> None:
    published: list[Event] = []

    async def scenario() -> None:
        turn = ReplyTurn("c1", published.append, committed=False)
        for event in _events("c1"):
            turn.publish(event)
        assert published == [] and not turn.committed
        waiting = asyncio.create_task(turn.wait_committed())
        await asyncio.sleep(0)
        assert not waiting.done()
        turn.commit()
        await waiting
        turn.publish(ReplyStarted(t=2.0, correlation_id="c1", source="local", voice="piper"))

    asyncio.run(scenario())
    assert [e.type for e in published] == ["Transcribed", "IntentRecognized", "ReplyStarted"]
    assert [e.t for e in published] == [1.0, 1.1, 2.0]


def test_a_dropped_turn_publishes_nothing_ever() -> None:
    published: list[Event] = []
    turn = ReplyTurn("c2", published.append, committed=False)
    for event in _events("c2"):
        turn.publish(event)
    turn.drop()
    turn.commit()  # too late: a dropped turn stays dropped
    turn.publish(ReplyStarted(t=2.0, correlation_id="c2", source="local", voice="piper"))
    assert published == [] and not turn.committed


def test_a_turn_committed_from_the_start_publishes_at_once() -> None:
    published: list[Event] = []
    turn = ReplyTurn("c3", published.append)
    turn.publish(_events("c3")[0])
    assert len(published) == 1
