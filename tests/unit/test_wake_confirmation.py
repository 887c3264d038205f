"""The second check on a trigger: phrase similarity, and real Whisper on a real word and on speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ambient.audio.decoding import decode_audio
from ambient.config import SttSettings, WakeWordSettings
from ambient.models import ModelStore
from ambient.speech.whisper_recognizer import configured_whisper
from ambient.wakeword.confirmation import PhraseConfirmation, phrase_similarity
from ambient.wakeword.detectors import build_wake_detector
from ambient.wakeword.evaluation import to_int16


@pytest.mark.parametrize(
    ("heard", "phrase", "at_least", "below"),
    [
        ("Computer.", "computer", 1.0, 1.01),
        ("hey computer turn the lights on", "computer", 1.0, 1.01),
        ("cam puder", "computer", 0.7, 0.8),  # how Whisper writes the word over babble
        ("the hut we took out was built", "computer", 0.0, 0.6),
        ("", "computer", 0.0, 0.01),
        ("Alexa, what time is it?", "alexa", 1.0, 1.01),
        ("hey_jarvis", "hey jarvis", 1.0, 1.01),
    ],
)
def test_phrase_similarity(heard: str, phrase: str, at_least: float, below: float) -> None:
    assert at_least <= phrase_similarity(heard, phrase) < below


def test_whisper_confirms_the_word_and_not_read_speech(data_dir: Path, model_store: ModelStore) -> None:
    check = PhraseConfirmation(configured_whisper(SttSettings(), model_store), 0.6)
    engine = build_wake_detector(WakeWordSettings(models=("computer",)), model_store)
    assert engine is not None
    said = to_int16(decode_audio(data_dir / "wakeword" / "computer" / "test" / "spk008_0e95d341.flac"))
    audio = np.concatenate([np.zeros(2 * 16_000, np.int16), said])  # the engine's 2 s warm-up
    fired = [
        hit.end_sample
        for s in range(0, audio.size - 1279, 1280)
        for hit in engine.process(audio[s : s + 1280])
    ]
    assert fired
    confirmed = check.confirm("computer", audio[: fired[0]])  # what the device has when it fires
    assert confirmed.accepted and confirmed.similarity >= 0.6 and confirmed.seconds > 0
    speech = to_int16(decode_audio(data_dir / "background" / "speech_librispeech_tc100_part1.flac"))
    # 254.6 s: a trigger of the computer head at a loose threshold on this reading
    refused = check.confirm("computer", speech[: int(254.64 * 16_000)])
    assert not refused.accepted and refused.heard
