"""Smart process types (crm.type.*): ids, flags, relations, linked user fields, lifecycle.

docs/portal-rules.md#smart-processes (Controller\\Type); docs pages api-reference/crm/universal/user-defined-object-types/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from provisioner.sandbox.core import BitrixError
from provisioner.sandbox.crm import categories as cats
from provisioner.sandbox.crm import relations, state, statuses
from provisioner.sandbox.crm.common import as_int, php_trim, yn
from provisioner.sandbox.store import Store

FLAGS = ("isCategoriesEnabled", "isStagesEnabled", "isBeginCloseDatesEnabled", "isClientEnabled",
         "isUseInUserfieldEnabled", "isLinkWithProductsEnabled", "isMycompanyEnabled",
         "isDocumentsEnabled", "isSourceEnabled", "isObserversEnabled", "isRecyclebinEnabled",
         "isAutomationEnabled", "isBizProcEnabled", "isSetOpenPermissions")
SYSTEM_FLAGS = ("isPaymentsEnabled", "isCountersEnabled")
FLAG_DEFAULTS = {"isSetOpenPermissions": "Y"}  # every other flag defaults to N
LINKED_FIELDS = ("CALENDAR_EVENT|UF_CRM_CAL_EVENT", "TASKS_TASK|UF_CRM_TASK",
                 "TASKS_TASK_TEMPLATE|UF_CRM_TASK")
CLIENT_TYPES = (3, 4)
NOT_FOUND = "Smart process not found"
LIST_KEYS = ("id", "title", "code", "createdBy", "entityTypeId", "customSectionId", *FLAGS,
             *SYSTEM_FLAGS, "createdTime", "updatedTime", "updatedBy")


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def is_valid_entity_type_id(value: int) -> bool:
    return 128 <= value <= 192 or (value >= 1030 and value % 2 == 0)


def _taken(store: Store) -> set[int]:
    return {int(t["entityTypeId"]) for t in state.crm_types(store).values()}


def _next_entity_type_id(store: Store) -> int:
    taken = _taken(store)
    candidates = [*range(128, 193), *range(1030, 1_000_000, 2)]
    value: int = next(v for v in candidates if v not in taken)
    return value


def _entity_type_id(store: Store, fields: dict[str, Any]) -> int:
    if fields.get("entityTypeId") in (None, "", 0, "0"):
        return _next_entity_type_id(store)
    value = as_int(fields["entityTypeId"])
    if value is None or not is_valid_entity_type_id(value):
        raise BitrixError("INVALID_ARG_VALUE", "entityTypeId is out of allowed range", 400)
    if value in _taken(store):
        # Sandbox wording: the docs name no text for a taken entityTypeId.
        raise BitrixError("INVALID_ARG_VALUE", f"entityTypeId {value} is already taken", 400)
    return value


def _title(fields: dict[str, Any], required: bool) -> str | None:
    if "title" not in fields and not required:
        return None
    title = php_trim(fields.get("title") or "")
    if not title:
        raise BitrixError(0, "Field 'TITLE' is required", 400)  # as Field 'NAME' of categories
    return title


def _true(value: Any) -> str:
    """Relation and linked-field inputs understand only "true" (docs/portal-rules.md#smart-process-type); "Y" means false."""
    return "Y" if value is True or str(value).strip().lower() == "true" else "N"


def _apply(store: Store, spa: dict[str, Any], fields: dict[str, Any]) -> None:
    for flag in FLAGS:
        if flag in fields:
            spa[flag] = yn(fields[flag], spa[flag])
    if "code" in fields:
        spa["code"] = str(fields["code"] or "")
    sent = fields.get("relations")
    if isinstance(sent, dict):
        for side in ("parent", "child"):
            if side in sent:
                relations.save_side(store, spa, side, sent[side])
    linked = fields.get("linkedUserFields")
    if isinstance(linked, dict) and spa["isUseInUserfieldEnabled"] == "Y":
        for key in LINKED_FIELDS:
            if key in linked:
                spa["linkedUserFields"][key] = _true(linked[key])


def add_type(store: Store, fields: dict[str, Any], user_id: int) -> dict[str, Any]:
    title = _title(fields, required=True)
    etid = _entity_type_id(store, fields)
    now = _now()
    spa: dict[str, Any] = {
        "id": store.next_id("crm_type"), "title": title, "code": "", "createdBy": user_id,
        "entityTypeId": etid, "customSectionId": None,
        **{f: FLAG_DEFAULTS.get(f, "N") for f in FLAGS}, **{f: "N" for f in SYSTEM_FLAGS},
        "createdTime": now, "updatedTime": now, "updatedBy": user_id,
        "relations": {"parent": [], "child": []},
        "linkedUserFields": {key: "N" for key in LINKED_FIELDS}}
    _apply(store, spa, fields)
    state.crm_types(store)[str(spa["id"])] = spa
    # Every smart process starts with one default pipeline and its stages (docs/portal-rules.md#default-stages, #type-methods).
    cats.add_category(store, cats.Owner(etid, "SPA"), {"name": "General"})
    return spa


def get_type(store: Store, type_id: int) -> dict[str, Any]:
    spa = state.crm_types(store).get(str(type_id))
    if spa is None:
        raise BitrixError(0, NOT_FOUND, 400)
    return spa


def get_by_entity_type(store: Store, entity_type_id: int) -> dict[str, Any]:
    spa = cats.spa_by_entity_type(store, entity_type_id)
    if spa is None:
        raise BitrixError(0, NOT_FOUND, 400)
    return spa


def update_type(store: Store, type_id: int, fields: dict[str, Any],
                user_id: int) -> dict[str, Any]:
    """Only sent keys change; entityTypeId, id, created/updated fields are ignored (docs/portal-rules.md#type-methods)."""
    spa = get_type(store, type_id)
    title = _title(fields, required=False)
    if title is not None:
        spa["title"] = title
    _apply(store, spa, fields)
    spa["updatedTime"], spa["updatedBy"] = _now(), user_id
    return spa


def delete_type(store: Store, type_id: int) -> None:
    spa = get_type(store, type_id)
    etid = int(spa["entityTypeId"])
    lists = [f"DYNAMIC_{etid}_STAGE_{c}" for c in state.categories(store, etid)]
    if any(state.list_item_count(store, list_id) for list_id in lists):
        raise BitrixError("BX_ERROR", "You cannot delete an entity type that has elements", 400)
    for list_id in lists:
        statuses.drop_list(store, list_id)
    state.all_categories(store).pop(str(etid), None)
    relations.forget(store, etid)
    entity_id = f"CRM_{spa['id']}"
    fields = state.userfields(store)
    for key in [k for k, f in fields.items() if f["ENTITY_ID"] == entity_id]:
        del fields[key]
    del state.crm_types(store)[str(type_id)]


def _relations_json(spa: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The predefined contact and company parents of a client-enabled type come first (the
    api-reference/crm/universal/user-defined-object-types/crm-type-add.md example); contact and company are never parents otherwise."""
    predefined = []
    if spa["isClientEnabled"] == "Y":
        predefined = [{"entityTypeId": t, "isChildrenListEnabled": "Y", "isPredefined": "Y"}
                      for t in CLIENT_TYPES]
    parent = [{**r, "isPredefined": "N"} for r in spa["relations"]["parent"]
              if int(r["entityTypeId"]) not in CLIENT_TYPES]
    child = [{**r, "isPredefined": "N"} for r in spa["relations"]["child"]]
    return {"parent": predefined + parent, "child": child}


def list_json(spa: dict[str, Any]) -> dict[str, Any]:
    return {key: spa[key] for key in LIST_KEYS}


def full_json(spa: dict[str, Any]) -> dict[str, Any]:
    return {**list_json(spa), "relations": _relations_json(spa),
            "linkedUserFields": dict(spa["linkedUserFields"]), "customSections": []}
