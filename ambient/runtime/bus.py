"""The event bus: every stage publishes here; the log, the console and other stages listen."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ambient.events import Event

log = logging.getLogger(__name__)

Handler = Callable[[Event], None]


class EventBus:
    """Synchronous fan-out on the event loop's thread.

    Handlers run inside `publish`, in subscription order, so the event log has written an event
    before anything reacts to it. A handler that raises is logged and skipped, never fatal.
    """

    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self.history: list[Event] | None = None

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    def unsubscribe(self, handler: Handler) -> None:
        self._handlers.remove(handler)

    def keep_history(self) -> list[Event]:
        """Record every event from now on (tests and `ambient run --duration` summaries)."""
        self.history = []
        return self.history

    def queue(self) -> asyncio.Queue[Event]:
        """An unbounded queue that receives every event, for consumers that await."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        self.subscribe(queue.put_nowait)
        return queue

    def publish(self, event: Event) -> None:
        if self.history is not None:
            self.history.append(event)
        for handler in list(self._handlers):
            try:
                handler(event)
            except Exception:
                log.exception("event handler %r failed on %s", handler, event.type)
