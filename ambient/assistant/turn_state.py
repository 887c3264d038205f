"""The voice turn's state machine: one enum, one transition table, one owner.

Stages do not call each other to move a turn along: each publishes what it learned on the bus
(a wake word, the command's start, a pause that holds a complete request, the capture, the reply
starting, being cut, finishing), and this machine, a bus subscriber, is the only code that turns
those messages into the turn's state. Everything that needs to know where the turn is (the
listening stage for "which turn is open" and "is privacy on", the indicator for what the room
sees) reads it here.

    IDLE ──WakeWordDetected──▶ LISTENING ──SpeechStarted──▶ CAPTURING ◀──EarlyEndWithdrawn──┐
                                  │                           │                              │
                                  │                           └──EarlyEndPending──▶ ENDING ──┘
                                  ├──TurnAbandoned──▶ IDLE        (from LISTENING, CAPTURING, ENDING)
                                  └──UtteranceCaptured──▶ RECOGNISING   (idem)
    RECOGNISING ──ReplyStarted──▶ REPLYING ──ReplyInterrupted──▶ INTERRUPTED
    RECOGNISING, REPLYING, INTERRUPTED ──TurnFinished──▶ IDLE
    IDLE ──ReplyStarted──▶ REPLYING          (an announcement nobody asked for: a timer)
    any turn state ──WakeWordDetected──▶ LISTENING   (barge-in: a new turn, the old reply is cut)
    any ──PrivacyModeChanged(on)──▶ PRIVATE ──PrivacyModeChanged(off)──▶ IDLE

A message about another turn than the current one (a late `ReplyFinished` of a reply a wake word
cut) moves nothing; a message the table has no entry for is counted and ignored, never an error,
so a stage that publishes something unexpected can not wedge the device.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable

from ambient.clock import Clock
from ambient.events import (
    EarlyEndPending,
    EarlyEndWithdrawn,
    Event,
    PrivacyModeChanged,
    ReplyInterrupted,
    ReplyStarted,
    SpeechStarted,
    TurnAbandoned,
    TurnFinished,
    TurnStateChanged,
    UtteranceCaptured,
    WakeWordDetected,
)

log = logging.getLogger(__name__)


class TurnState(enum.Enum):
    IDLE = "idle"
    """No turn: listening for the wake word only."""
    LISTENING = "listening"
    """Woken: waiting for the command to start."""
    CAPTURING = "capturing"
    """The command is being spoken."""
    ENDING = "ending"
    """A pause holds a complete request; the turn ends if the pause lasts the early-end time."""
    RECOGNISING = "recognising"
    """The command is captured: transcript, intent and reply are being prepared."""
    REPLYING = "replying"
    """The device is speaking."""
    INTERRUPTED = "interrupted"
    """The reply was cut; playback is stopping."""
    PRIVATE = "private"
    """Privacy mode: microphone audio and camera frames are dropped unheard."""


OPEN_TURN = frozenset({TurnState.LISTENING, TurnState.CAPTURING, TurnState.ENDING})
"""States in which the listening stage is still capturing the turn's command."""

_ANY_TURN = frozenset(set(TurnState) - {TurnState.PRIVATE})

TRANSITIONS: dict[tuple[TurnState, type[Event]], TurnState] = {
    **{(state, WakeWordDetected): TurnState.LISTENING for state in _ANY_TURN},
    (TurnState.LISTENING, SpeechStarted): TurnState.CAPTURING,
    (TurnState.LISTENING, EarlyEndPending): TurnState.ENDING,
    (TurnState.CAPTURING, EarlyEndPending): TurnState.ENDING,
    (TurnState.ENDING, EarlyEndWithdrawn): TurnState.CAPTURING,
    **{(state, UtteranceCaptured): TurnState.RECOGNISING for state in OPEN_TURN},
    **{(state, TurnAbandoned): TurnState.IDLE for state in OPEN_TURN},
    (TurnState.IDLE, ReplyStarted): TurnState.REPLYING,
    (TurnState.RECOGNISING, ReplyStarted): TurnState.REPLYING,
    (TurnState.RECOGNISING, ReplyInterrupted): TurnState.INTERRUPTED,
    (TurnState.REPLYING, ReplyInterrupted): TurnState.INTERRUPTED,
    (TurnState.RECOGNISING, TurnFinished): TurnState.IDLE,
    (TurnState.REPLYING, TurnFinished): TurnState.IDLE,
    (TurnState.INTERRUPTED, TurnFinished): TurnState.IDLE,
}
"""(state, message) -> next state. Privacy is handled apart: it overrides every state."""

_STARTS_A_TURN = (WakeWordDetected,)
"""Messages that open a new turn (their correlation id becomes the current one)."""


class TurnStateMachine:
    """Subscribe it to the bus; it publishes `TurnStateChanged` for every transition."""

    def __init__(self, publish: Callable[[Event], None], clock: Clock) -> None:
        self._publish = publish
        self._clock = clock
        self.state = TurnState.IDLE
        self.correlation_id: str | None = None
        self.ignored = 0
        """Messages the table had no entry for in the state they came in (for tests and stats)."""

    @property
    def open_turn(self) -> str | None:
        """The correlation id of the turn whose command is being captured, if any."""
        return self.correlation_id if self.state in OPEN_TURN else None

    @property
    def private(self) -> bool:
        return self.state is TurnState.PRIVATE

    def __call__(self, event: Event) -> None:
        if isinstance(event, PrivacyModeChanged):
            if event.on:
                self._move(TurnState.PRIVATE, None, event)
            elif self.state is TurnState.PRIVATE:
                self._move(TurnState.IDLE, None, event)
            return
        if isinstance(event, TurnStateChanged) or self.state is TurnState.PRIVATE:
            return
        following = TRANSITIONS.get((self.state, type(event)))
        if following is None:
            if type(event) in _MESSAGES:
                self.ignored += 1
            return
        starts = isinstance(event, _STARTS_A_TURN) or (
            self.state is TurnState.IDLE and isinstance(event, ReplyStarted)
        )
        if not starts and event.correlation_id != self.correlation_id:
            return  # about a turn that is over (a cut reply finishing late)
        self._move(following, event.correlation_id, event)

    def _move(self, state: TurnState, correlation_id: str | None, cause: Event) -> None:
        previous, self.state = self.state, state
        self.correlation_id = correlation_id
        log.debug("turn %s: %s -> %s (%s)", correlation_id, previous.value, state.value, cause.type)
        self._publish(
            TurnStateChanged(
                t=self._clock.now(), correlation_id=correlation_id, state=state.value,
                previous=previous.value, cause=cause.type,
            )
        )  # fmt: skip


_MESSAGES = frozenset(message for _, message in TRANSITIONS)
