"""The shop port: what the device needs from any shop, and the HTTP adapter for shops that speak
the small JSON protocol below (the fake shop in `ambient/testing/fake_shop.py` speaks it; a real
shop gets an adapter, either a server translating to this protocol or a class with these methods).

    GET  /v1/quote?item=<words>          -> 200 {"sku", "title", "price_cents", "currency"} | 404
    POST /v1/orders                      {"sku", "quantity", "price_cents"}
         Idempotency-Key: <key>          -> 200 {"order_id", "sku", "price_cents", "currency", "status"}
                                            (the same key again returns the same order: never two)
    POST /v1/orders/<order_id>/cancel    -> 200 {"order_id", "status": "cancelled"} | 409 too late
    Authorization: Bearer <key>          on every request, from $AMBIENT_SHOP_KEY or a 0600 file

Nothing else is sent: no name, no image, no embedding, no audio (the shop learns the item, the
price and an opaque key). Every request is on the audit ledger before it leaves.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Offer:
    sku: str
    title: str
    price_cents: int
    currency: str


@dataclass(frozen=True)
class Receipt:
    order_id: str
    sku: str
    price_cents: int
    currency: str
    status: str


class ShopError(Exception):
    """The shop could not be reached or refused; `str()` is one line a person can act on."""


class Shop(Protocol):
    name: str

    def quote(self, item: str) -> Offer | None:
        """The shop's offer for `item` as said ("coffee"), or None when it has none."""
        ...

    def place(self, sku: str, quantity: int, price_cents: int, idempotency_key: str) -> Receipt:
        """Places the order; the same `idempotency_key` twice is one order."""
        ...

    def cancel(self, order_id: str) -> bool:
        """True when cancelled; False when the shop says it is too late."""
        ...


class HttpShop:
    def __init__(self, base_url: str, key: str, name: str = "shop", timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name
        self._key = key
        self._timeout = timeout_s

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:  # fmt: skip
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self._key}",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            try:
                payload = json.loads(error.read() or b"{}")
            except ValueError:
                payload = {}
            return error.code, payload
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            raise ShopError(f"the shop at {self.base_url} could not be reached ({error})") from None

    def quote(self, item: str) -> Offer | None:
        status, payload = self._call("GET", "/v1/quote?" + urllib.parse.urlencode({"item": item}))
        if status == 404:
            return None
        if status != 200:
            raise ShopError(f"the shop refused the quote (HTTP {status})")
        try:
            return Offer(str(payload["sku"]), str(payload["title"]), int(payload["price_cents"]),
                         str(payload["currency"]))  # fmt: skip
        except (KeyError, TypeError, ValueError):
            raise ShopError("the shop's quote was not in the expected form") from None

    def place(self, sku: str, quantity: int, price_cents: int, idempotency_key: str) -> Receipt:
        status, payload = self._call(
            "POST", "/v1/orders", {"sku": sku, "quantity": quantity, "price_cents": price_cents},
            {"Idempotency-Key": idempotency_key},
        )  # fmt: skip
        if status != 200:
            raise ShopError(
                f"the shop refused the order (HTTP {status}: {payload.get('error', 'no reason')})"
            )
        try:
            return Receipt(str(payload["order_id"]), str(payload["sku"]), int(payload["price_cents"]),
                           str(payload["currency"]), str(payload["status"]))  # fmt: skip
        except (KeyError, TypeError, ValueError):
            raise ShopError("the shop's receipt was not in the expected form") from None

    def cancel(self, order_id: str) -> bool:
        status, _ = self._call("POST", f"/v1/orders/{urllib.parse.quote(order_id)}/cancel", {})
        if status == 409:
            return False
        if status != 200:
            raise ShopError(f"the shop refused the cancellation (HTTP {status})")
        return True


def spoken_price(cents: int, currency: str) -> str:
    units = {"USD": ("dollar", "cent"), "EUR": ("euro", "cent"), "GBP": ("pound", "penny")}
    whole, part = divmod(cents, 100)
    if currency not in units:
        return f"{whole}.{part:02d} {currency}"
    big, small = units[currency]
    text = f"{whole} {big}{'' if whole == 1 else 's'}"
    if part:
        smalls = "pence" if small == "penny" else "cents"
        text += f" and {part} {small if part == 1 else smalls}"
    return text


def load_shop_key(key_file: str, environ: dict[str, str] | None = None) -> str:
    """$AMBIENT_SHOP_KEY, or the first line of `key_file` (refused unless mode 0600)."""
    import os
    import stat
    from pathlib import Path

    from ambient.errors import ConfigError

    env = os.environ if environ is None else environ
    value = env.get("AMBIENT_SHOP_KEY", "").strip()
    if value:
        return value
    if not key_file:
        raise ConfigError("no shop key: set $AMBIENT_SHOP_KEY or purchases.key_file (a file of mode 0600)")
    path = Path(key_file).expanduser()
    try:
        mode = path.stat().st_mode
        value = path.read_text(encoding="utf-8").strip()
    except OSError:
        raise ConfigError(
            f"shop key file {path} not found; create it with mode 0600 or set $AMBIENT_SHOP_KEY"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"shop key file {path} is readable by others; run: chmod 600 {path}")
    if not value:
        raise ConfigError(f"shop key file {path} is empty; put the shop's API key in it")
    return value
