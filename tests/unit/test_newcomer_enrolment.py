""" "Remember me as Bea" through the presence stage and a real gallery: the newcomer's face is
collected while they turn their head, kept sealed until a household member approves it, and never
taken from someone the device already knows or from a face that never turned."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.events import EnrolmentFailed, EnrolmentPending, EnrolmentRequested, FaceIdentified
from ambient.vision.encoding import ENCODER_ID
from tests.unit.test_face_corrections import Rig
from tests.unit.test_presence_pipeline import ADA_BOX, STRANGER_BOX, unit

TEXTURED = np.random.default_rng(5).integers(0, 255, (240, 320, 3), dtype=np.uint8)
"""A frame with detail in it: the sharpness check must pass (the blank test frame is all blur)."""


class TurningHead:
    """The newcomer's encoding moves as they turn their head: a new direction every half second."""

    def __init__(self, rig: Rig, turning: bool) -> None:
        self.rig = rig
        self.turning = turning
        self.base = rig.camera.faces[STRANGER_BOX]

    def __call__(
        self, rgb: object, box: tuple[int, int, int, int]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        encoding = self.rig.camera.encode(rgb, box)
        if self.turning and box == STRANGER_BOX:  # a new direction every half second
            encoding = encoding + unit(60 + int(self.rig.clock.now() * 2)) * np.float32(0.2)
        points = np.array([[60, 90], [50, 90], [20, 90], [30, 90], [40, 110]], np.float32)
        return encoding.astype(np.float32), points


def scene(
    tmp_path: Path, turning: bool, boxes: tuple[tuple[int, int, int, int], ...], name: str = "Bea"
) -> list[object]:
    async def run() -> list[object]:
        rig = Rig(tmp_path)
        rig.frame = TEXTURED
        rig.camera.encode_with_landmarks = TurningHead(rig, turning)  # type: ignore[attr-defined]
        task = asyncio.create_task(rig.stage.run())
        rig.camera.boxes = boxes
        events = await rig.play(1.5)
        rig.bus.publish(EnrolmentRequested(t=rig.clock.now(), correlation_id="turn-1", person=name))
        events += await rig.play(6.0)
        rig.frames.close()
        await task
        return events

    return asyncio.run(run())


def test_a_newcomer_who_turns_their_head_waits_for_approval(tmp_path: Path) -> None:
    events = scene(tmp_path, turning=True, boxes=(ADA_BOX, STRANGER_BOX))
    assert {e.person for e in events if isinstance(e, FaceIdentified)} == {"Ada", "unknown"}
    [pending] = [e for e in events if isinstance(e, EnrolmentPending)]
    assert pending.person == "Bea" and pending.images >= 3 and "pose spread" in pending.summary
    rig = Rig.__new__(Rig)
    rig.folder = tmp_path
    gallery = rig.gallery()
    assert [name for name, _, _ in gallery.pending()] == ["Bea"]
    assert "Bea" not in [p.name for p in gallery.people(ENCODER_ID)]  # not before approval
    assert gallery.approve("Bea") == pending.images
    assert "Bea" in [p.name for p in gallery.people(ENCODER_ID)] and gallery.pending() == []
    gallery.close()


def test_a_still_face_is_not_enough(tmp_path: Path) -> None:
    events = scene(tmp_path, turning=False, boxes=(ADA_BOX, STRANGER_BOX))
    [failed] = [e for e in events if isinstance(e, EnrolmentFailed)]
    assert "1 usable image, 3 needed" in failed.reason and "same picture" in failed.reason
    assert not [e for e in events if isinstance(e, EnrolmentPending)]


def test_no_second_name_for_someone_known_and_one_newcomer_at_a_time(tmp_path: Path) -> None:
    events = scene(tmp_path / "known", turning=True, boxes=(ADA_BOX,))  # only Ada: no one new
    [failed] = [e for e in events if isinstance(e, EnrolmentFailed)]
    assert failed.reason == "I don't see anyone new" and failed.correlation_id == "turn-1"
    events = scene(tmp_path / "taken", turning=True, boxes=(ADA_BOX, STRANGER_BOX), name="ada")
    [failed] = [e for e in events if isinstance(e, EnrolmentFailed)]
    assert failed.reason == "I already know someone called ada"
