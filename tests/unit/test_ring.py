"""The audio ring: chunks in, windows out, exact sample offsets, overrun handling."""

from __future__ import annotations

import numpy as np

from ambient.audio.ring import AudioRing
from ambient.audio_format import CHUNK_SAMPLES


def test_windows_reassemble_the_stream_exactly() -> None:
    ring = AudioRing(window=512)
    stream = np.random.default_rng(1).uniform(-1, 1, CHUNK_SAMPLES * 40).astype(np.float32)
    out = []
    for start in range(0, stream.size, CHUNK_SAMPLES):
        ring.write(stream[start : start + CHUNK_SAMPLES])
        while ring.pending_windows():
            offset = ring.next_window_start
            window = ring.read_window()
            np.testing.assert_array_equal(window, stream[offset : offset + 512])
            out.append(window.copy())
    assert np.concatenate(out).size == (stream.size // 512) * 512
    assert ring.samples_written == stream.size


def test_int16_is_scaled_to_unit_range() -> None:
    ring = AudioRing(window=1280)
    ring.write(np.full(CHUNK_SAMPLES, -32768, dtype=np.int16))
    assert ring.read_window()[0] == -1.0


def test_capacity_keeps_counters_small() -> None:
    ring = AudioRing(window=512)
    assert ring.capacity % CHUNK_SAMPLES == 0 and ring.capacity % 512 == 0
    assert ring.capacity // 256 <= 256  # unread units stay in CPython's small-int cache


def test_a_reader_a_whole_ring_behind_skips_the_oldest() -> None:
    ring = AudioRing(window=512)
    chunks = ring.capacity // CHUNK_SAMPLES + 3
    for i in range(chunks):
        ring.write(np.full(CHUNK_SAMPLES, i, dtype=np.float32))
    assert ring.overruns > 0
    assert ring.pending_windows() * 512 <= ring.capacity
    offset = ring.next_window_start
    first = ring.read_window()
    assert first[0] == offset // CHUNK_SAMPLES  # the window really holds the audio at that offset
