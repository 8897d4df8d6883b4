"""The app's side of the OAuth dance: clients for installed portals, checks of what callers send.

Nothing a request carries is trusted as an address: REST calls go to the origin the operator
configured (`--portal-url`), token refreshes (which carry the client secret) only to the known
OAuth servers. The install is accepted only when the portal is one of ours and the token pair
it brought refreshes with our client id and secret (the OAuth server issues a pair to one
application only) and the new token works on that portal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from provisioner.client import BitrixAPIError, BitrixClient, OAuthTokens
from provisioner.companion.storage import Installation, Storage

log = logging.getLogger("provisioner.companion")
OAUTH_SERVERS = ("https://oauth.bitrix.info", "https://oauth.bitrix24.tech")
PLACEMENT, EVENT = "CALL_CARD", "ONTASKUPDATE"


class Refused(Exception):
    """A request the app will not serve; the text is safe to show and log (no secrets)."""


def origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


@dataclass(frozen=True)
class AppSettings:
    """What the operator configures; the client secret stays out of the repr."""

    portals: tuple[str, ...]  # origins the app serves, e.g. https://example.bitrix24.ru
    client_id: str
    client_secret: str = field(repr=False)
    public_url: str = ""  # where the portal reaches the app (https://app.example.com)
    oauth_servers: tuple[str, ...] = OAUTH_SERVERS


class Portals:
    """Builds clients for installed portals and checks installs and widget calls."""

    def __init__(self, settings: AppSettings, storage: Storage,
                 session: Callable[[], requests.Session] = requests.Session,
                 now: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.storage = storage
        self._session = session
        self._now = now

    def endpoint_for(self, client_endpoint: str) -> str:
        wanted = origin(client_endpoint)
        for allowed in self.settings.portals:
            if origin(allowed) == wanted:
                return origin(allowed) + "/rest/"
        raise Refused(f"portal {wanted} is not one this app serves")

    def token_url(self, server_endpoint: str) -> str:
        wanted = origin(server_endpoint)
        if wanted not in {origin(s) for s in self.settings.oauth_servers}:
            raise Refused(f"OAuth server {wanted} is not a Bitrix24 OAuth server")
        return wanted + "/oauth/token/"

    def client(self, inst: Installation) -> Any:
        """The installed portal's client; a renewed pair is stored at once (refresh tokens
        work once)."""
        def keep(tokens: OAuthTokens) -> None:
            self.storage.update_tokens(inst.member_id, tokens.access_token, tokens.refresh_token)
        return BitrixClient.from_oauth(
            self.endpoint_for(inst.client_endpoint), inst.access_token, inst.refresh_token,
            self.settings.client_id, self.settings.client_secret, session=self._session(),
            on_tokens=keep, token_url=self.token_url(inst.server_endpoint))

    def install(self, auth: dict[str, str]) -> Installation:
        """Check and store an ONAPPINSTALL `auth` block; raises Refused."""
        missing = [k for k in ("member_id", "client_endpoint", "server_endpoint", "access_token",
                               "refresh_token", "application_token") if not auth.get(k)]
        if missing:
            raise Refused("the install event lacks " + ", ".join(missing))
        endpoint = self.endpoint_for(auth["client_endpoint"])
        access, refresh = self._refresh(auth["refresh_token"], auth["server_endpoint"])
        client = BitrixClient.from_oauth(endpoint, access, refresh, self.settings.client_id,
                                         self.settings.client_secret, session=self._session(),
                                         token_url=self.token_url(auth["server_endpoint"]))
        try:
            client.call("app.info")
        except BitrixAPIError as exc:
            raise Refused(f"the portal did not accept the app's token ({exc.error})") from None
        inst = Installation(auth["member_id"], urlsplit(endpoint).netloc, endpoint,
                            auth["server_endpoint"], auth["application_token"], access, refresh,
                            None, self._now())
        self.storage.save(inst)
        return inst

    def _refresh(self, refresh_token: str, server_endpoint: str) -> tuple[str, str]:
        """Trade the install's refresh token with our client id and secret (settings/oauth/
        index.md): only a pair issued to this app can be renewed so."""
        try:
            answer = self._session().get(self.token_url(server_endpoint), params={
                "grant_type": "refresh_token", "client_id": self.settings.client_id,
                "client_secret": self.settings.client_secret, "refresh_token": refresh_token},
                timeout=(10, 30), allow_redirects=False)
            body = answer.json()
        except (requests.RequestException, ValueError):
            raise Refused("the OAuth server could not be reached or answered badly") from None
        access = body.get("access_token") if isinstance(body, dict) else None
        renewed = body.get("refresh_token") if isinstance(body, dict) else None
        if not isinstance(access, str) or not isinstance(renewed, str) or not access:
            error = body.get("error") if isinstance(body, dict) else None
            raise Refused(f"the install's tokens are not this app's ({error or 'no tokens'})")
        return access, renewed

    def caller(self, inst: Installation, auth_id: str) -> int:
        """The user a widget's AUTH_ID belongs to, asked of the installed portal itself."""
        client = BitrixClient.from_oauth(self.endpoint_for(inst.client_endpoint), auth_id, "-",
                                         self.settings.client_id, self.settings.client_secret,
                                         session=self._session(),
                                         token_url=self.token_url(inst.server_endpoint))
        try:
            user = client.call("user.current").result
        except BitrixAPIError as exc:
            raise Refused(f"the portal did not accept the widget's token ({exc.error})") from None
        uid = user.get("ID") if isinstance(user, dict) else None
        if not str(uid or "").isdigit():
            raise Refused("the portal returned no user for the widget's token")
        return int(str(uid))


def ensure_bindings(client: Any, public_url: str, title: str, card: bool, guard: bool
                    ) -> list[str]:
    """Bind the CALL_CARD tab and the ONTASKUPDATE handler if they are not bound yet (the docs
    ask apps to bind in their installer: updates and reinstalls remove bindings). Returns what
    was bound."""
    base = public_url.rstrip("/")
    done: list[str] = []
    if card:
        rows = client.call("placement.get").result
        if not any(isinstance(r, dict) and r.get("placement") == PLACEMENT
                   and r.get("handler") == f"{base}/call-card" for r in rows or []):
            client.call("placement.bind", {"PLACEMENT": PLACEMENT, "HANDLER": f"{base}/call-card",
                                           "TITLE": title})
            done.append(f"placement {PLACEMENT}")
    if guard:
        rows = client.call("event.get").result
        if not any(isinstance(r, dict) and str(r.get("event")).upper() == EVENT
                   and r.get("handler") == f"{base}/event" for r in rows or []):
            client.call("event.bind", {"event": EVENT, "handler": f"{base}/event"})
            done.append(f"event {EVENT}")
    return done
