"""File-backed devices: the simulated device's microphone, camera and speaker, paced like real ones."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ambient.audio.decoding import decode_audio
from ambient.audio.resample import to_int16
from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE
from ambient.clock import Clock
from ambient.devices.protocols import Frame
from ambient.errors import DeviceError, MediaError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm"}


class WavFileMicrophone:
    """Plays audio files as if spoken into the device, one 80 ms chunk per read.

    Files are joined with `gap_s` of silence before and between them so each is its own
    utterance; `segments` says where each file's audio lies in the stream (sample offsets).
    """

    def __init__(
        self,
        paths: list[Path],
        clock: Clock,
        realtime: bool = True,
        loop: bool = False,
        gap_s: float = 1.0,
    ) -> None:
        if not paths:
            raise MediaError("no audio files given to the file microphone; set microphone.files")
        self.name = "file:" + ",".join(p.name for p in paths[:3]) + ("..." if len(paths) > 3 else "")
        self._paths = paths
        self._clock = clock
        self._realtime = realtime
        self._loop = loop
        self._gap = int(gap_s * SAMPLE_RATE)
        self._stream: npt.NDArray[np.int16] = np.zeros(0, dtype=np.int16)
        self.segments: list[tuple[Path, int, int]] = []
        self._position = 0
        self._chunks_read = 0
        self._started_at = 0.0

    def open(self) -> None:
        pieces: list[npt.NDArray[np.float32]] = []
        cursor = 0
        self.segments = []
        for path in self._paths:
            audio = decode_audio(path)
            pieces.append(np.zeros(self._gap, dtype=np.float32))
            cursor += self._gap
            pieces.append(audio)
            self.segments.append((path, cursor, cursor + audio.size))
            cursor += audio.size
        pieces.append(np.zeros(self._gap, dtype=np.float32))
        stream = np.concatenate(pieces)
        stream = np.pad(stream, (0, (-stream.size) % CHUNK_SAMPLES))
        self._stream = to_int16(stream)
        self._position = 0
        self._chunks_read = 0
        self._started_at = self._clock.now()

    @property
    def duration_s(self) -> float:
        return self._stream.size / SAMPLE_RATE

    def read(self, out: npt.NDArray[np.int16]) -> bool:
        if self._position >= self._stream.size:
            if not self._loop:
                return False
            self._position = 0
        end = self._position + CHUNK_SAMPLES
        np.copyto(out, self._stream[self._position : end])
        self._position = end
        self._chunks_read += 1
        if self._realtime:
            due = self._started_at + self._chunks_read * CHUNK_SAMPLES / SAMPLE_RATE
            self._clock.sleep_blocking(due - self._clock.now())
        return True

    def close(self) -> None:
        self._position = self._stream.size


class VideoFileCamera:
    """Frames from a video file or a folder of images, paced at the file's frame rate."""

    def __init__(
        self,
        source: Path,
        clock: Clock,
        realtime: bool = True,
        loop: bool = False,
        folder_fps: float = 10.0,
    ) -> None:
        self.name = f"file:{source.name}"
        self.fps = folder_fps
        self._source = source
        self._clock = clock
        self._realtime = realtime
        self._loop = loop
        self._capture: Any = None
        self._images: list[Path] = []
        self._index = 0
        self._started_at = 0.0
        self.position_s = 0.0
        """The media time of the frame `read` returned last, counted across loops so that it
        never goes back (frames delivered since `open`, over the frame rate)."""
        self._delivered = 0

    def open(self) -> None:
        import cv2

        source = self._source
        if source.is_dir():
            self._images = sorted(p for p in source.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not self._images:
                raise MediaError(f"image folder {source} holds no images; add .jpg or .png files")
        elif source.is_file():
            capture = cv2.VideoCapture(str(source))
            ok, _ = capture.read() if capture.isOpened() else (False, None)
            if not ok:
                capture.release()
                raise MediaError(
                    f"video file {source} cannot be decoded; use a format OpenCV reads (mp4, avi, mkv)"
                )
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            fps = capture.get(cv2.CAP_PROP_FPS)
            self.fps = fps if fps and fps > 0 else self.fps
            self._capture = capture
        else:
            raise MediaError(f"video source {source} not found; check camera.file")
        self._index = 0
        self._delivered = 0
        self._started_at = self._clock.now()

    def read(self) -> Frame | None:
        frame = self._read_next()
        if frame is None and self._loop and self._index > 0:
            self._rewind()
            frame = self._read_next()
        if frame is None:
            return None
        self._index += 1
        self.position_s = self._delivered / self.fps
        self._delivered += 1
        if self._realtime:
            due = self._started_at + self._index / self.fps
            self._clock.sleep_blocking(due - self._clock.now())
        return frame

    def _read_next(self) -> Frame | None:
        import cv2

        if self._capture is not None:
            ok, frame = self._capture.read()
            return frame if ok else None
        if self._index >= len(self._images):
            return None
        path = self._images[self._index]
        if not path.exists():
            raise DeviceError(f"camera source {path.parent} disappeared mid-run (missing {path.name})")
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise DeviceError(f"camera frame {path} cannot be decoded")
        return image.astype(np.uint8, copy=False)

    def _rewind(self) -> None:
        import cv2

        if self._capture is not None:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
        self._index = 0
        self._started_at = self._clock.now()

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class WavFileSpeaker:
    """Writes what it plays to a WAV file, and each play's device-clock time to `<path>.json`."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.name = f"file:{path.name}"
        self.path = path
        self._clock = clock
        self._file: Any = None
        self._written = 0
        self.playbacks: list[dict[str, float | int]] = []

    def open(self) -> None:
        import soundfile

        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._file = soundfile.SoundFile(
                str(self.path), "w", samplerate=SAMPLE_RATE, channels=1, subtype="PCM_16"
            )
        except (OSError, RuntimeError) as exc:
            raise DeviceError(
                f"speaker file {self.path} cannot be written ({exc}); check speaker.path"
            ) from None
        self._written = 0
        self.playbacks = []

    def play(self, samples: npt.NDArray[np.int16]) -> None:
        if self._file is None:
            raise DeviceError("speaker is not open")
        self.playbacks.append(
            {"t": self._clock.now(), "start_sample": self._written, "samples": int(samples.size)}
        )
        self._file.write(samples)
        self._written += int(samples.size)

    def stop(self) -> None:
        self.playbacks.append({"t": self._clock.now(), "start_sample": self._written, "samples": 0})

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            sidecar = self.path.with_suffix(self.path.suffix + ".json")
            sidecar.write_text(json.dumps({"sample_rate": SAMPLE_RATE, "playbacks": self.playbacks}))
