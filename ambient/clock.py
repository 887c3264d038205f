"""Time for every component that waits, times out or stamps events, so tests never sleep."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds plus the two ways of waiting the runtime uses."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    def sleep_blocking(self, seconds: float) -> None: ...


class MonotonicClock:
    """The real clock: `time.monotonic`, `asyncio.sleep` and `time.sleep`."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def sleep_blocking(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock that only moves when told to or when something sleeps on it.

    Sleeping advances time at once (and yields to the event loop), so a test of a back-off or a
    deadline runs in microseconds and is exactly repeatable.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)

    def sleep_blocking(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(max(0.0, seconds))
