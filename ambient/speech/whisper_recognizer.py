"""Open transcription: Whisper tiny.en (CTranslate2 int8, via faster-whisper) on a short window.

Whisper is trained on 30 s windows and pads every call to 30 s, so a 2 s command pays for 30 s of
encoder. Encoding a shorter window is the honest speed-up (same model, same audio, same greedy
decoding); below about 10 s the decoder starts repeating itself, and speech filling most of its
window is transcribed worse, so the window has a floor and a margin of silence after the speech
(`benchmarks/stt.py` measures both the cost and the word error rate of each window).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ambient.audio_format import SAMPLE_RATE
from ambient.config import SttSettings
from ambient.errors import DependencyError
from ambient.models import ModelStore
from ambient.speech.recognition import Transcript

WHISPER_FILES = {
    "whisper_tiny_en_model": "model.bin",
    "whisper_tiny_en_config": "config.json",
    "whisper_tiny_en_tokenizer": "tokenizer.json",
    "whisper_tiny_en_vocabulary": "vocabulary.txt",
}
_FRAMES_PER_SECOND = 100  # Whisper's log-mel hop is 10 ms
_HOP, _N_FFT = 160, 400
_START_OF_TRANSCRIPT, _NO_TIMESTAMPS, _END_OF_TEXT = 50257, 50362, 50256


def configured_whisper(stt: SttSettings, store: ModelStore) -> WhisperRecognizer:
    """Whisper as the `[stt]` settings describe it."""
    return WhisperRecognizer(
        whisper_model_dir(store),
        window_s=stt.whisper_window_s,
        threads=stt.threads,
        min_confidence=stt.whisper_min_confidence,
        margin_s=stt.whisper_margin_s,
    )


def whisper_model_dir(store: ModelStore) -> Path:
    """One folder of links to the four verified cached files, as CTranslate2 wants them."""
    folder = store.cache_dir / "whisper_tiny_en"
    folder.mkdir(parents=True, exist_ok=True)
    for name, filename in WHISPER_FILES.items():
        source = store.path(name)
        link = folder / filename
        if link.is_symlink() or link.exists():
            if link.resolve() == source.resolve():
                continue
            link.unlink()
        link.symlink_to(source)
    return folder


class WhisperRecognizer:
    name = "whisper"

    def __init__(
        self,
        model_dir: Path,
        window_s: float = 10.0,
        threads: int = 2,
        min_confidence: float = 0.0,
        margin_s: float = 5.0,
    ) -> None:
        try:
            import ctranslate2
            from faster_whisper import WhisperModel
            from faster_whisper.feature_extractor import FeatureExtractor
        except ImportError:
            raise DependencyError("open transcription needs faster-whisper: pip install -e .") from None
        self._ct2 = ctranslate2
        self._model: Any = WhisperModel(
            str(model_dir), device="cpu", compute_type="int8", cpu_threads=threads
        )
        self._features = FeatureExtractor(feature_size=80)
        self.window_s = window_s
        self.margin_s = margin_s
        self.min_confidence = min_confidence

    def window_frames(self, samples: int) -> int:
        """The encoder window: the floor, or the utterance plus the margin when that is longer.

        On the shared clips, a 10 s floor with a 5 s margin transcribes as well as a 15 s window
        (WER 0.275 against 0.272) and takes 101 ms instead of 139 ms on clips under 4 s; a 3 s
        margin costs 5 WER points (speech filling its window is transcribed worse)."""
        seconds = max(self.window_s, math.ceil(samples / SAMPLE_RATE) + self.margin_s)
        return int(min(30.0, seconds) * _FRAMES_PER_SECOND)

    def transcribe(self, samples: npt.NDArray[np.int16], min_confidence: float | None = None) -> Transcript:
        """Text heard in `samples`; under `min_confidence` (default: the recogniser's own) the
        transcript is taken as nothing heard."""
        started = time.perf_counter()
        floor = self.min_confidence if min_confidence is None else min_confidence
        audio = samples.astype(np.float32) / 32768.0
        if audio.size > 30 * SAMPLE_RATE:
            text, confidence = self._long(audio)
        else:
            text, confidence = self._window(audio)
        if confidence < floor:
            # Whisper says "you" or "I'm" to silence, coughs and music, with a low mean token
            # probability; real speech scores far higher (benchmarks/stt.py counts both).
            text = ""
        return Transcript(text, self.name, confidence, time.perf_counter() - started)

    def _window(self, audio: npt.NDArray[np.float32]) -> tuple[str, float]:
        frames = self.window_frames(audio.size)
        # Log-mel features for the window only (padding to 30 s would cost four times as much):
        # the silence after the speech does not move Whisper's normalisation, which is set by the
        # loudest frame.
        padding = frames * _HOP + _N_FFT - audio.size
        features = self._features(audio, padding=max(0, padding))[:, :frames]
        encoded = self._model.model.encode(
            self._ct2.StorageView.from_array(np.ascontiguousarray(features[None], dtype=np.float32)),
            to_cpu=False,
        )
        # A bound on the length stops a runaway decode: no one says more than 6 tokens a second.
        limit = int(24 + audio.size / SAMPLE_RATE * 6)
        result = self._model.model.generate(
            encoded,
            [[_START_OF_TRANSCRIPT, _NO_TIMESTAMPS]],
            beam_size=1,
            max_length=limit,
            return_scores=True,
            suppress_blank=True,
        )[0]
        ids = [i for i in result.sequences_ids[0] if i < _END_OF_TEXT]
        text = self._model.hf_tokenizer.decode(ids).strip()
        tokens = max(1, len(result.sequences_ids[0]))
        confidence = float(math.exp(result.scores[0] / tokens)) if result.scores else 0.0
        return text, confidence

    def _long(self, audio: npt.NDArray[np.float32]) -> tuple[str, float]:
        segments, _ = self._model.transcribe(
            audio,
            language="en",
            beam_size=1,
            temperature=0.0,
            without_timestamps=True,
            condition_on_previous_text=False,
        )
        return " ".join(s.text.strip() for s in segments), 1.0
