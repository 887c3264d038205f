"""Builds the device bundle from configuration; `auto` falls back to recorded media."""

from __future__ import annotations

import glob
import logging
from dataclasses import dataclass
from pathlib import Path

from ambient.clock import Clock
from ambient.config import Settings
from ambient.devices.file_backends import VideoFileCamera, WavFileMicrophone, WavFileSpeaker
from ambient.devices.indicator import GpioButton, GpioRgbIndicator, LoggingIndicator, NullButton
from ambient.devices.protocols import Button, Camera, Indicator, Microphone, Speaker
from ambient.errors import AmbientError, MediaError

log = logging.getLogger(__name__)


@dataclass
class DeviceBundle:
    microphone: Microphone
    camera: Camera | None
    speaker: Speaker | None
    indicator: Indicator
    button: Button
    simulated: bool


def microphone_files(settings: Settings) -> list[Path]:
    """The file microphone's playlist: each entry a path or a glob, relative to runtime.data_dir."""
    paths: list[Path] = []
    for pattern in settings.microphone.files:
        full = settings.data_path(pattern)
        if any(ch in pattern for ch in "*?["):
            matches = sorted(Path(p) for p in glob.glob(str(full)))
            if not matches:
                raise MediaError(f"microphone.files pattern {pattern!r} matches no file under {full.parent}")
            paths.extend(matches)
        else:
            paths.append(full)
    return paths


def _live_microphone_present() -> bool:
    try:
        from ambient.devices.sound_device import input_devices

        return bool(input_devices())
    except AmbientError:
        return False


def _live_camera_present() -> bool:
    from ambient.devices.opencv_camera import webcam_present

    return webcam_present(0)


def microphone_simulated(settings: Settings, simulate: bool) -> bool:
    """Whether `build_microphone` would play recorded media rather than open a microphone."""
    backend = settings.microphone.backend
    return backend == "file" or (backend == "auto" and (simulate or not _live_microphone_present()))


def build_microphone(settings: Settings, clock: Clock, simulate: bool) -> Microphone:
    backend = settings.microphone.backend
    if backend == "auto":
        backend = "file" if simulate or not _live_microphone_present() else "sounddevice"
        if backend == "file" and not simulate:
            log.warning("no microphone found: simulating it from recorded speech")
    if backend == "sounddevice":
        from ambient.devices.sound_device import SoundDeviceMicrophone

        return SoundDeviceMicrophone(settings.microphone.device)
    return WavFileMicrophone(
        microphone_files(settings),
        clock,
        realtime=settings.microphone.realtime,
        loop=settings.microphone.loop,
        gap_s=settings.microphone.gap_s,
    )


def build_camera(settings: Settings, clock: Clock, simulate: bool) -> Camera | None:
    backend = settings.camera.backend
    if backend == "auto":
        backend = "file" if simulate or not _live_camera_present() else "opencv"
        if backend == "file" and not simulate:
            log.warning("no camera found: simulating it from recorded video")
    if backend == "none":
        return None
    if backend == "opencv":
        from ambient.devices.opencv_camera import OpenCVCamera

        return OpenCVCamera(settings.camera.source, settings.camera.width, settings.camera.height)
    return VideoFileCamera(
        settings.data_path(settings.camera.file),
        clock,
        realtime=settings.camera.realtime,
        loop=settings.camera.loop,
    )


def build_speaker(settings: Settings, clock: Clock, simulate: bool) -> Speaker | None:
    backend = settings.speaker.backend
    if backend == "none":
        return None
    if backend == "sounddevice" or (backend == "auto" and not simulate and _has_output()):
        from ambient.devices.sound_device import SoundDeviceSpeaker

        return SoundDeviceSpeaker(settings.speaker.device)
    return WavFileSpeaker(Path(settings.speaker.path).expanduser(), clock)


def _has_output() -> bool:
    try:
        from ambient.devices.sound_device import output_devices

        return bool(output_devices())
    except AmbientError:
        return False


def build_indicator(settings: Settings) -> Indicator:
    panel = settings.panel
    if panel.indicator == "gpio":
        return GpioRgbIndicator(panel.led_red_pin, panel.led_green_pin, panel.led_blue_pin)
    return LoggingIndicator()


def build_button(settings: Settings) -> Button:
    panel = settings.panel
    if panel.button == "gpio":
        return GpioButton(panel.button_pin)
    return NullButton()


def build_devices(settings: Settings, clock: Clock, simulate: bool) -> DeviceBundle:
    microphone = build_microphone(settings, clock, simulate)
    camera = build_camera(settings, clock, simulate)
    speaker = build_speaker(settings, clock, simulate)
    return DeviceBundle(
        microphone=microphone,
        camera=camera,
        speaker=speaker,
        indicator=build_indicator(settings),
        button=build_button(settings),
        simulated=isinstance(microphone, WavFileMicrophone),
    )
