"""Nudges: things the device says without being asked, each from a rule with a reason, and the
policy that decides whether one may be spoken now.

Rules come from a household TOML file (`context.rules_file`) and from two built in:
`reminder` (a reminder's occasion came) and `timer_while_away` (a timer rang while the person who
set it was out of the room: told when they come back). A household rule:

    [[nudge]]
    name = "umbrella"
    when = "leaving"            # "arriving", "leaving", or "at" with at = "07:30"
    between = "06:00-10:00"     # optional: only in this window (local time)
    people = ["Ana"]            # optional: only these people (default: anyone who opted in)
    say = "{person}, the forecast says rain: take an umbrella."
    reason = "the household asked for an umbrella reminder on mornings"
    personal = false            # true: never said with a stranger in the room

The policy, in order: the person opted in (`ambient context consent NAME on`; a reminder someone
set for themselves counts as their consent), not in quiet hours, no stranger present when the
content is personal, at most `nudges_per_hour` to the person in the last hour. Every decision is
an event: `NudgeOffered` or `NudgeSuppressed` with the reason.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

from ambient.errors import ConfigError

WHEN = ("arriving", "leaving", "at")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class TimeWindow:
    start: time
    end: time

    @staticmethod
    def parse(text: str, where: str) -> TimeWindow | None:
        """ "22:00-07:00" (a window may pass midnight); "" is no window."""
        if not text:
            return None
        parts = text.split("-")
        if len(parts) != 2 or not all(_CLOCK.fullmatch(part.strip()) for part in parts):
            raise ConfigError(f"{where}: {text!r} is not a time window; write HH:MM-HH:MM, e.g. 22:00-07:00")
        start, end = (time.fromisoformat(part.strip()) for part in parts)
        return TimeWindow(start, end)

    def contains(self, moment: datetime) -> bool:
        now = moment.time()
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class NudgeRule:
    name: str
    when: str
    say: str
    reason: str
    at: time | None = None
    between: TimeWindow | None = None
    people: tuple[str, ...] = ()
    personal: bool = False

    def applies_to(self, person: str, moment: datetime) -> bool:
        if self.people and person not in self.people:
            return False
        return self.between is None or self.between.contains(moment)

    def nudge_for(self, person: str, context: str) -> Nudge:
        text = self.say.replace("{person}", person)
        return Nudge(self.name, person, text, self.reason, context, self.personal)


_KEYS = {"name", "when", "say", "reason", "at", "between", "people", "personal"}


def load_rules(path: Path) -> list[NudgeRule]:
    """The household's rules; anything wrong is a one-line ConfigError naming the rule and the fix."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: nudge rules file not found; check context.rules_file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the nudge rules ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(data) - {"nudge"}
    if unknown:
        raise ConfigError(f"{path}: unknown table {sorted(unknown)[0]!r}; rules are [[nudge]] entries")
    entries = data.get("nudge", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: write each rule as a [[nudge]] table")
    rules: list[NudgeRule] = []
    for index, entry in enumerate(entries, 1):
        rules.append(_rule(entry, f"{path}: rule {index}"))
    names = [rule.name for rule in rules]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate is not None:
        raise ConfigError(f"{path}: two rules are named {duplicate!r}; give each its own name")
    return rules


def _rule(entry: object, where: str) -> NudgeRule:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: write it as a [[nudge]] table")
    unknown = set(entry) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}; use {', '.join(sorted(_KEYS))}")
    for key in ("name", "when", "say", "reason"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ConfigError(f"{where}: {key} is missing; every rule needs name, when, say and reason")
    where = f"{where} ({entry['name']})"
    if entry["when"] not in WHEN:
        raise ConfigError(f"{where}: when = {entry['when']!r}; use one of {', '.join(WHEN)}")
    at = None
    if entry["when"] == "at":
        if not isinstance(entry.get("at"), str) or not _CLOCK.fullmatch(entry["at"]):
            raise ConfigError(f'{where}: a rule with when = "at" needs at = "HH:MM"')
        at = time.fromisoformat(entry["at"])
    elif "at" in entry:
        raise ConfigError(f'{where}: at is only for when = "at"')
    between = entry.get("between", "")
    if not isinstance(between, str):
        raise ConfigError(f"{where}: between must be text, HH:MM-HH:MM")
    people = entry.get("people", [])
    if not isinstance(people, list) or not all(isinstance(p, str) and p for p in people):
        raise ConfigError(f'{where}: people must be a list of names, e.g. ["Ana"]')
    personal = entry.get("personal", False)
    if not isinstance(personal, bool):
        raise ConfigError(f"{where}: personal must be true or false")
    say = entry["say"]
    leftover = re.findall(r"\{[^}]*\}", say.replace("{person}", ""))
    if leftover:
        raise ConfigError(f"{where}: say has {leftover[0]}; only {{person}} is filled in")
    return NudgeRule(
        name=entry["name"], when=entry["when"], say=say, reason=entry["reason"], at=at,
        between=TimeWindow.parse(between, where), people=tuple(people), personal=personal,
    )  # fmt: skip


@dataclass(frozen=True)
class Nudge:
    """One thing the device would say to one person, and why."""

    rule: str
    person: str
    text: str
    reason: str
    context: str
    """What in the room fired it, said back by "why did you say that?"."""
    personal: bool
    consented: bool = False
    """The person asked for it themselves (a reminder they set): no separate opt-in needed."""


@dataclass(frozen=True)
class NudgePolicy:
    quiet_hours: TimeWindow | None
    per_hour: int

    def refuse(
        self, nudge: Nudge, moment: datetime, opted_in: bool, strangers: int, spoken_last_hour: int
    ) -> str | None:
        """Why `nudge` may not be spoken now, or None when it may."""
        if not (nudge.consented or opted_in):
            return "no consent"
        if self.quiet_hours is not None and self.quiet_hours.contains(moment):
            return "quiet hours"
        if nudge.personal and strangers:
            return "a stranger is present"
        if spoken_last_hour >= self.per_hour:
            return "rate limit"
        return None
