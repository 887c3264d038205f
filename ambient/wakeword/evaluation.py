"""`ambient wakeword eval`: false rejects on real speakers in real noise, false accepts per hour of
real background, streamed chunk by chunk through the engine exactly as the device runs it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from ambient.audio.decoding import decode_audio
from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE
from ambient.errors import MediaError
from ambient.wakeword.corpus import audio_files, background_pool
from ambient.wakeword.scoring import ChunkScorer

CHUNK_S = CHUNK_SAMPLES / SAMPLE_RATE
LEAD_S = 2.5
"""Noise before each positive: longer than any engine's warm-up, so the word meets a warm engine."""
TAIL_S = 1.0
THRESHOLDS = np.round(np.concatenate([np.linspace(0.01, 0.9, 90), np.linspace(0.901, 0.9999, 100)]), 4)


@dataclass(frozen=True)
class EvalSettings:
    snr_db: float = 10.0
    threshold: float = 0.5
    """The threshold for the single-point figures (`fa_per_hour`, `frr_at_threshold`)."""
    patience: int = 1
    window: int = 1
    refractory_s: float = 2.0
    background_start: float = 0.0
    """Use each background file from this fraction on (0.6: the part training did not see)."""
    seed: int = 7


@dataclass
class EvalResult:
    model: str
    positives: int
    background_hours: float
    snr_db: float
    threshold: float
    fa_per_hour: float
    frr_at_threshold: float
    frr_at_0_5_fah: float
    frr_at_0_1_fah: float
    threshold_at_0_5_fah: float | None
    threshold_at_0_1_fah: float | None
    patience: int = 1
    window: int = 1
    refractory_s: float = 2.0
    false_accepts: list[dict[str, object]] = field(default_factory=list)
    """Every false wake at `threshold`: {file, t (seconds into the file), score}."""
    curve: list[tuple[float, float, float]] = field(default_factory=list)
    """(threshold, FRR, FA/h) for every threshold swept."""

    def to_json(self) -> dict[str, object]:
        return {key: value for key, value in self.__dict__.items()}


def effective_scores(scores: npt.NDArray[np.float32], patience: int, window: int) -> npt.NDArray[np.float32]:
    """Per chunk, the k-th highest of the last n scores: a k-of-n policy fires at threshold t
    exactly where this reaches t, so one pass serves every threshold."""
    if window == 1:
        return scores
    padded = np.concatenate([np.zeros(window - 1, np.float32), scores])
    view = np.lib.stride_tricks.sliding_window_view(padded, window)
    return np.sort(view, axis=1)[:, window - patience]


def trigger_chunks(scores: npt.NDArray[np.float32], threshold: float, refractory_chunks: int) -> list[int]:
    """The chunks where a threshold would detect on a stream, honouring the refractory time."""
    above = np.flatnonzero(scores >= threshold)
    fired: list[int] = []
    ready_at = -1
    for index in above.tolist():
        if index >= ready_at:
            fired.append(index)
            ready_at = index + refractory_chunks + 1
    return fired


def count_triggers(scores: npt.NDArray[np.float32], threshold: float, refractory_chunks: int) -> int:
    """Detections a threshold would give on a stream, honouring the refractory time."""
    return len(trigger_chunks(scores, threshold, refractory_chunks))


@dataclass(frozen=True)
class BackgroundStream:
    """One background file's effective scores, from the first chunk that counts."""

    file: str
    first_chunk_s: float
    """Where the first score sits in the file (the evaluated part's start plus the warm-up)."""
    scores: npt.NDArray[np.float32]


def stream_scores(scorer: ChunkScorer, audio: npt.NDArray[np.int16]) -> npt.NDArray[np.float32]:
    usable = audio[: (audio.size // CHUNK_SAMPLES) * CHUNK_SAMPLES]
    out = np.zeros(usable.size // CHUNK_SAMPLES, dtype=np.float32)
    for index in range(out.size):
        out[index] = scorer.score(usable[index * CHUNK_SAMPLES : (index + 1) * CHUNK_SAMPLES])
    return out


def mix_at_snr(
    clip: npt.NDArray[np.float32], noise: npt.NDArray[np.float32], snr_db: float
) -> npt.NDArray[np.float32]:
    clip_power = float(np.mean(clip**2)) + 1e-10
    noise_power = float(np.mean(noise**2)) + 1e-10
    scaled: npt.NDArray[np.float32] = (
        noise * np.sqrt(clip_power / (noise_power * 10 ** (snr_db / 10)))
    ).astype(np.float32)
    return scaled


def to_int16(audio: npt.NDArray[np.float32]) -> npt.NDArray[np.int16]:
    return np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16)


WARMUP_CHUNKS_SKIPPED = 25
"""The first 2 s of every background file count for no engine: openWakeWord, for one, scores its
own start-up state high, and a device starts listening once, not every few minutes."""


def positive_peaks(
    scorer: ChunkScorer,
    files: list[Path],
    noise: npt.NDArray[np.float32],
    settings: EvalSettings,
) -> npt.NDArray[np.float32]:
    """Each clip mixed into a random stretch of real noise at the SNR, after a warm-up lead; the
    highest effective score from the clip's start on (the noise before it cannot count)."""
    rng = np.random.default_rng(settings.seed)
    peaks = np.zeros(len(files), dtype=np.float32)
    lead, tail = int(LEAD_S * SAMPLE_RATE), int(TAIL_S * SAMPLE_RATE)
    for index, path in enumerate(tqdm(files, desc=f"{scorer.name} positives", unit="clip", disable=None)):
        clip = decode_audio(path)
        stream = np.zeros(lead + clip.size + tail, dtype=np.float32)
        stream[lead : lead + clip.size] = clip
        start = int(rng.integers(0, noise.size - stream.size))
        stream += mix_at_snr(clip, noise[start : start + stream.size], settings.snr_db)
        scorer.reset()
        scores = effective_scores(stream_scores(scorer, to_int16(stream)), settings.patience, settings.window)
        peaks[index] = scores[lead // CHUNK_SAMPLES :].max(initial=0.0)
    return peaks


def background_scores(
    scorer: ChunkScorer, files: list[Path], settings: EvalSettings
) -> tuple[list[BackgroundStream], float]:
    """Effective scores over every background file (from `background_start` on), and the hours."""
    streams, seconds = [], 0.0
    for path in tqdm(files, desc=f"{scorer.name} background", unit="file", disable=None):
        audio = decode_audio(path)
        skipped = int(audio.size * settings.background_start)
        audio = audio[skipped:]
        scorer.reset()
        scores = effective_scores(stream_scores(scorer, to_int16(audio)), settings.patience, settings.window)
        first_s = skipped / SAMPLE_RATE + WARMUP_CHUNKS_SKIPPED * CHUNK_S
        streams.append(BackgroundStream(path.name, first_s, scores[WARMUP_CHUNKS_SKIPPED:]))
        seconds += max(0, scores.size - WARMUP_CHUNKS_SKIPPED) * CHUNK_S
    return streams, seconds / 3600


def false_accepts(
    background: list[BackgroundStream], threshold: float, refractory_chunks: int
) -> list[dict[str, object]]:
    """Where a threshold wakes on the background: file, seconds into it (the end of the chunk that
    fired), and the effective score there."""
    found: list[dict[str, object]] = []
    for stream in background:
        for index in trigger_chunks(stream.scores, threshold, refractory_chunks):
            found.append(
                {
                    "file": stream.file,
                    "t": round(stream.first_chunk_s + (index + 1) * CHUNK_S, 2),
                    "score": round(float(stream.scores[index]), 4),
                }
            )
    return found


def summarize(
    name: str,
    peaks: npt.NDArray[np.float32],
    background: list[BackgroundStream],
    hours: float,
    settings: EvalSettings,
) -> EvalResult:
    refractory = round(settings.refractory_s / CHUNK_S)
    curve = []
    for threshold in THRESHOLDS:
        frr = float(np.mean(peaks < threshold))
        count = sum(count_triggers(s.scores, float(threshold), refractory) for s in background)
        curve.append((float(threshold), frr, count / hours))

    def at_rate(rate: float) -> tuple[float, float | None]:
        allowed = [(frr, t) for t, frr, fah in curve if fah <= rate]
        if not allowed:
            return 1.0, None
        frr, t = min(allowed)
        return frr, t

    frr_05, t_05 = at_rate(0.5)
    frr_01, t_01 = at_rate(0.1)
    wakes = false_accepts(background, settings.threshold, refractory)
    return EvalResult(
        model=name,
        positives=len(peaks),
        background_hours=hours,
        snr_db=settings.snr_db,
        threshold=settings.threshold,
        fa_per_hour=len(wakes) / hours,
        frr_at_threshold=float(np.mean(peaks < settings.threshold)),
        frr_at_0_5_fah=frr_05,
        frr_at_0_1_fah=frr_01,
        threshold_at_0_5_fah=t_05,
        threshold_at_0_1_fah=t_01,
        patience=settings.patience,
        window=settings.window,
        refractory_s=settings.refractory_s,
        false_accepts=wakes,
        curve=curve,
    )


def evaluate(
    scorer: ChunkScorer, positives_dir: Path, background_dir: Path, settings: EvalSettings
) -> EvalResult:
    positive_files = audio_files(positives_dir)
    background_files = audio_files(background_dir)
    if not positive_files:
        raise MediaError(f"no audio clips in {positives_dir}; point --positives at a folder of recordings")
    if not background_files:
        raise MediaError(f"no audio in {background_dir}; point --background at a folder of recordings")
    noise = background_pool(background_files, settings.background_start, 1.0)
    peaks = positive_peaks(scorer, positive_files, noise, settings)
    background, hours = background_scores(scorer, background_files, settings)
    return summarize(scorer.name, peaks, background, hours, settings)


def plot_det(results: list[EvalResult], path: Path) -> None:
    """The DET curve (false rejects against false accepts per hour) of one or more engines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4.5))
    for result in results:
        # The lower envelope: at each false-accept rate, the best false-reject rate any threshold
        # reaching that rate gives.
        best: dict[float, float] = {}
        for _, frr, fah in result.curve:
            best[fah] = min(frr, best.get(fah, 1.0))
        xs, ys, floor = [], [], 1.0
        for fah in sorted(best):
            floor = min(floor, best[fah])
            xs.append(max(fah, 0.01))
            ys.append(floor * 100)
        axes.step(xs, ys, where="post", marker=".", label=result.model)
    axes.set_xscale("log")
    axes.set_xlabel("false accepts per hour (0.01 = none seen)")
    axes.set_ylabel("false-reject rate (%)")
    hours = results[0].background_hours if results else 0
    axes.set_title(f"DET at {results[0].snr_db:g} dB SNR, {hours:.2f} h background" if results else "DET")
    axes.axvline(0.5, color="grey", linestyle=":", linewidth=1)
    axes.axvline(0.1, color="grey", linestyle=":", linewidth=1)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
