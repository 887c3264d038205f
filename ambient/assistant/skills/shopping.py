"""The household's shopping list: "add milk to the list", "what's on the list", "take milk off the
list", "clear the list". Each item remembers who added it (the speaker, when the device can tell)."""

from __future__ import annotations

from typing import ClassVar

from ambient.assistant.intents import Intent
from ambient.assistant.skills.base import Reply, Skill, SkillContext
from ambient.context.shopping import shopping_list
from ambient.context.store import UNKNOWN
from ambient.events import ShoppingListChanged


class ShoppingListSkill(Skill):
    name = "shopping_list"
    phrases: ClassVar[dict[str, tuple[str, ...]]] = {
        "add": ("(add|put) {item} (to|on) the [shopping] list", "we need [some] [more] {item}"),
        "remove": ("(remove|take|cross) {item} (from|off) the [shopping] list",),
        "read": ("what is on the [shopping] list", "read [me] the [shopping] list"),
        "clear": ("(clear|empty) the [shopping] list",),
    }

    def handle(self, intent: Intent, context: SkillContext) -> Reply:
        items = context.store.read(shopping_list) if context.store is not None else []
        by = context.speaker
        if intent.name == "add":
            item = intent.slots.get("item", "")
            if any(existing == item for existing, _ in items):
                return Reply(f"{item.capitalize()} is already on the list.")
            added = ShoppingListChanged(t=0.0, change="added", item=item, by=by)
            return Reply(f"Added {item} to the list.", events=(added,))
        if intent.name == "remove":
            item = intent.slots.get("item", "")
            if not any(existing == item for existing, _ in items):
                return Reply(f"{item.capitalize()} isn't on the list.")
            removed = ShoppingListChanged(t=0.0, change="removed", item=item, by=by)
            return Reply(f"Took {item} off the list.", events=(removed,))
        if intent.name == "clear":
            if not items:
                return Reply("The list is already empty.")
            return Reply(
                f"Cleared the list of {len(items)} item{'s' if len(items) != 1 else ''}.",
                events=(ShoppingListChanged(t=0.0, change="cleared", item="", by=by),),
            )
        if not items:
            return Reply("The shopping list is empty.")
        parts = [item + ("" if who == UNKNOWN else f" from {who}") for item, who in items]
        return Reply("On the list: " + ", ".join(parts) + ".")
