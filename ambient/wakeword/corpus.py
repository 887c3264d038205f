"""Training audio for a wake word: real and synthetic positives, negatives, and where speech ends."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.audio.decoding import decode_audio
from ambient.audio.vad import VAD_WINDOW, SileroVad
from ambient.audio_format import SAMPLE_RATE
from ambient.errors import MediaError
from ambient.speech import espeak
from ambient.speech.piper import PiperVoice

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = {".wav", ".flac", ".ogg"}

# Words that sound like each wake word: the head must learn to reject them. Phrases that contain
# the wake word itself ("computer science") must never be here.
# fmt: off
CONFUSABLE_PHRASES: dict[str, list[str]] = {
    "computer": [
        "commuter", "compute", "computing", "competitor", "complete", "come pewter", "compass",
        "cumbersome", "commander", "campus tour", "company", "can pew her", "computation",
        "cute puppy", "come to her", "community", "communicate", "common", "commute", "compost",
        "composer", "comfort", "computed", "commentator", "cucumber", "computational", "compuserve",
        "pewter", "puter", "tuber", "scooter", "commissioner",
    ],
    "alexa": [
        "alexander", "election", "a lexus", "alex", "alexis", "elixir", "electra", "alaska",
        "a letter", "unless a", "relax a", "lexicon", "annexa", "galaxy", "elect her",
        "electric", "selection", "collection", "direction", "a legsa", "excel", "extra", "alexia",
        "alex said", "lexa", "a lesson",
    ],
}
GENERIC_CONFUSABLES = ["hello there", "okay", "what time is it", "turn it off", "excuse me", "thank you"]

# Ordinary household speech, spoken by the synthetic voices as negatives: without it the head could
# learn "a synthetic voice" instead of "the wake word", since every synthetic positive is one.
HOUSEHOLD_SENTENCES = [
    "turn on the kitchen lights please", "what is the weather like tomorrow morning",
    "set a timer for ten minutes", "play some quiet music in the living room",
    "how are you doing today", "the community meeting starts at seven",
    "I commute to work by train every day", "can you compare these two prices",
    "it was a complete surprise to everyone", "let us go to the cinema tonight",
    "remind me to call my mother", "the computation took all night", "dinner is almost ready",
    "where did I put my keys", "the children are playing in the garden",
    "please close the window it is cold", "we need more milk and bread",
    "the company announced a new product", "my commander gave the order",
    "they elected a new mayor last week", "relax and take a deep breath",
    "the collection is in the museum", "what a lovely day for a walk",
    "she is reading a book about history", "could you speak a little louder",
]
# fmt: on

REAL_SPEECH_FOLDERS = ("speech", "speech/commands")
"""Real speech that no wake-word evaluation uses: 30 minutes of other people talking."""

# fmt: off
ESPEAK_VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-us-nyc"]
ESPEAK_VARIANTS = ["", "+m1", "+m3", "+m5", "+m7", "+f1", "+f2", "+f3", "+f4", "+f5", "+klatt", "+klatt3"]
# fmt: on


def audio_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise MediaError(f"recording folder {folder} not found; check the path")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES)


def as_float(samples: npt.NDArray[np.int16]) -> npt.NDArray[np.float32]:
    return samples.astype(np.float32) / 32768.0


def speech_span(clip: npt.NDArray[np.float32], vad: SileroVad) -> tuple[int, int] | None:
    """(first, last) sample of speech by Silero, or None if it hears none."""
    vad.reset()
    windows = clip.size // VAD_WINDOW
    speech = [
        index
        for index in range(windows)
        if vad.process(clip[index * VAD_WINDOW : (index + 1) * VAD_WINDOW].astype(np.float32))[0, 0] >= 0.5
    ]
    if not speech:
        return None
    return speech[0] * VAD_WINDOW, (speech[-1] + 1) * VAD_WINDOW


@dataclass(frozen=True)
class Utterance:
    """A clip of speech with what it is and where it came from (for the model card)."""

    audio: npt.NDArray[np.float32]
    source: str


def recordings(folder: Path, limit: int | None = None) -> Iterator[Utterance]:
    files = audio_files(folder)
    for path in files[:limit]:
        yield Utterance(decode_audio(path), f"real:{folder.parent.name}/{folder.name}")


def background_pool(
    files: list[Path], start: float, end: float, limit_s: float | None = None
) -> npt.NDArray[np.float32]:
    """The [start, end) fraction of each file, joined: training uses one part, evaluation another."""
    pieces = []
    for path in files:
        audio = decode_audio(path)
        pieces.append(audio[int(audio.size * start) : int(audio.size * end)])
    pool = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
    if limit_s is not None:
        pool = pool[: int(limit_s * SAMPLE_RATE)]
    return pool


class SyntheticSpeaker:
    """Many renditions of a phrase: the Piper voice at several speeds and espeak-ng voices,
    variants, rates and pitches. Deterministic given the generator."""

    def __init__(self, piper: PiperVoice | None, rng: np.random.Generator) -> None:
        self._piper = piper
        self._rng = rng

    def piper(self, phrase: str, count: int) -> Iterator[Utterance]:
        if self._piper is None or count <= 0:
            return
        texts = [phrase, f"{phrase}.", f"{phrase}!", f"{phrase}?", f"hey {phrase}"] if count > 4 else [phrase]
        for index in range(count):
            audio = self._piper.synthesize(
                texts[index % len(texts)],
                length_scale=float(self._rng.uniform(0.75, 1.35)),
                noise_scale=float(self._rng.uniform(0.4, 0.9)),
                noise_w=float(self._rng.uniform(0.5, 1.0)),
                sentence_silence_s=0.05,
            )
            yield Utterance(as_float(audio), "synthetic:piper")

    def espeak(self, phrase: str, count: int) -> Iterator[Utterance]:
        for _ in range(count):
            voice = str(self._rng.choice(ESPEAK_VOICES)) + str(self._rng.choice(ESPEAK_VARIANTS))
            rate = int(self._rng.integers(110, 210))
            pitch = int(self._rng.integers(20, 90))
            audio = espeak.synthesize(phrase, voice, rate, pitch)
            yield Utterance(as_float(audio), "synthetic:espeak-ng")
