"""What every skill is: a name, its phrases per intent, and a handler that returns a reply and,
separately, the change it makes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from ambient.assistant.intents import Intent
from ambient.assistant.timers import TimerStore
from ambient.assistant.volume import VolumeControl
from ambient.context.store import UNKNOWN, ContextStore, PresenceView
from ambient.events import Event


@dataclass(frozen=True)
class Reply:
    text: str
    action: str | None = None
    """Something the turn manager does besides speaking: "stop", "repeat", "privacy_on", "privacy_off",
    "false_wake", "not_me" (the person named `subject` is not who is in view), "enrol" (the newcomer
    in view asks to be remembered as `subject`)."""
    subject: str | None = None
    events: tuple[Event, ...] = ()
    """What the request records (a reminder set, an item put on the list), published with the
    turn's correlation id once the turn is committed; the context store writes them down."""
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
    household: Callable[[], list[str]] = list
    """Everyone enrolled (the gallery's names): who a reminder may be for."""
    store: ContextStore | None = None
    """The context store, to read (the shopping list, what was said and why); None in tests of
    skills that need none of it."""
    shopping: bool = False
    """Orders by voice are set up (`purchases.enabled` and a shop)."""
    speaker: str = UNKNOWN
    """Who is speaking in this turn (see `ContextStore.speaker_of`); set per turn."""
    correlation_id: str = ""

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.wall_clock())

    def for_turn(self, correlation_id: str, speaker: str) -> SkillContext:
        return dataclasses.replace(self, correlation_id=correlation_id, speaker=speaker)


class Skill:
    name: ClassVar[str]
    phrases: ClassVar[dict[str, tuple[str, ...]]]

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        """The reply to `intent`; any change goes in `Reply.effect`, not done here."""
        raise NotImplementedError
