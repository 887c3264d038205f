"""Keeps a long-running device's resident memory from creeping up: glibc's allocator, told to use
few arenas and asked now and then to hand freed pages back to the kernel.

Why: the device's native libraries (onnxruntime, CTranslate2, dlib, FFmpeg inside OpenCV) allocate
and free large buffers from several threads. glibc gives each contending thread its own arena (up
to eight per core) and keeps freed pages mapped for reuse, so the resident size climbs for minutes
and then stays high, though the Python heap is flat (the 30-minute soak, `benchmarks/soak.py
--trace-python`: +1.1 MB of Python objects against +30 to +40 MB of RSS). On a 1 GB Raspberry Pi
that is memory the device holds for nothing. Two arenas and a periodic `malloc_trim(0)` (which
also releases free pages in the middle of an arena, glibc 2.8 and later) keep it near what is in
use. On a C library other than glibc (musl, macOS) both are skipped: they do not have the calls.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# from glibc's malloc.h: mallopt's parameter for the most arenas the allocator may create
_M_ARENA_MAX = -8


class NativeHeap:
    """glibc's allocator controls, or nothing when the process is not on glibc."""

    def __init__(self, libc: ctypes.CDLL | None) -> None:
        self._libc = libc
        self.trims = 0
        self.longest_trim_s = 0.0

    @classmethod
    def of_this_process(cls) -> NativeHeap:
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name) if name else None
        except OSError:
            libc = None
        if libc is not None and not (hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt")):
            libc = None  # not glibc
        return cls(libc)

    @property
    def available(self) -> bool:
        return self._libc is not None

    def limit_arenas(self, most: int) -> bool:
        """At most `most` arenas from now on (0 leaves glibc's default); True when applied.

        Arenas that already exist stay, so this is called before the models load and their
        thread pools start."""
        if self._libc is None or most <= 0:
            return False
        return bool(self._libc.mallopt(ctypes.c_int(_M_ARENA_MAX), ctypes.c_int(most)))

    def trim(self) -> bool:
        """Hands free pages back to the kernel; True when some were released."""
        if self._libc is None:
            return False
        started = time.perf_counter()
        released = bool(self._libc.malloc_trim(ctypes.c_size_t(0)))
        self.trims += 1
        self.longest_trim_s = max(self.longest_trim_s, time.perf_counter() - started)
        return released


async def trim_periodically(
    heap: NativeHeap, every_s: float, sleep: Callable[[float], Awaitable[None]] | None = None
) -> None:
    """Trims every `every_s` seconds until cancelled, in a worker thread: a trim walks every arena
    (milliseconds on a large heap), which must not hold up the event loop's audio."""
    pause = sleep or asyncio.sleep
    while True:
        await pause(every_s)
        await asyncio.to_thread(heap.trim)
        log.debug("native heap trimmed (%d trims, longest %.1f ms)", heap.trims, heap.longest_trim_s * 1e3)
