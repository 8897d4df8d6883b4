"""No redirect is followed, for reads or writes; the error says where the portal pointed (scheme,
host and port only: a Location may carry a token of its own)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses
from client_helpers import OAUTH_ENDPOINT, TOKEN, ok, url

from provisioner.client import BitrixClient, RedirectRefused

ELSEWHERE = "https://evil.example:8443/rest/7/{token}/batch.json?auth=l0cati0nt0ken"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("method", ["crm.status.list", "crm.status.add"])
def test_a_redirect_to_another_host_is_refused_and_not_followed(
        status: int, method: str, mocked: responses.RequestsMock,
        webhook: Callable[..., BitrixClient]) -> None:
    """Before: requests followed it, and a 307 re-sent the write, webhook code in the path,
    to evil.example."""
    target = ELSEWHERE.format(token=TOKEN)
    mocked.post(url(method), status=status, headers={"Location": target})
    mocked.post(target, json=ok(1))
    client = webhook()
    with pytest.raises(RedirectRefused) as info:
        client.call(method, {"fields": {"STATUS_ID": "X"}})
    assert [c.request.url for c in mocked.calls] == [url(method)]  # nothing sent elsewhere
    assert str(info.value) == (
        f"{method}: REDIRECT_REFUSED (provision's own code): the portal answered HTTP {status}, a redirect to "
        "https://evil.example:8443; provision follows no redirect (it would carry the webhook "
        "code or token along): use the address the portal answers at in the webhook URL or "
        f"portals.toml (HTTP {status})")
    assert TOKEN not in str(info.value) and "l0cati0nt0ken" not in str(info.value)
    assert info.value.maybe_committed is (method == "crm.status.add")
    assert client.stats.requests == 1 and client.stats.retries == 0


def test_a_redirect_from_https_to_http_on_the_same_host_is_refused(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    plain = url("batch").replace("https://", "http://")
    mocked.post(url("batch"), status=307, headers={"Location": plain})
    mocked.post(plain, json=ok({"result": {}}))
    with pytest.raises(RedirectRefused, match=r"a redirect to http://portal\.example\.com:80;"):
        webhook().batch({"a": ("crm.status.add", {})})
    assert len(mocked.calls) == 1


def test_a_relative_redirect_names_the_portal_itself(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("scope"), status=302, headers={"Location": "/auth/?backurl=/rest/"})
    with pytest.raises(RedirectRefused, match=r"a redirect to https://portal\.example\.com:443;"):
        webhook().call("scope")


def test_a_redirect_without_location_says_so(mocked: responses.RequestsMock,
                                             webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("scope"), status=302)
    with pytest.raises(RedirectRefused, match="a redirect without a Location;"):
        webhook().call("scope")


def test_the_oauth_token_is_not_carried_by_a_redirect(mocked: responses.RequestsMock) -> None:
    target = "http://evil.example/rest/batch.json"
    mocked.post(f"{OAUTH_ENDPOINT}batch.json", status=307, headers={"Location": target})
    mocked.post(target, json=ok({}))
    client = BitrixClient.from_oauth(OAUTH_ENDPOINT, "acc3ssT0ken", "refr3shT0ken", "app.1",
                                     "s3cret")
    with pytest.raises(RedirectRefused) as info:
        client.batch({"a": ("crm.status.list", {})})
    assert len(mocked.calls) == 1
    assert "acc3ssT0ken" not in str(info.value) and "http://evil.example:80" in str(info.value)


def test_the_token_refresh_follows_no_redirect(mocked: responses.RequestsMock) -> None:
    token_url = "https://oauth.bitrix.info/oauth/token/"
    mocked.post(f"{OAUTH_ENDPOINT}scope.json", status=401,
                json={"error": "expired_token", "error_description": "expired"})
    mocked.get(token_url, status=302, headers={"Location": "https://evil.example/collect"})
    mocked.get("https://evil.example/collect", json={})
    client = BitrixClient.from_oauth(OAUTH_ENDPOINT, "acc3ssT0ken", "refr3shT0ken", "app.1",
                                     "s3cret")
    with pytest.raises(RedirectRefused, match=r"^oauth\.token: REDIRECT_REFUSED \(provision's own code\): .* to "
                                              r"https://evil\.example:443;"):
        client.call("scope")
    assert [c.request.url.split("?")[0] for c in mocked.calls] == [
        f"{OAUTH_ENDPOINT}scope.json", token_url]

