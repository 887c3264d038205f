"""Audio cores: ring buffer, resampling, Silero VAD and the end-of-turn segmenter."""

from ambient.audio.ring import CHUNK_SAMPLES, SAMPLE_RATE, AudioRing
from ambient.audio.segmenter import EndOfTurnSegmenter, SegmenterSettings
from ambient.audio.speech_activity import SpeechActivity, SpeechBoundary
from ambient.audio.vad import SileroVad

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
