"""Active liveness: the person is asked to turn their head one way (chosen at random), and the
frames that follow must show a head turning that way, not a picture moving.

What is measured, per frame of the person's track:

- **the turn**: where the base of the nose sits between the eyes, along the line through the eyes,
  in eye widths (dlib's five landmarks). A head turning moves the nose across the face, because the
  nose stands out from it; a photo moved, rotated, scaled or tilted by a hand keeps it where it is
  (it is a ratio along the eye line, so it does not change with position, roll or size, and
  tilting a flat picture shifts it by a few hundredths where a real 20-degree turn shifts it by
  tenths).
- **the surroundings** (measured and recorded, not used to refuse): how far the ring of image around
  the face went with it, relative to the rest of the frame (`carried`: 1 when the surroundings made
  the whole journey, as a picture's own background does in a hand). On the shared footage a person
  moving while they turn carries their shoulders and hair along just as much (0.87 and 1.02 for two
  of Lin-Manuel Miranda's real turns in the Hamilton clip), so it cannot refuse a picture without
  refusing people; it goes on the ledger with the verdict, for whoever investigates an order.
- **jumps**: a face that moves more than half its width between two frames was swapped, not turned.

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
    was in the first frames. Set from geometry before anything was measured, and not changed
    since: a flat picture tilted 40 degrees at arm's length moves it by a few hundredths, a head
    turned 20 degrees by about 0.2 (the nose stands 2-3 cm out from the eyes, 6 cm apart)."""
    min_frames: int = 5
    """Frames of the face needed in the window: fewer and there is nothing to judge."""
    held_frames: int = 3
    """The turn counts as far as three consecutive frames hold it (a quarter of a second at 12
    fps, less than any real turn lasts); one frame's landmarks are too noisy to decide alone."""
    min_face_motion: float = 0.3
    """How far the face must get from where it started (face widths) before `carried` says
    anything: a face that stays put says nothing about its surroundings."""
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


def _small(gray: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """The frame at 160 px wide: enough to tell where a whole scene moved."""
    width = 160
    height = max(1, round(gray.shape[0] * width / gray.shape[1]))
    return np.asarray(cv2.resize(gray, (width, height), interpolation=cv2.INTER_AREA), dtype=np.uint8)


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
    face_shift: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(2))
    """Where the face's centre went over the challenge (pixels, summed frame to frame)."""
    surround_shift: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(2))
    """Where the image around it went (the median optical flow of the surroundings, summed)."""
    scene_shift: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(2))
    """Where the rest of the frame went (a camera that pans or shakes moves all of it): the face's
    and its surroundings' motion are judged relative to it."""
    face_size: float = 0.0
    jumps: int = 0
    _window: tuple[int, int, int, int] | None = None
    _previous: tuple[npt.NDArray[np.uint8], tuple[int, int, int, int]] | None = None
    _previous_scene: npt.NDArray[np.uint8] | None = None

    def add(
        self, gray: npt.NDArray[np.uint8], box: tuple[int, int, int, int], points: npt.NDArray[np.float32]
    ) -> None:
        """One frame: its grey image, the face's box (left, top, width, height) and landmarks."""
        self.turns.append(turn_of(points))
        self.face_size = max(self.face_size, float(box[2]))
        if self._window is None:
            self._window = _window_around(gray.shape, box)
        x0, y0, x1, y1 = self._window
        patch = np.ascontiguousarray(gray[y0:y1, x0:x1])
        if self._previous is not None and patch.shape == self._previous[0].shape and min(patch.shape) >= 16:
            previous, previous_box = self._previous
            step = np.array(
                [
                    (box[0] + box[2] / 2) - (previous_box[0] + previous_box[2] / 2),
                    (box[1] + box[3] / 2) - (previous_box[1] + previous_box[3] / 2),
                ]
            )
            if float(np.hypot(*step)) > self.settings.max_jump * max(1.0, float(box[2])):
                self.jumps += 1
            self.face_shift += step
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
                self.surround_shift += np.array(
                    [np.median(flow[..., 0][ring]), np.median(flow[..., 1][ring])]
                )
        self._previous = (patch, box)

    def carried(self) -> float:
        """How much of the face's journey its surroundings made too (1: all of it, as a picture in a
        hand; 0: none, as a head in front of a wall); 0 when the face hardly moved."""
        size = max(1.0, self.face_size)
        face = self.face_shift - self.scene_shift
        surroundings = self.surround_shift - self.scene_shift
        if float(np.hypot(*face)) / size < self.settings.min_face_motion:
            return 0.0
        return float(np.dot(face, surroundings) / np.dot(face, face))

    def verdict(self) -> tuple[bool, str, dict[str, float]]:
        """(passed, why, the measurements)."""
        settings = self.settings
        size = max(1.0, self.face_size)
        measures = {
            "frames": float(len(self.turns)),
            "turn": round(self.turned(), 3),
            "face_motion": round(float(np.hypot(*self.face_shift)) / size, 3),
            "surround_motion": round(float(np.hypot(*self.surround_shift)) / size, 3),
            "scene_motion": round(float(np.hypot(*self.scene_shift)) / size, 3),
            "carried": round(self.carried(), 3),
        }
        if len(self.turns) < settings.min_frames:
            return (
                False,
                f"the face was seen in {len(self.turns)} frames; {settings.min_frames} needed",
                measures,
            )
        if self.jumps:
            return False, "the face jumped between frames, as a swapped picture does", measures
        if self.turned() < settings.min_turn:
            return False, f"the head did not turn to the {self.direction}", measures
        return True, f"the head turned to the {self.direction}", measures

    def turned(self) -> float:
        """How far the nose moved towards the side asked for, from the first frames' median, as
        the furthest any `held_frames` consecutive frames held it (their median): a real turn is
        held for a moment, while the five-point landmarks on one frame can be off by a tenth of an
        eye width (a tilted photo once passed on a single such frame)."""
        held = self.settings.held_frames
        if len(self.turns) < held + 1:
            return 0.0
        start = float(np.median(self.turns[:held]))
        sign = 1.0 if self.direction == "left" else -1.0
        return max(
            sign * (float(np.median(self.turns[i : i + held])) - start)
            for i in range(1, len(self.turns) - held + 1)
        )
