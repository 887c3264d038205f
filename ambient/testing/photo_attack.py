"""Photo attacks on the liveness check, rendered from real photos: a printed photo of a household
member held up to the camera, kept still, moved, rotated, brought closer, or tilted, as a hand
would, in front of a real background. Each frame is the photo's four corners projected through a
pinhole camera (the photo a flat card in 3-D), composited over the background, with a hand's
tremor, a little blur and sensor noise.

Used by the attack tests and `benchmarks/liveness.py`; never by anything that runs on a device.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

KINDS = ("still", "moved", "rotated", "scaled", "tilted")
""""tilted" turns the card about its vertical axis (and a little about the horizontal one): the
perspective change that comes closest to a head turning."""
FOCAL_PX = 600.0


@dataclass(frozen=True)
class Pose:
    x: float
    y: float
    depth: float
    """Distance from the camera in units of the focal length (1.0: the photo's pixels at 1:1)."""
    yaw: float
    pitch: float
    roll: float


def _pose(kind: str, progress: float, rng: np.random.Generator, sign: float, size: tuple[int, int]) -> Pose:
    width, height = size
    ease = 0.5 - 0.5 * math.cos(math.pi * progress)  # a hand speeds up, then slows down
    tremor = rng.normal(0.0, 1.0, 3)
    pose = Pose(width / 2 + tremor[0], height / 2 + tremor[1], 1.0, 0.0, 0.0, math.radians(tremor[2] * 0.3))
    if kind == "moved":
        return Pose(pose.x + sign * 90 * ease, pose.y + 25 * ease, 1.0, 0.0, 0.0, pose.roll)
    if kind == "rotated":
        return Pose(pose.x, pose.y, 1.0, 0.0, 0.0, pose.roll + sign * math.radians(25) * ease)
    if kind == "scaled":
        return Pose(pose.x, pose.y, 1.0 - 0.25 * ease * (1 if sign > 0 else -0.8), 0.0, 0.0, pose.roll)
    if kind == "tilted":
        return Pose(pose.x, pose.y, 1.0, sign * math.radians(40) * ease, math.radians(8) * ease, pose.roll)
    return pose


def _corners(pose: Pose, photo_size: tuple[int, int]) -> npt.NDArray[np.float32]:
    w, h = photo_size
    local = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]], float)
    cy, sy = math.cos(pose.yaw), math.sin(pose.yaw)
    cp, sp = math.cos(pose.pitch), math.sin(pose.pitch)
    cr, sr = math.cos(pose.roll), math.sin(pose.roll)
    yaw = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    pitch = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    roll = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    points = local @ (roll @ pitch @ yaw).T
    depth = FOCAL_PX * pose.depth + points[:, 2]
    projected = np.stack(
        [pose.x + FOCAL_PX * points[:, 0] / depth, pose.y + FOCAL_PX * points[:, 1] / depth], 1
    )
    return projected.astype(np.float32)


def photo_attack(
    photo: npt.NDArray[np.uint8],
    background: npt.NDArray[np.uint8],
    kind: str,
    direction: str,
    seed: int,
    frames: int = 36,
    photo_width: int = 300,
) -> list[npt.NDArray[np.uint8]]:
    """`frames` BGR frames of `photo` held in front of `background` and handled as `kind` says
    (towards `direction`, "left" or "right", where the motion has a side)."""
    if kind not in KINDS:
        raise ValueError(f"unknown attack {kind!r}; one of {', '.join(KINDS)}")
    rng = np.random.default_rng(seed)
    scale = photo_width / photo.shape[1]
    card = cv2.resize(photo, (photo_width, round(photo.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    source = np.array(
        [[0, 0], [card.shape[1], 0], [card.shape[1], card.shape[0]], [0, card.shape[0]]], dtype=np.float32
    )
    size = (background.shape[1], background.shape[0])
    sign = 1.0 if direction == "left" else -1.0
    out = []
    white = np.full(card.shape[:2], 255, dtype=np.uint8)
    for index in range(frames):
        pose = _pose(kind, index / max(1, frames - 1), rng, sign, size)
        homography = cv2.getPerspectiveTransform(source, _corners(pose, (card.shape[1], card.shape[0])))
        warped = cv2.warpPerspective(card, homography, size, flags=cv2.INTER_LINEAR)
        mask = cv2.warpPerspective(white, homography, size, flags=cv2.INTER_LINEAR)[..., None] / 255.0
        frame = background * (1 - mask) + warped * mask
        frame = cv2.GaussianBlur(frame.astype(np.float32), (3, 3), 0.6) + rng.normal(0, 2.0, frame.shape)
        out.append(np.clip(frame, 0, 255).astype(np.uint8))
    return out
