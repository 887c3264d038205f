"""128-d face encodings: dlib's 5-point alignment and ResNet encoder (both public domain)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.events import Box
from ambient.vision.detection import import_dlib

ENCODER_ID = "dlib_face_recognition_resnet_model_v1+shape_predictor_5"
"""Stored with every embedding: encodings from another model are not comparable."""


class FaceEncoder:
    def __init__(self, landmarks_path: Path, encoder_path: Path, jitters: int = 0) -> None:
        dlib = import_dlib()
        self._dlib = dlib
        self._landmarks = dlib.shape_predictor(str(landmarks_path))
        self._encoder = dlib.face_recognition_model_v1(str(encoder_path))
        self.jitters = jitters

    def encode(self, rgb: np.ndarray, box: Box) -> npt.NDArray[np.float32]:
        """The encoding of the face in `box` (left, top, width, height) of an RGB image."""
        left, top, width, height = box
        rect = self._dlib.rectangle(int(left), int(top), int(left + width), int(top + height))
        shape = self._landmarks(rgb, rect)
        descriptor = self._encoder.compute_face_descriptor(rgb, shape, self.jitters)
        return np.asarray(descriptor, dtype=np.float32)
