"""Interruptible playback: a reply stops within one piece and never hangs, however full the
synthesis queue is when the interruption comes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from ambient.clock import MonotonicClock
from ambient.speech.playback import ReplyPlayer


class CountingSpeaker:
    name = "counting"

    def __init__(self) -> None:
        self.played = 0
        self.stopped = 0

    def open(self) -> None: ...

    def play(self, samples: npt.NDArray[np.int16]) -> None:
        self.played += samples.size

    def stop(self) -> None:
        self.stopped += 1

    def close(self) -> None: ...


async def many_sentences() -> AsyncIterator[str]:
    for n in range(50):
        yield f"Sentence {n}."


def test_interrupt_with_a_full_synthesis_queue_returns() -> None:
    speaker = CountingSpeaker()
    executor = ThreadPoolExecutor(max_workers=1)
    # two seconds of audio per sentence, made at once: the queue fills while the first plays
    player = ReplyPlayer(speaker, lambda text: [np.full(32_000, 1000, dtype=np.int16)], MonotonicClock(),
                         executor, executor)  # fmt: skip

    async def scenario() -> tuple[bool, int]:
        reply = asyncio.create_task(player.play(many_sentences()))
        await asyncio.sleep(0.3)
        player.interrupt()
        done, _ = await asyncio.wait({reply}, timeout=10)  # a guard against a hang, not a speed claim
        assert done, "playback did not return after the interruption"
        result = reply.result()
        return result.interrupted, len(result.spoken)

    interrupted, spoken = asyncio.run(scenario())
    executor.shutdown()
    assert interrupted and spoken == 1 and speaker.stopped == 1
    assert 0 < speaker.played < 32_000  # cut inside the first sentence


def test_a_failing_sentence_stream_ends_playback_with_its_error() -> None:
    async def failing() -> AsyncIterator[str]:
        yield "First sentence."
        raise RuntimeError("stream broke")

    speaker = CountingSpeaker()
    executor = ThreadPoolExecutor(max_workers=1)
    player = ReplyPlayer(speaker, lambda text: [np.zeros(1_600, dtype=np.int16)], MonotonicClock(),
                         executor, executor)  # fmt: skip
    result = asyncio.run(asyncio.wait_for(player.play(failing()), timeout=10))
    executor.shutdown()
    assert result.spoken == ["First sentence."] and isinstance(result.error, RuntimeError)
    assert not result.interrupted
