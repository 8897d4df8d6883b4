"""Who is calling the sandbox: incoming webhooks and OAuth tokens, scopes, auth-phase errors.

State lives in the store section "auth" (seeded below). Codes, texts and statuses follow
docs/portal-rules.md#authentication and #errors (docs: settings/oauth/error-codes.md, local-integrations/
local-webhooks.md, S21 rest/lib/oauth/auth.php). Tokens are secrets: they stay in the state file
and are never part of a message or a repr.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from provisioner.sandbox.core import BitrixError, Method
from provisioner.sandbox.store import Store, seeder

# docs: api-reference/scopes/permissions.md — the scopes a sandbox portal offers.
ALL_SCOPES: tuple[str, ...] = (
    "bizproc", "crm", "department", "entity", "log", "placement", "task", "telephony", "user",
    "user_basic", "user_brief", "userfieldconfig",
)
ACCESS_TTL = 3600.0  # docs: settings/oauth/index.md — access token lives one hour
REFRESH_TTL = 180 * 86400.0  # docs: refresh token lives 180 days
SANDBOX_APP_CODE = "provision.sandbox"


@dataclass(frozen=True)
class Caller:
    """An authenticated caller; the token is kept out of the repr."""

    user_id: int
    auth_type: str  # "webhook" or "oauth"
    scopes: frozenset[str]
    app_id: str | None = None
    token: str = field(default="", repr=False)


@dataclass(frozen=True)
class Credentials:
    """What a request carried: a webhook path pair and/or an OAuth access token."""

    webhook_user: str | None = None
    webhook_code: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)


def section(store: Store) -> dict[str, Any]:
    """The auth section, seeded on first use for state files made before it existed."""
    if "auth" not in store.data:
        seed_auth(store)
    auth: dict[str, Any] = store.data["auth"]
    return auth


@seeder
def seed_auth(store: Store) -> None:
    """One admin webhook for user 1 with every scope, one OAuth app with a fresh token pair."""
    auth: dict[str, Any] = {"webhooks": [], "admins": [1], "apps": [], "tokens": {},
                            "refresh": {}}
    store.data["auth"] = auth
    add_webhook(store, ALL_SCOPES, user_id=1)
    client_id = "local." + secrets.token_hex(8)
    app = {"id": 1, "client_id": client_id,
           "client_secret": secrets.token_urlsafe(24), "code": SANDBOX_APP_CODE, "version": 1,
           "status": "L", "scopes": list(ALL_SCOPES)}
    auth["apps"].append(app)
    issue_pair(store, client_id, 1, time.time())


def add_webhook(store: Store, scopes: tuple[str, ...] | list[str], *, user_id: int = 1,
                admin: bool | None = None) -> dict[str, Any]:
    """Create an incoming webhook; `admin` also marks (or unmarks) its user as a portal admin."""
    auth = section(store)
    hook = {"id": len(auth["webhooks"]) + 1, "user_id": user_id,
            "token": secrets.token_hex(8), "scopes": sorted(set(scopes))}
    auth["webhooks"].append(hook)
    admins: list[int] = auth["admins"]
    if admin is True and user_id not in admins:
        admins.append(user_id)
    if admin is False and user_id in admins:
        admins.remove(user_id)
    return hook


def is_admin(store: Store, user_id: int) -> bool:
    return user_id in section(store)["admins"]


def default_webhook(store: Store) -> dict[str, Any]:
    hook: dict[str, Any] = section(store)["webhooks"][0]
    return hook


def default_app(store: Store) -> dict[str, Any]:
    app: dict[str, Any] = section(store)["apps"][0]
    return app


def issue_pair(store: Store, client_id: str, user_id: int, now: float) -> dict[str, Any]:
    """A new access/refresh pair for an application (the OAuth server's job on the real cloud)."""
    auth = section(store)
    app = _app_by_client(auth, client_id)
    access, refresh = secrets.token_hex(16), secrets.token_hex(16)
    auth["tokens"][access] = {"client_id": client_id, "user_id": user_id,
                              "expires": now + ACCESS_TTL, "scopes": list(app["scopes"])}
    auth["refresh"][refresh] = {"client_id": client_id, "user_id": user_id,
                                "expires": now + REFRESH_TTL}
    return {"access_token": access, "refresh_token": refresh, "expires": int(now + ACCESS_TTL),
            "expires_in": int(ACCESS_TTL), "scope": ",".join(app["scopes"]),
            "domain": "oauth.bitrix.info", "server_endpoint": "https://oauth.bitrix.info/rest/",
            "status": app["status"], "member_id": "sandbox", "user_id": user_id}


def current_pair(store: Store) -> tuple[str, str]:
    """The newest access and refresh token of the sandbox app (for tests and the CLI)."""
    auth = section(store)
    return list(auth["tokens"])[-1], list(auth["refresh"])[-1]


def refresh(store: Store, params: dict[str, Any], now: float) -> dict[str, Any]:
    """grant_type=refresh_token: rotate the pair; the old refresh token stops working.

    docs: settings/oauth/index.md, settings/oauth/error-codes.md (errors as BitrixError).
    """
    auth = section(store)
    if params.get("grant_type") != "refresh_token":
        raise BitrixError("invalid_request", "Unsupported grant_type", 400)
    app = next((a for a in auth["apps"] if a["client_id"] == params.get("client_id")), None)
    if app is None or not hmac.compare_digest(str(params.get("client_secret", "")),
                                              app["client_secret"]):
        raise BitrixError("invalid_client", "Invalid client credentials", 401)
    grant = auth["refresh"].get(str(params.get("refresh_token", "")))
    if grant is None or grant["client_id"] != app["client_id"] or grant["expires"] < now:
        raise BitrixError("invalid_grant", "Invalid refresh token", 400)
    del auth["refresh"][str(params["refresh_token"])]
    return issue_pair(store, app["client_id"], grant["user_id"], now)


def expire_access_token(store: Store, token: str | None = None) -> None:
    """Make one access token (default: all of them) expired, as an hour passing would."""
    for key, grant in section(store)["tokens"].items():
        if token is None or key == token:
            grant["expires"] = 0.0


def authenticate(store: Store, creds: Credentials, now: float, docs_statuses: bool) -> Caller:
    """Resolve the caller or raise the portal's auth-phase error (docs/portal-rules.md#errors)."""
    auth = section(store)
    if creds.webhook_user is not None:
        return _webhook_caller(auth, creds, docs_statuses)
    if not creds.access_token:
        # docs: settings/how-to-call-rest-api/general-principles.md, error-codes.md
        raise BitrixError("NO_AUTH_FOUND", "Wrong authorization data", 401)
    grant = auth["tokens"].get(creds.access_token)
    if grant is None:
        # b24pysdk / real portal text for an unknown token (docs/portal-rules.md#errors [P])
        raise BitrixError("invalid_token", "Unable to get application by token", 401)
    if grant["expires"] <= now:
        # docs: settings/oauth/index.md "auto-renewal" — refresh and repeat on expired_token
        raise BitrixError("expired_token", "The access token provided has expired", 401)
    return Caller(grant["user_id"], "oauth", frozenset(grant["scopes"]), grant["client_id"],
                  creds.access_token)


def _webhook_caller(auth: dict[str, Any], creds: Credentials, docs_statuses: bool) -> Caller:
    code = creds.webhook_code or ""
    for hook in auth["webhooks"]:
        if hmac.compare_digest(hook["token"], code) and str(hook["user_id"]) == creds.webhook_user:
            return Caller(hook["user_id"], "webhook", frozenset(hook["scopes"]), None, code)
    # S21 rest/lib/apauth/auth.php: 401; the docs' error table says 403 (switch).
    raise BitrixError("INVALID_CREDENTIALS", "Invalid request credentials",
                      403 if docs_statuses else 401)


def authorize(caller: Caller, method: Method, docs_statuses: bool) -> None:
    """Method-level checks after auth: application context, then scope."""
    if method.app_only and caller.auth_type == "webhook":
        # docs: api-reference/widgets/placement-unbind.md quotes the suffix; S21 AuthTypeException omits it.
        suffix = " Application context required" if docs_statuses else ""
        raise BitrixError("WRONG_AUTH_TYPE",
                          "Current authorization type is denied for this method" + suffix, 403)
    if method.scope != "basic" and method.scope not in caller.scopes:
        # S21 OAuthException 401; docs error-codes.md say 403 (switch).
        holder = "webhook token" if caller.auth_type == "webhook" else "access token"
        raise BitrixError("insufficient_scope",
                          f"The request requires higher privileges than provided by the {holder}",
                          403 if docs_statuses else 401)


def _app_by_client(auth: dict[str, Any], client_id: str) -> dict[str, Any]:
    app: dict[str, Any] = next(a for a in auth["apps"] if a["client_id"] == client_id)
    return app
