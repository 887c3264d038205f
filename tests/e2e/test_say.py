"""`ambient say`: the Piper voice run in our own process (and espeak-ng), heard back by our VAD."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from ambient.audio.segmenter import SegmenterSettings
from ambient.audio.speech_activity import SpeechActivity
from ambient.audio_format import CHUNK_SAMPLES
from ambient.models import ModelStore
from tests.conftest import one_line_error, run_cli


@pytest.mark.parametrize(("voice", "name"), [("piper", "piper:en_US-joe-medium"), ("espeak", "espeak-ng")])
def test_say_writes_speech(
    tmp_path: Path, voice: str, name: str, model_store: ModelStore, vad_model: Path
) -> None:
    out = tmp_path / "hello.wav"
    status, stdout, stderr = run_cli("say", "It is ten past four.", "--out", str(out), "--voice", voice)
    assert status == 0, stderr
    assert name in stdout
    audio, rate = soundfile.read(str(out), dtype="int16")
    assert rate == 16_000 and 0.8 < audio.size / rate < 4.0
    padded = np.concatenate([audio, np.zeros((-audio.size) % CHUNK_SAMPLES + 16 * CHUNK_SAMPLES, np.int16)])
    activity = SpeechActivity(vad_model, SegmenterSettings())
    boundaries = [
        b for i in range(0, padded.size, CHUNK_SAMPLES) for b in activity.push(padded[i : i + CHUNK_SAMPLES])
    ]
    assert any(b.end_sample is not None for b in boundaries), "our VAD hears no speech in what was said"


def test_say_bad_input(tmp_path: Path, model_store: ModelStore) -> None:
    one_line_error(run_cli("say", "   ", "--out", str(tmp_path / "x.wav")), "nothing to say")
    one_line_error(run_cli("say", "hello", "--out", str(tmp_path / "missing" / "x.wav")), "cannot write")
