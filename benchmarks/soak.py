"""The soak: the simulated device in real time for half an hour (or --minutes), the microphone
looping a programme of wake words and commands (a turn every few seconds), the camera looping a
clip and unplugged for 20 s every 4 minutes, then plugged back. Measured from inside the process:

- resident memory (VmRSS) every 10 s; growth is counted from the end of the warm-up (2 minutes:
  models, caches and allocator pools settle) to the end; target under 20 MB;
- open file descriptors at the end of the warm-up and at the end; target no growth;
- audio chunks dropped by the microphone channel (it drops the oldest when the pipeline falls
  behind); target none;
- turns answered: every wake word ends in a turn the device finished speaking; target all.

    .venv/bin/python benchmarks/soak.py [--minutes 30]

Commands are synthesised by espeak-ng (the shared data has no smart-speaker commands); the wake
words are the shared recordings. The figures are compared with the targets of issue #14, not with
a peer: no peer runs this loop.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

from ambient.clock import MonotonicClock
from ambient.config import load_settings
from ambient.device import Device
from ambient.devices.protocols import Camera, Frame
from ambient.devices.registry import build_devices
from ambient.errors import DeviceError
from ambient.events import (
    ChannelStats,
    DeviceDegraded,
    DeviceRecovered,
    Event,
    Transcribed,
    TurnAbandoned,
    TurnFinished,
    WakeWordDetected,
)
from ambient.testing.media import shared_data, spoken_command

WAKES = ["wakeword/computer/test/spk008_0e95d341.flac", "wakeword/computer/test/spk008_3574fc3b.flac"]
COMMANDS = ["what time is it", "who is here", "what is the date today", "turn the volume down",
            "turn the volume up", "list the timers"]  # fmt: skip
KEPT = (
    WakeWordDetected,
    TurnFinished,
    TurnAbandoned,
    Transcribed,
    ChannelStats,
    DeviceDegraded,
    DeviceRecovered,
)
WARM_UP_S = 120.0
SAMPLE_EVERY_S = 10.0
UNPLUG_EVERY_S = 240.0
UNPLUGGED_FOR_S = 20.0


class UnpluggedCamera:
    """The configured camera, unplugged for `UNPLUGGED_FOR_S` every `UNPLUG_EVERY_S` (the edge of
    the machine: what a USB webcam pulled out and pushed back in looks like to the device)."""

    def __init__(self, camera: Camera, started: float) -> None:
        self._camera = camera
        self._started = started
        self.name = camera.name
        self.fps = camera.fps

    def _unplugged(self) -> bool:
        phase = (time.monotonic() - self._started) % UNPLUG_EVERY_S
        return phase >= UNPLUG_EVERY_S - UNPLUGGED_FOR_S

    def open(self) -> None:
        if self._unplugged():
            raise DeviceError("camera not found (unplugged)")
        self._camera.open()

    def read(self) -> Frame | None:
        if self._unplugged():
            self._camera.close()
            raise DeviceError("camera disappeared (unplugged)")
        return self._camera.read()

    def close(self) -> None:
        self._camera.close()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def programme(folder: Path) -> list[str]:
    """Wake word, command (1.5 s apart, as people speak), then 6 s of quiet for the reply."""
    quiet = folder / "quiet.wav"
    soundfile.write(str(quiet), np.zeros(6 * 16_000, dtype=np.int16), 16_000)
    files = []
    for index, command in enumerate(COMMANDS):
        clip = spoken_command(command, folder / f"command{index}.wav")
        files += [WAKES[index % len(WAKES)], str(clip), str(quiet)]
    return files


async def soak(
    device: Device, seconds: float, samples: list[tuple[float, float, int]], trace_python: bool = False
) -> None:
    import tracemalloc

    snapshots: list[tracemalloc.Snapshot] = []

    async def sample() -> None:
        start = time.monotonic()
        while True:
            samples.append((time.monotonic() - start, rss_mb(), open_fds()))
            if trace_python and not snapshots and samples[-1][0] >= WARM_UP_S:
                snapshots.append(tracemalloc.take_snapshot())
            await asyncio.sleep(SAMPLE_EVERY_S)

    if trace_python:
        tracemalloc.start(1)
    sampler = asyncio.create_task(sample())
    await device.run(seconds, until_media_end=False)
    sampler.cancel()
    if trace_python and snapshots:
        # what Python objects grew after the warm-up (a diagnosis: it slows every allocation)
        end = tracemalloc.take_snapshot()
        growth = end.compare_to(snapshots[0], "lineno")
        total = sum(stat.size_diff for stat in growth) / 1e6
        print(f"  Python heap after warm-up -> end: {total:+.1f} MB; largest growth:")
        for stat in growth[:8]:
            print(f"    {stat.size_diff / 1e6:+.2f} MB  {stat.count_diff:+d} blocks  {stat.traceback}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument(
        "--trace-python", action="store_true", help="also report what Python objects grew (slower)"
    )
    parser.add_argument(
        "--glibc-defaults",
        action="store_true",
        help="leave glibc's allocator as it is (no arena limit, no trims), to compare",
    )
    args = parser.parse_args()
    seconds = args.minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = load_settings(
            environ={},
            overrides=[
                f"runtime.data_dir={shared_data()}",
                "microphone.backend=file",
                "microphone.realtime=true",
                "microphone.loop=true",
                "microphone.gap_s=1.5",
                "microphone.files=" + ",".join(programme(folder)),
                "camera.backend=file",
                "camera.loop=true",
                "camera.realtime=true",
                "speaker.backend=file",
                f"speaker.path={folder / 'speaker.wav'}",
                f"assistant.state_dir={folder / 'state'}",
                "cloud.provider=none",
                # a device left alone keeps trying its camera: it is given up only by a person
                "runtime.max_restarts=1000",
                "runtime.restart_backoff_max_s=4",
                *(["runtime.malloc_arena_max=0", "runtime.memory_trim_s=0"] if args.glibc_defaults else []),
            ],
        ).settings
        devices = build_devices(settings, MonotonicClock(), simulate=True)
        assert devices.camera is not None
        camera = UnpluggedCamera(devices.camera, time.monotonic())
        device = Device(settings, simulate=True, devices=dataclasses.replace(devices, camera=camera))
        # only what the report needs: keeping every event (a FacesDetected per frame) would be the
        # benchmark's own memory growth, not the device's
        history: list[Event] = []
        device.bus.subscribe(lambda event: history.append(event) if isinstance(event, KEPT) else None)
        device.open()
        samples: list[tuple[float, float, int]] = []
        asyncio.run(soak(device, seconds, samples, args.trace_python))
    report(history, samples, int(seconds // UNPLUG_EVERY_S), seconds)
    heap = device.native_heap
    if args.glibc_defaults or not heap.available:
        print("  allocator glibc's defaults" if heap.available else "  allocator not glibc: left alone")
    else:
        print(
            f"  allocator {settings.runtime.malloc_arena_max} arenas, {heap.trims} trims "
            f"(every {settings.runtime.memory_trim_s:g} s; longest {heap.longest_trim_s * 1e3:.1f} ms, "
            "off the event loop)"
        )


def report(
    history: list[Event], samples: list[tuple[float, float, int]], unplugs: int, seconds: float
) -> None:
    warm = next((s for s in samples if s[0] >= WARM_UP_S), samples[0])
    end = samples[-1]
    wakes = {e.correlation_id for e in history if isinstance(e, WakeWordDetected)}
    answered = {e.correlation_id for e in history if isinstance(e, TurnFinished) and e.outcome == "answered"}
    # the last wake may still be mid-turn when the run stops
    last = max((e for e in history if isinstance(e, WakeWordDetected)), key=lambda e: e.t, default=None)
    unanswered = wakes - answered - ({last.correlation_id} if last else set())
    audio = next((e for e in history if isinstance(e, ChannelStats) and e.channel == "audio"), None)
    degraded = sum(1 for e in history if isinstance(e, DeviceDegraded) and e.component == "camera")
    recovered = sum(1 for e in history if isinstance(e, DeviceRecovered) and e.component == "camera")
    growth = end[1] - warm[1]
    print(f"soak: {seconds / 60:.1f} min in real time, warm-up {WARM_UP_S / 60:.0f} min")
    every = max(1, round(300 / SAMPLE_EVERY_S))  # the RSS every 5 minutes, to tell a leak from a plateau
    print("  RSS by time: " + ", ".join(f"{t / 60:.0f} min {mb:.0f} MB" for t, mb, _ in samples[::every]))
    print(
        f"  RSS      {warm[1]:.0f} MB after warm-up -> {end[1]:.0f} MB at the end: {growth:+.1f} MB "
        f"(peak {max(s[1] for s in samples):.0f} MB; target < +20 MB) {'ok' if growth < 20 else 'FAIL'}"
    )
    print(
        f"  fds      {warm[2]} after warm-up -> {end[2]} at the end (target no growth) "
        f"{'ok' if end[2] <= warm[2] else 'FAIL'}"
    )
    if audio is not None:
        total = audio.delivered + audio.dropped
        print(
            f"  audio    {audio.dropped} of {total} chunks dropped (target 0) "
            f"{'ok' if audio.dropped == 0 else 'FAIL'}"
        )
    print(
        f"  turns    {len(wakes) - len(unanswered)} of {len(wakes)} wake words answered "
        f"({len(unanswered)} not; target all) {'ok' if not unanswered else 'FAIL'}"
    )
    print(f"  camera   unplugged {unplugs} times: degraded {degraded}, recovered {recovered}")
    for cid in sorted(unanswered)[:5]:  # what became of the first few, to see why
        story = [e for e in history if e.correlation_id == cid and e.type != "TurnStateChanged"]
        told = ", ".join(
            e.type
            + (
                f"({getattr(e, 'reason', '') or getattr(e, 'outcome', '') or getattr(e, 'text', '')})"
                if e.type in ("TurnAbandoned", "TurnFinished", "Transcribed")
                else ""
            )
            for e in story
        )
        print(f"    not answered {cid}: {told}")


if __name__ == "__main__":
    main()
