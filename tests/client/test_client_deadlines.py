"""Deadlines: each request has one for the whole exchange, the client one for the command."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest
import requests
import responses
from client_helpers import VirtualClock, ok, raw_server, read_request, url

from provisioner.client import (
    BitrixClient,
    ClientConfigError,
    CommandDeadline,
    DeadlineExceeded,
    RetryPolicy,
    TransportError,
)
from provisioner.client.deadline import Deadlines

TOKEN = "tr1cklet0ken"
BODY = b'{"result": 773, "time": {}}'


def _loopback(port: int, **options: object) -> BitrixClient:
    return BitrixClient.from_webhook(f"http://127.0.0.1:{port}/rest/1/{TOKEN}/",
                                     **options)  # type: ignore[arg-type]


def _trickle(conn: socket.socket) -> None:
    """Headers at once, then the body one byte every 0.05 s: done after 1.35 s (short sleeps, so
    that the thread stops soon after the client hangs up: the suite's real-sleep budget)."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(BODY))
    for byte in BODY:
        conn.sendall(bytes([byte]))
        time.sleep(0.05)


def _silent(conn: socket.socket) -> None:
    """Reads the request and answers nothing until the client hangs up (at most 3 s)."""
    read_request(conn)
    conn.settimeout(3)
    conn.recv(1)  # blocks, without sleeping, until the client gives up and closes


def test_a_trickling_answer_ends_at_the_request_deadline() -> None:
    """Before: a read timeout bounds each socket read only, so a byte every 0.05 s (or 5 s)
    kept the request alive until the portal chose to finish."""
    with raw_server(_trickle) as port:
        client = _loopback(port, deadlines=Deadlines(request=0.25))
        with pytest.raises(DeadlineExceeded) as info:
            client.call("crm.status.add", {"fields": {"STATUS_ID": "X"}})
    error = info.value
    assert error.method == "crm.status.add" and error.maybe_committed is True
    assert str(error).startswith("crm.status.add: DEADLINE_EXCEEDED (provision's own code): only ")
    assert str(error).endswith(" bytes of the answer (a portal or proxy that sends its answer "
                               "slowly) within the request's deadline of 0.25 s")
    assert TOKEN not in str(error) and client.stats.requests == 1


def test_a_portal_that_never_answers_fails_at_the_request_deadline() -> None:
    with raw_server(_silent) as port:
        client = _loopback(port, deadlines=Deadlines(request=0.3))
        with pytest.raises(DeadlineExceeded) as info:
            client.call("crm.category.add", {"entityTypeId": 2, "fields": {"name": "A"}})
    assert str(info.value) == ("crm.category.add: DEADLINE_EXCEEDED (provision's own code): no answer within the "
                               "request's deadline of 0.3 s")
    assert info.value.maybe_committed is True


def test_a_read_that_timed_out_is_tried_once_more_not_five_times(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    """Before: 6 attempts of 75 s each plus back-off, 462 s for a portal that never answers;
    now 2 attempts of at most 70 s."""
    mocked.post(url("crm.status.list"), body=requests.ReadTimeout("read timed out"))
    client = webhook()
    with pytest.raises(TransportError) as info:
        client.call("crm.status.list")
    assert str(info.value) == ("crm.status.list: TRANSPORT_ERROR (provision's own code): request timed out: "
                               "ReadTimeout: read timed out")
    assert client.stats.requests == 2 and client.stats.retries == 1


def test_other_network_faults_on_reads_keep_their_retries(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("user.get"), body=requests.ConnectionError("connection reset"))
    client = webhook(retry=RetryPolicy(max_retries=3))
    with pytest.raises(TransportError) as info:
        client.call("user.get")
    assert str(info.value) == ("user.get: TRANSPORT_ERROR (provision's own code): request failed: ConnectionError: "
                               "connection reset")
    assert client.stats.requests == 4


LIMITED = {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}


def test_the_command_deadline_stops_the_retries_and_says_what_was_done(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient],
        clock: VirtualClock) -> None:
    mocked.post(url("crm.status.add"), json=ok(1))
    mocked.post(url("crm.status.list"), status=503, json=LIMITED)
    client = webhook(deadlines=Deadlines(command=1.0))
    client.call("crm.status.add", {"fields": {}})
    with pytest.raises(CommandDeadline) as info:
        client.call("crm.status.list")
    # after the refusal the bucket is full: the retry waits at least 1.5 s (back-off, then the
    # bucket's reserve: 3 requests at 2 a second), past the deadline, so it is never sent
    assert client.stats.requests == 2 and len(mocked.calls) == 2 and sum(clock.sleeps) < 1.0
    assert str(info.value) == (
        "crm.status.list: COMMAND_DEADLINE (provision's own code): the command's deadline of 1 s (PROVISION_DEADLINE) "
        "passed after 2 requests, 1 write request (1 answered); no further request is sent "
        "(the last one failed: QUERY_LIMIT_EXCEEDED: Too many requests (HTTP 503))")
    assert info.value.maybe_committed is False


def test_after_the_command_deadline_nothing_more_is_sent(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient],
        clock: VirtualClock) -> None:
    mocked.post(url("scope"), json=ok([]))
    client = webhook(deadlines=Deadlines(command=10.0))
    client.call("scope")
    clock.sleep(10.0)
    with pytest.raises(CommandDeadline, match=r"passed after 1 request, 0 write requests "
                                              r"\(0 answered\); no further request is sent$"):
        client.batch({"a": ("crm.status.add", {"fields": {}})})
    assert client.stats.requests == 1 and len(mocked.calls) == 1


def test_the_last_request_gets_only_what_is_left_of_the_command() -> None:
    with raw_server(_silent) as port:
        client = _loopback(port, deadlines=Deadlines(request=30.0, command=0.4))
        started = time.monotonic()
        with pytest.raises(CommandDeadline) as info:
            client.call("crm.category.list", {"entityTypeId": 2})
        assert time.monotonic() - started < 5.0  # not the request's own 30 s
    assert "(the last one failed: DEADLINE_EXCEEDED (provision's own code): no answer within the request's " \
           "deadline of 0.4" in str(info.value)


@pytest.mark.parametrize(("value", "command"), [
    ("", 1800.0), ("600", 600.0), ("2.5", 2.5), ("0", None), ("none", None)])
def test_provision_deadline_sets_the_command_deadline(value: str,
                                                      command: float | None) -> None:
    assert Deadlines.from_env({"PROVISION_DEADLINE": value}).command == command


@pytest.mark.parametrize("value", ["abc", "-5", "inf", "nan"])
def test_a_bad_provision_deadline_is_refused_with_the_fix(value: str) -> None:
    with pytest.raises(ClientConfigError) as info:
        Deadlines.from_env({"PROVISION_DEADLINE": value})
    assert str(info.value) == ("PROVISION_DEADLINE must be a number of seconds (e.g. 600), or 0 "
                               f"for no deadline; got {value!r}")


def test_the_client_reads_provision_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVISION_DEADLINE", "42")
    client = BitrixClient.from_webhook("https://portal.example/rest/1/abc/")
    assert client.deadlines == Deadlines(command=42.0)
