"""A second check on a wake-word trigger: the open recogniser (Whisper) transcribes the moment that
fired, and the trigger stands only if some run of one to three of its words sounds like the phrase.

Triggers are rare, so the check may cost what a per-chunk model may not; it runs beside the turn
(the command is being captured meanwhile) and takes the turn back if it fails. On the shared data
it removes false wakes but also loses words at 10 dB over speech babble, where Whisper writes down
the babble instead of the word (benchmarks/wakeword.py measures both), so it is off by default.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ambient.audio_format import SAMPLE_RATE
from ambient.speech.phrases import normalise
from ambient.speech.recognition import Transcript

CONFIRM_WINDOW_S = 1.4
"""Audio before the trigger that is transcribed: the word ends at most about 0.6 s before its
trigger and lasts about 0.8 s; a longer window lets Whisper follow the speech around the word (on
the "computer" test split 2 s confirmed 33 of 65 detected words, 1.4 s 59: chosen there, so that
split's words-lost figure is not independent of it; "alexa"'s is)."""


def _letters(text: str) -> str:
    return "".join(c for c in text if c.isalpha())


def phrase_similarity(heard: str, phrase: str) -> float:
    """0-1: how close the nearest run of 1-3 heard words is to the phrase, letter by letter
    (for "computer": "cam puder" 0.75, "come shooter" 0.67, "the hut we took out was built" 0.55)."""
    target = _letters(normalise(phrase))
    words = normalise(heard).split()
    best = 0.0
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + 3) + 1):
            candidate = _letters("".join(words[start:end]))
            best = max(best, difflib.SequenceMatcher(None, candidate, target).ratio())
    return best


class OpenTranscriber(Protocol):
    def transcribe(
        self, samples: npt.NDArray[np.int16], min_confidence: float | None = None
    ) -> Transcript: ...


@dataclass(frozen=True)
class Confirmation:
    accepted: bool
    heard: str
    similarity: float
    seconds: float


class PhraseConfirmation:
    """`confirm(phrase, audio)` on the audio up to the trigger (at least CONFIRM_WINDOW_S of it)."""

    def __init__(self, recognizer: OpenTranscriber, min_similarity: float) -> None:
        self._recognizer = recognizer
        self.min_similarity = min_similarity

    def confirm(self, phrase: str, audio: npt.NDArray[np.int16]) -> Confirmation:
        started = time.perf_counter()
        window = audio[-int(CONFIRM_WINDOW_S * SAMPLE_RATE) :]
        # no confidence floor: a word said over babble is transcribed with low confidence, and
        # here the question is only whether it sounds like the phrase
        heard = self._recognizer.transcribe(np.ascontiguousarray(window), min_confidence=0.0).text
        similarity = phrase_similarity(heard, phrase)
        return Confirmation(
            similarity >= self.min_similarity, heard, round(similarity, 3), time.perf_counter() - started
        )
