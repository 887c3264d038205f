"""Training-time augmentation: real noise at a random SNR, reverberation, gain and time shift."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ambient.audio_format import SAMPLE_RATE


@dataclass(frozen=True)
class AugmentSettings:
    snr_db: tuple[float, float] = (0.0, 20.0)
    gain_db: tuple[float, float] = (-12.0, 6.0)
    reverb_probability: float = 0.5
    rt60_s: tuple[float, float] = (0.15, 0.7)
    lead_s: tuple[float, float] = (2.0, 2.8)
    """Noise before the clip. The features need 2 s of audio before a head's window is all real,
    and the random part lands the word at a different place in the window every time."""
    tail_s: float = 0.6
    speed_factors: tuple[tuple[int, int], ...] = ((9, 10), (19, 20), (1, 1), (21, 20), (11, 10))
    """Speed perturbation (up, down): tempo and pitch change together, as with another speaker."""


def room_impulse(rng: np.random.Generator, rt60_s: float) -> npt.NDArray[np.float32]:
    """A synthetic room: a direct path then exponentially decaying noise (60 dB down at rt60)."""
    length = int(rt60_s * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / rt60_s)
    tail[0] = 0.0
    impulse = np.concatenate([[1.0], tail * 0.3])
    normalised: npt.NDArray[np.float32] = (impulse / np.sqrt(np.sum(impulse**2))).astype(np.float32)
    return normalised


class Augmenter:
    """Deterministic given its generator: the same seed gives the same training set."""

    def __init__(
        self, noise: npt.NDArray[np.float32], rng: np.random.Generator, settings: AugmentSettings
    ) -> None:
        if noise.size < SAMPLE_RATE * 10:
            raise ValueError("the noise pool needs at least 10 s of audio")
        self._noise = noise
        self._rng = rng
        self.settings = settings

    def noise(self, samples: int) -> npt.NDArray[np.float32]:
        """A random stretch of the pool; a stream longer than the pool gets it repeated."""
        if samples >= self._noise.size:
            return np.resize(np.roll(self._noise, -int(self._rng.integers(0, self._noise.size))), samples)
        start = int(self._rng.integers(0, self._noise.size - samples))
        return self._noise[start : start + samples].copy()

    def __call__(
        self, clip: npt.NDArray[np.float32], lead: int
    ) -> tuple[npt.NDArray[np.float32], int, float]:
        """(augmented stream, sample offset where the clip begins in it, how much longer the clip
        became), with `lead` samples of noise first."""
        s, rng = self.settings, self._rng
        speech = clip
        up, down = s.speed_factors[int(rng.integers(0, len(s.speed_factors)))]
        if up != down:
            from scipy.signal import resample_poly

            # resampling by down/up and playing at the old rate speeds the clip up by up/down
            speech = resample_poly(speech, down, up).astype(np.float32)
        if rng.random() < s.reverb_probability:
            from scipy.signal import fftconvolve

            speech = fftconvolve(speech, room_impulse(rng, float(rng.uniform(*s.rt60_s))))[: speech.size]
        speech = speech * float(10 ** (rng.uniform(*s.gain_db) / 20))
        total = lead + speech.size + int(s.tail_s * SAMPLE_RATE)
        stream = np.zeros(total, dtype=np.float32)
        stream[lead : lead + speech.size] = speech
        noise = self.noise(total)
        speech_power = float(np.mean(speech**2)) + 1e-10
        noise_power = float(np.mean(noise**2)) + 1e-10
        snr = float(rng.uniform(*s.snr_db))
        stream += noise * np.sqrt(speech_power / (noise_power * 10 ** (snr / 10)))
        return np.clip(stream, -1.0, 1.0).astype(np.float32), lead, down / up
