"""`ambient wakeword train` end to end on a tiny configuration, `ambient wakeword eval`, and their
one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnxruntime as ort
import soundfile

from ambient.models import ModelStore
from tests.conftest import one_line_error, run_cli

# fmt: off
TINY = [
    "--piper", "1", "--espeak", "1", "--copies", "1", "--epochs", "2", "--real-limit", "6",
    "--negative-limit", "4", "--background-seconds", "30", "--speech-limit", "2", "--confusables", "1",
    "--household", "1", "--no-eval",
]
# fmt: on


def test_training_runs_end_to_end_and_repeats_exactly(tmp_path: Path, model_store: ModelStore) -> None:
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        status, _stdout, stderr = run_cli(
            "wakeword", "train", "computer", *TINY, "--output", str(out), timeout=600
        )
        assert status == 0, stderr
        assert "Traceback" not in stderr
        outputs.append(out)
    head = outputs[0] / "computer.onnx"
    session = ort.InferenceSession(str(head), providers=["CPUExecutionProvider"])
    (score,) = session.run(None, {"embeddings": np.zeros((1, 16, 96), np.float32)})
    assert score.shape == (1, 1) and 0.0 <= float(score[0, 0]) <= 1.0
    card = (outputs[0] / "cards" / "computer.md").read_text()
    assert "real:computer/train: 6" in card and "synthetic:piper: 1" in card and "Licence" in card
    report = json.loads((outputs[0] / "computer.json").read_text())["training"]
    assert report["positive_windows"] > 0 and report["negative_windows"] > report["positive_windows"]
    # deterministic given the seed: the same data, the same weights, byte for byte
    assert head.read_bytes() == (outputs[1] / "computer.onnx").read_bytes()


def test_eval_reports_the_json_keys_and_a_det_plot(
    tmp_path: Path, data_dir: Path, model_store: ModelStore
) -> None:
    positives = tmp_path / "positives"
    positives.mkdir()
    for clip in sorted((data_dir / "wakeword" / "computer" / "test").glob("*.flac"))[:8]:
        shutil.copy(clip, positives / clip.name)
    background = tmp_path / "background"
    background.mkdir()
    noise, rate = soundfile.read(str(data_dir / "background" / "household_noise_speechcommands.flac"))
    soundfile.write(str(background / "noise.flac"), noise[: rate * 60], rate)
    plot = tmp_path / "det.png"
    status, stdout, stderr = run_cli(
        "wakeword",
        "eval",
        "--model",
        "computer",
        "--positives",
        str(positives),
        "--background",
        str(background),
        "--snr-db",
        "10",
        "--json",
        "--plot",
        str(plot),
    )
    assert status == 0, stderr
    result = json.loads(stdout)
    for key in (
        "frr_at_0_5_fah",
        "frr_at_0_1_fah",
        "fa_per_hour",
        "threshold",
        "positives",
        "background_hours",
    ):
        assert key in result
    assert result["positives"] == 8
    assert abs(result["background_hours"] - (60 - 2) / 3600) < 0.002  # the 2 s warm-up is not counted
    assert 0.0 <= result["frr_at_0_5_fah"] <= 1.0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def eval_cli(model: str, positives: str, background: str, *extra: str) -> tuple[int, str, str]:
    return run_cli(
        "wakeword", "eval", "--model", model, "--positives", positives, "--background", background, *extra
    )


def test_bad_input_is_one_line(tmp_path: Path, data_dir: Path, model_store: ModelStore) -> None:
    background = str(data_dir / "background")
    positives = str(data_dir / "wakeword" / "computer" / "test")
    one_line_error(
        eval_cli("computer", str(tmp_path / "nope"), background), "recording folder", "nope not found"
    )
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"not a model")
    one_line_error(eval_cli(str(corrupt), positives, background), "corrupt.onnx cannot be loaded")
    one_line_error(eval_cli("silero", positives, background), "no wake-word head named 'silero'")
    one_line_error(eval_cli("micro:computer", positives, background), "microWakeWord has no model 'computer'")
    one_line_error(
        eval_cli("computer", positives, background, "--snr-db", "99"), "--snr-db 99 is out of range"
    )
    one_line_error(run_cli("wakeword", "train", "computer", "--data", str(tmp_path)), "no background folder")
