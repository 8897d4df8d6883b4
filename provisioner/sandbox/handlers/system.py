"""Basic methods every token may call: scope, methods, method.get, app.info, profile.

docs: api-reference/common/system/{scope,methods,method-get,app-info}.md,
api-reference/common/users/profile.md (docs/portal-rules.md#scopes).
"""
# ruff: noqa: ARG001  (every handler takes the registry's (ctx, params), used or not)

from __future__ import annotations

from typing import Any

from provisioner.sandbox import auth
from provisioner.sandbox.core import REGISTRY, CallContext, Result

LICENSE = "en_project"  # sandbox value: a non-enterprise cloud plan (2 req/s bucket)


def _flag(params: dict[str, Any], name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "n")
    return bool(value)


def _available(ctx: CallContext, scope: str) -> bool:
    return scope == "basic" or scope in ctx.scopes


@REGISTRY.add("scope", "basic", doc="api-reference/common/system/scope.md")
def scope(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Granted scopes; `full=true` lists every scope of the portal."""
    if _flag(params, "full"):
        return Result(sorted(auth.ALL_SCOPES))
    return Result(sorted(ctx.scopes))


@REGISTRY.add("methods", "basic", doc="api-reference/common/system/methods.md")
def methods(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Method names: of one `scope`, all (`full`), or by default those callable now."""
    wanted = params.get("scope")
    rows = sorted(REGISTRY.methods.values(), key=lambda m: m.name)
    if isinstance(wanted, str) and wanted:
        return Result([m.name for m in rows if m.scope == wanted.lower()])
    if _flag(params, "full"):
        return Result([m.name for m in rows])
    return Result([m.name for m in rows if _available(ctx, m.scope)])


@REGISTRY.add("method.get", "basic", doc="api-reference/common/system/method-get.md")
def method_get(ctx: CallContext, params: dict[str, Any]) -> Result:
    """`{"isExisting", "isAvailable"}` for the method in `name`."""
    found = REGISTRY.get(str(params.get("name", "")))
    available = found is not None and _available(ctx, found.scope) and not (
        found.app_only and ctx.auth_type == "webhook")
    return Result({"isExisting": found is not None, "isAvailable": available})


@REGISTRY.add("app.info", "basic", doc="api-reference/common/system/app-info.md")
def app_info(ctx: CallContext, params: dict[str, Any]) -> Result:
    """For a webhook: its scopes and the licence; for an app: the app record (S21 appInfo)."""
    if ctx.auth_type == "webhook":
        return Result({"SCOPE": sorted(ctx.scopes), "LICENSE": LICENSE})
    app: dict[str, Any] = next((a for a in auth.section(ctx.store)["apps"] if a["client_id"] == ctx.app_id), {})
    return Result({"ID": app.get("id"), "CODE": app.get("code"), "VERSION": app.get("version"),
                   "STATUS": app.get("status"), "INSTALLED": True, "PAYMENT_EXPIRED": "N",
                   "DAYS": None, "LANGUAGE_ID": "en", "LICENSE": LICENSE,
                   "LICENSE_TYPE": LICENSE.split("_", 1)[1],
                   "LICENSE_FAMILY": LICENSE.split("_", 1)[1]})


@REGISTRY.add("profile", "basic", doc="api-reference/common/users/profile.md")
def profile(ctx: CallContext, params: dict[str, Any]) -> Result:
    """The calling user, read from whatever user records the store holds."""
    user = _user_record(ctx.store.data.get("users"), ctx.user_id)
    return Result({"ID": str(ctx.user_id), "ADMIN": auth.is_admin(ctx.store, ctx.user_id),
                   "NAME": user.get("NAME", ""), "LAST_NAME": user.get("LAST_NAME", ""),
                   "PERSONAL_GENDER": user.get("PERSONAL_GENDER", ""),
                   "PERSONAL_PHOTO": user.get("PERSONAL_PHOTO", ""),
                   "TIME_ZONE": user.get("TIME_ZONE", ""), "TIME_ZONE_OFFSET": 0})


def _user_record(users: Any, user_id: int) -> dict[str, Any]:
    """Find a user in a dict keyed by id or a list of rows with ID (the seed's shape may vary)."""
    rows: list[Any] = list(users.values()) if isinstance(users, dict) else (
        users if isinstance(users, list) else [])
    for row in rows:
        if isinstance(row, dict) and str(row.get("ID", row.get("id"))) == str(user_id):
            return row
    return {}
