"""Reminders bound to a person and an occasion: "remind Ana to take her keys when she leaves",
"remind me to call the bank when I get home", "... at 6", "... in 20 minutes". They are kept in
the context store (surviving restarts) and spoken by the nudge stage when the occasion comes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from ambient.assistant.intents import Intent
from ambient.assistant.skills.base import Reply, Skill, SkillContext
from ambient.assistant.skills.identity import named
from ambient.context.reminders import addressed_to, pending_reminders
from ambient.context.store import UNKNOWN
from ambient.events import ReminderSet
from ambient.speech.phrases import NUMBERS

_PRONOUN = "(she|he|they|i|you|we)"
_LEAVING = "(leave|leaves|go out|goes out|head out|heads out)"
_ARRIVING = "(get home|gets home|come home|comes home|arrive|arrives|get back|gets back|come in|comes in)"
_MORNING = {"am", "a m", "in the morning"}
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600}


def due_at(hour_word: str, minute_word: str | None, meridiem: str | None, now: datetime) -> datetime:
    """The next time it is `hour:minute` (with am/pm when said; otherwise the nearer of the two)."""
    hour = NUMBERS[hour_word] % 12
    minute = NUMBERS.get(minute_word or "", 0)
    # "at six" unqualified is the nearer six; "six pm" only the evening one
    hours = [hour, hour + 12] if meridiem is None else [hour if meridiem in _MORNING else hour + 12]
    candidates = []
    for h in hours:
        moment = now.replace(hour=h, minute=minute, second=0, microsecond=0)
        candidates.append(moment if moment > now else moment + timedelta(days=1))
    return min(candidates)


def spoken_time(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    minute = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minute} {'AM' if moment.hour < 12 else 'PM'}"


class ReminderSkill(Skill):
    name = "reminders"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "leaving": (f"remind {{person}} to {{text}} when {_PRONOUN} {_LEAVING}",),
        "arriving": (f"remind {{person}} to {{text}} when {_PRONOUN} {_ARRIVING}",),
        "at": ("remind {person} to {text} at {hour} [{number}] [o'clock] [{meridiem}]",),
        "after": ("remind {person} to {text} in {number} {unit}",),
        "list": ("(what are|list) [the|my] reminders", "what reminders are there"),
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        if intent.name == "list":
            return self._list(context)
        spoken = intent.slots.get("person", "")
        if spoken == "me":
            if context.speaker == UNKNOWN:
                return Reply(
                    "I can't tell who is asking: I need to see just you. "
                    "Or say the name: remind Ana to, and what."
                )
            person = context.speaker
        else:
            found = named(spoken, context.household())
            if found is None:
                return Reply(f"I don't know anyone called {spoken}, so I couldn't remind them.")
            person = found
        if person != context.speaker and context.store is not None and not context.store.consents(person):
            # a reminder for someone else is a nudge to them: only to those who opted in
            return Reply(
                f"{person} hasn't agreed to reminders from others. "
                f"They can turn them on with: ambient context consent {person} on."
            )
        task = intent.slots.get("text", "")
        now = context.now()
        due = 0.0
        if intent.name == "leaving":
            when = "when they leave"
        elif intent.name == "arriving":
            when = "when they get home"
        elif intent.name == "at":
            slots = intent.slots
            moment = due_at(slots["hour"], slots.get("number"), slots.get("meridiem"), now)
            due, when = moment.timestamp(), f"at {spoken_time(moment)}"
        else:
            count = NUMBERS.get(intent.slots.get("number", ""), 1)
            seconds = count * _UNIT_SECONDS[intent.slots.get("unit", "minutes").rstrip("s")]
            moment = now + timedelta(seconds=seconds)
            due, when = moment.timestamp(), f"at {spoken_time(moment)}"
        occasion = "at" if intent.name in ("at", "after") else intent.name
        by = context.speaker
        who = "you" if person == by else person
        return Reply(
            f"OK, I'll remind {who} to {addressed_to(task) if who == 'you' else task} {when}.".replace(
                " they ", " you " if who == "you" else " they "
            ),
            events=(ReminderSet(t=0.0, person=person, text=task, occasion=occasion, due=due, set_by=by),),
        )

    def _list(self, context: SkillContext) -> Reply:
        if context.store is None:
            return Reply("There are no reminders.")
        reminders = context.store.read(pending_reminders)
        if context.speaker != UNKNOWN:
            reminders = [r for r in reminders if r.person == context.speaker] or reminders
        if not reminders:
            return Reply("There are no reminders.")
        parts = [f"{r.person} to {r.text} {r.occasion_phrase()}" for r in reminders[:5]]
        more = f", and {len(reminders) - 5} more" if len(reminders) > 5 else ""
        return Reply("Reminders: " + "; ".join(parts) + more + ".")
