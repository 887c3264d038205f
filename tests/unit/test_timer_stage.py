"""The timer stage with a fake clock and a real timer store: a due timer rings once (also one that
came due while the device was off), announcements wait for each other, and the button is read."""

from __future__ import annotations

import asyncio
from pathlib import Path

from voice_turn_harness import InlineExecutor

from ambient.assistant.timer_stage import TimerStage
from ambient.assistant.timers import TimerStore
from ambient.clock import FakeClock
from ambient.events import TimerRang
from ambient.runtime.bus import EventBus


class Wall:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_due_timers_ring_once_and_the_button_is_read(tmp_path: Path) -> None:
    store = TimerStore(tmp_path / "timers.sqlite")
    wall = Wall(1_000.0)
    store.add(60, "tea", wall.now - 120)  # came due while the device was off
    store.add(30, "pasta", wall.now)
    bus = EventBus()
    history = bus.keep_history()
    said: list[str] = []
    presses = iter([False, True] + [False] * 10_000)
    pressed: list[float] = []
    clock = FakeClock()

    async def announce(cid: str, text: str) -> None:
        said.append(text)
        await clock.sleep(2.0)  # the announcement takes a while to speak

    stage = TimerStage(store, wall, announce, bus, clock, lambda: next(presses),
                       lambda: pressed.append(clock.now()), executor=InlineExecutor())  # fmt: skip

    async def scenario() -> None:
        task = asyncio.create_task(stage.run())
        while clock.now() < 50.0:  # 50 s of polls, the wall clock moving with the fake one
            wall.now = 1_000.0 + clock.now()
            await asyncio.sleep(0)
        task.cancel()

    asyncio.run(scenario())
    assert said == ["Your tea timer is done.", "Your pasta timer is done."]
    assert [e.label for e in history if isinstance(e, TimerRang)] == ["tea", "pasta"]
    assert len(pressed) == 1
    assert store.active() == []
