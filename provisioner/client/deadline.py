"""How long the client waits: per request (connect to the last byte of the answer) and in all.

A request gets `Deadlines.request` seconds for the whole exchange, not per socket read, so a
portal that trickles a byte every few seconds is cut off as surely as one that never answers.
The client as a whole (one CLI command) gets `Deadlines.command` seconds; after that it sends
nothing more and says what it did (`CommandBudget.refuse`). `PROVISION_DEADLINE` sets the
command deadline in seconds; `0` or `none` switches it off.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

from provisioner.client.errors import ClientConfigError, CommandDeadline
from provisioner.client.models import ClientStats
from provisioner.client.ratelimit import Clock, Sleep

DEADLINE_ENV = "PROVISION_DEADLINE"
# The cloud cuts a request off at 60 s (docs/portal-rules.md#limits): 70 s leaves room for the body.
REQUEST_SECONDS = 70.0
CONNECT_SECONDS = 10.0
# A whole command: the largest apply or purge under the rate limit (2 requests a second after
# a burst of 50, OPERATION_TIME_LIMIT waits of up to 120 s) ends well inside half an hour.
COMMAND_SECONDS = 1800.0


@dataclass(frozen=True)
class Timing:
    """The client's monotonic clock, its sleep and unix time."""

    clock: Clock = time.monotonic
    sleep: Sleep = time.sleep
    now: Clock = time.time


# What a client built without a clock uses. Tests of the CLI (which builds its own clients)
# install `SkippedSleeps().timing()` here, so that back-off waits cost no real time.
SYSTEM = Timing()


class SkippedSleeps:
    """Real time in which every sleep returns at once and moves the clocks on instead: waits
    cost nothing, yet deadlines and the rate limit still count them. `slept` lists them."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self._skipped = 0.0

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self._skipped += max(seconds, 0.0)

    def clock(self) -> float:
        return time.monotonic() + self._skipped

    def now(self) -> float:
        return time.time() + self._skipped

    def timing(self) -> Timing:
        return Timing(clock=self.clock, sleep=self.sleep, now=self.now)


@dataclass(frozen=True)
class Deadlines:
    """Seconds: to connect, for one request in all, for the client's whole life (None: none)."""

    connect: float = CONNECT_SECONDS
    request: float = REQUEST_SECONDS
    command: float | None = COMMAND_SECONDS

    def __post_init__(self) -> None:
        if not (self.connect > 0 and self.request > 0) or (
                self.command is not None and not self.command > 0):
            raise ValueError("Deadlines need connect > 0, request > 0 and command > 0 or None")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Deadlines:
        """The defaults, with the command deadline from PROVISION_DEADLINE when it is set."""
        env = os.environ if environ is None else environ
        text = env.get(DEADLINE_ENV, "").strip()
        if not text:
            return cls()
        return cls(command=_seconds(text))


def _seconds(text: str) -> float | None:
    if text.lower() in ("0", "none", "off"):
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ClientConfigError(
            f"{DEADLINE_ENV} must be a number of seconds (e.g. 600), or 0 for no deadline; "
            f"got {text[:40]!r}")
    return value


class CommandBudget:
    """The time left of the command deadline, on the client's clock."""

    def __init__(self, seconds: float | None, clock: Clock) -> None:
        self.seconds = seconds
        self._clock = clock
        self._start = clock()

    def remaining(self) -> float:
        if self.seconds is None:
            return math.inf
        return self.seconds - (self._clock() - self._start)

    def request_seconds(self, deadlines: Deadlines) -> float:
        """The deadline of the next request: its own, or what is left of the command's."""
        return min(deadlines.request, self.remaining())

    def refuse(self, method: str, stats: ClientStats, last: str = "",
               maybe_committed: bool = False) -> CommandDeadline:
        """The error that ends the command: what was done, and that nothing more is sent."""
        writes = (f"{stats.writes} write request{'s' if stats.writes != 1 else ''} "
                  f"({stats.writes_answered} answered)")
        text = (f"the command's deadline of {self.seconds:g} s ({DEADLINE_ENV}) passed after "
                f"{stats.requests} request{'s' if stats.requests != 1 else ''}, {writes}; "
                "no further request is sent")
        if last:
            text += f" (the last one failed: {last})"
        return CommandDeadline("COMMAND_DEADLINE", text, method=method,
                               maybe_committed=maybe_committed)
