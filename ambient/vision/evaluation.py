"""`ambient faces eval`: enrol every person folder of a gallery, identify every probe, and report
top-1 accuracy, strangers accepted, and the threshold that accepts none of them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from ambient.errors import MediaError
from ambient.vision.detection import HogFaceDetector
from ambient.vision.encoding import FaceEncoder
from ambient.vision.enrolment import EnrolmentError, QualitySettings, encode_reference, read_photo
from ambient.vision.gallery import Person
from ambient.vision.identity import IdentityMatcher, MatchSettings, Nearest

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


@dataclass
class FaceEvalResult:
    enrolled_people: int
    enrolled_probes: int
    unknown_probes: int
    skipped: list[str]
    threshold: float
    """The calibrated threshold: the largest that accepts no stranger (with the margin rule and
    the per-person adjustments)."""
    top1_accuracy: float
    """Enrolled probes whose accepted identity is right, at `threshold`."""
    false_accepts: int
    """Strangers accepted as someone, at `threshold`."""
    configured_threshold: float
    """The threshold the device is configured with (`vision.threshold`)."""
    configured_top1_accuracy: float
    configured_false_accepts: int
    ranking_accuracy: float
    """Enrolled probes whose nearest person is right, whatever the distance."""
    closest_stranger: float
    farthest_genuine: float
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


def evaluate_faces(
    gallery_dir: Path,
    probes_dir: Path,
    detector: HogFaceDetector,
    encoder: FaceEncoder,
    settings: MatchSettings | None = None,
    quality: QualitySettings | None = None,
    memo: dict[bytes, npt.NDArray[np.float32] | str] | None = None,
) -> FaceEvalResult:
    """`memo`, shared by calls in one process, keeps each photo's encoding (or why it was
    skipped) by the photo's bytes: evaluating several splits of the same photos encodes each
    photo once. It lives in memory only (encodings are biometric data: never cached on disk)."""
    settings = settings or MatchSettings()
    quality = quality or QualitySettings()
    skipped: list[str] = []
    memo = {} if memo is None else memo

    def encode(path: Path) -> npt.NDArray[np.float32] | None:
        key = hashlib.sha256(path.read_bytes()).digest() if path.is_file() else str(path).encode()
        if key not in memo:
            try:
                memo[key] = encode_reference(read_photo(path), str(path), detector, encoder, quality)
            except EnrolmentError as exc:
                memo[key] = str(exc)
        found = memo[key]
        if isinstance(found, str):
            skipped.append(found)
            return None
        return found

    people = []
    for name, photos in tqdm(
        person_folders(gallery_dir).items(), desc="enrolling", unit="person", disable=None
    ):
        encodings = [e for e in (encode(p) for p in photos) if e is not None]
        if encodings:
            people.append(Person(name, np.stack(encodings)))
    enrolled = {p.name for p in people}
    probes: list[tuple[str, npt.NDArray[np.float32]]] = []
    for name, photos in tqdm(person_folders(probes_dir).items(), desc="probes", unit="person", disable=None):
        probes += [(name, e) for e in (encode(p) for p in photos) if e is not None]
    if not probes:
        raise MediaError(f"no usable probe photos in {probes_dir}")

    # Every probe's nearest person, once; thresholds are then swept over them.
    matcher = IdentityMatcher(people, settings)
    rows: list[tuple[str, Nearest]] = []
    for truth, encoding in probes:
        nearest = matcher.nearest(encoding)
        if nearest is not None:
            rows.append((truth, nearest))

    def outcome(threshold: float) -> tuple[int, int]:
        correct = false_accepts = 0
        for truth, nearest in rows:
            accepted = nearest.accepted(settings, threshold)
            if truth in enrolled:
                correct += accepted and nearest.name == truth
            else:
                false_accepts += accepted
        return correct, false_accepts

    genuine = [nearest for truth, nearest in rows if truth in enrolled]
    strangers = [nearest for truth, nearest in rows if truth not in enrolled]
    thresholds = np.round(np.arange(0.30, 0.80, 0.0025), 4)
    curve = []
    for threshold in thresholds:
        correct, false_accepts = outcome(float(threshold))
        curve.append((
            float(threshold),
            1 - correct / max(1, len(genuine)),
            false_accepts / max(1, len(strangers)),
        ))  # fmt: skip
    safe = [t for t, _, far in curve if far == 0.0]
    threshold = max(safe) if safe else float(thresholds[0])
    correct, false_accepts = outcome(threshold)
    configured_correct, configured_false_accepts = outcome(settings.threshold)
    return FaceEvalResult(
        enrolled_people=len(people),
        enrolled_probes=len(genuine),
        unknown_probes=len(strangers),
        skipped=skipped,
        threshold=threshold,
        top1_accuracy=correct / max(1, len(genuine)),
        false_accepts=false_accepts,
        configured_threshold=settings.threshold,
        configured_top1_accuracy=configured_correct / max(1, len(genuine)),
        configured_false_accepts=configured_false_accepts,
        ranking_accuracy=sum(truth == nearest.name for truth, nearest in rows if truth in enrolled)
        / max(1, len(genuine)),
        closest_stranger=min((n.distance for n in strangers), default=float("inf")),
        farthest_genuine=max((n.distance for n in genuine), default=0.0),
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
    axes.axvline(result.threshold, color="grey", linestyle=":", label=f"calibrated {result.threshold:.3f}")
    axes.set_xlabel("distance threshold")
    axes.set_ylabel("%")
    axes.set_title(f"{result.enrolled_probes} enrolled probes, {result.unknown_probes} stranger probes")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
