"""What is retried (rate limit; reads on 5xx and network faults), how long we wait, and what not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
import responses
from client_helpers import VirtualClock, ok, url

from provisioner.client import (
    BitrixClient,
    OperationTimeLimit,
    RateLimited,
    RetryPolicy,
    ServerError,
    TransportError,
    is_read,
)

LIMITED = {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}
BROKEN = {"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"}


def test_query_limit_exceeded_is_retried_with_backoff_then_succeeds(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient],
        clock: VirtualClock) -> None:
    for _ in range(2):
        mocked.post(url("crm.status.add"), status=503, json=LIMITED)
    mocked.post(url("crm.status.add"), json=ok(773))
    client = webhook()

    assert client.call("crm.status.add", {"fields": {"STATUS_ID": "X"}}).result == 773

    assert client.stats.requests == 3
    assert client.stats.retries == 2
    # equal jitter: attempt n waits between half and all of 0.5 * 2**n; then the bucket, full
    # since the refusal, lets the retry go once its reserve is free again (2 of 50 requests at
    # 2 a second, plus the one sent): 1.5 s after the refusal in all
    backoffs, refills = clock.sleeps[0::2], clock.sleeps[1::2]
    assert len(clock.sleeps) == 4
    assert 0.25 <= backoffs[0] <= 0.5 and 0.5 <= backoffs[1] <= 1.0
    for backoff, refill in zip(backoffs, refills, strict=True):
        assert backoff + refill == pytest.approx(3 / 2.0, abs=0.01)


def test_backoff_is_reproducible_with_a_seeded_rng(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient],
        clock: VirtualClock) -> None:
    mocked.post(url("scope"), status=503, json=LIMITED)
    mocked.post(url("scope"), json=ok([]))
    webhook().call("scope")
    first = list(clock.sleeps)
    clock.sleeps.clear()
    mocked.post(url("scope"), status=503, json=LIMITED)
    mocked.post(url("scope"), json=ok([]))
    webhook().call("scope")
    assert clock.sleeps == first


def test_backoff_is_capped() -> None:
    import random
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)
    assert all(2.0 <= policy.backoff(10, random.Random(i)) <= 4.0 for i in range(20))


def test_rate_limit_retries_are_bounded(mocked: responses.RequestsMock,
                                        webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("crm.status.list"), status=503, json=LIMITED)
    client = webhook(retry=RetryPolicy(max_retries=3))
    with pytest.raises(RateLimited) as info:
        client.call("crm.status.list")
    assert (info.value.error, info.value.status) == ("QUERY_LIMIT_EXCEEDED", 503)
    assert client.stats.requests == 4


def test_server_error_on_a_read_is_retried(mocked: responses.RequestsMock,
                                           webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("crm.status.list"), status=500, json=BROKEN)
    mocked.post(url("crm.status.list"), json=ok([{"ID": "1"}], total=1))
    client = webhook()
    assert client.call("crm.status.list").result == [{"ID": "1"}]
    assert client.stats.requests == 2


def test_server_error_on_a_write_is_not_retried_and_may_have_happened(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient],
        clock: VirtualClock) -> None:
    mocked.post(url("crm.status.add"), status=500, json=BROKEN)
    mocked.post(url("crm.status.add"), json=ok(773))
    client = webhook()
    with pytest.raises(ServerError) as info:
        client.call("crm.status.add", {"fields": {"STATUS_ID": "X"}})
    assert info.value.maybe_committed is True
    assert (info.value.error, info.value.status, info.value.method) == (
        "INTERNAL_SERVER_ERROR", 500, "crm.status.add")
    assert client.stats.requests == 1
    assert clock.sleeps == []


def test_timeout_on_a_write_is_a_transport_error_not_retried(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("crm.category.add"), body=requests.ReadTimeout("read timed out"))
    mocked.post(url("crm.category.add"), json=ok({"category": {"id": 5}}))
    client = webhook()
    with pytest.raises(TransportError) as info:
        client.call("crm.category.add", {"entityTypeId": 2, "fields": {"name": "Sales"}})
    error = info.value
    assert error.maybe_committed is True
    assert (error.error, error.method, error.status) == (
        "TRANSPORT_ERROR", "crm.category.add", None)
    assert error.error_description == "request timed out: ReadTimeout: read timed out"
    assert error.__cause__ is None and error.__suppress_context__
    assert client.stats.requests == 1


def test_connect_timeout_on_a_write_did_not_reach_the_portal(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("crm.status.add"), body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(TransportError) as info:
        webhook().call("crm.status.add")
    assert info.value.maybe_committed is False


def test_network_fault_on_a_read_is_retried(mocked: responses.RequestsMock,
                                            webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("crm.category.list"), body=requests.ConnectionError("connection reset"))
    mocked.post(url("crm.category.list"), json=ok({"categories": []}))
    client = webhook()
    assert client.call("crm.category.list", {"entityTypeId": 2}).result == {"categories": []}
    assert client.stats.retries == 1


def test_network_fault_on_a_read_gives_up_after_the_bound(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("user.get"), body=requests.ConnectionError("connection reset"))
    client = webhook(retry=RetryPolicy(max_retries=2))
    with pytest.raises(TransportError) as info:
        client.call("user.get")
    assert info.value.maybe_committed is False
    assert client.stats.requests == 3


def test_a_batch_of_reads_is_retried_a_batch_with_a_write_is_not(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("batch"), status=502, body="<html>Bad gateway</html>")
    mocked.post(url("batch"), json=ok({"result": {"a": []}, "result_error": [],
                                       "result_total": [], "result_next": [],
                                       "result_time": []}))
    client = webhook()
    assert client.batch({"a": ("crm.status.list", {})}).results == {"a": []}
    assert client.stats.requests == 2

    mocked.post(url("batch"), status=502, body="<html>Bad gateway</html>")
    with pytest.raises(ServerError) as info:
        client.batch({"a": ("crm.status.list", {}), "b": ("crm.status.add", {})})
    assert info.value.maybe_committed is True
    assert (info.value.error, info.value.status) == ("HTTP_502", 502)
    assert client.stats.requests == 3


@pytest.mark.parametrize(("method", "read"), [
    ("crm.status.list", True), ("crm.status.get", True), ("crm.status.fields", True),
    ("crm.status.entity.types", True), ("crm.status.entity.items", True),
    ("crm.type.getByEntityTypeId", True), ("userfieldconfig.getTypes", True),
    ("user.current", True), ("app.info", True), ("scope", True), ("methods", True),
    ("crm.enum.ownertype", True), ("crm.dealcategory.status", True),
    ("crm.status.add", False), ("crm.status.update", False), ("crm.status.delete", False),
    ("crm.dealcategory.default.set", False), ("event.bind", False), ("batch", False),
    ("crm.something.unknown", False),
])
def test_read_classification(method: str, read: bool) -> None:
    assert is_read(method) is read


def _time_limited(reset_at: float) -> dict[str, object]:
    return {"error": "OPERATION_TIME_LIMIT",
            "error_description": "Method is blocked due to operation time limit.",
            "time": {"operating_reset_at": reset_at, "operating": 481.2}}


def test_operation_time_limit_waits_until_the_reset_then_repeats(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient],
        clock: VirtualClock) -> None:
    mocked.post(url("crm.status.add"), status=429, json=_time_limited(clock.unix() + 30))
    mocked.post(url("crm.status.add"), json=ok(12))
    client = webhook()
    assert client.call("crm.status.add").result == 12
    assert clock.sleeps == [31.0]  # until the reset, plus one second of margin


def test_operation_time_limit_beyond_the_configured_wait_is_raised(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient],
        clock: VirtualClock) -> None:
    reset_at = clock.unix() + 500
    mocked.post(url("crm.status.list"), status=429, json=_time_limited(reset_at))
    client = webhook(retry=RetryPolicy(max_operation_wait=60))
    with pytest.raises(OperationTimeLimit) as info:
        client.call("crm.status.list")
    assert info.value.reset_at == reset_at
    assert info.value.status == 429
    assert clock.sleeps == []


def test_operation_time_limit_without_a_reset_time_is_raised(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient],
        clock: VirtualClock) -> None:
    mocked.post(url("crm.status.list"), status=429, json={
        "error": "OPERATION_TIME_LIMIT",
        "error_description": "Method is blocked due to operation time limit."})
    with pytest.raises(OperationTimeLimit) as info:
        webhook().call("crm.status.list")
    assert info.value.reset_at is None
    assert str(info.value) == ("crm.status.list: OPERATION_TIME_LIMIT: Method is blocked due to "
                               "operation time limit. (HTTP 429)")
    assert clock.sleeps == []


def test_operation_time_limit_uses_the_reset_time_of_the_last_success(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient],
        clock: VirtualClock) -> None:
    reset_at = int(clock.unix()) + 20
    first = ok([])
    first["time"] = {**first["time"], "operating": 470.5, "operating_reset_at": reset_at}
    mocked.post(url("crm.status.list"), json=first)
    mocked.post(url("crm.status.list"), status=429, json={
        "error": "OPERATION_TIME_LIMIT",
        "error_description": "Method is blocked due to operation time limit."})
    mocked.post(url("crm.status.list"), json=ok([{"ID": "1"}]))
    client = webhook()
    client.call("crm.status.list")
    assert client.call("crm.status.list").result == [{"ID": "1"}]
    assert clock.sleeps == [pytest.approx(reset_at - clock.unix_start + 1.0)]
