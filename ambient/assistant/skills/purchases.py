""" "Order more coffee", "confirm the order", "cancel that order": the words only. Who may order,
the liveness check, the limits and the shop are the purchase stage's (`ambient/purchases`); the
skill hands it the request with who the device took for the speaker."""

from __future__ import annotations

from typing import ClassVar

from ambient.assistant.intents import Intent
from ambient.assistant.skills.base import Reply, Skill, SkillContext
from ambient.events import PurchaseCancelRequested, PurchaseConfirmationHeard, PurchaseRequested


class PurchaseSkill(Skill):
    name = "purchases"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "order": ("(order|buy) [some|more|a|an|another] {item}",),
        "confirm": ("[yes] confirm [the|my] order", "(yes|yeah) order it"),
        "cancel": ("cancel (that|the|my) order",),
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        if not context.shopping:
            return Reply("Ordering isn't set up on this device.")
        speaker = context.speaker
        if intent.name == "order":
            item = intent.slots.get("item", "")
            return Reply(
                f"Let me see about {item}.", events=(PurchaseRequested(t=0.0, item=item, person=speaker),)
            )
        if intent.name == "confirm":
            return Reply("", events=(PurchaseConfirmationHeard(t=0.0, person=speaker),))
        return Reply("", events=(PurchaseCancelRequested(t=0.0, person=speaker),))
