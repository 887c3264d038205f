"""Media channels: drop-oldest with counters, back-pressure, control messages first, closing."""

from __future__ import annotations

import asyncio

import pytest

from ambient.runtime.channels import ChannelClosed, ControlMessage, FrameSlot, MediaChannel


class Flush(ControlMessage):
    pass


def test_full_channel_drops_the_oldest_and_counts_it() -> None:
    async def scenario() -> None:
        channel: MediaChannel[int] = MediaChannel("audio", capacity=3)
        for item in range(5):
            channel.put_nowait(item)
        assert channel.dropped == 2
        assert [await channel.get() for _ in range(3)] == [2, 3, 4]
        assert channel.delivered == 3

    asyncio.run(scenario())


def test_control_messages_jump_the_queue() -> None:
    async def scenario() -> None:
        channel: MediaChannel[int] = MediaChannel("audio", capacity=10)
        channel.put_nowait(1)
        channel.put_nowait(2)
        flush = Flush()
        channel.put_control(flush)
        assert await channel.get() is flush
        assert await channel.get() == 1

    asyncio.run(scenario())


def test_frame_slot_keeps_only_the_newest_frame() -> None:
    async def scenario() -> None:
        slot: FrameSlot[str] = FrameSlot()
        for frame in ("a", "b", "c"):
            slot.put_nowait(frame)
        assert await slot.get() == "c"
        assert slot.dropped == 2

    asyncio.run(scenario())


def test_put_waits_for_room_instead_of_dropping() -> None:
    async def scenario() -> None:
        channel: MediaChannel[int] = MediaChannel("audio", capacity=2)

        async def produce() -> None:
            for item in range(6):
                await channel.put(item)
            channel.close()

        producer = asyncio.create_task(produce())
        received = []
        with pytest.raises(ChannelClosed):
            while True:
                received.append(await channel.get())
                await asyncio.sleep(0)
        await producer
        assert received == list(range(6))
        assert channel.dropped == 0

    asyncio.run(scenario())


def test_a_waiting_consumer_wakes_on_close() -> None:
    async def scenario() -> None:
        channel: MediaChannel[int] = MediaChannel("audio", capacity=2)
        waiter = asyncio.create_task(channel.get())
        await asyncio.sleep(0)
        channel.close()
        with pytest.raises(ChannelClosed):
            await waiter

    asyncio.run(scenario())
