"""What `ambient faces ...` does with its arguments."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ambient.clock import MonotonicClock
from ambient.config import Settings
from ambient.devices.registry import build_camera
from ambient.errors import AmbientError
from ambient.models import ModelStore
from ambient.private_files import write_private
from ambient.runtime.event_log import forget_name
from ambient.vision.detection import HogFaceDetector
from ambient.vision.encoding import ENCODER_ID, FaceEncoder
from ambient.vision.enrolment import EnrolmentError, QualitySettings, encode_photos, encode_reference
from ambient.vision.evaluation import evaluate_faces, plot_face_det
from ambient.vision.gallery import Gallery
from ambient.vision.setup import enrolment_detector, face_encoder, match_settings, open_gallery


def faces_command(args: argparse.Namespace, settings: Settings) -> int:
    action = args.faces_command
    if action == "eval":
        return _evaluate(args, settings)
    gallery = open_gallery(settings.vision)
    try:
        if action == "enroll":
            return _enroll(args, settings, gallery)
        if action == "list":
            for name, count in gallery.names():
                print(f"{name}\t{count} embedding{'s' if count != 1 else ''}")
            return 0
        if action == "forget":
            erased = gallery.forget(args.name)
            print(f"forgot {args.name}: {erased} embeddings erased, database rewritten")
            for log in _event_logs(args, settings):
                events = forget_name(log, args.name)
                print(
                    f"event log {log}: {events} event{'s' if events != 1 else ''} rewritten without the name"
                )
            return 0
        if action == "export":
            text = json.dumps(gallery.export(args.name), indent=1)
            if args.out:
                write_private(args.out, text)  # 0600 from its creation: biometric data
                print(f"wrote {args.out} (mode 0600: it holds biometric data)")
            else:
                print(text)
            return 0
        if action == "rotate-key":
            gallery.rotate_key()
            print(f"re-encrypted the gallery under a new key in {gallery.key_file}")
            return 0
    finally:
        gallery.close()
    raise AmbientError(f"unknown faces command {action!r}")


def _event_logs(args: argparse.Namespace, settings: Settings) -> list[Path]:
    """The configured event log and any given with --event-log: `forget` scrubs each."""
    logs = [Path(settings.runtime.event_log).expanduser()] if settings.runtime.event_log else []
    logs += [path for path in getattr(args, "event_log", None) or [] if path not in logs]
    return logs


def _enroll(args: argparse.Namespace, settings: Settings, gallery: Gallery) -> int:
    store = ModelStore()
    encoder = face_encoder(store)
    detector = enrolment_detector()
    quality = QualitySettings()
    if not args.name.strip():
        raise AmbientError("a person needs a name: ambient faces enroll NAME PHOTO...")
    if args.camera:
        encodings = _from_camera(settings, detector, encoder, quality, args.frames)
    elif args.photos:
        encodings = encode_photos(args.photos, detector, encoder, quality)
    else:
        raise AmbientError("give photos to enroll, or --camera: ambient faces enroll NAME PHOTO...")
    gallery.add(args.name, encodings, ENCODER_ID)
    print(f"enrolled {args.name}: {len(encodings)} embedding{'s' if len(encodings) != 1 else ''}")
    return 0


def _from_camera(
    settings: Settings, detector: HogFaceDetector, encoder: FaceEncoder, quality: QualitySettings, frames: int
) -> np.ndarray:
    camera = build_camera(settings, MonotonicClock(), simulate=False)
    if camera is None:
        raise AmbientError("no camera is configured (camera.backend = none); pass photos instead")
    camera.open()
    found: list[np.ndarray] = []
    reasons: list[str] = []
    tried = 0
    try:
        while len(found) < frames and tried < frames * 30:
            frame = camera.read()
            if frame is None:
                break
            tried += 1
            try:
                found.append(encode_reference(frame, f"camera frame {tried}", detector, encoder, quality))
            except EnrolmentError as exc:
                reasons.append(str(exc))
    finally:
        camera.close()
    if len(found) < frames:
        last = reasons[-1] if reasons else f"the camera stopped after {tried} frames"
        raise EnrolmentError(f"only {len(found)} of {frames} camera frames were usable ({last})")
    return np.stack(found)


def _evaluate(args: argparse.Namespace, settings: Settings) -> int:
    store = ModelStore()
    result = evaluate_faces(
        args.gallery, args.probes, enrolment_detector(), face_encoder(store), match_settings(settings.vision)
    )
    plot = args.plot or Path("faces-det.png")
    plot_face_det(result, plot)
    if args.json:
        print(json.dumps({**result.to_json(), "det_png": str(plot)}))
        return 0
    print(
        f"{result.enrolled_people} people enrolled; {result.enrolled_probes} enrolled probes, "
        f"{result.unknown_probes} stranger probes ({len(result.skipped)} photos skipped)"
    )
    print(f"calibrated threshold {result.threshold:.3f} (the largest accepting no stranger)")
    print(
        f"top-1 accuracy {result.top1_accuracy:.4f}; strangers accepted {result.false_accepts}; "
        f"nearest person right {result.ranking_accuracy:.4f}"
    )
    print(
        f"at the configured threshold {result.configured_threshold:.3f}: top-1 accuracy "
        f"{result.configured_top1_accuracy:.4f}; strangers accepted {result.configured_false_accepts}"
    )
    print(f"closest stranger {result.closest_stranger:.3f}; farthest genuine {result.farthest_genuine:.3f}")
    print(f"DET curve: {plot}")
    return 0
