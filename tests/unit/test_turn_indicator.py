"""The indicator tells the truth: what the room is shown through a turn, privacy and a fault, as
the turn's state machine moves."""

from __future__ import annotations

from ambient.assistant.indicator import SHOWN, TurnIndicator
from ambient.assistant.turn_state import TurnState, TurnStateMachine
from ambient.clock import FakeClock
from ambient.devices.indicator import LoggingIndicator
from ambient.events import (
    DeviceDegraded,
    DeviceRecovered,
    PrivacyModeChanged,
    ReplyFinished,
    ReplyStarted,
    SpeechStarted,
    TurnFinished,
    UtteranceCaptured,
    WakeWordDetected,
)
from ambient.runtime.bus import EventBus


def shown(indicator: LoggingIndicator) -> list[str]:
    return [state.value for state, _ in indicator.history]


def wired() -> tuple[EventBus, LoggingIndicator]:
    indicator, bus = LoggingIndicator(), EventBus()
    bus.subscribe(TurnStateMachine(bus.publish, FakeClock()))
    bus.subscribe(TurnIndicator(indicator))
    return bus, indicator


def test_every_state_of_the_turn_shows_something() -> None:
    assert set(SHOWN) == set(TurnState)


def test_a_turn_privacy_and_a_fault() -> None:
    bus, indicator = wired()
    cid = "c1"
    bus.publish(
        WakeWordDetected(t=0, correlation_id=cid, model="computer", engine="ambient", score=1, end_sample=0)
    )
    bus.publish(SpeechStarted(t=0.2, correlation_id=cid, start_sample=0))  # still "listening": no blink
    bus.publish(
        UtteranceCaptured(t=1, correlation_id=cid, start_sample=0, end_sample=1, reason="end of turn")
    )
    bus.publish(ReplyStarted(t=2, correlation_id=cid, source="local", voice="piper"))
    bus.publish(ReplyFinished(t=3, correlation_id=cid, text="Noon.", interrupted=False, reason=""))
    bus.publish(TurnFinished(t=3, correlation_id=cid, outcome="answered"))
    assert shown(indicator) == ["listening", "thinking", "speaking", "idle"]
    bus.publish(DeviceDegraded(t=4, component="camera", reason="unplugged", fix="plug it in"))
    assert shown(indicator)[-1] == "degraded"
    bus.publish(PrivacyModeChanged(t=5, on=True, reason="button"))
    bus.publish(
        WakeWordDetected(t=6, correlation_id="c2", model="computer", engine="ambient", score=1, end_sample=0)
    )
    assert shown(indicator)[-1] == "private"  # nothing shows through privacy mode
    bus.publish(PrivacyModeChanged(t=7, on=False, reason="button"))
    assert shown(indicator)[-1] == "degraded"  # idle, with the camera still down
    bus.publish(DeviceRecovered(t=8, component="camera"))
    assert shown(indicator)[-1] == "idle"
