"""`ambient faces eval`: enrol every person folder of a gallery under the device's enrolment rules,
identify every probe at the settings the device runs with, and report top-1 accuracy, strangers
accepted and every error. The threshold that a sweep over these same probes would pick is printed
too, labelled as the oracle it is: tuned on what it scores, it is never a result."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from ambient.errors import MediaError
from ambient.vision.detection import HogFaceDetector
from ambient.vision.encoding import FaceEncoder
from ambient.vision.enrolment import (
    EnrolmentError,
    EnrolmentRules,
    QualitySettings,
    Reference,
    describe_reference,
    plan_enrolment,
    read_photo,
)
from ambient.vision.gallery import NO_LOOKALIKES, Person
from ambient.vision.identity import IdentityMatcher, MatchSettings, Nearest

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}

PhotoMemo = dict[bytes, Reference | str]
"""Each photo's reference (or why it is unusable) by the photo's bytes, kept in memory only."""


@dataclass(frozen=True)
class Probe:
    path: str
    truth: str
    encoding: npt.NDArray[np.float32]


@dataclass(frozen=True)
class Outcome:
    """How the probes fared under one set of match settings."""

    correct: int
    false_accepts: int
    errors: list[dict[str, object]]


def _finite(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None


def score(
    rows: list[tuple[Probe, Nearest]],
    enrolled: set[str],
    settings: MatchSettings,
    threshold: float | None = None,
    with_errors: bool = True,
) -> Outcome:
    """Genuine probes named right, strangers accepted as someone, and every error with why."""
    correct = false_accepts = 0
    errors: list[dict[str, object]] = []
    for probe, nearest in rows:
        accepted = nearest.accepted(settings, threshold)
        claimed = nearest.name if accepted else "unknown"
        if probe.truth in enrolled:
            right = accepted and nearest.name == probe.truth
            correct += right
            wrong = not right
        else:
            false_accepts += accepted
            wrong = accepted
        if wrong and with_errors:
            truth = probe.truth if probe.truth in enrolled else f"stranger ({probe.truth})"
            errors.append({
                "probe": probe.path, "truth": truth,
                "claimed": claimed, "nearest": nearest.name, "distance": round(nearest.distance, 4),
                "threshold": round(nearest.threshold(settings, threshold), 4),
                "runner_up": _finite(nearest.runner_up), "lookalike": _finite(nearest.lookalike),
            })  # fmt: skip
    return Outcome(correct, false_accepts, errors)


@dataclass
class FaceEvalResult:
    enrolled_people: int
    enrolled_probes: int
    unknown_probes: int
    skipped: list[str]
    """Photos that could not be used, each with its reason."""
    not_enrolled: list[str]
    """Gallery people with too few usable images to enrol (the device would refuse them too):
    their probes count as strangers."""
    lookalikes: int
    """Look-alike photos taken into account (`--lookalikes`)."""
    settings: dict[str, float]
    """The match settings evaluated: the device's own, from its configuration."""
    top1_accuracy: float
    """Enrolled probes accepted as the right person, at `settings`."""
    false_accepts: int
    """Strangers accepted as someone, at `settings`."""
    errors: list[dict[str, object]]
    """Every error at `settings`: probe, truth, claimed, nearest, distance, that person's threshold,
    runner_up and lookalike distances."""
    ranking_accuracy: float
    """Enrolled probes whose nearest person is right, whatever the distance."""
    closest_stranger: float | None
    farthest_genuine: float | None
    oracle_threshold: float
    """The largest threshold accepting no stranger *among these probes*: tuned on what it is then
    scored on, so an upper bound, not a result."""
    oracle_top1_accuracy: float
    oracle_false_accepts: int
    curve: list[tuple[float, float, float]] = field(default_factory=list)
    """(threshold, false-reject rate of enrolled probes, false-accept rate of strangers)."""

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def person_folders(root: Path) -> dict[str, list[Path]]:
    if not root.is_dir():
        raise MediaError(f"folder {root} not found; it should hold one sub-folder of photos per person")
    folders = {
        d.name: sorted(p for p in d.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        for d in sorted(root.iterdir())
        if d.is_dir()
    }
    folders = {name: photos for name, photos in folders.items() if photos}
    if not folders:
        raise MediaError(f"no person folders with photos in {root}")
    return folders


class PhotoReader:
    """Reads and describes photos once each (the memo may be shared between calls in a process;
    it never touches the disk: encodings are biometric data)."""

    def __init__(
        self,
        detector: HogFaceDetector,
        encoder: FaceEncoder,
        quality: QualitySettings | None = None,
        memo: PhotoMemo | None = None,
    ) -> None:
        self.detector = detector
        self.encoder = encoder
        self.quality = quality or QualitySettings()
        self.memo: PhotoMemo = {} if memo is None else memo
        self.skipped: list[str] = []

    def reference(self, path: Path) -> Reference | None:
        key = hashlib.sha256(path.read_bytes()).digest() if path.is_file() else str(path).encode()
        if key not in self.memo:
            try:
                self.memo[key] = describe_reference(
                    read_photo(path), str(path), self.detector, self.encoder, self.quality
                )
            except EnrolmentError as exc:
                self.memo[key] = str(exc).split(";")[0]
        found = self.memo[key]
        if isinstance(found, str):
            self.skipped.append(found)
            return None
        return Reference(str(path), found.encoding, found.yaw, found.brightness, found.side_light)


def enrol_people(
    folders: dict[str, list[Reference]], rules: EnrolmentRules, lookalikes: dict[str, list[Reference]]
) -> tuple[list[Person], list[str]]:
    """Everyone who can be enrolled under `rules` (with their look-alikes), and why the others can't."""
    people: list[Person] = []
    refused: list[str] = []
    for name, references in folders.items():
        try:
            plan = plan_enrolment(references, [], rules)
        except EnrolmentError as exc:
            refused.append(f"{name}: {exc}")
            continue
        others = lookalikes.get(name, [])
        people.append(
            Person(name, plan.encodings, np.stack([r.encoding for r in others]) if others else NO_LOOKALIKES)
        )
    return people, refused


def evaluate_faces(
    gallery_dir: Path,
    probes_dir: Path,
    detector: HogFaceDetector,
    encoder: FaceEncoder,
    settings: MatchSettings | None = None,
    quality: QualitySettings | None = None,
    memo: PhotoMemo | None = None,
    lookalikes_dir: Path | None = None,
    rules: EnrolmentRules | None = None,
) -> FaceEvalResult:
    settings = settings or MatchSettings()
    reader = PhotoReader(detector, encoder, quality, memo)

    def references(photos: list[Path]) -> list[Reference]:
        return [r for r in (reader.reference(p) for p in photos) if r is not None]

    gallery_folders = {
        name: references(photos)
        for name, photos in tqdm(
            person_folders(gallery_dir).items(), desc="enrolling", unit="person", disable=None
        )
    }
    lookalike_folders: dict[str, list[Reference]] = {}
    if lookalikes_dir is not None:
        lookalike_folders = {name: references(p) for name, p in person_folders(lookalikes_dir).items()}
        unknown = sorted(set(lookalike_folders) - set(gallery_folders))
        if unknown:
            raise MediaError(
                f"look-alike folder {unknown[0]} in {lookalikes_dir} names no one in {gallery_dir}; "
                "name each folder after the member its photos were mistaken for"
            )
    people, not_enrolled = enrol_people(gallery_folders, rules or EnrolmentRules(), lookalike_folders)
    enrolled = {p.name for p in people}
    probes = [
        Probe(r.source, name, r.encoding)
        for name, photos in tqdm(
            person_folders(probes_dir).items(), desc="probes", unit="person", disable=None
        )
        for r in references(photos)
    ]
    if not probes:
        raise MediaError(f"no usable probe photos in {probes_dir}")
    matcher = IdentityMatcher(people, settings)
    rows = [(probe, nearest) for probe in probes if (nearest := matcher.nearest(probe.encoding)) is not None]
    genuine = [nearest for probe, nearest in rows if probe.truth in enrolled]
    strangers = [nearest for probe, nearest in rows if probe.truth not in enrolled]

    shipped = score(rows, enrolled, settings)
    thresholds = np.round(np.arange(0.30, 0.80, 0.0025), 4)
    curve = []
    for threshold in thresholds:
        outcome = score(rows, enrolled, settings, float(threshold), with_errors=False)
        curve.append((
            float(threshold),
            1 - outcome.correct / max(1, len(genuine)),
            outcome.false_accepts / max(1, len(strangers)),
        ))  # fmt: skip
    safe = [t for t, _, far in curve if far == 0.0]
    oracle_threshold = max(safe) if safe else float(thresholds[0])
    oracle = score(rows, enrolled, settings, oracle_threshold, with_errors=False)
    return FaceEvalResult(
        enrolled_people=len(people),
        enrolled_probes=len(genuine),
        unknown_probes=len(strangers),
        skipped=reader.skipped,
        not_enrolled=not_enrolled,
        lookalikes=sum(len(v) for v in lookalike_folders.values()),
        settings={
            "threshold": settings.threshold,
            "margin": settings.margin,
            "spread_weight": settings.spread_weight,
            "spread_reference": settings.spread_reference,
            "max_adjustment": settings.max_adjustment,
        },
        top1_accuracy=shipped.correct / max(1, len(genuine)),
        false_accepts=shipped.false_accepts,
        errors=shipped.errors,
        ranking_accuracy=sum(
            probe.truth == nearest.name for probe, nearest in rows if probe.truth in enrolled
        )
        / max(1, len(genuine)),
        closest_stranger=_finite(min((n.distance for n in strangers), default=math.inf)),
        farthest_genuine=_finite(max((n.distance for n in genuine), default=math.inf)),
        oracle_threshold=oracle_threshold,
        oracle_top1_accuracy=oracle.correct / max(1, len(genuine)),
        oracle_false_accepts=oracle.false_accepts,
        curve=curve,
    )


def plot_face_det(result: FaceEvalResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4.5))
    thresholds = [c[0] for c in result.curve]
    axes.plot(
        thresholds, [c[1] * 100 for c in result.curve], label="enrolled people rejected or misnamed (%)"
    )
    axes.plot(thresholds, [c[2] * 100 for c in result.curve], label="strangers accepted (%)")
    shipped = result.settings["threshold"]
    axes.axvline(shipped, color="black", linestyle="--", label=f"shipped {shipped:.3f}")
    axes.axvline(
        result.oracle_threshold, color="grey", linestyle=":", label=f"oracle {result.oracle_threshold:.3f}"
    )
    axes.set_xlabel("distance threshold")
    axes.set_ylabel("%")
    axes.set_title(f"{result.enrolled_probes} enrolled probes, {result.unknown_probes} stranger probes")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
