"""What `ambient wakeword train` and `ambient wakeword eval` do with their arguments."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ambient.config import PROJECT_ROOT, Settings
from ambient.errors import AmbientError, MediaError
from ambient.models import ModelStore
from ambient.wakeword.classifier import FitSettings
from ambient.wakeword.evaluation import EvalResult, EvalSettings, evaluate, plot_det
from ambient.wakeword.scoring import scorer_for
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
    print(f"head: {output / (plan.slug + '.onnx')}")
    print(f"card: {card}")
    if evaluation:
        print(
            f"held-out evaluation: FRR {evaluation['frr_at_0_5_fah']:.3f} at 0.5 FA/h, "
            f"{evaluation['frr_at_0_1_fah']:.3f} at 0.1 FA/h"
        )
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    _check_range("--snr-db", args.snr_db, -10, 60)
    _check_range("--threshold", args.threshold, 0, 1)
    _check_range("--background-start", args.background_start, 0, 0.95)
    if not 1 <= args.patience <= args.window <= 64:
        raise AmbientError("--patience must be between 1 and --window (at most 64)")
    settings = EvalSettings(
        snr_db=args.snr_db,
        threshold=args.threshold,
        patience=args.patience,
        window=args.window,
        background_start=args.background_start,
    )
    result: EvalResult = evaluate(scorer_for(args.model), args.positives, args.background, settings)
    plot = args.plot or Path(f"{Path(args.model).stem.replace(':', '_')}-det.png")
    plot_det([result], plot)
    if args.json:
        print(json.dumps({**result.to_json(), "det_png": str(plot)}))
    else:
        print(
            f"model {result.model}: {result.positives} positives at {result.snr_db:g} dB SNR, "
            f"{result.background_hours:.3f} h background"
        )
        print(f"FRR at 0.5 FA/h: {result.frr_at_0_5_fah:.3f} (threshold {result.threshold_at_0_5_fah})")
        print(f"FRR at 0.1 FA/h: {result.frr_at_0_1_fah:.3f} (threshold {result.threshold_at_0_1_fah})")
        print(
            f"at threshold {result.threshold}: {result.fa_per_hour:.2f} FA/h, "
            f"FRR {result.frr_at_threshold:.3f}"
        )
        print(f"DET curve: {plot}")
    return 0
