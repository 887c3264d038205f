""" "That wasn't for you", measured: a recording that wakes the device is played through the real
engine, every wake is marked false through the device's own path (bus events, the recorder, the
SQLite store of features), `ambient wakeword adapt` retunes the head, and the recording is played
again. Then the cost: FRR on the word's test split at 10 dB before and after, under the device's
policy. The naive alternative, raising the word's threshold until the same wakes stop, is measured
in the same run.

The recording: the read-speech parts of ../shared/data/background (33.7 min, 158 LibriSpeech
speakers), on which the shipped "alexa" head wakes under the device's policy; "computer" does not
wake there at its policy, so it is run with --threshold to have wakes to mark (said in the output).
Run: .venv/bin/python benchmarks/wakeword_adapt.py [--word alexa] [--threshold T]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from ambient.audio_format import CHUNK_SAMPLES
from ambient.config import WakeWordSettings
from ambient.events import FalseWakeMarked, WakeWordDetected
from ambient.models import ModelStore
from ambient.runtime.bus import EventBus
from ambient.testing.media import shared_data
from ambient.wakeword.adaptation import AdaptSettings, adapt, load_head, read_anchors, save_adapted
from ambient.wakeword.corpus import audio_files
from ambient.wakeword.detectors import build_wake_detector
from ambient.wakeword.engine import WakeWordEngine
from ambient.wakeword.evaluation import EvalSettings, evaluate, to_int16
from ambient.wakeword.false_wakes import FalseWakeRecorder, HardNegativeStore
from ambient.wakeword.scoring import AmbientScorer, head_path


def play(
    engine: WakeWordEngine, recordings: list[Path], bus: EventBus | None, offset: int = 0
) -> list[tuple[int, float, float]]:
    """Every detection on the recordings (file index, seconds, score); with a bus, each is
    announced and then marked false, as the household would. `offset` samples are dropped first:
    a replay through a room never lands on the same 80 ms chunk grid."""
    from ambient.audio.decoding import decode_audio

    wakes = []
    for index, path in enumerate(recordings):
        audio = to_int16(decode_audio(path))[offset:]
        engine.reset()
        for start in range(0, audio.size - CHUNK_SAMPLES + 1, CHUNK_SAMPLES):
            for hit in engine.process(audio[start : start + CHUNK_SAMPLES]):
                wakes.append((index, hit.end_sample / 16_000, hit.score))
                if bus is not None:
                    cid = f"wake{len(wakes)}"
                    bus.publish(
                        WakeWordDetected(
                            t=0.0, correlation_id=cid, model=hit.model, engine="ambient",
                            score=hit.score, end_sample=hit.end_sample,
                        )
                    )  # fmt: skip
                    bus.publish(FalseWakeMarked(t=0.0, correlation_id=cid, reason="voice"))
    return wakes


REPLAY_OFFSET = 640
"""Samples (40 ms, half a chunk) the second replay is shifted by."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--word", default="alexa")
    parser.add_argument("--threshold", type=float, help="default: the device's (wakeword.threshold)")
    parser.add_argument("--snr-db", type=float, default=10.0)
    args = parser.parse_args()
    data = shared_data()
    store = ModelStore()
    defaults = WakeWordSettings()
    threshold = args.threshold if args.threshold is not None else defaults.threshold
    settings = WakeWordSettings(models=(f"{args.word}:{threshold}",))
    recordings = [p for p in audio_files(data / "background") if p.name.startswith("speech_")]
    positives = data / "wakeword" / args.word / "test"

    with tempfile.TemporaryDirectory() as state:
        marks = HardNegativeStore(Path(state) / "false_wakes.sqlite")
        engine = build_wake_detector(settings, store)
        assert isinstance(engine, WakeWordEngine)
        bus = EventBus()
        bus.subscribe(FalseWakeRecorder(engine, marks.add))
        before = play(engine, recordings, bus)
        shipped = head_path(args.word)
        result = adapt(
            load_head(shipped), read_anchors(shipped), marks.windows(args.word), AdaptSettings(threshold)
        )
        adapted_dir = Path(state) / "heads"
        save_adapted(result, adapted_dir / f"{args.word}.onnx", args.word)
        replay = build_wake_detector(settings, store, adapted_dir)
        assert isinstance(replay, WakeWordEngine)
        after = play(replay, recordings, None)
        shifted_before = play(engine, recordings, None, offset=REPLAY_OFFSET)
        shifted_after = play(replay, recordings, None, offset=REPLAY_OFFSET)

        policy = EvalSettings(
            snr_db=args.snr_db, threshold=threshold, patience=defaults.patience, window=defaults.window
        )
        background = data / "background"
        frr_before = evaluate(AmbientScorer(args.word, store), positives, background, policy).frr_at_threshold
        adapted_scorer = AmbientScorer(str(adapted_dir / f"{args.word}.onnx"), store)
        frr_after = evaluate(adapted_scorer, positives, background, policy).frr_at_threshold

        # the naive adaptation: the least threshold above every marked wake's score
        naive = min(0.9999, max([threshold, *(score for _, _, score in before)]) + 1e-4)
        naive_policy = EvalSettings(
            snr_db=args.snr_db, threshold=naive, patience=defaults.patience, window=defaults.window
        )
        frr_naive = evaluate(
            AmbientScorer(args.word, store), positives, background, naive_policy
        ).frr_at_threshold

    minutes = sum(_seconds(p) for p in recordings) / 60
    print(
        f'"{args.word}", policy {defaults.patience} of {defaults.window} chunks at {threshold:g} '
        f"({'the device default' if args.threshold is None else 'looser than the device default'}); "
        f"recording: {len(recordings)} files, {minutes:.1f} min of read speech"
    )
    print(
        f"wakes before marking: {len(before)}, all marked ({result.negatives} windows, "
        f"{result.negatives_above_after} of them still at or above the threshold after `adapt`)"
    )
    print(f"wakes on the replay after `adapt`: {len(after)} ({_fewer(len(before), len(after))} fewer)")
    print(
        f"replayed {REPLAY_OFFSET / 16:g} ms off the chunk grid: shipped head {len(shifted_before)} wakes, "
        f"adapted {len(shifted_after)} ({_fewer(len(shifted_before), len(shifted_after))} fewer)"
    )
    print(
        f"FRR on {positives.relative_to(data)} at {args.snr_db:g} dB: {frr_before:.3f} -> {frr_after:.3f} "
        f"({(frr_after - frr_before) * 100:+.1f} points); anchored recall "
        f"{result.anchor_recall_before:.3f} -> {result.anchor_recall_after:.3f}"
    )
    print(
        f"naive (threshold raised to {naive:.4f} so the marked wakes stop): FRR {frr_naive:.3f} "
        f"({(frr_naive - frr_before) * 100:+.1f} points)"
    )


def _seconds(path: Path) -> float:
    import soundfile

    return float(soundfile.info(str(path)).duration)


def _fewer(before: int, after: int) -> str:
    return f"{(1 - after / before) * 100:.0f} %" if before else "n/a"


if __name__ == "__main__":
    main()
