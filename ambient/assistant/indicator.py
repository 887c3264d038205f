"""What the indicator shows, from the voice turn's state machine: idle, listening, thinking,
speaking, private, degraded. Private wins over everything (the room must always see that the
microphone and camera are off); degraded shows whenever the device is otherwise idle and a
component is down."""

from __future__ import annotations

from ambient.assistant.turn_state import TurnState
from ambient.devices.protocols import Indicator, IndicatorState
from ambient.events import DeviceDegraded, DeviceRecovered, Event, TurnStateChanged

SHOWN: dict[TurnState, IndicatorState] = {
    TurnState.IDLE: IndicatorState.IDLE,
    TurnState.LISTENING: IndicatorState.LISTENING,
    TurnState.CAPTURING: IndicatorState.LISTENING,
    TurnState.ENDING: IndicatorState.LISTENING,
    TurnState.RECOGNISING: IndicatorState.THINKING,
    TurnState.REPLYING: IndicatorState.SPEAKING,
    TurnState.INTERRUPTED: IndicatorState.SPEAKING,
    TurnState.PRIVATE: IndicatorState.PRIVATE,
}
"""What the room sees in each state of the turn (every state has an entry: a test checks)."""


class TurnIndicator:
    """A bus subscriber that keeps the indicator in step with the turn's state machine."""

    def __init__(self, indicator: Indicator) -> None:
        self._indicator = indicator
        self._down: set[str] = set()
        self._state = IndicatorState.IDLE
        self._shown: tuple[IndicatorState, str] | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, TurnStateChanged):
            self._state = SHOWN[TurnState(event.state)]
            self._show(event.cause)
        elif isinstance(event, DeviceDegraded):
            self._down.add(event.component)
            self._show(event.component)
        elif isinstance(event, DeviceRecovered):
            self._down.discard(event.component)
            self._show(event.component)

    def _show(self, detail: str) -> None:
        state = self._state
        if state is IndicatorState.IDLE and self._down:
            state, detail = IndicatorState.DEGRADED, ", ".join(sorted(self._down))
        if state is IndicatorState.PRIVATE:
            detail = ""
        same = self._shown is not None and self._shown[0] is state
        if same and (state is not IndicatorState.DEGRADED or self._shown == (state, detail)):
            return  # capturing -> ending is "listening" either way: the LED does not blink
        self._shown = (state, detail)
        self._indicator.show(state, detail)
