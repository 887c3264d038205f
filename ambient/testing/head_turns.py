"""Genuine head turns found in the shared videos: every face track is followed frame by frame (HOG
detection, the device's tracker, dlib's five landmarks) and a stretch where the nose moves across
the face by at least `FOUND_TURN` eye widths within `window_s` is kept as a head turn, with the
side it turned to.

Found with the liveness check's own measurement of the turn, at a stricter bar (0.2 against the
check's 0.12): what this gives the check to pass is a clear turn, and what the test of it then
shows is that the rest of the check (the face's surroundings, the jumps, the frames needed) lets a
real head through.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from ambient.vision.detection import HogFaceDetector
from ambient.vision.encoding import FaceEncoder
from ambient.vision.liveness import LivenessCheck, LivenessSettings, turn_of
from ambient.vision.tracking import Tracker

FOUND_TURN = 0.2


@dataclass(frozen=True)
class HeadTurn:
    clip: str
    track_id: int
    first_frame: int
    last_frame: int
    direction: str
    turn: float
    fps: float
    boxes: tuple[tuple[int, tuple[int, int, int, int]], ...]
    """(frame, face box) from the first frame on, for as long as the check would watch."""


@dataclass
class _Seen:
    frames: list[int]
    turns: list[float]
    boxes: list[tuple[int, int, int, int]]


def read_frames(path: Path, first: int = 0, last: int | None = None) -> list[npt.NDArray[np.uint8]]:
    capture = cv2.VideoCapture(str(path))
    capture.set(cv2.CAP_PROP_POS_FRAMES, first)
    frames = []
    index = first
    while last is None or index <= last:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(np.asarray(image, dtype=np.uint8))
        index += 1
    capture.release()
    return frames


def find_head_turns(
    clip: Path, detector: HogFaceDetector, encoder: FaceEncoder, window_s: float = 3.0, watch_s: float = 4.0
) -> list[HeadTurn]:
    """Every head turn in `clip` (see the module's docstring), with the boxes of the `watch_s`
    seconds from its start."""
    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    tracker = Tracker()
    seen: dict[int, _Seen] = {}
    index = 0
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frame = np.asarray(image, dtype=np.uint8)
        t = index / fps
        update = tracker.update(detector.detect(frame), t)
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        for track in [*update.new, *update.matched]:
            if track.last_seen != t:
                continue  # carried by prediction, not seen in this frame
            box = tuple(round(v) for v in track.box)
            points = encoder.landmarks(gray, (box[0], box[1], box[2], box[3]))
            record = seen.setdefault(track.track_id, _Seen([], [], []))
            record.frames.append(index)
            record.turns.append(turn_of(points))
            record.boxes.append((box[0], box[1], box[2], box[3]))
        index += 1
    capture.release()
    found = []
    span = round(window_s * fps)
    for track_id, record in seen.items():
        start = 0
        while start + 3 < len(record.frames):
            frames, turns = record.frames, record.turns
            base = float(np.median(turns[start : start + 3]))
            end = start + 1
            hit = None
            while end < len(frames) and frames[end] - frames[start] <= span:
                if frames[end] - frames[end - 1] > 2:
                    break  # the face was lost for a while: not one movement
                if abs(turns[end] - base) >= FOUND_TURN:
                    hit = end
                    break
                end += 1
            if hit is None:
                start += 1
                continue
            direction = "left" if turns[hit] > base else "right"
            watched = tuple(
                (frame, box) for frame, box in zip(frames, record.boxes, strict=True)
                if frames[start] <= frame <= frames[start] + watch_s * fps
            )  # fmt: skip
            found.append(HeadTurn(clip.name, track_id, frames[start], frames[hit], direction,
                                  round(abs(turns[hit] - base), 3), fps, watched))  # fmt: skip
            start = hit + 1
    return sorted(found, key=lambda turn: (turn.clip, turn.first_frame))


def check_turn(
    clip: Path, turn: HeadTurn, encoder: FaceEncoder, settings: LivenessSettings | None = None
) -> tuple[bool, str, dict[str, float]]:
    """The liveness check on a found turn, asked for the side it turned to."""
    first, last = turn.boxes[0][0], turn.boxes[-1][0]
    frames = read_frames(clip, first, last)
    check = LivenessCheck(turn.direction, settings or LivenessSettings())
    for index, box in turn.boxes:
        gray = np.asarray(cv2.cvtColor(frames[index - first], cv2.COLOR_BGR2GRAY), dtype=np.uint8)
        check.add(gray, box, encoder.landmarks(gray, box))
    return check.verdict()
