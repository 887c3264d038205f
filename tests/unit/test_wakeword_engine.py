"""The streaming engine with the shipped heads on real recordings, microWakeWord behind the same
interface, and one-line errors for broken heads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ambient.audio.decoding import decode_audio
from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE
from ambient.config import WakeWordSettings
from ambient.errors import ModelError
from ambient.models import ModelStore
from ambient.wakeword.detector import WakeWordHit
from ambient.wakeword.detectors import build_wake_detector
from ambient.wakeword.engine import WakeWordEngine
from ambient.wakeword.heads import WakeWordHead
from ambient.wakeword.micro import MicroWakeWordEngine


def stream_of(paths: list[Path], gap_s: float = 2.5) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Clips joined by silence (a real room is rarely this quiet, which is the easy case)."""
    pieces, spans, cursor = [], [], 0
    for path in paths:
        audio = (decode_audio(path) * 32767).astype(np.int16)
        gap = np.zeros(int(gap_s * SAMPLE_RATE), np.int16)
        pieces += [gap, audio]
        spans.append((cursor + gap.size, cursor + gap.size + audio.size))
        cursor += gap.size + audio.size
    stream = np.concatenate([*pieces, np.zeros(SAMPLE_RATE, np.int16)])
    return stream[: (stream.size // CHUNK_SAMPLES) * CHUNK_SAMPLES], spans


def run(detector: WakeWordEngine | MicroWakeWordEngine, stream: np.ndarray) -> list[WakeWordHit]:
    hits: list[WakeWordHit] = []
    for start in range(0, stream.size, CHUNK_SAMPLES):
        hits.extend(detector.process(stream[start : start + CHUNK_SAMPLES]))
    return hits


def hits_inside(hits: list[WakeWordHit], spans: list[tuple[int, int]], model: str) -> int:
    late = int(0.5 * SAMPLE_RATE)
    return sum(any(s <= h.end_sample <= e + late for s, e in spans) for h in hits if h.model == model)


def test_shipped_heads_detect_real_speakers_they_never_heard(data_dir: Path, model_store: ModelStore) -> None:
    engine = build_wake_detector(WakeWordSettings(models=("computer", "alexa")), model_store)
    assert isinstance(engine, WakeWordEngine)
    for word in ("computer", "alexa"):
        clips = sorted((data_dir / "wakeword" / word / "test").glob("*.flac"))[::6]
        stream, spans = stream_of(clips)
        engine.reset()
        hits = run(engine, stream)
        found = hits_inside(hits, spans, word)
        assert found >= 0.9 * len(clips), f"{word}: {found} of {len(clips)} clips detected"
        assert all(h.model == word for h in hits), f"the other head fired on {word} clips"
        assert len(hits) == found, "a detection outside any clip"


def test_other_phrases_and_real_background_stay_silent(data_dir: Path, model_store: ModelStore) -> None:
    engine = build_wake_detector(WakeWordSettings(models=("computer",)), model_store)
    assert isinstance(engine, WakeWordEngine)
    jarvis = sorted((data_dir / "wakeword" / "jarvis" / "test").glob("*.flac"))[:25]
    stream, _ = stream_of(jarvis, gap_s=0.5)
    assert run(engine, stream) == []
    engine.reset()
    # the part of a background file that training never saw (its last 40%)
    speech = decode_audio(data_dir / "background" / "speech_librispeech_tc100_part7.flac")
    held_out = (speech[int(speech.size * 0.6) :] * 32767).astype(np.int16)
    assert run(engine, held_out[: (held_out.size // CHUNK_SAMPLES) * CHUNK_SAMPLES]) == []


def test_detection_offsets_are_in_stream_samples(data_dir: Path, model_store: ModelStore) -> None:
    engine = build_wake_detector(WakeWordSettings(models=("computer",)), model_store)
    assert isinstance(engine, WakeWordEngine)
    clip = sorted((data_dir / "wakeword" / "computer" / "test").glob("*.flac"))[0]
    stream, spans = stream_of([clip])
    (hit,) = run(engine, stream)
    assert hit.end_sample % CHUNK_SAMPLES == 0
    assert spans[0][0] < hit.end_sample <= spans[0][1] + SAMPLE_RATE // 2
    assert 0.5 <= hit.score <= 1.0


def test_microwakeword_behind_the_same_interface(data_dir: Path, model_store: ModelStore) -> None:
    engine = build_wake_detector(WakeWordSettings(engine="micro", models=("alexa:0.9",)), model_store)
    assert isinstance(engine, MicroWakeWordEngine)
    clips = sorted((data_dir / "wakeword" / "alexa" / "test").glob("*.flac"))[::10]
    stream, spans = stream_of(clips)
    hits = run(engine, stream)
    assert hits_inside(hits, spans, "alexa") >= len(clips) - 1


def test_corrupt_head_and_wrong_input_shape(tmp_path: Path, model_store: ModelStore) -> None:
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x07garbage" * 100)
    with pytest.raises(ModelError, match="cannot be loaded") as caught:
        WakeWordHead("corrupt", corrupt)
    assert "\n" not in str(caught.value)
    # a real ONNX model with another input: the VAD model is not a head
    with pytest.raises(ModelError, match=r"not \[batch, 16, 96\] embeddings"):
        WakeWordHead("vad", model_store.path("silero_vad"))
    with pytest.raises(ModelError, match="not found"):
        WakeWordHead("nope", tmp_path / "nope.onnx")
    with pytest.raises(ModelError, match="no wake-word head named 'nope'"):
        build_wake_detector(WakeWordSettings(models=("nope",)), model_store)


def test_engine_with_two_heads_allocates_nothing_per_chunk(model_store: ModelStore) -> None:
    from ambient.testing.allocations import steady_state_allocations

    engine = build_wake_detector(WakeWordSettings(models=("computer", "alexa")), model_store)
    assert isinstance(engine, WakeWordEngine)
    rng = np.random.default_rng(5)
    chunks = [(rng.standard_normal(CHUNK_SAMPLES) * 300).astype(np.int16) for _ in range(200)]
    figures = steady_state_allocations(engine.process, chunks, warmup=40)
    assert figures.peak_bytes_per_step < 8
    assert figures.retained_bytes_per_step < 8
