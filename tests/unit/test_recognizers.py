"""One builder makes the recogniser for the device and for `ambient transcribe`: each
`stt.recognizer` value means the same wherever it is used."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from ambient.assistant.skills import skill_phrases
from ambient.config import SttSettings
from ambient.models import ModelStore
from ambient.speech.command_recognizer import CommandRecognizer
from ambient.speech.recognition import HybridRecognizer
from ambient.speech.recognizers import build_speech_to_text
from ambient.speech.whisper_recognizer import WhisperRecognizer
from ambient.testing.media import spoken_command


def test_each_choice_is_what_it_says(model_store: ModelStore, tmp_path: Path) -> None:
    phrases = skill_phrases()
    stt = SttSettings()
    commands = build_speech_to_text("commands", stt, model_store, phrases)
    assert isinstance(commands.recognizer, CommandRecognizer) and commands.whisper is None
    whisper = build_speech_to_text("whisper", stt, model_store, phrases)
    assert isinstance(whisper.recognizer, WhisperRecognizer) and whisper.whisper is whisper.recognizer
    hybrid = build_speech_to_text("hybrid", stt, model_store, phrases)
    assert isinstance(hybrid.recognizer, HybridRecognizer) and hybrid.whisper is hybrid.recognizer.whisper
    said = soundfile.read(
        str(spoken_command("tell me a story about dragons", tmp_path / "q.wav")), dtype="int16"
    )[0]
    samples = np.asarray(said, dtype=np.int16)
    # the grammar alone can only hear its phrases; Whisper alone hears the question
    assert "dragon" not in commands.recognizer.transcribe(samples).text.lower()
    assert "dragon" in whisper.recognizer.transcribe(samples).text.lower()
