"""event.bind/get/unbind and placement.bind/get/unbind: an application's event handlers and
widgets (docs/portal-rules.md#events-and-placements; docs api-reference/events/event-bind.md,
api-reference/events/event-get.md, api-reference/events/event-unbind.md, api-reference/widgets/placement-bind.md, api-reference/widgets/placement-get.md,
api-reference/widgets/placement-unbind.md, api-reference/widgets/telephony/call-card.md).

Application context only: a webhook gets WRONG_AUTH_TYPE (403, auth.authorize). Bindings belong
to the calling application (ctx.app_id). Not emulated: offline events, `events`,
`placement.list`, LANG_ALL per language (kept as sent), placements other than those listed.
"""
# ruff: noqa: ARG001  (every handler takes the registry's (ctx, params), used or not)

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from provisioner.sandbox import auth
from provisioner.sandbox.core import REGISTRY, BitrixError, CallContext, Result
from provisioner.sandbox.crm.common import as_int
from provisioner.sandbox.events import state

# placement code -> the scope that owns it (api-reference/widgets/telephony/call-card.md: `placement` + `telephony`)
PLACEMENTS = {"CALL_CARD": "telephony", "CRM_LEAD_DETAIL_TAB": "crm",
              "CRM_DEAL_DETAIL_TAB": "crm", "CRM_CONTACT_DETAIL_TAB": "crm",
              "CRM_COMPANY_DETAIL_TAB": "crm", "TASK_VIEW_TAB": "task"}
# event -> scope: an event of a scope the app lacks is ERROR_EVENT_NOT_FOUND (docs/portal-rules.md#eventbind)
EVENTS = {"ONTASKADD": "task", "ONTASKUPDATE": "task", "ONTASKDELETE": "task",
          "ONTASKCOMMENTADD": "task", "ONCRMLEADADD": "crm", "ONCRMCONTACTADD": "crm",
          "ONCRMCOMPANYADD": "crm", "ONCRMDEALADD": "crm", "ONCRMDEALUPDATE": "crm",
          "ONAPPINSTALL": "basic", "ONAPPUNINSTALL": "basic"}
_EV_DOC = "api-reference/events/event-{}.md"
_PL_DOC = "api-reference/widgets/placement-{}.md"


def _argument(name: str) -> BitrixError:
    return BitrixError("ERROR_ARGUMENT", f"Argument '{name}' is null or empty", 400,
                       {"argument": name})


def check_handler(url: Any, name: str = "HANDLER") -> str:
    """Absolute http(s) URL with a dotted host (docs/portal-rules.md#eventbind)."""
    text = str(url or "").strip()
    if not text:
        raise _argument(name)
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise BitrixError("ERROR_UNSUPPORTED_PROTOCOL", "Unsupported handler protocol", 400)
    if not parts.hostname or "." not in parts.hostname:
        raise BitrixError("ERROR_WRONG_HANDLER_URL", "Wrong handler URL", 400)
    return text


def _param(params: dict[str, Any], name: str) -> Any:
    """Keys are case-insensitive for these methods (docs/portal-rules.md#placementbind)."""
    return next((v for k, v in params.items() if str(k).upper() == name), None)


def _event_name(ctx: CallContext, params: dict[str, Any]) -> str:
    name = str(_param(params, "EVENT") or "").strip().upper()
    if not name:
        raise _argument("EVENT")
    scope = EVENTS.get(name)
    if scope is None or (scope != "basic" and scope not in ctx.scopes):
        raise BitrixError("ERROR_EVENT_NOT_FOUND", "Event not found", 400)
    return name


def _auth_type(ctx: CallContext, params: dict[str, Any], verb: str) -> int:
    value = as_int(_param(params, "AUTH_TYPE")) or 0
    if value not in (0, ctx.user_id) and not auth.is_admin(ctx.store, ctx.user_id):
        raise BitrixError("ACCESS_DENIED", f"Access denied! Event {verb} with AUTH_TYPE "
                          "requires administrator access rights", 403)
    return value


def _online(ctx: CallContext, params: dict[str, Any], verb: str) -> None:
    kind = str(_param(params, "EVENT_TYPE") or "online").lower()
    if kind not in ("online", "offline"):
        raise BitrixError("ERROR_ARGUMENT", "Value must be one of {online|offline}", 400)
    if kind == "offline":
        if not auth.is_admin(ctx.store, ctx.user_id):
            raise BitrixError("ACCESS_DENIED", f"Access denied! Offline events {verb} requires "
                              "administrator access rights", 403)
        raise BitrixError("ERROR_ARGUMENT", "Offline event cannot be registered for this "
                          "event.", 400)  # sandbox: offline events are not emulated


@REGISTRY.add("event.bind", scope="basic", app_only=True, write=True, doc=_EV_DOC.format("bind"))
def event_bind(ctx: CallContext, params: dict[str, Any]) -> Result:
    name = _event_name(ctx, params)
    _online(ctx, params, "binding")
    handler = check_handler(_param(params, "HANDLER"))
    who = _auth_type(ctx, params, "binding")
    rows = state(ctx.store)["events"]
    if any(r["app"] == ctx.app_id and r["event"] == name and r["handler"] == handler
           and r["auth_type"] == who for r in rows):
        raise BitrixError("ERROR_CORE", "Unable to set event handler: Handler already binded")
    rows.append({"id": ctx.store.next_id("event_handler"), "app": ctx.app_id, "event": name,
                 "handler": handler, "auth_type": who, "user_id": ctx.user_id})
    return Result(True)


def _visible(ctx: CallContext, row: dict[str, Any]) -> bool:
    """A non-admin sees (and removes) only the handlers bound under their own user."""
    return row["app"] == ctx.app_id and (auth.is_admin(ctx.store, ctx.user_id)
                                         or row["user_id"] == ctx.user_id)


@REGISTRY.add("event.get", scope="basic", app_only=True, doc=_EV_DOC.format("get"))
def event_get(ctx: CallContext, params: dict[str, Any]) -> Result:
    rows = [r for r in state(ctx.store)["events"] if _visible(ctx, r)]
    return Result([{"event": r["event"], "handler": r["handler"],
                    "auth_type": str(r["auth_type"]), "offline": 0} for r in rows])


@REGISTRY.add("event.unbind", scope="basic", app_only=True, write=True,
              doc=_EV_DOC.format("unbind"))
def event_unbind(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Removes what matches the given keys ("If no parameters are specified, all event
    handlers that meet the other requirements will be deleted"): `{"count": N}`."""
    _online(ctx, params, "unbinding")
    name = str(_param(params, "EVENT") or "").strip().upper()
    handler = str(_param(params, "HANDLER") or "").strip()
    given_type = _param(params, "AUTH_TYPE")
    who = _auth_type(ctx, params, "unbinding")
    rows = state(ctx.store)["events"]
    gone = [r for r in rows if _visible(ctx, r) and (not name or r["event"] == name)
            and (not handler or r["handler"] == handler)
            and (given_type is None or r["auth_type"] == who)]
    rows[:] = [r for r in rows if r not in gone]
    return Result({"count": len(gone)})


def _require_admin(ctx: CallContext) -> None:
    if not auth.is_admin(ctx.store, ctx.user_id):
        raise BitrixError("ACCESS_DENIED", "Access denied!", 403)


def _placement(ctx: CallContext, params: dict[str, Any]) -> str:
    raw = _param(params, "PLACEMENT")
    if raw is None or raw == "":
        raise _argument("PLACEMENT")
    if not isinstance(raw, str):
        raise BitrixError("ERROR_ARGUMENT", "The value of an argument 'PLACEMENT' must be of "
                          "type string", 400, {"argument": "PLACEMENT"})
    code = raw.strip().upper()
    if code == "DEFAULT":
        raise BitrixError("ERROR_ARGUMENT", "Wrong value", 400, {"argument": "PLACEMENT"})
    if PLACEMENTS.get(code) not in ctx.scopes:
        raise BitrixError("ERROR_PLACEMENT_NOT_FOUND", "Placement not found", 400)
    return code


@REGISTRY.add("placement.bind", scope="placement", app_only=True, write=True,
              doc=_PL_DOC.format("bind"))
def placement_bind(ctx: CallContext, params: dict[str, Any]) -> Result:
    _require_admin(ctx)
    code = _placement(ctx, params)
    handler = check_handler(_param(params, "HANDLER"))
    if _param(params, "USER_ID") not in (None, "", 0, "0"):
        raise BitrixError("ERROR_PLACEMENT_USER_MODE", "User mode is not available", 400)
    rows = state(ctx.store)["placements"]
    if any(r["app"] == ctx.app_id and r["placement"] == code and r["handler"] == handler
           for r in rows):
        raise BitrixError("ERROR_CORE", "Unable to set placement handler: Handler already binded")
    lang_all = _param(params, "LANG_ALL")
    rows.append({"id": ctx.store.next_id("placement"), "app": ctx.app_id, "placement": code,
                 "handler": handler, "title": str(_param(params, "TITLE") or ""),
                 "description": str(_param(params, "DESCRIPTION") or ""),
                 "langAll": lang_all if isinstance(lang_all, dict) else {}})
    return Result(True)  # api-reference/widgets/telephony/call-card.md: OPTIONS are not retained for CALL_CARD


@REGISTRY.add("placement.get", scope="placement", app_only=True, doc=_PL_DOC.format("get"))
def placement_get(ctx: CallContext, params: dict[str, Any]) -> Result:
    _require_admin(ctx)
    return Result([{"placement": r["placement"], "userId": 0, "handler": r["handler"],
                    "options": [], "title": r["title"], "description": r["description"],
                    "langAll": r["langAll"]}
                   for r in state(ctx.store)["placements"] if r["app"] == ctx.app_id])


@REGISTRY.add("placement.unbind", scope="placement", app_only=True, write=True,
              doc=_PL_DOC.format("unbind"))
def placement_unbind(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Without HANDLER every handler of the app for the placement goes: `{"count": N}`."""
    _require_admin(ctx)
    code = _placement(ctx, params)
    handler = str(_param(params, "HANDLER") or "").strip()
    rows = state(ctx.store)["placements"]
    gone = [r for r in rows if r["app"] == ctx.app_id and r["placement"] == code
            and (not handler or r["handler"] == handler)]
    rows[:] = [r for r in rows if r not in gone]
    return Result({"count": len(gone)})
