""" "That wasn't for you": the engine keeps the windows it fired on, a marked wake is stored as
features only, and `adapt` retunes the head on real false wakes of the shipped "alexa" head."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from ambient.audio.decoding import decode_audio
from ambient.config import WakeWordSettings
from ambient.errors import ModelError
from ambient.events import FalseWakeMarked, WakeWordDetected
from ambient.models import ModelStore
from ambient.runtime.bus import EventBus
from ambient.wakeword.adaptation import AdaptSettings, adapt, load_head, read_anchors, save_adapted
from ambient.wakeword.detectors import build_wake_detector
from ambient.wakeword.engine import WakeWordEngine
from ambient.wakeword.evaluation import to_int16
from ambient.wakeword.false_wakes import FalseWakeRecorder, HardNegativeStore
from ambient.wakeword.features import FeatureModels
from ambient.wakeword.scoring import head_path
from ambient.wakeword.training import windows_of

SPEECH = "background/speech_librispeech_tc100_part1.flac"
"""Read speech on which the shipped "alexa" head wakes three times under the device's policy
(ambient wakeword eval lists them at 198.6, 245.8 and 271.4 s)."""
SPEECH_SECONDS = 280


def _engine(store: ModelStore, adapted: Path | None = None) -> WakeWordEngine:
    engine = build_wake_detector(WakeWordSettings(models=("alexa",)), store, adapted)
    assert isinstance(engine, WakeWordEngine)
    return engine


def _wakes(engine: WakeWordEngine, audio: np.ndarray, bus: EventBus | None = None) -> list[int]:
    ends = []
    for start in range(0, audio.size - 1279, 1280):
        for hit in engine.process(audio[start : start + 1280]):
            ends.append(hit.end_sample)
            if bus is not None:
                cid = f"wake{len(ends)}"
                bus.publish(WakeWordDetected(t=0.0, correlation_id=cid, model=hit.model, engine="ambient",
                                             score=hit.score, end_sample=hit.end_sample))  # fmt: skip
                bus.publish(FalseWakeMarked(t=0.0, correlation_id=cid, reason="voice"))
    return ends


def _mark_every_wake(
    speech: np.ndarray, model_store: ModelStore, tmp_path: Path
) -> tuple[HardNegativeStore, EventBus, list[int]]:
    """The shipped head on the speech, every wake announced and marked false through the bus."""
    engine = _engine(model_store)
    store = HardNegativeStore(tmp_path / "false_wakes.sqlite")
    bus = EventBus()
    bus.subscribe(FalseWakeRecorder(engine, store.add))
    return store, bus, _wakes(engine, speech, bus)


@pytest.fixture(scope="module")
def speech(data_dir: Path) -> np.ndarray:
    return to_int16(decode_audio(data_dir / SPEECH))[: SPEECH_SECONDS * 16_000]


def test_the_engine_keeps_the_windows_it_fired_on(speech: np.ndarray, model_store: ModelStore) -> None:
    engine = _engine(model_store)
    assert engine.trigger_window("alexa") is None
    ends = _wakes(engine, speech)
    assert ends, "the shipped alexa head no longer wakes on this speech; pick another false wake"
    kept = engine.trigger_window("alexa")
    assert kept is not None and kept.shape == (3, 16, 96)
    # the same three windows as batch feature extraction gives for the audio up to the last wake
    models = FeatureModels(
        model_store.path("wakeword_melspectrogram"), model_store.path("wakeword_embedding")
    )
    windows = windows_of(models.clip_embeddings(speech[: ends[-1]]))
    np.testing.assert_allclose(kept, windows[-3:], atol=1e-3)


def test_a_marked_wake_is_stored_as_features_only(
    speech: np.ndarray, model_store: ModelStore, tmp_path: Path
) -> None:
    store, bus, ends = _mark_every_wake(speech, model_store, tmp_path)
    bus.publish(FalseWakeMarked(t=0.0, correlation_id="never-announced", reason="voice"))
    assert store.count("alexa") == len(ends) == 3
    assert store.windows("alexa").shape == (9, 16, 96)
    with sqlite3.connect(tmp_path / "false_wakes.sqlite") as db:
        columns = [row[1] for row in db.execute("pragma table_info(false_wakes)")]
        sizes = [row[0] for row in db.execute("select length(features) from false_wakes")]
    assert columns == ["id", "model", "marked_at", "score", "reason", "features"]  # no audio kept
    assert sizes == [3 * 16 * 96 * 4] * 3


def test_adapt_stops_the_marked_wakes_and_keeps_the_word(
    speech: np.ndarray, model_store: ModelStore, tmp_path: Path
) -> None:
    store, _, before = _mark_every_wake(speech, model_store, tmp_path)
    shipped = head_path("alexa")
    result = adapt(load_head(shipped), read_anchors(shipped), store.windows("alexa"), AdaptSettings(0.95))
    assert result.negatives == 9
    assert result.negatives_above_after < result.negatives_above_before
    assert result.anchor_recall_after >= result.anchor_recall_before - 0.01
    save_adapted(result, tmp_path / "heads" / "alexa.onnx", "alexa")
    after = _wakes(_engine(model_store, tmp_path / "heads"), speech)
    assert len(after) < len(before)


def test_adaptation_refuses_what_it_cannot_use(model_store: ModelStore, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not one of our MLP heads"):
        load_head(model_store.path("silero_vad"))
    head = tmp_path / "alexa.onnx"
    shutil.copy(head_path("alexa"), head)
    with pytest.raises(ModelError, match="has no anchors"):
        read_anchors(head)
    shutil.copy(head_path("computer").with_suffix(".anchors.npz"), tmp_path / "alexa.anchors.npz")
    with pytest.raises(ModelError, match="belongs to another version"):
        read_anchors(head)
    with pytest.raises(ModelError, match="no false wakes are marked"):
        adapt(
            load_head(head),
            np.zeros((1, 48), np.float32),
            np.zeros((0, 16, 96), np.float32),
            AdaptSettings(0.9),
        )
