"""Self-wake suppression: the device must never wake on its own voice.

The playback signal is known, so a second wake-word detector listens to it as it is played. A wake
word the microphone hears while the playback itself just contained one is the device's own
voice (through the room), and is suppressed; a person saying the wake word over the reply is not
in the playback, so barge-in still works.
"""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ambient.audio_format import CHUNK_SAMPLES
from ambient.clock import Clock


class ChunkDetector(Protocol):
    """A wake-word detector as this check needs it (the wakeword package's detectors are these;
    it is spelt out here because the wakeword package imports speech for training voices)."""

    def reset(self) -> None: ...

    def process(self, chunk: npt.NDArray[np.int16]) -> tuple[object, ...]: ...


PRIME_CHUNKS = 30  # 2.4 s


class PlaybackWakeDetector:
    def __init__(self, detector: ChunkDetector, clock: Clock, window_s: float = 1.5) -> None:
        self._detector = detector
        self._clock = clock
        self._window_s = window_s
        self._last_hit = -1e9
        self._chunk = np.zeros(CHUNK_SAMPLES, dtype=np.int16)
        self._fill = 0
        self._lock = threading.Lock()
        self._silence = np.zeros(CHUNK_SAMPLES, dtype=np.int16)
        self._primed = False
        self.hits = 0

    def _prime(self) -> None:
        """Fill the detector's feature history with silence: a fresh detector cannot score its
        first two seconds, and a reply's first word may be the wake word."""
        self._detector.reset()
        for _ in range(PRIME_CHUNKS):
            self._detector.process(self._silence)
        self._primed = True

    def feed(self, played: npt.NDArray[np.int16]) -> None:
        """Called with every piece of audio as it goes to the speaker (any length)."""
        with self._lock:
            if not self._primed:
                self._prime()
            offset = 0
            while offset < played.size:
                take = min(CHUNK_SAMPLES - self._fill, played.size - offset)
                self._chunk[self._fill : self._fill + take] = played[offset : offset + take]
                self._fill += take
                offset += take
                if self._fill == CHUNK_SAMPLES:
                    self._fill = 0
                    if self._detector.process(self._chunk):
                        self._last_hit = self._clock.now()
                        self.hits += 1

    def end_of_playback(self) -> None:
        with self._lock:
            self._fill = 0
            self._primed = False

    def suppress(self, now: float) -> bool:
        return now - self._last_hit <= self._window_s
