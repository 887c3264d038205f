"""The self-wake check with a scripted detector (one that "hears" the wake word in any chunk that
starts with a marker sample): pieces of any length are re-chunked, a fresh playback is primed with
silence, and a wake heard by the microphone is suppressed only near one in the playback."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ambient.audio_format import CHUNK_SAMPLES
from ambient.clock import FakeClock
from ambient.speech.self_wake import PRIME_CHUNKS, PlaybackWakeDetector

MARK = 1234


class ScriptedDetector:
    def __init__(self) -> None:
        self.chunks: list[int] = []
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1

    def process(self, chunk: npt.NDArray[np.int16]) -> tuple[object, ...]:
        assert chunk.size == CHUNK_SAMPLES
        self.chunks.append(int(chunk[0]))
        return ("computer",) if chunk[0] == MARK else ()


def reply(chunks: int, wake_at: int | None = None) -> npt.NDArray[np.int16]:
    audio = np.zeros(chunks * CHUNK_SAMPLES, dtype=np.int16)
    if wake_at is not None:
        audio[wake_at * CHUNK_SAMPLES] = MARK
    return audio


def test_the_device_saying_its_wake_word_is_suppressed_only_around_that_moment() -> None:
    detector, clock = ScriptedDetector(), FakeClock()
    check = PlaybackWakeDetector(detector, clock, window_s=1.5)
    audio = reply(10, wake_at=6)
    for offset in range(0, audio.size, 500):  # the player hands pieces of any size
        check.feed(audio[offset : offset + 500])
    assert detector.resets == 1 and len(detector.chunks) == PRIME_CHUNKS + 10
    assert check.hits == 1
    assert check.suppress(clock.now() + 1.0)  # the microphone hears it through the room
    assert not check.suppress(clock.now() + 2.0)  # a person saying it later still wakes it


def test_a_person_talking_over_a_reply_without_the_word_in_it_is_never_suppressed() -> None:
    detector, clock = ScriptedDetector(), FakeClock()
    check = PlaybackWakeDetector(detector, clock)
    check.feed(reply(20))
    assert check.hits == 0 and not check.suppress(clock.now())


def test_each_playback_starts_primed_and_a_partial_chunk_is_not_carried_over() -> None:
    detector, clock = ScriptedDetector(), FakeClock()
    check = PlaybackWakeDetector(detector, clock)
    check.feed(np.full(CHUNK_SAMPLES // 2, MARK, dtype=np.int16))  # half a chunk, then the end
    check.end_of_playback()
    check.feed(reply(1))
    assert detector.resets == 2  # primed again for the second playback
    assert check.hits == 0  # the half chunk of the first playback never met the second
