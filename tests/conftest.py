"""Shared fixtures: the real media, the real models, a settings object for the simulated device."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ambient.config import Settings, load_settings
from ambient.models import ModelStore
from ambient.testing.media import shared_data

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    # Fails (never skips) with a message saying where the media should be.
    return shared_data()


@pytest.fixture(scope="session")
def model_store() -> ModelStore:
    """The real model cache; fetched from the registry on first use, verified by sha256."""
    store = ModelStore()
    if any(status.problem for status in store.check()):
        store.fetch()
    return store


@pytest.fixture(scope="session")
def vad_model(model_store: ModelStore) -> Path:
    return model_store.path("silero_vad")


def simulated_settings(data_dir: Path, tmp_path: Path, *overrides: str) -> Settings:
    """Settings for a simulated device that runs as fast as the pipeline allows."""
    return load_settings(
        environ={},
        overrides=[
            f"runtime.data_dir={data_dir}",
            "microphone.backend=file",
            "camera.backend=file",
            "speaker.backend=file",
            f"speaker.path={tmp_path / 'speaker.wav'}",
            f"assistant.state_dir={tmp_path / 'state'}",
            "cloud.provider=none",
            *overrides,
        ],
    ).settings


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> tuple[int, str, str]:
    """Run `python -m ambient` as a user would; returns (exit status, stdout, stderr)."""
    import os
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "ambient", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return result.returncode, result.stdout, result.stderr


def one_line_error(result: tuple[int, str, str], *expected: str) -> None:
    """A user error as the CLI must report it: exit status 2, one line, no traceback."""
    status, stdout, stderr = result
    assert status == 2, f"exit status {status}, stderr: {stderr}"
    assert "Traceback" not in stderr + stdout
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ambient: error: "), stderr
    for text in expected:
        assert text in lines[0], lines[0]
