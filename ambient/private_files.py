"""Files only their owner may read: every state file (ledger, timers, event log, volume, false
wakes, the gallery) and every export of biometric data is created mode 0600, never created with
the default mode and narrowed afterwards (another user could open it in between)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

OWNER_ONLY = 0o600


def ensure_private(path: Path) -> None:
    """Create `path` empty if it is missing, mode 0600 from the start; narrow an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, OWNER_ONLY)
    os.close(descriptor)
    os.chmod(path, OWNER_ONLY)


def open_private_append(path: Path) -> IO[str]:
    """A text file opened for appending, created 0600 (the event log)."""
    ensure_private(path)
    return path.open("a", encoding="utf-8")


def write_private(path: Path, text: str) -> None:
    """Replace `path` atomically with `text`, the new file 0600 from its creation: a reader sees
    the old content or the new, never half of it, and no other user ever sees either."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    os.fchmod(descriptor, OWNER_ONLY)  # a stale partial of another mode is narrowed too
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
