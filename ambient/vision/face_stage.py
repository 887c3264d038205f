"""The camera stage: newest frame from the slot, the presence pipeline in the executor, events out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor

from ambient.clock import Clock
from ambient.events import (
    EnrolmentFailed,
    EnrolmentPending,
    EnrolmentRequested,
    Event,
    FaceCorrected,
    FaceCorrectionFailed,
    FaceCorrectionRequested,
    FacesDetected,
    LivenessChecked,
    LivenessRequested,
)
from ambient.runtime.bus import EventBus
from ambient.runtime.capture import CapturedFrame
from ambient.runtime.channels import ChannelClosed, ControlMessage, FrameSlot
from ambient.vision.face_archive import FaceArchive
from ambient.vision.identity import IdentityMatcher
from ambient.vision.presence import Newcomer, PresencePipeline


class PresenceStage:
    """Publishes what the presence pipeline decides, plus FacesDetected when the number of faces
    changes (and at most once a second while it stays the same).

    With an archive it also keeps the gallery in step: decisions naming someone are archived (for
    `ambient faces not`), spoken corrections ("that's not me") become look-alikes, and a gallery
    changed by the command line is reloaded. Gallery work runs on `state_executor`; the pipeline is
    only ever touched between frames, so it needs no lock."""

    def __init__(
        self,
        pipeline: PresencePipeline,
        frames: FrameSlot[CapturedFrame],
        bus: EventBus,
        clock: Clock,
        executor: Executor,
        repeat_s: float = 1.0,
        paused: Callable[[], bool] = lambda: False,
        archive: FaceArchive | None = None,
        state_executor: Executor | None = None,
        reload_check_s: float = 2.0,
    ) -> None:
        self._paused = paused
        self._archive = archive
        self._state_executor = state_executor
        self._reload_check_s = reload_check_s
        self._corrections: list[FaceCorrectionRequested] = []
        self._enrolments: list[EnrolmentRequested] = []
        self._challenges: list[LivenessRequested] = []
        bus.subscribe(self._on_event)
        self.pipeline = pipeline
        self._frames = frames
        self._bus = bus
        self._clock = clock
        self._executor = executor
        self._repeat_s = repeat_s
        self.frames_processed = 0
        self._last_reload_check = float("-inf")

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        last_count = 0
        last_published = float("-inf")
        while True:
            try:
                item = await self._frames.get()
            except ChannelClosed:
                return
            if isinstance(item, ControlMessage) or self._paused():
                continue  # privacy mode: frames are dropped unseen
            index, now, frame = item.index, item.t, item.frame
            result = await loop.run_in_executor(self._executor, self.pipeline.process, frame, now)
            self.frames_processed += 1
            boxes = result.boxes
            if len(boxes) != last_count or (boxes and now - last_published >= self._repeat_s):
                height, width = frame.shape[:2]
                self._bus.publish(
                    FacesDetected(t=now, frame_index=index, width=width, height=height, boxes=boxes)
                )
                last_published = now
                last_count = len(boxes)
            for event in result.events:
                self._bus.publish(event)
            await self._liveness(now)
            if self._archive is not None:
                await self._keep_gallery(self._archive, now)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, FaceCorrectionRequested):
            self._corrections.append(event)
        elif isinstance(event, EnrolmentRequested):
            self._enrolments.append(event)
        elif isinstance(event, LivenessRequested):
            self._challenges.append(event)

    async def _liveness(self, now: float) -> None:
        """Challenges asked for start between frames; those that ended are published."""
        while self._challenges:
            request = self._challenges.pop(0)
            refused = await asyncio.get_running_loop().run_in_executor(
                self._executor, self.pipeline.start_liveness, request.person, request.direction, now,
                request.seconds, request.correlation_id,
            )  # fmt: skip
            if refused is not None:
                self._bus.publish(
                    LivenessChecked(
                        t=now, correlation_id=request.correlation_id, person=request.person,
                        direction=request.direction, passed=False, reason=refused, frames=0, turn=0.0,
                        face_motion=0.0, surround_motion=0.0,
                    )
                )  # fmt: skip
        for result in self.pipeline.take_liveness_results():
            self._bus.publish(result)

    async def _keep_gallery(self, archive: FaceArchive, now: float) -> None:
        loop = asyncio.get_running_loop()
        decisions = self.pipeline.take_decisions()
        if decisions:
            await loop.run_in_executor(self._state_executor, archive.record, decisions)
        while self._corrections:
            await self._correct(archive, self._corrections.pop(0))
        while self._enrolments:
            request = self._enrolments.pop(0)
            refused = await loop.run_in_executor(
                self._executor, self.pipeline.start_enrolment, request.person, now
            )
            if refused is not None:
                self._bus.publish(EnrolmentFailed(t=now, correlation_id=request.correlation_id,
                                                  person=request.person, reason=refused))  # fmt: skip
        for newcomer in self.pipeline.take_newcomers():
            await self._keep_newcomer(archive, newcomer, now)
        if now - self._last_reload_check >= self._reload_check_s:
            self._last_reload_check = now
            changed = await loop.run_in_executor(self._state_executor, archive.changed)
            if changed:
                people = await loop.run_in_executor(self._state_executor, archive.people)
                self.pipeline.matcher = IdentityMatcher(people, self.pipeline.matcher.settings)

    async def _keep_newcomer(self, archive: FaceArchive, newcomer: Newcomer, now: float) -> None:
        """A newcomer's collected face waits, sealed, for a household member's approval."""
        if newcomer.plan is None:
            self._bus.publish(EnrolmentFailed(t=now, person=newcomer.name, reason=newcomer.reason or ""))
            return
        plan = newcomer.plan
        try:
            await asyncio.get_running_loop().run_in_executor(
                self._state_executor, archive.add_pending, newcomer.name, plan.encodings, plan.summary()
            )
        except Exception as exc:  # the gallery refused (a name taken meanwhile) or could not be written
            self._bus.publish(EnrolmentFailed(t=now, person=newcomer.name, reason=str(exc)))
            return
        self._bus.publish(
            EnrolmentPending(t=now, person=newcomer.name, images=len(plan.references), summary=plan.summary())
        )

    async def _correct(self, archive: FaceArchive, request: FaceCorrectionRequested) -> None:
        loop = asyncio.get_running_loop()
        now = self._clock.now()
        correction = await loop.run_in_executor(self._executor, self.pipeline.correct, request.person, now)
        if correction is None:
            self._bus.publish(
                FaceCorrectionFailed(
                    t=now,
                    correlation_id=request.correlation_id,
                    person=request.person,
                    reason="no face in view is named so",
                )
            )
            return
        for event in correction.events:
            self._bus.publish(event)
        try:
            await loop.run_in_executor(
                self._state_executor, archive.add_lookalikes, correction.person, correction.encodings, "voice"
            )
        except Exception as exc:  # the gallery could not be written: say so, keep running
            self._bus.publish(
                FaceCorrectionFailed(
                    t=now,
                    correlation_id=request.correlation_id,
                    person=request.person,
                    reason=f"the gallery could not keep it: {exc}",
                )
            )
            return
        self._bus.publish(
            FaceCorrected(
                t=now, correlation_id=request.correlation_id, person=correction.person, source="voice",
                lookalikes=len(correction.encodings), decision_ids=correction.decision_ids,
            )
        )  # fmt: skip
