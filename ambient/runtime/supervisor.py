"""Runs every stage as an asyncio task and restarts a failed one with back-off, marking degradation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ambient.clock import Clock
from ambient.errors import AmbientError
from ambient.events import DeviceDegraded, DeviceRecovered, StageFailed, StageGaveUp, StageRestarted
from ambient.runtime.bus import EventBus

log = logging.getLogger(__name__)

StageBody = Callable[[], Awaitable[None]]


@dataclass
class StageSpec:
    name: str
    body: StageBody
    component: str
    """What the device loses while this stage is down ("camera", "microphone", ...)."""
    fix: str
    """What the owner can do about it, shown in DeviceDegraded and `ambient doctor`."""
    on_give_up: Callable[[], None] | None = None
    """Called when the stage is given up, e.g. to close the channel its consumers wait on."""
    lasts_with_device: bool = False
    """True for stages that wait on the clock (timers, nudges, orders) rather than on media: they
    run until the device stops, so a simulated run that ends with its media must not wait on them."""


@dataclass
class RestartPolicy:
    backoff_s: float = 0.5
    backoff_max_s: float = 8.0
    max_restarts: int = 5
    stable_s: float = 10.0
    """A stage that ran this long before failing starts its restart count afresh."""


@dataclass
class _StageState:
    spec: StageSpec
    attempt: int = 0
    finished: bool = False
    gave_up: bool = False
    run_started: float = 0.0
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class Supervisor:
    """One task per stage; a crash is an event and a back-off, not the end of the device."""

    def __init__(self, bus: EventBus, clock: Clock, policy: RestartPolicy | None = None) -> None:
        self._bus = bus
        self._clock = clock
        self.policy = policy or RestartPolicy()
        self._stages: dict[str, _StageState] = {}
        self.degraded: dict[str, str] = {}
        """component -> reason, for every component currently down."""
        self._last_ok: dict[str, float] = {}

    def add(self, spec: StageSpec) -> None:
        self._stages[spec.name] = _StageState(spec)

    def start(self) -> list[asyncio.Task[None]]:
        tasks = []
        for state in self._stages.values():
            state.task = asyncio.create_task(self._supervise(state), name=f"stage:{state.spec.name}")
            tasks.append(state.task)
        return tasks

    def media_tasks(self) -> list[asyncio.Task[None]]:
        """The started tasks that end when their source does (every stage not `lasts_with_device`)."""
        return [
            state.task
            for state in self._stages.values()
            if state.task is not None and not state.spec.lasts_with_device
        ]

    def report_ok(self, name: str) -> None:
        """A stage delivered something: if its component was degraded, it has recovered.

        Cheap enough to call per item: a clock read and a dict lookup while everything is healthy.
        """
        self._last_ok[name] = self._clock.now()
        if not self.degraded:
            return
        component = self._stages[name].spec.component
        if self.degraded.pop(component, None) is not None:
            self._bus.publish(DeviceRecovered(t=self._clock.now(), component=component))

    def stage_finished(self, name: str) -> bool:
        state = self._stages[name]
        return state.finished or state.gave_up

    async def heartbeat(
        self, beat: Callable[[], None], every_s: float, watched: tuple[str, ...] = ()
    ) -> None:
        """Call `beat` (systemd's watchdog) every `every_s` while the device is alive: the event
        loop turns (a blocked loop misses its beats) and each `watched` stage has delivered within
        two beats, or is openly down (given up, finished: degraded and said so, not hung)."""
        started = self._clock.now()
        while True:
            await self._clock.sleep(every_s)
            now = self._clock.now()
            hung = [
                name for name in watched
                if not self.stage_finished(name) and now - self._last_ok.get(name, started) > 2 * every_s
            ]  # fmt: skip
            if hung:
                log.error("no heartbeat: %s delivered nothing for %.1f s", ", ".join(hung), 2 * every_s)
                continue
            beat()

    async def stop(self, timeout_s: float = 2.0) -> None:
        tasks = [s.task for s in self._stages.values() if s.task is not None and not s.task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=timeout_s)
            for task in pending:
                log.warning("stage %s did not stop within %.1f s", task.get_name(), timeout_s)

    async def _supervise(self, state: _StageState) -> None:
        spec = state.spec
        while True:
            state.run_started = self._clock.now()
            try:
                await spec.body()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not await self._after_failure(state, exc):
                    return
                continue
            state.finished = True
            log.info("stage %s finished", spec.name)
            return

    async def _after_failure(self, state: _StageState, exc: Exception) -> bool:
        """Publish the failure and wait out the back-off; False when the stage is given up."""
        spec = state.spec
        message = str(exc) if isinstance(exc, AmbientError) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, AmbientError):
            log.error("stage %s crashed", spec.name, exc_info=exc)
        if self._clock.now() - state.run_started >= self.policy.stable_s:
            state.attempt = 0  # it had been healthy for a while: a fresh failure, not a streak
        state.attempt += 1
        self._mark_degraded(spec, message)
        if state.attempt > self.policy.max_restarts:
            state.gave_up = True
            self._bus.publish(StageGaveUp(t=self._clock.now(), stage=spec.name, error=message))
            if spec.on_give_up is not None:
                spec.on_give_up()
            return False
        delay = min(self.policy.backoff_s * 2 ** (state.attempt - 1), self.policy.backoff_max_s)
        self._bus.publish(
            StageFailed(
                t=self._clock.now(),
                stage=spec.name,
                error=message,
                attempt=state.attempt,
                restart_in_s=delay,
            )
        )
        await self._clock.sleep(delay)
        self._bus.publish(StageRestarted(t=self._clock.now(), stage=spec.name, attempt=state.attempt))
        return True

    def _mark_degraded(self, spec: StageSpec, reason: str) -> None:
        first = spec.component not in self.degraded
        self.degraded[spec.component] = reason
        if first:
            self._bus.publish(
                DeviceDegraded(t=self._clock.now(), component=spec.component, reason=reason, fix=spec.fix)
            )
