"""The camera stage: newest frame from the slot, the presence pipeline in the executor, events out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor

from ambient.clock import Clock
from ambient.events import FacesDetected
from ambient.runtime.bus import EventBus
from ambient.runtime.capture import CapturedFrame
from ambient.runtime.channels import ChannelClosed, ControlMessage, FrameSlot
from ambient.vision.presence import PresencePipeline


class PresenceStage:
    """Publishes what the presence pipeline decides, plus FacesDetected when the number of faces
    changes (and at most once a second while it stays the same)."""

    def __init__(
        self,
        pipeline: PresencePipeline,
        frames: FrameSlot[CapturedFrame],
        bus: EventBus,
        clock: Clock,
        executor: Executor,
        repeat_s: float = 1.0,
        paused: Callable[[], bool] = lambda: False,
    ) -> None:
        self._paused = paused
        self.pipeline = pipeline
        self._frames = frames
        self._bus = bus
        self._clock = clock
        self._executor = executor
        self._repeat_s = repeat_s
        self.frames_processed = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        last_count = 0
        last_published = float("-inf")
        while True:
            try:
                item = await self._frames.get()
            except ChannelClosed:
                return
            if isinstance(item, ControlMessage) or self._paused():
                continue  # privacy mode: frames are dropped unseen
            index, now, frame = item.index, item.t, item.frame
            result = await loop.run_in_executor(self._executor, self.pipeline.process, frame, now)
            self.frames_processed += 1
            boxes = result.boxes
            if len(boxes) != last_count or (boxes and now - last_published >= self._repeat_s):
                height, width = frame.shape[:2]
                self._bus.publish(
                    FacesDetected(t=now, frame_index=index, width=width, height=height, boxes=boxes)
                )
                last_published = now
                last_count = len(boxes)
            for event in result.events:
                self._bus.publish(event)
