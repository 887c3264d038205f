"""A preallocated ring of 16 kHz samples: chunks go in, fixed windows come out, nothing allocates."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from ambient.audio_format import CHUNK_SAMPLES

_INT16_SCALE = np.array(1.0 / 32768.0, dtype=np.float32)
"""A 0-d array, not a numpy scalar: a scalar operand is converted (allocated) on every call."""
_SMALL_INT_LIMIT = 250
"""CPython caches the ints up to 256; counters kept below that never allocate."""


class AudioRing:
    """Float32 samples written a chunk at a time and read a window at a time.

    The capacity is a multiple of both the chunk and the window, and writes and reads start on
    their own boundaries, so neither ever wraps: every slice it hands out is a view made once at
    construction. Positions are kept as slot numbers and a count of unread "units" (the greatest
    common divisor of chunk and window), all small ints, so the per-chunk path allocates nothing;
    absolute sample offsets are computed only when an event asks for one.
    """

    def __init__(self, window: int, chunk: int = CHUNK_SAMPLES) -> None:
        unit = math.gcd(chunk, window)
        lcm = chunk * window // unit
        repeats = max(1, (_SMALL_INT_LIMIT * unit) // lcm)
        self.chunk = chunk
        self.window = window
        self.capacity = lcm * repeats
        self._chunk_units = chunk // unit
        self._window_units = window // unit
        self._capacity_units = self.capacity // unit
        self._buffer = np.zeros(self.capacity, dtype=np.float32)
        self._write_views = [self._buffer[i : i + chunk] for i in range(0, self.capacity, chunk)]
        self._read_views = [self._buffer[i : i + window] for i in range(0, self.capacity, window)]
        self._write_slot = 0
        self._write_laps = 0
        self._read_slot = 0
        self._read_laps = 0
        self._unread_units = 0
        self.overruns = 0
        """Windows lost because the reader fell a whole ring behind the writer."""

    def write(self, chunk: npt.NDArray[np.float32] | npt.NDArray[np.int16]) -> None:
        """Copy one chunk in; int16 input is scaled to [-1, 1)."""
        view = self._write_views[self._write_slot]
        if chunk.dtype == np.int16:
            # Cast, then scale in place: a mixed-type multiply would allocate a cast buffer.
            np.copyto(view, chunk, casting="unsafe")
            np.multiply(view, _INT16_SCALE, out=view)
        else:
            np.copyto(view, chunk)
        self._write_slot += 1
        if self._write_slot == len(self._write_views):
            self._write_slot = 0
            self._write_laps += 1
        self._unread_units += self._chunk_units
        while self._unread_units > self._capacity_units:
            # The reader fell a whole ring behind: skip the oldest window rather than read torn audio.
            self._advance_read()
            self._unread_units -= self._window_units
            self.overruns += 1

    def pending_windows(self) -> int:
        return self._unread_units // self._window_units

    def read_window(self) -> npt.NDArray[np.float32]:
        """The next unread window: a view into the ring, valid until the writer laps it."""
        view = self._read_views[self._read_slot]
        self._advance_read()
        self._unread_units -= self._window_units
        return view

    def _advance_read(self) -> None:
        self._read_slot += 1
        if self._read_slot == len(self._read_views):
            self._read_slot = 0
            self._read_laps += 1

    @property
    def samples_written(self) -> int:
        return (self._write_laps * len(self._write_views) + self._write_slot) * self.chunk

    @property
    def next_window_start(self) -> int:
        """The absolute sample offset of the window `read_window` returns next."""
        return (self._read_laps * len(self._read_views) + self._read_slot) * self.window
