"""A live camera through OpenCV: a webcam index, a file, or an RTSP or HTTP stream."""

from __future__ import annotations

from typing import Any

from ambient.devices.protocols import Frame
from ambient.errors import DeviceError


class OpenCVCamera:
    def __init__(self, source: str = "0", width: int = 640, height: int = 480) -> None:
        self._source: int | str = int(source) if source.isdigit() else source
        self._width = width
        self._height = height
        self.name = f"opencv:{source}"
        self.fps = 30.0
        self._capture: Any = None

    def open(self) -> None:
        import cv2

        capture = cv2.VideoCapture(self._source)
        if not capture.isOpened():
            capture.release()
            raise DeviceError(
                f"camera {self._source!r} cannot be opened; check camera.source "
                "(a webcam index such as 0, a file, or an rtsp:// or http:// URL)"
            )
        if isinstance(self._source, int):
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self._width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self._height)
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and fps > 0 else self.fps
        self._capture = capture

    def read(self) -> Frame | None:
        if self._capture is None:
            raise DeviceError("camera is not open")
        ok, frame = self._capture.read()
        if not ok:
            if isinstance(self._source, str) and "://" not in self._source:
                return None  # a file ended
            raise DeviceError(f"camera {self._source!r} stopped delivering frames (unplugged?)")
        return frame  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


def webcam_present(index: int = 0) -> bool:
    """Whether a webcam answers at `index` (used by `auto` and `ambient doctor`)."""
    import cv2

    capture = cv2.VideoCapture(index)
    try:
        return bool(capture.isOpened())
    finally:
        capture.release()
