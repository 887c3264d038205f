"""The `ambient` command as a user runs it: live events, Ctrl-C, and one line for every bad input."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ambient.models import ModelStore
from tests.conftest import REPO, one_line_error, run_cli


def test_run_shows_speech_and_face_events_within_10_s(tmp_path: Path, model_store: ModelStore) -> None:
    log = tmp_path / "events.jsonl"
    status, stdout, stderr = run_cli(
        "run", "--simulate", "--duration", "10", "--event-log", str(log),
        "--set", f"speaker.path={tmp_path / 'speaker.wav'}",
    )  # fmt: skip
    assert status == 0, stderr
    assert "Traceback" not in stderr
    lines = stdout.splitlines()
    assert any("SpeechStarted" in line for line in lines)
    assert any("SpeechEnded" in line for line in lines)
    assert any("FacesDetected" in line and "faces=1" in line for line in lines)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    first_speech = next(r["t"] for r in records if r["type"] == "SpeechEnded")
    first_face = next(r["t"] for r in records if r["type"] == "FacesDetected" and r["boxes"])
    assert max(first_speech, first_face) - records[0]["t"] < 10
    assert records[-1] == {**records[-1], "type": "DeviceStopped", "reason": "ran for 10 s"}

    status, stdout, _ = run_cli("events", str(log), "--type", "SpeechEnded")
    assert status == 0 and stdout.count("SpeechEnded") == sum(r["type"] == "SpeechEnded" for r in records)


def test_ctrl_c_stops_cleanly(tmp_path: Path, model_store: ModelStore) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ambient", "run", "--simulate", "--set", f"speaker.path={tmp_path / 's.wav'}"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline()  # DeviceStarted: the device is running
    assert "DeviceStarted" in first
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    # The runtime cancels every stage with a 2 s budget and says so if one overruns; the
    # timeout here only guards against a hang.
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "did not stop within" not in stderr
    assert "DeviceStopped    reason=signal SIGINT" in stdout
    *_, last_event, said = stdout.rstrip().splitlines()
    assert last_event.split()[1] == "DeviceStopped"
    assert said.startswith("everything the device said: ")  # the WAV of the simulated speaker


def test_config_show_lists_sources(tmp_path: Path) -> None:
    config = tmp_path / "a.toml"
    config.write_text("[vad]\nthreshold = 0.6\n")
    status, stdout, _ = run_cli(
        "config", "show", "--config", str(config), "--set", "vad.hangover_ms=500",
        env={"AMBIENT_CAMERA__LOOP": "true"},
    )  # fmt: skip
    assert status == 0
    assert f"vad.threshold = 0.6  # file {config}" in stdout
    assert "vad.hangover_ms = 500.0  # flag" in stdout
    assert "camera.loop = true  # env AMBIENT_CAMERA__LOOP" in stdout


def test_doctor_lists_devices_models_and_fixes(model_store: ModelStore) -> None:
    status, stdout, stderr = run_cli("doctor")
    assert "Traceback" not in stderr
    assert "silero_vad (MIT)" in stdout
    assert "camera" in stdout
    assert "microphone" in stdout or "audio" in stdout
    if status != 0:
        assert "fix:" in stdout  # every problem comes with its fix


def test_doctor_checks_the_voice_and_the_cloud_key(tmp_path: Path, model_store: ModelStore) -> None:
    key = tmp_path / "cloud.key"
    key.write_text("sk-secret-value\n")
    key.chmod(0o644)
    env = {"AMBIENT_CLOUD__PROVIDER": "anthropic", "AMBIENT_CLOUD__KEY_FILE": str(key),
           "ANTHROPIC_API_KEY": "", "AMBIENT_CLOUD_API_KEY": ""}  # fmt: skip
    stdout = run_cli("doctor", env=env)[1]
    assert "espeak-ng at" in stdout  # installed by .ci/run and the README's apt line
    assert "anthropic: no usable API key" in stdout and "chmod 600" in stdout
    assert "sk-secret-value" not in stdout
    key.chmod(0o600)
    assert "anthropic: API key found" in run_cli("doctor", env=env)[1]


def test_models_check_and_fetch(tmp_path: Path, model_store: ModelStore) -> None:
    status, stdout, _ = run_cli("models", "check")
    assert status == 0 and "ok  silero_vad" in stdout
    status, stdout, _ = run_cli("models", "check", env={"AMBIENT_MODELS_DIR": str(tmp_path)})
    assert status == 2 and "missing; run `ambient models fetch`" in stdout


# --- bad input: one line, exit status 2, no traceback -------------------------------------------

SIM = ("run", "--simulate", "--duration", "1")


def test_missing_wav(tmp_path: Path, model_store: ModelStore) -> None:
    result = run_cli(*SIM, "--set", f"microphone.files={tmp_path / 'none.wav'}")
    one_line_error(result, "none.wav not found")


def test_corrupt_wav(tmp_path: Path, model_store: ModelStore) -> None:
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF" + os.urandom(200))
    result = run_cli(*SIM, "--set", f"microphone.files={corrupt}")
    one_line_error(result, "corrupt.wav cannot be decoded")


def test_missing_video(tmp_path: Path, model_store: ModelStore) -> None:
    result = run_cli(*SIM, "--set", f"camera.file={tmp_path / 'none.mp4'}")
    one_line_error(result, "none.mp4 not found")


def test_corrupt_video(tmp_path: Path, model_store: ModelStore) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(os.urandom(4000))
    result = run_cli(*SIM, "--set", f"camera.file={corrupt}")
    one_line_error(result, "corrupt.mp4 cannot be decoded")


def test_missing_model(tmp_path: Path) -> None:
    result = run_cli(*SIM, env={"AMBIENT_MODELS_DIR": str(tmp_path)})
    one_line_error(result, "silero_vad.onnx is missing", "ambient models fetch")


def test_corrupt_model(tmp_path: Path, model_store: ModelStore) -> None:
    target = tmp_path / "silero_vad" / "silero_vad.onnx"
    target.parent.mkdir()
    shutil.copy(model_store.path("silero_vad"), target)
    target.write_bytes(target.read_bytes()[:5000])
    result = run_cli(*SIM, env={"AMBIENT_MODELS_DIR": str(tmp_path)})
    one_line_error(result, "corrupt", "ambient models fetch")


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[vad]\nthreshhold = 0.4\n", "unknown key 'vad.threshhold'"),
        ('[vad]\nhangover_ms = "long"\n', "vad.hangover_ms = 'long' must be a number"),
    ],
    ids=["unknown-key", "wrong-type"],
)
def test_bad_config_file(tmp_path: Path, toml: str, expected: str) -> None:
    config = tmp_path / "ambient.toml"
    config.write_text(toml)
    result = run_cli(*SIM, "--config", str(config))
    one_line_error(result, str(config), expected)


def test_bad_environment_and_flags(tmp_path: Path) -> None:
    one_line_error(run_cli(*SIM, env={"AMBIENT_VAD__THRESHOLD": "x"}), "AMBIENT_VAD__THRESHOLD")
    one_line_error(run_cli(*SIM, env={"AMBIENT_VAD__HANGOVER_MS": "nan"}), "hangover_ms = nan", "finite")
    one_line_error(run_cli(*SIM, "--set", "vad.threshold=nan"), "vad.threshold = nan", "finite")
    one_line_error(run_cli("run", "--duration", "-3"), "--duration -3")
    one_line_error(run_cli("run", "--duration", "soon"), "invalid float value")
    one_line_error(run_cli("fly"), "invalid choice")
    one_line_error(run_cli("events", str(tmp_path / "none.jsonl")), "not found")
    array = tmp_path / "array.jsonl"
    array.write_text('["SpeechStarted", 0]\n')
    one_line_error(run_cli("events", str(array)), "line 1 is not an ambient event")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00binary")
    one_line_error(run_cli("events", str(binary)), "is not UTF-8 text")


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("share_names = ", "is not valid TOML"),
        ("share_faces = true", "unknown key 'share_faces'"),
        (None, "not found"),
    ],
)
def test_bad_privacy_policy_stops_the_start(tmp_path: Path, policy: str | None, expected: str) -> None:
    """The policy guards what leaves the device: a broken one is an error, never a silent default."""
    path = tmp_path / "policy.toml"
    if policy is not None:
        path.write_text(policy)
    one_line_error(
        run_cli("run", "--simulate", "--duration", "1", "--set", f"cloud.policy={path}",
                "--set", f"assistant.state_dir={tmp_path}", "--set", f"speaker.path={tmp_path / 's.wav'}"),
        "privacy policy", expected,
    )  # fmt: skip


def test_the_demo_shows_the_whole_loop_without_a_key(tmp_path: Path, model_store: ModelStore) -> None:
    """`make run` (`ambient run --demo`) on a machine with no devices and no API key: faces enrolled
    from video/enroll/ on first run, a local command answered, a timer that rings after the media
    have ended, a face named, and the path of everything the device said. (Two of the demo's four
    commands, to keep the test short; the programme itself is built the same way.)"""
    state = tmp_path / "state"
    demo = state / "demo"
    wake = "wakeword/computer/test/spk008_0e95d341.flac"
    files = f"{wake},{demo / 'what_time_is_it.wav'},{wake},{demo / 'set_a_timer_for_five_seconds.wav'}"
    status, stdout, stderr = run_cli(
        "run", "--simulate", "--demo", "--duration", "24",
        "--set", f"assistant.state_dir={state}", "--set", f"speaker.path={tmp_path / 'said.wav'}",
        "--set", "cloud.provider=none", "--set", f"microphone.files={files}",
        env={"ANTHROPIC_API_KEY": ""}, timeout=180,
    )  # fmt: skip
    assert status == 0, stderr
    assert "demo: enrolled 8 people from" in stdout and str(demo / "gallery.sqlite") in stdout
    assert 'demo: synthesised the command "what time is it"' in stdout
    assert "IntentRecognized" in stdout and "skill=clock" in stdout and "route=local" in stdout
    assert "TimerRang" in stdout and "label=5 second" in stdout
    assert "person=Lin Manuel Miranda known=True" in stdout
    assert "reason=ran for 24 s" in stdout  # it outlasted the media, so the timer could ring
    assert f"everything the device said: {tmp_path / 'said.wav'}" in stdout
    assert (tmp_path / "said.wav").stat().st_size > 16_000
    # a second run finds its clips and its people: nothing is synthesised or enrolled again
    again = run_cli("run", "--simulate", "--demo", "--duration", "1", "--set", f"assistant.state_dir={state}",
                    "--set", f"speaker.path={tmp_path / 's2.wav'}")  # fmt: skip
    assert again[0] == 0 and "demo: enrolled" not in again[1] and "synthesised" not in again[1]
