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
    """Replace numbers that identify or unlock something in the question with "#": six digits or
    more however grouped (card, phone and account numbers, dotted or spaced), and any number
    right after a word like PIN, code or password (a four-digit PIN, a short code)."""

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
            for part in name_words(known_names):
                cleaned = whole_word(part).sub(REDACTED_PERSON, cleaned)
        if self.redact_numbers:
            cleaned = _SECRET_NUMBER.sub(lambda m: m.group(1) + "#", cleaned)
            cleaned = _LONG_NUMBER.sub("#", cleaned)
        return cleaned


_LONG_NUMBER = re.compile(r"\d(?:[ .\-]?\d){5,}")
"""Six digits or more, grouped by spaces, dots or dashes or not (a year, a time, a price is not)."""
_SECRET_NUMBER = re.compile(
    r"(\b(?:pin|pin number|passcode|password|pass code|code|otp|cvv|cvc|security number)\b\W*"
    r"(?:(?:is|was|of|number)\W+)?)\d(?:[ .\-]?\d){2,}",
    re.IGNORECASE,
)
"""A number said right after what makes it a secret ("my PIN is 4821", "the code 0375")."""


def name_words(known_names: list[str]) -> list[str]:
    """Every name and each of its words of two letters or more, longest first (so "Ann Lee" goes
    before "Ann")."""
    words = {part for name in known_names for part in (name, *name.split()) if len(part.strip()) >= 2}
    return sorted(words, key=len, reverse=True)


def whole_word(word: str) -> re.Pattern[str]:
    """`word` as a whole word, any case: "Ed" matches "ed" and "Ed's", never "Edinburgh" or "asked"."""
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)


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
