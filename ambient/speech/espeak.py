"""The espeak-ng program: IPA phonemes for the Piper voice, and a plain voice of its own.

espeak-ng is GPL-3.0, so it is only ever run as a separate program, never linked or imported.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.audio.resample import to_device_rate, to_int16
from ambient.errors import DependencyError, MediaError


def _binary() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise DependencyError("speech synthesis needs the espeak-ng program: apt-get install espeak-ng")
    return path


def _run(arguments: list[str], text: str) -> bytes:
    # Text goes on stdin, not the command line: it may be anything a user or the cloud said.
    result = subprocess.run(
        [_binary(), *arguments], input=text.encode("utf-8"), capture_output=True, check=False, timeout=60
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
        raise MediaError(f"espeak-ng failed: {message.splitlines()[0]}")
    return result.stdout


def phonemize(text: str, voice: str = "en-us") -> list[str]:
    """IPA phonemes per clause, as Piper voices were trained on (stress marks included)."""
    output = _run(["-q", "--ipa", "-v", voice], text).decode("utf-8")
    return [line.strip() for line in output.splitlines() if line.strip()]


def synthesize(
    text: str, voice: str = "en-us", rate_wpm: int = 165, pitch: int = 50
) -> npt.NDArray[np.int16]:
    """Speech from espeak-ng's own formant voice, at 16 kHz (the fallback voice, and training variety).

    `voice` takes espeak-ng's variants too, e.g. "en-us+f3" or "en-gb+m2".
    """
    import soundfile

    # A file, not --stdout: the streamed WAV header carries no real length and libsndfile refuses it.
    with tempfile.TemporaryDirectory(prefix="ambient-espeak-") as folder:
        path = Path(folder) / "speech.wav"
        _run(["-w", str(path), "-v", voice, "-s", str(rate_wpm), "-p", str(pitch)], text)
        samples, rate = soundfile.read(str(path), dtype="float32")
    return to_int16(to_device_rate(samples, int(rate), "espeak-ng"))
