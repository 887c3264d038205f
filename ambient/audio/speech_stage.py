"""The VAD stage: microphone chunks in, SpeechStarted / SpeechEnded events out."""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor

import numpy as np
import numpy.typing as npt

from ambient.audio.speech_activity import SpeechActivity, SpeechBoundary
from ambient.clock import Clock
from ambient.events import SpeechEnded, SpeechStarted, new_correlation_id
from ambient.runtime.bus import EventBus
from ambient.runtime.channels import ChannelClosed, ControlMessage, MediaChannel


class ResetSpeech(ControlMessage):
    """Forget the current segment and the VAD state (after a pause or a source change)."""


class SpeechStage:
    """Copies each chunk into the VAD's own ring on the loop, runs the model in the executor.

    The copy happens before the next await, so the microphone's buffer pool can reuse the chunk.
    One correlation id spans a segment, from SpeechStarted to SpeechEnded.
    """

    def __init__(
        self,
        activity: SpeechActivity,
        chunks: MediaChannel[npt.NDArray[np.int16]],
        bus: EventBus,
        clock: Clock,
        executor: Executor,
    ) -> None:
        self._activity = activity
        self._chunks = chunks
        self._bus = bus
        self._clock = clock
        self._executor = executor
        self._correlation_id: str | None = None

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._activity.vad.reset()
        self._activity.segmenter.reset()
        while True:
            try:
                item = await self._chunks.get()
            except ChannelClosed:
                self._publish(self._activity.flush())
                return
            if isinstance(item, ResetSpeech):
                self._activity.segmenter.reset()
                self._activity.vad.reset()
                self._correlation_id = None
                continue
            if isinstance(item, ControlMessage):
                continue
            self._activity.write(item)
            boundaries = await loop.run_in_executor(self._executor, self._activity.process)
            if boundaries:
                self._publish(boundaries)

    def _publish(self, boundaries: tuple[SpeechBoundary, ...]) -> None:
        for boundary in boundaries:
            now = self._clock.now()
            if boundary.end_sample is None:
                self._correlation_id = new_correlation_id()
                self._bus.publish(
                    SpeechStarted(
                        t=now, correlation_id=self._correlation_id, start_sample=boundary.start_sample
                    )
                )
            else:
                self._bus.publish(
                    SpeechEnded(
                        t=now,
                        correlation_id=self._correlation_id or new_correlation_id(),
                        start_sample=boundary.start_sample,
                        end_sample=boundary.end_sample,
                    )
                )
                self._correlation_id = None
