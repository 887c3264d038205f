"""Speech to text behind one interface: the command grammar when it is sure, Whisper otherwise."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ambient.audio.ring import SAMPLE_RATE


@dataclass(frozen=True)
class Transcript:
    text: str
    recognizer: str
    confidence: float
    """0-1: the command grammar's posterior for a complete phrase; Whisper's mean token probability."""
    seconds: float
    """CPU wall time the recognition took."""
    complete: bool = True
    """False when the command grammar only reached part of a phrase."""


class Recognizer(Protocol):
    name: str

    def transcribe(self, samples: npt.NDArray[np.int16]) -> Transcript: ...


class HybridRecognizer:
    """The command grammar first (tens of milliseconds); Whisper when the grammar is not sure."""

    name = "hybrid"

    def __init__(self, commands: Recognizer, whisper: Recognizer, min_confidence: float) -> None:
        self.commands = commands
        self.whisper = whisper
        self.min_confidence = min_confidence

    def sure(self, transcript: Transcript) -> bool:
        return bool(transcript.text) and transcript.complete and transcript.confidence >= self.min_confidence

    def transcribe(self, samples: npt.NDArray[np.int16]) -> Transcript:
        started = time.perf_counter()
        command = self.commands.transcribe(samples)
        if self.sure(command):
            return command
        heard = self.whisper.transcribe(samples)
        return Transcript(heard.text, heard.recognizer, heard.confidence, time.perf_counter() - started)


def duration_s(samples: npt.NDArray[np.int16]) -> float:
    return samples.size / SAMPLE_RATE
