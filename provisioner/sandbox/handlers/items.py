"""crm.deal.list/delete, crm.lead.list/delete, crm.item.list/delete, crm.quote.list: records in
stages, minimal.

The sandbox keeps records as counts per stage (store section `items`, `"ENTITY_ID|STATUS_ID"`,
crm/state.py). These handlers give the counted records ids (section `crm_records`, kept in step
with the counts) so that a client can count them (`total`, paged by 50) and delete them. Only the
fields a provisioner needs: deals ID/STAGE_ID/CATEGORY_ID, leads ID/STATUS_ID, smart-process items
id/stageId/categoryId/entityTypeId. Docs: api-reference/crm/deals/crm-deal-list.md,
api-reference/crm/leads/crm-lead-list.md, api-reference/crm/universal/crm-item-list.md (and the matching delete pages).
"""

from __future__ import annotations

import re
from typing import Any

from provisioner.sandbox.core import REGISTRY, BitrixError, CallContext, Result, paginate
from provisioner.sandbox.crm import categories, state, types, values
from provisioner.sandbox.crm.common import as_int, d7_int_param, legacy_error, legacy_id
from provisioner.sandbox.store import Store

_DEAL_LIST = re.compile(r"DEAL_STAGE(?:_(\d+))?")
_SPA_LIST = re.compile(r"DYNAMIC_(\d+)_STAGE_(\d+)")


def _record(entity_id: str, status_id: str) -> dict[str, Any] | None:
    """The record fields of a stage key, or None for lists that hold no records we emulate."""
    if entity_id == "STATUS":
        return {"kind": "lead", "STATUS_ID": status_id}
    if m := _DEAL_LIST.fullmatch(entity_id):
        return {"kind": "deal", "STAGE_ID": status_id, "CATEGORY_ID": int(m.group(1) or 0)}
    if m := _SPA_LIST.fullmatch(entity_id):
        return {"kind": "item", "entityTypeId": int(m.group(1)), "categoryId": int(m.group(2)),
                "stageId": status_id}
    return None


def _records(store: Store) -> dict[str, dict[str, Any]]:
    """Records with ids, brought in step with the per-stage counts (which stay authoritative)."""
    table: dict[str, dict[str, Any]] = store.section("crm_records", {})
    counts: dict[str, int] = store.section("items", {})
    by_key: dict[str, list[str]] = {}
    for rid, rec in table.items():
        by_key.setdefault(rec["key"], []).append(rid)
    for key in set(by_key) | set(counts):
        ids, want = sorted(by_key.get(key, []), key=int), counts.get(key, 0)
        for rid in ids[want:]:
            del table[rid]
        entity_id, status_id = key.split("|", 1)
        fields = _record(entity_id, status_id)
        for _ in range(max(0, want - len(ids)) if fields else 0):
            rid = str(store.next_id("crm_record"))
            table[rid] = {"ID": int(rid), "key": key, **(fields or {})}
    return table


def _matches(rec: dict[str, Any], flt: dict[str, Any]) -> bool:
    for name, want in flt.items():
        key = name.lstrip("=")
        if str(rec.get(key)) != str(want):
            return False
    return True


ENTITY = {"deal": "CRM_DEAL", "lead": "CRM_LEAD"}  # whose custom fields a filter may name


def _select(store: Store, kind: str, flt: Any, entity_id: str = "") -> list[dict[str, Any]]:
    """Records of `kind` matching the filter; custom-field keys by emptiness (crm/values.py)."""
    flt, holds = values.split(store, entity_id or ENTITY.get(kind, ""),
                              flt if isinstance(flt, dict) else {})
    rows = [r for r in _records(store).values()
            if r["kind"] == kind and _matches(r, flt) and holds(int(r["ID"]))]
    return sorted(rows, key=lambda r: int(r["ID"]))


def _delete(store: Store, kind: str, rid: int) -> bool:
    rec = _records(store).get(str(rid))
    if rec is None or rec["kind"] != kind:
        return False
    entity_id, status_id = rec["key"].split("|", 1)
    del store.section("crm_records", {})[str(rid)]  # first: the count follows the records
    state.set_item_count(store, entity_id, status_id,
                         state.item_count(store, entity_id, status_id) - 1)
    return True


def _legacy_rows(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{k: str(r[k]) for k in ("ID", *keys)} for r in rows]


@REGISTRY.add("crm.deal.list", scope="crm", doc="api-reference/crm/deals/crm-deal-list.md")
def deal_list(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Filter by exact STAGE_ID / CATEGORY_ID (optionally `=`-prefixed); 50 a page, `total`."""
    rows = _select(ctx.store, "deal", params.get("filter") or params.get("FILTER"))
    return paginate(_legacy_rows(rows, ("STAGE_ID", "CATEGORY_ID")), ctx.start)


@REGISTRY.add("crm.lead.list", scope="crm", doc="api-reference/crm/leads/crm-lead-list.md")
def lead_list(ctx: CallContext, params: dict[str, Any]) -> Result:
    rows = _select(ctx.store, "lead", params.get("filter") or params.get("FILTER"))
    return paginate(_legacy_rows(rows, ("STATUS_ID",)), ctx.start)


# api-reference/crm/universal/crm-item-list.md: filter keys take a prefix; these are the exact-value ones (`=` the default).
_ITEM_OPS = (("!@", "not in"), ("@", "in"), ("!=", "not"), ("!", "not"), ("=", "is"))


def _item_matches(rec: dict[str, Any], flt: dict[str, Any]) -> bool:
    """D7 filter on the item fields kept (`id`, `stageId`, `categoryId`), AND of all keys."""
    fields = {"id": rec["ID"], "stageId": rec["stageId"], "categoryId": rec["categoryId"]}
    for name, want in flt.items():
        prefix, op = next(((p, o) for p, o in _ITEM_OPS if name.startswith(p)), ("", "is"))
        have = str(fields.get(name[len(prefix):]))
        wants = {str(w) for w in want} if isinstance(want, list) else {str(want)}
        if (have in wants) != (op in ("is", "in")):
            return False
    return True


@REGISTRY.add("crm.item.list", scope="crm", doc="api-reference/crm/universal/crm-item-list.md")
def item_list(ctx: CallContext, params: dict[str, Any]) -> Result:
    """`{"items": [...]}` of one smart process (`entityTypeId`), 50 a page, `total`; an unknown
    smart process → `NOT_FOUND` `Smart process not found` (api-reference/crm/universal/crm-item-list.md errors); the
    built-in types list no items here (their records are crm.deal.list / crm.lead.list's)."""
    etid = d7_int_param(params, "entityTypeId")
    if etid >= 128 and categories.spa_by_entity_type(ctx.store, etid) is None:
        raise BitrixError("NOT_FOUND", types.NOT_FOUND, 400)
    given = params.get("filter")
    spa = categories.spa_by_entity_type(ctx.store, etid)
    flt, holds = values.split(ctx.store, f"CRM_{spa['id']}" if spa else "",
                              dict(given) if isinstance(given, dict) else {})
    rows = [r for r in _select(ctx.store, "item", {"entityTypeId": etid})
            if _item_matches(r, flt) and holds(int(r["ID"]))]
    page = paginate([{"id": r["ID"], "entityTypeId": etid, "categoryId": r["categoryId"],
                      "stageId": r["stageId"]} for r in rows], ctx.start)
    return Result({"items": page.value}, total=page.total, next=page.next)


@REGISTRY.add("crm.quote.list", scope="crm", doc="api-reference/crm/quote/crm-quote-list.md")
def quote_list(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Quotes are not emulated beyond the ones a test gave a custom-field value
    (crm/values.py): filter `ID` and custom fields by emptiness; 50 a page."""
    flt, holds = values.split(ctx.store, "CRM_QUOTE", _filter(params))
    ids = sorted({int(i) for f in state.userfields(ctx.store).values()
                  if f["ENTITY_ID"] == "CRM_QUOTE"
                  for i in ctx.store.section("uf_values", {}).get(str(f["ID"]), [])})
    rows = [{"ID": str(i)} for i in ids if holds(i) and _matches({"ID": i}, flt)]
    return paginate(rows, ctx.start)


def _filter(params: dict[str, Any]) -> dict[str, Any]:
    given = params.get("filter") or params.get("FILTER")
    return dict(given) if isinstance(given, dict) else {}


@REGISTRY.add("crm.deal.delete", scope="crm", write=True,
              doc="api-reference/crm/deals/crm-deal-delete.md")
def deal_delete(ctx: CallContext, params: dict[str, Any]) -> Result:
    if not _delete(ctx.store, "deal", legacy_id(params)):
        raise legacy_error("Not found")
    return Result(True)


@REGISTRY.add("crm.lead.delete", scope="crm", write=True,
              doc="api-reference/crm/leads/crm-lead-delete.md")
def lead_delete(ctx: CallContext, params: dict[str, Any]) -> Result:
    if not _delete(ctx.store, "lead", legacy_id(params)):
        raise legacy_error("Not found")
    return Result(True)


@REGISTRY.add("crm.item.delete", scope="crm", write=True,
              doc="api-reference/crm/universal/crm-item-delete.md")
def item_delete(ctx: CallContext, params: dict[str, Any]) -> Result:
    d7_int_param(params, "entityTypeId")
    rid = as_int(params.get("id"))
    if rid is None or not _delete(ctx.store, "item", rid):
        raise BitrixError("NOT_FOUND", "Element not found", 400)
    return Result([])
