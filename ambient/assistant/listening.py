"""The listening stage: every microphone chunk goes through the VAD and the wake-word engine, in
audio order, and the turn tracker turns their findings into interactions."""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ambient.assistant.turn import TurnOutcome, TurnTracker
from ambient.audio.speech_activity import SpeechActivity, SpeechBoundary
from ambient.clock import Clock
from ambient.events import (
    SpeechEnded,
    SpeechStarted,
    TurnAbandoned,
    UtteranceCaptured,
    WakeWordDetected,
    new_correlation_id,
)
from ambient.runtime.bus import EventBus
from ambient.runtime.channels import ChannelClosed, ControlMessage, MediaChannel
from ambient.wakeword.engine import WakeWordHit


class WakeWordDetector(Protocol):
    """Our engine and the microWakeWord adapter both look like this."""

    name: str

    def reset(self) -> None: ...

    def process(self, chunk: npt.NDArray[np.int16]) -> tuple[WakeWordHit, ...]: ...


class ResetListening(ControlMessage):
    """Forget the current segment, the VAD and wake-word state (after a pause or a source change)."""


_NOTHING: tuple[tuple[SpeechBoundary, ...], tuple[WakeWordHit, ...]] = ((), ())


class ListeningCore:
    """VAD and wake word over the same chunk, run together in one executor call so that their
    findings stay in audio order."""

    def __init__(self, speech: SpeechActivity, wake: WakeWordDetector | None) -> None:
        self.speech = speech
        self.wake = wake
        self._chunk = np.zeros(1280, dtype=np.int16)

    def write(self, chunk: npt.NDArray[np.int16]) -> None:
        """Copy the chunk in (the caller's buffer is free again when this returns)."""
        np.copyto(self._chunk, chunk)
        self.speech.write(chunk)

    def process(self) -> tuple[tuple[SpeechBoundary, ...], tuple[WakeWordHit, ...]]:
        boundaries = self.speech.process()
        hits = self.wake.process(self._chunk) if self.wake is not None else ()
        if not boundaries and not hits:
            return _NOTHING
        return boundaries, hits

    def reset(self) -> None:
        self.speech.vad.reset()
        self.speech.segmenter.reset()
        if self.wake is not None:
            self.wake.reset()


class ListeningStage:
    def __init__(
        self,
        core: ListeningCore,
        turns: TurnTracker,
        chunks: MediaChannel[npt.NDArray[np.int16]],
        bus: EventBus,
        clock: Clock,
        executor: Executor,
    ) -> None:
        self._core = core
        self._turns = turns
        self._chunks = chunks
        self._bus = bus
        self._clock = clock
        self._executor = executor
        self._segment_id: str | None = None
        self._segment_start: int | None = None
        self._interaction_id: str | None = None

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._core.reset()
        while True:
            try:
                item = await self._chunks.get()
            except ChannelClosed:
                self._speech(self._core.speech.flush())
                return
            if isinstance(item, ResetListening):
                self._core.reset()
                self._turns.cancel()
                self._segment_id = self._segment_start = self._interaction_id = None
                continue
            if isinstance(item, ControlMessage):
                continue
            self._core.write(item)
            boundaries, hits = await loop.run_in_executor(self._executor, self._core.process)
            if boundaries:
                self._speech(boundaries)
            for hit in hits:
                self._wake(hit)
            if self._turns.active:
                self._finish(self._turns.on_audio(self._core.speech.ring.samples_written))

    def _speech(self, boundaries: tuple[SpeechBoundary, ...]) -> None:
        for boundary in boundaries:
            now = self._clock.now()
            if boundary.end_sample is None:
                self._segment_id = self._interaction_id or new_correlation_id()
                self._segment_start = boundary.start_sample
                self._bus.publish(
                    SpeechStarted(t=now, correlation_id=self._segment_id, start_sample=boundary.start_sample)
                )
                self._turns.on_speech_start(boundary.start_sample)
                continue
            cid = self._interaction_id or self._segment_id or new_correlation_id()
            self._bus.publish(
                SpeechEnded(
                    t=now,
                    correlation_id=cid,
                    start_sample=boundary.start_sample,
                    end_sample=boundary.end_sample,
                )
            )
            self._segment_id = self._segment_start = None
            self._finish(self._turns.on_speech_end(boundary.start_sample, boundary.end_sample))

    def _wake(self, hit: WakeWordHit) -> None:
        self._interaction_id = new_correlation_id()
        self._bus.publish(
            WakeWordDetected(
                t=self._clock.now(),
                correlation_id=self._interaction_id,
                model=hit.model,
                engine=self._core.wake.name if self._core.wake else "",
                score=round(hit.score, 4),
                end_sample=hit.end_sample,
            )
        )
        self._turns.on_wake(hit.end_sample, self._segment_start)

    def _finish(self, outcome: TurnOutcome | None) -> None:
        if outcome is None:
            return
        now = self._clock.now()
        if outcome.captured:
            self._bus.publish(
                UtteranceCaptured(
                    t=now,
                    correlation_id=self._interaction_id,
                    start_sample=outcome.start_sample,
                    end_sample=outcome.end_sample,
                    reason=outcome.reason,
                )
            )
        else:
            self._bus.publish(
                TurnAbandoned(t=now, correlation_id=self._interaction_id, reason=outcome.reason)
            )
        self._interaction_id = None
