"""What every wake-word detector is: 80 ms chunks in, the words it heard out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class WakeWordHit:
    model: str
    score: float
    end_sample: int
    """The sample offset (since the stream began) at the end of the chunk that fired."""


class WakeWordDetector(Protocol):
    """Our engine and the microWakeWord adapter both look like this."""

    name: str

    def reset(self) -> None: ...

    def process(self, chunk: npt.NDArray[np.int16]) -> tuple[WakeWordHit, ...]:
        """One chunk; the words it completed (the empty tuple almost always)."""
        ...
