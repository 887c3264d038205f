"""Face detection with dlib's HOG detector (face_recognition's default): a full scan of a downscaled
frame, or a look only where known faces are about to be."""

from __future__ import annotations

from typing import Any

import numpy as np

from ambient.devices.protocols import Frame
from ambient.errors import DependencyError
from ambient.events import Box

FloatBox = tuple[float, float, float, float]

NEAR_FACE_PX = 100
"""In a look near a known face, the region is scaled so that face is this wide: above HOG's
80-pixel window with room to shrink, so no upsampling pass is needed whatever the face's size."""
NEAR_REGION_FACES = 2.2
"""The region looked at is this many face widths square, centred on where the face should be:
room for the face to move and grow between frames."""


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
        side = round(NEAR_FACE_PX * NEAR_REGION_FACES)
        # made once: every look near a face warps into these, whatever the face's size
        self._region = np.zeros((side, side, 3), dtype=np.uint8)
        self._region_grey = np.zeros((side, side), dtype=np.uint8)

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

    def detect_near(self, frame: Frame, expected: list[FloatBox]) -> tuple[Box, ...]:
        """Faces found near where the `expected` boxes (frame pixels) say known faces are.

        Each region is warped to a fixed size in which its face is `NEAR_FACE_PX` wide, so a look
        costs the same for a close face as for a far one, a few percent of a full scan; a region
        running off the frame's edge is padded with black. A face that left its region is not
        found here; the next full scan finds it again (the tracker carries it until then).
        """
        import cv2

        side = self._region.shape[0]
        found: list[Box] = []
        for left, top, width, height in expected:
            if width <= 0:
                continue
            scale = NEAR_FACE_PX / width
            centre_x, centre_y = left + width / 2, top + height / 2
            # frame point p maps to scale * (p - centre) + side / 2 in the region
            warp = np.array(
                [[scale, 0.0, side / 2 - scale * centre_x], [0.0, scale, side / 2 - scale * centre_y]]
            )
            cv2.warpAffine(
                frame, warp, (side, side), dst=self._region, flags=cv2.INTER_AREA,
                borderMode=cv2.BORDER_CONSTANT,
            )  # fmt: skip
            cv2.cvtColor(self._region, cv2.COLOR_BGR2GRAY, dst=self._region_grey)
            for rect in self._detector(self._region_grey, 0):
                x = (rect.left() - warp[0, 2]) / scale
                y = (rect.top() - warp[1, 2]) / scale
                found.append((
                    round(x), round(y),
                    round((rect.right() - rect.left()) / scale), round((rect.bottom() - rect.top()) / scale),
                ))  # fmt: skip
        return _without_duplicates(found, frame.shape[1], frame.shape[0])


def _without_duplicates(boxes: list[Box], width: int, height: int) -> tuple[Box, ...]:
    """Boxes clipped to the frame, dropping any that mostly overlaps one kept before it (two known
    faces close together each find the other in their region)."""
    kept: list[Box] = []
    for left, top, w, h in boxes:
        right, bottom = min(width, left + w), min(height, top + h)
        left, top = max(0, left), max(0, top)
        if right <= left or bottom <= top:
            continue
        box = (left, top, right - left, bottom - top)
        if all(_overlap(box, other) < 0.5 for other in kept):
            kept.append(box)
    return tuple(kept)


def _overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box's area."""
    left, top = max(a[0], b[0]), max(a[1], b[1])
    right, bottom = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    return inter / max(1, min(a[2] * a[3], b[2] * b[3]))


def shrink(frame: Frame, width: int) -> tuple[Frame, float]:
    import cv2

    height, full_width = frame.shape[:2]
    scale = min(1.0, width / full_width)
    if scale == 1.0:
        return frame, 1.0
    size = (round(full_width * scale), round(height * scale))
    resized: Frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA).astype(np.uint8, copy=False)
    return resized, scale
