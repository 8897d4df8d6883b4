"""Rows of `crm.status` lists shared by several kinds: stages (deal, lead) and list items.

Holds their model classes, TOML shapes, the checks of a stage list (codes, semantics order),
the SORT settlement against live rows, and the ordered REST writes for one list.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any, Protocol, TypeVar

from provisioner.kinds import shared
from provisioner.model import Action, Call, Change, Report, attribute, live_only
from provisioner.model.address import Address
from provisioner.model.shape import ArrayOf, Path, Prop, Scalar, Table

SEMANTICS = ("process", "success", "failure")
_TO_PORTAL = {"process": "", "success": "S", "failure": "F"}
_FROM_PORTAL = {"": "process", "S": "success", "F": "failure"}
STAGE_CODE = r"[0-9A-Za-z_-]+"
COLOR = r"#[0-9A-Fa-f]{6}"


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage of a pipeline or of the lead list; SEMANTICS is immutable on the portal."""

    code: str
    name: str = attribute()
    color: str | None = attribute(default=None)
    semantics: str = attribute(immutable=True, default="process")
    sort: int = attribute(default=0)
    owner: Address | None = field(default=None, compare=False)
    step: str = field(default="stage", compare=False)
    moved_from: str | None = field(default=None, compare=False)
    id: int | None = live_only()
    system: bool = live_only(False)
    status_id: str | None = live_only()  # the portal's STATUS_ID, prefix included (C3:NEW)
    address: Address = field(init=False, repr=False, compare=False)  # made once (make_plan)

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", _address(self.owner, self.step, self.code))

    @property
    def scope(self) -> str:
        return _scope(self.owner, self.step)


@dataclass(frozen=True, slots=True)
class Item:
    """An item of a reference list (SOURCE, CONTACT_TYPE, ...)."""

    code: str
    name: str = attribute()
    sort: int = attribute(default=0)
    owner: Address | None = field(default=None, compare=False)
    step: str = field(default="item", compare=False)
    id: int | None = live_only()
    system: bool = live_only(False)
    address: Address = field(init=False, repr=False, compare=False)  # made once (make_plan)

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", _address(self.owner, self.step, self.code))

    @property
    def scope(self) -> str:
        return _scope(self.owner, self.step)


class Sortable(Protocol):
    """A row of a list the portal orders by SORT: stages, items, enumeration items."""

    @property
    def code(self) -> str: ...

    @property
    def sort(self) -> int: ...


Row = TypeVar("Row", bound=Sortable)


def _address(owner: Address | None, step: str, code: str) -> Address:
    return owner.child(step, code) if owner else Address.of(step, code)


def _scope(owner: Address | None, step: str) -> str:
    return f"{owner}.{step}" if owner else step


# ---- TOML shapes -------------------------------------------------------------------------

# crm.category name: <= 255 (bitrix24-rest.md §2); the same limit for stage and item names.
NAME = Scalar("string", "Display name.", non_blank=True, max_length=255)


def stage_shape(where: str) -> ArrayOf:
    code = Scalar("string", "STATUS_ID without the list prefix, e.g. NEW.", pattern=STAGE_CODE,
                  fix="use only Latin letters, digits, `_` and `-`")
    item = Table({
        "code": Prop(code, required=True),
        "name": Prop(NAME, required=True),
        "color": Prop(Scalar("string", "Colour #RRGGBB.", pattern=COLOR,
                             fix="write #RRGGBB, e.g. #39A8EF")),
        "semantics": Prop(Scalar("string", "process (default), success or failure.",
                                 enum=SEMANTICS, default="process")),
        "moved_from": Prop(Scalar("string", "The code this stage has on the portal, when you "
                                  "renamed the code here: that stage is kept (its deals stay) "
                                  "and updated; the portal keeps the old code, as a STATUS_ID "
                                  "never changes.", pattern=STAGE_CODE,
                                  fix="use only Latin letters, digits, `_` and `-`")),
    }, "A stage; stages are ordered as written.")
    return ArrayOf(item, f"Stages of {where}, in order: process stages, one success stage, "
                         "then failure stages.")


def item_shape() -> ArrayOf:
    code = Scalar("string", "STATUS_ID of the item, e.g. WEB.", pattern=r"[^:\s][^:]*",
                  fix="write a code without `:` and not starting with a space", non_blank=True)
    return ArrayOf(Table({"code": Prop(code, required=True), "name": Prop(NAME, required=True)},
                         "An item; items are ordered as written."), "Items of the list, in order.")


# ---- parsing and checks --------------------------------------------------------------------

def tables(rows: Any) -> list[dict[str, Any]]:
    """The tables of an array of tables; the shape check reports anything else."""
    return [r if isinstance(r, dict) else {} for r in rows] if isinstance(rows, list) else []


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return shared.text(value) if isinstance(value, str) else ""


def parse_stages(rows: Any, owner: Address | None, step: str) -> list[Stage]:
    """Stages from (possibly faulty) tables; faults are reported by the shape check."""
    return [Stage(code=_text(r, "code"), name=_text(r, "name"), color=_color(r.get("color")),
                  semantics=_semantics(r), sort=10 * (i + 1), owner=owner, step=step,
                  moved_from=_text(r, "moved_from") or None)
            for i, r in enumerate(tables(rows))]


def semantics_valid(rows: Any) -> bool:
    return all(r.get("semantics", "process") in SEMANTICS for r in tables(rows))


def _semantics(row: Mapping[str, Any]) -> str:
    value = row.get("semantics", "process")
    return shared.text(value) if value in SEMANTICS else "process"


def parse_items(rows: Any, owner: Address) -> list[Item]:
    return [Item(code=_text(r, "code"), name=_text(r, "name"), sort=10 * (i + 1), owner=owner)
            for i, r in enumerate(tables(rows))]


def _color(value: Any) -> str | None:
    return shared.text(value.upper()) if isinstance(value, str) and value else None


def check_codes(codes: Sequence[str], path: Path, report: Report, max_len: int, why: str,
                exempt: Iterable[str] = ()) -> None:
    """Duplicate codes and codes longer than the portal accepts for this list."""
    seen: dict[str, int] = {}
    for index, code in enumerate(codes):
        where = (*path, index, "code")
        if not code:
            continue
        if code in seen:
            report.add(where, f'duplicate code "{code}" (first at [{seen[code]}])',
                       "give every entry its own code")
        seen.setdefault(code, index)
        if len(code) > max_len and code not in exempt:
            report.add(where, f'code "{code}" is {len(code)} characters; the portal accepts '
                              f"at most {max_len} here", f"shorten it to {max_len} ({why})")


def check_success_code(stages: Sequence[Stage], path: Path, report: Report, code: str) -> None:
    """The portal keeps exactly one success stage per list: its own system stage `code`, which
    it never deletes; another success code could never be created next to it."""
    for index, stage in enumerate(stages):
        if stage.semantics == "success" and stage.code != code:
            report.add((*path, index, "code"), f'the success stage has code "{stage.code}"',
                       f'write code = "{code}" (any name): the portal keeps its system success '
                       f"stage {code} in every list and allows only one success stage")


def check_semantics(stages: Sequence[Stage], path: Path, report: Report) -> None:
    """Process stages first, then exactly one success stage, then at least one failure stage."""
    order = [SEMANTICS.index(s.semantics) for s in stages]
    for index in range(1, len(order)):
        if order[index] < order[index - 1]:
            report.add((*path, index, "semantics"),
                       f'"{stages[index].semantics}" stage after a "{stages[index - 1].semantics}"'
                       " stage", "order stages: process stages, one success, then failures")
            return
    for name, want in (("process", "at least one"), ("success", "exactly one"),
                       ("failure", "at least one")):
        count = sum(1 for s in stages if s.semantics == name)
        if count == 0 or (name == "success" and count > 1):
            report.add(path, f'{count} "{name}" stages; a stage list needs {want}',
                       f'add or remove stages with semantics = "{name}"')


# ---- live rows -----------------------------------------------------------------------------

def strip_prefix(status_id: str) -> str:
    return status_id.split(":", 1)[1] if ":" in status_id else status_id


def row_sort_key(row: Mapping[str, Any]) -> tuple[int, int]:
    return int(row.get("SORT") or 0), int(row.get("ID") or 0)


def live_stage(row: Mapping[str, Any], owner: Address | None, step: str) -> Stage:
    return Stage(code=shared.text(strip_prefix(str(row["STATUS_ID"]))),
                 name=shared.text(str(row.get("NAME") or "")),
                 color=_color(row.get("COLOR") or None),
                 semantics=_FROM_PORTAL.get(str(row.get("SEMANTICS") or ""), "process"),
                 sort=int(row.get("SORT") or 0), owner=owner, step=step, id=int(row["ID"]),
                 system=row.get("SYSTEM") == "Y", status_id=str(row["STATUS_ID"]))


MOVED = ("matched by moved_from: the portal keeps this stage under its code {old} (a STATUS_ID "
         "never changes); its records stay, its name, colour and order follow this config")


def follow_moves(desired: Sequence[Stage], live: Sequence[Stage]
                 ) -> tuple[list[Stage], list[tuple[Address, str]]]:
    """Live stages re-keyed under the desired code that names them in `moved_from` (when no
    live stage has the desired code yet), with a note for each."""
    codes = {s.code for s in live}
    moves = {d.moved_from: d.code for d in desired if d.moved_from and d.code not in codes}
    out: list[Stage] = []
    notes: list[tuple[Address, str]] = []
    for stage in live:
        new = moves.get(stage.code)
        if new is None:
            out.append(stage)
            continue
        moved = replace(stage, code=new)
        out.append(moved)
        notes.append((moved.address, MOVED.format(old=stage.code)))
    return out, notes


def live_item(row: Mapping[str, Any], owner: Address) -> Item:
    return Item(code=shared.text(strip_prefix(str(row["STATUS_ID"]))),
                name=shared.text(str(row.get("NAME") or "")),
                sort=int(row.get("SORT") or 0), owner=owner, id=int(row["ID"]),
                system=row.get("SYSTEM") == "Y")


# ---- SORT settlement -----------------------------------------------------------------------

def settle_sorts(desired: Sequence[Row], live: Iterable[Row]) -> Sequence[Row]:
    """Give desired rows SORT values that keep the live SORT of every row already in order,
    so that inserting one stage changes one stage; renumber 10, 20, ... only when no room."""
    live_sort = {row.code: row.sort for row in live}
    anchored = _anchors([live_sort.get(row.code) for row in desired])
    sorts = _fill(anchored)
    if sorts is None:
        sorts = [10 * (i + 1) for i in range(len(desired))]
    # a row keeps its object when its SORT stands (most rows of a large, settled portal), and
    # the rows their sequence when every SORT stands (no list made: a plan's fewer young objects)
    if all(row.sort == sort for row, sort in zip(desired, sorts)):
        return desired
    return [row if row.sort == sort else resorted(row, sort) for row, sort in zip(desired, sorts)]


def resorted(row: Row, sort: int) -> Row:
    """`replace(row, sort=sort)` without running the constructor again: code and owner stand,
    so the address does, and is not looked up anew among every living address."""
    cls = type(row)
    new = object.__new__(cls)
    for name in cls.__slots__:  # type: ignore[attr-defined]
        object.__setattr__(new, name, getattr(row, name))
    object.__setattr__(new, "sort", sort)
    return new


def _anchors(values: list[int | None]) -> list[int | None]:
    """Keep the longest strictly increasing run of known SORT values (positive ones); among
    runs of that length, the one ending first, each step taking its earliest predecessor.
    Patience sorting, O(n log n): a list of 3,000 items settles as fast as its length."""
    known = [v for v in values if v is not None and v > 0]
    if all(a < b for a, b in pairwise(known)):  # already in order: the run is all of them
        return [v if v is not None and v > 0 else None for v in values]
    parent, node = _run_parents(values)
    keep: set[int] = set()
    while node is not None:
        keep.add(node)
        node = parent[node]
    return [v if i in keep else None for i, v in enumerate(values)]


def _run_parents(values: list[int | None]) -> tuple[dict[int, int | None], int | None]:
    """Each known index's predecessor in its longest run, and the last index of the longest
    run. Level k holds the indices whose longest run ending there has k + 1 values, in
    index order; their values never increase, so `keys` (the values negated) stays sorted."""
    level: list[list[int]] = []
    keys: list[list[int]] = []
    tops: list[int] = []  # the lowest value of each level
    parent: dict[int, int | None] = {}
    for i, v in enumerate(values):
        if v is None or v <= 0:
            continue
        k = bisect.bisect_left(tops, v)
        parent[i] = level[k - 1][bisect.bisect_right(keys[k - 1], -v)] if k else None
        if k == len(tops):
            tops.append(v)
            level.append([])
            keys.append([])
        tops[k] = min(tops[k], v)
        level[k].append(i)
        keys[k].append(-v)
    return parent, (level[-1][0] if level else None)


def _fill(values: list[int | None]) -> list[int] | None:
    out: list[int] = []
    i = 0
    while i < len(values):
        if values[i] is not None:
            out.append(values[i])  # type: ignore[arg-type]
            i += 1
            continue
        j = i
        while j < len(values) and values[j] is None:
            j += 1
        low = out[-1] if out else 0
        gap = j - i
        high = values[j] if j < len(values) else low + 10 * (gap + 1)
        if high is None or high - low - 1 < gap:
            return None
        out.extend(low + (high - low) * (k + 1) // (gap + 1) for k in range(gap))
        i = j
    return out


# ---- writes --------------------------------------------------------------------------------

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
        fields["SEMANTICS"] = _TO_PORTAL[op.desired.semantics]
    if category_id is not None:
        fields["CATEGORY_ID"] = category_id
    return Call("crm.status.add", {"fields": fields}, op.label)


def _fields(row: Stage | Item) -> dict[str, Any]:
    # NAME and SORT always travel together: an update without SORT may reset it to 10 (§3.4).
    fields: dict[str, Any] = {"NAME": row.name, "SORT": row.sort}
    if isinstance(row, Stage) and row.color:
        fields["COLOR"] = row.color
    return fields


def list_calls(ops: Sequence[Op], entity_id: str, category_id: int | None = None) -> list[Call]:
    return [op_call(op, entity_id, category_id) for op in ordered(ops)]


# ---- export --------------------------------------------------------------------------------

def export_stage(stage: Stage) -> dict[str, Any]:
    out: dict[str, Any] = {"code": stage.code, "name": stage.name}
    if stage.color:
        out["color"] = stage.color
    if stage.semantics != "process":
        out["semantics"] = stage.semantics
    return out


def export_item(item: Item) -> dict[str, Any]:
    return {"code": item.code, "name": item.name}


def by_address(rows: Iterable[Any]) -> dict[Address, Any]:
    return {row.address: row for row in rows}


def group(rows: Iterable[Mapping[str, Any]], key: Callable[[Mapping[str, Any]], str]
          ) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for row in sorted(rows, key=row_sort_key):
        out.setdefault(key(row), []).append(row)
    return out
