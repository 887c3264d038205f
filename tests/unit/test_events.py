"""Events: frozen, typed, and a lossless JSON round-trip for every type."""

from __future__ import annotations

import dataclasses

import pytest

from ambient.events import (
    ChannelStats,
    DeviceDegraded,
    Event,
    FacesDetected,
    SpeechEnded,
    SpeechStarted,
    StageFailed,
    new_correlation_id,
)

SAMPLES: list[Event] = [
    SpeechStarted(t=1.5, correlation_id="abc", start_sample=16000),
    SpeechEnded(t=2.0, correlation_id="abc", start_sample=16000, end_sample=32000),
    FacesDetected(t=3.0, frame_index=7, width=640, height=360, boxes=((1, 2, 3, 4), (5, 6, 7, 8))),
    StageFailed(t=4.0, stage="camera", error="gone", attempt=2, restart_in_s=1.0),
    DeviceDegraded(t=5.0, component="camera", reason="gone", fix="plug it in"),
    ChannelStats(t=6.0, channel="audio", delivered=10, dropped=2),
]


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.type)
def test_json_round_trip(event: Event) -> None:
    assert Event.from_json(event.to_json()) == event


def test_every_event_type_is_registered_and_frozen() -> None:
    assert {"SpeechStarted", "FacesDetected", "StageGaveUp", "DeviceStopped"} <= set(Event.registry)
    with pytest.raises(dataclasses.FrozenInstanceError):
        SAMPLES[0].t = 9.0  # type: ignore[misc]


def test_unknown_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        Event.from_dict({"type": "Nope", "t": 0})


def test_speech_ended_duration_and_ids() -> None:
    assert SpeechEnded(t=0, start_sample=0, end_sample=8000).duration_s == 0.5
    assert new_correlation_id() != new_correlation_id()
