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


@dataclass(frozen=True)
class EnrolmentRules:
    min_images: int = 3
    """Usable, distinct images a person needs: with one or two, the per-person threshold has no
    spread to read and a single odd photo decides everything (the four people missed in issue
    #16's trial had been enrolled from one photo)."""
    near_duplicate: float = 0.12
    """Two images whose encodings are closer than this are one picture twice (a re-saved copy of
    one shared photo is 0.08 apart; two different photos of one person at least 0.17)."""


@dataclass(frozen=True)
class Reference:
    """One usable image: its encoding, and how the face was posed and lit."""

    source: str
    encoding: npt.NDArray[np.float32]
    yaw: float
    """Nose offset from the middle of the eyes, in eye distances: 0 frontal, about +-0.3 at a
    clear turn (the sign says which way, as the image shows it)."""
    brightness: float
    """Mean grey level of the face, 0-255."""
    side_light: float
    """(left half - right half) / mean of the face's grey levels: light from one side."""


@dataclass(frozen=True)
class EnrolmentPlan:
    references: list[Reference]
    refused: list[str]
    """Why each image not used was refused."""

    @property
    def encodings(self) -> npt.NDArray[np.float32]:
        return np.stack([r.encoding for r in self.references])

    @property
    def pose_spread(self) -> float:
        yaws = [r.yaw for r in self.references]
        return max(yaws) - min(yaws)

    @property
    def lighting_spread(self) -> float:
        values = [r.brightness for r in self.references]
        sides = [r.side_light for r in self.references]
        return max(max(values) - min(values), 100.0 * (max(sides) - min(sides)))

    def summary(self) -> str:
        return (
            f"{len(self.references)} images; pose spread {self.pose_spread:.2f} eye widths, "
            f"lighting spread {self.lighting_spread:.0f} grey levels"
        )


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
    return describe_reference(image, source, detector, encoder, quality).encoding


def describe_reference(
    image: Frame, source: str, detector: HogFaceDetector, encoder: FaceEncoder, quality: QualitySettings
) -> Reference:
    """The one good face in `image` with its pose and light, or an EnrolmentError naming the problem."""
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
    encoding, points = encoder.encode_with_landmarks(rgb, boxes[0])
    return Reference(source, encoding, head_yaw(points), *lighting(gray))


def head_yaw(points: npt.NDArray[np.float32]) -> float:
    """How far the head is turned, from dlib's five landmarks (see `Reference.yaw`)."""
    right_eye, left_eye, nose = points[0:2].mean(axis=0), points[2:4].mean(axis=0), points[4]
    eye_distance = float(np.linalg.norm(right_eye - left_eye))
    middle = (right_eye + left_eye) / 2
    return float((nose[0] - middle[0]) / max(1.0, eye_distance))


def lighting(gray_face: npt.NDArray[np.uint8]) -> tuple[float, float]:
    """The face's mean grey level and its left-right imbalance (see `Reference`)."""
    mean = float(gray_face.mean())
    half = gray_face.shape[1] // 2
    balance = (float(gray_face[:, :half].mean()) - float(gray_face[:, half:].mean())) / max(1.0, mean)
    return mean, balance


def plan_enrolment(candidates: list[Reference], refused: list[str], rules: EnrolmentRules) -> EnrolmentPlan:
    """Keep every usable image that is not a near-duplicate of one already kept; fewer than
    `rules.min_images` left is an EnrolmentError saying how many more are needed and why the
    others were refused."""
    kept: list[Reference] = []
    refused = list(refused)
    for candidate in candidates:
        twin = next(
            (
                r
                for r in kept
                if float(np.linalg.norm(r.encoding - candidate.encoding)) < rules.near_duplicate
            ),
            None,
        )
        if twin is not None:
            refused.append(f"{candidate.source} is the same picture as {twin.source}")
        else:
            kept.append(candidate)
    if len(kept) < rules.min_images:
        missing = rules.min_images - len(kept)
        why = f" ({refused[0]}{'; and more' if len(refused) > 1 else ''})" if refused else ""
        raise EnrolmentError(
            f"{len(kept)} usable image{'s' if len(kept) != 1 else ''}, {rules.min_images} needed: "
            f"give {missing} more, varied in pose and light{why}"
        )
    return EnrolmentPlan(kept, refused)


def plan_from_photos(
    paths: list[Path],
    detector: HogFaceDetector,
    encoder: FaceEncoder,
    quality: QualitySettings,
    rules: EnrolmentRules,
) -> EnrolmentPlan:
    """The photos that serve, refusing unusable ones and near-duplicates (each with its reason)."""
    candidates: list[Reference] = []
    refused: list[str] = []
    for path in paths:
        try:
            candidates.append(describe_reference(read_photo(path), str(path), detector, encoder, quality))
        except EnrolmentError as exc:
            refused.append(str(exc))
    return plan_enrolment(candidates, refused, rules)


def encode_photos(
    paths: list[Path], detector: HogFaceDetector, encoder: FaceEncoder, quality: QualitySettings
) -> npt.NDArray[np.float32]:
    """Every photo must pass, or nothing is enrolled: a half-enrolled person is worse than none."""
    return np.stack([encode_reference(read_photo(p), str(p), detector, encoder, quality) for p in paths])
