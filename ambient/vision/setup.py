"""Builds the vision cores from configuration: detector, encoder, gallery and matcher."""

from __future__ import annotations

from pathlib import Path

from ambient.config import VisionSettings
from ambient.models import ModelStore
from ambient.vision.detection import HogFaceDetector
from ambient.vision.encoding import ENCODER_ID, FaceEncoder
from ambient.vision.gallery import Gallery
from ambient.vision.identity import IdentityMatcher, MatchSettings


def gallery_paths(settings: VisionSettings) -> tuple[Path, Path]:
    if settings.gallery:
        database = Path(settings.gallery).expanduser()
    else:
        import platformdirs

        database = Path(platformdirs.user_data_dir("ambient")) / "gallery.sqlite"
    key = (
        Path(settings.gallery_key).expanduser() if settings.gallery_key else database.with_name("gallery.key")
    )
    return database, key


def open_gallery(settings: VisionSettings) -> Gallery:
    database, key = gallery_paths(settings)
    return Gallery(database, key)


def face_encoder(store: ModelStore, mirror: bool = True) -> FaceEncoder:
    return FaceEncoder(store.path("face_landmarks_5"), store.path("face_encoder"), mirror)


def match_settings(settings: VisionSettings) -> MatchSettings:
    return MatchSettings(
        threshold=settings.threshold,
        margin=settings.margin,
        votes=settings.votes,
        recheck_s=settings.recheck_s,
        spread_weight=settings.spread_weight,
        spread_reference=settings.spread_reference,
        max_adjustment=settings.max_adjustment,
    )


def matcher_for(settings: VisionSettings, gallery: Gallery) -> IdentityMatcher:
    return IdentityMatcher(gallery.people(ENCODER_ID), match_settings(settings))


def enrolment_detector() -> HogFaceDetector:
    """Photos are analysed at full size (up to 1024 px) with one upsampling pass."""
    return HogFaceDetector(detect_width=1024, upsample=1)
