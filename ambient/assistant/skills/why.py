""" "Why did you say that?": the device answers from the rule and the context that made it speak
(a nudge, a reminder, a timer), or with the question it was answering."""

from __future__ import annotations

from typing import ClassVar

from ambient.assistant.intents import Intent
from ambient.assistant.skills.base import Reply, Skill, SkillContext


class WhySkill(Skill):
    name = "why"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "why": (
            "why did you (say|tell me) (that|this)",
            "why did you remind me [of] (that|this)",
            "why (that|this) (reminder|nudge)",
        ),
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        why = context.store.why_last() if context.store is not None else None
        if why is None:
            return Reply("I haven't said anything since I started.")
        return Reply(f"Because {why}.")
