"""Capture stages: pull from the microphone and camera (blocking reads in their own threads)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ambient.audio_format import CHUNK_SAMPLES
from ambient.clock import Clock
from ambient.devices.protocols import Camera, Frame, Microphone
from ambient.events import MediaEnded
from ambient.runtime.bus import EventBus
from ambient.runtime.channels import FrameSlot, MediaChannel


@dataclass(frozen=True)
class CapturedFrame:
    index: int
    t: float
    frame: Frame


class MicrophoneCapture:
    """Reads 80 ms chunks into a preallocated pool and hands them on through the channel.

    The pool holds two more buffers than the channel: consumers copy a chunk out before their
    next await, so by the time a buffer comes round again nobody is reading it.
    """

    def __init__(
        self,
        microphone: Microphone,
        chunks: MediaChannel[npt.NDArray[np.int16]],
        bus: EventBus,
        clock: Clock,
        executor: Executor,
        on_delivery: Callable[[], None],
        backpressure: bool,
        opened: bool = False,
    ) -> None:
        self._microphone = microphone
        self._chunks = chunks
        self._bus = bus
        self._clock = clock
        self._executor = executor
        self._on_delivery = on_delivery
        self._backpressure = backpressure
        self._pool = np.zeros((chunks.capacity + 2, CHUNK_SAMPLES), dtype=np.int16)
        self._next = 0
        self._opened = opened
        self.chunks_read = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        if not self._opened:
            await loop.run_in_executor(self._executor, self._microphone.open)
        self._opened = False  # a restart after a failure reopens the device
        try:
            while True:
                buffer = self._pool[self._next]
                self._next = (self._next + 1) % len(self._pool)
                if not await loop.run_in_executor(self._executor, self._microphone.read, buffer):
                    self._bus.publish(MediaEnded(t=self._clock.now(), source=self._microphone.name))
                    self._chunks.close()
                    return
                self.chunks_read += 1
                if self._backpressure:
                    await self._chunks.put(buffer)
                else:
                    self._chunks.put_nowait(buffer)
                self._on_delivery()
        finally:
            await loop.run_in_executor(self._executor, self._microphone.close)


class CameraCapture:
    """Reads frames and puts each in the one-slot channel, replacing a frame nobody took yet."""

    def __init__(
        self,
        camera: Camera,
        frames: FrameSlot[CapturedFrame],
        bus: EventBus,
        clock: Clock,
        executor: Executor,
        on_delivery: Callable[[], None],
        opened: bool = False,
        backpressure: bool = False,
    ) -> None:
        self._camera = camera
        self._backpressure = backpressure
        self._frames = frames
        self._bus = bus
        self._clock = clock
        self._executor = executor
        self._on_delivery = on_delivery
        self._opened = opened
        self.frames_read = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        if not self._opened:
            await loop.run_in_executor(self._executor, self._camera.open)
        self._opened = False
        started = self._clock.now()
        try:
            while True:
                frame = await loop.run_in_executor(self._executor, self._camera.read)
                if frame is None:
                    self._bus.publish(MediaEnded(t=self._clock.now(), source=self._camera.name))
                    self._frames.close()
                    return
                # Stamped when captured: what a stage decides "within 1 s of first sight" is
                # measured on the camera's time line, not on when a busy stage got to the frame.
                # A file has its own time line, which also holds when it is played faster.
                position = getattr(self._camera, "position_s", None)
                t = started + position if isinstance(position, float) else self._clock.now()
                captured = CapturedFrame(self.frames_read, t, frame)
                if self._backpressure:
                    await self._frames.put(captured)  # a file played as fast as possible: no drops
                else:
                    self._frames.put_nowait(captured)
                self.frames_read += 1
                self._on_delivery()
        finally:
            await loop.run_in_executor(self._executor, self._camera.close)
