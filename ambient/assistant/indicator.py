"""What the indicator shows, from the turn's events: idle, listening, thinking, speaking, private,
degraded. Private wins over everything (the room must always see that the microphone and camera are
off); degraded shows whenever the device is otherwise idle and a component is down."""

from __future__ import annotations

from ambient.devices.protocols import Indicator, IndicatorState
from ambient.events import (
    DeviceDegraded,
    DeviceRecovered,
    Event,
    PrivacyModeChanged,
    ReplyFinished,
    ReplyStarted,
    TurnAbandoned,
    UtteranceCaptured,
    WakeWordDetected,
)


class TurnIndicator:
    """A bus subscriber that keeps the indicator in step with the voice turn."""

    def __init__(self, indicator: Indicator) -> None:
        self._indicator = indicator
        self._private = False
        self._down: set[str] = set()
        self._state = IndicatorState.IDLE

    def __call__(self, event: Event) -> None:
        if isinstance(event, PrivacyModeChanged):
            self._private = event.on
            self._show(IndicatorState.PRIVATE if event.on else IndicatorState.IDLE, event.reason)
        elif isinstance(event, DeviceDegraded):
            self._down.add(event.component)
            self._show(self._state, event.component)
        elif isinstance(event, DeviceRecovered):
            self._down.discard(event.component)
            self._show(self._state, event.component)
        elif isinstance(event, WakeWordDetected):
            self._show(IndicatorState.LISTENING, event.model)
        elif isinstance(event, UtteranceCaptured):
            self._show(IndicatorState.THINKING)
        elif isinstance(event, ReplyStarted):
            self._show(IndicatorState.SPEAKING)
        elif isinstance(event, ReplyFinished | TurnAbandoned):
            self._show(IndicatorState.IDLE)

    def _show(self, state: IndicatorState, detail: str = "") -> None:
        if self._private:
            state = IndicatorState.PRIVATE
        self._state = IndicatorState.IDLE if state is IndicatorState.DEGRADED else state
        if self._state is IndicatorState.IDLE and self._down and not self._private:
            state = IndicatorState.DEGRADED
            detail = ", ".join(sorted(self._down))
        self._indicator.show(state, detail)
