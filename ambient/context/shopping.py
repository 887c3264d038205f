"""The household's shopping list as the context store keeps it."""

from __future__ import annotations

import sqlite3


def shopping_list(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """(item, added by), oldest first."""
    rows = db.execute("SELECT item, added_by FROM shopping ORDER BY id")
    return [(str(item), str(by)) for item, by in rows]
