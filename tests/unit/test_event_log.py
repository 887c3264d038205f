"""The JSON-lines event log: written per event, read back, followed, and bad lines reported."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from ambient.errors import AmbientError
from ambient.events import SpeechEnded, SpeechStarted
from ambient.runtime.bus import EventBus
from ambient.runtime.event_log import EventLogWriter, format_event, read_events


def test_every_published_event_is_on_disk_at_once(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    bus = EventBus()
    writer = EventLogWriter(path)
    bus.subscribe(writer)
    started = SpeechStarted(t=1.0, correlation_id="c1", start_sample=16000)
    bus.publish(started)
    assert list(read_events(path)) == [started]  # flushed before the writer is closed
    ended = SpeechEnded(t=2.0, correlation_id="c1", start_sample=16000, end_sample=40000)
    bus.publish(ended)
    writer.close()
    assert list(read_events(path)) == [started, ended]


def test_follow_sees_events_appended_later(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    writer = EventLogWriter(path)
    writer(SpeechStarted(t=0.0, start_sample=0))
    seen = []

    def follow() -> None:
        for event in read_events(path, follow=True, poll_s=0.01):
            seen.append(event)
            if len(seen) == 2:
                return

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    time.sleep(0.05)
    writer(SpeechEnded(t=1.0, start_sample=0, end_sample=16000))
    reader.join(timeout=5)
    assert [e.type for e in seen] == ["SpeechStarted", "SpeechEnded"]


def test_format_is_one_readable_line() -> None:
    line = format_event(SpeechEnded(t=3.5, correlation_id="ab", start_sample=16000, end_sample=32000), 1.0)
    assert line.split() == ["2.50s", "SpeechEnded", "start=1.00s", "end=2.00s", "[ab]"]


def test_bad_log_lines_and_missing_logs(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"type": "SpeechStarted", "t": 0, "start_sample": 0}\nnot json\n')
    with pytest.raises(AmbientError, match="line 2 is not an ambient event"):
        list(read_events(path))
    with pytest.raises(AmbientError, match="not found"):
        list(read_events(tmp_path / "none.jsonl"))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'["SpeechStarted", 0]\n', "line 1 is not an ambient event (a JSON list"),
        (
            b'{"type": "SpeechStarted", "t": "soon", "start_sample": 0}\n',
            "SpeechStarted.t = 'soon' is not a number",
        ),
        (
            b'{"type": "SpeechStarted", "t": 0, "start_sample": 1.5}\n',
            "start_sample = 1.5 is not a whole number",
        ),
        (b'{"type": "SpeechStarted", "t": 0}\n', "line 1 is not an ambient event"),
        (b"\xff\xfe\x00binary", "is not UTF-8 text"),
    ],
    ids=["json-array", "wrong-type", "float-for-int", "missing-field", "not-utf8"],
)
def test_malformed_logs_are_one_clear_error(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(content)
    with pytest.raises(AmbientError) as caught:
        list(read_events(path))
    assert expected in str(caught.value) and "\n" not in str(caught.value)
