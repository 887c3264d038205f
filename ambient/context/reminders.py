"""Reminders as the context store keeps them, and the queries that find the ones due."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime

OCCASIONS = ("leaving", "arriving", "at")


@dataclass(frozen=True)
class Reminder:
    id: int
    person: str
    text: str
    occasion: str
    """"leaving", "arriving" or "at"."""
    due: float
    """For "at": wall-clock epoch seconds; 0 otherwise."""
    set_by: str

    def occasion_phrase(self) -> str:
        if self.occasion == "leaving":
            return "when they leave"
        if self.occasion == "arriving":
            return "when they get home"
        return datetime.fromtimestamp(self.due).strftime("at %H:%M")

    def said_by_themselves(self) -> bool:
        """A reminder a person set for themselves is their consent to hear it."""
        return self.set_by == self.person


def _rows(db: sqlite3.Connection, where: str, parameters: tuple[object, ...] = ()) -> list[Reminder]:
    rows = db.execute(
        "SELECT id, person, text, occasion, due, set_by FROM reminders WHERE delivered IS NULL"
        f" {where} ORDER BY created, id",
        parameters,
    ).fetchall()
    return [Reminder(*row) for row in rows]


def pending_reminders(db: sqlite3.Connection) -> list[Reminder]:
    return _rows(db, "")


def reminders_for(db: sqlite3.Connection, person: str, occasion: str) -> list[Reminder]:
    return _rows(db, "AND person = ? AND occasion = ?", (person, occasion))


def reminders_due(db: sqlite3.Connection, now: float) -> list[Reminder]:
    """Timed reminders whose time has come (those that came while the device was off too)."""
    return _rows(db, "AND occasion = 'at' AND due <= ?", (now,))


def addressed_to(text: str) -> str:
    """The reminder as said to its person: "take her keys" -> "take your keys"."""
    swaps = {"her": "your", "his": "your", "their": "your", "my": "your", "she": "you", "he": "you",
             "they": "you", "i": "you", "me": "you", "herself": "yourself", "himself": "yourself",
             "myself": "yourself", "themselves": "yourself", "hers": "yours", "mine": "yours"}  # fmt: skip
    return re.sub(r"[a-z']+", lambda m: swaps.get(m.group(0), m.group(0)), text)
