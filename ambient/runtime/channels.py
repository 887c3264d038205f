"""Bounded media channels between stages: drop the oldest item when full, count what was dropped."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class ControlMessage:
    """Base of the messages that overtake media in a channel (pause, flush, reset, ...)."""


class ChannelClosed(Exception):
    """The producer closed the channel and every item has been taken."""


class MediaChannel(Generic[T]):
    """A bounded FIFO owned by one event loop.

    `put_nowait` never waits: when full it drops the oldest item (stale audio or video is worth
    less than fresh). `put` waits for room instead, for sources that can be slowed (a file played
    as fast as possible). Control messages jump the queue: `get` returns them before any media.
    """

    def __init__(self, name: str, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a channel holds at least one item")
        self.name = name
        self.capacity = capacity
        self._items: deque[T] = deque()
        self._control: deque[ControlMessage] = deque()
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._closed = False
        self.delivered = 0
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def closed(self) -> bool:
        return self._closed

    def put_nowait(self, item: T) -> None:
        if self._closed:
            return
        if len(self._items) >= self.capacity:
            self._items.popleft()
            self.dropped += 1
        self._items.append(item)
        self._readable.set()
        if len(self._items) >= self.capacity:
            self._writable.clear()

    async def put(self, item: T) -> None:
        while len(self._items) >= self.capacity and not self._closed:
            self._writable.clear()
            await self._writable.wait()
        self.put_nowait(item)

    def put_control(self, message: ControlMessage) -> None:
        """A message for the consumer that overtakes every queued media item."""
        self._control.append(message)
        self._readable.set()

    def close(self) -> None:
        self._closed = True
        self._readable.set()
        self._writable.set()

    async def get(self) -> T | ControlMessage:
        """The next control message if any, else the oldest media item; ChannelClosed at the end."""
        while True:
            if self._control:
                return self._control.popleft()
            if self._items:
                item = self._items.popleft()
                self.delivered += 1
                self._writable.set()
                if not self._items and not self._control:
                    self._readable.clear()
                return item
            if self._closed:
                raise ChannelClosed(self.name)
            self._readable.clear()
            await self._readable.wait()


class FrameSlot(MediaChannel[T]):
    """The camera's one-slot channel: a consumer always gets the newest frame, never a stale queue."""

    def __init__(self, name: str = "frames") -> None:
        super().__init__(name, capacity=1)


class MessageChannel(Generic[T]):
    """A lossless FIFO of messages between two stages on one event loop (a turn's audio handed
    to the conversation, an early-end request handed back). Unlike media, a message is never
    dropped: a few arrive per turn, and each one changes what the turn does."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: deque[T] = deque()
        self._readable = asyncio.Event()
        self._closed = False
        self.delivered = 0

    def __len__(self) -> int:
        return len(self._items)

    def put(self, message: T) -> None:
        """Never waits (the sender is the audio path); a closed channel takes nothing."""
        if self._closed:
            return
        self._items.append(message)
        self._readable.set()

    def close(self) -> None:
        self._closed = True
        self._readable.set()

    async def get(self) -> T:
        while True:
            if self._items:
                self.delivered += 1
                return self._items.popleft()
            if self._closed:
                raise ChannelClosed(self.name)
            self._readable.clear()
            await self._readable.wait()
