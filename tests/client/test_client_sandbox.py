"""The client against the in-process sandbox portal: the two sides agree on the protocol."""

from __future__ import annotations

import random

import pytest
from client_helpers import VirtualClock

from provisioner.client import (
    BitrixClient,
    OAuthTokens,
    RateLimit,
    ServerError,
    TransportError,
)
from provisioner.sandbox import FaultKind, Sandbox


def _client(sb: Sandbox) -> BitrixClient:
    clock = VirtualClock()
    return BitrixClient.from_webhook(sb.webhook_url, session=sb.session(), rate=RateLimit(),
                                     clock=clock.monotonic, sleep=clock.sleep, now=clock.unix,
                                     rng=random.Random(5))


def test_a_reference_list_is_read() -> None:
    sb = Sandbox.in_memory()
    rows = _client(sb).list_all("crm.status.list", {"filter": {"ENTITY_ID": "SOURCE"}})
    assert rows and {row["ENTITY_ID"] for row in rows} == {"SOURCE"}


def test_batch_encoding_and_references_survive_the_round_trip() -> None:
    sb = Sandbox.in_memory()
    client = _client(sb)
    name = "Сбор данных & co = 100% + more"
    out = client.batch({
        "add": ("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": "FAIR",
                                              "NAME": name, "SORT": 500}}),
        "get": ("crm.status.get", {"id": "$result[add]"}),
    }, halt=True)
    assert out.errors == {}
    assert out.results["get"]["NAME"] == name
    assert out.results["get"]["STATUS_ID"] == "FAIR"
    assert str(out.results["get"]["ID"]) == str(out.results["add"])
    assert client.stats.requests == 1


def test_oauth_refresh_against_the_sandbox_token_endpoint() -> None:
    sb = Sandbox.in_memory()
    creds = sb.oauth()
    seen: list[OAuthTokens] = []
    client = BitrixClient.from_oauth(creds.client_endpoint, creds.access_token,
                                     creds.refresh_token, creds.client_id, creds.client_secret,
                                     session=sb.session(), on_tokens=seen.append,
                                     rate=RateLimit())
    sb.expire_token()
    assert client.call("scope").result
    assert len(seen) == 1 and seen[0].refresh_token != creds.refresh_token
    assert client.stats.refreshes == 1


def test_a_server_error_on_a_write_is_not_retried() -> None:
    sb = Sandbox.in_memory()
    sb.faults.add(FaultKind.SERVER_ERROR, method="crm.status.add")
    client = _client(sb)
    with pytest.raises(ServerError) as info:
        client.call("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": "X1",
                                                  "NAME": "X1"}})
    assert info.value.maybe_committed is True
    assert client.stats.requests == 1


def test_a_dropped_connection_after_commit_is_reported_as_maybe_committed() -> None:
    sb = Sandbox.in_memory()
    sb.faults.add(FaultKind.DROP_AFTER_COMMIT, method="crm.status.add")
    client = _client(sb)
    with pytest.raises(TransportError) as info:
        client.call("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": "X2",
                                                  "NAME": "X2"}})
    assert info.value.maybe_committed is True
    rows = client.list_all("crm.status.list", {"filter": {"ENTITY_ID": "SOURCE"}})
    assert "X2" in {row["STATUS_ID"] for row in rows}  # it did happen: read back, not retry


def test_rate_limit_and_server_errors_on_reads_are_retried() -> None:
    sb = Sandbox.in_memory()
    sb.faults.add(FaultKind.RATE_LIMIT, count=2)
    sb.faults.add(FaultKind.SERVER_ERROR, method="crm.status.list")
    client = _client(sb)
    assert client.call("crm.status.list", {"filter": {"ENTITY_ID": "SOURCE"}}).result
    assert client.stats.retries == 3
