"""Where a long command is, for a progress display: the phase, the REST calls done, the HTTP
requests made against the plan's estimate, and the seconds waited for the portal's rate limit.

The workspace reports a `Progress` to its `watch` callback (the CLI draws it on stderr when that
is a terminal): when a phase starts, after each call apply makes, and before and after each wait
of the client (the leaky bucket, a back-off, a time-limit reset), through the `sleep` it gives
the client it connects. A library caller without a watch gets nothing and pays nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Progress:
    phase: str  # "read" (the portal is read), "apply", "ids" (the id map's read)
    calls: int = 0  # apply: REST calls done (a batch carries up to 50)
    requests: int = 0  # HTTP requests made in this phase
    requests_planned: int = 0  # apply: the plan's estimate ("apply needs ~N requests")
    waited: float = 0.0  # seconds waited for the rate limit in this command so far
    waiting: float = 0.0  # seconds of the wait going on now (0: not waiting)
    label: str = ""  # the last call done

    def text(self) -> str:
        """One line: `apply: 26 calls, request 2 of ~3, waited 4 s for the rate limit`."""
        head = {"read": "reading the portal", "ids": "reading ids for the id map"}.get(
            self.phase, self.phase)
        parts = [f"{self.calls} call{'s' if self.calls != 1 else ''}"] if self.phase == "apply" \
            else []
        planned = f" of ~{self.requests_planned}" if self.requests_planned else ""
        parts.append(f"request {self.requests}{planned}" if self.requests else "no request yet")
        if self.waiting:
            parts.append(f"waiting {self.waiting:.0f} s for the rate limit")
        elif self.waited >= 0.5:
            parts.append(f"waited {self.waited:.0f} s for the rate limit")
        return f"{head}: {', '.join(parts)}"


Watch = Callable[[Progress], None]


class Tracker:
    """Keeps the counts of one command and tells `watch`; `client` is set once connected."""

    def __init__(self, watch: Watch) -> None:
        self.watch = watch
        self.client: Any = None
        self.now = Progress("read")
        self._base = 0

    def _requests(self) -> int:
        return requests_made(self.client) - self._base

    def _tell(self, **changes: Any) -> None:
        self.now = replace(self.now, requests=self._requests(), **changes)
        self.watch(self.now)

    def phase(self, name: str, requests_planned: int = 0) -> None:
        self._base = requests_made(self.client)
        self.now = Progress(name, requests_planned=requests_planned, waited=self.now.waited)
        self._tell()

    def call_done(self, label: str) -> None:
        self._tell(calls=self.now.calls + 1, label=label)

    def sleep(self, seconds: float) -> None:
        """The client's sleep: says a wait starts, waits (the client's timing, looked up now so
        that tests may swap it), says it ended."""
        from provisioner.client import deadline

        if seconds >= 0.5:
            self._tell(waiting=seconds)
        deadline.SYSTEM.sleep(seconds)
        self.now = replace(self.now, waited=self.now.waited + max(seconds, 0.0), waiting=0.0)
        if seconds >= 0.5:
            self._tell()


def requests_made(client: Any) -> int:
    """The requests a client has sent so far (0 for a client that does not count them)."""
    stats = getattr(client, "stats", None)
    return int(stats.requests) if stats is not None else 0
