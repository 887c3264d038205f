"""What `ambient faces ...` does with its arguments."""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

from ambient.clock import MonotonicClock
from ambient.config import Settings
from ambient.context.cli_commands import forget_in_context
from ambient.devices.file_backends import VideoFileCamera
from ambient.devices.registry import build_camera
from ambient.errors import AmbientError
from ambient.events import FaceCorrected
from ambient.models import ModelStore
from ambient.private_files import write_private
from ambient.runtime.event_log import EventLogWriter, forget_name
from ambient.vision.detection import HogFaceDetector
from ambient.vision.encoding import ENCODER_ID, FaceEncoder
from ambient.vision.enrolment import (
    EnrolmentError,
    EnrolmentPlan,
    EnrolmentRules,
    QualitySettings,
    Reference,
    describe_reference,
    encode_reference,
    plan_enrolment,
    plan_from_photos,
    read_photo,
)
from ambient.vision.evaluation import evaluate_faces, person_folders, plot_face_det
from ambient.vision.gallery import Gallery
from ambient.vision.identity import MatchSettings
from ambient.vision.setup import enrolment_detector, face_encoder, match_settings, open_gallery


def faces_command(args: argparse.Namespace, settings: Settings) -> int:
    action = args.faces_command
    if action == "eval":
        return _evaluate(args, settings)
    if action == "tune":
        return _tune(args, settings)
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
            rows = forget_in_context(settings, args.name)
            print(f"context store: {rows} rows about {args.name} erased (visits, words, reminders, consent)")
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
        if action == "not":
            return _not(args, settings, gallery)
        if action == "pending":
            waiting = gallery.pending()
            for name, created, summary in waiting:
                when = time.strftime("%Y-%m-%d %H:%M", time.localtime(created))
                print(f"{name}\tasked {when}\t{summary}")
            if not waiting:
                print("no one is waiting for approval")
            return 0
        if action == "approve":
            count = gallery.approve(args.name)
            print(f"enrolled {args.name}: {count} embedding{'s' if count != 1 else ''} (approved)")
            return 0
        if action == "reject":
            gallery.reject(args.name)
            print(f"rejected {args.name}: the collected face was erased")
            return 0
        if action == "rotate-key":
            gallery.rotate_key()
            print(f"re-encrypted the gallery under a new key in {gallery.key_file}")
            return 0
    finally:
        gallery.close()
    raise AmbientError(f"unknown faces command {action!r}")


def _not(args: argparse.Namespace, settings: Settings, gallery: Gallery) -> int:
    """`ambient faces not NAME`: the face taken for NAME (the last decision naming them, one
    decision by id, or a photo) is kept as NAME's look-alike, and the correction is logged."""
    decision_ids: tuple[str, ...] = ()
    if args.photo is not None:
        encodings = encode_reference(
            read_photo(args.photo), str(args.photo), enrolment_detector(), face_encoder(ModelStore()),
            QualitySettings(),
        )[None, :]  # fmt: skip
        source = "photo"
    else:
        decision_id, encodings = gallery.decision(args.name, args.decision)
        source, decision_ids = f"decision {decision_id}", (decision_id,)
    total = gallery.add_lookalike(args.name, encodings, ENCODER_ID, source)
    if settings.runtime.event_log:
        writer = EventLogWriter(Path(settings.runtime.event_log).expanduser())
        try:
            writer(FaceCorrected(
                t=time.time(), correlation_id=f"cli-{uuid.uuid4().hex[:12]}", person=args.name,
                source=source, lookalikes=len(encodings), decision_ids=decision_ids,
            ))  # fmt: skip
        finally:
            writer.close()
    print(
        f"{args.name}: kept {len(encodings)} encoding{'s' if len(encodings) != 1 else ''} from the {source} "
        f"as look-alikes ({total} in all); a face like them is no longer taken for {args.name}"
    )
    return 0


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
        plan = _from_camera(args, settings, detector, encoder, quality)
    elif args.photos:
        plan = plan_from_photos(args.photos, detector, encoder, quality, EnrolmentRules())
    else:
        raise AmbientError("give photos to enroll, or --camera: ambient faces enroll NAME PHOTO...")
    for reason in plan.refused:
        print(f"not used: {reason}")
    gallery.add(args.name, plan.encodings, ENCODER_ID)
    count = len(plan.references)
    print(f"enrolled {args.name}: {count} embedding{'s' if count != 1 else ''} ({plan.summary()})")
    return 0


CAMERA_PROMPTS = (
    "look straight at the camera",
    "turn your head a little to your left",
    "now a little to your right",
    "tilt your head up a little",
)
"""Said in turn while camera frames are collected, so the references differ in pose."""


def _from_camera(
    args: argparse.Namespace,
    settings: Settings,
    detector: HogFaceDetector,
    encoder: FaceEncoder,
    quality: QualitySettings,
) -> EnrolmentPlan:
    if args.frames < 3 or not 0 < args.seconds <= 120:
        raise AmbientError(
            f"--frames {args.frames} --seconds {args.seconds:g} cannot enrol anyone; use --frames 3 or more "
            "and --seconds above 0, at most 120"
        )
    camera = build_camera(settings, MonotonicClock(), simulate=False)
    if camera is None:
        raise AmbientError("no camera is configured (camera.backend = none); pass photos instead")
    recorded = isinstance(camera, VideoFileCamera) or Path(str(settings.camera.source)).is_file()
    if recorded and not args.from_file:
        # a recording cannot turn its head when asked: whoever enrols must be in front of the camera
        raise AmbientError(
            "the camera is a recording, not a person in front of it; enrol from photos, or pass "
            "--from-file to enrol from the recording on purpose"
        )
    camera.open()
    candidates: list[Reference] = []
    reasons: list[str] = []
    started = time.monotonic()
    prompt = -1
    tried = 0
    try:
        while (elapsed := time.monotonic() - started) < args.seconds:
            step = min(len(CAMERA_PROMPTS) - 1, int(elapsed / args.seconds * len(CAMERA_PROMPTS)))
            if step != prompt:
                prompt = step
                print(f"{args.name}: {CAMERA_PROMPTS[step]}", flush=True)
            frame = camera.read()
            if frame is None:
                break
            tried += 1
            try:
                candidates.append(
                    describe_reference(frame, f"camera frame {tried}", detector, encoder, quality)
                )
            except EnrolmentError as exc:
                reasons.append(str(exc).split(";")[0])
    finally:
        camera.close()
    if not candidates and not reasons:
        raise EnrolmentError(f"the camera gave no frame in {args.seconds:g} s; check camera.source")
    return plan_enrolment(candidates, reasons[-1:], EnrolmentRules(min_images=args.frames))


def _evaluate(args: argparse.Namespace, settings: Settings) -> int:
    store = ModelStore()
    result = evaluate_faces(
        args.gallery, args.probes, enrolment_detector(), face_encoder(store), match_settings(settings.vision),
        lookalikes_dir=args.lookalikes,
    )  # fmt: skip
    plot = args.plot or Path("faces-det.png")
    plot_face_det(result, plot)
    if args.json:
        print(json.dumps({**result.to_json(), "det_png": str(plot)}))
        return 0
    shipped = result.settings
    print(
        f"{result.enrolled_people} people enrolled; {result.enrolled_probes} enrolled probes, "
        f"{result.unknown_probes} stranger probes ({len(result.skipped)} photos skipped"
        + (f", {result.lookalikes} look-alike photos" if result.lookalikes else "")
        + ")"
    )
    for reason in result.not_enrolled:
        print(f"not enrolled (their probes count as strangers): {reason}")
    print(
        f"at the shipped settings (threshold {shipped['threshold']:.3f}, margin {shipped['margin']:.3f}, "
        f"spread weight {shipped['spread_weight']:.2f}): top-1 accuracy {result.top1_accuracy:.4f}; "
        f"strangers accepted {result.false_accepts}; nearest person right {result.ranking_accuracy:.4f}"
    )
    for error in result.errors:
        print(
            f"  error: {error['probe']}: {error['truth']} taken as {error['claimed']} "
            f"(nearest {error['nearest']} at {error['distance']}, threshold {error['threshold']}, "
            f"runner-up {error['runner_up']}, look-alike {error['lookalike']})"
        )
    closest, farthest = result.closest_stranger, result.farthest_genuine
    print(f"closest stranger {closest}; farthest genuine {farthest}")
    print(
        f"oracle, tuned on these probes (not a result): threshold {result.oracle_threshold:.3f} gives top-1 "
        f"{result.oracle_top1_accuracy:.4f} with {result.oracle_false_accepts} strangers accepted"
    )
    print(f"DET curve: {plot}")
    return 0


def _tune(args: argparse.Namespace, settings: Settings) -> int:
    """Cross-validated constants of the identity rule, and the ones chosen on the tuning people."""
    from ambient.vision.evaluation import PhotoReader
    from ambient.vision.tuning import (
        FoldResult,
        Scores,
        choose_settings,
        cross_validate,
        evaluation_people,
        split_images,
        tuning_people,
    )

    folders = person_folders(args.faces or settings.data_path("faces"))
    reader = PhotoReader(enrolment_detector(), face_encoder(ModelStore()))
    rules = EnrolmentRules()
    splits = {}
    for name, photos in folders.items():
        references = [r for r in (reader.reference(p) for p in photos) if r is not None]
        split = split_images(references, rules)
        if split is not None:
            splits[name] = split
    if not 2 <= args.folds <= len(splits):
        raise AmbientError(
            f"--folds {args.folds} is not possible with {len(splits)} people; use 2 to {len(splits)}"
        )
    folds: list[FoldResult] = cross_validate(splits, folds=args.folds)
    pooled = sum((f.scores for f in folds), Scores(0, 0, 0, 0))
    chosen = choose_settings({n: splits[n] for n in tuning_people(list(splits))})
    shipped = match_settings(settings.vision)
    report = {
        "people": len(splits),
        "folds": [
            {"fold": f.fold, "people": f.people, "settings": _constants(f.settings),
             "top1": round(f.scores.top1, 4), "genuine": f.scores.genuine,
             "false_accepts": f.scores.false_accepts, "strangers": f.scores.strangers}
            for f in folds
        ],
        "cross_validated": {"top1": round(pooled.top1, 4), "genuine": pooled.genuine,
                            "false_accepts": pooled.false_accepts, "strangers": pooled.strangers},
        "tuning_people": tuning_people(list(splits)),
        "evaluation_people": evaluation_people(list(splits)),
        "chosen_on_tuning_people": _constants(chosen.settings),
        "shipped": _constants(shipped),
    }  # fmt: skip
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{len(splits)} people; {args.folds}-fold cross-validation by person (chosen without the fold)")
    for fold in folds:
        print(
            f"  fold {fold.fold}: {len(fold.people)} people, chose {_constants(fold.settings)}: top-1 "
            f"{fold.scores.top1:.4f} of {fold.scores.genuine}, strangers accepted "
            f"{fold.scores.false_accepts} of {fold.scores.strangers}"
        )
    print(
        f"cross-validated: top-1 {pooled.top1:.4f} ({pooled.correct} of {pooled.genuine}), "
        f"strangers accepted {pooled.false_accepts} of {pooled.strangers}"
    )
    print(f"chosen on the tuning people: {report['chosen_on_tuning_people']}")
    print(f"shipped (configuration):     {report['shipped']}")
    return 0


def _constants(settings: MatchSettings) -> dict[str, float]:
    return {
        "threshold": settings.threshold,
        "margin": settings.margin,
        "spread_weight": settings.spread_weight,
        "spread_reference": settings.spread_reference,
        "max_adjustment": settings.max_adjustment,
    }
