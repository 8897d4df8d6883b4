"""Client-side leaky bucket under the portal's (docs/portal-rules.md#limits), on an injectable
clock.

Every HTTP request adds 1; the level drains with time. A request that would lift the level
above the bucket's size first sleeps until it fits. The client paces *under* the portal's limit,
not at it: the portal counts a request when it arrives, the client when it sends it, and the
time in between varies (encoding the body, the network, the server reading it). Paced exactly at
the limit, a request that arrives quicker than the one before it finds the portal's bucket a
little fuller than the client's, and a long apply meets one 503 QUERY_LIMIT_EXCEEDED (retried,
but a wasted round trip and a warning). So the client leaves `reserve` (10%) of the burst
unused, which absorbs a difference in arrival time of reserve / rate seconds (2.5 s on the
cloud's default plans), and drains `slack` (1%) slower than the portal, so that the gap it keeps
grows back after a larger hiccup. Other apps on the same portal and address share the portal's
bucket and can still cause a 503; the client retries it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RateLimit:
    """The portal's bucket (size and drain rate; the defaults are the cloud's non-Enterprise
    plans) and the margin the client keeps under it."""

    burst: int = 50
    per_second: float = 2.0
    reserve: float = 0.1  # share of the burst the client leaves unused
    slack: float = 0.01  # share of the drain rate the client leaves unused

    def __post_init__(self) -> None:
        if self.burst < 1 or self.per_second <= 0:
            raise ValueError("RateLimit needs burst >= 1 and per_second > 0")
        if not (0 <= self.reserve < 1 and 0 <= self.slack < 1):
            raise ValueError("RateLimit needs 0 <= reserve < 1 and 0 <= slack < 1")

    @classmethod
    def enterprise(cls) -> RateLimit:
        """Enterprise plans: 250 requests, draining at 5 per second."""
        return cls(burst=250, per_second=5.0)

    @classmethod
    def unlimited(cls) -> RateLimit:
        """For self-hosted portals without the limit, and the sandbox in tests."""
        return cls(burst=1_000_000_000, per_second=1e9, reserve=0.0, slack=0.0)

    @property
    def paced_burst(self) -> int:
        """Requests the client sends back to back: the burst less the reserve (at least 1)."""
        return max(1, self.burst - math.ceil(self.burst * self.reserve))

    @property
    def paced_rate(self) -> float:
        """Requests per second the client drains its own bucket at."""
        return self.per_second * (1 - self.slack)


class LeakyBucket:
    """The level of one client's bucket; `acquire()` blocks (via `sleep`) until a request fits
    under the paced size."""

    def __init__(self, limit: RateLimit, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep) -> None:
        self.limit = limit
        self._size = limit.paced_burst
        self._rate = limit.paced_rate
        self._clock = clock
        self._sleep = sleep
        self._level = 0.0
        self._stamp = clock()

    def _drain(self) -> None:
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._stamp) * self._rate)
        self._stamp = now

    def acquire(self) -> float:
        """Take one slot; return how long we waited (0.0 when the bucket had room)."""
        self._drain()
        excess = self._level + 1 - self._size
        waited = 0.0
        if excess > 0:
            waited = excess / self._rate
            self._sleep(waited)
            self._drain()
        self._level += 1
        return waited

    @property
    def level(self) -> float:
        self._drain()
        return self._level
