"""Client-side leaky bucket mirroring the portal's (docs/portal-rules.md#limits), on an injectable clock.

Every HTTP request adds 1; the level drains at `per_second`. A request that would lift the level
above `burst` first sleeps until it fits, so a well-behaved client never meets a 503
QUERY_LIMIT_EXCEEDED from its own traffic (other apps on the same portal+IP still can cause one).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RateLimit:
    """Bucket size and drain rate; the defaults are the cloud's non-Enterprise plans."""

    burst: int = 50
    per_second: float = 2.0

    def __post_init__(self) -> None:
        if self.burst < 1 or self.per_second <= 0:
            raise ValueError("RateLimit needs burst >= 1 and per_second > 0")

    @classmethod
    def enterprise(cls) -> RateLimit:
        """Enterprise plans: 250 requests, draining at 5 per second."""
        return cls(burst=250, per_second=5.0)

    @classmethod
    def unlimited(cls) -> RateLimit:
        """For self-hosted portals without the limit, and the sandbox in tests."""
        return cls(burst=1_000_000_000, per_second=1e9)


class LeakyBucket:
    """The level of one client's bucket; `acquire()` blocks (via `sleep`) until a request fits."""

    def __init__(self, limit: RateLimit, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep) -> None:
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._level = 0.0
        self._stamp = clock()

    def _drain(self) -> None:
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._stamp) * self.limit.per_second)
        self._stamp = now

    def acquire(self) -> float:
        """Take one slot; return how long we waited (0.0 when the bucket had room)."""
        self._drain()
        excess = self._level + 1 - self.limit.burst
        waited = 0.0
        if excess > 0:
            waited = excess / self.limit.per_second
            self._sleep(waited)
            self._drain()
        self._level += 1
        return waited

    @property
    def level(self) -> float:
        self._drain()
        return self._level
