"""Configuration: precedence, sources, and a one-line ConfigError for every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from ambient.config import describe, load_settings
from ambient.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ambient.toml"
    path.write_text(text)
    return path


def test_defaults_then_file_then_environment_then_flags(tmp_path: Path) -> None:
    config = write(tmp_path, "[vad]\nthreshold = 0.6\nhangover_ms = 400\n[camera]\nloop = true\n")
    loaded = load_settings(
        config,
        environ={"AMBIENT_VAD__HANGOVER_MS": "700", "AMBIENT_VAD__MIN_SPEECH_MS": "300"},
        overrides=["vad.min_speech_ms=200"],
    )
    vad = loaded.settings.vad
    assert vad.threshold == 0.6
    assert vad.hangover_ms == 700.0
    assert vad.min_speech_ms == 200.0
    assert loaded.settings.camera.loop is True
    assert loaded.sources["vad.threshold"] == f"file {config}"
    assert loaded.sources["vad.hangover_ms"] == "env AMBIENT_VAD__HANGOVER_MS"
    assert loaded.sources["vad.min_speech_ms"] == "flag"
    assert loaded.sources["vad.release_threshold"] == "default"


def test_config_file_from_environment(tmp_path: Path) -> None:
    config = write(tmp_path, '[speaker]\npath = "out.wav"\n')
    loaded = load_settings(environ={"AMBIENT_CONFIG": str(config)})
    assert loaded.settings.speaker.path == "out.wav"


def test_lists_from_toml_and_from_text(tmp_path: Path) -> None:
    config = write(tmp_path, '[microphone]\nfiles = ["a.flac", "b.flac"]\n')
    assert load_settings(config, environ={}).settings.microphone.files == ("a.flac", "b.flac")
    env = {"AMBIENT_MICROPHONE__FILES": "x.wav, y.wav"}
    assert load_settings(environ=env).settings.microphone.files == ("x.wav", "y.wav")


def test_describe_names_every_key_with_its_source(tmp_path: Path) -> None:
    loaded = load_settings(environ={"AMBIENT_CAMERA__BACKEND": "none"})
    lines = describe(loaded)
    assert 'camera.backend = "none"  # env AMBIENT_CAMERA__BACKEND' in lines
    assert "vad.threshold = 0.5  # default" in lines
    assert len(lines) == len(loaded.sources)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[vad]\nthreshhold = 0.5\n", "unknown key 'vad.threshhold'"),
        ("[voice]\nx = 1\n", "unknown key 'voice.x'"),
        ('[vad]\nthreshold = "high"\n', "vad.threshold = 'high' must be a number"),
        ("[vad]\nthreshold = 1.5\n", "vad.threshold = 1.5 is out of range"),
        ("[camera]\nloop = 1\n", "camera.loop = 1 must be true or false"),
        ('[camera]\nbackend = "webcam"\n', "camera.backend = 'webcam' is not one of"),
        ("[runtime]\nmax_restarts = 2.5\n", "runtime.max_restarts = 2.5 must be a whole number"),
        ("threshold = 0.5\n", "unknown key 'threshold'"),
        ("[vad\n", "not valid TOML"),
        ("[vad]\nthreshold = nan\n", "vad.threshold = nan is not a finite number"),
        ("[turn]\nmax_utterance_s = inf\n", "turn.max_utterance_s = inf is not a finite number"),
    ],
)
def test_bad_file_values_name_file_key_and_value(tmp_path: Path, text: str, expected: str) -> None:
    config = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={})
    message = str(caught.value)
    assert str(config) in message
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"AMBIENT_VAD__THRESHOLD": "loud"}, "environment AMBIENT_VAD__THRESHOLD: vad.threshold = 'loud'"),
        ({"AMBIENT_CAMERA__LOOP": "maybe"}, "is not a boolean"),
        ({"AMBIENT_NOPE__KEY": "1"}, "unknown key 'nope.key'"),
        ({"AMBIENT_VAD__HANGOVER_MS": "nan"}, "vad.hangover_ms = nan is not a finite number"),
        ({"AMBIENT_VAD__THRESHOLD": "-inf"}, "vad.threshold = -inf is not a finite number"),
    ],
)
def test_bad_environment_values(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError, match=expected.replace("(", r"\(")):
        load_settings(environ=environ)


def test_bad_flags() -> None:
    with pytest.raises(ConfigError, match=r"section\.key=value"):
        load_settings(environ={}, overrides=["vad.threshold"])
    with pytest.raises(ConfigError, match="out of range"):
        load_settings(environ={}, overrides=["vad.threshold=-1"])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_lists_as_config_show_prints_them_are_accepted_back() -> None:
    from ambient.config import describe

    loaded = load_settings(environ={}, overrides=['wakeword.models=["computer", "alexa:0.9"]'])
    assert loaded.settings.wakeword.models == ("computer", "alexa:0.9")
    printed = next(line for line in describe(loaded) if line.startswith("wakeword.models = "))
    value = printed.split(" = ", 1)[1].split("  #")[0]
    assert load_settings(environ={}, overrides=[f"wakeword.models={value}"]).settings.wakeword.models == (
        "computer", "alexa:0.9",
    )  # fmt: skip
    with pytest.raises(ConfigError, match="is not a list"):
        load_settings(environ={}, overrides=['wakeword.models=["computer"'])
