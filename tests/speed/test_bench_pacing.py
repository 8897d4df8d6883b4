"""bench.wait's apply step on a virtual clock: the plan that checks an apply converged is a
process of its own, started right after the apply, and must not meet the apply's requests still
in the portal's bucket (issue 18: `bench.wait --applies 4` counted one refusal that the apply
never met: its check's). Nothing really sleeps."""

from __future__ import annotations

import pytest

from bench.waiting import BURST, PER_SECOND, Counts, settle
from provisioner.client import BitrixClient, RateLimit
from provisioner.sandbox import Sandbox
from provisioner.sandbox.clock import VirtualClock
from provisioner.sandbox.ratelimit import RateLimit as PortalLimit

APPLY_REQUESTS = 176  # the L4 apply from empty (docs/benchmarks.md)
CHECK_READS = 10  # the L4 check plan's reads, back to back
START_UP = 1.0  # seconds from the apply's last request to the check's first (a new process)


def client(sandbox: Sandbox, clock: VirtualClock) -> BitrixClient:
    """A new process's client: its own bucket, empty, on the cloud's default limit."""
    return BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session(),
                                     rate=RateLimit(), clock=clock.time, sleep=clock.sleep)


@pytest.mark.parametrize("settled", [True, False])
def test_the_check_after_a_long_apply_meets_no_503(settled: bool) -> None:
    """Without the wait the check meets one QUERY_LIMIT_EXCEEDED: the apply's client leaves
    the portal's bucket about 43 full (it paces at 45 with a 1% slower drain), and 43 less one
    second's drain plus 10 reads is over 50."""
    clock = VirtualClock(start=1_700_000_000.0)
    sandbox = Sandbox.in_memory(clock=clock, rate_limit=PortalLimit(burst=BURST,
                                                                    drain=PER_SECOND))
    applying = client(sandbox, clock)
    for _ in range(APPLY_REQUESTS):
        applying.call("scope")
    assert sandbox.app.bucket is not None and sandbox.app.bucket.refused == 0
    before = clock.time()
    if settled:
        assert settle(clock.sleep) == 25.0
        assert clock.time() - before == 25.0
    clock.advance(START_UP)
    checking = client(sandbox, clock)
    for _ in range(CHECK_READS):
        checking.call("scope")
    assert (sandbox.app.bucket.refused, checking.stats.retries) == ((0, 0) if settled
                                                                     else (1, 1))


def test_a_step_counts_only_what_came_after_the_one_before() -> None:
    after_apply = Counts(requests=176, refused=0, cpu=9.0)
    at_the_end = Counts(requests=186, refused=1, cpu=9.5)
    assert at_the_end.since(after_apply) == Counts(10, 1, 9.5)
    assert Counts(186, None, 1.0).since(after_apply) == Counts(10, None, 1.0)
