"""The privacy policy: what context may leave the device with a cloud request, and nothing more.

By default no names, no audio, no images: the cloud learns the question, the local time and how
many people are in the room. A TOML file (`cloud.policy`) can widen or narrow that.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ambient.errors import ConfigError

REDACTED_PERSON = "a household member"


class ContextView(Protocol):
    def who_is_here(self) -> list[str]: ...

    def strangers_present(self) -> int: ...


@dataclass(frozen=True)
class PrivacyPolicy:
    share_names: bool = False
    """Send the names of recognised people (and leave them in the question)."""
    share_people_count: bool = True
    share_local_time: bool = True
    share_location: str = ""
    """A coarse place the owner chose to share ("" = none), e.g. "Lisbon"."""
    max_question_chars: int = 500
    redact_numbers: bool = True
    """Replace long digit runs (phone, card and account numbers) in the question with "#"."""

    def snapshot(self, context: ContextView | None, now: datetime, known_names: list[str]) -> dict[str, Any]:
        """The minimal context that goes with a question (never audio, images or embeddings)."""
        snapshot: dict[str, Any] = {}
        if self.share_local_time:
            snapshot["local_time"] = now.strftime("%A %d %B %Y, %H:%M")
        if self.share_location:
            snapshot["location"] = self.share_location
        if context is not None:
            here = context.who_is_here()
            if self.share_people_count:
                snapshot["people_present"] = len(here) + context.strangers_present()
            if self.share_names and here:
                snapshot["names_present"] = here
        return snapshot

    def clean_question(self, text: str, known_names: list[str]) -> str:
        cleaned = text.strip()[: self.max_question_chars]
        if not self.share_names:
            for name in sorted(known_names, key=len, reverse=True):
                for part in {name, *name.split()}:
                    if len(part) >= 2:
                        cleaned = re.sub(rf"\b{re.escape(part)}\b", REDACTED_PERSON, cleaned, flags=re.I)
        if self.redact_numbers:
            cleaned = re.sub(r"\d[\d -]{5,}\d", "#", cleaned)
        return cleaned


def load_policy(path: str) -> PrivacyPolicy:
    """The policy file, or the default policy when `path` is empty; ConfigError on anything wrong."""
    if not path:
        return PrivacyPolicy()
    file = Path(path).expanduser()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError:
        raise ConfigError(f"privacy policy {file} not found; fix cloud.policy or remove it") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"privacy policy {file} is not valid TOML ({exc}); fix the file") from None
    known = {f.name: f for f in fields(PrivacyPolicy)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(
                f"privacy policy {file}: unknown key {key!r}; allowed: {', '.join(sorted(known))}"
            )
        expected = type(getattr(PrivacyPolicy(), key))
        if type(value) is not expected:
            raise ConfigError(
                f"privacy policy {file}: {key} must be {expected.__name__}, not {type(value).__name__}"
            )
        values[key] = value
    return PrivacyPolicy(**values)
