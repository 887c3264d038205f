"""Orders as the device keeps them (SQLite in the state directory, 0600, synchronous=FULL): each
step is written before the next is taken, so a crash at any point neither loses a placed order
nor places one twice.

States: quoted -> live (liveness passed) -> confirmed -> sending -> placed -> cancelled, or
refused / abandoned / failed. At start-up an order left before "sending" is abandoned (its
liveness and confirmation are stale: it is asked for again); one left in "sending" is sent again
with the same idempotency key, which the shop answers with the one order it may already have.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from ambient.errors import ConfigError
from ambient.private_files import ensure_private

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE, person TEXT NOT NULL,
    item TEXT NOT NULL, sku TEXT NOT NULL, title TEXT NOT NULL, price_cents INTEGER NOT NULL,
    currency TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL, updated REAL NOT NULL, placed REAL, shop_order_id TEXT NOT NULL DEFAULT '',
    correlation_id TEXT NOT NULL DEFAULT '');
"""
BEFORE_SENDING = ("quoted", "live", "confirmed")
SPENT = ("sending", "placed")
"""States whose price counts against the spending limits."""


@dataclass(frozen=True)
class Order:
    id: int
    idempotency_key: str
    person: str
    item: str
    sku: str
    title: str
    price_cents: int
    currency: str
    state: str
    placed: float | None
    shop_order_id: str
    correlation_id: str


_COLUMNS = (
    "id, idempotency_key, person, item, sku, title, price_cents, currency, state, placed, shop_order_id,"
    " correlation_id"
)


class OrderBook:
    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            ensure_private(path)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"order book {path} cannot be opened ({exc}); move it aside to start a new one"
            ) from None
        self._lock = threading.Lock()

    def open_order(self, person: str, item: str, sku: str, title: str, price_cents: int, currency: str,
                   now: float, correlation_id: str) -> Order:  # fmt: skip
        key = secrets.token_hex(16)
        with self._lock:
            self._db.execute(
                "INSERT INTO orders (idempotency_key, person, item, sku, title, price_cents, currency, state,"
                " created, updated, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?, 'quoted', ?, ?, ?)",
                (key, person, item, sku, title, price_cents, currency, now, now, correlation_id),
            )
        order = self.by_key(key)
        assert order is not None
        return order

    def by_key(self, key: str) -> Order | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM orders WHERE idempotency_key = ?", (key,)
            ).fetchone()
        return Order(*row) if row else None

    def move(self, order: Order, state: str, now: float, reason: str = "", shop_order_id: str = "") -> Order:
        """The order in `state`, written (and synced) before this returns."""
        with self._lock:
            self._db.execute(
                "UPDATE orders SET state = ?, reason = ?, updated = ?,"
                " placed = CASE WHEN ? = 'placed' THEN ? ELSE placed END,"
                " shop_order_id = CASE WHEN ? != '' THEN ? ELSE shop_order_id END WHERE id = ?",
                (state, reason, now, state, now, shop_order_id, shop_order_id, order.id),
            )
        moved = self.by_key(order.idempotency_key)
        assert moved is not None
        return moved

    def spent_since(self, since: float, person: str | None = None) -> int:
        """Cents ordered (placed, or being sent) since `since`, by `person` or the household."""
        query = f"SELECT COALESCE(SUM(price_cents), 0) FROM orders WHERE state IN {SPENT} AND created >= ?"
        parameters: tuple[object, ...] = (since,)
        if person is not None:
            query += " AND person = ?"
            parameters += (person,)
        with self._lock:
            return int(self._db.execute(query, parameters).fetchone()[0])

    def in_state(self, *states: str) -> list[Order]:
        marks = ", ".join("?" for _ in states)
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM orders WHERE state IN ({marks}) ORDER BY id", states
            )
            return [Order(*row) for row in rows.fetchall()]

    def all(self) -> list[Order]:
        with self._lock:
            return [Order(*row) for row in self._db.execute(f"SELECT {_COLUMNS} FROM orders ORDER BY id")]

    def close(self) -> None:
        with self._lock:
            self._db.close()
