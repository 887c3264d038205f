"""The liveness trials the attack tests and `benchmarks/liveness.py` share: photo attacks on every
household member of the shared faces, strangers asking, and genuine head turns of the shared
videos, each as an order attempted through the device's presence and purchase stages.

The household: every person of `../shared/data/faces` with at least four photos, enrolled from
their first three; the attack holds up a fourth (a photo the gallery never saw, the attacker's
best case). The background is a frame of the Hamilton clip in which no face is detectable.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from ambient.config import PurchaseSettings
from ambient.models import ModelStore
from ambient.testing.fake_shop import FakeShop
from ambient.testing.head_turns import HeadTurn, read_frames
from ambient.testing.order_rig import SETTINGS, Attempt, attempt_order
from ambient.testing.photo_attack import KINDS, photo_attack
from ambient.vision.detection import HogFaceDetector
from ambient.vision.encoding import FaceEncoder
from ambient.vision.gallery import Person
from ambient.vision.identity import IdentityMatcher, MatchSettings
from ambient.vision.setup import enrolment_detector, face_encoder

FPS = 12.0
ATTACK_S = 6.5
"""Long enough for a member named late (up to 2 s in) to get the whole 3 s challenge and a verdict."""
BACKGROUND_FRAME = 50
"""Alex Lacamoire in profile at the piano: a real room, and no face HOG can find."""


@dataclass(frozen=True)
class Household:
    people: list[Person]
    probes: dict[str, Path]
    """The photo each member's attacker holds up."""
    strangers: dict[str, Path]
    encoder: FaceEncoder
    detector: HogFaceDetector
    background: npt.NDArray[np.uint8]

    def matcher(self) -> IdentityMatcher:
        return IdentityMatcher(self.people, MatchSettings())


def household(data: Path, members: int | None = None) -> Household:
    encoder = face_encoder(ModelStore())
    enrol = enrolment_detector()
    people: list[Person] = []
    probes: dict[str, Path] = {}
    strangers: dict[str, Path] = {}
    folders = sorted(p for p in (data / "faces").iterdir() if p.is_dir())
    for folder in folders:
        photos = sorted(folder.glob("*.jpg"))
        name = folder.name.replace("_", " ")
        if len(photos) < 4 or (members is not None and len(people) >= members):
            if photos:
                strangers[name] = photos[0]
            continue
        encodings = []
        for photo in photos[:3]:
            image = np.asarray(cv2.imread(str(photo)), dtype=np.uint8)
            boxes = enrol.detect(image)
            if boxes:
                encodings.append(encoder.encode(np.ascontiguousarray(image[:, :, ::-1]), boxes[0]))
        if len(encodings) == 3:
            people.append(Person(name, np.stack(encodings)))
            probes[name] = photos[3]
    background = read_frames(data / "video" / "short_hamilton_clip.mp4", BACKGROUND_FRAME, BACKGROUND_FRAME)[
        0
    ]
    return Household(people, probes, strangers, encoder, HogFaceDetector(320, 1), background)


def attack(home: Household, shop: FakeShop, person: str, kind: str, seed: int) -> Attempt:
    """`person`'s photo held up and handled as `kind`, while the device asks for a head turn."""
    direction = ("left", "right")[seed % 2]
    photo = np.asarray(cv2.imread(str(home.probes[person])), dtype=np.uint8)
    frames = photo_attack(photo, home.background, kind, direction, seed, frames=round(ATTACK_S * FPS))
    return asyncio.run(attempt_order(frames, FPS, home.detector, home.encoder, home.matcher(), shop,
                                     direction=direction))  # fmt: skip


def stranger_asks(home: Household, shop: FakeShop, stranger: str, seed: int) -> Attempt:
    """Someone the household never enrolled, in person (their photo, turned as asked would not
    matter: the device must not take them for anyone)."""
    photo = np.asarray(cv2.imread(str(home.strangers[stranger])), dtype=np.uint8)
    frames = photo_attack(photo, home.background, "still", "left", seed, frames=round(ATTACK_S * FPS))
    return asyncio.run(
        attempt_order(frames, FPS, home.detector, home.encoder, home.matcher(), shop, ask_anyone=True)
    )


def genuine_order(
    clip: Path,
    turn: HeadTurn,
    person: Person,
    shop: FakeShop,
    confirm_as: str | None = None,
    lead_s: float = 1.0,
    settings: PurchaseSettings = SETTINGS,
) -> Attempt:
    """An order by a person of a shared video whose head turn was found there: the frames from
    `lead_s` before the turn (the device names them meanwhile) to the end of the turn's watch."""
    first = max(0, turn.first_frame - round(lead_s * turn.fps))
    frames = read_frames(clip, first, turn.boxes[-1][0])
    matcher = IdentityMatcher([person], MatchSettings())
    encoder = face_encoder(ModelStore())
    return asyncio.run(
        attempt_order(frames, turn.fps, HogFaceDetector(320, 1), encoder, matcher, shop,
                      confirm_as=confirm_as, direction=turn.direction, settings=settings)
    )  # fmt: skip


__all__ = ["KINDS", "Household", "attack", "genuine_order", "household", "stranger_asks"]
