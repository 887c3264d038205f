"""What `ambient wakeword train` and `ambient wakeword eval` do with their arguments."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ambient.config import PROJECT_ROOT, Settings
from ambient.errors import AmbientError, MediaError
from ambient.models import ModelStore
from ambient.wakeword.adaptation import (
    AdaptSettings,
    adapt,
    load_head,
    read_anchors,
    save_adapted,
    write_anchors,
)
from ambient.wakeword.classifier import FitSettings
from ambient.wakeword.detectors import configured_trigger
from ambient.wakeword.evaluation import EvalResult, EvalSettings, evaluate, plot_det
from ambient.wakeword.false_wakes import FALSE_WAKES_FILE, HardNegativeStore, adapted_heads_dir
from ambient.wakeword.head_manifest import HEADS_DIR, record_head
from ambient.wakeword.scoring import head_path, scorer_for
from ambient.wakeword.training import Trainer, TrainingPlan, write_card


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise AmbientError(f"{name} {value:g} is out of range; use {low:g} to {high:g}")


def train_command(args: argparse.Namespace, settings: Settings) -> int:
    data = args.data or Path(settings.runtime.data_dir)
    if not (data / "background").is_dir():
        raise MediaError(f"no background folder in {data}; pass --data with the shared media folder")
    for name in ("piper", "espeak", "copies", "epochs", "confusables", "household"):
        if getattr(args, name) < (1 if name in ("copies", "epochs", "confusables", "household") else 0):
            raise AmbientError(f"--{name} {getattr(args, name)} is too small")
    if not args.phrase.strip() or len(args.phrase) > 40:
        raise AmbientError("the phrase must be 1 to 40 characters, e.g. `ambient wakeword train computer`")
    output = args.output or PROJECT_ROOT / "models"
    plan = TrainingPlan(
        phrase=args.phrase.strip(),
        data_dir=data,
        output_dir=output,
        seed=args.seed,
        piper_positives=args.piper,
        espeak_positives=args.espeak,
        copies=args.copies,
        real_positive_limit=args.real_limit,
        negative_clip_limit=args.negative_limit,
        background_limit_s=args.background_seconds,
        real_speech_limit=args.speech_limit,
        confusable_renditions=args.confusables,
        household_renditions=args.household,
        fit=FitSettings(epochs=args.epochs),
    )
    store = ModelStore()
    report = Trainer(plan, store).run()
    evaluation = None
    test_split = data / "wakeword" / plan.slug / "test"
    if test_split.is_dir() and not args.no_eval:
        policy = settings.wakeword  # evaluate with the trigger policy the device will use
        result = evaluate(
            scorer_for(str(output / f"{plan.slug}.onnx"), store),
            test_split,
            data / "background",
            EvalSettings(
                threshold=policy.threshold,
                patience=policy.patience,
                window=policy.window,
                background_start=plan.background_train_fraction,
            ),
        )
        evaluation = {
            **result.to_json(),
            "curve": None,
            "background": "held-out part of every file (the last 40%)",
            "patience": policy.patience,
            "window": policy.window,
        }
        plot_det([result], output / "cards" / f"{plan.slug}-det.png")
    card = write_card(report, evaluation, output)
    if output.resolve() == HEADS_DIR.resolve():
        record_head(output / f"{plan.slug}.onnx")  # the device checks shipped heads by sha256
    print(f"head: {output / (plan.slug + '.onnx')}")
    print(f"card: {card}")
    if evaluation:
        print(
            f"held-out evaluation: FRR {evaluation['frr_at_0_5_fah']:.3f} at 0.5 FA/h, "
            f"{evaluation['frr_at_0_1_fah']:.3f} at 0.1 FA/h"
        )
    return 0


def evaluate_command(args: argparse.Namespace, configured: Settings) -> int:
    """Measures the device as configured: the word's threshold, patience, window and refractory
    time come from `[wakeword]` unless a flag overrides one."""
    policy = configured_trigger(configured.wakeword, args.model)
    threshold = policy.threshold if args.threshold is None else args.threshold
    patience = policy.patience if args.patience is None else args.patience
    window = policy.window if args.window is None else args.window
    refractory_s = policy.refractory_s if args.refractory_s is None else args.refractory_s
    _check_range("--snr-db", args.snr_db, -10, 60)
    _check_range("--threshold", threshold, 0, 1)
    _check_range("--background-start", args.background_start, 0, 0.95)
    _check_range("--refractory-s", refractory_s, 0, 60)
    if not 1 <= patience <= window <= 64:
        raise AmbientError(
            f"patience {patience} of window {window}: patience must be 1 to the window (at most 64); "
            "set --patience and --window"
        )
    settings = EvalSettings(
        snr_db=args.snr_db,
        threshold=threshold,
        patience=patience,
        window=window,
        refractory_s=refractory_s,
        background_start=args.background_start,
    )
    result: EvalResult = evaluate(scorer_for(args.model), args.positives, args.background, settings)
    plot = args.plot or Path(f"{Path(args.model).stem.replace(':', '_')}-det.png")
    plot_det([result], plot)
    if args.json:
        print(json.dumps({**result.to_json(), "det_png": str(plot)}))
        return 0
    print(
        f"model {result.model}: {result.positives} positives at {result.snr_db:g} dB SNR, "
        f"{result.background_hours:.3f} h background; policy {patience} of {window} chunks at "
        f"{threshold:g}, refractory {refractory_s:g} s"
    )
    print(f"FRR at 0.5 FA/h: {result.frr_at_0_5_fah:.3f} (threshold {result.threshold_at_0_5_fah})")
    print(f"FRR at 0.1 FA/h: {result.frr_at_0_1_fah:.3f} (threshold {result.threshold_at_0_1_fah})")
    print(
        f"at threshold {result.threshold:g}: {result.fa_per_hour:.2f} FA/h "
        f"({len(result.false_accepts)} false wakes), FRR {result.frr_at_threshold:.3f}"
    )
    for wake in result.false_accepts:
        print(f"  false wake: {wake['file']} at {wake['t']} s, score {wake['score']}")
    print(f"DET curve: {plot}")
    return 0


def anchors_command(args: argparse.Namespace, settings: Settings) -> int:
    """Anchors for a head that was trained before heads carried them (training writes them now)."""
    data = args.data or Path(settings.runtime.data_dir)
    head = head_path(args.phrase)
    plan = TrainingPlan(phrase=args.phrase, data_dir=data, output_dir=head.parent, seed=args.seed, copies=2)
    if not (data / "wakeword" / plan.slug / "train").is_dir():
        raise MediaError(f"no recordings in {data / 'wakeword' / plan.slug / 'train'}; pass --data")
    trainer = Trainer(plan, ModelStore())
    path = write_anchors(head, trainer.positive_windows(), np.random.default_rng(args.seed))
    if head.parent.resolve() == HEADS_DIR.resolve():
        record_head(head)
    print(f"anchors: {path}")
    return 0


def adapt_command(args: argparse.Namespace, settings: Settings) -> int:
    """Retune each head on its marked false wakes into `state_dir/wakeword_heads/` (the device
    loads it from there at its next start); `--reset` removes the retuned heads."""
    state = settings.assistant.state_path()
    target = adapted_heads_dir(state)
    names = args.model or [item.partition(":")[0] for item in settings.wakeword.models]
    if not names:
        raise AmbientError("no wake word is configured; pass --model NAME")
    if args.reset:
        for name in names:
            (target / f"{name}.onnx").unlink(missing_ok=True)
            print(f"{name}: back to the shipped head")
        return 0
    store_file = state / FALSE_WAKES_FILE
    marks = HardNegativeStore(store_file)
    for name in names:
        shipped = head_path(name)
        negatives = marks.windows(name)
        if not len(negatives):
            print(f"{name}: no false wakes marked yet; nothing to adapt")
            continue
        trigger = configured_trigger(settings.wakeword, name)
        result = adapt(load_head(shipped), read_anchors(shipped), negatives, AdaptSettings(trigger.threshold))
        target.mkdir(parents=True, exist_ok=True)
        save_adapted(result, target / f"{name}.onnx", name)
        print(
            f"{name}: {result.negatives} marked false wakes, {result.negatives_above_before} -> "
            f"{result.negatives_above_after} still at or above {trigger.threshold:g}; anchored "
            f"recall {result.anchor_recall_before:.3f} -> {result.anchor_recall_after:.3f}; "
            f"head {target / (name + '.onnx')} (used from the next start)"
        )
    return 0
