"""Counting what a hot-path step allocates, with tracemalloc, for tests and benchmarks."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class AllocationFigures:
    peak_bytes_per_step: float
    """Bytes allocated within one step above the level before it (transient), averaged."""
    retained_bytes_per_step: float
    """Bytes still held after all steps, divided by the number of steps."""


def _measure(step: Callable[[T], object], items: Sequence[T]) -> AllocationFigures:
    transient = 0
    tracemalloc.start()
    try:
        start_level = tracemalloc.get_traced_memory()[0]
        for item in items:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            step(item)
            transient += tracemalloc.get_traced_memory()[1] - before
        retained = tracemalloc.get_traced_memory()[0] - start_level
    finally:
        tracemalloc.stop()
    return AllocationFigures(transient / len(items), retained / len(items))


def steady_state_allocations(
    step: Callable[[T], object], items: Sequence[T], warmup: int
) -> AllocationFigures:
    """Run `warmup` items untraced (caches fill, pools grow), then trace the rest one by one.

    The measurement's own floor (the same loop with an empty step) is subtracted, so 0 means
    the step allocated nothing at all.
    """
    for item in items[:warmup]:
        step(item)
    measured = items[warmup:]
    floor = _measure(lambda item: None, measured)
    figures = _measure(step, measured)
    return AllocationFigures(
        max(0.0, figures.peak_bytes_per_step - floor.peak_bytes_per_step),
        max(0.0, figures.retained_bytes_per_step - floor.retained_bytes_per_step),
    )
