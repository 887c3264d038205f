"""The VAD path allocates nothing per 80 ms chunk in the steady state (tracemalloc, real speech).

The smallest Python object is 24 bytes, so anything allocated on every chunk shows up as at least
that much per step; the bound of 8 bytes per step leaves room only for a one-off allocation by the
interpreter or the test runner somewhere in the measured stretch, never for a per-chunk one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from ambient.audio.segmenter import SegmenterSettings
from ambient.audio.speech_activity import SpeechActivity
from ambient.audio_format import CHUNK_SAMPLES
from ambient.testing.allocations import steady_state_allocations

PER_CHUNK_ALLOCATION = 8.0


def test_real_speech_between_boundaries_allocates_nothing(data_dir: Path, vad_model: Path) -> None:
    audio, _ = soundfile.read(str(data_dir / "speech" / "mfa__acoustic_corpus.flac"), dtype="int16")
    # 2-12 s of this clip is one continuous segment: no boundary event is built inside it.
    stretch = audio[2 * 16000 : 12 * 16000]
    chunks = [stretch[i : i + CHUNK_SAMPLES] for i in range(0, stretch.size, CHUNK_SAMPLES)]
    activity = SpeechActivity(vad_model, SegmenterSettings())
    boundaries = []
    figures = steady_state_allocations(lambda c: boundaries.extend(activity.push(c)), chunks, warmup=20)
    assert [b.end_sample for b in boundaries] == [None]  # the start, inside the warm-up
    assert figures.peak_bytes_per_step < PER_CHUNK_ALLOCATION
    assert figures.retained_bytes_per_step < PER_CHUNK_ALLOCATION


def test_quiet_room_allocates_nothing(vad_model: Path) -> None:
    noise = (np.random.default_rng(3).standard_normal(CHUNK_SAMPLES * 300) * 30).astype(np.int16)
    chunks = [noise[i : i + CHUNK_SAMPLES] for i in range(0, noise.size, CHUNK_SAMPLES)]
    activity = SpeechActivity(vad_model, SegmenterSettings())
    figures = steady_state_allocations(activity.push, chunks, warmup=50)
    assert figures.peak_bytes_per_step < PER_CHUNK_ALLOCATION
    assert figures.retained_bytes_per_step < PER_CHUNK_ALLOCATION
