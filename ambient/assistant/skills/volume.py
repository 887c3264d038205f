"""Speaker volume: up, down, set, mute."""

from __future__ import annotations

from typing import ClassVar

from ambient.assistant.intents import Intent
from ambient.assistant.skills.base import Reply, Skill, SkillContext
from ambient.speech.phrases import NUMBERS


class VolumeSkill(Skill):
    name = "volume"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "up": ("turn (it|the volume) up", "(louder|volume up)", "speak up"),
        "down": ("turn (it|the volume) down", "(quieter|volume down)", "be quieter"),
        "set": ("set [the] volume to {level}", "volume {level}"),
        "mute": ("mute",),
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        volume = context.volume
        if intent.name == "up":
            level = volume.clamped(volume.level + 2)
        elif intent.name == "down":
            level = volume.clamped(volume.level - 2)
        elif intent.name == "mute":
            return Reply("", effect=lambda: volume.set(0))  # nothing to hear: it is muted
        else:
            level = volume.clamped(NUMBERS.get(intent.slots.get("level", ""), volume.level))
        # set before the reply is spoken, so the reply itself is heard at the new volume
        return Reply(f"Volume {level}.", effect=lambda: volume.set(level))
