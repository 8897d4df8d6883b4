"""The portal's request-rate limit: a leaky bucket per portal, and the request counter.

docs: limits.md (https://apidocs.bitrix24.com/limits.html; settings/performance/limits.md says
the same), docs/portal-rules.md#limits: every HTTP request adds 1, the counter drains at Y per
second, a request arriving above X gets 503 QUERY_LIMIT_EXCEEDED. A `batch` is one request. The
docs' "decreases by Y once per second" and "exceeds the threshold X" read two ways each; the
bucket drains smoothly and refuses the request that would lift it above X (the client's margin
covers the other readings: client/ratelimit.py, tests/client/test_client_ratelimit.py).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from provisioner.sandbox.clock import Clock
from provisioner.sandbox.core import BitrixError


@dataclass(frozen=True)
class RateLimit:
    """Bucket size X and drain rate Y per second."""

    burst: int = 50
    drain: float = 2.0

    @classmethod
    def enterprise(cls) -> RateLimit:
        return cls(burst=250, drain=5.0)


def too_many_requests() -> BitrixError:
    # docs: limits.md — 503 QUERY_LIMIT_EXCEEDED "Too many requests"
    return BitrixError("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)


class LeakyBucket:
    """Admits a request while the drained counter plus this request stays within the burst."""

    def __init__(self, limit: RateLimit, clock: Clock) -> None:
        self.limit = limit
        self.clock = clock
        self.level = 0.0
        self.refused = 0  # requests answered QUERY_LIMIT_EXCEEDED (benchmarks, tests)
        self._last = clock.time()
        self._lock = threading.Lock()

    def _drain(self) -> None:
        now = self.clock.time()
        self.level = max(0.0, self.level - (now - self._last) * self.limit.drain)
        self._last = now

    def admit(self) -> None:
        """Count one request or raise QUERY_LIMIT_EXCEEDED (a refused request is not counted)."""
        with self._lock:
            self._drain()
            if self.level + 1 > self.limit.burst:
                self.refused += 1
                raise too_many_requests()
            self.level += 1

    def reset(self) -> None:
        with self._lock:
            self.level = 0.0
            self.refused = 0
            self._last = self.clock.time()


class RequestCounter:
    """HTTP requests the sandbox received: in total and per method (lower-case names)."""

    def __init__(self) -> None:
        self.total = 0
        self.by_method: Counter[str] = Counter()
        self._lock = threading.Lock()

    def count(self, method: str) -> None:
        with self._lock:
            self.total += 1
            self.by_method[method] += 1

    def reset(self) -> None:
        with self._lock:
            self.total = 0
            self.by_method.clear()

    def __int__(self) -> int:
        return self.total

    def __repr__(self) -> str:
        return f"RequestCounter(total={self.total}, by_method={dict(self.by_method)})"
