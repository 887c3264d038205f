"""Camera presence, ours against the naive loop in one run, on the shared video letterboxed to 640x480.

Ours: HOG on a frame shrunk to vision.detect_width (320), a tracker, encodings only for new tracks
(7 votes spread over 0.8 s) and a re-check every 5 s (1 s for an unknown face). Naive: what
face_recognition's webcam example does: detect (HOG, full 640x480, one upsampling pass) and encode
every face in every frame, then name each by its nearest enrolled face at its 0.6 tolerance.
Same detector and encoder models, same frames, one after the other, one thread each.

Printed: frames per second (wall), CPU per frame, resident memory, time from a track's first sight to
its FaceIdentified, and identification against the clip's ground truth (ranges where each enrolled
person's face is visible). Run: .venv/bin/python benchmarks/presence.py [--frames 600]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from ambient.config import VisionSettings
from ambient.events import FaceIdentified
from ambient.models import ModelStore
from ambient.testing.media import shared_data, visible_people
from ambient.vision.detection import HogFaceDetector
from ambient.vision.encoding import FaceEncoder
from ambient.vision.enrolment import QualitySettings, encode_photos
from ambient.vision.gallery import Person
from ambient.vision.identity import IdentityMatcher
from ambient.vision.presence import PresencePipeline, PresenceSettings
from ambient.vision.setup import enrolment_detector, face_encoder, match_settings


def resident_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 1e6


def letterboxed(path: Path, limit: int) -> tuple[list[np.ndarray], float]:
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while len(frames) < limit:
        ok, frame = capture.read()
        if not ok:
            break
        pad = (480 - frame.shape[0]) // 2
        frames.append(cv2.copyMakeBorder(frame, pad, 480 - frame.shape[0] - pad, 0, 0, cv2.BORDER_CONSTANT))
    return frames, fps


def judge(name: str | None, truth: set[str], enrolled: set[str]) -> str:
    if name is None:
        return "unknown"
    return "right" if name in truth else "WRONG"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600, help="frames per clip at most")
    args = parser.parse_args()
    store = ModelStore()
    encoder: FaceEncoder = face_encoder(store)
    single_view: FaceEncoder = face_encoder(store, mirror=False)
    video = shared_data() / "video"
    settings = VisionSettings()
    print(
        f"{'clip':<26} {'path':<7} {'fps':>6} {'CPU ms/frame':>13} {'RSS MB':>7} {'encodings':>10} "
        f"{'first sight to decision (s)':>28} {'right':>6} {'WRONG':>6} {'unknown':>8}"
    )
    for clip in ("short_hamilton_clip", "fresh_off_the_boat_clip"):
        meta = json.loads((video / f"{clip}.json").read_text())
        people = [
            Person(
                name,
                encode_photos([video / p for p in photos], enrolment_detector(), encoder, QualitySettings()),
            )
            for name, photos in meta["enroll"].items()
        ]
        enrolled = {p.name for p in people}
        frames, fps = letterboxed(video / meta["file"], args.frames)
        rows = {}

        # ours
        pipeline = PresencePipeline(
            HogFaceDetector(settings.detect_width, settings.upsample),
            encoder,
            IdentityMatcher(people, match_settings(settings)),
            settings=PresenceSettings(
                leave_after_s=settings.leave_after_s, full_scan_every=settings.full_scan_every
            ),
        )
        outcome = {"right": 0, "WRONG": 0, "unknown": 0}
        delays = []
        wall, cpu = time.perf_counter(), time.process_time()
        for index, frame in enumerate(frames):
            for event in pipeline.process(frame, index / fps).events:
                if isinstance(event, FaceIdentified):
                    delays.append(event.after_s)
                    truth = visible_people(meta, index)
                    outcome[judge(event.person if event.known else None, truth, enrolled)] += 1
        rows["ambient"] = (
            len(frames) / (time.perf_counter() - wall),
            (time.process_time() - cpu) / len(frames) * 1e3,
            resident_mb(),
            pipeline.encodings_computed,
            delays,
            outcome,
        )

        # naive: detect and encode every face in every frame, one view each (face_recognition's
        # encoding), compared at face_recognition's default tolerance
        detector = HogFaceDetector(640, 1)
        quality = QualitySettings()
        gallery = [
            (name, encode_photos([video / p for p in ps], enrolment_detector(), single_view, quality))
            for name, ps in meta["enroll"].items()
        ]
        outcome = {"right": 0, "WRONG": 0, "unknown": 0}
        encodings = 0
        wall, cpu = time.perf_counter(), time.process_time()
        for index, frame in enumerate(frames):
            rgb = np.ascontiguousarray(frame[:, :, ::-1])
            for box in detector.detect(frame):
                encoding = single_view.encode(rgb, box)
                encodings += 1
                name, distance = min(
                    ((n, float(np.min(np.linalg.norm(e - encoding, axis=1)))) for n, e in gallery),
                    key=lambda x: x[1],
                )
                outcome[judge(name if distance <= 0.6 else None, visible_people(meta, index), enrolled)] += 1
        rows["naive"] = (
            len(frames) / (time.perf_counter() - wall),
            (time.process_time() - cpu) / len(frames) * 1e3,
            resident_mb(),
            encodings,
            [],
            outcome,
        )
        for name, (rate, cpu_ms, rss, count, delays, result) in rows.items():
            delay = f"median {np.median(delays):.2f}, max {max(delays):.2f}" if delays else "every frame"
            print(
                f"{clip:<26} {name:<7} {rate:>6.1f} {cpu_ms:>13.1f} {rss:>7.0f} {count:>10} {delay:>28} "
                f"{result['right']:>6} {result['WRONG']:>6} {result['unknown']:>8}"
            )
        print(
            f"{clip:<26} ratio   fps {rows['ambient'][0] / rows['naive'][0]:.1f}x, "
            f"CPU per frame {rows['naive'][1] / rows['ambient'][1]:.1f}x less"
        )
    print("right/WRONG/unknown count identity decisions (ours: one per track; naive: one per face per frame)")


if __name__ == "__main__":
    main()
