"""The JSON-lines event log: the truth of what happened, written before anyone reacts."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ambient.errors import AmbientError
from ambient.events import Event
from ambient.private_files import open_private_append, write_private


class EventLogWriter:
    """Appends one JSON object per line and flushes each, so a crash loses at most a partial line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file: IO[str] | None = open_private_append(path)  # names and ids: 0600
        except OSError as exc:
            raise AmbientError(
                f"event log {path} cannot be written ({exc.strerror}); choose another --event-log"
            ) from None

    def __call__(self, event: Event) -> None:
        if self._file is None:
            return
        self._file.write(event.to_json() + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_events(path: Path, follow: bool = False, poll_s: float = 0.2) -> Iterator[Event]:
    """Events from a log; with `follow`, keeps waiting for new lines like `tail -f`."""
    if not path.is_file():
        raise AmbientError(f"event log {path} not found; pass the file given to `ambient run --event-log`")
    with path.open("r", encoding="utf-8") as handle:
        number = 0
        pending = ""
        while True:
            try:
                line = handle.readline()
            except UnicodeDecodeError:
                raise AmbientError(
                    f"event log {path} after line {number} is not UTF-8 text; is it an ambient event log?"
                ) from None
            if not line:
                if not follow:
                    break
                time.sleep(poll_s)
                continue
            if not line.endswith("\n") and follow:
                pending += line  # a line still being written: wait for its end
                continue
            line, pending = pending + line, ""
            number += 1
            if not line.strip():
                continue
            try:
                yield Event.from_json(line)
            except (json.JSONDecodeError, ValueError, TypeError, KeyError, AttributeError) as exc:
                raise AmbientError(
                    f"event log {path} line {number} is not an ambient event ({exc})"
                ) from None


def format_event(event: Event, origin: float = 0.0) -> str:
    """One human line: time since start, type, the fields that matter, the correlation id."""
    details = []
    for key, value in event.to_dict().items():
        if key in ("type", "t", "correlation_id"):
            continue
        if key.endswith("_sample") and isinstance(value, int):
            details.append(f"{key[: -len('_sample')]}={value / 16000:.2f}s")
        elif key == "boxes":
            details.append(f"faces={len(value)}")
        else:
            details.append(f"{key}={value}")
    cid = f"  [{event.correlation_id}]" if event.correlation_id else ""
    return f"{event.t - origin:8.2f}s  {event.type:<16} {' '.join(details)}{cid}"


FORGOTTEN = "a forgotten person"


def forget_name(path: Path, name: str) -> int:
    """Take every trace of `name` out of an event log (an identity, an arrival, a transcript that
    said it): the whole name and each word of it, as whole words, in every text field. The log is
    rewritten atomically (0600); returns how many events changed. A line that is not an event is
    scrubbed as text. Run it while no device writes this log (a concurrent append would be lost)."""
    if not path.is_file():
        return 0
    words = sorted({name, *name.split()} - {""}, key=len, reverse=True)
    patterns = [
        re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE) for word in words if len(word) >= 2
    ]

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            for pattern in patterns:
                value = pattern.sub(FORGOTTEN, value)
            return value
        if isinstance(value, list):
            return [scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        return value

    changed = 0
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            cleaned = scrub(line)
        else:
            cleaned = json.dumps(scrub(data), separators=(",", ":"), allow_nan=False)
            if cleaned == json.dumps(data, separators=(",", ":"), allow_nan=False):
                cleaned = line  # untouched lines stay byte for byte
        changed += cleaned != line
        lines.append(cleaned)
    if changed:
        write_private(path, "".join(f"{line}\n" for line in lines))
    return changed
