"""The timer stage: rings timers when they are due (also those that came due while the device was
off), and watches the button that ends privacy mode."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor

import numpy as np
import numpy.typing as npt

from ambient.assistant.timers import TimerStore
from ambient.audio_format import SAMPLE_RATE
from ambient.clock import Clock
from ambient.events import TimerRang, new_correlation_id
from ambient.runtime.bus import EventBus

POLL_S = 0.25


def chime() -> npt.NDArray[np.int16]:
    """Two short tones, so a timer is heard as a timer before the words."""
    t = np.arange(int(0.18 * SAMPLE_RATE)) / SAMPLE_RATE
    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
    tones = [np.sin(2 * math.pi * f * t) * fade * 0.4 for f in (880.0, 1175.0)]
    gap = np.zeros(int(0.06 * SAMPLE_RATE))
    return (np.concatenate([tones[0], gap, tones[1], gap]) * 32767).astype(np.int16)


class TimerStage:
    def __init__(
        self,
        timers: TimerStore,
        wall_clock: Callable[[], float],
        announce: Callable[[str, str], Awaitable[None]],
        bus: EventBus,
        clock: Clock,
        button_pressed: Callable[[], bool] = lambda: False,
        on_button: Callable[[], None] = lambda: None,
        executor: Executor | None = None,
    ) -> None:
        self._executor = executor
        """Where the timer store (SQLite) is read: never the event loop."""
        self._timers = timers
        self._wall = wall_clock
        self._announce = announce
        self._bus = bus
        self._clock = clock
        self._button_pressed = button_pressed
        self._on_button = on_button

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._button_pressed():
                self._on_button()
            due = await loop.run_in_executor(self._executor, self._timers.take_due, self._wall())
            for timer in due:
                cid = new_correlation_id()
                self._bus.publish(TimerRang(t=self._clock.now(), correlation_id=cid, label=timer.label,
                                          set_by=timer.set_by))  # fmt: skip
                await self._announce(cid, f"Your {timer.label} timer is done.")
            await self._clock.sleep(POLL_S)
