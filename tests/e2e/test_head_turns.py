"""Genuine head turns found in the shared videos (ambient/testing/head_turns.py) pass the liveness
check, and a person of the video, enrolled from video/enroll/, completes an order with one: the
device asks for the side they turned to while they turn. Another person confirming it, or a
price over their limit, places nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from ambient.models import ModelStore
from ambient.testing.fake_shop import FakeShop
from ambient.testing.head_turns import HeadTurn, check_turn, find_head_turns
from ambient.testing.liveness_trials import genuine_order
from ambient.testing.order_rig import SETTINGS
from ambient.vision.detection import HogFaceDetector
from ambient.vision.gallery import Person
from ambient.vision.setup import enrolment_detector, face_encoder

CLIP = "short_hamilton_clip.mp4"
PERSON = "lin_manuel_miranda"
CLOSE_UP = 82


@pytest.fixture(scope="module")
def turns(data_dir: Path, model_store: ModelStore) -> list[HeadTurn]:
    return find_head_turns(data_dir / "video" / CLIP, HogFaceDetector(640, 1), face_encoder(model_store))


@pytest.fixture(scope="module")
def lin(data_dir: Path, model_store: ModelStore) -> Person:
    encoder, detector = face_encoder(model_store), enrolment_detector()
    encodings = []
    for photo in sorted((data_dir / "video" / "enroll" / PERSON).glob("*.jpg")):
        image = np.asarray(cv2.imread(str(photo)), dtype=np.uint8)
        encodings.append(encoder.encode(np.ascontiguousarray(image[:, :, ::-1]), detector.detect(image)[0]))
    return Person(PERSON, np.stack(encodings))


@pytest.fixture
def shop() -> Iterator[FakeShop]:
    with FakeShop() as running:
        yield running


def test_genuine_turns_pass_the_liveness_check(
    data_dir: Path, turns: list[HeadTurn], model_store: ModelStore
) -> None:
    assert turns, "no head turn found in the clip"
    encoder = face_encoder(model_store)
    verdicts = [check_turn(data_dir / "video" / CLIP, turn, encoder) for turn in turns]
    assert all(ok for ok, _, _ in verdicts), verdicts


@pytest.mark.xfail(
    strict=True,
    reason="known gap (issue 15): from his one enrolment photo Lin is named only at frame 170, after "
    "the clip's turns have begun, so no order is asked for during a turn; needs a clip or gallery "
    "where the person is named before turning",
)
def test_a_genuine_turn_completes_an_order_and_only_for_them(
    data_dir: Path, turns: list[HeadTurn], lin: Person, shop: FakeShop
) -> None:
    clip = data_dir / "video" / CLIP
    # the first turn that starts a second or more into Lin's close-up (frame 82 on, the clip's ground
    # truth): the device names him in under a second, then asks, and he turns
    turn = next(t for t in turns if t.first_frame >= CLOSE_UP + t.fps)
    done = genuine_order(clip, turn, lin, shop)
    assert done.requested_by == PERSON and done.placed == 1, done.steps
    assert [s[:2] for s in done.steps][-3:] == [("liveness", "ok"), ("confirmation", "ok"), ("placed", "ok")]
    other = genuine_order(clip, turn, lin, shop, confirm_as="alex_lacamoire")
    assert other.placed == 0 and other.steps[-1][:2] == ("confirmation", "refused")
    poor = genuine_order(clip, turn, lin, shop, settings=replace(SETTINGS, person_daily_limit=5.0))
    assert poor.placed == 0 and poor.steps[-1][:2] == ("limits", "refused")
    assert len(shop.placed) == 1
