"""Timers: set, cancel, list. They ring through the speaker (the timer stage) and survive restarts."""

from __future__ import annotations

from typing import ClassVar

from ambient.assistant.intents import Intent
from ambient.assistant.skills.base import Reply, Skill, SkillContext
from ambient.speech.phrases import NUMBERS

_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600}


def spoken_duration(seconds: float) -> str:
    seconds = round(seconds)
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if (seconds >= size and seconds % size == 0) or unit == "second":
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


class TimerSkill(Skill):
    name = "timers"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "set": (
            "set [a] timer for {number} {unit}",
            "set [a] {number} {unit} timer",
            "timer for {number} {unit}",
        ),
        "cancel": (
            "cancel [the|my|all] [the] (timer|timers)",
            "stop the (timer|timers)",
            "delete [the|my] timers",
        ),
        "list": (
            "(list|what are) [the|my] timers",
            "how much time is left [on the timer]",
            "how long is left [on the timer]",
        ),
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        if intent.name == "set":
            count = NUMBERS.get(intent.slots.get("number", ""), 1)  # "a minute" -> 1
            unit = intent.slots.get("unit", "minutes").rstrip("s")
            seconds = count * _UNIT_SECONDS[unit]
            label = spoken_duration(seconds)
            # the timer runs from when the turn is committed, a fraction of a second from now
            return Reply(
                f"Timer set for {label}.",
                effect=lambda: context.timers.add(seconds, label, context.wall_clock(), context.speaker),
            )
        if intent.name == "cancel":
            running = len(context.timers.active())
            if running == 0:
                return Reply("There are no timers to cancel.")
            text = "Timer cancelled." if running == 1 else f"{running} timers cancelled."
            return Reply(text, effect=context.timers.cancel_all)
        timers = context.timers.active()
        if not timers:
            return Reply("There are no timers running.")
        now = context.wall_clock()
        parts = [f"the {t.label} timer has {spoken_duration(t.remaining(now))} left" for t in timers]
        return Reply(("; ".join(parts) + ".").capitalize())
