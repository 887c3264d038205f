"""Recorded audio in: any file libsndfile reads, as the device's 16 kHz mono float32."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.audio.resample import to_device_rate
from ambient.errors import MediaError


def decode_audio(path: Path) -> npt.NDArray[np.float32]:
    """Any file libsndfile reads (WAV, FLAC, OGG, ...) as 16 kHz mono float32."""
    import soundfile

    if not path.is_file():
        raise MediaError(f"audio file {path} not found; check the path (microphone.files)")
    try:
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=False)
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as exc:
        raise MediaError(f"audio file {path} cannot be decoded ({exc}); use WAV or FLAC audio") from None
    if samples.size == 0:
        raise MediaError(f"audio file {path} holds no samples; record it again")
    return to_device_rate(samples, int(rate), str(path))
