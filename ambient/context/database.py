"""The context database: one SQLite file in the state directory (0600), its tables, the retention
rule and erasure of a person.

Times are wall-clock epoch seconds (a restart does not move them). Nothing biometric is kept here:
names, what was said and when. What is kept, how long:

- visits (arrived, left) per person, interactions (speaker, transcript, route, reply) per
  correlation id, and every nudge decision: `retention_days`, then deleted;
- reminders: until delivered, then as long as visits; the shopping list and nudge consent: until
  changed or the person is forgotten.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ambient.errors import ConfigError
from ambient.private_files import ensure_private

SCHEMA = """
CREATE TABLE IF NOT EXISTS visits (
    id INTEGER PRIMARY KEY, person TEXT NOT NULL, arrived REAL NOT NULL, left REAL);
CREATE TABLE IF NOT EXISTS interactions (
    correlation_id TEXT PRIMARY KEY, t REAL NOT NULL, speaker TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '', route TEXT NOT NULL DEFAULT '', skill TEXT NOT NULL DEFAULT '',
    intent TEXT NOT NULL DEFAULT '', reply TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS reminders (
    id INTEGER PRIMARY KEY, person TEXT NOT NULL, text TEXT NOT NULL, occasion TEXT NOT NULL,
    due REAL NOT NULL, set_by TEXT NOT NULL, created REAL NOT NULL, delivered REAL,
    correlation_id TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS shopping (
    id INTEGER PRIMARY KEY, item TEXT NOT NULL, added_by TEXT NOT NULL, added REAL NOT NULL);
CREATE TABLE IF NOT EXISTS consent (
    person TEXT PRIMARY KEY, nudges INTEGER NOT NULL, changed REAL NOT NULL);
CREATE TABLE IF NOT EXISTS nudges (
    id INTEGER PRIMARY KEY, t REAL NOT NULL, rule TEXT NOT NULL, person TEXT NOT NULL,
    offered INTEGER NOT NULL, reason TEXT NOT NULL, text TEXT NOT NULL, context TEXT NOT NULL,
    correlation_id TEXT NOT NULL DEFAULT '');
"""

SOMEONE = "someone"
"""What a forgotten person's name becomes where the row itself belongs to the household (an item
they put on the shopping list, a reminder they set for someone else)."""


def context_path(state_dir: Path) -> Path:
    return state_dir / "context.sqlite"


def open_context(path: Path) -> sqlite3.Connection:
    """The database at `path`, created 0600 with its tables; a file SQLite cannot read is a
    one-line ConfigError saying what to do."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ensure_private(path)
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=5.0)
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
    except sqlite3.DatabaseError as exc:
        raise ConfigError(
            f"context store {path} cannot be opened ({exc}); move it aside to start a new one "
            "(the household's reminders and shopping list are in it)"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"context store {path} cannot be created ({exc}); check assistant.state_dir"
        ) from None
    return db


def enforce_retention(db: sqlite3.Connection, now: float, retention_days: float) -> int:
    """Deletes what is older than the retention; returns how many rows went."""
    cutoff = now - retention_days * 86_400
    deleted = 0
    for statement in (
        "DELETE FROM visits WHERE left IS NOT NULL AND left < ?",
        "DELETE FROM interactions WHERE t < ?",
        "DELETE FROM nudges WHERE t < ?",
        "DELETE FROM reminders WHERE delivered IS NOT NULL AND delivered < ?",
    ):
        deleted += db.execute(statement, (cutoff,)).rowcount
    return deleted


def forget_person(db: sqlite3.Connection, person: str) -> int:
    """Erases `person` from every table; returns how many rows were deleted or renamed."""
    changed = 0
    for statement in (
        "DELETE FROM visits WHERE person = ?",
        "DELETE FROM interactions WHERE speaker = ?",
        "DELETE FROM reminders WHERE person = ?",
        "DELETE FROM consent WHERE person = ?",
        "DELETE FROM nudges WHERE person = ?",
    ):
        changed += db.execute(statement, (person,)).rowcount
    changed += db.execute("UPDATE reminders SET set_by = ? WHERE set_by = ?", (SOMEONE, person)).rowcount
    changed += db.execute("UPDATE shopping SET added_by = ? WHERE added_by = ?", (SOMEONE, person)).rowcount
    # their name may also sit inside text (a reminder for someone else, a transcript): those go too
    like = f"%{person}%"
    changed += db.execute("DELETE FROM interactions WHERE text LIKE ? OR reply LIKE ?", (like, like)).rowcount
    changed += db.execute("DELETE FROM reminders WHERE text LIKE ?", (like,)).rowcount
    changed += db.execute("DELETE FROM nudges WHERE text LIKE ? OR context LIKE ?", (like, like)).rowcount
    db.execute("VACUUM")  # deleted rows must not linger in free pages
    return changed
