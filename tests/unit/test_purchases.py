"""Purchases through the purchase stage against the fake shop over HTTP, with real SQLite (the
order book, the audit ledger): every refusal places nothing, a confirmed order is placed once,
cancels within the window, and a crash at any step neither loses nor doubles an order."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ambient.clock import FakeClock
from ambient.cloud.ledger import AuditLedger
from ambient.config import PurchaseSettings
from ambient.context.store import ContextStore
from ambient.events import (
    Event,
    LivenessChecked,
    LivenessRequested,
    PurchaseCancelRequested,
    PurchaseConfirmationHeard,
    PurchaseRequested,
    PurchaseStep,
)
from ambient.purchases.orders import OrderBook
from ambient.purchases.purchase_stage import PurchaseStage
from ambient.purchases.shop import HttpShop
from ambient.runtime.bus import EventBus
from ambient.testing.fake_shop import FakeShop

REPO = Path(__file__).resolve().parents[2]
SETTINGS = PurchaseSettings(enabled=True, person_daily_limit=50.0, household_daily_limit=50.0,
                            person_limits=("Ben=5",), liveness_s=1.0, confirm_within_s=0.3,
                            cancel_window_s=120.0)  # fmt: skip


class Shopfront:
    """The stage on a bus with a context store; the camera's answer to a liveness request and
    the confirmations are scripted, the rest is real."""

    def __init__(self, state: Path, shop: FakeShop, live: bool = True) -> None:
        self.bus = EventBus()
        self.events: list[Event] = self.bus.keep_history()
        self.store = ContextStore()
        self.bus.subscribe(self.store.on_event)
        self.ledger = AuditLedger(state / "ledger.sqlite")
        self.book = OrderBook(state / "orders.sqlite")
        self.clock = FakeClock()
        self.said: list[str] = []
        self.live = live
        self.confirm_as: str | None = None
        """Who says "confirm the order" when asked (None: no one)."""
        self.stage = PurchaseStage(
            HttpShop(shop.base_url, shop.key, "the test shop"), self.book, self.ledger, self.store, SETTINGS,
            self._announce, self.bus, self.clock, executor=None, choose=lambda: "left",
        )  # fmt: skip
        self.bus.subscribe(self._camera)

    async def _announce(self, cid: str, text: str) -> None:
        self.said.append(text)
        if "confirm the order" in text and self.confirm_as is not None:
            asyncio.get_running_loop().call_soon(
                self.bus.publish,
                PurchaseConfirmationHeard(t=0.0, correlation_id="c2", person=self.confirm_as),
            )

    def _camera(self, event: Event) -> None:
        if isinstance(event, LivenessRequested):
            verdict = LivenessChecked(t=0.0, correlation_id=event.correlation_id, person=event.person,
                                      direction=event.direction, passed=self.live,
                                      reason="the head turned" if self.live else "the head did not turn",
                                      frames=30, turn=0.3 if self.live else 0.01, face_motion=0.2,
                                      surround_motion=0.0)  # fmt: skip
            asyncio.get_running_loop().call_soon(self.bus.publish, verdict)

    def order(self, item: str, person: str, *present: str) -> None:
        """`person` asks for `item` with exactly `present` in view."""
        for name in self.store.who_is_here():
            self.store.person_left(name, 0)
        for track in range(10):
            self.store.person_left("unknown", track)
        for index, name in enumerate(present):
            self.store.person_arrived(name, index, 0.0)
        asyncio.run(self.stage.order(PurchaseRequested(t=0.0, correlation_id="c1", item=item, person=person)))

    def steps(self) -> list[tuple[str, str]]:
        return [(e.step, e.outcome) for e in self.events if isinstance(e, PurchaseStep)]


@pytest.fixture
def shop() -> FakeShop:
    with FakeShop() as running:
        yield running


def test_a_live_known_confirming_person_orders_once(tmp_path: Path, shop: FakeShop) -> None:
    front = Shopfront(tmp_path, shop)
    front.confirm_as = "Ana"
    front.order("coffee", "Ana", "Ana")
    assert [order["sku"] for order in shop.placed] == ["sku-coffee-1kg"]
    assert front.steps() == [("identity", "ok"), ("quote", "ok"), ("limits", "ok"), ("liveness", "ok"),
                             ("confirmation", "ok"), ("placed", "ok")]  # fmt: skip
    assert front.said[0] == "Ana, to order a kilo of house coffee beans, turn your head to your left, now."
    assert "for 18 dollars and 50 cents" in front.said[1] and front.said[2].startswith("Ordered")
    # nothing of the person reaches the shop; what did is on the ledger, before it was sent
    sent = b"".join(r.body + r.path.encode() + json.dumps(r.headers).encode() for r in shop.requests)
    assert b"Ana" not in sent
    entries = front.ledger.entries()
    shop_entries = [(e.endpoint, e.outcome) for e in entries if e.provider.startswith("shop:")]
    assert shop_entries == [("quote", "ok"), ("order", "ok")]
    assert [e.endpoint for e in entries if e.provider == "purchases"] == [s for s, _ in front.steps()]
    [order] = front.book.all()
    assert order.state == "placed" and shop.requests[-1].headers["Idempotency-Key"] == order.idempotency_key


@pytest.mark.parametrize(
    ("speaker", "present", "why"),
    [
        ("unknown", ("unknown",), "the speaker could not be told"),  # a stranger, or a look-alike
        ("unknown", (), "the speaker could not be told"),
        ("Ana", ("Ana", "unknown"), "Ana is not alone in view"),
        ("Ana", ("Ana", "Ben"), "Ana is not alone in view"),
    ],
)
def test_only_a_known_person_alone_in_view_may_order(
    tmp_path: Path, shop: FakeShop, speaker: str, present: tuple[str, ...], why: str
) -> None:
    front = Shopfront(tmp_path, shop)
    front.confirm_as = speaker
    front.order("coffee", speaker, *present)
    assert shop.requests == [] and front.book.all() == []  # not even a quote left the device
    [step] = [e for e in front.events if isinstance(e, PurchaseStep)]
    assert (step.step, step.outcome, step.reason) == ("identity", "refused", why)


def test_a_failed_liveness_check_orders_nothing(tmp_path: Path, shop: FakeShop) -> None:
    front = Shopfront(tmp_path, shop, live=False)
    front.confirm_as = "Ana"
    front.order("coffee", "Ana", "Ana")
    assert shop.placed == [] and front.steps()[-1] == ("liveness", "refused")
    assert "didn't order it" in front.said[-1] and front.book.all()[0].state == "refused"


def test_someone_else_confirming_orders_nothing(tmp_path: Path, shop: FakeShop) -> None:
    front = Shopfront(tmp_path, shop)
    front.confirm_as = "Ben"
    front.order("coffee", "Ana", "Ana")
    assert shop.placed == [] and front.steps()[-1] == ("confirmation", "refused")
    assert front.said[-1] == "Only Ana can confirm this order, alone in view. I didn't order it."


def test_no_confirmation_in_time_orders_nothing(tmp_path: Path, shop: FakeShop) -> None:
    front = Shopfront(tmp_path, shop)
    front.order("coffee", "Ana", "Ana")
    assert shop.placed == [] and front.book.all()[0].state == "abandoned"


def test_limits_per_person_and_household(tmp_path: Path, shop: FakeShop) -> None:
    front = Shopfront(tmp_path, shop)
    front.confirm_as = "Ana"
    front.order("television", "Ana", "Ana")
    assert front.said[-1] == "That would go over Ana's limit of 50 dollars a day. I didn't order it."
    front.order("batteries", "Ben", "Ben")
    assert "Ben's limit of 5 dollars" in front.said[-1]  # his own, lower, limit
    for _ in range(2):
        front.order("coffee", "Ana", "Ana")  # 37 dollars of the household's 50
    front.confirm_as = "Cleo"
    front.order("coffee", "Cleo", "Cleo")
    assert "the household's limit of 50 dollars" in front.said[-1]
    assert len(shop.placed) == 2 and all(o["sku"] == "sku-coffee-1kg" for o in shop.placed)


def test_cancel_within_the_window(tmp_path: Path, shop: FakeShop) -> None:
    front = Shopfront(tmp_path, shop)
    front.confirm_as = "Ana"
    front.order("coffee", "Ana", "Ana")
    asyncio.run(front.stage.cancel(PurchaseCancelRequested(t=0.0, correlation_id="c3", person="Ana")))
    assert shop.placed == [] and front.said[-1] == "Cancelled the order for a kilo of house coffee beans."
    front.order("milk", "Ana", "Ana")
    front.clock.advance(121)
    asyncio.run(front.stage.cancel(PurchaseCancelRequested(t=0.0, correlation_id="c4", person="Ana")))
    assert len(shop.placed) == 1 and "too late" in front.said[-1]


# A process killed (SIGKILL) at one step of an order: what the restarted device does then.
_ORDER_AND_DIE = """
import asyncio, os, signal, sys
from pathlib import Path
from ambient.purchases import orders, shop as shops

point, folder, url, key = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
die = lambda: os.kill(os.getpid(), signal.SIGKILL)
move = orders.OrderBook.move
def moving(self, order, state, now, reason="", shop_order_id=""):
    moved = move(self, order, state, now, reason, shop_order_id)
    if state == point:
        die()
    return moved
orders.OrderBook.move = moving
if point == "sent":
    place = shops.HttpShop.place
    shops.HttpShop.place = lambda self, *a: (place(self, *a), die())
sys.path.insert(0, os.getcwd())
from tests.unit.test_purchases import Shopfront
from ambient.testing.fake_shop import FakeShop
shop = FakeShop(key=key); shop._server = None
front = Shopfront.__new__(Shopfront)
class Remote(FakeShop):
    @property
    def base_url(self): return url
Shopfront.__init__(front, folder, Remote(key=key))
front.confirm_as = "Ana"
front.order("coffee", "Ana", "Ana")
print("not killed")
"""


@pytest.mark.parametrize(
    ("point", "placed", "state"),
    [
        ("live", 0, "abandoned"),
        ("confirmed", 0, "abandoned"),  # between the confirmation and the order
        ("sending", 1, "placed"),  # about to send: sent on restart, once
        ("sent", 1, "placed"),  # the shop has it, the device did not write it down: not ordered twice
    ],
)
def test_killed_at_any_step_never_orders_twice(
    tmp_path: Path, shop: FakeShop, point: str, placed: int, state: str
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", _ORDER_AND_DIE, point, str(tmp_path), shop.base_url, shop.key],
        capture_output=True, text=True, cwd=REPO, env={**os.environ}, timeout=60, check=False,
    )  # fmt: skip
    assert child.returncode == -9, child.stderr
    front = Shopfront(tmp_path, shop)  # the device restarts
    asyncio.run(front.stage.recover())
    assert len(shop.placed) == placed and [o.state for o in front.book.all()] == [state]
    keys = {r.headers.get("Idempotency-Key") for r in shop.requests if r.path == "/v1/orders"}
    assert len(keys) == placed  # a resend carries the same key
