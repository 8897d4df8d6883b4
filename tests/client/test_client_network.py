"""DNS, TLS and refused connections fail at once, the cause named in one line, never retried
(issue 16: they were retried for 11-13 s and ended in a raw `requests` message)."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
import requests
import responses
from client_helpers import TOKEN, VirtualClock, closed_port, raw_server, url
from urllib3.exceptions import MaxRetryError, NameResolutionError

from provisioner.client import (
    BitrixClient,
    ConnectionRefused,
    DNSFailure,
    RateLimit,
    TLSFailure,
    TransportError,
    Unreachable,
)


def _loopback(url_: str, clock: VirtualClock) -> BitrixClient:
    return BitrixClient.from_webhook(url_, rate=RateLimit(), clock=clock.monotonic,
                                     sleep=clock.sleep, now=clock.unix)


def test_a_refused_connection_fails_at_once_naming_host_and_port(clock: VirtualClock) -> None:
    port = closed_port()
    client = _loopback(f"http://127.0.0.1:{port}/rest/1/{TOKEN}/", clock)
    with pytest.raises(ConnectionRefused) as info:
        client.call("crm.status.list")
    assert str(info.value) == (
        f"crm.status.list: CONNECTION_REFUSED (provision's own code): http://127.0.0.1:{port} refused the connection "
        "(nothing listens there: a wrong port, or the portal is down)")
    assert client.stats.requests == 1 and clock.sleeps == []  # before: 6 requests, 5 waits
    assert info.value.maybe_committed is False and info.value.__cause__ is None


def _plain_http(conn: socket.socket) -> None:
    conn.recv(65536)  # a TLS hello is not HTTP: answer as a plain server would
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


def test_a_tls_failure_fails_at_once_naming_the_cause(clock: VirtualClock) -> None:
    with raw_server(_plain_http) as port:
        client = _loopback(f"https://127.0.0.1:{port}/rest/1/{TOKEN}/", clock)
        with pytest.raises(TLSFailure) as info:
            client.call("crm.status.list")
    assert str(info.value) == (
        f"crm.status.list: TLS_ERROR (provision's own code): the TLS handshake with https://127.0.0.1:{port} failed: "
        "wrong version number; for a self-hosted portal with a self-signed certificate you "
        "trust, --insecure skips the check")
    assert client.stats.requests == 1 and clock.sleeps == []


def _dns_failure(host: str) -> requests.ConnectionError:
    """What requests raises when the name does not resolve (built: tests reach no DNS)."""
    reason = NameResolutionError(host, None, socket.gaierror(-2, "Name or service not known"))
    return requests.ConnectionError(MaxRetryError(None, f"/rest/7/{TOKEN}/batch.json", reason))


def test_a_dns_failure_fails_at_once_naming_the_host(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient],
        clock: VirtualClock) -> None:
    mocked.post(url("batch"), body=_dns_failure("portal.example.com"))
    client = webhook()
    with pytest.raises(DNSFailure) as info:
        client.batch({"a": ("crm.status.list", {})})
    assert str(info.value) == (
        "batch: DNS_ERROR (provision's own code): the portal's host name portal.example.com does not resolve (DNS "
        "lookup failed); check the portal address in the webhook URL or portals.toml")
    assert client.stats.requests == 1 and clock.sleeps == []
    assert TOKEN not in repr(info.value)


@pytest.mark.parametrize("cls", [DNSFailure, TLSFailure, ConnectionRefused])
def test_unreachable_errors_are_transport_errors_nothing_was_sent(
        cls: type[Unreachable]) -> None:
    assert issubclass(cls, TransportError) and issubclass(cls, Unreachable)
    assert cls("X", "y").maybe_committed is False


def test_a_reset_connection_is_still_retried_for_a_read(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient],
        clock: VirtualClock) -> None:
    mocked.post(url("crm.status.list"), body=requests.ConnectionError("connection reset"))
    mocked.post(url("crm.status.list"), body=requests.ConnectionError("connection reset"))
    mocked.post(url("crm.status.list"), json={"result": [], "total": 0})
    client = webhook()
    assert client.call("crm.status.list").result == []
    assert client.stats.retries == 2 and len(clock.sleeps) == 2
