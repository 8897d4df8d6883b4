"""The ordered REST writes of one `crm.status` list: create, update and delete of its rows."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provisioner.kinds.statuses.rows import TO_PORTAL, Item, Stage, live_stage
from provisioner.model import Action, Call, Change, held
from provisioner.model.address import Address
from provisioner.model.answers import UntrustedAnswer, rows_of_list, shown


@dataclass(frozen=True, slots=True)
class Op:
    """One write to a status list: create, update or delete of one row."""

    verb: str  # "create" | "update" | "delete"
    desired: Stage | Item | None
    live: Stage | Item | None
    label: str


def ops_from_changes(changes: Sequence[Change], desired: Mapping[Address, Any],
                     live: Mapping[Address, Any]) -> list[Op]:
    ops: list[Op] = []
    for c in changes:
        d, lv, label = desired.get(c.address), live.get(c.address), f"{c.action.symbol} {c.address}"
        if c.action in (Action.DELETE, Action.REPLACE):
            ops.append(Op("delete", None, lv, label))
        if c.action in (Action.CREATE, Action.REPLACE):
            ops.append(Op("create", d, None, label))
        if c.action is Action.UPDATE:
            ops.append(Op("update", d, lv, label))
    return ops


def ordered(ops: Sequence[Op]) -> list[Op]:
    """Deletes, then rows moving up (highest first), then the other updates and the creates by
    SORT, so that no step puts a process stage after the success stage or a failure before it."""
    def target(op: Op) -> int:
        return op.desired.sort if op.desired else 0

    def moves_up(op: Op) -> bool:
        return op.live is not None and target(op) > op.live.sort

    deletes = [o for o in ops if o.verb == "delete"]
    updates = [o for o in ops if o.verb == "update"]
    ups = sorted((o for o in updates if moves_up(o)), key=lambda o: -target(o))
    rest = sorted((o for o in updates if not moves_up(o)), key=target)
    creates = sorted((o for o in ops if o.verb == "create"), key=target)
    return [*deletes, *ups, *rest, *creates]


def op_call(op: Op, entity_id: str, category_id: int | None = None) -> Call:
    if op.verb == "delete":
        assert op.live is not None
        return Call("crm.status.delete", {"id": op.live.id}, op.label)
    assert op.desired is not None
    fields = _fields(op.desired)
    if op.verb == "update":
        assert op.live is not None
        return Call("crm.status.update", {"id": op.live.id, "fields": fields}, op.label)
    fields = {"ENTITY_ID": entity_id, "STATUS_ID": op.desired.code, **fields}
    if isinstance(op.desired, Stage) and op.desired.semantics != "process":
        fields["SEMANTICS"] = TO_PORTAL[op.desired.semantics]
    if category_id is not None:
        fields["CATEGORY_ID"] = category_id
    return Call("crm.status.add", {"fields": fields}, op.label)


def _fields(row: Stage | Item) -> dict[str, Any]:
    # NAME and SORT always travel together: an update without SORT may reset it to 10
    # (docs/portal-rules.md#status-rules).
    fields: dict[str, Any] = {"NAME": row.name, "SORT": row.sort}
    if isinstance(row, Stage) and row.color:
        fields["COLOR"] = row.color
    return fields


def list_calls(ops: Sequence[Op], entity_id: str, category_id: int | None = None) -> list[Call]:
    return [op_call(op, entity_id, category_id) for op in ordered(ops)]


def made_calls(made: Mapping[str, Stage], wanted: Sequence[Stage], entity_id: str,
               category_id: int | None = None) -> list[Call]:
    """Stage writes for a pipeline made in this apply (`made`: the stages the portal made with
    it, by code): update those that share a desired code and differ, delete its other
    non-system ones, add the rest. A stage the portal made as wanted is written by no call
    (`held`: reported done, nothing sent; issue 18)."""
    codes = {s.code for s in wanted}
    ops, kept = [], []
    for s in wanted:
        have = made.get(s.code)
        if have is not None and as_wanted(have, s):
            kept.append(held(f"+ {s.address} (made by the portal with the pipeline, as wanted)"))
        else:
            ops.append(Op("update" if have else "create", s, have,
                          f"{'~' if have else '+'} {s.address}"))
    ops += [Op("delete", None, s, f"- {s.address} (made by the portal with the pipeline)")
            for s in made.values() if s.code not in codes and not s.system]
    return [*kept, *list_calls(ops, entity_id, category_id)]


def made_as_wanted(changes: Sequence[Change], desired: Mapping[Address, Any],
                   made: Mapping[str, Stage]) -> set[Address]:
    """The stage creates of pipelines these changes create that the portal is expected to
    make as wanted (`made`: what it makes with a pipeline, by code), for the plan's estimate:
    `made_calls` sends nothing for them."""
    new = {c.address for c in changes if c.address.depth == 1 and c.action is Action.CREATE}
    out = set()
    for c in changes:
        if c.action is Action.CREATE and c.address.depth == 2 and c.address.parent in new:
            want, have = desired.get(c.address), made.get(c.address.parts[-1][1])
            if isinstance(want, Stage) and have is not None and as_wanted(have, want):
                out.add(c.address)
    return out


def made_left_out(changes: Sequence[Change], desired: Mapping[Address, Any],
                  made: Sequence[str], system: Collection[str]) -> dict[Address, int]:
    """By new pipeline these changes create, how many of the stages the portal makes with it
    (`made`: their codes; `system`: those it keeps) its desired stages leave out: `made_calls`
    deletes them, for the plan's estimate (no change names them)."""
    codes: dict[Address, set[str]] = {}
    for c in changes:
        if c.action is Action.CREATE and c.address.parts[-1][0].endswith("pipeline"):
            codes.setdefault(c.address, set())
    for c in changes:
        node = desired.get(c.address)
        if isinstance(node, Stage) and c.address.parent in codes:
            codes[c.address.parent].add(node.code)
    return {pipe: sum(1 for code in made if code not in system and code not in wanted)
            for pipe, wanted in codes.items()}


def as_wanted(have: Stage, want: Stage) -> bool:
    """Whether an update of `have` to `want` would change nothing: it sends NAME, SORT and
    COLOR when one is wanted (`_fields`); SEMANTICS no update changes."""
    return (have.name == want.name and have.sort == want.sort
            and (not want.color or have.color == want.color))


# The most status rows (stages and list items) a portal may hold, read back and written, for
# the stages new pipelines come with to be read from the whole crm.status.list (one read a
# batch, whatever the pipelines it adds) rather than one filtered read a pipeline: about 3 MB of
# an answer, a tenth of what the client reads from one (client/transport.py).
WHOLE_ROWS = 10_000


def made_read(whole: bool, entity_id: str, label: str, key: str) -> Call:
    """The read of the stages the portal made with a pipeline the call before it adds
    (`entity_id` may hold a `$result` reference): the whole crm.status.list, once a batch
    (`shared`, docs/portal-rules.md#paging: it answers every row at once), or its list
    alone (`filter.ENTITY_ID`)."""
    if whole:
        return Call("crm.status.list", {}, label, key=key, with_previous=True, shared=True)
    return Call("crm.status.list", {"filter": {"ENTITY_ID": entity_id}}, label, key=key,
                with_previous=True)


def whole_reads(desired: Mapping[Address, Any], live: Mapping[Address, Any]) -> bool:
    """Whether `made_read` may read the whole list: the portal's rows and the config's
    (stages and list items), counted together, are at most half of `WHOLE_ROWS` (the other
    half is room for the stages new pipelines come with, which are not counted)."""
    rows = 0
    for nodes in (live, desired):
        for node in nodes.values():
            if isinstance(node, (Stage, Item)):
                rows += 1
                if rows > WHOLE_ROWS // 2:
                    return False
    return True


def answered_stages(rows: Sequence[Mapping[str, Any]], entity_id: str, owner: Address,
                    step: str, whole: bool = False) -> list[Stage]:
    """The stages a `crm.status.list` filtered by ENTITY_ID answered inside an apply (the
    stages the portal made with a new pipeline), before any is updated or deleted: every row
    of that list (else the portal ignored the filter) and shaped as documented. `whole`: the
    answer of the whole list (`made_read`), of which the rows of `entity_id` are taken."""
    if whole:
        rows = [r for r in rows if str(r.get("ENTITY_ID")) == entity_id]
    out = []
    for row in rows_of_list(rows, {"ENTITY_ID": entity_id}, "crm.status.list"):
        try:
            out.append(live_stage(row, owner, step))
        except (KeyError, TypeError, ValueError):
            raise UntrustedAnswer("crm.status.list", f"the portal answered the row {shown(row)} "
                                  "without the STATUS_ID and ID of a stage") from None
    return out
