"""One turn's reply as the conversation stage runs it: its correlation id, whether the turn has been
committed, and the events it holds back until then.

A turn is usually committed from the start: the listening stage captured the command, the turn
is over. A turn that looks complete in a pause is started before that (speculatively): the
transcript, the intent, the reply's synthesis and a cloud request all run while the pause is
still being timed, so the reply can play the moment the pause is long enough. Until then it
changes nothing (skills return their effect, applied on commit), plays nothing, and holds its
events, so the event log tells the turn in its usual order, with the times things happened. If
the user speaks again instead, the turn is dropped with everything it held.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ambient.events import Event


class ReplyTurn:
    def __init__(self, correlation_id: str, publish: Callable[[Event], None], committed: bool = True) -> None:
        self.correlation_id = correlation_id
        self._publish = publish
        self._committed = asyncio.Event()
        self._held: list[Event] = []
        self.dropped = False
        if committed:
            self._committed.set()

    @property
    def committed(self) -> bool:
        return self._committed.is_set()

    def publish(self, event: Event) -> None:
        if self.dropped:
            return
        if self.committed:
            self._publish(event)
        else:
            self._held.append(event)

    def commit(self) -> None:
        """The turn is over: publish what was held, in order, and let the reply play."""
        if self.committed or self.dropped:
            return
        self._committed.set()
        held, self._held = self._held, []
        for event in held:
            self._publish(event)

    def drop(self) -> None:
        """The user went on talking: this turn never happened."""
        self.dropped = True
        self._held.clear()

    async def wait_committed(self) -> None:
        await self._committed.wait()
