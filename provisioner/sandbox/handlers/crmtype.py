"""crm.type.*: smart process types (D7 dialect, docs/portal-rules.md#smart-processes)."""
# ruff: noqa: ARG001  (every handler takes the registry's (ctx, params), used or not)

from __future__ import annotations

from typing import Any

from provisioner.sandbox.core import REGISTRY, BitrixError, CallContext, Result, paginate
from provisioner.sandbox.crm import d7filter, state, types
from provisioner.sandbox.crm.common import (
    d7_fields,
    d7_int_param,
    is_crm_admin,
    require_d7_admin,
    require_intranet,
)

DOCS = "api-reference/crm/universal/user-defined-object-types/"


def _descr(type_: str, title: str, upper: str, required: bool = False, read_only: bool = False,
           immutable: bool = False) -> dict[str, Any]:
    return {"type": type_, "isRequired": required, "isReadOnly": read_only,
            "isImmutable": immutable, "isMultiple": False, "isDynamic": False, "title": title,
            "upperName": upper}


FLAG_TITLES = {
    "isCategoriesEnabled": "Use custom funnels and sales tunnels in the smart process",
    "isStagesEnabled": "Use custom stages and Kanban in the smart process",
    "isBeginCloseDatesEnabled": "Fields 'Start Date' and 'End Date'",
    "isClientEnabled": "Field 'Client'",
    "isUseInUserfieldEnabled": "Use in user field",
    "isLinkWithProductsEnabled": "Link with catalog products",
    "isMycompanyEnabled": "Field 'Your Company Details'",
    "isDocumentsEnabled": "Document Printing",
    "isSourceEnabled": "Fields 'Source' and 'Additional Information about Source'",
    "isObserversEnabled": "Field 'Observers'",
    "isRecyclebinEnabled": "Use Recycle Bin",
    "isAutomationEnabled": "Use Automation rules and triggers in the smart process",
    "isBizProcEnabled": "Use business process designer in the smart process",
    "isSetOpenPermissions": "Make new funnels available to everyone",
}


def _upper(name: str) -> str:
    return "".join("_" + c if c.isupper() else c.upper() for c in name)


FIELDS = {
    "id": _descr("integer", "ID", "ID", read_only=True),
    "title": _descr("string", "Title", "TITLE", required=True),
    "code": _descr("string", "Symbolic Code", "CODE"),
    "createdBy": _descr("user", "Created By", "CREATED_BY", read_only=True),
    "entityTypeId": _descr("integer", "Type Identifier", "ENTITY_TYPE_ID", required=True,
                           immutable=True),
    "customSectionId": _descr("integer", "Digital Workspace", "CUSTOM_SECTION_ID",
                              immutable=True),
    **{k: _descr("boolean", t, _upper(k)) for k, t in FLAG_TITLES.items()},
    "createdTime": _descr("datetime", "Creation Date", "CREATED_TIME"),
    "updatedTime": _descr("datetime", "Modification Date", "UPDATED_TIME"),
    "updatedBy": _descr("user", "Modified By", "UPDATED_BY", read_only=True),
}


@REGISTRY.add("crm.type.fields", scope="crm", doc=DOCS + "crm-type-fields.md")
def fields(ctx: CallContext, params: dict[str, Any]) -> Result:
    require_intranet(ctx)
    if not is_crm_admin(ctx):
        raise BitrixError("ACCESS_DENIED", "Access Denied", 400)  # capital D: docs example
    return Result({"fields": FIELDS})


def _object(params: dict[str, Any], name: str) -> dict[str, Any]:
    value = params.get(name)
    return value if isinstance(value, dict) else {}


@REGISTRY.add("crm.type.list", scope="crm", doc=DOCS + "crm-type-list.md")
def list_(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Paged by 50 as {"types": [...]} (docs/portal-rules.md#type-methods); list items omit relations."""
    require_intranet(ctx)
    require_d7_admin(ctx)
    rows = ctx.rows_once("crm.type.list", params, lambda: _list_rows(ctx, params))
    page = paginate(rows, ctx.start)
    return Result({"types": page.value}, total=page.total, next=page.next)


def _list_rows(ctx: CallContext, params: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [types.list_json(t) for t in state.crm_types(ctx.store).values()]
    keep = d7filter.make_filter(_object(params, "filter"), types.LIST_KEYS)
    return d7filter.apply_order([r for r in rows if keep(r)],
                                _object(params, "order") or {"id": "ASC"}, types.LIST_KEYS)


@REGISTRY.add("crm.type.get", scope="crm", doc=DOCS + "crm-type-get.md")
def get(ctx: CallContext, params: dict[str, Any]) -> Result:
    require_intranet(ctx)
    spa = types.get_type(ctx.store, d7_int_param(params, "id"))
    return Result({"type": types.full_json(spa)})


@REGISTRY.add("crm.type.getByEntityTypeId", scope="crm",
              doc=DOCS + "crm-type-get-by-entity-type-id.md")
def get_by_entity_type_id(ctx: CallContext, params: dict[str, Any]) -> Result:
    require_intranet(ctx)
    spa = types.get_by_entity_type(ctx.store, d7_int_param(params, "entityTypeId"))
    return Result({"type": types.full_json(spa)})


@REGISTRY.add("crm.type.add", scope="crm", write=True, doc=DOCS + "crm-type-add.md")
def add(ctx: CallContext, params: dict[str, Any]) -> Result:
    require_intranet(ctx)
    require_d7_admin(ctx)
    spa = types.add_type(ctx.store, d7_fields(params), ctx.user_id)
    return Result({"type": types.full_json(spa)})


@REGISTRY.add("crm.type.update", scope="crm", write=True, doc=DOCS + "crm-type-update.md")
def update(ctx: CallContext, params: dict[str, Any]) -> Result:
    require_intranet(ctx)
    type_id = d7_int_param(params, "id")
    types.get_type(ctx.store, type_id)
    require_d7_admin(ctx)
    spa = types.update_type(ctx.store, type_id, d7_fields(params), ctx.user_id)
    return Result({"type": types.full_json(spa)})


@REGISTRY.add("crm.type.delete", scope="crm", write=True, doc=DOCS + "crm-type-delete.md")
def delete(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Answers [] (an empty PHP array), not true (docs/portal-rules.md#type-methods)."""
    require_intranet(ctx)
    type_id = d7_int_param(params, "id")
    types.get_type(ctx.store, type_id)
    require_d7_admin(ctx)
    types.delete_type(ctx.store, type_id)
    return Result([])
