"""The second check on wake-word triggers (Whisper confirming the phrase in the moment that fired),
against the engine alone, in one run: false wakes removed, words lost, time the check takes.

Words: each word's test split, mixed at --snr-db (10 dB) into the background's held-out part, as
`ambient wakeword eval` does; a word counts as lost when the engine detected it and the check threw
it away. False wakes: the read-speech, music and noise of ../shared/data/background under the
device's policy (3 of 3 chunks at 0.95) and, to have more of them, under a loose one (1 chunk at
0.5). The similarity the check needs (0.6) was chosen on the "computer" train split and on the
loose-policy triggers of the same background, so the background figures are not independent of it.
Run: .venv/bin/python benchmarks/wakeword_confirm.py [--snr-db 10]
"""

from __future__ import annotations

import argparse

import numpy as np
import numpy.typing as npt

from ambient.audio.decoding import decode_audio
from ambient.audio_format import CHUNK_SAMPLES
from ambient.config import SttSettings, WakeWordSettings
from ambient.models import ModelStore
from ambient.speech.whisper_recognizer import configured_whisper
from ambient.testing.media import shared_data
from ambient.wakeword.confirmation import PhraseConfirmation
from ambient.wakeword.corpus import audio_files, background_pool
from ambient.wakeword.detectors import build_wake_detector
from ambient.wakeword.engine import WakeWordEngine
from ambient.wakeword.evaluation import LEAD_S, TAIL_S, mix_at_snr, to_int16

MIN_SIMILARITY = 0.6


def detections(engine: WakeWordEngine, audio: npt.NDArray[np.int16], after: int = 0) -> list[int]:
    engine.reset()
    ends = []
    for start in range(0, audio.size - CHUNK_SAMPLES + 1, CHUNK_SAMPLES):
        for hit in engine.process(audio[start : start + CHUNK_SAMPLES]):
            if hit.end_sample > after:
                ends.append(hit.end_sample)
    return ends


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snr-db", type=float, default=10.0)
    args = parser.parse_args()
    data = shared_data()
    store = ModelStore()
    check = PhraseConfirmation(configured_whisper(SttSettings(), store), MIN_SIMILARITY)
    background = audio_files(data / "background")
    noise = background_pool(background, 0.6, 1.0)
    streams = [to_int16(decode_audio(path)) for path in background]
    hours = sum(s.size for s in streams) / 16_000 / 3600
    times: list[float] = []
    print(f"second check: Whisper tiny.en on the last 1.4 s, similarity >= {MIN_SIMILARITY}")
    for word in ("computer", "alexa"):
        device = build_wake_detector(WakeWordSettings(models=(word,)), store)
        loose = build_wake_detector(
            WakeWordSettings(models=(word,), threshold=0.5, patience=1, window=1), store
        )
        assert isinstance(device, WakeWordEngine) and isinstance(loose, WakeWordEngine)
        rng = np.random.default_rng(7)
        clips = audio_files(data / "wakeword" / word / "test")
        detected = lost = 0
        for path in clips:
            clip = decode_audio(path)
            lead, tail = int(LEAD_S * 16_000), int(TAIL_S * 16_000)
            stream = np.zeros(lead + clip.size + tail, np.float32)
            stream[lead : lead + clip.size] = clip
            start = int(rng.integers(0, noise.size - stream.size))
            stream += mix_at_snr(clip, noise[start : start + stream.size], args.snr_db)
            audio = to_int16(stream)
            ends = detections(device, audio, after=lead)
            if not ends:
                continue
            detected += 1
            result = check.confirm(word, audio[: ends[0]])
            times.append(result.seconds)
            lost += not result.accepted
        print(
            f'"{word}": {len(clips)} test clips at {args.snr_db:g} dB, engine alone detects {detected} '
            f"(FRR {1 - detected / len(clips):.3f}); with the check {detected - lost} "
            f"(FRR {1 - (detected - lost) / len(clips):.3f}, {lost} words lost)"
        )
        for name, engine in (("device policy", device), ("loose policy", loose)):
            wakes = kept = 0
            for audio in streams:
                for end in detections(engine, audio, after=25 * CHUNK_SAMPLES):
                    wakes += 1
                    result = check.confirm(word, audio[:end])
                    times.append(result.seconds)
                    kept += result.accepted
            print(
                f"   {name}: {wakes} false wakes in {hours:.2f} h ({wakes / hours:.1f}/h); with the check "
                f"{kept} ({kept / hours:.1f}/h, {wakes - kept} removed)"
            )
    seconds = np.array(times) * 1000
    print(
        f"time the check adds after the trigger ({seconds.size} checks): p50 {np.median(seconds):.0f} ms, "
        f"p95 {np.percentile(seconds, 95):.0f} ms, max {seconds.max():.0f} ms"
    )


if __name__ == "__main__":
    main()
