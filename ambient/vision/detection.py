"""Face detection on a downscaled frame with face_recognition's HOG detector."""

from __future__ import annotations

from typing import Any

import numpy as np

from ambient.devices.protocols import Frame
from ambient.errors import DependencyError
from ambient.events import Box


def _import_face_recognition() -> Any:
    try:
        import face_recognition
    except ImportError:
        raise DependencyError(
            "face detection needs face_recognition: pip install dlib-bin face-recognition-models "
            "&& pip install --no-deps face-recognition"
        ) from None
    return face_recognition


class HogFaceDetector:
    """Finds frontal faces; boxes come back in the original frame's pixels as (left, top, w, h).

    HOG cost grows with the pixel count, so the frame is shrunk to `detect_width` first and
    each upsampling pass finds faces half as small at four times the cost.
    """

    def __init__(self, detect_width: int = 480, upsample: int = 1) -> None:
        self._face_recognition = _import_face_recognition()
        self.detect_width = detect_width
        self.upsample = upsample

    def detect(self, frame: Frame) -> tuple[Box, ...]:
        import cv2

        height, width = frame.shape[:2]
        scale = min(1.0, self.detect_width / width)
        small = (
            frame
            if scale == 1.0
            else cv2.resize(
                frame, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
            )
        )
        rgb = np.ascontiguousarray(small[:, :, ::-1])
        locations = self._face_recognition.face_locations(
            rgb, number_of_times_to_upsample=self.upsample, model="hog"
        )
        boxes = []
        for top, right, bottom, left in locations:
            boxes.append(
                (
                    round(left / scale),
                    round(top / scale),
                    round((right - left) / scale),
                    round((bottom - top) / scale),
                )
            )
        return tuple(boxes)
