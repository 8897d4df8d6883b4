"""The success envelope, request shape, URL forms and the https rule."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses
from client_helpers import BASE, OAUTH_ENDPOINT, TOKEN, example, ok, request_json, url

from provisioner.client import BitrixClient, ClientConfigError, InsecureTLSWarning
from provisioner.errors import ProvisionError


def test_call_returns_the_docs_envelope(mocked: responses.RequestsMock,
                                        webhook: Callable[..., BitrixClient]) -> None:
    docs = example("crm.status.list")
    mocked.post(url("crm.status.list"), json=docs["response"]["body"])
    client = webhook()

    resp = client.call("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"}})

    assert resp.result == docs["response"]["body"]["result"]
    assert resp.total == docs["response"]["body"]["total"]
    assert resp.next is None
    assert resp.time is not None and resp.time["duration"] == docs["response"]["body"]["time"][
        "duration"]
    assert request_json(mocked, 0) == {"filter": {"ENTITY_ID": "DEAL_STAGE"}}
    headers = mocked.calls[0].request.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"] == "application/json"
    assert client.stats.requests == 1


def test_total_and_next_given_as_strings_are_read_as_ints(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("user.get"), json=ok([{"ID": "1"}], total="120", next="50"))
    resp = webhook().call("user.get")
    assert (resp.total, resp.next) == (120, 50)


@pytest.mark.parametrize("given", [
    f"https://portal.example.com/rest/7/{TOKEN}/",
    f"https://portal.example.com/rest/7/{TOKEN}",
    f"https://portal.example.com/rest/7/{TOKEN}/profile",
    f"https://portal.example.com/rest/7/{TOKEN}/crm.status.list.json",
    f"  https://portal.example.com/rest/7/{TOKEN}/profile.json/ ",
])
def test_webhook_url_forms_all_reach_the_same_base(
        given: str, mocked: responses.RequestsMock,
        webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("app.info"), json=ok({"SCOPE": ["crm"]}))
    assert webhook(url=given).call("app.info").result == {"SCOPE": ["crm"]}
    assert mocked.calls[0].request.url == f"{BASE}app.info.json"


def test_webhook_under_a_path_prefix_keeps_it(mocked: responses.RequestsMock,
                                              webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(f"https://example.com/b24/rest/1/{TOKEN}/scope.json", json=ok(["crm"]))
    assert webhook(url=f"https://example.com/b24/rest/1/{TOKEN}/").call("scope").result == [
        "crm"]


@pytest.mark.parametrize("given", [
    f"https://portal.example.com/7/{TOKEN}/",
    f"https://portal.example.com/rest/{TOKEN}/",
    f"https://portal.example.com/rest/x7/{TOKEN}/",
    f"https://portal.example.com/rest/7/{TOKEN}/crm.status.list/extra",
    f"https://portal.example.com/rest/7/{TOKEN}/?auth=1",
    f"portal.example.com/rest/7/{TOKEN}/",
    f"https://user:{TOKEN}@portal.example.com/rest/7/{TOKEN}/",
])
def test_malformed_webhook_url_names_the_form_not_the_token(given: str) -> None:
    with pytest.raises(ClientConfigError) as info:
        BitrixClient.from_webhook(given)
    message = str(info.value)
    assert "expected the form https://<portal>/rest/<user_id>/<webhook_code>/" in message
    assert TOKEN not in message
    assert isinstance(info.value, ProvisionError)


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ClientConfigError) as info:
        BitrixClient.from_webhook(f"http://portal.example.com/rest/7/{TOKEN}/")
    assert str(info.value) == (
        "refusing http URL for portal.example.com: Bitrix24 requires https (plain http is "
        "allowed only for localhost and the sandbox); use an https:// URL")


def test_plain_http_to_a_remote_oauth_endpoint_is_refused() -> None:
    with pytest.raises(ClientConfigError, match="requires https"):
        BitrixClient.from_oauth("http://portal.example.com/rest/", "a", "r", "id", "secret")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.53", "[::1]",
                                  "sandbox.invalid", "localhost:8080"])
def test_plain_http_is_allowed_for_loopback_and_the_sandbox(
        host: str, mocked: responses.RequestsMock,
        webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(f"http://{host}/rest/1/{TOKEN}/scope.json", json=ok(["crm"]))
    assert webhook(url=f"http://{host}/rest/1/{TOKEN}/").call("scope").result == ["crm"]


class _RecordingSession(requests.Session):
    """Records the keyword arguments of each post (responses cannot show `verify`)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[dict[str, Any]] = []

    def post(self, *args: Any, **kwargs: Any) -> requests.Response:
        self.seen.append(kwargs)
        return super().post(*args, **kwargs)


def test_tls_verification_is_on_by_default(mocked: responses.RequestsMock,
                                           webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("scope"), json=ok(["crm"]))
    session = _RecordingSession()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        webhook(session=session).call("scope")
    assert session.seen[0]["verify"] is True


def test_insecure_turns_verification_off_with_a_warning(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("scope"), json=ok(["crm"]))
    session = _RecordingSession()
    with pytest.warns(InsecureTLSWarning, match="TLS certificate verification is off"):
        client = webhook(session=session, insecure=True)
    client.call("scope")
    assert session.seen[0]["verify"] is False


def test_oauth_sends_auth_in_the_body_to_the_client_endpoint(
        mocked: responses.RequestsMock) -> None:
    mocked.post(f"{OAUTH_ENDPOINT}crm.category.list.json", json=ok({"categories": []}))
    client = BitrixClient.from_oauth(OAUTH_ENDPOINT.rstrip("/"), "acc-1", "ref-1", "app.1",
                                     "app-secret")
    client.call("crm.category.list", {"entityTypeId": 2})
    assert request_json(mocked, 0) == {"entityTypeId": 2, "auth": "acc-1"}
    assert "acc-1" not in (mocked.calls[0].request.url or "")


@pytest.mark.parametrize("method", ["crm.status.list/../x", "crm status", "", "../batch",
                                    "crm.status.list?auth=x"])
def test_method_names_that_are_not_identifiers_are_refused(
        method: str, webhook: Callable[..., BitrixClient]) -> None:
    with pytest.raises(ValueError, match="not a Bitrix24 method name"):
        webhook().call(method)
