"""Face detection near known faces, on real frames of the shared video."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ambient.vision.detection import HogFaceDetector
from ambient.vision.tracking import iou


def as_float(box: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


@pytest.fixture(scope="module")
def dinner_frame(data_dir: Path) -> np.ndarray:
    """Frame 510 of the dinner scene: Grandma alone, face about 90 px wide (see its JSON)."""
    import cv2

    capture = cv2.VideoCapture(str(data_dir / "video" / "fresh_off_the_boat_clip.mp4"))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 510)
    ok, frame = capture.read()
    capture.release()
    assert ok
    return np.ascontiguousarray(frame)


def test_a_face_is_found_near_where_it_was_expected(dinner_frame: np.ndarray) -> None:
    detector = HogFaceDetector(detect_width=640, upsample=1)
    (full,) = detector.detect(dinner_frame)
    left, top, width, height = full
    # the track's prediction is off by a quarter of a face and a little small
    expected = (left + width / 4, top - height / 4, width * 0.8, height * 0.8)
    (near,) = detector.detect_near(dinner_frame, [expected])
    assert iou(as_float(near), as_float(full)) > 0.6


def test_nothing_is_found_where_there_is_no_face(dinner_frame: np.ndarray) -> None:
    detector = HogFaceDetector()
    assert detector.detect_near(dinner_frame, [(10.0, 250.0, 80.0, 80.0)]) == ()


def test_a_region_running_off_the_frame_is_padded(dinner_frame: np.ndarray) -> None:
    detector = HogFaceDetector(detect_width=640, upsample=1)
    (full,) = detector.detect(dinner_frame)
    left, top, width, height = map(float, full)
    # a region 2.2 faces tall around a face this near the top edge starts above the frame
    assert top + height / 2 - 1.1 * width < 0
    (near,) = detector.detect_near(dinner_frame, [(left, top, width, height)])
    assert near[1] >= 0
    frame_height, frame_width = dinner_frame.shape[:2]
    corners = [(-60.0, -60.0, 120.0, 120.0), (frame_width - 30.0, frame_height - 30.0, 90.0, 90.0)]
    assert detector.detect_near(dinner_frame, corners) == ()


def test_two_regions_on_one_face_give_one_box(dinner_frame: np.ndarray) -> None:
    detector = HogFaceDetector(detect_width=640, upsample=1)
    (full,) = detector.detect(dinner_frame)
    left, top, width, height = map(float, full)
    regions = [(left, top, width, height), (left + 8, top, width, height)]
    assert len(detector.detect_near(dinner_frame, regions)) == 1
