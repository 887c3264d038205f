"""Face tracks across frames: IoU matching against constant-velocity predictions, so a track keeps
its id through motion and short occlusions, and identity is computed per track, not per frame."""

from __future__ import annotations

from dataclasses import dataclass, field

from ambient.events import Box

FloatBox = tuple[float, float, float, float]
"""A box as the tracker keeps it: (left, top, width, height) in float pixels (predictions move it)."""


def _as_float(box: Box) -> FloatBox:
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


@dataclass
class Track:
    track_id: int
    box: FloatBox
    first_seen: float
    last_seen: float
    hits: int = 1
    velocity: tuple[float, float] = (0.0, 0.0)
    """Pixels per second of the box centre."""
    identity: str | None = None
    distance: float | None = None
    decided_at: float | None = None
    last_check: float = 0.0
    samples: list[tuple[str | None, float]] = field(default_factory=list)
    """Per-frame identity votes: (best name or None, its distance)."""

    def predicted(self, t: float) -> FloatBox:
        dt = t - self.last_seen
        x, y, w, h = self.box
        return (x + self.velocity[0] * dt, y + self.velocity[1] * dt, w, h)


@dataclass(frozen=True)
class TrackerSettings:
    min_iou: float = 0.2
    max_centre_jump: float = 0.6
    """A box whose centre moved less than this many face widths still matches at low IoU."""
    max_missing_s: float = 1.0
    """A track survives this long without a detection (a turned head, a hand in front)."""


@dataclass
class TrackUpdate:
    new: list[Track]
    matched: list[Track]
    lost: list[Track]


def iou(a: FloatBox, b: FloatBox) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    left, top = max(ax, bx), max(ay, by)
    right, bottom = min(ax + aw, bx + bw), min(ay + ah, by + bh)
    inter = max(0.0, right - left) * max(0.0, bottom - top)
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def _centre(box: FloatBox) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


class Tracker:
    def __init__(self, settings: TrackerSettings | None = None) -> None:
        self.settings = settings or TrackerSettings()
        self.tracks: dict[int, Track] = {}
        self._next_id = 1

    def update(self, boxes: tuple[Box, ...], t: float) -> TrackUpdate:
        """Match this frame's detections to tracks (greedy, best score first)."""
        candidates = []
        for track in self.tracks.values():
            predicted = track.predicted(t)
            for index, box in enumerate(boxes):
                fbox = _as_float(box)
                overlap = iou(predicted, fbox)
                (px, py), (bx, by) = _centre(predicted), _centre(fbox)
                jump = ((px - bx) ** 2 + (py - by) ** 2) ** 0.5 / max(1.0, predicted[2])
                if overlap >= self.settings.min_iou or jump <= self.settings.max_centre_jump:
                    candidates.append((overlap - jump, track.track_id, index))
        candidates.sort(reverse=True)
        used_tracks: set[int] = set()
        used_boxes: set[int] = set()
        matched = []
        for _, track_id, index in candidates:
            if track_id in used_tracks or index in used_boxes:
                continue
            used_tracks.add(track_id)
            used_boxes.add(index)
            track = self.tracks[track_id]
            new_box = _as_float(boxes[index])
            dt = max(1e-3, t - track.last_seen)
            (ox, oy), (nx, ny) = _centre(track.box), _centre(new_box)
            # a smoothed velocity: one noisy detection should not fling the prediction
            track.velocity = (
                0.5 * track.velocity[0] + 0.5 * (nx - ox) / dt,
                0.5 * track.velocity[1] + 0.5 * (ny - oy) / dt,
            )
            track.box = new_box
            track.last_seen = t
            track.hits += 1
            matched.append(track)
        new = []
        for index, box in enumerate(boxes):
            if index in used_boxes:
                continue
            track = Track(self._next_id, _as_float(box), t, t)
            self._next_id += 1
            self.tracks[track.track_id] = track
            new.append(track)
        lost = [
            track for track in list(self.tracks.values()) if t - track.last_seen > self.settings.max_missing_s
        ]
        for track in lost:
            del self.tracks[track.track_id]
        return TrackUpdate(new, matched, lost)
