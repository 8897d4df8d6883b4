"""Named sections of the store that hold the CRM state, and the per-stage item counts.

Keys are strings because the state is JSON. Layout:
  statuses    {row id: crm.status row (SORT int, CATEGORY_ID int|None)}
  categories  {entityTypeId: {category id: category}}
  crm_types   {type id: smart process type}
  userfields  {field id: user field (labels as full maps, LIST items)}
  items       {"ENTITY_ID|STATUS_ID": number of records in that stage/list value}
  crm_settings switches: status_sort_reset (legacy SORT reset on crm.status.update)
"""

from __future__ import annotations

from typing import Any

from provisioner.sandbox.store import Store


def statuses(store: Store) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = store.section("statuses", {})
    return result


def categories(store: Store, entity_type_id: int) -> dict[str, dict[str, Any]]:
    every: dict[str, dict[str, dict[str, Any]]] = store.section("categories", {})
    return every.setdefault(str(entity_type_id), {})


def all_categories(store: Store) -> dict[str, dict[str, dict[str, Any]]]:
    result: dict[str, dict[str, dict[str, Any]]] = store.section("categories", {})
    return result


def crm_types(store: Store) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = store.section("crm_types", {})
    return result


def userfields(store: Store) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = store.section("userfields", {})
    return result


def settings(store: Store) -> dict[str, Any]:
    result: dict[str, Any] = store.section("crm_settings", {"status_sort_reset": False})
    return result


def _items(store: Store) -> dict[str, int]:
    result: dict[str, int] = store.section("items", {})
    return result


def item_count(store: Store, entity_id: str, status_id: str) -> int:
    """Records whose stage (or list value) is this row; used by the delete refusals."""
    return _items(store).get(f"{entity_id}|{status_id}", 0)


def set_item_count(store: Store, entity_id: str, status_id: str, count: int) -> None:
    """Seed records in a stage (tests and demos), so deletes of used rows can be refused."""
    key = f"{entity_id}|{status_id}"
    if count > 0:
        _items(store)[key] = count
    else:
        _items(store).pop(key, None)


def list_item_count(store: Store, entity_id: str) -> int:
    prefix = entity_id + "|"
    return sum(n for key, n in _items(store).items() if key.startswith(prefix))


def drop_list_items(store: Store, entity_id: str) -> None:
    prefix = entity_id + "|"
    for key in [k for k in _items(store) if k.startswith(prefix)]:
        del _items(store)[key]
