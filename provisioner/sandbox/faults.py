"""Fault injection: a plan of failures the sandbox applies to upcoming requests.

Faults are planned by count and optionally by method (`plan.add(FaultKind.SERVER_ERROR,
count=2, method="crm.status.add")`), or drawn at random with a seeded generator for
reliability suites. The error bodies are the portal's own (docs/portal-rules.md#errors).
"""

from __future__ import annotations

import enum
import random
import threading
from dataclasses import dataclass

from provisioner.sandbox.core import BitrixError
from provisioner.sandbox.ratelimit import too_many_requests


class FaultKind(enum.Enum):
    RATE_LIMIT = "rate_limit"  # 503 QUERY_LIMIT_EXCEEDED now
    SERVER_ERROR = "server_error"  # 500 INTERNAL_SERVER_ERROR
    TIME_LIMIT = "time_limit"  # 429 OPERATION_TIME_LIMIT
    SLOW = "slow"  # answer normally after `delay` seconds on the sandbox clock
    DROP_AFTER_COMMIT = "drop_after_commit"  # run and persist, then drop the connection
    TIMEOUT = "timeout"  # no answer; `commit=True` runs the method first
    EXPIRED_TOKEN = "expired_token"  # 401 expired_token; an OAuth caller's token really expires


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    method: str | None = None  # lower-case method name to match; None matches any
    delay: float = 0.0  # SLOW: seconds; TIMEOUT over HTTP: seconds to hold the socket
    commit: bool = False  # TIMEOUT only: whether the method ran before the timeout


class ConnectionDropped(Exception):
    """The app committed the call but no answer must reach the client."""


class RequestTimedOut(Exception):
    """The client must see a timeout; `delay` says how long the server holds the socket."""

    def __init__(self, delay: float) -> None:
        super().__init__("sandbox: injected timeout")
        self.delay = delay


def fault_error(kind: FaultKind) -> BitrixError | None:
    """The portal error a fault answers with, for kinds that are plain error answers."""
    if kind is FaultKind.RATE_LIMIT:
        return too_many_requests()
    if kind is FaultKind.SERVER_ERROR:
        # docs: api-reference/error-codes.md — INTERNAL_SERVER_ERROR 500
        return BitrixError("INTERNAL_SERVER_ERROR", "Internal server error", 500)
    if kind is FaultKind.TIME_LIMIT:
        # docs: settings/performance/limits.md — OPERATION_TIME_LIMIT 429
        return BitrixError("OPERATION_TIME_LIMIT",
                           "Method is blocked due to operation time limit.", 429)
    if kind is FaultKind.EXPIRED_TOKEN:
        # docs: settings/oauth/error-codes.md — expired_token 401
        return BitrixError("expired_token", "The access token provided has expired", 401)
    return None


class FaultPlan:
    """Planned faults (first match wins) plus an optional seeded random mode."""

    def __init__(self) -> None:
        self._queue: list[Fault] = []
        self._random: tuple[random.Random, float, tuple[FaultKind, ...]] | None = None
        self._random_delay = 0.0
        self._lock = threading.Lock()
        self.applied: list[Fault] = []  # what was injected, in order, for test assertions

    def add(self, kind: FaultKind, *, count: int = 1, method: str | None = None,
            delay: float = 0.0, commit: bool = False) -> FaultPlan:
        """Apply `kind` to the next `count` requests (of `method`, when given)."""
        fault = Fault(kind, method.lower() if method else None, delay, commit)
        with self._lock:
            self._queue.extend([fault] * count)
        return self

    def random(self, seed: int, probability: float,
               kinds: tuple[FaultKind, ...] = (FaultKind.RATE_LIMIT, FaultKind.SERVER_ERROR),
               delay: float = 0.0) -> FaultPlan:
        """From now on each request fails with `probability`, kind drawn from `kinds`."""
        with self._lock:
            self._random = (random.Random(seed), probability, kinds)
            self._random_delay = delay
        return self

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._random = None

    @property
    def pending(self) -> int:
        return len(self._queue)

    def take(self, method: str) -> Fault | None:
        """The fault for this request, if any; planned faults before random ones."""
        with self._lock:
            fault = self._take_planned(method.lower()) or self._draw(method.lower())
            if fault is not None:
                self.applied.append(fault)
            return fault

    def _take_planned(self, method: str) -> Fault | None:
        for i, fault in enumerate(self._queue):
            if fault.method is None or fault.method == method:
                return self._queue.pop(i)
        return None

    def _draw(self, method: str) -> Fault | None:
        if self._random is None:
            return None
        rng, probability, kinds = self._random
        if rng.random() >= probability:
            return None
        return Fault(rng.choice(kinds), method, self._random_delay)
