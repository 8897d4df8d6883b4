"""crm.status.*: stage lists and reference lists (legacy CRM dialect, docs/portal-rules.md#status-lists)."""
# ruff: noqa: ARG001  (every handler takes the registry's (ctx, params), used or not)

from __future__ import annotations

from typing import Any

from provisioner.sandbox.core import REGISTRY, CallContext, Result
from provisioner.sandbox.crm import state, statuses
from provisioner.sandbox.crm.common import (
    legacy_error,
    legacy_id,
    legacy_param,
    require_legacy_admin,
)
from provisioner.sandbox.crm.lists import all_lists, descriptor

DOCS = "api-reference/crm/status/"
FILTER_KEYS = ("ID", "ENTITY_ID", "STATUS_ID", "NAME", "SORT", "SYSTEM", "CATEGORY_ID",
               "SEMANTICS")
NUMERIC_KEYS = ("ID", "SORT", "CATEGORY_ID")
BAD_ID = "Invalid identifier."  # newer crm.status.* wording (docs/portal-rules.md#dialects)


def _descr(type_: str, title: str, required: bool = False, read_only: bool = False,
           immutable: bool = False) -> dict[str, Any]:
    return {"type": type_, "isRequired": required, "isReadOnly": read_only,
            "isImmutable": immutable, "isMultiple": False, "isDynamic": False, "title": title}


FIELDS = {
    "ID": _descr("integer", "ID", read_only=True),
    "ENTITY_ID": _descr("string", "Entity ID", required=True, immutable=True),
    "STATUS_ID": _descr("string", "Status", required=True, immutable=True),
    "SORT": _descr("integer", "Sorting"),
    "NAME": _descr("string", "Name", required=True),
    "NAME_INIT": _descr("string", "Default Name", read_only=True),
    "SYSTEM": _descr("char", "System", read_only=True),
    "CATEGORY_ID": _descr("integer", "CATEGORY_ID", immutable=True),
    "COLOR": _descr("string", "COLOR"),
    "SEMANTICS": _descr("char", "SEMANTICS", immutable=True),
    "EXTRA": _descr("crm_status_extra", "Additional Fields"),
}
EXTRA_FIELDS = {"SEMANTICS": _descr("string", "Semantics"), "COLOR": _descr("string", "Color")}


@REGISTRY.add("crm.status.fields", scope="crm", doc=DOCS + "crm-status-fields.md")
def fields(ctx: CallContext, params: dict[str, Any]) -> Result:
    return Result(FIELDS)


@REGISTRY.add("crm.status.extra.fields", scope="crm", doc=DOCS + "crm-status-extra-fields.md")
def extra_fields(ctx: CallContext, params: dict[str, Any]) -> Result:
    return Result(EXTRA_FIELDS)


@REGISTRY.add("crm.status.entity.types", scope="crm", doc=DOCS + "crm-status-entity-types.md")
def entity_types(ctx: CallContext, params: dict[str, Any]) -> Result:
    return Result([descriptor(sl) for sl in all_lists(ctx.store)])


@REGISTRY.add("crm.status.entity.items", scope="crm", doc=DOCS + "crm-status-entity-items.md")
def entity_items(ctx: CallContext, params: dict[str, Any]) -> Result:
    # The id may be spelled four ways (CCrmStatusRestProxy::resolveRelationID, docs/portal-rules.md#status-methods).
    entity_id = next((params[k] for k in ("entityId", "entityID", "entity_id", "ENTITY_ID")
                      if params.get(k)), None)
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise legacy_error("The parameter entityId is not defined or invalid.")
    rows = statuses.rows_of(ctx.store, entity_id.strip())
    return Result([{"NAME": r["NAME"], "SORT": int(r["SORT"]), "STATUS_ID": r["STATUS_ID"]}
                   for r in rows])


def _matches(row: dict[str, Any], flt: dict[str, Any]) -> bool:
    for key, wanted in flt.items():
        key = str(key).upper()
        if key in FILTER_KEYS and str(row[key] if row[key] is not None else "") != str(wanted):
            return False
    return True


def _sorted(rows: list[dict[str, Any]], order: dict[str, Any]) -> list[dict[str, Any]]:
    rows = sorted(rows, key=lambda r: (int(r["SORT"]), int(r["ID"])))
    for key, direction in reversed(list(order.items())):
        key = str(key).upper()
        if key not in FILTER_KEYS:
            continue
        numeric = key in NUMERIC_KEYS
        rows.sort(key=lambda r: (int(r[key] or 0) if numeric else str(r[key] or "")),
                  reverse=str(direction).upper() == "DESC")
    return rows


def _object_param(params: dict[str, Any], name: str) -> dict[str, Any]:
    value = legacy_param(params, name)
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise legacy_error(f"Parameter '{name}' must be array.")
    return value


@REGISTRY.add("crm.status.list", scope="crm", doc=DOCS + "crm-status-list.md")
def list_(ctx: CallContext, params: dict[str, Any]) -> Result:
    """All matching rows at once, total = count (docs/portal-rules.md#paging, #open-questions item 4)."""
    flt, order = _object_param(params, "filter"), _object_param(params, "order")
    lists = statuses.lists_by_id(ctx.store)
    rows = [r for r in state.statuses(ctx.store).values() if _matches(r, flt)]
    out = [statuses.row_json(r, lists.get(r["ENTITY_ID"])) for r in _sorted(rows, order)]
    return Result(out, total=len(out))


@REGISTRY.add("crm.status.get", scope="crm", doc=DOCS + "crm-status-get.md")
def get(ctx: CallContext, params: dict[str, Any]) -> Result:
    row = statuses.get_row(ctx.store, legacy_id(params, BAD_ID))
    return Result(statuses.row_json(row, statuses.lists_by_id(ctx.store).get(row["ENTITY_ID"])))


def _fields(params: dict[str, Any]) -> dict[str, Any]:
    value = legacy_param(params, "fields")
    if not isinstance(value, dict):
        raise legacy_error("Parameter 'fields' must be array.")
    return value


@REGISTRY.add("crm.status.add", scope="crm", write=True, doc=DOCS + "crm-status-add.md")
def add(ctx: CallContext, params: dict[str, Any]) -> Result:
    require_legacy_admin(ctx)
    return Result(statuses.add_status(ctx.store, _fields(params)))


@REGISTRY.add("crm.status.update", scope="crm", write=True, doc=DOCS + "crm-status-update.md")
def update(ctx: CallContext, params: dict[str, Any]) -> Result:
    require_legacy_admin(ctx)
    row_id = legacy_id(params, BAD_ID)
    statuses.update_status(ctx.store, row_id, _fields(params))
    return Result(True)


@REGISTRY.add("crm.status.delete", scope="crm", write=True, doc=DOCS + "crm-status-delete.md")
def delete(ctx: CallContext, params: dict[str, Any]) -> Result:
    require_legacy_admin(ctx)
    row_id = legacy_id(params, BAD_ID)
    extra = params.get("params")
    extra = extra if isinstance(extra, dict) else {}
    statuses.delete_status(ctx.store, row_id, forced=str(extra.get("FORCED", "")).upper() == "Y")
    return Result(True)
