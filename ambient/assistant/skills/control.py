"""Stop, repeat and privacy mode: replies that act on the device itself."""

from __future__ import annotations

from typing import ClassVar

from ambient.assistant.intents import Intent
from ambient.assistant.skills.base import Reply, Skill, SkillContext


class StopSkill(Skill):
    name = "stop"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "stop": ("stop", "cancel", "never mind", "be quiet", "that is enough", "shut up", "stop talking")
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        return Reply("", action="stop")


class RepeatSkill(Skill):
    name = "repeat"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "repeat": ("repeat [that]", "say that again", "what did you say", "come again")
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        return Reply("", action="repeat")


class PrivacySkill(Skill):
    name = "privacy"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "on": ("privacy mode [on]", "turn on privacy mode", "(start|enable) privacy mode", "stop listening"),
        "off": ("privacy mode off", "turn off privacy mode", "(end|disable) privacy mode", "start listening"),
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        if intent.name == "on":
            return Reply(
                "Privacy mode on. The microphone and camera are off until you press the button.",
                action="privacy_on",
            )
        return Reply("Privacy mode off.", action="privacy_off")


class FalseWakeSkill(Skill):
    """The household telling the device its last wake was not meant for it: the moment's features
    are kept as a local hard negative (see `ambient wakeword adapt`)."""

    name = "false_wake"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "false_wake": (
            "that (was not|wasn't) for you",
            "(i was not|i wasn't|we were not|we weren't) talking to you",
            "(not you|false alarm)",
        )
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        return Reply("Sorry. I'll learn from that.", action="false_wake")
