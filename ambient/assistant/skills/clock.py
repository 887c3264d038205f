"""Time and date."""

from __future__ import annotations

from typing import ClassVar

from ambient.assistant.intents import Intent
from ambient.assistant.skills.base import Reply, Skill, SkillContext


class ClockSkill(Skill):
    name = "clock"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "time": ("what time is it [now]", "(what is|tell me) the time [now]", "what is the time please"),
        "date": (
            "what (day|date) is it [today]",
            "what is [the] (date|day) [today]",
            "what is today's date",
            "(tell me|what is) today's date",
        ),
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        now = context.now()
        if intent.name == "time":
            hour = now.strftime("%I").lstrip("0")
            return Reply(f"It's {hour}:{now:%M} {now:%p}.".replace("AM", "a.m").replace("PM", "p.m"))
        return Reply(f"Today is {now:%A}, {now:%B} {now.day}, {now.year}.")
