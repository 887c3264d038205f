"""Active liveness: the person is asked to turn their head one way (chosen at random), and the
frames that follow must show a head turning that way, not a picture moving.

Two measurements per frame of the person's track:

- **the turn**: where the base of the nose sits between the eyes, along the line through the eyes,
  in eye widths (dlib's five landmarks). A head turning moves the nose across the face, because the
  nose stands out from it; a photo moved, rotated, scaled or tilted by a hand keeps it where it is
  (it is a ratio along the eye line, so it does not change with position, roll or size, and
  tilting a flat picture shifts it by a few hundredths where a real 20-degree turn shifts it by
  tenths).
- **the surroundings**: how far the ring of image around the face moved from the previous frame
  (phase correlation), against how far the face itself moved. A picture held in a hand carries
  its surroundings with it (its own background, its border, the fingers); a head turns in front
  of a background that stays where it is.

It cannot stop a video of the person turning their head replayed on a screen, or a 3-D mask:
the README says so.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

DIRECTIONS = ("left", "right")


@dataclass(frozen=True)
class LivenessSettings:
    min_turn: float = 0.12
    """The nose must move at least this far (eye widths) towards the side asked for, from where it
    was in the first frames. Chosen on the tuning material (see benchmarks/liveness.py)."""
    min_frames: int = 5
    """Frames of the face needed in the window: fewer and there is nothing to judge."""
    follow_ratio: float = 0.6
    """The surroundings moving with the face by this much of its own motion is a picture in a hand."""
    min_face_motion: float = 0.25
    """... judged only once the face moved this far in all (face widths): a still face says nothing."""
    max_jump: float = 0.5
    """A face that moves more than this (face widths) between two frames was swapped, not turned."""


def choose_direction() -> str:
    """The side to ask for, from the system's random source: an attacker cannot know it ahead."""
    return secrets.choice(DIRECTIONS)


def turn_of(points: npt.NDArray[np.float32]) -> float:
    """The nose's place between the eyes along the eye line, in eye widths: 0 facing the camera,
    positive when the nose is towards the image's right (the person turned to their left, for a
    camera that does not mirror)."""
    image_right_eye, image_left_eye, nose = points[0:2].mean(axis=0), points[2:4].mean(axis=0), points[4]
    axis = image_right_eye - image_left_eye
    width = float(np.linalg.norm(axis))
    if width < 1.0:
        return 0.0
    middle = (image_right_eye + image_left_eye) / 2
    return float(np.dot(nose - middle, axis / width) / width)


def _window_around(shape: tuple[int, ...], box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The face box grown by half a face on each side, clipped to the frame: where the face and
    its surroundings are watched for the whole challenge."""
    left, top, width, height = box
    return (
        max(0, left - width // 2),
        max(0, top - height // 2),
        min(shape[1], left + width + width // 2),
        min(shape[0], top + height + height // 2),
    )


@dataclass
class LivenessCheck:
    """One challenge: feed it the frames of the person's face, then ask for the verdict."""

    direction: str
    settings: LivenessSettings = field(default_factory=LivenessSettings)
    turns: list[float] = field(default_factory=list)
    face_motion: float = 0.0
    """How far the face's centre travelled, in face widths."""
    surround_motion: float = 0.0
    """How far the image around it travelled (the 75th percentile of its optical flow), likewise."""
    jumps: int = 0
    _window: tuple[int, int, int, int] | None = None
    _previous: tuple[npt.NDArray[np.uint8], tuple[int, int, int, int]] | None = None

    def add(
        self, gray: npt.NDArray[np.uint8], box: tuple[int, int, int, int], points: npt.NDArray[np.float32]
    ) -> None:
        """One frame: its grey image, the face's box (left, top, width, height) and landmarks."""
        self.turns.append(turn_of(points))
        if self._window is None:
            self._window = _window_around(gray.shape, box)
        x0, y0, x1, y1 = self._window
        patch = np.ascontiguousarray(gray[y0:y1, x0:x1])
        if self._previous is not None and patch.shape == self._previous[0].shape and min(patch.shape) >= 16:
            previous, previous_box = self._previous
            size = max(1.0, float(box[2]))
            moved = (
                float(
                    np.hypot(
                        (box[0] + box[2] / 2) - (previous_box[0] + previous_box[2] / 2),
                        (box[1] + box[3] / 2) - (previous_box[1] + previous_box[3] / 2),
                    )
                )
                / size
            )
            if moved > self.settings.max_jump:
                self.jumps += 1
            self.face_motion += moved
            flow = cv2.calcOpticalFlowFarneback(previous, patch, None, 0.5, 3, 15, 3, 5, 1.2, 0)
            ring = np.ones(patch.shape, dtype=bool)
            for face in (
                box,
                previous_box,
            ):  # the face, where it was and where it is, is not its surroundings
                fx0, fy0 = max(0, face[0] - x0 - face[2] // 10), max(0, face[1] - y0 - face[3] // 10)
                fx1, fy1 = face[0] - x0 + face[2] + face[2] // 10, face[1] - y0 + face[3] + face[3] // 10
                ring[fy0 : max(fy0, fy1), fx0 : max(fx0, fx1)] = False
            if ring.any():
                speeds = np.hypot(flow[..., 0][ring], flow[..., 1][ring])
                self.surround_motion += float(np.percentile(speeds, 75)) / size
        self._previous = (patch, box)

    def verdict(self) -> tuple[bool, str, dict[str, float]]:
        """(passed, why, the measurements)."""
        settings = self.settings
        measures = {
            "frames": float(len(self.turns)),
            "turn": round(self.turned(), 3),
            "face_motion": round(self.face_motion, 3),
            "surround_motion": round(self.surround_motion, 3),
        }
        if len(self.turns) < settings.min_frames:
            return (
                False,
                f"the face was seen in {len(self.turns)} frames; {settings.min_frames} needed",
                measures,
            )
        if self.jumps:
            return False, "the face jumped between frames, as a swapped picture does", measures
        if (
            self.face_motion >= settings.min_face_motion
            and self.surround_motion >= settings.follow_ratio * self.face_motion
        ):
            return False, "the face moved with its surroundings, as a picture in a hand does", measures
        if self.turned() < settings.min_turn:
            return False, f"the head did not turn to the {self.direction}", measures
        return True, f"the head turned to the {self.direction}", measures

    def turned(self) -> float:
        """How far the nose moved towards the side asked for, from the first frames' median."""
        if len(self.turns) < 2:
            return 0.0
        start = float(np.median(self.turns[:3]))
        sign = 1.0 if self.direction == "left" else -1.0
        return max(sign * (turn - start) for turn in self.turns[1:])
