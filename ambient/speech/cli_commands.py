"""`ambient transcribe`: what the device would hear in audio files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ambient.config import Settings
from ambient.devices.file_backends import decode_audio
from ambient.errors import MediaError
from ambient.models import ModelStore
from ambient.speech.recognition import Recognizer


def build_recognizer(name: str, settings: Settings, store: ModelStore) -> Recognizer:
    from ambient.assistant.skills import default_skills
    from ambient.speech.command_recognizer import CommandRecognizer
    from ambient.speech.recognition import HybridRecognizer
    from ambient.speech.whisper_recognizer import configured_whisper

    stt = settings.stt
    templates = [t for skill in default_skills() for phrases in skill.phrases.values() for t in phrases]
    if name == "commands":
        return CommandRecognizer(templates)
    whisper = configured_whisper(stt, store)
    if name == "whisper":
        return whisper
    return HybridRecognizer(
        CommandRecognizer(templates), whisper, stt.command_confidence, stt.command_agreement
    )


def transcribe_command(args: argparse.Namespace, settings: Settings) -> int:
    from ambient.audio.resample import to_int16

    files: list[Path] = args.files
    for path in files:  # every file is checked before any model loads: a typo fails at once
        if not path.is_file():
            raise MediaError(f"audio file {path} not found; give WAV or FLAC files")
    recognizer = build_recognizer(args.recognizer, settings, ModelStore())
    for path in files:
        samples = to_int16(decode_audio(path))
        heard = recognizer.transcribe(samples)
        if args.json:
            record = {"file": str(path), "text": heard.text, "recognizer": heard.recognizer,
                      "seconds": round(heard.seconds, 4)}  # fmt: skip
            print(json.dumps(record))
        else:
            print(f"{path}: {heard.text or '(nothing heard)'}  [{heard.recognizer}, {heard.seconds:.3f} s]")
    return 0
