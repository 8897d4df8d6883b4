"""The client-side leaky bucket on a virtual clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses
from client_helpers import VirtualClock, ok, url

from provisioner.client import BitrixClient, LeakyBucket, RateLimit


def test_the_51st_request_waits_half_a_second(clock: VirtualClock) -> None:
    bucket = LeakyBucket(RateLimit(), clock.monotonic, clock.sleep)
    assert [bucket.acquire() for _ in range(50)] == [0.0] * 50
    assert bucket.acquire() == pytest.approx(0.5)
    assert clock.sleeps == [pytest.approx(0.5)]
    assert bucket.acquire() == pytest.approx(0.5)  # and each further one while saturated


def test_the_bucket_drains_with_time(clock: VirtualClock) -> None:
    bucket = LeakyBucket(RateLimit(), clock.monotonic, clock.sleep)
    for _ in range(50):
        bucket.acquire()
    clock.t += 10.0  # 20 slots drained
    assert [bucket.acquire() for _ in range(20)] == [0.0] * 20
    assert bucket.acquire() == pytest.approx(0.5)
    assert bucket.level == pytest.approx(50.0)


def test_enterprise_bucket(clock: VirtualClock) -> None:
    limit = RateLimit.enterprise()
    assert (limit.burst, limit.per_second) == (250, 5.0)
    bucket = LeakyBucket(limit, clock.monotonic, clock.sleep)
    for _ in range(250):
        bucket.acquire()
    assert clock.sleeps == []
    assert bucket.acquire() == pytest.approx(0.2)


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="burst >= 1 and per_second > 0"):
        RateLimit(burst=0)


def test_the_client_paces_its_requests(mocked: responses.RequestsMock,
                                       webhook: Callable[..., BitrixClient],
                                       clock: VirtualClock) -> None:
    mocked.post(url("scope"), json=ok(["crm"]))
    client = webhook()
    for _ in range(52):
        client.call("scope")
    assert clock.sleeps == [pytest.approx(0.5), pytest.approx(0.5)]
    assert client.stats.requests == 52
    assert client.stats.waited == pytest.approx(1.0)
    assert clock.t == pytest.approx(1.0)
