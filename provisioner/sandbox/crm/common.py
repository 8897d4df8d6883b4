"""Helpers shared by the CRM rules: parameter coercion, access checks, legacy and D7 errors."""

from __future__ import annotations

from typing import Any

from provisioner.sandbox.core import BitrixError, CallContext

# Legacy CRM handlers answer refusals with an empty code and HTTP 400 (docs/portal-rules.md#errors).
LEGACY_STATUS = 400


# PHP's trim() strips exactly these (a no-break space stays). That the portal trims names with
# it is unconfirmed: no docs page or source found (docs/portal-rules.md#names).
PHP_TRIM = " \t\n\r\0\x0b"


def php_trim(value: Any) -> str:
    """`trim((string)$value)`: names of stages, pipelines, items and smart processes."""
    return str(value if value is not None else "").strip(PHP_TRIM)


def legacy_error(text: str) -> BitrixError:
    return BitrixError("", text, LEGACY_STATUS)


def core_error(text: str) -> BitrixError:
    """A model error left behind by the handler: the REST server reports it as ERROR_CORE."""
    return BitrixError("ERROR_CORE", text, LEGACY_STATUS)


def legacy_param(params: dict[str, Any], name: str) -> Any:
    """Legacy CRM proxies accept `fields` also as FIELDS, Fields and arFields (docs/portal-rules.md#request-encoding)."""
    for key in (name, name.upper(), name.capitalize(), "ar" + name.capitalize()):
        if key in params:
            return params[key]
    return None


def as_int(value: Any) -> int | None:
    """An integer from JSON or form data (every form scalar is a string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


def php_int(value: Any, default: int = 0) -> int:
    """PHP's (int) cast: leading digits of a string, 0 when there are none."""
    if isinstance(value, bool):
        return int(value)
    number = as_int(value)
    if number is not None:
        return number
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        digits = ""
        for ch in value.strip():
            if not (ch.isdigit() or (ch == "-" and not digits)):
                break
            digits += ch
        return int(digits) if digits.lstrip("-") else default
    return default


def legacy_id(params: dict[str, Any], text: str = "ID is not defined or invalid.") -> int:
    """The record id of a legacy get/update/delete: `id` or `ID`, positive (docs/portal-rules.md#dialects)."""
    raw = params.get("id", params.get("ID"))
    number = as_int(raw)
    if number is None or number <= 0:
        raise legacy_error(text)
    return number


def yn(value: Any, default: str = "N") -> str:
    """A Y/N flag from Y/N, true/false, 1/0 in any of their JSON or form spellings."""
    if value is None:
        return default
    if isinstance(value, bool):
        return "Y" if value else "N"
    text = str(value).strip().lower()
    if text in ("y", "true", "1"):
        return "Y"
    if text in ("n", "false", "0", ""):
        return "N"
    return default


def is_crm_admin(ctx: CallContext) -> bool:
    """CRM administrators have CONFIG WRITE: the users in section "access" plus the portal
    admins the protocol layer keeps in section "auth" (a portal admin administers the CRM)."""
    access: dict[str, list[int]] = ctx.store.section("access", {"crm_admins": [1]})
    portal_admins = ctx.store.data.get("auth", {}).get("admins", [])
    return ctx.user_id in access.get("crm_admins", []) or ctx.user_id in portal_admins


def require_legacy_admin(ctx: CallContext) -> None:
    if not is_crm_admin(ctx):
        raise legacy_error("Access denied.")


def require_d7_admin(ctx: CallContext) -> None:
    # D7 controllers answer ACCESS_DENIED with HTTP 400, not 403 (docs/portal-rules.md#errors).
    if not is_crm_admin(ctx):
        raise BitrixError("ACCESS_DENIED", "Access denied", 400)


def d7_int_param(params: dict[str, Any], name: str) -> int:
    """A required int argument of a D7 action, bound by exact name (docs/portal-rules.md#dialects)."""
    if name not in params or params[name] is None or params[name] == "":
        raise BitrixError(100, f"Could not find value for parameter {{{name}}}", 400)
    number = as_int(params[name])
    if number is None:
        raise BitrixError(
            0, f"Invalid value {params[name]} to match with parameter {{{name}}}. "
            "Should be value of type int.", 400)
    return number


def d7_fields(params: dict[str, Any]) -> dict[str, Any]:
    """The `fields` argument of a D7 add/update: required and an object."""
    fields = params.get("fields")
    if fields is None:
        raise BitrixError(100, "Could not find value for parameter {fields}", 400)
    if not isinstance(fields, dict):
        raise BitrixError(0, "Invalid value for parameter {fields}. Should be array.", 400)
    return fields


def require_intranet(ctx: CallContext) -> None:
    """D7 CRM controllers refuse extranet users (docs/portal-rules.md#errors, #smart-processes)."""
    users: dict[str, dict[str, Any]] = ctx.store.section("users", {})
    user = users.get(str(ctx.user_id))
    if user is not None and user.get("USER_TYPE") == "extranet":
        raise BitrixError("allowed_only_intranet_user", "Action allowed only for intranet users",
                          403)
