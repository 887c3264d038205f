"""Speech to text on the real clips in shared/data/speech: word error rate and real-time factor per
recogniser, Whisper's full 30 s window against ours, side by side in one run.

    .venv/bin/python benchmarks/stt.py
"""

from __future__ import annotations

import csv
import re
import time

import numpy as np
import soundfile

from ambient.assistant.skills import default_skills
from ambient.config import load_settings
from ambient.models import ModelStore
from ambient.speech.command_recognizer import CommandRecognizer
from ambient.speech.phrases import normalise
from ambient.speech.recognition import HybridRecognizer
from ambient.speech.whisper_recognizer import WhisperRecognizer, configured_whisper, whisper_model_dir
from ambient.testing.media import shared_data


def words(text: str) -> list[str]:
    text = re.sub(r"<[^>]*>|\[[^\]]*\]", " ", text)  # aligner markup: <cutoff>, [laughter]
    return normalise(text).split()


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1]


def main() -> None:
    data = shared_data() / "speech"
    rows = [r for r in csv.DictReader((data / "manifest.csv").open()) if r["transcript"]]
    store = ModelStore()
    stt = load_settings().settings.stt
    model = whisper_model_dir(store)
    recognizers = {
        "whisper tiny.en, 30 s window (faster-whisper default)": WhisperRecognizer(model, 30.0, stt.threads),
        f"ours: {stt.whisper_window_s:g} s window, {stt.whisper_margin_s:g} s margin, confidence floor": (
            configured_whisper(stt, store)
        ),
        "whisper tiny.en, 15 s window, 1 s margin": WhisperRecognizer(model, 15.0, stt.threads, 0.0, 1.0),
        "whisper tiny.en, 10 s window, 1 s margin": WhisperRecognizer(model, 10.0, stt.threads, 0.0, 1.0),
    }
    templates = [t for s in default_skills() for p in s.phrases.values() for t in p]
    commands = CommandRecognizer(templates)
    clips = [(r, soundfile.read(str(data / r["path"]), dtype="int16")[0]) for r in rows]
    audio_s = sum(c.size for _, c in clips) / 16_000
    print(f"{len(clips)} transcribed clips, {audio_s:.1f} s of real speech\n")
    print(f"{'recogniser':<58} {'WER':>6} {'RTF':>7} {'median s/clip':>14}")
    results = {}
    for name, recognizer in recognizers.items():
        recognizer.transcribe(clips[0][1])  # load and warm up once, outside the timing
        errors = total = 0
        per_clip = []
        started = time.perf_counter()
        for row, samples in clips:
            t0 = time.perf_counter()
            heard = recognizer.transcribe(samples)
            per_clip.append(time.perf_counter() - t0)
            ref = words(row["transcript"])
            errors += edit_distance(ref, words(heard.text))
            total += len(ref)
        elapsed = time.perf_counter() - started
        results[name] = elapsed
        print(f"{name:<58} {errors / total:>6.3f} {elapsed / audio_s:>7.4f} {np.median(per_clip):>14.3f}")
    names = list(results)
    print(f"\nours against the 30 s window: {results[names[0]] / results[names[1]]:.2f}x less time")
    # Words invented from no words: 2 s windows of the non-speech background recordings.
    noise = []
    for name in ("household_noise_speechcommands", "music_librosa_data", "nature_librosa_data"):
        audio = soundfile.read(str(shared_data() / "background" / f"{name}.flac"), dtype="int16")[0]
        noise += [audio[i : i + 32_000] for i in range(0, min(audio.size, 20 * 32_000) - 32_000 + 1, 32_000)]
    for name in (names[0], names[1]):
        invented = sum(bool(recognizers[name].transcribe(window).text) for window in noise)
        print(f"{name:<58} words heard in {invented} of {len(noise)} 2 s windows of noise and music")
    # The command grammar is not an open recogniser: on this open speech the number that matters
    # is how often it would claim a command with enough confidence to skip Whisper.
    started = time.perf_counter()
    claims = 0
    for _, samples in clips:
        heard = commands.transcribe(samples)
        if heard.complete and heard.confidence >= stt.command_confidence:
            claims += 1
    elapsed = time.perf_counter() - started
    print(
        f"{'pocketsphinx command grammar (JSGF from the skills)':<58} "
        f"false commands {claims}/{len(clips)} at confidence {stt.command_confidence}; "
        f"RTF {elapsed / audio_s:.4f}, {elapsed / len(clips) * 1000:.1f} ms per clip"
    )
    hybrid = HybridRecognizer(commands, recognizers[names[1]], stt.command_confidence, stt.command_agreement)
    taken = [row["path"] for row, samples in clips if hybrid.transcribe(samples).recognizer == "commands"]
    print(
        f"{'hybrid (grammar when sure or confirmed by Whisper)':<58} "
        f"false commands {len(taken)}/{len(clips)} (agreement {stt.command_agreement}): {', '.join(taken)}"
    )


if __name__ == "__main__":
    main()
