"""Measuring tools of the benchmark: a rate-limited sandbox on a virtual clock and a client that
records every REST call it sends (bench/floor.py derives the floors).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from provisioner.client import BitrixClient, RateLimit
from provisioner.sandbox import Sandbox
from provisioner.sandbox.clock import VirtualClock
from provisioner.sandbox.portal import MemoryStores
from provisioner.sandbox.ratelimit import RateLimit as PortalLimit
from provisioner.sandbox.store import Store

BATCH = 50
PAGE = 50
LIMIT = RateLimit()  # burst 50, 2 requests/s (non-Enterprise cloud plans)
IDLE = 3600.0  # virtual seconds that empty any bucket between scenarios


def limited_seconds(requests: int, limit: RateLimit = LIMIT, already: int = 0) -> float:
    """Seconds a back-to-back run of `requests` waits in the portal's leaky bucket, starting with
    `already` requests in it (0 = idle)."""
    return max(0.0, already + requests - limit.burst) / limit.per_second


@dataclass
class Recorded:
    """One sub-call (or single call) a client sent: method, params, and the answer's paging."""

    method: str
    params: Mapping[str, Any]
    total: int | None = None
    next: int | None = None


@dataclass
class Recorder:
    """A BitrixClient wrapper that keeps every call it forwards (for lower bounds and peers)."""

    client: BitrixClient
    calls: list[Recorded] = field(default_factory=list)
    requests: int = 0

    def batch(self, calls: Any, halt: bool = False, rows: Any = None) -> Any:
        out = self.client.batch(calls, halt=halt, rows=rows)
        self.requests += 1
        items = calls.items() if isinstance(calls, Mapping) else enumerate(calls)
        for key, (method, params) in items:
            self.calls.append(Recorded(method, dict(params or {}), out.totals.get(str(key)),
                                       out.nexts.get(str(key))))
        return out

    def list_all(self, method: str, params: Mapping[str, Any], key: str | None = None
                 ) -> list[Any]:
        before = self.client.stats.requests
        rows = self.client.list_all(method, params, key=key)
        self.requests += self.client.stats.requests - before
        self.calls.append(Recorded(method, dict(params), len(rows), None))
        return rows

    def reset(self) -> None:
        self.calls.clear()
        self.requests = 0


def read_lists(calls: Sequence[Recorded]) -> dict[tuple[str, str], Recorded]:
    """The distinct lists read (method and params without `start`), with their totals."""
    lists: dict[tuple[str, str], Recorded] = {}
    for call in calls:
        params = {k: v for k, v in call.params.items() if k != "start"}
        key = (call.method, repr(sorted(params.items())))
        seen = lists.get(key)
        paged = call.next is not None or "start" in call.params or bool(seen and seen.next)
        total = call.total if call.total is not None else (seen.total if seen else None)
        lists[key] = Recorded(call.method, params, total, 1 if paged else None)
    return lists


def pages(entry: Recorded) -> int:
    """Calls a list needs: one, or one per page of 50 when it pages."""
    if entry.next is None or not entry.total:
        return 1
    return math.ceil(entry.total / PAGE)


# ---- a rate-limited sandbox on a virtual clock ---------------------------------------------

@dataclass
class Portal:
    """A sandbox with the portal's rate limit on, on a virtual clock, and a client for it whose
    own leaky bucket sleeps on the same clock (so waits cost no wall time)."""

    sandbox: Sandbox
    clock: VirtualClock

    @classmethod
    def of(cls, store: Store | None = None) -> Portal:
        clock = VirtualClock(start=1_700_000_000.0)
        sandbox = Sandbox(MemoryStores(store or Store.new()), clock=clock,
                          rate_limit=PortalLimit(burst=LIMIT.burst, drain=LIMIT.per_second))
        return cls(sandbox, clock)

    def idle(self) -> None:
        """Let the bucket drain completely (an hour of virtual time)."""
        self.clock.advance(IDLE)
        assert self.sandbox.app.bucket is not None
        self.sandbox.app.bucket.reset()

    def client(self) -> Recorder:
        return Recorder(BitrixClient.from_webhook(
            self.sandbox.webhook_url, session=self.sandbox.session(), rate=LIMIT,
            clock=self.clock.time, sleep=self.clock.sleep))

    @property
    def requests(self) -> int:
        return self.sandbox.requests.total

    @property
    def refused(self) -> int:
        """Requests the portal answered with QUERY_LIMIT_EXCEEDED so far."""
        bucket = self.sandbox.app.bucket
        return bucket.refused if bucket is not None else 0


@dataclass
class Span:
    """HTTP requests the portal received and virtual seconds passed during a step."""

    requests: int = 0
    seconds: float = 0.0


class Stopwatch:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.start = (portal.requests, portal.clock.time())

    def stop(self) -> Span:
        return Span(self.portal.requests - self.start[0],
                    self.portal.clock.time() - self.start[1])
