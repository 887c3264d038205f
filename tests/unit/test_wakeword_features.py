"""Streaming wake-word features equal the batch path exactly, and allocate nothing per chunk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ambient.audio.decoding import decode_audio
from ambient.audio_format import CHUNK_SAMPLES
from ambient.models import ModelStore
from ambient.testing.allocations import steady_state_allocations
from ambient.wakeword.features import WARMUP_CHUNKS, FeatureModels, StreamingFeatures
from ambient.wakeword.training import window_end_samples, windows_of


@pytest.fixture(scope="module")
def feature_models(model_store: ModelStore) -> FeatureModels:
    return FeatureModels(model_store.path("wakeword_melspectrogram"), model_store.path("wakeword_embedding"))


def clip(data_dir: Path) -> np.ndarray:
    path = sorted((data_dir / "wakeword" / "computer" / "test").glob("*.flac"))[0]
    audio = (decode_audio(path) * 32767).astype(np.int16)
    return np.concatenate(
        [np.zeros(CHUNK_SAMPLES * 30, np.int16), audio, np.zeros(CHUNK_SAMPLES * 10, np.int16)]
    )


def test_streaming_embeddings_equal_the_batch_path(feature_models: FeatureModels, data_dir: Path) -> None:
    audio = clip(data_dir)
    batch = feature_models.clip_embeddings(audio)
    streaming = StreamingFeatures(feature_models)
    latest = []
    for index in range(audio.size // CHUNK_SAMPLES):
        streaming.push(audio[index * CHUNK_SAMPLES : (index + 1) * CHUNK_SAMPLES])
        if index >= 9:
            latest.append(streaming.latest_window()[0, -1].copy())
    np.testing.assert_allclose(np.array(latest), batch, atol=1e-4)
    # the head's window is the last 16 embeddings, oldest first
    np.testing.assert_allclose(streaming.latest_window()[0], batch[-16:], atol=1e-4)


def test_training_windows_line_up_with_chunks(feature_models: FeatureModels, data_dir: Path) -> None:
    audio = clip(data_dir)
    windows = windows_of(feature_models.clip_embeddings(audio))
    ends = window_end_samples(len(windows))
    streaming = StreamingFeatures(feature_models)
    for index in range(audio.size // CHUNK_SAMPLES):
        streaming.push(audio[index * CHUNK_SAMPLES : (index + 1) * CHUNK_SAMPLES])
        if streaming.ready:
            end = (index + 1) * CHUNK_SAMPLES
            position = int(np.flatnonzero(ends == end)[0])
            np.testing.assert_allclose(streaming.latest_window()[0], windows[position], atol=1e-4)


def test_not_ready_until_every_embedding_is_real_audio(feature_models: FeatureModels) -> None:
    streaming = StreamingFeatures(feature_models)
    chunk = np.zeros(CHUNK_SAMPLES, np.int16)
    for _ in range(WARMUP_CHUNKS - 1):
        streaming.push(chunk)
        assert not streaming.ready
    streaming.push(chunk)
    assert streaming.ready


def test_push_allocates_nothing(feature_models: FeatureModels, data_dir: Path) -> None:
    audio = clip(data_dir)
    chunks = [audio[i : i + CHUNK_SAMPLES] for i in range(0, audio.size - CHUNK_SAMPLES + 1, CHUNK_SAMPLES)]
    streaming = StreamingFeatures(feature_models)
    figures = steady_state_allocations(streaming.push, chunks, warmup=30)
    assert figures.peak_bytes_per_step < 8
    assert figures.retained_bytes_per_step < 8
