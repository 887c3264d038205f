"""The speaker volume, 0-10, kept across restarts in a small JSON file written atomically."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from ambient.private_files import write_private


class VolumeControl:
    def __init__(self, path: Path, default: int) -> None:
        self._path = path
        self.level = default
        # first start, or an unreadable file: the configured default stands
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            self.level = int(json.loads(path.read_text(encoding="utf-8"))["volume"])
        self.level = min(10, max(0, self.level))

    @property
    def gain(self) -> float:
        """Amplitude factor for playback: level 10 plays as synthesised, 0 is silent."""
        return self.level / 10.0

    @staticmethod
    def clamped(level: int) -> int:
        return min(10, max(0, level))

    def set(self, level: int) -> int:
        self.level = self.clamped(level)
        write_private(self._path, json.dumps({"volume": self.level}))
        return self.level
