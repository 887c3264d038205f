"""What every skill is: a name, its phrases per intent, and a handler that returns a reply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from ambient.assistant.intents import Intent
from ambient.assistant.timers import TimerStore
from ambient.assistant.volume import VolumeControl
from ambient.context.store import PresenceView


@dataclass(frozen=True)
class Reply:
    text: str
    action: str | None = None
    """Something the turn manager does besides speaking: "stop", "repeat", "privacy_on", "privacy_off"."""


@dataclass
class SkillContext:
    """Everything a skill may touch; nothing else of the device."""

    wall_clock: Callable[[], float]
    timers: TimerStore
    volume: VolumeControl
    presence: PresenceView

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.wall_clock())


class Skill:
    name: ClassVar[str]
    phrases: ClassVar[dict[str, tuple[str, ...]]]

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        raise NotImplementedError
