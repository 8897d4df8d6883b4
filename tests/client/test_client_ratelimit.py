"""The client-side leaky bucket on a virtual clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses
from client_helpers import VirtualClock, ok, url

from provisioner.client import BitrixClient, LeakyBucket, RateLimit

STEP = 1 / 1.98  # seconds between requests once the bucket is full: 2 a second less 1%


def test_the_46th_request_waits(clock: VirtualClock) -> None:
    """The cloud's bucket holds 50; the client keeps 10% of it in reserve."""
    bucket = LeakyBucket(RateLimit(), clock.monotonic, clock.sleep)
    assert [bucket.acquire() for _ in range(45)] == [0.0] * 45
    assert bucket.acquire() == pytest.approx(STEP)
    assert clock.sleeps == [pytest.approx(STEP)]
    assert bucket.acquire() == pytest.approx(STEP)  # and each further one while saturated


def test_the_bucket_drains_with_time(clock: VirtualClock) -> None:
    bucket = LeakyBucket(RateLimit(), clock.monotonic, clock.sleep)
    for _ in range(45):
        bucket.acquire()
    clock.t += 10.0  # 19.8 slots drained
    assert [bucket.acquire() for _ in range(19)] == [0.0] * 19
    assert bucket.acquire() == pytest.approx(0.2 * STEP)  # the 0.8 slot left, then one more
    assert bucket.level == pytest.approx(45.0)


def test_enterprise_bucket(clock: VirtualClock) -> None:
    limit = RateLimit.enterprise()
    assert (limit.burst, limit.per_second, limit.paced_burst) == (250, 5.0, 225)
    bucket = LeakyBucket(limit, clock.monotonic, clock.sleep)
    for _ in range(225):
        bucket.acquire()
    assert clock.sleeps == []
    assert bucket.acquire() == pytest.approx(1 / 4.95)


def test_the_margin_can_be_set_or_switched_off(clock: VirtualClock) -> None:
    bucket = LeakyBucket(RateLimit(reserve=0.0, slack=0.0), clock.monotonic, clock.sleep)
    assert [bucket.acquire() for _ in range(50)] == [0.0] * 50
    assert bucket.acquire() == pytest.approx(0.5)
    unlimited = RateLimit.unlimited()
    assert (unlimited.paced_burst, unlimited.paced_rate) == (1_000_000_000, 1e9)


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="burst >= 1 and per_second > 0"):
        RateLimit(burst=0)
    with pytest.raises(ValueError, match="0 <= reserve < 1 and 0 <= slack < 1"):
        RateLimit(reserve=1.0)


def test_the_client_paces_its_requests(mocked: responses.RequestsMock,
                                       webhook: Callable[..., BitrixClient],
                                       clock: VirtualClock) -> None:
    mocked.post(url("scope"), json=ok(["crm"]))
    client = webhook()
    for _ in range(47):
        client.call("scope")
    assert clock.sleeps == [pytest.approx(STEP), pytest.approx(STEP)]
    assert client.stats.requests == 47
    assert client.stats.waited == pytest.approx(2 * STEP)
    assert clock.t == pytest.approx(2 * STEP)
