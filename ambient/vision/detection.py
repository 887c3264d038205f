"""Face detection on a downscaled frame: dlib's HOG detector (face_recognition's default)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ambient.devices.protocols import Frame
from ambient.errors import DependencyError
from ambient.events import Box


def import_dlib() -> Any:
    try:
        import dlib
    except ImportError:
        raise DependencyError("face detection needs dlib: pip install dlib-bin") from None
    return dlib


class HogFaceDetector:
    """Finds frontal faces; boxes come back in the original frame's pixels as (left, top, w, h).

    This is the detector `face_recognition.face_locations(model="hog")` runs, called on dlib
    directly: importing face_recognition loads dlib's 68-point landmark model, whose licence
    forbids commercial use. HOG cost grows with the pixel count, so the frame is shrunk to
    `detect_width` first; each upsampling pass finds faces half as small at four times the cost.
    """

    def __init__(self, detect_width: int = 480, upsample: int = 1) -> None:
        self._detector = import_dlib().get_frontal_face_detector()
        self.detect_width = detect_width
        self.upsample = upsample
        self._small: np.ndarray | None = None
        self._grey: np.ndarray | None = None

    def detect_rgb(self, rgb: np.ndarray, scale: float = 1.0) -> tuple[Box, ...]:
        """Faces in an RGB image, boxes divided by `scale` (the shrink applied to it)."""
        height, width = rgb.shape[:2]
        boxes = []
        for rect in self._detector(rgb, self.upsample):
            left, top = max(0, rect.left()), max(0, rect.top())
            right, bottom = min(width, rect.right()), min(height, rect.bottom())
            if right > left and bottom > top:
                boxes.append((
                    round(left / scale), round(top / scale),
                    round((right - left) / scale), round((bottom - top) / scale),
                ))  # fmt: skip
        return tuple(boxes)

    def detect(self, frame: Frame) -> tuple[Box, ...]:
        """Faces in a BGR camera frame, in that frame's pixels.

        On grey levels: dlib's HOG takes the strongest gradient over the colour channels, so a
        colour image costs about 40% more for the same faces (measured on the shared video).
        """
        import cv2

        height, width = frame.shape[:2]
        scale = min(1.0, self.detect_width / width)
        size = (round(width * scale), round(height * scale))
        if self._small is None or self._grey is None or self._small.shape[:2] != (size[1], size[0]):
            # buffers made once per frame size: the per-frame path writes into them (dst=)
            self._small = np.zeros((size[1], size[0], 3), dtype=np.uint8)
            self._grey = np.zeros((size[1], size[0]), dtype=np.uint8)
        if scale < 1.0:
            cv2.resize(frame, size, dst=self._small, interpolation=cv2.INTER_AREA)
            cv2.cvtColor(self._small, cv2.COLOR_BGR2GRAY, dst=self._grey)
        else:
            cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY, dst=self._grey)
        return self.detect_rgb(self._grey, scale)


def shrink(frame: Frame, width: int) -> tuple[Frame, float]:
    import cv2

    height, full_width = frame.shape[:2]
    scale = min(1.0, width / full_width)
    if scale == 1.0:
        return frame, 1.0
    size = (round(full_width * scale), round(height * scale))
    resized: Frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA).astype(np.uint8, copy=False)
    return resized, scale
