""" "That's not me" through the presence stage, with a real gallery: the decision behind a wrong
name is archived, a spoken correction keeps the face as the member's look-alike (sealed, on disk,
so it holds after a restart), and a gallery changed by `ambient faces ...` is picked up live."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from ambient.clock import FakeClock
from ambient.events import (
    Event,
    FaceCorrected,
    FaceCorrectionFailed,
    FaceCorrectionRequested,
    FaceIdentified,
    PersonLeft,
)
from ambient.runtime.bus import EventBus
from ambient.runtime.capture import CapturedFrame
from ambient.runtime.channels import FrameSlot
from ambient.vision.encoding import ENCODER_ID
from ambient.vision.face_archive import FaceArchive
from ambient.vision.face_stage import PresenceStage
from ambient.vision.gallery import Gallery
from ambient.vision.identity import IdentityMatcher, MatchSettings
from ambient.vision.presence import PresencePipeline
from tests.unit.test_presence_pipeline import ADA, FRAME, SISTER, SISTER_BOX, ScriptedCamera, unit
from tests.unit.voice_turn_harness import InlineExecutor

FPS = 10


class Rig:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        gallery = self.gallery()
        gallery.add("Ada", np.stack([ADA + np.float32(0.01) * unit(n) for n in range(10, 14)]), ENCODER_ID)
        gallery.close()
        self.camera = ScriptedCamera()
        self.camera.faces[SISTER_BOX] = SISTER
        self.bus = EventBus()
        self.events = self.bus.keep_history()
        self.frames: FrameSlot[CapturedFrame] = FrameSlot()
        self.clock = FakeClock()
        self.pipeline = PresencePipeline(self.camera, self.camera, self.matcher())  # type: ignore[arg-type]
        self.stage = PresenceStage(
            self.pipeline, self.frames, self.bus, self.clock, InlineExecutor(),
            archive=FaceArchive(self.gallery, folder / "gallery.sqlite"), state_executor=InlineExecutor(),
        )  # fmt: skip
        self.index = 0
        self.frame = FRAME

    def gallery(self) -> Gallery:
        return Gallery(self.folder / "gallery.sqlite", self.folder / "gallery.key", environ={})

    def matcher(self) -> IdentityMatcher:
        gallery = self.gallery()
        try:
            return IdentityMatcher(gallery.people(ENCODER_ID), MatchSettings())
        finally:
            gallery.close()

    async def play(self, seconds: float) -> list[Event]:
        """Frames at 10 fps; each is processed before the next is offered."""
        start = len(self.events)
        for _ in range(int(seconds * FPS)):
            self.clock.advance(1 / FPS)
            processed = self.stage.frames_processed
            self.frames.put_nowait(CapturedFrame(self.index, self.clock.now(), self.frame))
            self.index += 1
            while self.stage.frames_processed == processed:
                await asyncio.sleep(0)
            for _ in range(5):  # let the gallery work after the frame finish
                await asyncio.sleep(0)
        return self.events[start:]


def test_a_spoken_correction_holds_now_and_after_a_restart(tmp_path: Path) -> None:
    async def scenario() -> None:
        rig = Rig(tmp_path)
        task = asyncio.create_task(rig.stage.run())
        rig.camera.boxes = (SISTER_BOX,)
        events = await rig.play(1.5)
        [wrong] = [e for e in events if isinstance(e, FaceIdentified)]
        assert wrong.person == "Ada"  # a relative taken for her
        gallery = rig.gallery()
        assert gallery.decision("Ada")[0] == wrong.decision_id  # archived for `ambient faces not`
        gallery.close()

        rig.bus.publish(FaceCorrectionRequested(t=rig.clock.now(), correlation_id="turn-7", person="Ada"))
        events = await rig.play(2.0)
        [corrected] = [e for e in events if isinstance(e, FaceCorrected)]
        assert corrected.correlation_id == "turn-7" and corrected.source == "voice"
        assert corrected.decision_ids == (wrong.decision_id,) and corrected.lookalikes >= 1
        assert [e.person for e in events if isinstance(e, PersonLeft)] == ["Ada"]
        assert {e.person for e in events if isinstance(e, FaceIdentified)} == {"unknown"}

        rig.bus.publish(FaceCorrectionRequested(t=rig.clock.now(), correlation_id="turn-8", person="Ada"))
        events = await rig.play(0.5)
        [failed] = [e for e in events if isinstance(e, FaceCorrectionFailed)]
        assert failed.correlation_id == "turn-8"  # no one in view is taken for Ada now

        # someone runs `ambient faces enroll` while the device runs: picked up within seconds
        gallery = rig.gallery()
        gallery.add("Bea", unit(40)[None, :] + np.zeros((3, 128), np.float32), ENCODER_ID)
        gallery.close()
        await rig.play(2.5)
        assert "Bea" in rig.pipeline.matcher.names
        rig.frames.close()
        await task

    asyncio.run(scenario())
    # after a restart the look-alike is read from the gallery: the relative stays unknown
    restarted = Rig.__new__(Rig)
    restarted.folder = tmp_path
    people = {p.name: p for p in restarted.gallery().people(ENCODER_ID)}
    assert len(people["Ada"].lookalikes) >= 1
    matcher = IdentityMatcher(list(people.values()), MatchSettings())
    assert matcher.match(SISTER + np.float32(0.004)).name is None
    assert matcher.match(ADA).name == "Ada"
