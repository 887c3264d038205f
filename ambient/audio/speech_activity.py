"""The VAD path's core: 80 ms chunks in, sample-accurate speech boundaries out, no allocation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.audio.ring import AudioRing
from ambient.audio.segmenter import ENDED, STARTED, EndOfTurnSegmenter, SegmenterSettings
from ambient.audio.vad import VAD_WINDOW, SileroVad

_NO_BOUNDARIES: tuple[SpeechBoundary, ...] = ()


@dataclass(frozen=True)
class SpeechBoundary:
    """A speech start (end_sample is None) or a finished segment, in absolute sample offsets."""

    start_sample: int
    end_sample: int | None


class SpeechActivity:
    """Ring buffer, Silero VAD and end-of-turn segmenter, driven one chunk at a time.

    `push` returns the empty tuple in the steady state; only a boundary builds objects.
    """

    def __init__(self, model_path: Path, settings: SegmenterSettings) -> None:
        self.vad = SileroVad(model_path)
        self.ring = AudioRing(VAD_WINDOW)
        self.segmenter = EndOfTurnSegmenter(settings, window_ms=VAD_WINDOW / 16.0)
        self._threshold = settings.threshold
        self._release_threshold = settings.release_threshold
        # `.item` on this view returns a Python float from the interpreter's free list: no
        # allocation, where indexing would build a numpy scalar per window.
        self._probability = self.vad.probability.reshape(-1)
        self._open_start: int | None = None

    def push(self, chunk: npt.NDArray[np.int16] | npt.NDArray[np.float32]) -> tuple[SpeechBoundary, ...]:
        """Write one chunk and process every window it completes."""
        self.ring.write(chunk)
        return self.process()

    def write(self, chunk: npt.NDArray[np.int16] | npt.NDArray[np.float32]) -> None:
        """Copy a chunk in (cheap; the caller's buffer is free again when this returns)."""
        self.ring.write(chunk)

    def process(self) -> tuple[SpeechBoundary, ...]:
        """Run the VAD over every complete window written so far."""
        boundaries = _NO_BOUNDARIES
        while self.ring.pending_windows():
            self.vad.process(self.ring.read_window())
            probability = self._probability.item(0)
            change = self.segmenter.update(
                probability >= self._threshold, probability >= self._release_threshold
            )
            if change:
                boundaries = (*boundaries, self._boundary(change))
        return boundaries

    def flush(self) -> tuple[SpeechBoundary, ...]:
        """Close a segment still open when the audio ends."""
        if self.segmenter.flush() == ENDED:
            return (self._boundary(ENDED),)
        return _NO_BOUNDARIES

    @property
    def probability(self) -> float:
        return float(self.vad.probability[0, 0])

    def _boundary(self, change: int) -> SpeechBoundary:
        # The window just processed started one window before the ring's read position.
        current_window_start = self.ring.next_window_start - VAD_WINDOW
        if change == STARTED:
            start = max(0, current_window_start - self.segmenter.start_windows_ago * VAD_WINDOW)
            self._open_start = start
            return SpeechBoundary(start_sample=start, end_sample=None)
        end = current_window_start - self.segmenter.end_windows_ago * VAD_WINDOW + VAD_WINDOW
        start = self._open_start if self._open_start is not None else end
        self._open_start = None
        return SpeechBoundary(start_sample=start, end_sample=end)
