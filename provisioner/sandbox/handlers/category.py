"""crm.category.*: pipelines of deals, clients and smart processes (D7 dialect, docs/portal-rules.md#categories)."""

from __future__ import annotations

from typing import Any

from provisioner.sandbox.core import REGISTRY, CallContext, Result
from provisioner.sandbox.crm import categories as cats
from provisioner.sandbox.crm.common import d7_fields, d7_int_param, require_d7_admin

DOCS = "api-reference/crm/universal/category/"


def _field(type_: str, title: str, required: bool = False, read_only: bool = False
           ) -> dict[str, Any]:
    return {"type": type_, "isRequired": required, "isReadOnly": read_only,
            "isImmutable": False, "isMultiple": False, "isDynamic": False,
            "title": title, "upperName": title}


def _descriptors(owner: cats.Owner) -> dict[str, Any]:
    out = {"id": _field("integer", "ID", read_only=True), "name": _field("string", "NAME"),
           "sort": _field("integer", "SORT"),
           "entityTypeId": _field("integer", "ENTITY_TYPE_ID", required=True, read_only=True),
           "isDefault": _field("boolean", "IS_DEFAULT", read_only=owner.kind == "DEAL")}
    if owner.kind == "DEAL":
        out["originId"] = _field("string", "ORIGIN_ID")
        out["originatorId"] = _field("string", "ORIGINATOR_ID")
    if owner.kind == "SPA":
        out["isSystem"] = _field("boolean", "IS_SYSTEM", read_only=True)
        out["code"] = _field("string", "CODE")
    return out


def _owner(ctx: CallContext, params: dict[str, Any], write: bool = False) -> cats.Owner:
    entity_type_id = d7_int_param(params, "entityTypeId")
    owner = cats.resolve_owner(ctx.store, entity_type_id, write)
    if write:
        require_d7_admin(ctx)
    return owner


@REGISTRY.add("crm.category.fields", scope="crm", doc=DOCS + "crm-category-fields.md")
def fields(ctx: CallContext, params: dict[str, Any]) -> Result:
    return Result({"fields": _descriptors(_owner(ctx, params))})


@REGISTRY.add("crm.category.list", scope="crm", doc=DOCS + "crm-category-list.md")
def list_(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Every pipeline in one page, total = count (docs/portal-rules.md#paging); only filter.code is honoured."""
    owner = _owner(ctx, params)
    flt = params.get("filter")
    flt = flt if isinstance(flt, dict) else {}
    rows = [cats.category_json(owner, c)
            for c in cats.list_categories(ctx.store, owner, flt.get("code"))]
    return Result({"categories": rows}, total=len(rows))


@REGISTRY.add("crm.category.get", scope="crm", doc=DOCS + "crm-category-get.md")
def get(ctx: CallContext, params: dict[str, Any]) -> Result:
    owner = _owner(ctx, params)
    cat = cats.get_category(ctx.store, owner, d7_int_param(params, "id"))
    return Result({"category": cats.category_json(owner, cat)})


@REGISTRY.add("crm.category.add", scope="crm", write=True, doc=DOCS + "crm-category-add.md")
def add(ctx: CallContext, params: dict[str, Any]) -> Result:
    owner = _owner(ctx, params, write=True)
    cat = cats.add_category(ctx.store, owner, d7_fields(params))
    return Result({"category": cats.category_json(owner, cat)})


@REGISTRY.add("crm.category.update", scope="crm", write=True,
              doc=DOCS + "crm-category-update.md")
def update(ctx: CallContext, params: dict[str, Any]) -> Result:
    owner = _owner(ctx, params, write=True)
    category_id = d7_int_param(params, "id")
    cat = cats.update_category(ctx.store, owner, category_id, d7_fields(params))
    return Result({"category": cats.category_json(owner, cat)})


@REGISTRY.add("crm.category.delete", scope="crm", write=True,
              doc=DOCS + "crm-category-delete.md")
def delete(ctx: CallContext, params: dict[str, Any]) -> Result:
    owner = _owner(ctx, params, write=True)
    cats.delete_category(ctx.store, owner, d7_int_param(params, "id"))
    return Result(None)
