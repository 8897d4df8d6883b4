"""Client-side leaky bucket under the portal's (docs/portal-rules.md#limits), on an injectable
clock.

Every HTTP request adds 1; the level drains with time. A request that would lift the level
above the bucket's size first sleeps until it fits.

The portal counts a request when it arrives, which the client cannot see: somewhere between
sending it and reading its answer. A bucket counting at the send falls behind the portal's, by
up to one request, whenever a request reaches the portal sooner after the one before it than it
was sent (the earlier one took longer to arrive): paced exactly at the limit, every long apply
met one 503 QUERY_LIMIT_EXCEEDED. So this bucket counts each request when its answer is read
(or it failed), the latest it can have arrived, and lets the next one go only while the level
so counted, plus that one, fits. The client sends one request at a time, so every earlier
request is answered before the next is sent, and a level counted at the answers is never below
the portal's, whatever the network's delays: the portal's level at an arrival is the most, over
the requests before it, of their count less the drain since the first of them arrived; counted
at their answers, that drain is measured from later, so it is smaller. What this costs: the
drain of a run starts when its first answer is read, not when the request arrived, about one
answer's server time once per run (the level is the count less the drain since the run's start,
while the bucket never empties).

The docs say the counter "decreases by Y once per second" (limits.md), which may mean whole
steps: drained in steps of Y at each second, a bucket is at most Y above one drained smoothly.
So the client leaves `reserve` seconds of drain unused (1 s: 2 of the cloud's 50, 5 of the
Enterprise plans' 250). Other apps on the same portal and address share the portal's bucket and
can still cause a 503; the client retries it (`fill`).
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
    reserve: float = 1.0  # seconds of the portal's drain the client leaves unused (above)
    slack: float = 0.0  # share of the drain rate the client leaves unused

    def __post_init__(self) -> None:
        if self.burst < 1 or self.per_second <= 0:
            raise ValueError("RateLimit needs burst >= 1 and per_second > 0")
        if not (self.reserve >= 0 and 0 <= self.slack < 1):
            raise ValueError("RateLimit needs reserve >= 0 (seconds) and 0 <= slack < 1")

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
        return max(1, self.burst - math.ceil(self.reserve * self.per_second - 1e-9))

    @property
    def paced_rate(self) -> float:
        """Requests per second the client drains its own bucket at."""
        return self.per_second * (1 - self.slack)


class LeakyBucket:
    """The level of one client's bucket, each request counted when it was answered (above);
    `acquire()` blocks (via `sleep`) until a request fits under the paced size, `answered()`
    counts it."""

    def __init__(self, limit: RateLimit, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep) -> None:
        self.limit = limit
        self._size = limit.paced_burst
        self._rate = limit.paced_rate
        self._clock = clock
        self._sleep = sleep
        self._level = 0.0
        self._stamp = clock()
        self._sent = False  # a request acquired and not yet answered

    def _drain(self) -> None:
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._stamp) * self._rate)
        self._stamp = now

    def acquire(self) -> float:
        """Take one slot; return how long we waited (0.0 when the bucket had room). A request
        still unanswered is counted as answered now: requests go one at a time, so the one
        before this has its answer by now."""
        self.answered()
        excess = self._level + 1 - self._size
        waited = 0.0
        if excess > 0:
            waited = excess / self._rate
            self._sleep(waited)
            self._drain()
        self._sent = True
        return waited

    def answered(self) -> None:
        """The request `acquire` let go was answered, or failed: count it now."""
        self._drain()
        if self._sent:
            self._level += 1
            self._sent = False

    def room_in(self) -> float:
        """Seconds until a request fits (0.0 when one fits now)."""
        self.answered()
        return max(0.0, self._level + 1 - self._size) / self._rate

    def fill(self) -> None:
        """The portal refused a request (QUERY_LIMIT_EXCEEDED): its bucket is full, whatever
        this one counted (another process, such as a `plan` just before this `apply`, or
        another app, sent requests too). From here on the client paces as if it had sent the
        whole burst itself, so it waits until the reserve is free again instead of meeting
        503 after 503 until its own count catches up."""
        self.answered()
        self._level = max(self._level, float(self.limit.burst))

    @property
    def level(self) -> float:
        """The level counted, a request not yet answered included."""
        self._drain()
        return self._level + self._sent
