"""The audit ledger: every payload that leaves the device, written (and synced) before it is sent."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ambient.errors import ConfigError
from ambient.private_files import ensure_private

_SCHEMA = """
CREATE TABLE IF NOT EXISTS payloads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wall_time TEXT NOT NULL,
    correlation_id TEXT,
    provider TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    payload TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT 'pending'
);
"""


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    wall_time: str
    correlation_id: str | None
    provider: str
    endpoint: str
    payload: dict[str, Any]
    sha256: str
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "wall_time": self.wall_time,
            "correlation_id": self.correlation_id,
            "provider": self.provider,
            "endpoint": self.endpoint,
            "payload": self.payload,
            "sha256": self.sha256,
            "outcome": self.outcome,
        }


class AuditLedger:
    """Append-only SQLite (WAL, synchronous=FULL): a crash after `append` never loses the entry."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            ensure_private(path)  # what left the device, and when: its owner's to read
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"audit ledger {path} cannot be opened ({exc}); check cloud.ledger") from None

    def append(
        self,
        provider: str,
        endpoint: str,
        payload: dict[str, Any],
        correlation_id: str | None,
        wall_time: str,
    ) -> int:
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        cursor = self._db.execute(
            "INSERT INTO payloads (wall_time, correlation_id, provider, endpoint, payload, sha256)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (wall_time, correlation_id, provider, endpoint, text, digest),
        )
        return int(cursor.lastrowid or 0)

    def settle(self, entry_id: int, outcome: str) -> None:
        """Record how the request ended ("answered", "failed: ...")."""
        self._db.execute("UPDATE payloads SET outcome = ? WHERE id = ?", (outcome, entry_id))

    def entries(self, limit: int | None = None) -> list[LedgerEntry]:
        query = (
            "SELECT id, wall_time, correlation_id, provider, endpoint, payload, sha256, outcome FROM payloads"
        )
        query += " ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else "")
        rows = self._db.execute(query).fetchall()
        return [
            LedgerEntry(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), row[6], row[7])
            for row in reversed(rows)
        ]

    def close(self) -> None:
        self._db.close()
