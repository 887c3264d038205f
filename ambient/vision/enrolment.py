"""Enrolment: photos (or camera frames) to encodings, refusing any that would make a bad reference."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.devices.protocols import Frame
from ambient.errors import MediaError
from ambient.vision.detection import HogFaceDetector, shrink
from ambient.vision.encoding import FaceEncoder


@dataclass(frozen=True)
class QualitySettings:
    min_face_px: int = 60
    """A face narrower than this (in the photo as analysed) gives an unreliable encoding."""
    min_sharpness: float = 15.0
    """Variance of the Laplacian over the face, on a 150-pixel-wide crop: below it, too blurred."""
    max_width: int = 1024
    """Photos are analysed at most this wide (detection cost), after which faces are measured."""


class EnrolmentError(MediaError):
    """A photo that cannot serve as a reference; the message says which and why."""


def sharpness(gray_face: npt.NDArray[np.uint8]) -> float:
    import cv2

    height, width = gray_face.shape[:2]
    scale = 150.0 / max(1, width)
    resized = cv2.resize(gray_face, (150, max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(resized, cv2.CV_64F).var())


def read_photo(path: Path) -> Frame:
    import cv2

    if not path.is_file():
        raise EnrolmentError(f"photo {path} not found; check the path")
    data = path.read_bytes()
    if truncated_jpeg(data):
        # libjpeg would decode the half it has (grey below) and print its own warning line
        raise EnrolmentError(f"photo {path} is cut short (the JPEG ends early); copy the photo again")
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise EnrolmentError(f"photo {path} cannot be read; use a JPEG or PNG image")
    return image.astype(np.uint8, copy=False)


def truncated_jpeg(data: bytes) -> bool:
    """A JPEG whose image data began (start-of-image and start-of-scan markers) but whose
    end-of-image marker is missing: a partial copy or download. Padding after the marker is
    allowed, as some cameras write it."""
    return data[:2] == b"\xff\xd8" and b"\xff\xda" in data and b"\xff\xd9" not in data[-64:]


def encode_reference(
    image: Frame, source: str, detector: HogFaceDetector, encoder: FaceEncoder, quality: QualitySettings
) -> npt.NDArray[np.float32]:
    """The encoding of the one good face in `image`, or an EnrolmentError naming the problem."""
    import cv2

    small, _ = shrink(image, quality.max_width)
    rgb = np.ascontiguousarray(small[:, :, ::-1])
    boxes = detector.detect_rgb(rgb)
    if not boxes:
        raise EnrolmentError(f"no face found in {source}; use a photo with one clear, frontal face")
    if len(boxes) > 1:
        raise EnrolmentError(f"{len(boxes)} faces in {source}; crop it to the one person being enrolled")
    left, top, width, height = boxes[0]
    if width < quality.min_face_px:
        raise EnrolmentError(
            f"the face in {source} is too small ({width} px wide, at least {quality.min_face_px}); "
            "use a closer photo"
        )
    gray = cv2.cvtColor(small[top : top + height, left : left + width], cv2.COLOR_BGR2GRAY).astype(np.uint8)
    if sharpness(gray) < quality.min_sharpness:
        raise EnrolmentError(f"the face in {source} is too blurred; use a sharper photo")
    return encoder.encode(rgb, boxes[0])


def encode_photos(
    paths: list[Path], detector: HogFaceDetector, encoder: FaceEncoder, quality: QualitySettings
) -> npt.NDArray[np.float32]:
    """Every photo must pass, or nothing is enrolled: a half-enrolled person is worse than none."""
    return np.stack([encode_reference(read_photo(p), str(p), detector, encoder, quality) for p in paths])
