"""A room in a box: what the speaker plays comes back into the microphone, attenuated and late.

Used to test that the device never wakes on its own voice.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

from ambient.audio_format import CHUNK_SAMPLES
from ambient.devices.file_backends import WavFileMicrophone, WavFileSpeaker


class EchoPath:
    def __init__(self, gain: float = 0.7, delay_samples: int = 800) -> None:
        self.gain = gain
        self._pending = np.zeros(delay_samples, dtype=np.float32)
        self._lock = threading.Lock()

    def played(self, samples: npt.NDArray[np.int16]) -> None:
        with self._lock:
            self._pending = np.concatenate([self._pending, samples.astype(np.float32) * self.gain])

    def take(self, count: int) -> npt.NDArray[np.float32]:
        with self._lock:
            out = np.zeros(count, dtype=np.float32)
            n = min(count, self._pending.size)
            out[:n] = self._pending[:n]
            self._pending = self._pending[n:]
            return out


class EchoSpeaker(WavFileSpeaker):
    def __init__(self, inner: WavFileSpeaker, echo: EchoPath) -> None:
        self.__dict__.update(inner.__dict__)
        self._echo = echo

    def play(self, samples: npt.NDArray[np.int16]) -> None:
        super().play(samples)
        self._echo.played(samples)


class EchoMicrophone(WavFileMicrophone):
    def __init__(self, inner: WavFileMicrophone, echo: EchoPath) -> None:
        self.__dict__.update(inner.__dict__)
        self._echo = echo

    def read(self, out: npt.NDArray[np.int16]) -> bool:
        if not super().read(out):
            return False
        mixed = out.astype(np.float32) + self._echo.take(CHUNK_SAMPLES)
        np.copyto(out, np.clip(mixed, -32768, 32767), casting="unsafe")
        return True
