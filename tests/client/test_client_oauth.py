"""OAuth: refresh once on expired_token, keep and hand over the rotated pair, fail clearly."""

from __future__ import annotations

import random
from typing import Any

import pytest
import responses
from client_helpers import OAUTH_ENDPOINT, TOKEN_URL, VirtualClock, ok, request_json
from responses import matchers

from provisioner.client import (
    AuthError,
    BitrixClient,
    ExpiredToken,
    MalformedResponse,
    OAuthTokens,
    RateLimit,
)

EXPIRED = {"error": "expired_token", "error_description": "The access token provided has expired"}
NEW_PAIR = {"access_token": "acc-2", "refresh_token": "ref-2", "expires": 1752149747,
            "expires_in": 3600, "scope": "crm,user", "domain": "oauth.bitrix.info",
            "server_endpoint": "https://oauth.bitrix.info/rest/", "status": "L",
            "client_endpoint": OAUTH_ENDPOINT, "member_id": "abc", "user_id": 1}
REFRESH_QUERY = {"grant_type": "refresh_token", "client_id": "app.1",
                 "client_secret": "app-secret", "refresh_token": "ref-1"}


def _client(clock: VirtualClock, seen: list[OAuthTokens]) -> BitrixClient:
    return BitrixClient.from_oauth(OAUTH_ENDPOINT, "acc-1", "ref-1", "app.1", "app-secret",
                                   on_tokens=seen.append, rate=RateLimit(), clock=clock.monotonic,
                                   sleep=clock.sleep, now=clock.unix, rng=random.Random(1))


def test_expired_token_refreshes_once_and_repeats_the_call(
        mocked: responses.RequestsMock, clock: VirtualClock) -> None:
    method_url = f"{OAUTH_ENDPOINT}crm.status.list.json"
    mocked.post(method_url, status=401, json=EXPIRED)
    mocked.get(TOKEN_URL, json=NEW_PAIR, match=[matchers.query_param_matcher(REFRESH_QUERY)])
    mocked.post(method_url, json=ok([{"ID": "1"}], total=1))
    seen: list[OAuthTokens] = []
    client = _client(clock, seen)

    assert client.call("crm.status.list", {"filter": {"ENTITY_ID": "SOURCE"}}).result == [
        {"ID": "1"}]

    assert request_json(mocked, 0)["auth"] == "acc-1"
    assert request_json(mocked, 2) == {"filter": {"ENTITY_ID": "SOURCE"}, "auth": "acc-2"}
    assert seen == [OAuthTokens(access_token="acc-2", refresh_token="ref-2", expires=1752149747,
                                client_endpoint=OAUTH_ENDPOINT, scope="crm,user")]
    assert (client.stats.requests, client.stats.refreshes) == (3, 1)


def test_the_rotated_refresh_token_is_used_next_time(
        mocked: responses.RequestsMock, clock: VirtualClock) -> None:
    method_url = f"{OAUTH_ENDPOINT}scope.json"
    third = {**NEW_PAIR, "access_token": "acc-3", "refresh_token": "ref-3"}
    mocked.post(method_url, status=401, json=EXPIRED)
    mocked.get(TOKEN_URL, json=NEW_PAIR, match=[matchers.query_param_matcher(REFRESH_QUERY)])
    mocked.post(method_url, json=ok(["crm"]))
    mocked.post(method_url, status=401, json=EXPIRED)
    mocked.get(TOKEN_URL, json=third, match=[matchers.query_param_matcher(
        {**REFRESH_QUERY, "refresh_token": "ref-2"})])
    mocked.post(method_url, json=ok(["crm"]))
    seen: list[OAuthTokens] = []
    client = _client(clock, seen)
    client.call("scope")
    client.call("scope")
    assert [t.refresh_token for t in seen] == ["ref-2", "ref-3"]


def test_a_second_expired_token_after_the_refresh_is_raised(
        mocked: responses.RequestsMock, clock: VirtualClock) -> None:
    method_url = f"{OAUTH_ENDPOINT}scope.json"
    mocked.post(method_url, status=401, json=EXPIRED)
    mocked.get(TOKEN_URL, json=NEW_PAIR)
    seen: list[OAuthTokens] = []
    client = _client(clock, seen)
    with pytest.raises(ExpiredToken) as info:
        client.call("scope")
    assert (info.value.error, info.value.status, info.value.method) == (
        "expired_token", 401, "scope")
    assert client.stats.refreshes == 1
    assert client.stats.requests == 3


def test_refresh_refused_by_the_authorization_server(
        mocked: responses.RequestsMock, clock: VirtualClock) -> None:
    mocked.post(f"{OAUTH_ENDPOINT}scope.json", status=401, json=EXPIRED)
    mocked.get(TOKEN_URL, status=400, json={"error": "invalid_grant",
                                            "error_description": "Invalid grant"})
    seen: list[OAuthTokens] = []
    client = _client(clock, seen)
    with pytest.raises(AuthError) as info:
        client.call("scope")
    error = info.value
    assert type(error) is AuthError
    assert (error.error, error.error_description, error.status, error.method) == (
        "invalid_grant", "Invalid grant", 400, "oauth.token")
    assert seen == []
    for secret in ("ref-1", "app-secret", "acc-1"):
        assert secret not in str(error) and secret not in repr(error)


def test_refresh_answer_without_tokens_is_malformed(
        mocked: responses.RequestsMock, clock: VirtualClock) -> None:
    mocked.post(f"{OAUTH_ENDPOINT}scope.json", status=401, json=EXPIRED)
    mocked.get(TOKEN_URL, json={"expires_in": 3600})
    with pytest.raises(MalformedResponse) as info:
        _client(clock, []).call("scope")
    assert str(info.value) == ("oauth.token: MALFORMED_RESPONSE (provision's own code): the token refresh answer has "
                               "no access_token/refresh_token")


def test_a_webhook_never_refreshes(mocked: responses.RequestsMock,
                                   webhook: Any) -> None:
    from client_helpers import url
    mocked.post(url("scope"), status=401, json=EXPIRED)
    client = webhook()
    with pytest.raises(ExpiredToken):
        client.call("scope")
    assert client.stats.requests == 1


def test_repr_of_tokens_and_client_hides_the_secrets(clock: VirtualClock) -> None:
    client = _client(clock, [])
    tokens = OAuthTokens(access_token="acc-1", refresh_token="ref-1")
    for text in (repr(client), str(client), repr(tokens)):
        for secret in ("acc-1", "ref-1", "app-secret"):
            assert secret not in text
    assert repr(client) == "BitrixClient(OAuthAuth(https://portal.example.com/rest/, " \
                           "client_id='app.1'))"
