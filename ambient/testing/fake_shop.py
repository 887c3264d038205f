"""A local shop speaking the protocol of `ambient/purchases/shop.py`, for tests and benchmarks: a
small catalogue, orders kept by idempotency key (the same key is the same order), cancellation,
and every request kept so a test can read exactly what reached the shop."""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CATALOGUE = {
    "coffee": ("sku-coffee-1kg", "a kilo of house coffee beans", 1850),
    "milk": ("sku-milk-2l", "two litres of milk", 289),
    "batteries": ("sku-aa-8", "eight AA batteries", 999),
    "television": ("sku-tv-55", "a 55 inch television", 64900),
}


@dataclass
class ShopRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeShop:
    key: str = "test-shop-key"
    currency: str = "USD"
    requests: list[ShopRequest] = field(default_factory=list)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    """By idempotency key."""
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def placed(self) -> list[dict[str, Any]]:
        """Orders placed and not cancelled."""
        return [order for order in self.orders.values() if order["status"] == "placed"]

    def start(self) -> FakeShop:
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _record(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with shop._lock:
                    shop.requests.append(ShopRequest(self.command, self.path, dict(self.headers), body))
                return body

            def _authorised(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {shop.key}":
                    self._answer(401, {"error": "bad key"})
                    return False
                return True

            def do_GET(self) -> None:
                self._record()
                if not self._authorised():
                    return
                url = urllib.parse.urlparse(self.path)
                item = urllib.parse.parse_qs(url.query).get("item", [""])[0].lower()
                if url.path != "/v1/quote":
                    self._answer(404, {"error": "no such path"})
                    return
                found = next((v for k, v in CATALOGUE.items() if k in item.split() or k == item), None)
                if found is None:
                    self._answer(404, {"error": f"no {item}"})
                    return
                sku, title, cents = found
                self._answer(
                    200, {"sku": sku, "title": title, "price_cents": cents, "currency": shop.currency}
                )

            def do_POST(self) -> None:
                body = self._record()
                if not self._authorised():
                    return
                if self.path == "/v1/orders":
                    self._order(body)
                elif self.path.startswith("/v1/orders/") and self.path.endswith("/cancel"):
                    self._cancel(urllib.parse.unquote(self.path.split("/")[3]))
                else:
                    self._answer(404, {"error": "no such path"})

            def _order(self, body: bytes) -> None:
                key = self.headers.get("Idempotency-Key", "")
                if not key:
                    self._answer(400, {"error": "an Idempotency-Key is required"})
                    return
                request = json.loads(body or b"{}")
                with shop._lock:
                    order = shop.orders.get(key)
                    if order is None:
                        sku = request.get("sku")
                        price = next((c for s, _, c in CATALOGUE.values() if s == sku), None)
                        if price is None or price != request.get("price_cents"):
                            self._answer(409, {"error": "the price or item changed"})
                            return
                        order = {
                            "order_id": f"order-{len(shop.orders) + 1}", "sku": sku, "price_cents": price,
                            "currency": shop.currency, "status": "placed",
                            "quantity": request.get("quantity"),
                        }  # fmt: skip
                        shop.orders[key] = order
                self._answer(
                    200, {k: order[k] for k in ("order_id", "sku", "price_cents", "currency", "status")}
                )

            def _cancel(self, order_id: str) -> None:
                with shop._lock:
                    order = next((o for o in shop.orders.values() if o["order_id"] == order_id), None)
                    if order is None:
                        self._answer(404, {"error": "no such order"})
                        return
                    order["status"] = "cancelled"
                self._answer(200, {"order_id": order_id, "status": "cancelled"})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, name="fake-shop", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(Exception):
                self._server.shutdown()
                self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeShop:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
