"""The turn's state machine on its own: its table, turns that are over, privacy, and what it
ignores."""

from __future__ import annotations

from ambient.assistant.turn_state import TRANSITIONS, TurnState, TurnStateMachine
from ambient.clock import FakeClock
from ambient.events import (
    EarlyEndPending,
    EarlyEndWithdrawn,
    Event,
    PrivacyModeChanged,
    ReplyFinished,
    ReplyInterrupted,
    ReplyStarted,
    TurnFinished,
    TurnStateChanged,
    UtteranceCaptured,
    WakeWordDetected,
)
from ambient.runtime.bus import EventBus


def machine() -> tuple[TurnStateMachine, EventBus, list[Event]]:
    bus = EventBus()
    history = bus.keep_history()
    states = TurnStateMachine(bus.publish, FakeClock())
    bus.subscribe(states)
    return states, bus, history


def wake(cid: str) -> WakeWordDetected:
    return WakeWordDetected(
        t=0, correlation_id=cid, model="computer", engine="ambient", score=1, end_sample=0
    )


def test_every_state_but_privacy_can_be_left_and_reached() -> None:
    sources = {state for state, _ in TRANSITIONS}
    targets = set(TRANSITIONS.values())
    assert sources == set(TurnState) - {TurnState.PRIVATE}
    assert targets == set(TurnState) - {TurnState.PRIVATE}


def test_a_barge_in_opens_a_new_turn_and_the_old_reply_finishing_late_moves_nothing() -> None:
    states, bus, history = machine()
    bus.publish(wake("a"))
    bus.publish(
        UtteranceCaptured(t=1, correlation_id="a", start_sample=0, end_sample=1, reason="end of turn")
    )
    bus.publish(ReplyStarted(t=2, correlation_id="a", source="local", voice="v"))
    bus.publish(wake("b"))  # the user talks over the reply
    bus.publish(ReplyInterrupted(t=3, correlation_id="a", reason="wake word"))
    bus.publish(ReplyFinished(t=3, correlation_id="a", interrupted=True, reason="wake word", text=""))
    bus.publish(TurnFinished(t=3, correlation_id="a", outcome="interrupted"))
    assert (states.state, states.correlation_id) == (TurnState.LISTENING, "b")
    assert states.open_turn == "b"
    changes = [(e.state, e.cause) for e in history if isinstance(e, TurnStateChanged)]
    assert changes == [
        ("listening", "WakeWordDetected"), ("recognising", "UtteranceCaptured"),
        ("replying", "ReplyStarted"), ("listening", "WakeWordDetected"),
    ]  # fmt: skip


def test_stop_interrupts_then_the_turn_finishes() -> None:
    states, bus, _ = machine()
    bus.publish(wake("a"))
    bus.publish(EarlyEndPending(t=1, correlation_id="a", pause_id=1, reason="command complete"))
    assert states.state is TurnState.ENDING
    bus.publish(EarlyEndWithdrawn(t=1, correlation_id="a", pause_id=1, reason="speech resumed"))
    assert states.state is TurnState.CAPTURING
    bus.publish(
        UtteranceCaptured(t=2, correlation_id="a", start_sample=0, end_sample=1, reason="end of turn")
    )
    bus.publish(ReplyStarted(t=2, correlation_id="a", source="cloud", voice="v"))
    bus.publish(ReplyInterrupted(t=3, correlation_id="a", reason="stop"))
    assert states.state is TurnState.INTERRUPTED and states.open_turn is None
    bus.publish(TurnFinished(t=3, correlation_id="a", outcome="interrupted"))
    assert states.state is TurnState.IDLE


def test_privacy_overrides_every_state_and_holds_until_turned_off() -> None:
    states, bus, _ = machine()
    bus.publish(wake("a"))
    bus.publish(PrivacyModeChanged(t=1, on=True, reason="asked by voice"))
    assert states.private and states.open_turn is None
    bus.publish(wake("b"))  # nothing moves it but privacy off
    bus.publish(ReplyStarted(t=2, correlation_id="timer", source="local", voice="v"))
    assert states.state is TurnState.PRIVATE
    bus.publish(PrivacyModeChanged(t=3, on=False, reason="button"))
    assert states.state is TurnState.IDLE


def test_an_announcement_is_a_reply_of_its_own() -> None:
    states, bus, _ = machine()
    bus.publish(ReplyStarted(t=0, correlation_id="timer-1", source="local", voice="v"))
    assert (states.state, states.correlation_id) == (TurnState.REPLYING, "timer-1")
    bus.publish(TurnFinished(t=1, correlation_id="timer-1", outcome="answered"))
    assert states.state is TurnState.IDLE


def test_a_message_out_of_place_is_counted_and_ignored() -> None:
    states, bus, history = machine()
    bus.publish(TurnFinished(t=0, correlation_id="x", outcome="answered"))  # nothing to finish
    bus.publish(
        UtteranceCaptured(t=0, correlation_id="x", start_sample=0, end_sample=1, reason="end of turn")
    )
    assert states.state is TurnState.IDLE and states.ignored == 2
    assert not [e for e in history if isinstance(e, TurnStateChanged)]
