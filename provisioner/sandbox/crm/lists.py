"""The portal's status lists (reference lists and stage lists) as crm.status.entity.types shows them.

Stage lists follow the pipelines: DEAL_STAGE (pipeline 0), DEAL_STAGE_{n} with prefix C{n}, and
DYNAMIC_{e}_STAGE_{c} with prefix DT{e}_{c} (docs/portal-rules.md#pipelines, #reference-lists; docs page
api-reference/crm/status/crm-status-entity-types.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provisioner.sandbox.crm import reference as ref
from provisioner.sandbox.crm import state
from provisioner.sandbox.store import Store

DEAL_TYPE_ID = 2


@dataclass(frozen=True)
class StatusList:
    """One list of crm.status rows; `kind` picks the defaults and semantics rules."""

    entity_id: str
    name: str
    kind: str  # "REF", "STATUS", "QUOTE_STATUS", "DEAL" or "SPA"
    prefix: str = ""
    entity_type_id: int | None = None
    category_id: int | None = None
    category_name: str = ""
    category_sort: int = 0
    is_default_category: bool = False
    is_enabled: bool = True

    @property
    def is_stage_list(self) -> bool:
        return self.kind != "REF"

    def full_id(self, code: str) -> str:
        return f"{self.prefix}:{code}" if self.prefix else code

    @property
    def max_length(self) -> int:
        """Longest STATUS_ID after the prefix (CCrmStatus::validateStatusId, docs/portal-rules.md#status-rules item 7)."""
        if self.kind == "STATUS":
            return 21
        if self.kind in ("QUOTE_STATUS", "DEAL"):
            return 22 - (len(self.prefix) + 1 if self.prefix else 0)
        return 50 - (len(self.prefix) + 1 if self.prefix else 0)

    @property
    def strict_alphabet(self) -> bool:
        return self.kind in ("STATUS", "QUOTE_STATUS", "DEAL")

    @property
    def final_failure(self) -> str | None:
        code = ref.FINAL_FAILURE.get(self.kind)
        return self.full_id(code) if code else None


def _deal_lists(store: Store) -> tuple[list[StatusList], StatusList]:
    cats = state.categories(store, DEAL_TYPE_ID)
    others = []
    for cat in sorted((c for c in cats.values() if c["id"] != 0), key=lambda c: int(c["id"])):
        cid = int(cat["id"])
        others.append(StatusList(f"DEAL_STAGE_{cid}", f"{cat['name']} deal stages", "DEAL",
                                 f"C{cid}", DEAL_TYPE_ID, cid))
    default = cats.get("0", {"name": ref.DEFAULT_DEAL_PIPELINE_NAME})
    main = StatusList("DEAL_STAGE", f"{default['name']} deal stages", "DEAL", "", DEAL_TYPE_ID, 0)
    return others, main


def _spa_lists(store: Store) -> list[StatusList]:
    result = []
    for spa in sorted(state.crm_types(store).values(), key=lambda t: int(t["id"])):
        etid = int(spa["entityTypeId"])
        cats = sorted(state.categories(store, etid).values(), key=lambda c: int(c["id"]))
        for cat in cats:
            cid = int(cat["id"])
            result.append(StatusList(
                f"DYNAMIC_{etid}_STAGE_{cid}", f"{spa['title']} ({cat['name']})", "SPA",
                f"DT{etid}_{cid}", etid, cid, cat["name"], int(cat["sort"]),
                cat["isDefault"] == "Y", spa.get("isStagesEnabled") == "Y"))
    return result


def all_lists(store: Store) -> list[StatusList]:
    """Every list in the order of the docs' crm.status.entity.types example."""
    lists = [StatusList("STATUS", "Lead stages", "STATUS", "", 1)]
    lists += [StatusList(eid, name, "REF") for eid, (name, _) in ref.REFERENCE_LISTS.items()]
    deal_others, deal_main = _deal_lists(store)
    lists += [*deal_others, deal_main,
              StatusList("QUOTE_STATUS", "Quote stages", "QUOTE_STATUS", "", 7)]
    lists += [StatusList(eid, name, "REF") for eid, (name, _) in ref.TRAILING_LISTS.items()]
    return lists + _spa_lists(store)


def find_list(store: Store, entity_id: str) -> StatusList | None:
    for item in all_lists(store):
        if item.entity_id == entity_id:
            return item
    return None


def _semantic_info(sl: StatusList) -> dict[str, Any]:
    return {"START_FIELD": sl.full_id(ref.START_STAGE[sl.kind]),
            "FINAL_SUCCESS_FIELD": sl.full_id(ref.FINAL_SUCCESS[sl.kind]),
            "FINAL_UNSUCCESS_FIELD": sl.full_id(ref.FINAL_FAILURE[sl.kind]),
            "FINAL_SORT": 0}


def descriptor(sl: StatusList) -> dict[str, Any]:
    """One entry of crm.status.entity.types, with the docs example's keys and JSON types."""
    out: dict[str, Any] = {"ID": sl.entity_id, "NAME": sl.name}
    if sl.kind in ("STATUS", "QUOTE_STATUS"):
        return {**out, "SEMANTIC_INFO": _semantic_info(sl), "ENTITY_TYPE_ID": sl.entity_type_id}
    if sl.kind == "DEAL":
        return {**out, **_deal_descriptor(sl)}
    if sl.kind == "SPA":
        return {**out, "SEMANTIC_INFO": [], "PREFIX": sl.prefix,
                "FIELD_ATTRIBUTE_SCOPE": f"category_{sl.category_id}",
                "ENTITY_TYPE_ID": sl.entity_type_id, "IS_ENABLED": sl.is_enabled,
                "CATEGORY_ID": sl.category_id, "CATEGORY_NAME": sl.category_name,
                "CATEGORY_SORT": sl.category_sort,
                "IS_DEFAULT_CATEGORY": sl.is_default_category}
    return out


def _deal_descriptor(sl: StatusList) -> dict[str, Any]:
    if not sl.prefix:
        return {"SEMANTIC_INFO": _semantic_info(sl), "FIELD_ATTRIBUTE_SCOPE": "",
                "ENTITY_TYPE_ID": DEAL_TYPE_ID, "CATEGORY_ID": 0}
    # The docs example really shows CATEGORY_ID as a string for pipelines >= 1.
    return {"PARENT_ID": "DEAL_STAGE", "SEMANTIC_INFO": _semantic_info(sl), "PREFIX": sl.prefix,
            "FIELD_ATTRIBUTE_SCOPE": f"category_{sl.category_id}",
            "ENTITY_TYPE_ID": DEAL_TYPE_ID, "CATEGORY_ID": str(sl.category_id)}
