"""The command grammar on audio with nothing (or almost nothing) in it, and after it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from ambient.assistant.skills import default_skills
from ambient.speech.command_recognizer import CommandRecognizer
from ambient.testing.media import spoken_command


def test_empty_audio_is_nothing_heard_and_the_decoder_stays_usable(tmp_path: Path) -> None:
    recognizer = CommandRecognizer([t for s in default_skills() for p in s.phrases.values() for t in p])
    for samples in (np.zeros(0, dtype=np.int16), np.full(400, 3000, dtype=np.int16)):
        heard = recognizer.transcribe(samples)
        assert heard.text == "" and not heard.complete
    command = soundfile.read(str(spoken_command("what time is it", tmp_path / "c.wav")), dtype="int16")[0]
    heard = recognizer.transcribe(command)
    assert heard.text == "what time is it" and heard.complete
