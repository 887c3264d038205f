"""Timers that survive a restart: SQLite, due times in wall-clock seconds since the epoch."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ambient.errors import ConfigError
from ambient.private_files import ensure_private


@dataclass(frozen=True)
class Timer:
    id: int
    label: str
    seconds: float
    due: float
    """Wall-clock time (epoch seconds): a restart in between does not move it."""
    set_by: str = "unknown"
    """Who asked for it (the speaker of the turn), so a timer that rang while they were out can
    be told to them when they come back."""

    def remaining(self, now: float) -> float:
        return max(0.0, self.due - now)


class TimerStore:
    def __init__(self, path: Path) -> None:
        try:
            ensure_private(path)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS timers (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " label TEXT NOT NULL, seconds REAL NOT NULL, due REAL NOT NULL,"
                " set_by TEXT NOT NULL DEFAULT 'unknown')"
            )
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(timers)")}
            if "set_by" not in columns:  # a store from before timers knew who set them
                self._db.execute("ALTER TABLE timers ADD COLUMN set_by TEXT NOT NULL DEFAULT 'unknown'")
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"timer store {path} cannot be opened ({exc}); check assistant.state_dir"
            ) from None

    def add(self, seconds: float, label: str, now: float, set_by: str = "unknown") -> Timer:
        cursor = self._db.execute(
            "INSERT INTO timers (label, seconds, due, set_by) VALUES (?, ?, ?, ?)",
            (label, seconds, now + seconds, set_by),
        )
        return Timer(int(cursor.lastrowid or 0), label, seconds, now + seconds, set_by)

    def active(self) -> list[Timer]:
        rows = self._db.execute("SELECT id, label, seconds, due, set_by FROM timers ORDER BY due").fetchall()
        return [Timer(*row) for row in rows]

    def cancel_all(self) -> int:
        return int(self._db.execute("DELETE FROM timers").rowcount)

    def take_due(self, now: float) -> list[Timer]:
        """Timers whose time has come (including those that came while the device was off)."""
        due = [t for t in self.active() if t.due <= now]
        for timer in due:
            self._db.execute("DELETE FROM timers WHERE id = ?", (timer.id,))
        return due

    def close(self) -> None:
        self._db.close()
