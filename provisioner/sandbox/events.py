"""Events and applications of the sandbox: bindings, the delivery queue, local apps, widgets.

State: store section `apps_extra` = {"portal": {base_url, domain, member_id},
"tokens": {client_id: application_token}, "events": [binding], "placements": [binding]}.
Delivery follows api-reference/events/index.md: a POST, form-encoded
(`application/x-www-form-urlencoded`, PHP bracket keys), with `event`, `event_handler_id`,
`data`, `ts` and `auth` (tokens of the user who caused the event, `application_token`). The
real portal queues events and posts them a little later; here a thread per delivery posts to
the handler once the call that caused it is over. The sandbox delivers to loopback addresses
only (never the network); other handlers are recorded as not delivered.

Not a Bitrix API: `create_local_app` and `placement_form` stand in for the administrator's form
(Applications > Developer resources > Other > Local application) and for the browser frame
that opens a widget; tests and demos call them, the product never does.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from provisioner.client.encoding import php_query
from provisioner.sandbox import auth
from provisioner.sandbox.store import Store

log = logging.getLogger(__name__)
SECTION = "apps_extra"
SERVER_ENDPOINT = "https://oauth.bitrix.info/rest/"
DELIVERY_TIMEOUT = 10.0
_lock = threading.Lock()
_threads: list[threading.Thread] = []
DELIVERED: list[tuple[str, str, int]] = []  # (event, handler, HTTP status or 0: not delivered)


class ControlError(Exception):
    """A control-surface request the portal's UI would not allow."""


def state(store: Store) -> dict[str, Any]:
    data: dict[str, Any] = store.section(SECTION, {})
    data.setdefault("portal", {"base_url": "http://sandbox.invalid", "domain": "sandbox.invalid",
                               "member_id": "sandbox"})
    for name, empty in (("tokens", {}), ("events", []), ("placements", [])):
        data.setdefault(name, type(empty)())
    return data


def portal(store: Store) -> dict[str, str]:
    found: dict[str, str] = state(store)["portal"]
    return found


def app_of(store: Store, client_id: str | None) -> dict[str, Any] | None:
    return next((a for a in auth.section(store)["apps"] if a["client_id"] == client_id), None)


@dataclass(frozen=True)
class LocalApp:
    """What the local-app form shows after saving (secrets out of the repr)."""

    client_id: str
    client_secret: str = ""

    def __repr__(self) -> str:
        return f"LocalApp({self.client_id!r})"


def create_local_app(store: Store, base_url: str, scopes: list[str],
                     user_id: int = 1) -> LocalApp:
    """An administrator saves a local "uses API only" app: the form shows client_id and
    client_secret (local-integrations/serverside-local-app-with-no-ui.md)."""
    if not auth.is_admin(store, user_id):
        raise ControlError("only an administrator can add a local application")
    host = urlsplit(base_url).netloc or "sandbox.invalid"
    state(store)["portal"] = {"base_url": base_url.rstrip("/"), "domain": host,
                              "member_id": portal(store)["member_id"]}
    client_id = f"local.{secrets.token_hex(7)}.{len(auth.section(store)['apps']) + 1}"
    app: dict[str, Any] = {"id": len(auth.section(store)["apps"]) + 1, "client_id": client_id,
                           "client_secret": secrets.token_urlsafe(24), "code": client_id,
                           "version": 1, "status": "L", "scopes": sorted(set(scopes))}
    auth.section(store)["apps"].append(app)
    return LocalApp(client_id, str(app["client_secret"]))


def install_app(store: Store, client_id: str, install_url: str, user_id: int = 1) -> None:
    """The app is (re)installed: its earlier bindings are gone ("set them again in the installer
    of every version", api-reference/events/event-bind.md) and the portal posts ONAPPINSTALL, with a token pair of
    the installing user, to the initial installation path (settings/app-installation/
    local-apps/installation-callback.md)."""
    app = app_of(store, client_id)
    if app is None:
        raise ControlError("no such local application")
    data = state(store)
    for name in ("events", "placements"):
        data[name] = [b for b in data[name] if b["app"] != client_id]
    data["tokens"][client_id] = secrets.token_hex(16)
    body = {"VERSION": "1", "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": "ru"}
    deliver(store, app, "ONAPPINSTALL", body, user_id, install_url, handler_id=0, refresh=True)


def event_auth(store: Store, app: dict[str, Any], user_id: int | None,
               refresh: bool = False) -> dict[str, Any]:
    """The `auth` block (api-reference/events/index.md, _includes/auth-params-in-events.md)."""
    where = portal(store)
    out: dict[str, Any] = {"domain": where["domain"], "server_endpoint": SERVER_ENDPOINT,
                           "status": app["status"], "client_endpoint": f"{where['base_url']}/rest/",
                           "member_id": where["member_id"],
                           "application_token": state(store)["tokens"][app["client_id"]]}
    if user_id:  # no user (a robot, an agent): no tokens (api-reference/events/index.md)
        pair = auth.issue_pair(store, app["client_id"], user_id, time.time())
        out = {"access_token": pair["access_token"], "expires_in": str(pair["expires_in"]),
               "scope": pair["scope"], **out}
        if refresh:
            out["refresh_token"] = pair["refresh_token"]
    return out


def fire(store: Store, event: str, data: dict[str, Any], user_id: int) -> None:
    """Queue `event` for every handler bound to it (online bindings)."""
    for binding in state(store)["events"]:
        if binding["event"] != event.upper():
            continue
        app = app_of(store, binding["app"])
        if app is None:
            continue
        who = int(binding["auth_type"]) or user_id
        deliver(store, app, event.upper(), data, who, binding["handler"], binding["id"])


def deliver(store: Store, app: dict[str, Any], event: str, data: dict[str, Any],
            user_id: int | None, url: str, handler_id: int, refresh: bool = False) -> None:
    body = {"event": event, "event_handler_id": str(handler_id), "data": data,
            "ts": str(int(time.time())), "auth": event_auth(store, app, user_id, refresh)}
    thread = threading.Thread(target=_post, args=(event, url, php_query(body)),
                              name=f"sandbox-event-{event}", daemon=True)
    with _lock:
        _threads.append(thread)
    thread.start()


def _post(event: str, url: str, form: str) -> None:
    status = 0
    if is_loopback(url):
        try:
            answer = requests.post(url, data=form.encode(), timeout=DELIVERY_TIMEOUT,
                                   allow_redirects=False, headers={
                                       "Content-Type": "application/x-www-form-urlencoded"})
            status = answer.status_code
        except requests.RequestException as exc:
            log.warning("sandbox: event %s not delivered: %s", event, type(exc).__name__)
    with _lock:
        DELIVERED.append((event, url, status))


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def drain(timeout: float = 10.0) -> None:
    """Wait until every queued delivery (and the ones they caused) has been posted."""
    deadline = time.monotonic() + timeout
    while True:
        with _lock:
            pending = [t for t in _threads if t.is_alive()]
            _threads[:] = pending
        if not pending:
            return
        for thread in pending:
            thread.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            raise TimeoutError("sandbox: event deliveries still running")


def placement_form(store: Store, client_id: str, placement: str, user_id: int,
                   options: dict[str, Any] | str) -> tuple[str, dict[str, str]]:
    """The widget's frame opens: the handler URL (with DOMAIN, PROTOCOL, LANG, APP_SID) and the
    POST body (widgets/_includes/widget_data.md); `options` may be a malformed string."""
    app = app_of(store, client_id)
    bound = [b for b in state(store)["placements"]
             if b["app"] == client_id and b["placement"] == placement]
    if app is None or not bound:
        raise ControlError(f"no {placement} handler is bound: the portal shows no such widget")
    where = portal(store)
    pair = auth.issue_pair(store, client_id, user_id, time.time())
    query = php_query({"DOMAIN": where["domain"], "PROTOCOL": "0", "LANG": "ru",
                       "APP_SID": secrets.token_hex(16)})
    handler = bound[0]["handler"]
    url = f"{handler}{'&' if '?' in handler else '?'}{query}"
    body = {"AUTH_ID": pair["access_token"], "AUTH_EXPIRES": "3600",
            "REFRESH_ID": pair["refresh_token"], "SERVER_ENDPOINT": SERVER_ENDPOINT,
            "APPLICATION_TOKEN": state(store)["tokens"][client_id],
            "APPLICATION_SCOPE": ",".join(app["scopes"]), "member_id": where["member_id"],
            "status": app["status"], "PLACEMENT": placement,
            "PLACEMENT_OPTIONS": options if isinstance(options, str) else json.dumps(options)}
    return url, body
