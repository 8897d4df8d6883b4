"""The two ways to authenticate: an incoming webhook (code in the URL path) and OAuth (`auth`).

Both know the URL of a method, what to add to the body, and which strings are secret. OAuth
also refreshes: on `expired_token` the client calls `refresh()` once and repeats the call
(docs/portal-rules.md#authentication). Refresh tokens rotate, so the new pair goes to `on_tokens` at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from provisioner.client import errors
from provisioner.client.models import OAuthTokens
from provisioner.client.transport import Transport, as_int
from provisioner.client.urls import WebhookURL, check_scheme, normalize_endpoint

OAUTH_TOKEN_URL = "https://oauth.bitrix.info/oauth/token/"
TokenCallback = Callable[[OAuthTokens], None]


class Auth(Protocol):
    """What the client needs from an authentication method."""

    credential: str  # "webhook" or "app": where a missing scope is granted

    def url_for(self, method: str) -> str: ...

    def body(self, params: Mapping[str, Any]) -> dict[str, Any]: ...

    def secrets(self) -> tuple[str, ...]: ...

    def refresh(self, transport: Transport) -> bool: ...


class WebhookAuth:
    """`https://<portal>/rest/<user>/<code>/<method>.json`; nothing to refresh."""

    credential = "webhook"

    def __init__(self, url: WebhookURL) -> None:
        self._url = url

    def url_for(self, method: str) -> str:
        return f"{self._url.base}{method}.json"

    def body(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return dict(params)

    def secrets(self) -> tuple[str, ...]:
        return (self._url.code,)

    def refresh(self, transport: Transport) -> bool:  # noqa: ARG002  (the Auth signature)
        return False  # a webhook code does not expire by token; its errors are final

    def __repr__(self) -> str:
        return f"WebhookAuth({self._url.display})"


class OAuthAuth:
    """`<client_endpoint><method>.json` with the access token in the JSON body's `auth`."""

    credential = "app"

    def __init__(self, endpoint: str, tokens: OAuthTokens, client_id: str, client_secret: str,
                 on_tokens: TokenCallback | None = None,
                 token_url: str = OAUTH_TOKEN_URL) -> None:
        self.endpoint = normalize_endpoint(endpoint)
        self.tokens = tokens
        self.client_id = client_id
        self._client_secret = client_secret
        self._on_tokens = on_tokens
        check_scheme(token_url)
        self._token_url = token_url

    def url_for(self, method: str) -> str:
        return f"{self.endpoint}{method}.json"

    def body(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {**params, "auth": self.tokens.access_token}

    def secrets(self) -> tuple[str, ...]:
        return (self.tokens.access_token, self.tokens.refresh_token, self._client_secret)

    def refresh(self, transport: Transport) -> bool:
        """Trade the refresh token for a new pair, keep it and hand it to `on_tokens`."""
        status, body = transport.get_json(self._token_url, {
            "grant_type": "refresh_token", "client_id": self.client_id,
            "client_secret": self._client_secret, "refresh_token": self.tokens.refresh_token,
        }, method="oauth.token")
        if "error" in body:
            raise errors.from_body(body, method="oauth.token", status=status,
                                   secrets=self.secrets(), credential=self.credential)
        self.tokens = _tokens(body)
        if self._on_tokens is not None:
            self._on_tokens(self.tokens)
        return True

    def __repr__(self) -> str:
        return f"OAuthAuth({self.endpoint}, client_id={self.client_id!r})"


def _tokens(body: Mapping[str, Any]) -> OAuthTokens:
    access, refresh = body.get("access_token"), body.get("refresh_token")
    if not isinstance(access, str) or not isinstance(refresh, str) or not access or not refresh:
        raise errors.MalformedResponse(
            "MALFORMED_RESPONSE", "the token refresh answer has no access_token/refresh_token",
            method="oauth.token")
    endpoint = body.get("client_endpoint")
    scope = body.get("scope")
    return OAuthTokens(access_token=access, refresh_token=refresh,
                       expires=as_int(body.get("expires")),
                       client_endpoint=endpoint if isinstance(endpoint, str) else None,
                       scope=scope if isinstance(scope, str) else None)
