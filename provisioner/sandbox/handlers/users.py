"""user.get, user.current, department.get/fields and crm.enum.ownertype (docs/portal-rules.md#users-and-departments)."""
# ruff: noqa: ARG001  (every handler takes the registry's (ctx, params), used or not)

from __future__ import annotations

from typing import Any

from provisioner.sandbox.core import REGISTRY, CallContext, Result, paginate
from provisioner.sandbox.crm import people, state

CONTROL_KEYS = {"SORT", "ORDER", "ADMIN_MODE", "SELECT", "IMAGE_RESIZE", "START", "FILTER",
                "FIND"}
OWNER_TYPES = ((1, "Lead", "LEAD", "L"), (2, "Deal", "DEAL", "D"), (3, "Contact", "CONTACT", "C"),
               (4, "Company", "COMPANY", "CO"), (5, "Invoice (old version)", "INVOICE", "I"),
               (31, "Invoice", "SMART_INVOICE", "SI"), (7, "Quote", "QUOTE", "Q"),
               (8, "Billing Details", "REQUISITE", "RQ"), (36, "Document", "SMART_DOCUMENT", "DO"),
               (39, "Company Document", "SMART_B2E_DOC", "SBD"))


def _user_filter(params: dict[str, Any]) -> dict[str, Any]:
    """FILTER replaces the top-level filter keys when given (Api\\User::userGet, docs/portal-rules.md#users)."""
    for key in ("FILTER", "filter"):
        if isinstance(params.get(key), dict):
            return dict(params[key])
    return {k: v for k, v in params.items() if k.upper() not in CONTROL_KEYS}


def _sorted_users(rows: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    field = str(params.get("sort") or params.get("SORT") or "ID").upper()
    desc = str(params.get("order") or params.get("ORDER") or "ASC").upper() == "DESC"

    def key(user: dict[str, Any]) -> tuple[int, str]:
        value = user.get(field, "")
        return (int(value), "") if str(value).isdigit() else (0, str(value).lower())

    return sorted(rows, key=key, reverse=desc)


@REGISTRY.add("user.get", scope="user", doc="api-reference/user/user-get.md")
def user_get(ctx: CallContext, params: dict[str, Any]) -> Result:
    def build() -> list[dict[str, Any]]:
        flt = _user_filter(params)
        rows = [u for u in people.users(ctx.store).values() if people.user_matches(u, flt)]
        return _sorted_users(rows, params)

    return paginate(ctx.rows_once("user.get", params, build), ctx.start)


@REGISTRY.add("user.current", scope="user", doc="api-reference/user/user-current.md")
def user_current(ctx: CallContext, params: dict[str, Any]) -> Result:
    return Result(people.users(ctx.store).get(str(ctx.user_id)))


@REGISTRY.add("department.get", scope="department",
              doc="api-reference/departments/department-get.md")
def department_get(ctx: CallContext, params: dict[str, Any]) -> Result:
    rows = [d for d in people.departments(ctx.store).values()
            if people.department_matches(d, params)]
    field = str(params.get("sort") or "ID").upper()
    desc = str(params.get("order") or "ASC").upper() == "DESC"
    rows.sort(key=lambda d: (int(d[field]), "") if str(d.get(field, "")).isdigit()
              else (0, str(d.get(field, ""))), reverse=desc)
    start = ctx.start
    if start == 0 and str(params.get("START", "")).isdigit():
        start = int(params["START"]) // 50 * 50
    return paginate(rows, start)


@REGISTRY.add("department.fields", scope="department",
              doc="api-reference/departments/department-fields.md")
def department_fields(ctx: CallContext, params: dict[str, Any]) -> Result:
    return Result({"ID": "ID", "NAME": "Department Name", "SORT": "Sort Order",
                   "PARENT": "Parent Department", "UF_HEAD": "Manager"})


@REGISTRY.add("crm.enum.ownertype", scope="crm",
              doc="api-reference/crm/auxiliary/enum/crm-enum-owner-type.md")
def enum_ownertype(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Built-in CRM types, then every smart process as DYNAMIC_{e} / T{hex} (docs/portal-rules.md#owner-types)."""
    rows = [{"ID": i, "NAME": n, "SYMBOL_CODE": c, "SYMBOL_CODE_SHORT": s}
            for i, n, c, s in OWNER_TYPES]
    for spa in sorted(state.crm_types(ctx.store).values(), key=lambda t: int(t["id"])):
        etid = int(spa["entityTypeId"])
        rows.append({"ID": etid, "NAME": spa["title"], "SYMBOL_CODE": f"DYNAMIC_{etid}",
                     "SYMBOL_CODE_SHORT": f"T{etid:x}"})
    return Result(rows)
