"""The VAD path, ours against a naive one, on real speech: CPU per 80 ms chunk, real-time factor,
and bytes allocated per chunk in the steady state (tracemalloc).

Ours: `SpeechActivity.push` (preallocated ring, Silero through prebuilt IO bindings, the segmenter).
Naive: what a first version looks like: a new float array per chunk, leftovers joined with
np.concatenate, the model called per 512-sample window with freshly built inputs, the state taken
from its outputs. Both run on the same audio in the same process, one after the other.

Run: .venv/bin/python benchmarks/audio_path.py [--seconds 120]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile

from ambient.audio.segmenter import EndOfTurnSegmenter, SegmenterSettings
from ambient.audio.speech_activity import SpeechActivity
from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE
from ambient.models import ModelStore
from ambient.onnx_session import open_session
from ambient.testing.allocations import steady_state_allocations
from ambient.testing.media import shared_data

Step = Callable[[npt.NDArray[np.int16]], object]


class NaiveVadPath:
    """The obvious implementation, kept honest: same model, same segmenter, same decisions."""

    def __init__(self, model: Path, settings: SegmenterSettings) -> None:
        self.session = open_session(model)
        self.state = np.zeros((2, 1, 128), dtype=np.float32)
        self.context = np.zeros(64, dtype=np.float32)
        self.pending = np.zeros(0, dtype=np.float32)
        self.segmenter = EndOfTurnSegmenter(settings, window_ms=32.0)
        self.settings = settings

    def push(self, chunk: npt.NDArray[np.int16]) -> list[int]:
        audio = chunk.astype(np.float32) / 32768.0
        self.pending = np.concatenate([self.pending, audio])
        changes = []
        while self.pending.size >= 512:
            window, self.pending = self.pending[:512], self.pending[512:]
            inputs = {
                "input": np.concatenate([self.context, window])[np.newaxis, :],
                "state": self.state,
                "sr": np.array(SAMPLE_RATE, dtype=np.int64),
            }
            probability, self.state = self.session.run(None, inputs)
            self.context = window[-64:].copy()
            p = float(probability[0, 0])
            change = self.segmenter.update(p >= self.settings.threshold, p >= self.settings.release_threshold)
            if change:
                changes.append(change)
        return changes


def load_speech(seconds: float) -> npt.NDArray[np.int16]:
    files = sorted((shared_data() / "speech").glob("*.flac"))
    pieces, total = [], 0
    for path in files:
        audio, _ = soundfile.read(str(path), dtype="int16")
        pieces.append(audio)
        total += audio.size
        if total >= seconds * SAMPLE_RATE:
            break
    stream = np.concatenate(pieces)
    return stream[: (stream.size // CHUNK_SAMPLES) * CHUNK_SAMPLES]


def chunks_of(stream: npt.NDArray[np.int16]) -> list[npt.NDArray[np.int16]]:
    return [stream[i : i + CHUNK_SAMPLES] for i in range(0, stream.size, CHUNK_SAMPLES)]


def cpu_per_chunk(step: Step, chunks: list[npt.NDArray[np.int16]]) -> float:
    started = time.process_time()
    for chunk in chunks:
        step(chunk)
    return (time.process_time() - started) / len(chunks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="seconds of real speech to run")
    args = parser.parse_args()
    model = ModelStore().path("silero_vad")
    settings = SegmenterSettings()
    chunks = chunks_of(load_speech(args.seconds))
    audio_s = len(chunks) * CHUNK_SAMPLES / SAMPLE_RATE
    chunk_s = CHUNK_SAMPLES / SAMPLE_RATE

    rows = {}
    for name, make in (
        ("ambient", lambda: SpeechActivity(model, settings).push),
        ("naive", lambda: NaiveVadPath(model, settings).push),
    ):
        cpu = min(cpu_per_chunk(make(), chunks) for _ in range(3))
        allocations = steady_state_allocations(make(), chunks[:600], warmup=100)
        rows[name] = (
            cpu,
            cpu / chunk_s,
            allocations.peak_bytes_per_step,
            allocations.retained_bytes_per_step,
        )

    print(f"VAD path on {audio_s:.0f} s of real speech ({len(chunks)} chunks of 80 ms), onnxruntime 1 thread")
    print(
        f"{'path':<9} {'CPU/chunk':>11} {'real-time factor':>17} "
        f"{'bytes/chunk (peak)':>19} {'retained/chunk':>15}"
    )
    for name, (cpu, rtf, transient, retained) in rows.items():
        print(f"{name:<9} {cpu * 1e3:>9.3f} ms {rtf:>17.4f} {transient:>19.1f} {retained:>15.1f}")
    ours, naive = rows["ambient"], rows["naive"]
    print(f"ratio naive/ambient: CPU {naive[0] / ours[0]:.2f}x; allocation per chunk "
          f"{naive[2]:.0f} B vs {ours[2]:.0f} B")  # fmt: skip


if __name__ == "__main__":
    main()
