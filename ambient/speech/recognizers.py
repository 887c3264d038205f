"""The one place `stt.recognizer` is turned into a recogniser, for the device and the CLI alike."""

from __future__ import annotations

from dataclasses import dataclass

from ambient.config import SttSettings
from ambient.models import ModelStore
from ambient.speech.command_recognizer import CommandRecognizer
from ambient.speech.recognition import HybridRecognizer, Recognizer
from ambient.speech.whisper_recognizer import WhisperRecognizer, configured_whisper


@dataclass(frozen=True)
class SpeechToText:
    recognizer: Recognizer
    whisper: WhisperRecognizer | None
    """The open recogniser inside `recognizer`, when the choice has one (the wake word's second
    check reuses it instead of loading Whisper twice)."""


def build_speech_to_text(name: str, stt: SttSettings, store: ModelStore, phrases: list[str]) -> SpeechToText:
    """hybrid: the command grammar over `phrases` when it is sure, else Whisper; commands: the
    grammar alone (it hears nothing but those phrases); whisper: Whisper alone."""
    if name == "commands":
        return SpeechToText(CommandRecognizer(phrases), None)
    whisper = configured_whisper(stt, store)
    if name == "whisper":
        return SpeechToText(whisper, whisper)
    hybrid = HybridRecognizer(
        CommandRecognizer(phrases), whisper, stt.command_confidence, stt.command_agreement
    )
    return SpeechToText(hybrid, whisper)
