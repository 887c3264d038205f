"""The context store: who is here, what is happening, recent events."""

from ambient.context.store import ContextStore, PresenceView

__all__ = ["ContextStore", "PresenceView"]
