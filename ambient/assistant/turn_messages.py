"""What the listening stage and the conversation stage say to each other about a turn, carried on
`MessageChannel`s (never callbacks): audio goes one way, early-end requests the other."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ambient.events import UtteranceCaptured


@dataclass(frozen=True)
class PauseAudio:
    """The user paused inside a turn: what was said so far, to try early. A request to end the
    turn on it names `pause_id`; one about a pause that is over is refused."""

    correlation_id: str
    pause_id: int
    samples: npt.NDArray[np.int16]


@dataclass(frozen=True)
class CommandAudio:
    """The turn's command, ended by the VAD or the length limit."""

    captured: UtteranceCaptured
    samples: npt.NDArray[np.int16]


@dataclass(frozen=True)
class ShortSpeech:
    """A short stretch of speech outside any turn (a "stop" while the device talks), handed over
    in its first pause (`ended` False) and again when the VAD ends it."""

    samples: npt.NDArray[np.int16]
    ended: bool


TurnAudio = PauseAudio | CommandAudio | ShortSpeech


@dataclass(frozen=True)
class EarlyEndRequest:
    """From the conversation stage: the audio of this pause is a complete request; end the turn if
    the pause lasts the early-end time."""

    correlation_id: str
    pause_id: int
    reason: str
