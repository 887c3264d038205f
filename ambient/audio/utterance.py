"""The last seconds of microphone audio, kept so a turn's command can be copied out for STT."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE


class UtteranceRecorder:
    """A preallocated int16 ring written one chunk at a time (no allocation); `copy` is the only
    allocation, once per utterance."""

    def __init__(self, seconds: float) -> None:
        chunks = int(np.ceil(seconds * SAMPLE_RATE / CHUNK_SAMPLES))
        self.capacity = chunks * CHUNK_SAMPLES
        self._buffer = np.zeros(self.capacity, dtype=np.int16)
        self._slots = [self._buffer[i : i + CHUNK_SAMPLES] for i in range(0, self.capacity, CHUNK_SAMPLES)]
        self.samples_written = 0

    def write(self, chunk: npt.NDArray[np.int16]) -> None:
        slot = (self.samples_written // CHUNK_SAMPLES) % len(self._slots)
        np.copyto(self._slots[slot], chunk)
        self.samples_written += CHUNK_SAMPLES

    def copy(self, start: int, end: int) -> npt.NDArray[np.int16]:
        """Samples [start, end) of the stream, clipped to what the ring still holds."""
        end = min(end, self.samples_written)
        start = max(start, end - self.capacity, 0)
        if end <= start:
            return np.zeros(0, dtype=np.int16)
        first, last = start % self.capacity, end % self.capacity
        if first < last or last == 0:
            return self._buffer[first : last or self.capacity].copy()
        return np.concatenate([self._buffer[first:], self._buffer[:last]])

    def reset(self) -> None:
        self.samples_written = 0
