"""Bring any decoded audio to the device format: 16 kHz mono float32."""

from __future__ import annotations

import logging
import math

import numpy as np
import numpy.typing as npt

from ambient.audio_format import SAMPLE_RATE

log = logging.getLogger(__name__)


def to_device_rate(samples: npt.NDArray[np.floating], rate: int, source: str) -> npt.NDArray[np.float32]:
    """Downmix (frames x channels) to mono and resample to 16 kHz with a polyphase filter.

    Runs once per file, never per chunk, so scipy's anti-aliased `resample_poly` is affordable.
    """
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    if samples.ndim == 2 and samples.shape[1] > 1:
        log.info("%s: downmixing %d channels to mono", source, samples.shape[1])
    if rate == SAMPLE_RATE:
        return np.ascontiguousarray(mono, dtype=np.float32)
    from scipy.signal import resample_poly

    log.info("%s: resampling %d Hz to %d Hz", source, rate, SAMPLE_RATE)
    divisor = math.gcd(rate, SAMPLE_RATE)
    resampled = resample_poly(mono, SAMPLE_RATE // divisor, rate // divisor)
    return np.ascontiguousarray(resampled, dtype=np.float32)


def to_int16(samples: npt.NDArray[np.floating]) -> npt.NDArray[np.int16]:
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype(np.int16)
