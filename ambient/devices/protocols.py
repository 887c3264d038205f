"""The device ports every backend implements: microphone, camera, speaker, indicator, button."""

from __future__ import annotations

import enum
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]
"""A BGR image, height x width x 3, as OpenCV delivers it."""


@runtime_checkable
class Microphone(Protocol):
    """16 kHz mono int16 audio in fixed chunks."""

    name: str

    def open(self) -> None: ...

    def read(self, out: npt.NDArray[np.int16]) -> bool:
        """Fill `out` (one chunk) and return True, or return False when the source has ended.

        Blocks until a chunk is ready; raises DeviceError when the device fails.
        """
        ...

    def close(self) -> None: ...


@runtime_checkable
class Camera(Protocol):
    name: str
    fps: float

    def open(self) -> None: ...

    def read(self) -> Frame | None:
        """The next frame, or None when the source has ended; raises DeviceError on failure."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Speaker(Protocol):
    """Plays 16 kHz mono int16 audio; `stop` cuts playback short."""

    name: str

    def open(self) -> None: ...

    def play(self, samples: npt.NDArray[np.int16]) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


class IndicatorState(enum.Enum):
    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    PRIVATE = "private"
    """Microphone and camera paused by the owner."""
    DEGRADED = "degraded"


@runtime_checkable
class Indicator(Protocol):
    """What the device shows the room: above all, whether the microphone or camera is live."""

    name: str

    def show(self, state: IndicatorState, detail: str = "") -> None: ...


@runtime_checkable
class Button(Protocol):
    name: str

    def was_pressed(self) -> bool:
        """True once per press since the last call (non-blocking)."""
        ...
