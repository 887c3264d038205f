"""Silero VAD and the segmenter on real recorded speech with known speech regions.

How the regions are known: nine clips in ../shared/data/speech ship word alignments (`.words.json`,
forced-aligner or pocketsphinx output). The speech region of a clip runs from its first lexical word's
start to its last word's end; filled pauses ("uh", "um") are left out because they carry no command.
Internal pauses are not compared: the alignments leave unaligned breaths and restarts in them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from ambient.audio.segmenter import SegmenterSettings
from ambient.audio.speech_activity import SpeechActivity, SpeechBoundary
from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE
from ambient.testing.media import AlignedUtterance, aligned_utterances

TOLERANCE_S = 0.150
# The one clip whose first word ("alright", 0.88-1.32 s) is spoken under room noise that Silero
# scores at most 0.12; the test below asserts that it stays the only miss.
KNOWN_MISS = "mfa__cold_corpus3.flac"


def segments_of(path: Path, model: Path) -> list[SpeechBoundary]:
    audio, rate = soundfile.read(str(path), dtype="int16")
    assert rate == SAMPLE_RATE
    tail = (-audio.size) % CHUNK_SAMPLES + 13 * CHUNK_SAMPLES  # a second of silence after
    audio = np.concatenate([audio, np.zeros(tail, dtype=np.int16)])
    activity = SpeechActivity(model, SegmenterSettings())
    found: list[SpeechBoundary] = []
    for start in range(0, audio.size, CHUNK_SAMPLES):
        found.extend(activity.push(audio[start : start + CHUNK_SAMPLES]))
    found.extend(activity.flush())
    return found


@pytest.fixture(scope="module")
def utterances(data_dir: Path) -> list[AlignedUtterance]:
    found = aligned_utterances(data_dir)
    assert len(found) == 9, "expected the nine word-aligned clips of shared/data/speech"
    return found


def boundary_errors(utterance: AlignedUtterance, model: Path) -> tuple[float, float]:
    boundaries = segments_of(utterance.audio, model)
    ended = [b for b in boundaries if b.end_sample is not None]
    assert ended, f"no speech found in {utterance.audio.name}"
    start = ended[0].start_sample / SAMPLE_RATE
    end = ended[-1].end_sample / SAMPLE_RATE  # type: ignore[operator]
    return start - utterance.first_word_start_s, end - utterance.last_word_end_s


def test_boundaries_within_150_ms_of_the_aligned_speech(
    utterances: list[AlignedUtterance], vad_model: Path
) -> None:
    report = {}
    for utterance in utterances:
        report[utterance.audio.name] = boundary_errors(utterance, vad_model)
    misses = {
        name: errors for name, errors in report.items() if max(abs(errors[0]), abs(errors[1])) > TOLERANCE_S
    }
    assert set(misses) <= {KNOWN_MISS}, f"boundary errors over 150 ms: {misses}"
    assert len(report) - len(misses) >= 8


def test_starts_and_ends_alternate_and_are_sample_accurate(
    utterances: list[AlignedUtterance], vad_model: Path
) -> None:
    boundaries = segments_of(utterances[0].audio, vad_model)
    starts = [b for b in boundaries if b.end_sample is None]
    ends = [b for b in boundaries if b.end_sample is not None]
    assert len(starts) == len(ends) >= 1
    for start, end in zip(starts, ends, strict=True):
        assert end.start_sample == start.start_sample
        assert end.end_sample is not None and end.end_sample > start.start_sample
        assert start.start_sample % 512 == 0  # window-aligned sample offsets


def test_background_noise_without_speech_stays_silent(data_dir: Path, vad_model: Path) -> None:
    audio, _ = soundfile.read(str(data_dir / "background" / "nature_librosa_data.flac"), dtype="int16")
    # Loud broadband nature noise (rain, animals): it must not flood the device with turns.
    activity = SpeechActivity(vad_model, SegmenterSettings())
    starts = 0
    usable = audio[: (audio.size // CHUNK_SAMPLES) * CHUNK_SAMPLES]
    for start in range(0, usable.size, CHUNK_SAMPLES):
        starts += sum(1 for b in activity.push(usable[start : start + CHUNK_SAMPLES]) if b.end_sample is None)
    minutes = usable.size / SAMPLE_RATE / 60
    assert starts / minutes < 10, f"{starts} speech starts in {minutes:.1f} min of noise"
