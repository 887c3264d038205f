"""False wakes the household marked ("that wasn't for you"): the features of the moment the word
fired, kept as local hard negatives for `ambient wakeword adapt`. Never audio: a window of 16
speech embeddings cannot be turned back into what was said."""

from __future__ import annotations

import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ambient.events import Event, FalseWakeMarked, WakeWordDetected
from ambient.private_files import ensure_private
from ambient.wakeword.features import EMBEDDING_DIM, HEAD_WINDOW

_SCHEMA = """
create table if not exists false_wakes (
    id integer primary key,
    model text not null,
    marked_at real not null,
    score real not null,
    reason text not null,
    features blob not null
)
"""
FALSE_WAKES_FILE = "wakeword_false_wakes.sqlite"
"""In `assistant.state_dir`, beside the timers and the audit ledger."""
ADAPTED_HEADS = "wakeword_heads"
"""In `assistant.state_dir`: heads `ambient wakeword adapt` retuned; the device prefers them."""


def adapted_heads_dir(state_dir: Path) -> Path:
    return state_dir / ADAPTED_HEADS


RECENT_WAKES = 8
"""Wakes remembered for marking: a user says "that wasn't for you" about the last one or two."""


class HardNegativeStore:
    """SQLite file of marked false wakes: one row per wake, its 16 x 96 window as float32."""

    def __init__(self, path: Path) -> None:
        ensure_private(path)
        self.path = path
        with self._connect() as db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path)

    def add(self, model: str, windows: npt.NDArray[np.float32], score: float, reason: str) -> None:
        """One false wake: the head windows of the chunks that voted for it, (k, 16, 96)."""
        features = np.ascontiguousarray(windows, dtype=np.float32).reshape(-1, HEAD_WINDOW, EMBEDDING_DIM)
        with self._connect() as db:
            db.execute(
                "insert into false_wakes (model, marked_at, score, reason, features) values (?, ?, ?, ?, ?)",
                (model, time.time(), float(score), reason, features.tobytes()),
            )

    def windows(self, model: str) -> npt.NDArray[np.float32]:
        """Every window of every marked false wake of `model`, shape (n, 16, 96)."""
        with self._connect() as db:
            rows = db.execute("select features from false_wakes where model = ? order by id", (model,))
            blobs = [row[0] for row in rows]
        if not blobs:
            return np.zeros((0, HEAD_WINDOW, EMBEDDING_DIM), np.float32)
        return np.concatenate(
            [np.frombuffer(b, np.float32).reshape(-1, HEAD_WINDOW, EMBEDDING_DIM) for b in blobs]
        )

    def count(self, model: str) -> int:
        with self._connect() as db:
            (count,) = db.execute("select count(*) from false_wakes where model = ?", (model,)).fetchone()
        return int(count)


@dataclass(frozen=True)
class _Wake:
    model: str
    score: float
    window: npt.NDArray[np.float32]


class TriggerWindows(Protocol):
    def trigger_window(self, model: str) -> npt.NDArray[np.float32] | None:
        """The head windows `model` last fired on (valid until its next detection)."""


class FalseWakeRecorder:
    """A bus subscriber: it copies the window of every wake as it is announced (the engine is idle
    between chunks then, and the window is overwritten only by the next detection), and when a
    wake is marked false, hands it to `write` (the store, run off the event loop)."""

    def __init__(
        self, engine: TriggerWindows, write: Callable[[str, npt.NDArray[np.float32], float, str], object]
    ) -> None:
        self._engine = engine
        self._write = write
        self._recent: OrderedDict[str, _Wake] = OrderedDict()

    def __call__(self, event: Event) -> None:
        if isinstance(event, WakeWordDetected) and event.correlation_id:
            window = self._engine.trigger_window(event.model)
            if window is None:
                return
            self._recent[event.correlation_id] = _Wake(event.model, event.score, window.copy())
            while len(self._recent) > RECENT_WAKES:
                self._recent.popitem(last=False)
        elif isinstance(event, FalseWakeMarked) and event.correlation_id:
            wake = self._recent.pop(event.correlation_id, None)
            if wake is not None:
                self._write(wake.model, wake.window, wake.score, event.reason)
