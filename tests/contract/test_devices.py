"""One contract over every device backend that can load here.

PortAudio runs for real against a PulseAudio null sink that this module starts and stops; OpenCV
reads the shared video through its camera backend. Only the GPIO button cannot load on this machine.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE
from ambient.clock import FakeClock
from ambient.devices.file_backends import VideoFileCamera, WavFileMicrophone, WavFileSpeaker
from ambient.devices.indicator import LoggingIndicator, NullButton
from ambient.devices.opencv_camera import OpenCVCamera
from ambient.devices.protocols import (
    Button,
    Camera,
    Indicator,
    IndicatorState,
    Microphone,
    Speaker,
)
from ambient.errors import DependencyError, DeviceError, MediaError
from ambient.testing.pulse import NullSinkServer


@pytest.fixture(scope="module")
def pulse() -> Iterator[NullSinkServer]:
    with NullSinkServer() as server:
        yield server


# --- microphones ------------------------------------------------------------------------------


def file_microphone(data_dir: Path) -> Microphone:
    return WavFileMicrophone(
        [data_dir / "speech" / "pocketsphinx__goforward.flac"], FakeClock(), realtime=True, gap_s=0.5
    )


def sounddevice_microphone(data_dir: Path) -> Microphone:
    from ambient.devices.sound_device import SoundDeviceMicrophone

    return SoundDeviceMicrophone("pulse")


MICROPHONES: dict[str, Callable[[Path], Microphone]] = {
    "file": file_microphone,
    "sounddevice": sounddevice_microphone,
}


@pytest.mark.parametrize("backend", MICROPHONES)
def test_microphone_contract(backend: str, data_dir: Path, pulse: NullSinkServer) -> None:
    microphone = MICROPHONES[backend](data_dir)
    assert isinstance(microphone, Microphone)
    microphone.open()
    try:
        chunk = np.full(CHUNK_SAMPLES, 7, dtype=np.int16)
        for _ in range(5):
            assert microphone.read(chunk) is True
        assert chunk.dtype == np.int16 and chunk.shape == (CHUNK_SAMPLES,)
    finally:
        microphone.close()
    assert microphone.name


def test_file_microphone_paces_in_real_time_on_the_injected_clock(data_dir: Path) -> None:
    clock = FakeClock()
    microphone = WavFileMicrophone([data_dir / "speech" / "whisper__jfk.flac"], clock, realtime=True)
    microphone.open()
    chunk = np.zeros(CHUNK_SAMPLES, dtype=np.int16)
    for _ in range(25):
        microphone.read(chunk)
    assert clock.now() == pytest.approx(25 * CHUNK_SAMPLES / SAMPLE_RATE)


def test_file_microphone_ends_or_loops(data_dir: Path) -> None:
    path = data_dir / "speech" / "pocketsphinx__goforward.flac"
    chunk = np.zeros(CHUNK_SAMPLES, dtype=np.int16)
    once = WavFileMicrophone([path], FakeClock(), realtime=False, gap_s=0.0)
    once.open()
    reads = 0
    while once.read(chunk):
        reads += 1
    assert reads == -(-soundfile.info(str(path)).frames // CHUNK_SAMPLES)
    looping = WavFileMicrophone([path], FakeClock(), realtime=False, loop=True, gap_s=0.0)
    looping.open()
    assert all(looping.read(chunk) for _ in range(reads * 3))


def test_file_microphone_resamples_and_downmixes(tmp_path: Path, data_dir: Path) -> None:
    mono, _ = soundfile.read(str(data_dir / "speech" / "whisper__jfk.flac"), dtype="float32")
    stereo_44k = np.repeat(np.interp(np.arange(0, mono.size, 16 / 44.1), np.arange(mono.size), mono), 1)
    path = tmp_path / "stereo44k.wav"
    soundfile.write(str(path), np.stack([stereo_44k, stereo_44k], axis=1), 44_100)
    microphone = WavFileMicrophone([path], FakeClock(), realtime=False, gap_s=0.0)
    microphone.open()
    (_, start, end) = microphone.segments[0]
    assert abs((end - start) - mono.size) < 50  # back at 16 kHz, same duration


def test_file_microphone_segments_locate_each_file(data_dir: Path) -> None:
    paths = [data_dir / "speech" / "whisper__jfk.flac", data_dir / "speech" / "pocketsphinx__goforward.flac"]
    microphone = WavFileMicrophone(paths, FakeClock(), gap_s=1.0)
    microphone.open()
    assert [s[0] for s in microphone.segments] == paths
    assert microphone.segments[0][1] == SAMPLE_RATE
    assert microphone.segments[1][1] == microphone.segments[0][2] + SAMPLE_RATE


def test_missing_and_corrupt_audio_files(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="not found"):
        WavFileMicrophone([tmp_path / "none.wav"], FakeClock()).open()
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk")
    with pytest.raises(MediaError, match="cannot be decoded") as caught:
        WavFileMicrophone([corrupt], FakeClock()).open()
    assert "\n" not in str(caught.value)


def test_a_missing_portaudio_device_is_a_device_error(pulse: NullSinkServer) -> None:
    from ambient.devices.sound_device import SoundDeviceMicrophone

    with pytest.raises(DeviceError, match="cannot be opened"):
        SoundDeviceMicrophone("no such microphone").open()


# --- cameras ----------------------------------------------------------------------------------


def video_camera(data_dir: Path, tmp_path: Path) -> Camera:
    return VideoFileCamera(data_dir / "video" / "short_hamilton_clip.mp4", FakeClock())


def folder_camera(data_dir: Path, tmp_path: Path) -> Camera:
    return VideoFileCamera(data_dir / "faces" / "Barack_Obama", FakeClock())


def opencv_camera(data_dir: Path, tmp_path: Path) -> Camera:
    return OpenCVCamera(str(data_dir / "video" / "short_hamilton_clip.mp4"))


CAMERAS: dict[str, Callable[[Path, Path], Camera]] = {
    "video-file": video_camera,
    "image-folder": folder_camera,
    "opencv": opencv_camera,
}


@pytest.mark.parametrize("backend", CAMERAS)
def test_camera_contract(backend: str, data_dir: Path, tmp_path: Path) -> None:
    camera = CAMERAS[backend](data_dir, tmp_path)
    assert isinstance(camera, Camera)
    camera.open()
    try:
        frame = camera.read()
        assert frame is not None and frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8
        assert camera.fps > 0
    finally:
        camera.close()


def test_video_camera_ends_paced_at_its_frame_rate(data_dir: Path) -> None:
    clock = FakeClock()
    camera = VideoFileCamera(data_dir / "video" / "short_hamilton_clip.mp4", clock)
    camera.open()
    frames = 0
    while camera.read() is not None:
        frames += 1
    assert frames == 275
    assert clock.now() == pytest.approx(275 / 29.97, rel=1e-3)


def test_camera_folder_that_disappears_mid_run(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    shutil.copytree(data_dir / "faces" / "Barack_Obama", folder)
    camera = VideoFileCamera(folder, FakeClock(), realtime=False)
    camera.open()
    assert camera.read() is not None
    shutil.rmtree(folder)
    with pytest.raises(DeviceError, match="disappeared"):
        camera.read()
    with pytest.raises(MediaError, match="not found"):
        camera.open()


def test_missing_and_corrupt_video(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="not found"):
        VideoFileCamera(tmp_path / "none.mp4", FakeClock()).open()
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500)
    with pytest.raises(MediaError, match="cannot be decoded"):
        VideoFileCamera(corrupt, FakeClock()).open()
    with pytest.raises(DeviceError, match="cannot be opened"):
        OpenCVCamera(str(tmp_path / "none.mp4")).open()


# --- speakers ---------------------------------------------------------------------------------


def tone(seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (np.sin(2 * np.pi * 440 * t) * 12000).astype(np.int16)


def test_file_speaker_writes_audio_and_timestamps(tmp_path: Path) -> None:
    clock = FakeClock(start=5.0)
    speaker = WavFileSpeaker(tmp_path / "out.wav", clock)
    assert isinstance(speaker, Speaker)
    speaker.open()
    speaker.play(tone())
    clock.advance(1.0)
    speaker.play(tone(0.25))
    speaker.close()
    written, rate = soundfile.read(str(tmp_path / "out.wav"), dtype="int16")
    assert rate == SAMPLE_RATE and written.size == int(0.75 * SAMPLE_RATE)
    log = json.loads((tmp_path / "out.wav.json").read_text())
    assert [(p["t"], p["start_sample"]) for p in log["playbacks"]] == [(5.0, 0), (6.0, 8000)]


def test_sounddevice_speaker_is_heard_on_the_null_sink_monitor(pulse: NullSinkServer) -> None:
    from ambient.devices.sound_device import SoundDeviceMicrophone, SoundDeviceSpeaker

    speaker = SoundDeviceSpeaker("pulse")
    microphone = SoundDeviceMicrophone("pulse")  # the null sink's monitor is the default source
    assert isinstance(speaker, Speaker)
    speaker.open()
    microphone.open()
    try:
        chunk = np.zeros(CHUNK_SAMPLES, dtype=np.int16)
        loudest = 0
        deadline = time.monotonic() + 5
        speaker.play(tone(1.0))
        while time.monotonic() < deadline and loudest < 1000:
            microphone.read(chunk)
            loudest = max(loudest, int(np.abs(chunk.astype(np.int32)).max()))
        speaker.stop()
    finally:
        microphone.close()
        speaker.close()
    assert loudest >= 1000, "the tone played through PortAudio never reached the monitor source"


# --- indicator and button ---------------------------------------------------------------------


def test_indicator_and_button_contract() -> None:
    indicator = LoggingIndicator()
    assert isinstance(indicator, Indicator)
    indicator.show(IndicatorState.LISTENING)
    indicator.show(IndicatorState.LISTENING)
    indicator.show(IndicatorState.PRIVATE, "owner asked")
    assert indicator.history == [(IndicatorState.LISTENING, ""), (IndicatorState.PRIVATE, "owner asked")]
    button = NullButton()
    assert isinstance(button, Button)
    assert button.was_pressed() is False


def test_gpio_button_without_gpiozero_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from ambient.devices.indicator import GpioButton, GpioRgbIndicator

    monkeypatch.setitem(sys.modules, "gpiozero", None)  # as on a machine without the `pi` extra
    with pytest.raises(DependencyError, match=r"ambient\[pi\]"):
        GpioButton(17)
    with pytest.raises(DependencyError, match=r"ambient\[pi\]"):
        GpioRgbIndicator(5, 6, 13)


def test_looping_video_time_never_goes_back(data_dir: Path) -> None:
    camera = VideoFileCamera(data_dir / "faces" / "Elon_Musk", FakeClock(), realtime=False, loop=True)
    camera.open()
    positions = []
    for _ in range(10):  # three photos, so this loops three times
        assert camera.read() is not None
        positions.append(camera.position_s)
    assert positions == sorted(positions) and len(set(positions)) == 10
