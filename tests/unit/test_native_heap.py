"""The native heap controls: on glibc, the arena limit applies and trims run off the event loop on
their period; elsewhere both are skipped without an error."""

from __future__ import annotations

import asyncio
import ctypes

import pytest

from ambient.runtime.native_heap import NativeHeap, trim_periodically


def test_on_glibc_the_limit_applies_and_a_trim_is_timed() -> None:
    heap = NativeHeap.of_this_process()
    if not heap.available:
        pytest.skip("not glibc: nothing to control")  # CI and the device run Debian (glibc)
    assert heap.limit_arenas(2) is True
    assert heap.limit_arenas(0) is False  # 0 leaves glibc's default alone
    heap.trim()
    assert heap.trims == 1 and heap.longest_trim_s >= 0.0


def test_without_glibc_nothing_is_called() -> None:
    heap = NativeHeap(None)
    assert not heap.available and heap.limit_arenas(2) is False and heap.trim() is False and heap.trims == 0


def test_trims_come_on_their_period_until_cancelled() -> None:
    heap = NativeHeap(ctypes.CDLL(None)) if hasattr(ctypes.CDLL(None), "malloc_trim") else NativeHeap(None)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) > 3:
            raise asyncio.CancelledError
        await asyncio.sleep(0)

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(trim_periodically(heap, 60.0, sleep))
    assert slept == [60.0] * 4
    assert heap.trims == (3 if heap.available else 0)
