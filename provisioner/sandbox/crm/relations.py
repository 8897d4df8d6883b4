"""Relations between CRM types (crm.type.add/update `relations`), stored once per pair.

A relation binds a parent type to a child type; the portal keeps one row per pair
(Relation\\RelationManager, b_crm_entity_conversion_map), so a smart process's `child` list and
the other smart process's `parent` list show the same relation. Here each side's list of the
stored type holds it (both lists when both types are smart processes), kept in step.

What a sent side does: the docs (api-reference/crm/universal/user-defined-object-types/
crm-type-update.md, "Relations") say only that the lists replace the old ones and that a failed
save is not reported. The rest is server source, module crm (docs/portal-rules.md#relations):
lib/controller/type.php Type::saveRelations and processRelation: for every type *available* on
that side, a selected one is bound (or its `isChildrenListEnabled` updated) and an unselected
bound one unbound; a type not available is ignored without a word. lib/relation/
relationmanager.php: available as parents are lead, deal, quote, the smart invoice, order and
every other smart process, never contact or company (getAvailableForParentBindingEntityTypes
unsets them: they are parents only as the predefined relations of `isClientEnabled`); as
children: those and contact and company, but not order. The sandbox emulates no orders (14), so
it leaves order out. A smart process is never related to itself.
"""

from __future__ import annotations

from typing import Any

from provisioner.sandbox.crm import state
from provisioner.sandbox.crm.categories import spa_by_entity_type
from provisioner.sandbox.crm.common import as_int
from provisioner.sandbox.store import Store

# RelationManager::getAvailableFor{Parent,Child}BindingEntityTypes (server source, not the
# docs: docs/portal-rules.md#relations), less order (14), which the sandbox does not emulate.
PARENT_TYPES = (1, 2, 7, 31)  # lead, deal, quote, smart invoice
CHILD_TYPES = (1, 2, 3, 4, 7, 31)  # and contact, company
OTHER = {"parent": "child", "child": "parent"}


def _true(value: Any) -> str:
    """Relation inputs understand only "true" (docs/portal-rules.md#relations); "Y" is false."""
    return "Y" if value is True or str(value).strip().lower() == "true" else "N"


def available(store: Store, entity_type_id: int, side: str) -> list[int]:
    built_in = PARENT_TYPES if side == "parent" else CHILD_TYPES
    dynamic = [int(t["entityTypeId"]) for t in state.crm_types(store).values()]
    return [t for t in (*built_in, *dynamic) if t != entity_type_id]


def selected(entries: Any) -> dict[int, str]:
    """entityTypeId -> isChildrenListEnabled of the entries sent; anything else is skipped
    (an entry without a positive entityTypeId, a side sent as "": no relation selected)."""
    if isinstance(entries, dict):  # form data: parent[0][entityTypeId]=2 gives a dict
        entries = list(entries.values())
    out: dict[int, str] = {}
    for entry in entries if isinstance(entries, list) else []:
        etid = as_int(entry.get("entityTypeId")) if isinstance(entry, dict) else None
        if etid is not None and etid > 0:
            out[etid] = _true(entry.get("isChildrenListEnabled"))
    return out


def save_side(store: Store, spa: dict[str, Any], side: str, entries: Any) -> None:
    """One side sent to crm.type.add/update: bind, update or unbind every available type."""
    etid = int(spa["entityTypeId"])
    chosen = selected(entries)
    bound = {int(r["entityTypeId"]) for r in spa["relations"][side]}
    for other in available(store, etid, side):
        if other in chosen:
            _bind(store, spa, side, other, chosen[other])
        elif other in bound:
            _unbind(store, spa, side, other)


def _bind(store: Store, spa: dict[str, Any], side: str, other: int, enabled: str) -> None:
    _put(spa["relations"][side], other, enabled)
    twin = spa_by_entity_type(store, other)
    if twin is not None:
        _put(twin["relations"][OTHER[side]], int(spa["entityTypeId"]), enabled)


def _unbind(store: Store, spa: dict[str, Any], side: str, other: int) -> None:
    spa["relations"][side][:] = [r for r in spa["relations"][side]
                                 if int(r["entityTypeId"]) != other]
    twin = spa_by_entity_type(store, other)
    if twin is not None:
        etid = int(spa["entityTypeId"])
        twin["relations"][OTHER[side]][:] = [r for r in twin["relations"][OTHER[side]]
                                             if int(r["entityTypeId"]) != etid]


def _put(rows: list[dict[str, Any]], other: int, enabled: str) -> None:
    for row in rows:
        if int(row["entityTypeId"]) == other:
            row["isChildrenListEnabled"] = enabled
            return
    rows.append({"entityTypeId": other, "isChildrenListEnabled": enabled})


def forget(store: Store, entity_type_id: int) -> None:
    """A deleted type's relations go with it, from the other types' lists too."""
    for spa in state.crm_types(store).values():
        for side in ("parent", "child"):
            spa["relations"][side][:] = [r for r in spa["relations"][side]
                                         if int(r["entityTypeId"]) != entity_type_id]
