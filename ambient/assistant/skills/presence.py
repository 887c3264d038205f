"""Who is here: read from the context store (names only, as the presence stage wrote them)."""

from __future__ import annotations

from typing import ClassVar

from ambient.assistant.intents import Intent
from ambient.assistant.skills.base import Reply, Skill, SkillContext


def spoken_list(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


class PresenceSkill(Skill):
    name = "presence"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "who": (
            "who is (here|home|in the room|around)",
            "is anyone (here|home)",
            "who can you see",
            "who do you see",
        )
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        people = context.presence.who_is_here()
        strangers = context.presence.strangers_present()
        if not people and not strangers:
            return Reply("I don't see anyone.")
        parts = list(people)
        if strangers:
            parts.append("someone I don't know" if strangers == 1 else f"{strangers} people I don't know")
        verb = "is" if len(parts) == 1 and not (strangers > 1 and not people) else "are"
        sentence = f"{spoken_list(parts)} {verb} here."
        return Reply(sentence[0].upper() + sentence[1:])
