"""`ambient wakeword train` end to end on a tiny configuration, `ambient wakeword eval`, and their
one-line errors."""

from __future__ import annotations

import itertools
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
    # without flags it measures the device as configured: 3 of 3 chunks at 0.95, 2 s refractory
    assert (result["threshold"], result["patience"], result["window"]) == (0.95, 3, 3)
    assert result["refractory_s"] == 2.0
    assert isinstance(result["false_accepts"], list)


def test_eval_lists_every_false_wake(tmp_path: Path, data_dir: Path, model_store: ModelStore) -> None:
    """A deliberately loose policy on real read speech: every false wake is named by file, time
    and score, in the text output and in JSON, and their count is the FA/h figure."""
    positives = tmp_path / "positives"
    positives.mkdir()
    for clip in sorted((data_dir / "wakeword" / "computer" / "test").glob("*.flac"))[:3]:
        shutil.copy(clip, positives / clip.name)
    background = tmp_path / "background"
    background.mkdir()
    speech, rate = soundfile.read(str(data_dir / "background" / "speech_librispeech_tc100_part1.flac"))
    soundfile.write(str(background / "speech.flac"), speech[: rate * 90], rate)
    loose = (
        "--set",
        "wakeword.threshold=0.02",
        "--patience",
        "1",
        "--window",
        "1",
        "--plot",
        str(tmp_path / "d.png"),
    )
    status, stdout, stderr = eval_cli("computer", str(positives), str(background), *loose, "--json")
    assert status == 0, stderr
    result = json.loads(stdout)
    assert result["threshold"] == 0.02 and (result["patience"], result["window"]) == (1, 1)
    wakes = result["false_accepts"]
    assert wakes, "a threshold of 0.02 on 90 s of speech should wake at least once"
    assert abs(len(wakes) / result["background_hours"] - result["fa_per_hour"]) < 1e-6
    times = [wake["t"] for wake in wakes]
    assert times == sorted(times) and all(2.0 < t <= 90.0 for t in times)
    assert all(wake["file"] == "speech.flac" and wake["score"] >= 0.02 for wake in wakes)
    # consecutive wakes are at least the refractory time apart
    assert all(later - earlier >= 2.0 for earlier, later in itertools.pairwise(times))
    status, text, stderr = eval_cli("computer", str(positives), str(background), *loose)
    assert status == 0, stderr
    assert text.count("false wake: speech.flac at ") == len(wakes)
    assert "policy 1 of 1 chunks at 0.02, refractory 2 s" in text


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
    one_line_error(
        eval_cli("computer", positives, background, "--patience", "4"),
        "patience 4 of window 3: patience must be 1 to the window",
    )
    one_line_error(
        eval_cli("computer", positives, background, "--set", "wakeword.threshold=2"), "wakeword.threshold"
    )
    one_line_error(run_cli("wakeword", "train", "computer", "--data", str(tmp_path)), "no background folder")
    one_line_error(run_cli("wakeword", "anchors", "nosuch"), "no wake-word head named 'nosuch'")
    one_line_error(run_cli("wakeword", "anchors", "computer", "--data", str(tmp_path)), "no recordings in")


def test_adapt_retunes_heads_from_the_marked_false_wakes(
    tmp_path: Path, data_dir: Path, model_store: ModelStore
) -> None:
    """The command a household runs after marking false wakes: nothing to do without marks; with
    marks (real windows the alexa head fired on) a retuned head in the state folder; --reset."""
    from ambient.audio.decoding import decode_audio
    from ambient.wakeword.evaluation import to_int16
    from ambient.wakeword.false_wakes import FALSE_WAKES_FILE, HardNegativeStore
    from ambient.wakeword.features import FeatureModels
    from ambient.wakeword.training import windows_of

    state = tmp_path / "state"
    where = ("--set", f"assistant.state_dir={state}", "--model", "alexa")
    status, stdout, stderr = run_cli("wakeword", "adapt", *where)
    assert status == 0, stderr
    assert "alexa: no false wakes marked yet" in stdout
    speech = to_int16(decode_audio(data_dir / "background" / "speech_librispeech_tc100_part1.flac"))
    models = FeatureModels(
        model_store.path("wakeword_melspectrogram"), model_store.path("wakeword_embedding")
    )
    windows = windows_of(models.clip_embeddings(speech[: 199 * 16_000]))  # a real false wake at 198.6 s
    HardNegativeStore(state / FALSE_WAKES_FILE).add("alexa", windows[-3:], 0.98, "voice")
    status, stdout, stderr = run_cli("wakeword", "adapt", *where)
    assert status == 0, stderr
    assert "alexa: 3 marked false wakes" in stdout and "used from the next start" in stdout
    adapted = state / "wakeword_heads" / "alexa.onnx"
    session = ort.InferenceSession(str(adapted), providers=["CPUExecutionProvider"])
    (score,) = session.run(None, {"embeddings": windows[-1:].astype(np.float32)})
    assert float(score[0, 0]) < 0.95  # the marked moment no longer wakes the device
    status, stdout, _ = run_cli("wakeword", "adapt", *where, "--reset")
    assert status == 0 and not adapted.exists() and "back to the shipped head" in stdout
    one_line_error(run_cli("wakeword", "adapt", *where[:2], "--model", "nosuch"), "no wake-word head named")
