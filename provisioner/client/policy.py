"""What may be retried and how long to wait: reads vs writes, back-off with jitter.

A method is a *read* when its last name segment is a reading verb (get, list, fields, ...) or it
is one of the named discovery methods; everything else, including unknown methods, is a *write*.
A `batch` is a read only when all its commands are reads. Reads are retried on 5xx and network
faults; writes never are, because the portal may have applied them (docs/portal-rules.md#errors).
Failures before anything was sent (DNS, TLS, a refused connection) are never retried.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

READ_VERBS = frozenset({
    "get", "list", "fields", "types", "gettypes", "getbyentitytypeid", "items", "search",
    "current", "info",
})
READ_METHODS = frozenset({
    "scope", "methods", "events", "profile", "server.time", "crm.dealcategory.status",
    "crm.enum.ownertype", "crm.enum.addresstype", "crm.enum.settings.mode",
    "crm.enum.getorderownertypes", "crm.enum.fields",
})


def is_read(method: str) -> bool:
    """True for methods that change nothing on the portal (see the module docstring)."""
    name = method.lower().removesuffix(".json")
    return name in READ_METHODS or name.rsplit(".", 1)[-1] in READ_VERBS


def all_reads(methods: Iterable[str]) -> bool:
    return all(is_read(m) for m in methods)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the client's patience; every wait goes through the client's `sleep`."""

    max_retries: int = 5  # extra attempts after the first, per call
    # A portal that did not answer within the request's deadline (70 s) rarely answers the
    # next time: one more try for a read, so that a silent portal fails in about 2.5 minutes.
    max_timeout_retries: int = 1
    base_delay: float = 0.5  # seconds; doubled per attempt
    max_delay: float = 30.0
    max_operation_wait: float = 120.0  # longest wait for OPERATION_TIME_LIMIT to reset

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential back-off with equal jitter: half fixed, half random, capped."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** attempt)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)
