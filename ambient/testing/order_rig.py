"""An order attempted in front of the camera: the device's presence stage (real detector, encoder,
tracker, identity rule and liveness check) watching frames the caller supplies, the context store,
the purchase stage and the fake shop over HTTP, all on one bus. What a person says is the edge:
the request ("order more coffee") is made after the first frame in which someone is named in view,
as the speaker the store resolves; "confirm the order" is said by whoever the caller names (by
default, whoever the store resolves when asked).

Used by the attack tests and `benchmarks/liveness.py`: frames are fed at the clip's frame rate
in frame time, each processed before the next (so a slow machine sees the same frames).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ambient.clock import FakeClock
from ambient.cloud.ledger import AuditLedger
from ambient.config import PurchaseSettings
from ambient.context.store import UNKNOWN, ContextStore
from ambient.events import (
    Event,
    LivenessChecked,
    PurchaseConfirmationHeard,
    PurchaseRequested,
    PurchaseStep,
)
from ambient.purchases.orders import OrderBook
from ambient.purchases.purchase_stage import PurchaseStage
from ambient.purchases.shop import HttpShop
from ambient.runtime.bus import EventBus
from ambient.runtime.capture import CapturedFrame
from ambient.runtime.channels import FrameSlot
from ambient.testing.fake_shop import FakeShop
from ambient.vision.detection import HogFaceDetector
from ambient.vision.encoding import FaceEncoder
from ambient.vision.face_stage import PresenceStage
from ambient.vision.identity import IdentityMatcher
from ambient.vision.presence import PresencePipeline

T = TypeVar("T")
SETTINGS = PurchaseSettings(enabled=True, person_daily_limit=1000.0, household_daily_limit=1000.0,
                            liveness_s=3.0, confirm_within_s=2.0)  # fmt: skip


@dataclass(frozen=True)
class Attempt:
    placed: int
    """Orders the shop has from this attempt."""
    steps: tuple[tuple[str, str, str], ...]
    """(step, outcome, reason) as the purchase stage published them."""
    liveness: LivenessChecked | None
    requested_by: str | None
    """Who the device took for the speaker when the order was asked for (None: no one was named)."""


class _Direct(Executor):
    """Runs a job in the caller (the rig needs no worker threads: it waits for each frame)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


async def attempt_order(
    frames: Sequence[npt.NDArray[np.uint8]],
    fps: float,
    detector: HogFaceDetector,
    encoder: FaceEncoder,
    matcher: IdentityMatcher,
    shop: FakeShop,
    confirm_as: str | None = None,
    item: str = "coffee",
    direction: str = "left",
    settings: PurchaseSettings = SETTINGS,
    ask_anyone: bool = False,
) -> Attempt:
    """One order asked for in front of `frames` (once someone is named in view; with `ask_anyone`,
    once anyone is seen: a stranger asking): what the shop got, and every step."""
    before = len(shop.placed)
    bus = EventBus()
    events: list[Event] = bus.keep_history()
    clock = FakeClock()
    store = ContextStore()
    bus.subscribe(store.on_event)
    slot: FrameSlot[CapturedFrame] = FrameSlot()
    pipeline = PresencePipeline(detector, encoder, matcher)
    direct = _Direct()
    presence = PresenceStage(pipeline, slot, bus, clock, direct)
    requested: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder)
        ledger = AuditLedger(state / "ledger.sqlite")
        book = OrderBook(state / "orders.sqlite")

        async def announce(cid: str, text: str) -> None:
            if "confirm the order" in text:
                who = confirm_as if confirm_as is not None else store.speaker_now()[0]
                asyncio.get_running_loop().call_soon(
                    bus.publish,
                    PurchaseConfirmationHeard(t=clock.now(), correlation_id="confirm", person=who),
                )

        purchases = PurchaseStage(
            HttpShop(shop.base_url, shop.key, "the test shop"), book, ledger, store, settings, announce, bus,
            clock, executor=direct, choose=lambda: direction,
        )  # fmt: skip

        stages = [asyncio.create_task(presence.run()), asyncio.create_task(purchases.run())]
        for index, frame in enumerate(frames):
            t = index / fps
            clock.advance(max(0.0, t - clock.now()))
            await slot.put(CapturedFrame(index, t, frame))
            while presence.frames_processed <= index:
                await asyncio.sleep(0)
            if not requested:
                # asked as soon as someone is named in view (or, `ask_anyone`, is in view at all):
                # a person is often a stranger for a few frames before they are named
                speaker = store.speaker_now()[0]
                anyone = bool(store.who_is_here()) or store.strangers_present() > 0
                if speaker != UNKNOWN or (ask_anyone and anyone):
                    requested.append(speaker)
                    bus.publish(
                        PurchaseRequested(t=clock.now(), correlation_id="order", item=item, person=speaker)
                    )
            for _ in range(20):  # let the purchase stage take what the frame caused
                await asyncio.sleep(0)
        slot.close()
        # the stage waits (in real time) for a confirmation or a verdict it will not get now
        for _ in range(int(settings.confirm_within_s * 100) + 100):
            if not _in_flight(events):
                break
            await asyncio.sleep(0.01)
        for task in stages:
            task.cancel()
        await asyncio.gather(*stages, return_exceptions=True)
        ledger.close()
        book.close()
    steps = tuple((e.step, e.outcome, e.reason) for e in events if isinstance(e, PurchaseStep))
    liveness = next((e for e in events if isinstance(e, LivenessChecked)), None)
    return Attempt(len(shop.placed) - before, steps, liveness, requested[0] if requested else None)


def _in_flight(events: list[Event]) -> bool:
    steps = [e for e in events if isinstance(e, PurchaseStep)]
    if not steps:
        return any(isinstance(e, PurchaseRequested) for e in events)
    last = steps[-1]
    return last.outcome == "ok" and last.step != "placed"


__all__ = ["SETTINGS", "UNKNOWN", "Attempt", "attempt_order"]
