"""Rows of `crm.status` lists shared by the stage and list kinds: stages (deal, lead, smart
processes) and reference-list items: model classes, TOML shapes, parsing and the checks of a
stage list (codes, semantics order), live rows, export."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from provisioner.kinds import shared
from provisioner.model import ReadCall, Report, RowKeys, attribute, live_only
from provisioner.model.address import Address
from provisioner.model.quickinit import quick_init
from provisioner.model.reasons import Reason
from provisioner.model.shape import ArrayOf, Path, Prop, Scalar, Table

SEMANTICS = ("process", "success", "failure")
TO_PORTAL = {"process": "", "success": "S", "failure": "F"}
FROM_PORTAL = {"": "process", "S": "success", "F": "failure"}
STAGE_CODE = r"[0-9A-Za-z_-]+"
COLOR = r"#[0-9A-Fa-f]{6}"


@quick_init
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

    @property
    def address(self) -> Address:
        """Made when asked, not held (as an enumeration item's, fields/model.py): the
        interned address is one object."""
        return _address(self.owner, self.step, self.code)

    @property
    def scope(self) -> str:
        return _scope(self.owner, self.step)


@quick_init
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

    @property
    def address(self) -> Address:
        return _address(self.owner, self.step, self.code)  # made when asked, as a stage's

    @property
    def scope(self) -> str:
        return _scope(self.owner, self.step)



def _address(owner: Address | None, step: str, code: str) -> Address:
    return owner.child(step, code) if owner else Address.of(step, code)


def _scope(owner: Address | None, step: str) -> str:
    return f"{owner}.{step}" if owner else step


# ---- TOML shapes -------------------------------------------------------------------------

# crm.category name: <= 255 (docs/portal-rules.md#categories); the same limit for stage and item
# names.
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


def _name(row: Mapping[str, Any]) -> str:
    """The name trimmed as the portal trims it, so that ` Новая` converges with `Новая`."""
    value = row.get("name")
    return shared.name(value) if isinstance(value, str) else ""


def parse_stages(rows: Any, owner: Address | None, step: str) -> list[Stage]:
    """Stages from (possibly faulty) tables; faults are reported by the shape check."""
    return [Stage(code=_text(r, "code"), name=_name(r), color=_color(r.get("color")),
                  semantics=_semantics(r), sort=10 * (i + 1), owner=owner, step=step,
                  moved_from=_text(r, "moved_from") or None)
            for i, r in enumerate(tables(rows))]


def semantics_valid(rows: Any) -> bool:
    return all(r.get("semantics", "process") in SEMANTICS for r in tables(rows))


def _semantics(row: Mapping[str, Any]) -> str:
    value = row.get("semantics", "process")
    return shared.text(value) if value in SEMANTICS else "process"


def parse_items(rows: Any, owner: Address) -> list[Item]:
    return [Item(code=_text(r, "code"), name=_name(r), sort=10 * (i + 1), owner=owner)
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
                 semantics=FROM_PORTAL.get(str(row.get("SEMANTICS") or ""), "process"),
                 sort=int(row.get("SORT") or 0), owner=owner, step=step, id=int(row["ID"]),
                 system=row.get("SYSTEM") == "Y", status_id=str(row["STATUS_ID"]))


@dataclass(frozen=True)
class Moved(Reason):
    """A live stage matched to a desired one by `moved_from`: kept under its old code."""

    code: ClassVar[str] = "moved_from"
    old: str

    @property
    def text(self) -> str:
        return (f"matched by moved_from: the portal keeps this stage under its code {self.old} (a "
                "STATUS_ID never changes); its records stay, its name, colour and order follow "
                "this config")


def follow_moves(desired: Sequence[Stage], live: Sequence[Stage]
                 ) -> tuple[list[Stage], list[tuple[Address, Moved]]]:
    """Live stages re-keyed under the desired code that names them in `moved_from` (when no
    live stage has the desired code yet), with a note for each."""
    codes = {s.code for s in live}
    moves = {d.moved_from: d.code for d in desired if d.moved_from and d.code not in codes}
    out: list[Stage] = []
    notes: list[tuple[Address, Moved]] = []
    for stage in live:
        new = moves.get(stage.code)
        if new is None:
            out.append(stage)
            continue
        moved = replace(stage, code=new)
        out.append(moved)
        notes.append((moved.address, Moved(stage.code)))
    return out, notes


def keep_moves(desired: Sequence[Stage], live: Sequence[Stage]) -> tuple[Stage, ...]:
    """Export over a config: the live stages a desired stage names in `moved_from`, under the
    desired code and with `moved_from` kept (else the export would write the portal's code)."""
    stages, _ = follow_moves(desired, live)
    return tuple(s if s.code == old.code else replace(s, moved_from=old.code)
                 for s, old in zip(stages, live, strict=True))


def live_item(row: Mapping[str, Any], owner: Address) -> Item:
    return Item(code=shared.text(strip_prefix(str(row["STATUS_ID"]))),
                name=shared.text(str(row.get("NAME") or "")),
                sort=int(row.get("SORT") or 0), owner=owner, id=int(row["ID"]),
                system=row.get("SYSTEM") == "Y")


# ---- export --------------------------------------------------------------------------------

def export_stage(stage: Stage) -> dict[str, Any]:
    out: dict[str, Any] = {"code": stage.code, "name": stage.name}
    if stage.color:
        out["color"] = stage.color
    if stage.semantics != "process":
        out["semantics"] = stage.semantics
    if stage.moved_from:  # set only by `keyed_as`: an export over a config that moved it
        out["moved_from"] = stage.moved_from
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


class Grouped(dict[str, tuple[Mapping[str, Any], ...]]):
    """`crm.status.list`'s rows by ENTITY_ID, each list in the portal's order (SORT, ID)."""


def by_entity(rows: Any) -> Mapping[str, Sequence[Mapping[str, Any]]]:
    """`crm.status.list`'s rows by ENTITY_ID: as the read keeps them (`STATUSES`, grouped
    once for the four kinds that read them), or grouped now (an answer the read kept as it
    came, which the kind then finds fault with)."""
    if isinstance(rows, Grouped):
        return rows
    return Grouped({k: tuple(v) for k, v in group(rows, _entity).items()})


def grouped(answer: Any) -> Any:
    """What `crm.status.list`'s read keeps (`ReadCall.keep`): its rows grouped by list once
    (102,867 rows at L100, which deal and lead stages, reference lists and smart-process
    stages each sorted and grouped), or the answer itself when it is not a list of tables with
    numeric SORT and ID (the kinds then say what is wrong with it)."""
    if not shared.tables(answer):
        return answer
    try:
        return by_entity(answer)
    except (TypeError, ValueError):
        return answer


def _entity(row: Mapping[str, Any]) -> str:
    return str(row.get("ENTITY_ID"))


# The keys of a status row the kinds read (`live_stage`, `live_item`, `row_sort_key`,
# `_entity`): a row also holds NAME_INIT, CATEGORY_ID and EXTRA (a table of SEMANTICS and
# COLOR again; api-reference/crm/status/crm-status-list.md), which none reads.
ROW_KEYS = ("ID", "ENTITY_ID", "STATUS_ID", "NAME", "SORT", "SYSTEM", "COLOR", "SEMANTICS")

# Every status list at once (docs/portal-rules.md#paging: crm.status.list does not page),
# its rows decoded with only the keys read (25.7 MB at L100) and grouped by list as soon as
# it is read.
STATUSES = ReadCall("crm.status.list", {}, keep=grouped, trim=RowKeys(ROW_KEYS))
