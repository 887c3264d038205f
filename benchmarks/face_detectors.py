"""Which face detector: dlib's HOG (built in) against dlib's MMOD CNN (public domain, from the
manifest), on the shared video frames shrunk to 320 pixels wide, as the presence stage sees them.

Run: .venv/bin/python benchmarks/face_detectors.py
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import cv2
import numpy as np

from ambient.models import ModelStore
from ambient.testing.media import shared_data
from ambient.vision.detection import import_dlib


def main() -> None:
    dlib = import_dlib()
    video = shared_data() / "video"
    meta = json.loads((video / "short_hamilton_clip.json").read_text())
    capture = cv2.VideoCapture(str(video / meta["file"]))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(cv2.resize(frame, (320, 180), interpolation=cv2.INTER_AREA))
    # Lin-Manuel Miranda's close-up (frames 82-210): one frontal face in every frame
    sample = frames[82:210:4]
    hog = dlib.get_frontal_face_detector()
    cnn = dlib.cnn_face_detection_model_v1(str(ModelStore().path("face_detector_cnn")))

    def grey(frame: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)

    def rgb(frame: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(frame[:, :, ::-1])

    detectors: dict[str, Callable[[np.ndarray], int]] = {
        "HOG, grey, 1 upsample": lambda f: len(hog(grey(f), 1)),
        "HOG, colour, 1 upsample": lambda f: len(hog(rgb(f), 1)),
        "MMOD CNN, 0 upsample": lambda f: len(cnn(rgb(f), 0)),
        "MMOD CNN, 1 upsample": lambda f: len(cnn(rgb(f), 1)),
    }
    print(f"{len(sample)} frames of a close-up face at 320x180, one thread")
    baseline = None
    for name, detect in detectors.items():
        started = time.process_time()
        found = sum(1 for frame in sample if detect(frame) > 0)
        cost = (time.process_time() - started) / len(sample)
        baseline = baseline or cost
        print(
            f"{name:<26} {cost * 1e3:8.1f} ms/frame  {cost / baseline:6.1f}x  "
            f"face found in {found}/{len(sample)}"
        )


if __name__ == "__main__":
    main()
