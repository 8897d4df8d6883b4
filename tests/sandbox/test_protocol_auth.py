"""Protocol: webhook and OAuth authentication, scopes, app-only methods (docs/portal-rules.md#authentication, #errors)."""

from __future__ import annotations

import pytest
import requests

from provisioner.sandbox import Sandbox

pytestmark = pytest.mark.usefixtures("test_methods")
BASE = "http://sandbox.invalid/rest/"


def _err(r: requests.Response) -> tuple[int, str, str]:
    body = r.json()
    return r.status_code, body["error"], body["error_description"]


def test_oauth_without_token_is_no_auth_found(http: requests.Session) -> None:
    assert _err(http.post(BASE + "test.echo", json={})) == (
        401, "NO_AUTH_FOUND", "Wrong authorization data")


def test_wrong_webhook_code_or_user(http: requests.Session, sb: Sandbox) -> None:
    token = sb.webhook_url.rstrip("/").rsplit("/", 1)[1]
    expected = (401, "INVALID_CREDENTIALS", "Invalid request credentials")
    assert _err(http.post(BASE + "1/wrongcode/test.echo", json={})) == expected
    assert _err(http.post(BASE + f"2/{token}/test.echo", json={})) == expected


def test_docs_statuses_switch_gives_403() -> None:
    sb = Sandbox.in_memory(docs_statuses=True)
    http = sb.session()
    assert _err(http.post(BASE + "1/wrongcode/test.echo")) == (
        403, "INVALID_CREDENTIALS", "Invalid request credentials")
    limited = sb.add_webhook(["user"])
    assert _err(http.post(limited + "test.crm"))[:2] == (403, "insufficient_scope")
    assert _err(http.post(sb.webhook_url + "test.app")) == (
        403, "WRONG_AUTH_TYPE",
        "Current authorization type is denied for this method Application context required")


def test_oauth_token_in_auth_param_access_token_param_and_bearer(
        http: requests.Session, sb: Sandbox) -> None:
    token = sb.oauth().access_token
    for r in (http.post(BASE + "test.echo", json={"auth": token, "x": 1}),
              http.get(BASE + "test.echo.json", params={"access_token": token, "x": "1"}),
              http.post(BASE + "test.echo", data={"auth": token, "x": "1"}),
              http.post(BASE + "test.echo", json={"x": 1},
                        headers={"Authorization": f"Bearer {token}"})):
        assert r.status_code == 200
        result = r.json()["result"]
        assert result["auth_type"] == "oauth"
        assert set(result["params"]) == {"x"}  # auth parameters never reach the handler
        assert r.headers["X-Bitrix-Rest-Application"] == sb.oauth().client_id


def test_unknown_oauth_token(http: requests.Session) -> None:
    assert _err(http.post(BASE + "test.echo", json={"auth": "0" * 32})) == (
        401, "invalid_token", "Unable to get application by token")


def test_expired_token_then_refresh_rotates_pair(http: requests.Session, sb: Sandbox) -> None:
    creds = sb.oauth()
    sb.expire_token(creds.access_token)
    assert _err(http.post(BASE + "test.echo", json={"auth": creds.access_token})) == (
        401, "expired_token", "The access token provided has expired")
    r = http.get("https://oauth.bitrix.info/oauth/token/", params={
        "grant_type": "refresh_token", "client_id": creds.client_id,
        "client_secret": creds.client_secret, "refresh_token": creds.refresh_token})
    assert r.status_code == 200
    pair = r.json()
    assert pair["expires_in"] == 3600 and pair["client_endpoint"] == BASE
    assert pair["access_token"] != creds.access_token
    assert http.post(BASE + "test.echo", json={"auth": pair["access_token"]}).status_code == 200
    # refresh tokens rotate: the old one no longer works
    again = http.get("https://oauth.bitrix.info/oauth/token/", params={
        "grant_type": "refresh_token", "client_id": creds.client_id,
        "client_secret": creds.client_secret, "refresh_token": creds.refresh_token})
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_token_expires_after_an_hour_on_the_clock(http: requests.Session, sb: Sandbox) -> None:
    token = sb.oauth().access_token
    assert http.post(BASE + "test.echo", json={"auth": token}).status_code == 200
    sb.clock.sleep(3601)
    assert _err(http.post(BASE + "test.echo", json={"auth": token}))[1] == "expired_token"


def test_refresh_with_wrong_secret(sb: Sandbox) -> None:
    from provisioner.sandbox.core import BitrixError
    with pytest.raises(BitrixError) as info:
        sb.refresh(sb.oauth().refresh_token, client_secret="nope")
    assert (info.value.status, info.value.error) == (401, "invalid_client")
    assert "nope" not in str(info.value)


def test_refresh_method_returns_new_pair(sb: Sandbox) -> None:
    old = sb.oauth()
    pair = sb.refresh(old.refresh_token)
    assert sb.oauth().access_token == pair["access_token"] != old.access_token


def test_limited_webhook_insufficient_scope(http: requests.Session, sb: Sandbox) -> None:
    limited = sb.add_webhook(["user"], user_id=3, admin=False)
    assert _err(http.post(limited + "test.crm", json={})) == (
        401, "insufficient_scope",
        "The request requires higher privileges than provided by the webhook token")
    assert http.post(limited + "scope", json={}).json()["result"] == ["user"]
    assert http.post(limited + "test.echo", json={}).json()["result"]["user"] == 3
    assert http.post(limited + "profile", json={}).json()["result"]["ADMIN"] is False
    assert http.post(limited + "method.get", json={"name": "test.crm"}).json()["result"] == {
        "isExisting": True, "isAvailable": False}


def test_oauth_insufficient_scope_text(http: requests.Session, sb: Sandbox) -> None:
    sb._mutate(lambda s: s.data["auth"]["tokens"][sb.oauth().access_token].update(scopes=["user"]))
    assert _err(http.post(BASE + "test.crm", json={"auth": sb.oauth().access_token})) == (
        401, "insufficient_scope",
        "The request requires higher privileges than provided by the access token")


def test_app_only_method_refuses_webhook(http: requests.Session, sb: Sandbox) -> None:
    assert _err(http.post(sb.webhook_url + "test.app", json={})) == (
        403, "WRONG_AUTH_TYPE", "Current authorization type is denied for this method")
    ok = http.post(BASE + "test.app", json={"auth": sb.oauth().access_token})
    assert ok.json()["result"] is True


def test_app_info_for_oauth(http: requests.Session, sb: Sandbox) -> None:
    info = http.post(BASE + "app.info", json={"auth": sb.oauth().access_token}).json()["result"]
    assert {"ID", "CODE", "VERSION", "STATUS", "INSTALLED", "LICENSE"} <= set(info)
    assert info["INSTALLED"] is True


def test_credentials_repr_hides_secrets(sb: Sandbox) -> None:
    creds = sb.oauth()
    text = repr(creds)
    for secret in (creds.access_token, creds.refresh_token, creds.client_secret):
        assert secret not in text
