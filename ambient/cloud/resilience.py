"""One resilience policy for every cloud call: deadlines, one retry, a circuit breaker.

The SDKs' own retries are off; this is the only place that decides to try again, so a request is
never sent more often, or waited on longer, than this says.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from ambient.clock import Clock


class CloudFault(Exception):
    """A cloud attempt failed; `retryable` says whether a second attempt could help."""

    def __init__(self, reason: str, retryable: bool, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class ResilienceSettings:
    first_token_s: float = 2.5
    """Give up on an attempt that has not produced its first token by then."""
    total_s: float = 12.0
    """The whole answer, retries included, must finish by then."""
    stall_s: float = 3.0
    """Give up when the stream goes silent this long after it started."""
    retry_backoff_s: float = 0.3
    max_retry_after_s: float = 2.0
    """A server's retry-after longer than this is not waited for: the user is listening."""
    breaker_failures: int = 3
    breaker_open_s: float = 30.0


class CircuitBreaker:
    """Closed: calls go through. After `failures` failed requests in a row it opens for `open_s`:
    calls fail at once (a fast spoken fallback instead of a slow one). Then one trial goes through
    (half-open); its success closes the breaker, its failure opens it again."""

    def __init__(self, clock: Clock, failures: int, open_s: float) -> None:
        self._clock = clock
        self._failures_to_open = failures
        self._open_s = open_s
        self._failures = 0
        self._opened_at: float | None = None

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if self._clock.now() - self._opened_at >= self._open_s:
            return "half-open"
        return "open"

    def allow(self) -> bool:
        return self.state != "open"

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None

    def record_failure(self) -> None:
        self._failures += 1
        if self._opened_at is not None or self._failures >= self._failures_to_open:
            self._opened_at = self._clock.now()


class ResilientStream:
    def __init__(self, settings: ResilienceSettings, clock: Clock) -> None:
        self.settings = settings
        self._clock = clock
        self.breaker = CircuitBreaker(clock, settings.breaker_failures, settings.breaker_open_s)

    async def stream(self, open_stream: Callable[[], AsyncIterator[str]]) -> AsyncIterator[str]:
        """Text pieces of one answer; raises CloudFault when the answer cannot be had in time.

        Only an attempt that produced nothing is retried: what was already spoken cannot be unsaid.
        """
        settings = self.settings
        deadline = self._clock.now() + settings.total_s
        for attempt in (1, 2):
            if not self.breaker.allow():
                raise CloudFault("the cloud failed repeatedly; waiting before trying again", False)
            pieces = open_stream()
            produced = False
            try:
                first_deadline = min(deadline, self._clock.now() + settings.first_token_s)
                while True:
                    limit = (
                        first_deadline
                        if not produced
                        else min(deadline, self._clock.now() + settings.stall_s)
                    )
                    try:
                        piece = await asyncio.wait_for(anext(pieces), max(0.0, limit - self._clock.now()))
                    except StopAsyncIteration:
                        break
                    except TimeoutError:
                        what = "first token" if not produced else "next token"
                        raise CloudFault(f"no {what} in time", retryable=not produced) from None
                    produced = True
                    yield piece
            except CloudFault as fault:
                self.breaker.record_failure()
                wait = self._retry_wait(fault)
                if produced or attempt == 2 or wait is None or self._clock.now() + wait >= deadline:
                    raise
                await self._clock.sleep(wait)
                continue
            finally:
                with contextlib.suppress(Exception):
                    await pieces.aclose()  # type: ignore[attr-defined]
            self.breaker.record_success()
            return

    def _retry_wait(self, fault: CloudFault) -> float | None:
        if not fault.retryable:
            return None
        if fault.retry_after_s is None:
            return self.settings.retry_backoff_s
        if fault.retry_after_s > self.settings.max_retry_after_s:
            return None
        return max(fault.retry_after_s, self.settings.retry_backoff_s)
