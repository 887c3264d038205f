"""Speech to text behind one interface: the command grammar when it is sure, Whisper otherwise."""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ambient.audio_format import SAMPLE_RATE


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
    """The command grammar first (tens of milliseconds); Whisper when the grammar is not sure.

    pocketsphinx's posterior is a weak confidence (it sinks with quiet at the edges), so a complete
    grammar phrase it was unsure of is still taken when Whisper heard nearly the same sounds:
    Whisper's open vocabulary mishears commands ("what is the need today"), the grammar cannot
    hear anything else, and where the two agree the grammar's phrase is the better reading.
    """

    name = "hybrid"

    def __init__(
        self, commands: Recognizer, whisper: Recognizer, min_confidence: float, min_agreement: float = 0.7
    ) -> None:
        self.commands = commands
        self.whisper = whisper
        self.min_confidence = min_confidence
        self.min_agreement = min_agreement

    def sure(self, transcript: Transcript) -> bool:
        return bool(transcript.text) and transcript.complete and transcript.confidence >= self.min_confidence

    def transcribe(self, samples: npt.NDArray[np.int16]) -> Transcript:
        started = time.perf_counter()
        command = self.commands.transcribe(samples)
        if self.sure(command):
            return command
        heard = self.whisper.transcribe(samples)
        seconds = time.perf_counter() - started
        if command.text and command.complete and heard.text:
            agreement = sound_agreement(command.text, heard.text)
            if agreement >= self.min_agreement:
                return Transcript(command.text, command.recognizer, agreement, seconds)
        return Transcript(heard.text, heard.recognizer, heard.confidence, seconds)


def sound_agreement(first: str, second: str) -> float:
    """0-1 similarity of two transcripts, letter by letter (spaces and punctuation ignored)."""
    from ambient.speech.phrases import normalise

    a, b = normalise(first).replace(" ", ""), normalise(second).replace(" ", "")
    return difflib.SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def duration_s(samples: npt.NDArray[np.int16]) -> float:
    return samples.size / SAMPLE_RATE
