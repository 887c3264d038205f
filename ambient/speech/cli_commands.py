"""`ambient transcribe`: what the device would hear in audio files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ambient.audio.decoding import decode_audio
from ambient.config import Settings
from ambient.errors import MediaError
from ambient.models import ModelStore
from ambient.speech.recognizers import build_speech_to_text


def transcribe_command(args: argparse.Namespace, settings: Settings, phrases: list[str]) -> int:
    """`phrases`: what the command grammar listens for (the skills' phrases)."""
    from ambient.audio.resample import to_int16

    files: list[Path] = args.files
    for path in files:  # every file is checked before any model loads: a typo fails at once
        if not path.is_file():
            raise MediaError(f"audio file {path} not found; give WAV or FLAC files")
    recognizer = build_speech_to_text(args.recognizer, settings.stt, ModelStore(), phrases).recognizer
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
