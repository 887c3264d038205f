"""PortAudio microphone and speaker through sounddevice (a laptop, a Pi with a USB or HAT card)."""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE
from ambient.errors import DependencyError, DeviceError

log = logging.getLogger(__name__)


def import_sounddevice() -> ModuleType:
    """sounddevice, or a one-line hint: the module needs the PortAudio shared library."""
    try:
        import sounddevice
    except ImportError:
        raise DependencyError(
            "the sounddevice backend needs the sounddevice package: pip install sounddevice"
        ) from None
    except OSError:
        raise DependencyError(
            "the sounddevice backend needs PortAudio: "
            "apt-get install libportaudio2 (or brew install portaudio)"
        ) from None
    return sounddevice  # type: ignore[no-any-return]


def _device_arg(device: str) -> int | str | None:
    if not device:
        return None
    return int(device) if device.isdigit() else device


def input_devices() -> list[dict[str, Any]]:
    sd = import_sounddevice()
    return [dict(d) for d in sd.query_devices() if d["max_input_channels"] > 0]


def output_devices() -> list[dict[str, Any]]:
    sd = import_sounddevice()
    return [dict(d) for d in sd.query_devices() if d["max_output_channels"] > 0]


class SoundDeviceMicrophone:
    """A PortAudio input stream opened at 16 kHz mono int16, read one chunk at a time."""

    def __init__(self, device: str = "") -> None:
        self._device = _device_arg(device)
        self.name = f"sounddevice:{device or 'default'}"
        self._stream: Any = None
        self.overflows = 0

    def open(self) -> None:
        sd = import_sounddevice()
        try:
            self._stream = sd.RawInputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="int16",
                blocksize=CHUNK_SAMPLES,
                device=self._device,
            )
            self._stream.start()
        except Exception as exc:  # PortAudioError and ValueError for a bad device name
            raise DeviceError(
                f"microphone {self.name} cannot be opened ({exc}); `ambient doctor` lists the devices"
            ) from None

    def read(self, out: npt.NDArray[np.int16]) -> bool:
        if self._stream is None:
            raise DeviceError("microphone is not open")
        try:
            data, overflowed = self._stream.read(CHUNK_SAMPLES)
        except Exception as exc:
            raise DeviceError(f"microphone {self.name} stopped ({exc})") from None
        if overflowed:
            self.overflows += 1
        np.copyto(out, np.frombuffer(data, dtype=np.int16))
        return True

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None


class SoundDeviceSpeaker:
    """A PortAudio output stream at 16 kHz mono int16; `stop` aborts what is queued."""

    def __init__(self, device: str = "") -> None:
        self._device = _device_arg(device)
        self.name = f"sounddevice:{device or 'default'}"
        self._stream: Any = None

    def open(self) -> None:
        sd = import_sounddevice()
        try:
            self._stream = sd.RawOutputStream(
                samplerate=SAMPLE_RATE, channels=1, dtype="int16", device=self._device
            )
            self._stream.start()
        except Exception as exc:
            raise DeviceError(
                f"speaker {self.name} cannot be opened ({exc}); `ambient doctor` lists the devices"
            ) from None

    def play(self, samples: npt.NDArray[np.int16]) -> None:
        if self._stream is None:
            raise DeviceError("speaker is not open")
        try:
            # the raw stream takes any buffer: no bytes copy per chunk
            self._stream.write(np.ascontiguousarray(samples, dtype=np.int16))
        except Exception as exc:
            raise DeviceError(f"speaker {self.name} failed ({exc})") from None

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.abort()
            self._stream.start()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
