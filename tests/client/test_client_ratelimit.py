"""The client-side leaky bucket on a virtual clock: what it lets go and when, and the invariant
it is built for (client/ratelimit.py): whatever the network's delays, and whichever way the
docs' "decreases by Y once per second" is read, a client alone on the portal is never refused."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import responses
from client_helpers import VirtualClock, count_at_the_send, ok, url
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioner.client import BitrixClient, LeakyBucket, RateLimit

STEP = 0.5  # seconds between requests once the bucket is full: 2 a second


def test_the_49th_request_waits(clock: VirtualClock) -> None:
    """The cloud's bucket holds 50; the client keeps one second of its drain (2) in reserve."""
    bucket = LeakyBucket(RateLimit(), clock.monotonic, clock.sleep)
    assert [bucket.acquire() for _ in range(48)] == [0.0] * 48
    assert bucket.acquire() == pytest.approx(STEP)
    assert clock.sleeps == [pytest.approx(STEP)]
    assert bucket.acquire() == pytest.approx(STEP)  # and each further one while saturated


def test_a_request_counts_from_its_answer(clock: VirtualClock) -> None:
    """A request is counted when it is answered, not when it is sent: one sent at 0 and answered
    at 3 s has not drained at all at 3 s."""
    bucket = LeakyBucket(RateLimit(burst=3, per_second=1.0, reserve=0.0), clock.monotonic,
                         clock.sleep)
    bucket.acquire()
    clock.t += 3.0
    assert bucket.level == pytest.approx(1.0)  # not answered yet: counted whole
    bucket.answered()
    assert bucket.level == pytest.approx(1.0)
    clock.t += 0.5
    assert bucket.level == pytest.approx(0.5)
    bucket.answered()  # nothing more to count
    assert bucket.level == pytest.approx(0.5)


def test_the_bucket_drains_with_time(clock: VirtualClock) -> None:
    bucket = LeakyBucket(RateLimit(), clock.monotonic, clock.sleep)
    for _ in range(48):
        bucket.acquire()
    clock.t += 10.0  # the 48th is counted now (answered by the time the next goes), 20 drained
    assert [bucket.acquire() for _ in range(20)] == [0.0] * 20
    assert bucket.acquire() == pytest.approx(STEP)
    assert bucket.level == pytest.approx(48.0)


def test_enterprise_bucket(clock: VirtualClock) -> None:
    limit = RateLimit.enterprise()
    assert (limit.burst, limit.per_second, limit.paced_burst) == (250, 5.0, 245)
    bucket = LeakyBucket(limit, clock.monotonic, clock.sleep)
    for _ in range(245):
        bucket.acquire()
    assert clock.sleeps == []
    assert bucket.acquire() == pytest.approx(1 / 5.0)


def test_the_margin_can_be_set_or_switched_off(clock: VirtualClock) -> None:
    bucket = LeakyBucket(RateLimit(reserve=0.0), clock.monotonic, clock.sleep)
    assert [bucket.acquire() for _ in range(50)] == [0.0] * 50
    assert bucket.acquire() == pytest.approx(0.5)
    assert (RateLimit(reserve=2.5).paced_burst, RateLimit(slack=0.01).paced_rate) == (
        45, pytest.approx(1.98))
    assert RateLimit(burst=1).paced_burst == 1
    unlimited = RateLimit.unlimited()
    assert (unlimited.paced_burst, unlimited.paced_rate) == (1_000_000_000, 1e9)


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="burst >= 1 and per_second > 0"):
        RateLimit(burst=0)
    with pytest.raises(ValueError, match=r"reserve >= 0 \(seconds\) and 0 <= slack < 1"):
        RateLimit(reserve=-1.0)
    with pytest.raises(ValueError, match=r"reserve >= 0 \(seconds\) and 0 <= slack < 1"):
        RateLimit(slack=1.0)


# ---- the invariant: never refused, whatever the delays and the docs' reading ----------------

@dataclass
class PortalBucket:
    """The portal's counter as the docs allow it to be (limits.md): +1 for each request that
    arrives; it "decreases by Y once per second", smoothly or in whole steps of Y at each
    second (`phase`: where in the second the steps fall); a request arriving "when the counter
    exceeds X" is refused: strictly, the one that would lift it above X, or leniently, one
    arriving when it is above X already. A refused request is not counted."""

    burst: int
    drain: float
    steps: bool
    phase: float
    lenient: bool
    level: float = 0.0
    last: float = 0.0
    refused: int = 0

    def arrive(self, t: float) -> None:
        if self.steps:
            ticks = math.floor(t - self.phase) - math.floor(self.last - self.phase)
            self.level = max(0.0, self.level - ticks * self.drain)
        else:
            self.level = max(0.0, self.level - (t - self.last) * self.drain)
        self.last = t
        if (self.level > self.burst) if self.lenient else (self.level + 1 > self.burst):
            self.refused += 1
        else:
            self.level += 1


def run(limit: RateLimit, portal: PortalBucket, delays: list[tuple[float, float, float]],
        start: float, count: int) -> int:
    """`count` requests one at a time, each `delays[i % len]` = (to reach the portal, the
    portal's work, the answer's way back) seconds; the client's bucket on the same clock. The
    portal's refusals."""
    clock = VirtualClock()
    clock.t = start
    portal.last = start
    bucket = LeakyBucket(limit, clock.monotonic, clock.sleep)
    for n in range(count):
        bucket.acquire()
        up, work, down = delays[n % len(delays)]
        clock.t += up
        portal.arrive(clock.t)
        clock.t += work + down
        bucket.answered()
    return portal.refused


DELAY = st.floats(0.0, 3.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(delays=st.lists(st.tuples(DELAY, DELAY, DELAY), min_size=1, max_size=12),
       first=st.tuples(DELAY, DELAY, DELAY), steps=st.booleans(),
       phase=st.floats(0.0, 0.999), lenient=st.booleans(), start=st.floats(0.0, 100.0),
       enterprise=st.booleans())
def test_a_client_alone_on_the_portal_is_never_refused(
        delays: list[tuple[float, float, float]], first: tuple[float, float, float],
        steps: bool, phase: float, lenient: bool, start: float, enterprise: bool) -> None:
    """Any delays of up to 3 s each way and at the portal, a first request slower or quicker
    than the rest (it opens the connection), either reading of both of the docs' phrases:
    no refusal in 600 requests (the bucket saturated for most of them)."""
    limit = RateLimit.enterprise() if enterprise else RateLimit()
    portal = PortalBucket(limit.burst, limit.per_second, steps, phase, lenient)
    assert run(limit, portal, [first, *delays[1:], *delays[:1]], start, 600) == 0


def test_each_half_of_the_margin_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs (found by searching 3,000 random ones) that show what each half of the margin
    is for: without the reserve, a portal draining in whole steps refuses one request; counted
    at the send, a request that reached the portal sooner than the one before it is refused by
    a portal draining smoothly. With both, neither run is refused."""
    def in_steps() -> PortalBucket:
        return PortalBucket(50, 2.0, steps=True, phase=0.82, lenient=False)

    def smoothly() -> PortalBucket:
        return PortalBucket(50, 2.0, steps=False, phase=0.0, lenient=False)

    stepped, jittered = [(0.13, 0.05, 0.07)], [(0.16, 0.17, 0.0)]
    assert run(RateLimit(reserve=0.0), in_steps(), stepped, 0.81, 300) == 1
    assert run(RateLimit(), in_steps(), stepped, 0.81, 300) == 0
    assert run(RateLimit(reserve=0.0), smoothly(), jittered, 1.16, 300) == 0
    count_at_the_send(monkeypatch)
    assert run(RateLimit(reserve=0.0), smoothly(), jittered, 1.16, 300) == 1


def test_the_client_paces_its_requests(mocked: responses.RequestsMock,
                                       webhook: Callable[..., BitrixClient],
                                       clock: VirtualClock) -> None:
    mocked.post(url("scope"), json=ok(["crm"]))
    client = webhook()
    for _ in range(50):
        client.call("scope")
    assert clock.sleeps == [pytest.approx(STEP), pytest.approx(STEP)]
    assert client.stats.requests == 50
    assert client.stats.waited == pytest.approx(2 * STEP)
    assert clock.t == pytest.approx(2 * STEP)
