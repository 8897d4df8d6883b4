"""Pipelines (crm.category.*): which entity types have them, their shape, add/update/delete rules.

docs/portal-rules.md#pipelines; docs pages api-reference/crm/universal/category/*.md. A new pipeline
gets its default stage set at once; deleting one removes its stage list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provisioner.sandbox.core import BitrixError
from provisioner.sandbox.crm import reference as ref
from provisioner.sandbox.crm import state, statuses
from provisioner.sandbox.crm.common import as_int, php_trim, yn
from provisioner.sandbox.crm.lists import find_list
from provisioner.sandbox.store import Store

# CCrmOwnerType names of the built-in types that have no pipelines.
NO_PIPELINES = {1: "LEAD", 5: "INVOICE", 7: "QUOTE", 8: "REQUISITE"}
DEAL, CONTACT, COMPANY = 2, 3, 4


@dataclass(frozen=True)
class Owner:
    """The entity type a pipeline belongs to."""

    entity_type_id: int
    kind: str  # "DEAL", "CLIENT" (contacts, companies) or "SPA"
    categories_enabled: bool = True

    def stage_list_id(self, category_id: int) -> str | None:
        if self.kind == "DEAL":
            return "DEAL_STAGE" if category_id == 0 else f"DEAL_STAGE_{category_id}"
        if self.kind == "SPA":
            return f"DYNAMIC_{self.entity_type_id}_STAGE_{category_id}"
        return None


def d7(code: str | int, text: str) -> BitrixError:
    return BitrixError(code, text, 400)


def spa_by_entity_type(store: Store, entity_type_id: int) -> dict[str, Any] | None:
    for spa in state.crm_types(store).values():
        if int(spa["entityTypeId"]) == entity_type_id:
            return spa
    return None


def resolve_owner(store: Store, entity_type_id: int, write: bool) -> Owner:
    """The owner type or the D7 refusal (docs/portal-rules.md#categories common errors; docs/portal-rules.md#open-questions item 6 for disabled SPAs)."""
    if entity_type_id == DEAL:
        return Owner(DEAL, "DEAL")
    if entity_type_id in (CONTACT, COMPANY):
        return Owner(entity_type_id, "CLIENT")
    if entity_type_id in NO_PIPELINES:
        raise d7("ENTITY_TYPE_NOT_SUPPORTED",
                 f"Entity type {NO_PIPELINES[entity_type_id]} is not supported")
    spa = spa_by_entity_type(store, entity_type_id)
    if spa is None:
        raise d7("NOT_FOUND", "Smart process not found")
    enabled = spa.get("isCategoriesEnabled") == "Y"
    if write and not enabled:
        raise d7("ENTITY_TYPE_NOT_SUPPORTED",
                 f"Entity type DYNAMIC_{entity_type_id} is not supported")
    return Owner(entity_type_id, "SPA", enabled)


def category_json(owner: Owner, cat: dict[str, Any]) -> dict[str, Any]:
    out = {"id": cat["id"], "name": cat["name"], "sort": cat["sort"],
           "entityTypeId": owner.entity_type_id, "isDefault": cat["isDefault"]}
    if owner.kind == "DEAL" and cat["id"] != 0:
        # The virtual default pipeline 0 has no origin fields (docs crm.category.list example).
        out.update(originId=cat.get("originId", ""), originatorId=cat.get("originatorId", ""))
    if owner.kind == "SPA":
        out.update(isSystem=cat.get("isSystem", "N"), code=cat.get("code", ""))
    return out


def list_categories(store: Store, owner: Owner, code: Any = None) -> list[dict[str, Any]]:
    cats = list(state.categories(store, owner.entity_type_id).values())
    if code is not None:
        cats = [c for c in cats if c.get("code", "") == str(code)]
    return sorted(cats, key=lambda c: (int(c["sort"]), int(c["id"])))


def get_category(store: Store, owner: Owner, category_id: int) -> dict[str, Any]:
    cat = state.categories(store, owner.entity_type_id).get(str(category_id))
    if cat is None:
        raise d7("NOT_FOUND", "Element not found")
    return cat


def _name(fields: dict[str, Any], required: bool) -> str | None:
    if "name" not in fields and not required:
        return None
    name = php_trim(fields.get("name") or "")
    if not name:
        raise d7(0, "Field 'NAME' is required")
    return name


def _sort(fields: dict[str, Any]) -> int | None:
    """A negative sort is ignored: api-reference/crm/universal/category/crm-category-add.md says
    so and that 0 is set instead; the sandbox keeps the default or the old sort
    (docs/portal-rules.md#open-questions item 17)."""
    number = as_int(fields.get("sort"))
    return number if number is not None and number >= 0 else None


def _set_default(store: Store, owner: Owner, cat: dict[str, Any], fields: dict[str, Any]) -> None:
    if "isDefault" not in fields or owner.kind == "DEAL":
        return  # read-only for deals
    wanted = yn(fields["isDefault"])
    if owner.kind == "CLIENT":
        if wanted == "Y":
            raise d7(0, "Default client category does not support updating default state")
        return
    if wanted == "Y":
        for other in state.categories(store, owner.entity_type_id).values():
            other["isDefault"] = "N"
        cat["isDefault"] = "Y"
    # "N" on the default pipeline is ignored: another must become default instead.


def add_category(store: Store, owner: Owner, fields: dict[str, Any]) -> dict[str, Any]:
    if yn(fields.get("isSystem")) == "Y":
        raise d7("ADDING_DISABLED", "Adding a system category is prohibited")
    name = _name(fields, required=True)
    sort = _sort(fields)
    cid = store.next_id("category")
    # `sort` defaults to 500 (api-reference/crm/universal/category/crm-category-add.md)
    cat: dict[str, Any] = {"id": cid, "name": name, "sort": 500 if sort is None else sort,
                           "isDefault": "N", "isSystem": "N", "code": ""}
    if owner.kind == "DEAL":
        cat["originId"] = str(fields.get("originId") or "")
        cat["originatorId"] = str(fields.get("originatorId") or "")
    # A smart-process pipeline's `code` names the portal's own system pipelines: add and update
    # take only name, sort and isDefault (api-reference/crm/universal/category/crm-category-add.md; Controller\Category::
    # processFields), so REST never writes it and a pipeline made here keeps "".
    cats = state.categories(store, owner.entity_type_id)
    if owner.kind == "SPA" and not cats:
        cat["isDefault"] = "Y"
    _set_default(store, owner, cat, fields)
    cats[str(cid)] = cat
    create_stage_set(store, owner, cid)
    return cat


def create_stage_set(store: Store, owner: Owner, category_id: int) -> None:
    """The default stages of a new pipeline (docs/portal-rules.md#default-stages; #emulator-checklist item 10)."""
    list_id = owner.stage_list_id(category_id)
    sl = find_list(store, list_id) if list_id else None
    if sl is None:
        return
    defaults = ref.DEAL_STAGES if owner.kind == "DEAL" else ref.SPA_STAGES
    statuses.add_default_rows(store, sl, defaults, category_id, init_all=owner.kind == "SPA")


def update_category(store: Store, owner: Owner, category_id: int,
                    fields: dict[str, Any]) -> dict[str, Any]:
    cat = get_category(store, owner, category_id)
    name = _name(fields, required=False)
    sort = _sort(fields)
    _set_default(store, owner, cat, fields)
    if name is not None:
        cat["name"] = name
    if sort is not None:
        cat["sort"] = sort
    if owner.kind == "DEAL" and category_id != 0:
        for key in ("originId", "originatorId"):
            if key in fields:
                cat[key] = str(fields[key] or "")
    return cat  # `code` is not written either (see add_category)


def delete_category(store: Store, owner: Owner, category_id: int) -> None:
    cat = get_category(store, owner, category_id)
    deal = owner.kind == "DEAL"
    if cat.get("isSystem") == "Y":
        raise d7("REMOVING_DISABLED", "Deletion of system category is prohibited")
    if cat["isDefault"] == "Y":
        raise (d7(0, "Default deal category cannot be deleted") if deal
               else d7("BX_ERROR", "This funnel is the default funnel"))
    list_id = owner.stage_list_id(category_id)
    if list_id and state.list_item_count(store, list_id) > 0:
        raise (d7(0, f"Deals related to the funnel {cat['name']} found") if deal
               else d7("BX_ERROR", "Elements related to the funnel found"))
    if list_id:
        statuses.drop_list(store, list_id)
    del state.categories(store, owner.entity_type_id)[str(category_id)]
