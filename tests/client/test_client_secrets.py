"""No secret (webhook code, OAuth tokens, client secret) in any exception, repr or log record."""

from __future__ import annotations

import logging
import random
import traceback
from collections.abc import Callable, Iterator

import pytest
import requests
import responses
from client_helpers import BASE, OAUTH_ENDPOINT, TOKEN, TOKEN_URL, VirtualClock, ok, url

from provisioner.client import (
    BitrixAPIError,
    BitrixClient,
    ClientConfigError,
    RateLimit,
    RetryPolicy,
    redact,
)
from provisioner.client.urls import parse_webhook_url

ACCESS, REFRESH, CLIENT_SECRET = "acc0untt0ken42", "refr3sht0ken42", "cl1ents3cret42"
SECRETS = (TOKEN, ACCESS, REFRESH, CLIENT_SECRET)


def _assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked in {text!r}"


def _everything_about(exc: BaseException) -> list[str]:
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    texts += [str(v) for v in vars(exc).values()]
    return texts


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    _assert_clean(caplog.text, *(r.getMessage() for r in caplog.records))


def _failures(mocked: responses.RequestsMock) -> Iterator[tuple[str, Callable[[], object]]]:
    """(name, action) pairs, each of which must fail without leaking."""
    mocked.post(url("crm.status.add"), body=requests.ConnectionError(
        f"HTTPSConnectionPool: Max retries exceeded with url: /rest/7/{TOKEN}/crm.status.add"))
    mocked.post(url("crm.status.get"), status=401, json={
        "error": "INVALID_CREDENTIALS", "error_description": f"bad code {TOKEN} for /rest/7/"})
    mocked.post(url("crm.status.list"), status=200,
                body=f"<html><a href='{BASE}crm.status.list'>login</a></html>")
    mocked.post(url("user.get"), body=requests.ReadTimeout(f"{BASE}user.get.json timed out"))
    mocked.post(url("batch"), json=ok({"result": [], "result_error": {"0": {
        "error": "", "error_description": f"Access denied. auth={TOKEN}"}},
        "result_total": [], "result_next": [], "result_time": []}))
    yield "connection", lambda: _webhook().call("crm.status.add")
    yield "echoed description", lambda: _webhook().call("crm.status.get")
    yield "html", lambda: _webhook().call("crm.status.list")
    yield "read timeout", lambda: _webhook().call("user.get")
    yield "batch", lambda: _webhook().batch_calls([("crm.status.add", {})])
    yield "bad url", lambda: BitrixClient.from_webhook(f"https://p.example.com/rest/x/{TOKEN}")
    yield "http url", lambda: BitrixClient.from_webhook(f"http://p.example.com/rest/1/{TOKEN}/")


def _webhook() -> BitrixClient:
    clock = VirtualClock()
    return BitrixClient.from_webhook(BASE, rate=RateLimit(), clock=clock.monotonic,
                                     sleep=clock.sleep, now=clock.unix, rng=random.Random(3),
                                     retry=RetryPolicy(max_retries=1))


def test_no_failure_of_a_webhook_client_leaks_the_code(mocked: responses.RequestsMock) -> None:
    seen = []
    for name, action in _failures(mocked):
        with pytest.raises((BitrixAPIError, ClientConfigError)) as info:
            action()
        seen.append(name)
        _assert_clean(*_everything_about(info.value))
    assert len(seen) == 7


def test_no_failure_of_an_oauth_client_leaks_a_token(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{OAUTH_ENDPOINT}scope.json", status=401, json={
        "error": "expired_token", "error_description": f"token {ACCESS} has expired"})
    mocked.get(TOKEN_URL, status=400, json={
        "error": "invalid_grant", "error_description": f"refresh_token={REFRESH} is spent; "
                                                       f"client_secret={CLIENT_SECRET}"})
    client = BitrixClient.from_oauth(OAUTH_ENDPOINT, ACCESS, REFRESH, "app.1", CLIENT_SECRET)
    with pytest.raises(BitrixAPIError) as info:
        client.call("scope")
    _assert_clean(*_everything_about(info.value), repr(client), str(client))


def test_a_network_fault_during_refresh_does_not_leak_the_query(
        mocked: responses.RequestsMock) -> None:
    mocked.post(f"{OAUTH_ENDPOINT}scope.json", status=401, json={
        "error": "expired_token", "error_description": "The access token provided has expired"})
    mocked.get(TOKEN_URL, body=requests.ConnectionError(
        f"{TOKEN_URL}?grant_type=refresh_token&client_id=app.1&client_secret={CLIENT_SECRET}"
        f"&refresh_token={REFRESH}"))
    client = BitrixClient.from_oauth(OAUTH_ENDPOINT, ACCESS, REFRESH, "app.1", CLIENT_SECRET)
    with pytest.raises(BitrixAPIError) as info:
        client.call("scope")
    _assert_clean(*_everything_about(info.value))


def test_reprs_hide_the_webhook_code() -> None:
    client = _webhook()
    parsed = parse_webhook_url(BASE)
    _assert_clean(repr(client), str(client), repr(parsed), parsed.display)
    assert repr(client) == "BitrixClient(WebhookAuth(https://portal.example.com/rest/7/***/))"


def test_successful_calls_log_method_names_and_durations_only(
        mocked: responses.RequestsMock, caplog: pytest.LogCaptureFixture) -> None:
    mocked.post(url("scope"), json=ok(["crm"]))
    _webhook().call("scope")
    assert [r.name for r in caplog.records] == ["provisioner.client"]
    assert caplog.records[0].getMessage().startswith("scope ok in ")


@pytest.mark.parametrize(("text", "clean"), [
    (f"https://p.example.com/rest/7/{TOKEN}/crm.status.list.json",
     "https://p.example.com/rest/7/***/crm.status.list.json"),
    (f"/rest/api/7/{TOKEN}/x", "/rest/api/7/***/x"),
    (f"https://p/rest/crm.status.list.json?auth={ACCESS}&x=1",
     "https://p/rest/crm.status.list.json?auth=***&x=1"),
    (f"grant_type=refresh_token&client_secret={CLIENT_SECRET}&refresh_token={REFRESH}",
     "grant_type=refresh_token&client_secret=***&refresh_token=***"),
    (f'{{"auth": "{ACCESS}", "fields": {{}}}}', '{"auth": "***", "fields": {}}'),
    (f"{{'access_token': '{ACCESS}'}}", "{'access_token': '***'}"),
    (f"Authorization: Bearer {ACCESS}", "Authorization: Bearer ***"),
    ("crm.status.list ok in 0.013s", "crm.status.list ok in 0.013s"),
    ("https://p/rest/crm.status.list.json", "https://p/rest/crm.status.list.json"),
])
def test_redact_masks_known_secret_shapes(text: str, clean: str) -> None:
    assert redact(text) == clean


def test_redact_masks_literal_secrets_anywhere() -> None:
    assert redact(f"the code is {TOKEN}!", [TOKEN, ""]) == "the code is ***!"


def test_the_logger_filter_redacts_foreign_records(caplog: pytest.LogCaptureFixture) -> None:
    from provisioner.client.redact import client_logger
    client_logger().warning("posting to %s", f"{BASE}scope.json")
    assert caplog.records[-1].getMessage() == \
        "posting to https://portal.example.com/rest/7/***/scope.json"


def test_urllib3_request_lines_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    from provisioner.client.redact import client_logger
    client_logger()
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s %s', "https", "portal.example.com", 443, "GET",
        f"/oauth/token/?grant_type=refresh_token&client_secret={CLIENT_SECRET}"
        f"&refresh_token={REFRESH}", "HTTP/1.1", 200, 512)
    logging.getLogger("urllib3.connectionpool").debug(
        '%s "%s %s"', "https", "POST", f"/rest/7/{TOKEN}/scope.json")
    assert [r.getMessage() for r in caplog.records[-2:]] == [
        ('https://portal.example.com:443 "GET /oauth/token/?grant_type=refresh_token'
        '&client_secret=***&refresh_token=*** HTTP/1.1" 200 512'),
        'https "POST /rest/7/***/scope.json"']
