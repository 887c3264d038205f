"""The purchase stage: "order more coffee" becomes an order only when, in this order,

1. the speaker is a household member, alone in view (no stranger, no look-alike: the identity
   rule names no one for those, so the speaker is "unknown");
2. the shop has the item, and its price fits the person's and the household's daily limits;
3. the person passes an active liveness check: asked to turn their head to a side chosen at
   random, they do it within `liveness_s` (see `ambient/vision/liveness.py`);
4. the same person, alone in view, says "confirm the order" within `confirm_within_s` of being
   told the item and the price;
5. the limits still hold; the order is written as "sending", then sent with its idempotency key.

Every step is on the audit ledger (and a `PurchaseStep` event) before the next is taken; what
goes to the shop is the item, the price and the key (never a name, an image or audio). "Cancel
that order" within `cancel_window_s` cancels it at the shop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from ambient.clock import Clock
from ambient.cloud.ledger import AuditLedger
from ambient.config import PurchaseSettings
from ambient.context.store import UNKNOWN, ContextStore
from ambient.errors import ConfigError
from ambient.events import (
    Event,
    LivenessChecked,
    LivenessRequested,
    PurchaseCancelRequested,
    PurchaseConfirmationHeard,
    PurchaseRequested,
    PurchaseStep,
)
from ambient.purchases.orders import BEFORE_SENDING, Order, OrderBook
from ambient.purchases.shop import Shop, ShopError, spoken_price
from ambient.runtime.bus import EventBus
from ambient.vision.liveness import choose_direction

log = logging.getLogger(__name__)
T = TypeVar("T")
DAY_S = 86_400.0


def person_limits(settings: PurchaseSettings) -> dict[str, int]:
    """`person_limits` as cents by name; a malformed entry is a one-line ConfigError."""
    limits = {}
    for entry in settings.person_limits:
        name, sep, amount = entry.partition("=")
        try:
            value = float(amount)
        except ValueError:
            value = -1.0
        if not sep or not name.strip() or not value >= 0:
            raise ConfigError(f"purchases.person_limits: {entry!r} is not NAME=AMOUNT (e.g. Ben=10)")
        limits[name.strip()] = round(value * 100)
    return limits


@dataclass
class _Placed:
    order: Order
    until: float


class PurchaseStage:
    def __init__(
        self,
        shop: Shop,
        book: OrderBook,
        ledger: AuditLedger,
        store: ContextStore,
        settings: PurchaseSettings,
        announce: Callable[[str, str], Awaitable[None]],
        bus: EventBus,
        clock: Clock,
        wall_clock: Callable[[], float] = time.time,
        executor: Executor | None = None,
        wake_phrase: str = "computer",
        choose: Callable[[], str] = choose_direction,
    ) -> None:
        self._shop = shop
        self._book = book
        self._ledger = ledger
        self._store = store
        self._settings = settings
        self._limits = person_limits(settings)
        self._announce = announce
        self._bus = bus
        self._clock = clock
        self._wall = wall_clock
        self._executor = executor
        self._wake = wake_phrase
        self._choose = choose
        self._inbox: deque[Event] = deque()
        self._arrived = asyncio.Event()
        self._liveness: asyncio.Future[LivenessChecked] | None = None
        self._confirmation: asyncio.Future[PurchaseConfirmationHeard] | None = None
        self._placed: _Placed | None = None
        bus.subscribe(self.on_event)

    # --- what the bus brings -----------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        if isinstance(event, LivenessChecked):
            if self._liveness is not None and not self._liveness.done():
                self._liveness.set_result(event)
        elif isinstance(event, PurchaseConfirmationHeard):
            if self._confirmation is not None and not self._confirmation.done():
                self._confirmation.set_result(event)
            else:
                self._queue(event)
        elif isinstance(event, PurchaseRequested | PurchaseCancelRequested):
            self._queue(event)

    def _queue(self, event: Event) -> None:
        self._inbox.append(event)
        self._arrived.set()

    async def run(self) -> None:
        await self.recover()
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            while self._inbox:
                event = self._inbox.popleft()
                if isinstance(event, PurchaseRequested):
                    await self.order(event)
                elif isinstance(event, PurchaseCancelRequested):
                    await self.cancel(event)
                else:
                    await self._say(event.correlation_id, "There is no order waiting to be confirmed.")

    # --- start-up ------------------------------------------------------------------------------

    async def recover(self) -> None:
        """Orders a crash left half-way: before sending, abandoned; while sending, sent again
        with the same key (the shop returns the order it may already have: never two)."""
        for order in await self._in_state(lambda: self._book.in_state(*BEFORE_SENDING)):
            await self._end(order, "abandoned", "recovered", "the device restarted before it was sent")
        for order in await self._in_state(lambda: self._book.in_state("sending")):
            await self._send(order)

    # --- an order ------------------------------------------------------------------------------

    async def order(self, request: PurchaseRequested) -> None:
        cid = request.correlation_id or ""
        person, item = request.person, request.item
        alone = self._store.who_is_here() == [person] and self._store.strangers_present() == 0
        if person == UNKNOWN or not alone:
            reason = (
                "the speaker could not be told" if person == UNKNOWN else f"{person} is not alone in view"
            )
            await self._refuse_early(cid, item, "identity", reason)
            await self._say(
                cid, "I only order for someone I recognise, alone in front of me. I didn't order anything."
            )
            return
        try:
            offer = await self._shop_call(cid, "quote", {"item": item}, lambda: self._shop.quote(item))
        except ShopError as error:
            await self._refuse_early(cid, item, "quote", str(error))
            await self._say(cid, f"I couldn't reach {self._shop.name}, so I didn't order anything.")
            return
        if offer is None:
            await self._refuse_early(cid, item, "quote", "the shop has no such item")
            await self._say(cid, f"{self._shop.name.capitalize()} doesn't have {item}.")
            return
        order = await self._in_state(
            lambda: self._book.open_order(
                person, item, offer.sku, offer.title, offer.price_cents, offer.currency, self._wall(), cid
            )
        )
        await self._step(order, "identity", "ok", f"{person}, alone in view")
        await self._step(order, "quote", "ok", f"{offer.title} at {offer.price_cents} {offer.currency} cents")
        over = await self._over_limit(order)
        if over:
            await self._end(order, "refused", "limits", over)
            await self._say(cid, f"That would go over {over}. I didn't order it.")
            return
        await self._step(order, "limits", "ok", "within the person's and the household's limits")
        if not await self._live(order):
            return
        price = spoken_price(offer.price_cents, offer.currency)
        self._confirmation = asyncio.get_running_loop().create_future()
        await self._say(
            cid,
            f"{offer.title.capitalize()}, for {price}. To order it, say: {self._wake}, confirm the order.",
        )
        try:
            heard = await asyncio.wait_for(self._confirmation, self._settings.confirm_within_s)
        except TimeoutError:
            await self._end(order, "abandoned", "confirmation", "no confirmation was heard in time")
            await self._say(cid, "I didn't hear a confirmation, so I didn't order it.")
            return
        finally:
            self._confirmation = None
        if heard.person != person:
            who = "someone I couldn't tell" if heard.person == UNKNOWN else heard.person
            await self._end(order, "refused", "confirmation", f"confirmed by {who}, not {person}")
            await self._say(
                heard.correlation_id,
                f"Only {person} can confirm this order, alone in view. I didn't order it.",
            )
            return
        await self._step(order, "confirmation", "ok", f"{person} confirmed, alone in view")
        order = await self._in_state(lambda: self._book.move(order, "confirmed", self._wall()))
        over = await self._over_limit(order)
        if over:
            await self._end(order, "refused", "limits", over)
            await self._say(heard.correlation_id, f"That would go over {over}. I didn't order it.")
            return
        order = await self._in_state(lambda: self._book.move(order, "sending", self._wall()))
        await self._send(order, heard.correlation_id)

    async def _live(self, order: Order) -> bool:
        """The liveness challenge; False (the order refused and said so) when it failed."""
        cid = order.correlation_id
        direction = self._choose()
        await self._say(
            cid, f"{order.person}, to order {order.title}, turn your head to your {direction}, now."
        )
        self._liveness = asyncio.get_running_loop().create_future()
        seconds = self._settings.liveness_s
        self._bus.publish(
            LivenessRequested(t=self._clock.now(), correlation_id=cid, person=order.person,
                              direction=direction, seconds=seconds)
        )  # fmt: skip
        try:
            result = await asyncio.wait_for(self._liveness, self._settings.liveness_s + 5.0)
            passed, reason = (
                result.passed,
                f"{result.reason} (turn {result.turn:.2f}, {result.frames} frames)",
            )
        except TimeoutError:
            passed, reason = False, "the camera gave no answer in time"
        finally:
            self._liveness = None
        if not passed:
            await self._end(order, "refused", "liveness", reason)
            await self._say(cid, "I couldn't see you turn your head as I asked, so I didn't order it.")
            return False
        await self._step(order, "liveness", "ok", reason)
        await self._in_state(lambda: self._book.move(order, "live", self._wall()))
        return True

    async def _send(self, order: Order, cid: str | None = None) -> None:
        payload = {"sku": order.sku, "quantity": 1, "price_cents": order.price_cents,
                   "idempotency_key": order.idempotency_key}  # fmt: skip
        try:
            receipt = await self._shop_call(
                order.correlation_id, "order", payload,
                lambda: self._shop.place(order.sku, 1, order.price_cents, order.idempotency_key),
            )  # fmt: skip
        except ShopError as error:
            await self._end(order, "failed", "placed", str(error))
            await self._say(cid, f"{self._shop.name.capitalize()} didn't take the order: {error}.")
            return
        order = await self._in_state(
            lambda: self._book.move(order, "placed", self._wall(), shop_order_id=receipt.order_id)
        )
        await self._step(order, "placed", "ok", f"shop order {receipt.order_id}")
        self._placed = _Placed(order, self._clock.now() + self._settings.cancel_window_s)
        minutes = round(self._settings.cancel_window_s / 60)
        await self._say(
            cid or order.correlation_id,
            f"Ordered {order.title}. To cancel, say: {self._wake}, cancel that order, "
            f"within {minutes} minutes.",
        )

    async def cancel(self, request: PurchaseCancelRequested) -> None:
        cid = request.correlation_id
        placed = self._placed
        if placed is None:
            await self._say(cid, "There is no order to cancel.")
            return
        if self._clock.now() > placed.until:
            await self._say(cid, "It's too late to cancel that order here; the shop can still help.")
            return
        try:
            done = await self._shop_call(cid or "", "cancel", {"order_id": placed.order.shop_order_id},
                                         lambda: self._shop.cancel(placed.order.shop_order_id))  # fmt: skip
        except ShopError as error:
            await self._step(placed.order, "cancelled", "failed", str(error))
            await self._say(cid, f"I couldn't reach {self._shop.name} to cancel it. Please try again.")
            return
        if not done:
            await self._step(placed.order, "cancelled", "refused", "the shop says it is too late")
            await self._say(cid, "The shop says it is too late to cancel that order.")
            return
        self._placed = None
        await self._end(placed.order, "cancelled", "cancelled", f"asked by {request.person}")
        await self._say(cid, f"Cancelled the order for {placed.order.title}.")

    # --- helpers -------------------------------------------------------------------------------

    async def _over_limit(self, order: Order) -> str | None:
        """Which limit the order would pass ("Ana's limit of 50 dollars a day"), or None."""
        since = self._wall() - DAY_S
        person_spent = await self._in_state(lambda: self._book.spent_since(since, order.person))
        household_spent = await self._in_state(lambda: self._book.spent_since(since))
        counted = 0 if order.state in ("sending", "placed") else order.price_cents
        person_limit = self._limits.get(order.person, round(self._settings.person_daily_limit * 100))
        household_limit = round(self._settings.household_daily_limit * 100)
        if person_spent + counted > person_limit:
            return f"{order.person}'s limit of {spoken_price(person_limit, order.currency)} a day"
        if household_spent + counted > household_limit:
            return f"the household's limit of {spoken_price(household_limit, order.currency)} a day"
        return None

    async def _shop_call(self, cid: str, endpoint: str, payload: dict[str, Any], call: Callable[[], T]) -> T:
        """A request to the shop: on the ledger first (synced), then sent, then settled."""
        now = datetime.now().astimezone().isoformat(timespec="seconds")
        provider = f"shop:{self._shop.name}"
        entry = await self._in_state(
            lambda: self._ledger.append(provider, endpoint, payload, cid or None, now)
        )
        try:
            result = await self._in_state(call)
        except ShopError:
            await self._in_state(lambda: self._ledger.settle(entry, "failed"))
            raise
        await self._in_state(lambda: self._ledger.settle(entry, "ok"))
        return result

    async def _step(self, order: Order, step: str, outcome: str, reason: str) -> None:
        payload = {"order_id": order.id, "person": order.person, "item": order.item, "step": step,
                   "outcome": outcome, "reason": reason}  # fmt: skip
        now = datetime.now().astimezone().isoformat(timespec="seconds")
        # the household's own record: it stays on the device (the ledger also lists what left)
        entry = await self._in_state(
            lambda: self._ledger.append("purchases", step, payload, order.correlation_id or None, now)
        )
        await self._in_state(lambda: self._ledger.settle(entry, "on device"))
        self._bus.publish(
            PurchaseStep(t=self._clock.now(), correlation_id=order.correlation_id or None, order_id=order.id,
                         step=step, outcome=outcome, reason=reason)
        )  # fmt: skip

    async def _refuse_early(self, cid: str, item: str, step: str, reason: str) -> None:
        """A request refused before any order exists (order id 0)."""
        await self._step(
            Order(0, "", UNKNOWN, item, "", "", 0, "", "refused", None, "", cid), step, "refused", reason
        )

    async def _end(self, order: Order, state: str, step: str, reason: str) -> None:
        await self._in_state(lambda: self._book.move(order, state, self._wall(), reason))
        await self._step(order, step, "refused" if state in ("refused", "abandoned") else state, reason)

    async def _say(self, cid: str | None, text: str) -> None:
        from ambient.events import new_correlation_id

        await self._announce(cid or new_correlation_id(), text)

    async def _in_state(self, job: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, job)
