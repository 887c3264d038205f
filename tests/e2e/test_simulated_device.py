"""The simulated device end to end: the real runtime with file backends on the shared media."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from ambient.audio_format import SAMPLE_RATE
from ambient.device import Device
from ambient.devices.file_backends import WavFileMicrophone
from ambient.events import (
    ChannelStats,
    DeviceDegraded,
    DeviceStarted,
    DeviceStopped,
    Event,
    FacesDetected,
    MediaEnded,
    SpeechEnded,
    SpeechStarted,
    StageFailed,
    StageGaveUp,
    TurnAbandoned,
    UtteranceCaptured,
    WakeWordDetected,
)
from ambient.models import ModelStore
from ambient.runtime.bus import EventBus
from tests.conftest import simulated_settings


def run_device(device: Device, duration_s: float | None = None) -> list[Event]:
    history = device.bus.keep_history()
    device.open()
    asyncio.run(device.run(duration_s))
    return history


def test_speech_and_faces_from_real_media(data_dir: Path, tmp_path: Path, model_store: ModelStore) -> None:
    settings = simulated_settings(
        data_dir, tmp_path,
        "microphone.files=speech/whisper__jfk.flac,speech/pocketsphinx__goforward.flac",
        "microphone.realtime=false",
        "camera.realtime=false",
    )  # fmt: skip
    device = Device(settings, bus=EventBus(), simulate=True, models=model_store)
    history = run_device(device)

    assert isinstance(history[0], DeviceStarted) and history[0].simulated
    assert isinstance(history[-1], DeviceStopped) and history[-1].reason == "every source ended"
    assert sum(isinstance(e, MediaEnded) for e in history) == 2

    starts = [e for e in history if isinstance(e, SpeechStarted)]
    ends = [e for e in history if isinstance(e, SpeechEnded)]
    assert len(starts) == len(ends) >= 2
    for start, end in zip(starts, ends, strict=True):
        assert start.correlation_id == end.correlation_id is not None
        assert start.start_sample == end.start_sample < end.end_sample
    assert len({e.correlation_id for e in ends}) == len(ends)

    # Every file's speech is found, and inside that file's span of the stream.
    microphone = device.devices.microphone
    assert isinstance(microphone, WavFileMicrophone)
    for path, first, last in microphone.segments:
        inside = [e for e in ends if first - 0.15 * SAMPLE_RATE <= e.start_sample and e.end_sample <= last]
        assert inside, f"no speech segment found inside {path.name}"

    faces = [e for e in history if isinstance(e, FacesDetected)]
    assert any(e.boxes for e in faces)
    for event in faces:
        for left, top, width, height in event.boxes:
            assert 0 <= left < event.width and 0 <= top < event.height and width > 20 and height > 20

    audio_stats = next(e for e in history if isinstance(e, ChannelStats) and e.channel == "audio")
    assert audio_stats.dropped == 0  # a file played as fast as possible is slowed, never dropped
    assert not any(isinstance(e, StageFailed) for e in history)


def test_camera_that_disappears_degrades_while_audio_flows(
    data_dir: Path, tmp_path: Path, model_store: ModelStore
) -> None:
    folder = tmp_path / "camera"
    shutil.copytree(data_dir / "faces" / "Barack_Obama", folder)
    settings = simulated_settings(
        data_dir, tmp_path,
        "microphone.files=speech/pocketsphinx__goforward.flac",
        "microphone.gap_s=0.5",
        f"camera.file={folder}",
        "runtime.restart_backoff_s=0.05",
        "runtime.max_restarts=2",
    )  # fmt: skip
    device = Device(settings, bus=EventBus(), simulate=True, models=model_store)
    history = device.bus.keep_history()
    device.open()
    shutil.rmtree(folder)  # unplugged after start-up: the first read fails, reopening fails too
    asyncio.run(device.run(duration_s=10))

    failures = [e for e in history if isinstance(e, StageFailed) and e.stage == "camera"]
    assert [f.attempt for f in failures] == [1, 2]
    assert "disappeared" in failures[0].error and "not found" in failures[1].error
    gave_up = next(i for i, e in enumerate(history) if isinstance(e, StageGaveUp))
    degraded = [e for e in history if isinstance(e, DeviceDegraded)]
    assert [d.component for d in degraded] == ["camera"] and "camera" in degraded[0].fix
    assert device.supervisor.degraded.keys() == {"camera"}
    # The audio path never noticed: speech is still found after the camera was given up.
    later = history[gave_up:]
    assert any(isinstance(e, SpeechStarted) for e in later)
    assert any(isinstance(e, SpeechEnded) for e in later)
    assert isinstance(history[-1], DeviceStopped)


def test_wake_word_starts_an_interaction_that_captures_the_command(
    data_dir: Path, tmp_path: Path, model_store: ModelStore
) -> None:
    wake_clip = sorted((data_dir / "wakeword" / "computer" / "test").glob("*.flac"))[0]
    settings = simulated_settings(
        data_dir,
        tmp_path,
        f"microphone.files={wake_clip},speech/pocketsphinx__goforward.flac",
        "microphone.gap_s=0.8",
        "microphone.realtime=false",
        "camera.backend=none",
    )
    device = Device(settings, bus=EventBus(), simulate=True, models=model_store)
    history = run_device(device)

    wakes = [e for e in history if isinstance(e, WakeWordDetected)]
    assert len(wakes) == 1 and wakes[0].model == "computer" and wakes[0].engine == "ambient"
    wake = wakes[0]
    microphone = device.devices.microphone
    assert isinstance(microphone, WavFileMicrophone)
    (_, wake_start, wake_end), (_, command_start, command_end) = microphone.segments
    assert wake_start < wake.end_sample <= wake_end + SAMPLE_RATE // 2

    captured = [e for e in history if isinstance(e, UtteranceCaptured)]
    assert len(captured) == 1
    utterance = captured[0]
    assert utterance.correlation_id == wake.correlation_id
    assert utterance.reason == "end of turn"
    # the command is the second file's speech, after the wake word
    assert utterance.start_sample >= wake.end_sample
    assert command_start - 0.15 * SAMPLE_RATE <= utterance.start_sample <= command_start + 0.5 * SAMPLE_RATE
    assert command_end - 0.8 * SAMPLE_RATE <= utterance.end_sample <= command_end + 0.2 * SAMPLE_RATE

    # one correlation id from the wake word to the captured utterance, in that order
    interaction = [e for e in history if e.correlation_id == wake.correlation_id]
    kinds = [e.type for e in interaction if e.type != "TurnStateChanged"]
    assert kinds[0] == "WakeWordDetected" and "UtteranceCaptured" in kinds
    # the turn goes on to be answered (tests/e2e/test_voice_turn.py checks the whole sequence)
    assert kinds[-2:] == ["ReplyFinished", "TurnFinished"]
    assert "SpeechEnded" in kinds
    assert not any(isinstance(e, TurnAbandoned) for e in history)


def video_device(
    data_dir: Path, tmp_path: Path, model_store: ModelStore, clip: str
) -> tuple[dict[str, Any], Device]:
    """The simulated device watching one shared clip frame by frame, with the clip's enrolment
    photos in an encrypted gallery; the clip's JSON comes back with it."""
    import json

    from ambient.vision.encoding import ENCODER_ID
    from ambient.vision.enrolment import QualitySettings, encode_photos
    from ambient.vision.gallery import Gallery
    from ambient.vision.setup import enrolment_detector, face_encoder

    video = data_dir / "video"
    meta: dict[str, Any] = json.loads((video / f"{clip}.json").read_text())
    gallery = Gallery(tmp_path / "gallery.sqlite", tmp_path / "gallery.key", environ={})
    encoder = face_encoder(model_store)
    for name, photos in meta["enroll"].items():
        gallery.add(
            name,
            encode_photos([video / p for p in photos], enrolment_detector(), encoder, QualitySettings()),
            ENCODER_ID,
        )
    gallery.close()
    settings = simulated_settings(
        data_dir,
        tmp_path,
        "microphone.files=speech/pocketsphinx__goforward.flac",
        f"camera.file=video/{clip}.mp4",
        "camera.realtime=false",  # every frame, in order, on the video's own time line: repeatable
        "microphone.realtime=false",
        f"vision.gallery={tmp_path / 'gallery.sqlite'}",
        f"vision.gallery_key={tmp_path / 'gallery.key'}",
    )
    return meta, Device(settings, bus=EventBus(), simulate=True, models=model_store)


def test_presence_events_from_real_video(data_dir: Path, tmp_path: Path, model_store: ModelStore) -> None:
    """short_hamilton_clip: Lin-Manuel Miranda (enrolled) on stage, then in close-up; the audience
    at the end are strangers. Alex Lacamoire (enrolled) never shows a detectable frontal face."""
    from ambient.events import FaceIdentified, FacesDetected, PersonArrived, UnknownPersonSeen

    _, device = video_device(data_dir, tmp_path, model_store, "short_hamilton_clip")
    history = run_device(device)

    decisions = [e for e in history if isinstance(e, FaceIdentified)]
    arrivals = [e for e in history if isinstance(e, PersonArrived)]
    assert decisions, "no identity decision at all"
    # every track gets its first decision within 1 s of first sight (a later re-check may revise
    # an "unknown", never silently)
    first = {}
    for decision in decisions:
        first.setdefault(decision.track_id, decision)
    assert all(d.after_s <= 1.0 for d in first.values()), [d.after_s for d in first.values()]
    assert any(isinstance(e, FacesDetected) and e.boxes for e in history)
    # tracks stay stable: a 9 s clip with three face episodes yields a handful of tracks, not dozens
    assert len(first) <= 5
    # never a stranger taken for an enrolled person: any accepted name is Lin, on his close-up
    for decision in decisions:
        if decision.known:
            assert decision.person == "lin_manuel_miranda"
            assert 2.5 <= decision.t - history[0].t <= 8.5
    # Lin is recognised on his close-up, and arrives once
    assert [a.person for a in arrivals].count("lin_manuel_miranda") == 1
    # every stranger decision is announced
    unknown = [d for d in decisions if not d.known]
    assert sum(isinstance(e, UnknownPersonSeen) for e in history) == len(unknown)


def test_presence_through_a_dinner_scene(data_dir: Path, tmp_path: Path, model_store: ModelStore) -> None:
    """fresh_off_the_boat_clip, all 82 s: six enrolled characters (one photo each) come and go,
    up to three at once, in close-ups and wide shots; there is no stranger at the table."""
    from ambient.events import FaceIdentified, FacesDetected, PersonArrived, PersonLeft
    from ambient.testing.media import visible_people

    meta, device = video_device(data_dir, tmp_path, model_store, "fresh_off_the_boat_clip")
    history = run_device(device)

    # the file camera stamps frame i at start + i / fps: any FacesDetected gives the start
    seen = next(e for e in history if isinstance(e, FacesDetected))
    start = seen.t - seen.frame_index / meta["fps"]
    decisions = [e for e in history if isinstance(e, FaceIdentified)]
    first: dict[int, FaceIdentified] = {}
    for decision in decisions:
        first.setdefault(decision.track_id, decision)
    assert all(d.after_s <= 1.0 for d in first.values()), [d.after_s for d in first.values()]
    # every accepted name is someone the ground truth shows then (within the 1 s decision window)
    for decision in decisions:
        if decision.known:
            frame = round((decision.t - start) * meta["fps"])
            assert decision.person in visible_people(meta, frame, slack=24), (decision, frame)
    # Wide shots of tiny faces may stay unknown. Each character is enrolled from the one photo the
    # shared data has (the device's own enrolment now asks for three), so no one gets the spread
    # adjustment: at the constants chosen by person cross-validation (`ambient faces tune`), 22 of
    # 28 tracks were named on 2026-12-03 (at the older constants, tuned on all shared photos, at
    # least 80 %); none wrongly.
    named = {d.track_id for d in decisions if d.known}
    assert len(named) >= 0.75 * len(first)
    # all six arrive, and a person's arrivals and departures alternate (one arrival per visit)
    people = set(meta["enroll"])
    assert {e.person for e in history if isinstance(e, PersonArrived)} - {"unknown"} == people
    for person in people:
        visits = [
            type(e).__name__
            for e in history
            if isinstance(e, PersonArrived | PersonLeft) and e.person == person
        ]
        assert visits[::2] == ["PersonArrived"] * len(visits[::2]), (person, visits)
        assert visits[1::2] == ["PersonLeft"] * len(visits[1::2]), (person, visits)


def test_a_camera_missing_at_start_costs_the_camera_not_the_device(data_dir: Path, tmp_path: Path) -> None:
    """A live camera that is not there at boot (the Pi with its webcam unplugged): the device starts
    without it, the camera stage says what failed and gives up, and the audio path works."""
    settings = simulated_settings(
        data_dir, tmp_path,
        "microphone.files=speech/whisper__jfk.flac", "microphone.realtime=false",
        "camera.backend=opencv", f"camera.source={tmp_path / 'no-such-camera'}",
        "runtime.max_restarts=1", "runtime.restart_backoff_s=0.05",
    )  # fmt: skip
    device = Device(settings, bus=EventBus(), simulate=True)
    history = run_device(device)
    failed = [e for e in history if isinstance(e, StageFailed) and e.stage == "camera"]
    assert failed and "cannot be opened" in failed[0].error
    assert [d.component for d in history if isinstance(d, DeviceDegraded)] == ["camera"]
    assert any(isinstance(e, SpeechEnded) for e in history)
    assert isinstance(history[-1], DeviceStopped)
