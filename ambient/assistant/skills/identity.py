""" "That's not me": someone in view tells the device it took them for the wrong person. The
presence stage then keeps their face as that person's look-alike (see `vision/face_stage.py`)."""

from __future__ import annotations

from typing import ClassVar

from ambient.assistant.intents import Intent
from ambient.assistant.skills.base import Reply, Skill, SkillContext
from ambient.speech.phrases import normalise


def named(spoken: str, present: list[str]) -> str | None:
    """The one person in `present` whom `spoken` names: the whole name or its first word
    ("serena" for "Serena Williams"); None when no one, or more than one, answers to it."""
    words = normalise(spoken)
    found = [name for name in present if words == normalise(name) or words == normalise(name).split(" ")[0]]
    return found[0] if len(found) == 1 else None


class FaceCorrectionSkill(Skill):
    name = "face_correction"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "not_me": (
            "that is not me",
            "(that is|you have) the wrong (person|name)",
            "(i am not|that is not my name|my name is not) {name}",
        ),
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        present = context.presence.who_is_here()
        spoken = intent.slots.get("name")
        if spoken is not None:
            person = named(spoken, present)
            if person is None:
                return Reply(f"I don't see anyone I take for {spoken} right now.")
        elif len(present) == 1:
            person = present[0]
        elif not present:
            return Reply("I don't see anyone I know right now, so I haven't named anyone.")
        else:
            return Reply(
                "I see more than one person I know. Tell me the name I got wrong: say I'm not, then the name."
            )
        return Reply(f"Sorry. I won't take you for {person} again.", action="not_me", subject=person)


class EnrolSkill(Skill):
    """ "Remember me as Ana": the one person in view the device does not know asks to be known.
    Their face is collected and waits for a household member's approval (`ambient faces approve`):
    a "yes" said in the room is not taken as consent, because with the newcomer in view the device
    can never tell who said it (the speaker is "unknown" whenever two people are in view), and the
    newcomer could approve themselves."""

    name = "enrol"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "enrol": ("remember me as {name}", "(learn|remember) my face as {name}", "call me {name}"),
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        present = context.presence.who_is_here()
        strangers = context.presence.strangers_present()
        person = " ".join(word.capitalize() for word in intent.slots.get("name", "").split())
        if not person:
            return Reply("What name should I remember?")
        if strangers == 0:
            if len(present) == 1:
                return Reply(f"I already know you as {present[0]}.")
            return Reply("I don't see anyone new.")
        if strangers > 1:
            return Reply("I see more than one person I don't know. I can learn one face at a time.")
        if not present:
            return Reply("Someone I already know has to be here before I learn a new face.")
        if named(person, present) is not None:
            return Reply(f"I already know someone called {person}.")
        return Reply(
            f"{person}, look at me and turn your head slowly from side to side. "
            "Then someone from the household needs to approve you.",
            action="enrol",
            subject=person,
        )
