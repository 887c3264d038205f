"""Interruptible playback of a reply, sentence by sentence, as the sentences arrive.

Synthesis of the next sentence overlaps playback of the current one; audio goes to the speaker in
80 ms pieces paced at real time, so an interruption takes effect within one piece (plus the
speaker's own abort). The volume is applied into buffers made once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ambient.audio_format import CHUNK_SAMPLES, SAMPLE_RATE
from ambient.clock import Clock
from ambient.devices.protocols import Speaker
from ambient.speech.sentences import close_stream

LEAD_S = 0.12
"""How far ahead of real time audio is handed to the speaker (enough to never starve it)."""


@dataclass
class PlaybackResult:
    spoken: list[str]
    first_sample_t: float | None
    interrupted: bool
    stop_ms: float = 0.0
    error: BaseException | None = None
    """Why the sentence stream failed (a cloud fault), if it did; what was spoken stays spoken."""


class ReplyPlayer:
    def __init__(
        self,
        speaker: Speaker | None,
        synthesize: Callable[[str], Iterable[npt.NDArray[np.int16]]],
        clock: Clock,
        synth_executor: Executor,
        speaker_executor: Executor,
        gain: Callable[[], float] = lambda: 1.0,
        on_played: Callable[[npt.NDArray[np.int16]], None] | None = None,
        on_end: Callable[[], None] | None = None,
    ) -> None:
        self._speaker = speaker
        self._synthesize = synthesize
        self._clock = clock
        self._synth_executor = synth_executor
        self._speaker_executor = speaker_executor
        self._gain = gain
        self._on_played = on_played
        self._on_first_sample: Callable[[float], None] | None = None
        self._on_end = on_end
        self._scaled = np.zeros(CHUNK_SAMPLES, dtype=np.float32)
        self._out = np.zeros(CHUNK_SAMPLES, dtype=np.int16)
        self._interrupt = asyncio.Event()
        self._interrupt_at = 0.0
        self.playing = False

    def interrupt(self) -> None:
        self._interrupt_at = self._clock.now()
        self._interrupt.set()

    async def play(
        self,
        sentences: AsyncIterator[str],
        on_first_sample: Callable[[float], None] | None = None,
        before_first_sample: Callable[[], Awaitable[None]] | None = None,
    ) -> PlaybackResult:
        """Speak every sentence as it comes; returns what was said and whether it was cut short.

        `before_first_sample` is awaited once the first sentence is synthesised and before it
        plays: synthesis goes ahead while a turn waits to be committed (see `ReplyTurn`).
        """
        self._interrupt.clear()
        self._on_first_sample = on_first_sample
        # (sentence, a piece of its audio), then (sentence, None) once all of it is queued
        audio: asyncio.Queue[tuple[str, npt.NDArray[np.int16] | None] | None] = asyncio.Queue(maxsize=2)
        loop = asyncio.get_running_loop()

        async def synthesise_all() -> None:
            try:
                async for sentence in sentences:
                    pieces = await loop.run_in_executor(self._synth_executor, self._pieces_of, sentence)
                    while True:
                        samples = await loop.run_in_executor(self._synth_executor, next, pieces, None)
                        if samples is None:
                            break
                        await audio.put((sentence, samples))
                    await audio.put((sentence, None))
                await audio.put(None)
            finally:
                await close_stream(sentences)  # cut short: the cloud stream closes now

        producer = asyncio.create_task(synthesise_all())
        result = PlaybackResult([], None, False)
        self.playing = True
        try:
            while True:
                next_item = asyncio.create_task(audio.get())
                stop = asyncio.create_task(self._interrupt.wait())
                # the producer is watched too: a failed sentence stream (a cloud fault) puts no
                # end marker, and waiting for one would wait for ever
                await asyncio.wait({next_item, stop, producer}, return_when=asyncio.FIRST_COMPLETED)
                stop.cancel()
                if self._interrupt.is_set() or (not next_item.done() and audio.empty()):
                    next_item.cancel()
                    break
                # the stream may have failed meanwhile: what was already synthesised is still
                # said (the sentences before the fault), then the reply ends with the error
                item = await next_item
                if item is None:
                    break
                sentence, samples = item
                if samples is None:
                    result.spoken.append(sentence)
                    continue
                if before_first_sample is not None:
                    if not await self._unless_interrupted(before_first_sample()):
                        break
                    before_first_sample = None
                if not await self._play_samples(samples, result):
                    result.spoken.append(sentence)  # cut part-way: it was (partly) said
                    break
        finally:
            self.playing = False
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await producer  # closes the sentence stream, and with it the cloud stream
            if self._interrupt.is_set():
                result.interrupted = True
                if self._speaker is not None:
                    await loop.run_in_executor(self._speaker_executor, self._speaker.stop)
                result.stop_ms = (self._clock.now() - self._interrupt_at) * 1000.0
            if self._on_end is not None:
                self._on_end()
        if producer.done() and not producer.cancelled():
            result.error = producer.exception()
        return result

    def _pieces_of(self, sentence: str) -> Iterator[npt.NDArray[np.int16]]:
        return iter(self._synthesize(sentence))

    async def _unless_interrupted(self, waiting: Awaitable[None]) -> bool:
        """Await `waiting`; False (and it cancelled) if an interruption comes first."""
        task = asyncio.ensure_future(waiting)
        stop = asyncio.create_task(self._interrupt.wait())
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if task.done():
            task.result()
            return True
        task.cancel()
        return False

    def _play_piece(self, out: npt.NDArray[np.int16]) -> float:
        """On the speaker's thread: the piece to the speaker, then to whoever listens to what is
        played (the self-wake check runs a wake-word model: never on the event loop). Returns
        when the piece was handed to the speaker."""
        if self._speaker is not None:
            self._speaker.play(out)
        handed_t = self._clock.now()
        if self._on_played is not None:
            self._on_played(out)
        return handed_t

    async def _play_samples(self, samples: npt.NDArray[np.int16], result: PlaybackResult) -> bool:
        """Play one sentence; False when interrupted part-way."""
        loop = asyncio.get_running_loop()
        started = self._clock.now()
        for index, offset in enumerate(range(0, samples.size, CHUNK_SAMPLES)):
            if self._interrupt.is_set():
                return False
            piece = samples[offset : offset + CHUNK_SAMPLES]
            size = piece.size
            np.multiply(piece, self._gain(), out=self._scaled[:size])
            np.copyto(self._out[:size], self._scaled[:size], casting="unsafe")
            out = self._out[:size]
            handed_t = await loop.run_in_executor(self._speaker_executor, self._play_piece, out)
            if result.first_sample_t is None:
                result.first_sample_t = handed_t
                if self._on_first_sample is not None:
                    self._on_first_sample(result.first_sample_t)
            due = started + (index + 1) * CHUNK_SAMPLES / SAMPLE_RATE - LEAD_S
            wait = due - self._clock.now()
            if wait > 0:
                # at most one 80 ms piece until the flag is seen; the conversation also cancels
                # this task on barge-in, which ends the sleep at once
                await self._clock.sleep(wait)
        return True
