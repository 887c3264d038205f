"""The supervisor: restart with exponential back-off, degradation, recovery and giving up."""

from __future__ import annotations

import asyncio

from ambient.clock import FakeClock
from ambient.errors import DeviceError
from ambient.events import DeviceDegraded, DeviceRecovered, StageFailed, StageGaveUp, StageRestarted
from ambient.runtime.bus import EventBus
from ambient.runtime.supervisor import RestartPolicy, StageSpec, Supervisor


def make(policy: RestartPolicy) -> tuple[Supervisor, EventBus, FakeClock]:
    bus = EventBus()
    bus.keep_history()
    clock = FakeClock()
    return Supervisor(bus, clock, policy), bus, clock


def test_failed_stage_restarts_with_backoff_then_recovers() -> None:
    supervisor, bus, clock = make(RestartPolicy(backoff_s=0.5, backoff_max_s=8.0, max_restarts=5))
    runs = 0

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs <= 3:
            raise DeviceError("camera unplugged")
        supervisor.report_ok("camera")

    async def scenario() -> None:
        supervisor.add(StageSpec("camera", flaky, "camera", "plug it in"))
        await asyncio.gather(*supervisor.start())

    asyncio.run(scenario())
    history = bus.history or []
    failures = [e for e in history if isinstance(e, StageFailed)]
    assert [f.restart_in_s for f in failures] == [0.5, 1.0, 2.0]
    assert [f.attempt for f in failures] == [1, 2, 3]
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert sum(isinstance(e, StageRestarted) for e in history) == 3
    degraded = [e for e in history if isinstance(e, DeviceDegraded)]
    assert len(degraded) == 1 and degraded[0].fix == "plug it in"
    assert degraded[0].reason == "camera unplugged"
    assert any(isinstance(e, DeviceRecovered) for e in history)
    assert supervisor.degraded == {}
    assert supervisor.stage_finished("camera")


def test_gives_up_after_max_restarts_and_stays_degraded() -> None:
    supervisor, bus, clock = make(RestartPolicy(backoff_s=1.0, backoff_max_s=3.0, max_restarts=4))

    async def broken() -> None:
        raise RuntimeError("boom")

    async def healthy() -> None:
        await clock.sleep(100)

    async def scenario() -> None:
        supervisor.add(StageSpec("faces", broken, "face detection", "see the log"))
        supervisor.add(StageSpec("speech", healthy, "voice activity", ""))
        await asyncio.gather(*supervisor.start())

    asyncio.run(scenario())
    history = bus.history or []
    delays = [e.restart_in_s for e in history if isinstance(e, StageFailed)]
    assert delays == [1.0, 2.0, 3.0, 3.0]  # capped at backoff_max_s
    gave_up = [e for e in history if isinstance(e, StageGaveUp)]
    assert len(gave_up) == 1 and "RuntimeError: boom" in gave_up[0].error
    assert supervisor.degraded == {"face detection": "RuntimeError: boom"}
    assert supervisor.stage_finished("faces") and supervisor.stage_finished("speech")


def test_a_long_healthy_run_resets_the_restart_count() -> None:
    supervisor, bus, clock = make(RestartPolicy(backoff_s=1.0, max_restarts=1, stable_s=10.0))
    runs = 0

    async def fails_after_a_while() -> None:
        nonlocal runs
        runs += 1
        if runs <= 3:
            await clock.sleep(30)  # healthy for 30 s, then fails: each failure is a first one
            raise DeviceError("glitch")

    async def scenario() -> None:
        supervisor.add(StageSpec("microphone", fails_after_a_while, "microphone", ""))
        await asyncio.gather(*supervisor.start())

    asyncio.run(scenario())
    history = bus.history or []
    assert [e.attempt for e in history if isinstance(e, StageFailed)] == [1, 1, 1]
    assert not any(isinstance(e, StageGaveUp) for e in history)


def test_stop_cancels_running_stages_quickly() -> None:
    supervisor, _, _ = make(RestartPolicy())

    async def forever() -> None:
        await asyncio.Event().wait()

    async def scenario() -> None:
        supervisor.add(StageSpec("speech", forever, "voice activity", ""))
        tasks = supervisor.start()
        await asyncio.sleep(0)
        await supervisor.stop(timeout_s=2.0)
        assert all(t.done() for t in tasks)

    asyncio.run(scenario())
