"""128-d face encodings: dlib's 5-point alignment and ResNet encoder (both public domain), averaged
with the encoding of the mirrored face."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.events import Box
from ambient.vision.detection import import_dlib

ENCODER_ID = "dlib_face_recognition_resnet_model_v1+shape_predictor_5+mirror_mean"
"""Stored with every embedding: encodings from another model (or without the mirror mean) are not
comparable, so the gallery only matches embeddings carrying this id."""

CHIP_SIZE = 150
CHIP_PADDING = 0.25
"""dlib's aligned crop: the encoder was trained on 150x150 chips with a quarter of padding."""


class FaceEncoder:
    """Encodes a face as the mean of its aligned chip's encoding and its mirror image's.

    The mean cancels part of what a single view gets wrong (a head turned to one side, light from
    one side). On the shared photos it took the farthest genuine probe from 0.545 to 0.53 and made
    per-person thresholds work (see `ambient faces eval` and `IdentityMatcher`). It costs a second
    descriptor, computed in the same batch; landmarks and alignment are computed once.
    """

    def __init__(self, landmarks_path: Path, encoder_path: Path, mirror: bool = True) -> None:
        dlib = import_dlib()
        self.mirror = mirror
        """False gives face_recognition's single-view encoding (the naive benchmark loop uses it)."""
        self._dlib = dlib
        self._landmarks = dlib.shape_predictor(str(landmarks_path))
        self._encoder = dlib.face_recognition_model_v1(str(encoder_path))

    def encode(self, rgb: np.ndarray, box: Box) -> npt.NDArray[np.float32]:
        """The encoding of the face in `box` (left, top, width, height) of an RGB image."""
        return self.encode_with_landmarks(rgb, box)[0]

    def encode_with_landmarks(
        self, rgb: np.ndarray, box: Box
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """The encoding and the five landmarks it was aligned on ((5, 2) pixels: the outer and
        inner corner of the eye on the image's right, the outer and inner corner of the eye on
        its left, then the base of the nose)."""
        left, top, width, height = box
        rect = self._dlib.rectangle(int(left), int(top), int(left + width), int(top + height))
        shape = self._landmarks(rgb, rect)
        points = np.array([(shape.part(i).x, shape.part(i).y) for i in range(5)], dtype=np.float32)
        return self._encode_shape(rgb, shape), points

    def landmarks(self, image: np.ndarray, box: Box) -> npt.NDArray[np.float32]:
        """The five landmarks alone (a millisecond: no encoding), as `encode_with_landmarks` orders
        them; `image` may be grey or RGB."""
        left, top, width, height = box
        rect = self._dlib.rectangle(int(left), int(top), int(left + width), int(top + height))
        shape = self._landmarks(image, rect)
        return np.array([(shape.part(i).x, shape.part(i).y) for i in range(5)], dtype=np.float32)

    def _encode_shape(self, rgb: np.ndarray, shape: object) -> npt.NDArray[np.float32]:
        chip = self._dlib.get_face_chip(rgb, shape, CHIP_SIZE, CHIP_PADDING)
        if not self.mirror:
            return np.asarray(self._encoder.compute_face_descriptor(chip), dtype=np.float32)
        mirrored = np.ascontiguousarray(chip[:, ::-1])
        views = np.asarray(self._encoder.compute_face_descriptor([chip, mirrored]), dtype=np.float32)
        encoding: npt.NDArray[np.float32] = views.mean(axis=0)
        return encoding
