"""What every skill is: a name, its phrases per intent, and a handler that returns a reply and,
separately, the change it makes."""

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
    """Something the turn manager does besides speaking: "stop", "repeat", "privacy_on", "privacy_off",
    "false_wake", "not_me" (the person named `subject` is not who is in view), "enrol" (the newcomer
    in view asks to be remembered as `subject`)."""
    subject: str | None = None
    effect: Callable[[], object] | None = None
    """The change the request makes (a timer set, the volume changed), applied only when the turn
    is committed: a reply may be prepared during a pause the user then talks on through, and
    nothing may have changed then. A handler itself must change nothing."""

    def apply(self) -> None:
        if self.effect is not None:
            self.effect()


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
        """The reply to `intent`; any change goes in `Reply.effect`, not done here."""
        raise NotImplementedError
