"""Audio cores: decoding recorded media, resampling, the ring buffer, Silero VAD, the end-of-turn
segmenter and the utterance recorder (the format itself is ambient.audio_format)."""

from ambient.audio.ring import AudioRing
from ambient.audio.segmenter import EndOfTurnSegmenter, SegmenterSettings
from ambient.audio.speech_activity import SpeechActivity, SpeechBoundary
from ambient.audio.vad import SileroVad
from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE

__all__ = [
    "CHUNK_SAMPLES",
    "SAMPLE_RATE",
    "AudioRing",
    "EndOfTurnSegmenter",
    "SegmenterSettings",
    "SileroVad",
    "SpeechActivity",
    "SpeechBoundary",
]
