"""Records inside what a plan deletes: count them before apply, refuse, or delete them first.

A kind may offer the capability `CountsRecords` (`records(change, live_nodes) -> RecordQuery |
None`) for its destructive changes: which list method counts the records (deals in a stage or a
pipeline, leads in a lead stage, items of a smart process, the records holding a value of a
custom field) and which method deletes one. The portal refuses to delete a stage, pipeline or
smart process that still holds records (docs/portal-rules.md#categories, #status-rules,
#type-methods), so `--allow-data-loss` makes apply delete those records first; a field is
deleted with its values, its records stay (nothing to delete first).

Counting is one `batch` of list calls whose `total` is the count (`select: ["ID"]`, one page).

The deletions of residue (`Change.residue`: the stages the portal made with a pipeline that a
stopped apply created and never reconciled, kinds/statuses/deal_pipelines.py) need no consent,
but only while they hold no records: their records are counted with the destructive changes',
and one that holds any (or whose kind cannot count them) is planned as every other deletion of
what the desired state leaves out (`settled`: a note, or with --allow-destroy a destructive
deletion). Apply counts them again right before it writes (engine/applier.py).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from provisioner.engine.cost import plan_cost
from provisioner.engine.planfile import StalePlan
from provisioner.engine.planner import unmanaged_change
from provisioner.errors import ProvisionError
from provisioner.kinds import KINDS
from provisioner.model import AnyKind, Call, Change, Note, Plan, RecordQuery, Records
from provisioner.model.address import Address
from provisioner.model.answers import UntrustedAnswer, rows_in, rows_of_list, shown

BATCH = 50
PAGE = 50


class DestroyRefused(ProvisionError):
    """The plan holds destructive changes and apply was not allowed to destroy."""


class DataLossRefused(ProvisionError):
    """The plan deletes objects that still hold records and data loss was not allowed."""


def queries(plan: Plan, kinds: Sequence[AnyKind] = KINDS) -> dict[Address, RecordQuery]:
    """The record queries of the plan's destructive changes and residue deletions, outermost
    object only (deleting a pipeline counts its deals once, not once more per stage)."""
    by_name = {k.name: k for k in kinds}
    out: dict[Address, RecordQuery] = {}
    for change in (*plan.destructive, *plan.residue):
        hook = getattr(by_name.get(change.kind), "records", None)
        query = hook(change, plan.live_nodes) if hook is not None else None
        if query is not None:
            out[change.address] = query
    return {a: q for a, q in out.items() if not _inside(a, out)}


def _inside(address: Address, others: Mapping[Address, Any]) -> bool:
    parent = address.parent
    while parent is not None:
        if parent in others:
            return True
        parent = parent.parent
    return False


def count_records(plan: Plan, client: Any, kinds: Sequence[AnyKind] = KINDS) -> Plan:
    """The plan with `records` filled in: one list call per destructive object and residue
    deletion, batched (its cost's reads counting those requests); then its residue deletions
    `settled` by their counts."""
    found = queries(plan, kinds)
    if not found:
        return settled(plan, kinds)
    keys = {f"n{i}": a for i, a in enumerate(found)}
    counts: dict[Address, Records] = {}
    items = list(keys.items())
    for start in range(0, len(items), BATCH):
        chunk = dict(items[start:start + BATCH])
        out = client.batch({k: _count_call(found[a]) for k, a in chunk.items()}, halt=False)
        for key, address in chunk.items():
            counts[address] = Records(_total(out, key, found[address]), found[address].noun)
    # the counts are reads too: the cost line says every request the plan sent
    sent = -(-len(items) // BATCH)
    cost = plan.cost if plan.cost is None else \
        dataclasses.replace(plan.cost, read_requests=plan.cost.read_requests + sent)
    return settled(dataclasses.replace(plan, records=counts, cost=cost), kinds)


def settled(plan: Plan, kinds: Sequence[AnyKind] = KINDS) -> Plan:
    """The plan whose residue deletions that hold records (or were not counted: their kind
    counts none) are planned as any deletion of what the desired state leaves out: a note, or
    with --allow-destroy a destructive deletion needing its consent as any other. Only a
    residue deletion counted empty stays one."""
    if all(_empty(plan, c) for c in plan.residue):
        return plan
    by_name = {k.name: k for k in kinds}
    changes: list[Change] = []
    notes: list[Note] = list(plan.notes)
    for change in plan.changes:
        planned = change if not change.residue or _empty(plan, change) else \
            unmanaged_change(change, by_name[change.kind], plan.options.allow_destroy)
        if isinstance(planned, Change):
            changes.append(planned)
        else:
            notes.append(planned)
    cost = plan.cost
    if cost is not None and len(changes) != len(plan.changes):  # a write fewer
        cost = plan_cost(cost.read_requests, changes, plan.desired_nodes, plan.live_nodes,
                         kinds)
    return dataclasses.replace(plan, changes=tuple(changes), cost=cost, notes=tuple(
        sorted(notes, key=lambda n: n.address.parts)))


def _empty(plan: Plan, change: Change) -> bool:
    held = plan.records.get(change.address)
    return held is not None and held.count == 0


def uncounted_residue(plan: Plan) -> list[Change]:
    """The plan's residue deletions with no count (a plan made by `make_plan` alone)."""
    return [c for c in plan.residue if c.address not in plan.records]


def check_residue(plan: Plan, now: Plan) -> None:
    """Refuse (StalePlan) when a residue deletion of `plan` is one no longer in `now` (planned
    again and counted right before apply) because what it deletes holds records now: it
    gained them since the plan, and provision deletes residue only while it holds none."""
    still = {c.address for c in now.residue}
    gained = [c.address for c in plan.residue if c.address not in still
              and (held := now.records.get(c.address)) is not None and held.count > 0]
    if gained:
        lines = [f"  {a}: {_count(now.records[a])}" for a in gained]
        raise StalePlan("plan is stale: what the plan deleted as residue of a stopped apply "
                        "holds records now, so it is deleted only with --allow-destroy, as "
                        "any other deletion:\n" + "\n".join(lines) + "\nNothing was applied: "
                        "plan again and review the new plan.")


def _count_call(query: RecordQuery) -> tuple[str, dict[str, Any]]:
    return query.list_method, {**query.params, "select": [query.id_key]}


def _total(out: Any, key: str, query: RecordQuery) -> int:
    if key in out.errors:
        raise ProvisionError(f"counting {query.noun} failed: {query.list_method}: "
                             f"{out.errors[key]}")
    total = out.totals.get(key)
    return int(total) if total is not None else len(_rows(out.results.get(key), query))


def _rows(result: Any, query: RecordQuery) -> list[Any]:
    if query.list_key and isinstance(result, dict):
        result = result.get(query.list_key, [])
    return list(result or [])


def check_safe(plan: Plan, allow_destroy: bool, allow_data_loss: bool) -> None:
    """Raise unless the consent the plan needs was given (safety lives in the plan)."""
    if plan.destructive and not allow_destroy:
        names = ", ".join(str(c.address) for c in plan.destructive)
        raise DestroyRefused(f"the plan deletes or replaces {names}; "
                             "run again with --allow-destroy to allow it")
    if plan.data_loss and not allow_data_loss:
        held = ", ".join(f"{c.address} ({_count(plan.records[c.address])})"
                         for c in plan.data_loss)
        # a field's values go, its records stay: say what goes, by its noun
        nouns = list(dict.fromkeys(plan.records[c.address].noun for c in plan.data_loss))
        stay = " (a deleted field's records stay)" if "values" in nouns else ""
        raise DataLossRefused(f"the plan deletes objects that still hold data: {held}; the "
                              f"{' and '.join(nouns)} would be deleted with them{stay}: run "
                              "again with --allow-destroy --allow-data-loss to allow it")


def _count(held: Records) -> str:
    return f"{held.count} {held.noun if held.count != 1 else held.noun[:-1]}"


def purge_listing(plan: Plan, kinds: Sequence[AnyKind] = KINDS
                  ) -> list[tuple[RecordQuery, int]]:
    """The record sets apply deletes first (only those counted non-empty, and not those that
    stay: a deleted field's records lose their values only)."""
    found = queries(plan, kinds)
    return [(found[c.address], plan.records[c.address].count) for c in plan.data_loss
            if c.address in found and found[c.address].delete_method]


def purge_calls(client: Any, plan: Plan, kinds: Sequence[AnyKind] = KINDS) -> list[Call]:
    """List the ids (pages in batches) and return the delete calls, one per record."""
    calls: list[Call] = []
    for query, count in purge_listing(plan, kinds):
        for rid in _ids(client, query, count):
            calls.append(Call(query.delete_method, {**query.delete_params, "id": rid},
                              f"- {query.noun[:-1]} {rid} (data loss allowed)"))
    return calls


def _ids(client: Any, query: RecordQuery, count: int) -> list[Any]:
    """The ids, a batch of pages at a time while every page comes back full: a count that no
    page bears out (a portal's lying total) costs one batch, not a key per page it claims.
    Every row must lie where the query asked (its filter's fields, its smart process), else
    UntrustedAnswer before anything is deleted: a portal that ignores the filter would
    otherwise hand over records of every stage."""
    where = _where(query)
    starts = iter(range(0, count + PAGE, PAGE))
    ids: list[Any] = []
    while chunk := list(itertools.islice(starts, BATCH)):
        pages = {f"p{s}": (query.list_method,
                           {**query.params, "select": [query.id_key, *where], "start": s})
                 for s in chunk}
        out = client.batch(pages, halt=False)
        rows = [rows_of_list(rows_in(out.results.get(key) or [], query.list_key,
                                     query.list_method), where, query.list_method)
                for key in pages]
        ids.extend(_id(row, query) for page in rows for row in page)
        if any(len(page) < PAGE for page in rows):
            break
    return list(dict.fromkeys(ids))


def _where(query: RecordQuery) -> dict[str, Any]:
    """The fields that place a record where the query looks: its filter (`=` prefix dropped)
    and, for smart-process items, `entityTypeId`."""
    flt = query.params.get("filter")
    where = {str(k).lstrip("="): v for k, v in (flt.items() if isinstance(flt, Mapping) else ())}
    if "entityTypeId" in query.params:
        where["entityTypeId"] = query.params["entityTypeId"]
    return where


def _id(row: Mapping[str, Any], query: RecordQuery) -> Any:
    rid = row.get(query.id_key)
    if rid is None or not str(rid).isdigit():
        raise UntrustedAnswer(query.list_method, f"the portal answered a record without its "
                              f"{query.id_key}: {shown(row)}")
    return rid
