"""App-only automation methods: an app's own robot types and trigger types (b.8).

docs: api-reference/bizproc/bizproc-robot/*.md, api-reference/crm/automation/triggers/*.md.
Registrations belong to the calling application (ctx.app_id). These methods never read or write
the robots placed on stages or the triggers bound to stages: the real portal has no such method.
Not emulated: the HANDLER must share the app's domain (the sandbox does not know app domains).
"""
# ruff: noqa: ARG001  (every handler takes the registry's (ctx, params), used or not)

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlparse

from provisioner.sandbox import auth
from provisioner.sandbox.automation_store import state
from provisioner.sandbox.core import REGISTRY, BitrixError, CallContext, Result
from provisioner.sandbox.crm.common import is_crm_admin

_ROBOT_CODE = re.compile(r"^[a-zA-Z0-9._-]+$")
_PROPERTY_KEY = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")
_TRIGGER_CODE = re.compile(r"^[a-z0-9.\-_]+$")
_ROBOT_FIELDS = ("HANDLER", "AUTH_USER_ID", "USE_SUBSCRIPTION", "NAME", "DESCRIPTION",
                 "PROPERTIES", "RETURN_PROPERTIES", "DOCUMENT_TYPE", "FILTER", "USE_PLACEMENT",
                 "PLACEMENT_HANDLER")
_DOC_ROBOT = "api-reference/bizproc/bizproc-robot/bizproc-robot-{}.md"
_DOC_TRIGGER = "api-reference/crm/automation/triggers/crm-automation-trigger-{}.md"


def _invalid(text: str) -> BitrixError:
    return BitrixError("ERROR_ACTIVITY_VALIDATION_FAILURE", text, 400)


def _require_bizproc_admin(ctx: CallContext) -> None:
    if not auth.is_admin(ctx.store, ctx.user_id):
        raise BitrixError("ACCESS_DENIED", "Access denied!", 403)


def _app_robots(ctx: CallContext) -> dict[str, dict[str, Any]]:
    per_app: dict[str, dict[str, dict[str, Any]]] = state(ctx.store)["app_robots"]
    return per_app.setdefault(ctx.app_id or "", {})


def _robot_code(params: dict[str, Any]) -> str:
    code = str(params.get("CODE") or "")
    if not code:
        raise _invalid("Empty activity code!")
    if not _ROBOT_CODE.match(code):
        raise _invalid("Wrong activity code!")
    return code


def _check_handler(url: Any) -> None:
    parsed = urlparse(str(url or ""))
    if parsed.scheme not in ("http", "https"):
        raise BitrixError("ERROR_UNSUPPORTED_PROTOCOL", "Unsupported handler protocol", 400)
    if not parsed.hostname:
        raise BitrixError("ERROR_WRONG_HANDLER_URL", "Wrong handler URL", 400)


def _check_properties(props: Any) -> None:
    if props in (None, "", []):
        return
    if not isinstance(props, dict):
        raise _invalid("Wrong properties array!")
    for key, prop in props.items():
        if not _PROPERTY_KEY.match(str(key)):
            raise _invalid(f"Wrong property key {key}!")
        if not isinstance(prop, dict) or not prop.get("Name"):
            raise _invalid(f"Empty property NAME {key}!")


def _check_robot_fields(fields: dict[str, Any], adding: bool) -> None:
    if adding or "HANDLER" in fields:
        _check_handler(fields.get("HANDLER"))
    if (adding or "NAME" in fields) and not fields.get("NAME"):
        raise _invalid("Empty activity NAME!")
    _check_properties(fields.get("PROPERTIES"))
    _check_properties(fields.get("RETURN_PROPERTIES"))
    if "FILTER" in fields and not isinstance(fields["FILTER"], dict):
        raise _invalid("Wrong activity FILTER!")


@REGISTRY.add("bizproc.robot.add", scope="bizproc", app_only=True, write=True,
              doc=_DOC_ROBOT.format("add"))
def robot_add(ctx: CallContext, params: dict[str, Any]) -> Result:
    _require_bizproc_admin(ctx)
    if not params:
        raise _invalid("Empty data!")
    code = _robot_code(params)
    _check_robot_fields(params, adding=True)
    robots = _app_robots(ctx)
    if code in robots:
        raise BitrixError("ERROR_ACTIVITY_ALREADY_INSTALLED",
                          "Activity or Robot already installed!", 400)
    internal = hashlib.md5(f"{ctx.app_id}@{code}".encode()).hexdigest()
    robots[code] = {"CODE": code, "APP_ID": ctx.app_id, "INTERNAL_CODE": internal,
                    "IS_ROBOT": "Y", **{k: params[k] for k in _ROBOT_FIELDS if k in params}}
    return Result(True)


@REGISTRY.add("bizproc.robot.update", scope="bizproc", app_only=True, write=True,
              doc=_DOC_ROBOT.format("update"))
def robot_update(ctx: CallContext, params: dict[str, Any]) -> Result:
    _require_bizproc_admin(ctx)
    code = _robot_code(params)
    robots = _app_robots(ctx)
    if code not in robots:
        raise BitrixError("ERROR_ACTIVITY_NOT_FOUND", "Activity or Robot not found!", 400)
    fields = params.get("FIELDS")
    if not isinstance(fields, dict) or not fields:
        raise _invalid("Empty data!")
    _check_robot_fields(fields, adding=False)
    robots[code].update({k: fields[k] for k in _ROBOT_FIELDS if k in fields})
    return Result(True)


@REGISTRY.add("bizproc.robot.delete", scope="bizproc", app_only=True, write=True,
              doc=_DOC_ROBOT.format("delete"))
def robot_delete(ctx: CallContext, params: dict[str, Any]) -> Result:
    _require_bizproc_admin(ctx)
    code = _robot_code(params)
    if _app_robots(ctx).pop(code, None) is None:
        raise BitrixError("ERROR_ACTIVITY_NOT_FOUND", "Activity or Robot not found!", 400)
    return Result(True)


@REGISTRY.add("bizproc.robot.list", scope="bizproc", app_only=True,
              doc=_DOC_ROBOT.format("list"))
def robot_list(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Only the calling app's codes: definitions cannot be read back (b.8)."""
    _require_bizproc_admin(ctx)
    return Result(sorted(_app_robots(ctx)))


def _require_trigger_admin(ctx: CallContext) -> None:
    if not is_crm_admin(ctx):
        raise BitrixError("ACCESS_DENIED", "Access denied! Admin permissions required", 400)


def _trigger_code(params: dict[str, Any]) -> str:
    code = str(params.get("CODE") or "")
    if not code:
        raise BitrixError("", "Empty trigger code!", 400)
    if not _TRIGGER_CODE.match(code):
        raise BitrixError("", "Wrong trigger code!", 400)
    return code


def _app_triggers(ctx: CallContext) -> list[dict[str, Any]]:
    per_app: dict[str, list[dict[str, Any]]] = state(ctx.store)["app_triggers"]
    return per_app.setdefault(ctx.app_id or "", [])


@REGISTRY.add("crm.automation.trigger.add", scope="crm", app_only=True, write=True,
              doc=_DOC_TRIGGER.format("add"))
def trigger_add(ctx: CallContext, params: dict[str, Any]) -> Result:
    """An existing CODE only renames (docs)."""
    _require_trigger_admin(ctx)
    code = _trigger_code(params)
    name = str(params.get("NAME") or "")
    if not name:
        raise BitrixError("", "Empty trigger name!", 400)
    rows = _app_triggers(ctx)
    for row in rows:
        if row["CODE"] == code:
            row["NAME"] = name
            return Result(True)
    rows.append({"ID": ctx.store.next_id("crm_automation_trigger_app"), "CODE": code,
                 "NAME": name})
    return Result(True)


@REGISTRY.add("crm.automation.trigger.list", scope="crm", app_only=True,
              doc=_DOC_TRIGGER.format("list"))
def trigger_list(ctx: CallContext, params: dict[str, Any]) -> Result:
    """The app's trigger types (NAME, CODE); never the triggers bound to stages."""
    _require_trigger_admin(ctx)
    return Result([{"NAME": r["NAME"], "CODE": r["CODE"]} for r in _app_triggers(ctx)])


@REGISTRY.add("crm.automation.trigger.delete", scope="crm", app_only=True, write=True,
              doc=_DOC_TRIGGER.format("delete"))
def trigger_delete(ctx: CallContext, params: dict[str, Any]) -> Result:
    _require_trigger_admin(ctx)
    code = _trigger_code(params)
    rows = _app_triggers(ctx)
    kept = [r for r in rows if r["CODE"] != code]
    if len(kept) == len(rows):
        raise BitrixError("", "Trigger not found", 400)
    rows[:] = kept
    return Result(True)
