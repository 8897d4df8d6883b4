"""The request floor of a plan and of an apply, derived from the portal's data, not from the calls
provision happens to make (docs/benchmarks.md, "The floor", says why each line is there).

Reads: the fewest list calls whose answers hold everything the kinds need, 50 rows a page for
the lists that page, 50 calls a batch request. Apply from empty: one call per object the portal
lacks, plus one per object the portal makes by itself (a new pipeline's stages, a new portal's
lists) only where its value differs from what is wanted. Every call counts as if it could ride
in any batch: a read or write that needs an id from an earlier call of the same batch can name
it with `$result[...]`, so the floor is ceil(calls / 50) requests, a lower bound.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provisioner.kinds.fields.labels import LANGUAGES as ALL_LANGUAGES
from provisioner.sandbox.crm import categories as cats
from provisioner.sandbox.crm import state, types
from provisioner.sandbox.store import Store

BATCH = 50  # calls per batch request (docs/portal-rules.md#batch)
PAGE = 50  # rows per page of a list that pages (docs/portal-rules.md#paging)
# The portal's languages: the kinds keep a field's labels in each (a label list answers in one
# language, a get in all; provisioner/kinds/fields/labels.py, docs/portal-rules.md#field-labels)
LANGUAGES = len(ALL_LANGUAGES)
CLASSIC = ("CRM_LEAD", "CRM_DEAL", "CRM_CONTACT", "CRM_COMPANY", "CRM_QUOTE")
STAGE_VALUES = ("NAME", "SORT", "COLOR", "SEMANTICS")  # what a stage or list item is
DEAL = 2


@dataclass(frozen=True)
class Line:
    """One line of a floor's derivation: what is needed, the call that gives or makes it, and
    how many calls."""

    what: str
    method: str
    calls: int


@dataclass(frozen=True)
class Floor:
    lines: tuple[Line, ...]

    @property
    def calls(self) -> int:
        return sum(line.calls for line in self.lines)

    @property
    def requests(self) -> int:
        return math.ceil(self.calls / BATCH)

    def text(self) -> str:
        return "; ".join(f"{line.what}: {line.calls} × {line.method}" for line in self.lines
                         if line.calls)


def pages(rows: int) -> int:
    return max(1, math.ceil(rows / PAGE))


def spa_fields(store: Store) -> list[dict[str, Any]]:
    return [f for f in state.userfields(store).values() if f["ENTITY_ID"] not in CLASSIC]


# ---- reads ------------------------------------------------------------------------------------

def read_floor(store: Store, languages: int = 2) -> Floor:
    """The reads of a plan of the portal in `store` (whatever the desired state: a plan reads
    the live side of every kind). `languages`: the label languages read, ru and en and those
    the config names (a plan; the bench's configs name none), every one for an export's read
    (`LANGUAGES`)."""
    spas = len(state.crm_types(store))
    fields = spa_fields(store)
    enums = sum(1 for f in fields if f["USER_TYPE_ID"] == "enumeration")
    users = len(store.section("users", {}))
    classic = [sum(1 for f in state.userfields(store).values() if f["ENTITY_ID"] == entity)
               for entity in CLASSIC]
    return Floor((
        Line("deal pipelines", "crm.category.list", 1),
        Line("every stage and list item (deal, lead, lists, smart processes)",
             "crm.status.list", 1),
        Line("which lists exist", "crm.status.entity.types", 1),
        Line("smart processes", "crm.type.list", pages(spas)),
        Line("a smart process's settings and relations (not in the list)", "crm.type.get",
             spas),
        # crm.status.entity.types names each pipeline but not its `code`, which keys it
        # (docs: crm-status-entity-types.md, answer fields): only crm.category.list holds it
        Line("a smart process's pipeline codes (not in crm.status.entity.types)",
             "crm.category.list", spas),
        Line("custom fields of leads ... quotes, one list per label language (or, for fewer "
             "fields than languages, one list and a get per field: every language)",
             "crm.<entity>.userfield.list / .get",
             sum(min(languages, 1 + n) for n in classic)),
        Line("smart-process custom fields, in one language", "userfieldconfig.list",
             pages(len(fields)) if fields else 1),
        Line("a smart-process enumeration's items and labels (not in the list)",
             "userfieldconfig.get", enums),
        Line("the other fields' labels in the other languages: a list per language and page, "
             "or a get per field, whichever is fewer", "userfieldconfig.list / .get",
             min((languages - 1) * pages(len(fields)), len(fields) - enums) if fields else 0),
        Line("users (responsible persons of robots)", "user.get", pages(users)),
        Line("whether the token is an application's", "app.info", 1),
    ))


# ---- apply from empty ---------------------------------------------------------------------------

def _rows_by_list(store: Store) -> dict[str, dict[str, tuple[Any, ...]]]:
    """{ENTITY_ID: {code without the pipeline prefix: (NAME, SORT, COLOR, SEMANTICS)}}."""
    out: dict[str, dict[str, tuple[Any, ...]]] = {}
    for row in state.statuses(store).values():
        code = str(row["STATUS_ID"]).rsplit(":", 1)[-1]
        out.setdefault(str(row["ENTITY_ID"]), {})[code] = tuple(
            row.get(k) for k in STAGE_VALUES)
    return out


def _difference(made: Mapping[str, tuple[Any, ...]], wanted: Mapping[str, tuple[Any, ...]]
                ) -> tuple[int, int, int]:
    """(adds, updates, deletes) that turn the rows the portal made into the wanted ones."""
    adds = sum(1 for code in wanted if code not in made)
    updates = sum(1 for code, value in wanted.items() if code in made and made[code] != value)
    deletes = sum(1 for code in made if code not in wanted)
    return adds, updates, deletes


@dataclass(frozen=True)
class Made:
    """What the portal makes by itself: a new portal's lists, a new pipeline's stages."""

    lists: dict[str, dict[str, tuple[Any, ...]]]
    deal_pipeline: dict[str, tuple[Any, ...]]
    spa_first: dict[str, tuple[Any, ...]]
    spa_more: dict[str, tuple[Any, ...]]

    @classmethod
    def by_the_sandbox(cls) -> Made:
        """Asked of a new sandbox portal (it makes what the docs say a portal makes)."""
        store = Store.new()
        fresh = _rows_by_list(store)
        deal = cats.add_category(store, cats.Owner(DEAL, "DEAL"), {"name": "Probe"})
        spa = types.add_type(store, {"title": "Probe", "isCategoriesEnabled": "Y",
                                     "isStagesEnabled": "Y"}, 1)
        etid = int(spa["entityTypeId"])
        first = next(iter(state.categories(store, etid).values()))
        more = cats.add_category(store, cats.Owner(etid, "SPA"), {"name": "Second"})
        rows = _rows_by_list(store)
        return cls(fresh, rows[f"DEAL_STAGE_{deal['id']}"],
                   rows[f"DYNAMIC_{etid}_STAGE_{first['id']}"],
                   rows[f"DYNAMIC_{etid}_STAGE_{more['id']}"])


def _stage_lines(target: Store, made: Made) -> tuple[list[Line], bool]:
    """Writes of stages and list items; and whether one of them changes a row the portal made
    with a new pipeline (whose id must then be read back first)."""
    wanted = _rows_by_list(target)
    adds = updates = deletes = 0
    read_back = False
    for entity, rows in wanted.items():
        portal_made, new = _made_for(entity, target, made)
        a, u, d = _difference(portal_made, rows)
        adds, updates, deletes = adds + a, updates + u, deletes + d
        read_back = read_back or (new and u + d > 0)
    return [Line("stages and list items the portal lacks", "crm.status.add", adds),
            Line("stages and list items it made that differ", "crm.status.update", updates),
            Line("stages and list items it made that are not wanted", "crm.status.delete",
                 deletes)], read_back


def _made_for(entity: str, target: Store, made: Made
              ) -> tuple[Mapping[str, tuple[Any, ...]], bool]:
    """The rows the portal has in list `entity` before any stage write, and whether it made
    them with a pipeline created by the apply."""
    if entity in made.lists:
        return made.lists[entity], False
    if entity.startswith("DEAL_STAGE_"):
        return made.deal_pipeline, True
    if entity.startswith("DYNAMIC_"):
        etid, cid = entity.removeprefix("DYNAMIC_").split("_STAGE_")
        cat = state.categories(target, int(etid)).get(cid, {})
        return (made.spa_first if cat.get("isDefault") == "Y" else made.spa_more), True
    return {}, False


def apply_floor(target: Store, made: Made | None = None) -> Floor:
    """The writes that turn a new portal into the one in `target` (what `apply` of its export
    to an empty portal must do at the least)."""
    made = made or Made.by_the_sandbox()
    deal_pipelines = sum(1 for cid in state.categories(target, DEAL) if cid != "0")
    spas = state.crm_types(target)
    spa_pipelines = sum(1 for t in spas.values()
                        for c in state.categories(target, int(t["entityTypeId"])).values()
                        if c.get("isDefault") != "Y")
    fields = state.userfields(target).values()
    stages, read_back = _stage_lines(target, made)
    return Floor((
        Line("deal pipelines", "crm.category.add", deal_pipelines),
        Line("smart processes (each made with its first pipeline)", "crm.type.add", len(spas)),
        Line("further smart-process pipelines", "crm.category.add", spa_pipelines),
        *stages,
        Line("ids of stages the portal made, to change them", "crm.status.list",
             1 if read_back else 0),
        Line("custom fields of leads ... quotes (enumeration items and labels included)",
             "crm.<entity>.userfield.add",
             sum(1 for f in fields if f["ENTITY_ID"] in CLASSIC)),
        Line("smart-process custom fields (items and labels included)", "userfieldconfig.add",
             sum(1 for f in fields if f["ENTITY_ID"] not in CLASSIC)),
    ))


# ---- apply of a change --------------------------------------------------------------------------

def change_floor(store: Store, rows: int, relabelled: Sequence[Mapping[str, Any]],
                 languages: int = 2) -> Floor:
    """The writes that set back `rows` edited stages or list items and the `relabelled` fields
    (rows of `store`), and the reads those writes need: an update replaces a label's whole map
    (a language it leaves out becomes "", docs/portal-rules.md#field-labels), so it sends every
    language of the portal, and a plan read labels in `languages` of them only. A field's other
    languages are in its `get` (every language), or in a list per language of its owner's
    fields, whichever takes fewer calls; a smart-process enumeration's are in the plan's read
    already (its `userfieldconfig.get`, read_floor)."""
    other = LANGUAGES - languages
    classic = Counter(str(f["ENTITY_ID"]) for f in relabelled if f["ENTITY_ID"] in CLASSIC)
    spa = [f for f in relabelled if f["ENTITY_ID"] not in CLASSIC]
    spa_plain = sum(1 for f in spa if f["USER_TYPE_ID"] != "enumeration")
    return Floor((
        Line("stages and list items edited, each set back", "crm.status.update", rows),
        Line("custom fields relabelled, each set back",
             "crm.<entity>.userfield.update / userfieldconfig.update", len(relabelled)),
        Line("a relabelled field's labels in the languages the plan did not read: a get per "
             "field, or a list per language of its entity, whichever is fewer",
             "crm.<entity>.userfield.get / .list", sum(min(k, other) for k in classic.values())),
        Line("the same of smart-process fields (an enumeration's are read already)",
             "userfieldconfig.get / .list",
             min(spa_plain, other * pages(len(spa_fields(store)))) if spa_plain else 0),
    ))


def total(floors: Iterable[Floor]) -> int:
    """Requests of floors run one after the other (a plan's reads, then its apply)."""
    return sum(f.requests for f in floors)
