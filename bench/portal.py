"""Large sandbox portals for the benchmark, written straight into the sandbox store (no REST).

`fill(store, scale)` adds, per unit of `scale` (L1 = 1, L10 = 10):
- 50 deal pipelines of 12 stages (the portal's 8 default stages plus 4 process stages),
- 150 custom fields on each of leads, deals, contacts, companies and quotes; every third one an
  enumeration of 10 items,
- 300 reference-list items (the issue's "15 lists of 20": the portal offers 9 reference lists,
  so the 300 items are spread over those 9),
- 8 smart processes, each with 2 pipelines of 8 stages and 30 custom fields.

The store is filled with the sandbox's own domain functions (the ones its REST handlers call), so
the rows look exactly as if they had been made over REST, only without the HTTP round trips.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from provisioner.sandbox.crm import categories as cats
from provisioner.sandbox.crm import state, types
from provisioner.sandbox.crm import userfields as uf
from provisioner.sandbox.crm.lists import all_lists
from provisioner.sandbox.store import Store

DEAL = 2
CLASSIC = ("CRM_LEAD", "CRM_DEAL", "CRM_CONTACT", "CRM_COMPANY", "CRM_QUOTE")
FIELD_TYPES = ("string", "double", "boolean", "date", "integer")  # and every third an enumeration
EXTRA_DEAL_STAGES = (("QUALIFY", 52), ("DEMO", 54), ("PROPOSAL", 56), ("NEGOTIATE", 58))
EXTRA_SPA_STAGES = (("REVIEW", 32), ("SIGN", 34), ("DELIVER", 36))
COLORS = ("#39A8EF", "#2FC6F6", "#55D0E0", "#47E4C2", "#FFA900")


@dataclass(frozen=True)
class Size:
    """Object counts of one portal size (per the issue, L1; L10 is ten times each)."""

    pipelines: int = 50
    fields_per_entity: int = 150
    items: int = 300
    smart_processes: int = 8
    spa_fields: int = 30

    def times(self, k: int) -> Size:
        return Size(self.pipelines * k, self.fields_per_entity * k, self.items * k,
                    self.smart_processes * k, self.spa_fields)

    def objects(self) -> int:
        """Objects the desired state describes (pipelines, stages, fields, items, ...)."""
        deal = self.pipelines * 13
        fields = self.fields_per_entity * len(CLASSIC)
        spa = self.smart_processes * (1 + 2 * 9 + self.spa_fields)
        return deal + fields + self.items + spa


L1 = Size()


def fill(store: Store, size: Size) -> Store:
    """Add the objects of `size` to a (fresh) sandbox store; returns the store."""
    with store.lock:
        _deal_pipelines(store, size.pipelines)
        _reference_items(store, size.items)
        for entity in CLASSIC:
            _fields(store, entity, f"UF_{entity}_", size.fields_per_entity)
        for number in range(size.smart_processes):
            _smart_process(store, number, size.spa_fields)
    return store


def _row(store: Store, entity_id: str, status_id: str, name: str, sort: int,
         category: int | None, color: str | None = None) -> None:
    """One crm.status row, as statuses.add_status stores it (without its per-row list scan)."""
    rid = store.next_id("status")
    state.statuses(store)[str(rid)] = {
        "ID": rid, "ENTITY_ID": entity_id, "STATUS_ID": status_id, "NAME": name, "NAME_INIT": "",
        "SORT": sort, "SYSTEM": "N", "CATEGORY_ID": category, "COLOR": color, "SEMANTICS": None}


def _deal_pipelines(store: Store, count: int) -> None:
    owner = cats.Owner(DEAL, "DEAL")
    for number in range(count):
        key = f"sales{number:04d}"
        cat = cats.add_category(store, owner, {"name": f"Sales line {number}", "sort": 1000 + number,
                                               "originatorId": "provision", "originId": key})
        cid = int(cat["id"])
        for index, (code, sort) in enumerate(EXTRA_DEAL_STAGES):
            _row(store, f"DEAL_STAGE_{cid}", f"C{cid}:{code}", f"{code.title()} {number}", sort,
                 cid, COLORS[index % len(COLORS)])


def _reference_items(store: Store, count: int) -> None:
    lists = [sl.entity_id for sl in all_lists(store) if sl.kind == "REF"]
    for number in range(count):
        entity = lists[number % len(lists)]
        _row(store, entity, f"BENCH_{number:05d}", f"Item {number}", 1000 + number, None)


def _field_spec(number: int) -> tuple[str, dict[str, Any]]:
    type_id = "enumeration" if number % 3 == 0 else FIELD_TYPES[number % len(FIELD_TYPES)]
    fields: dict[str, Any] = {"LABEL": f"Field {number}", "SORT": 100 + number,
                              "XML_ID": f"bench_{number}"}
    if type_id == "enumeration":
        fields["LIST"] = [{"VALUE": f"Option {number}.{i}", "SORT": 10 * (i + 1),
                           "XML_ID": f"opt_{i}"} for i in range(10)]
    return type_id, fields


def _fields(store: Store, entity_id: str, prefix: str, count: int) -> None:
    for number in range(count):
        type_id, fields = _field_spec(number)
        uf.create_field(store, entity_id, f"{prefix}B{number:05d}", type_id, fields)


def _smart_process(store: Store, number: int, field_count: int) -> None:
    spa = types.add_type(store, {"title": f"Process {number}", "isCategoriesEnabled": "Y",
                                 "isStagesEnabled": "Y"}, 1)
    etid = int(spa["entityTypeId"])
    owner = cats.Owner(etid, "SPA")
    cats.add_category(store, owner, {"name": "Second line", "sort": 600})
    for cat in list(state.categories(store, etid).values()):
        cid = int(cat["id"])
        for index, (code, sort) in enumerate(EXTRA_SPA_STAGES):
            _row(store, f"DYNAMIC_{etid}_STAGE_{cid}", f"DT{etid}_{cid}:{code}",
                 f"{code.title()} {number}", sort, cid, COLORS[index % len(COLORS)])
    entity = f"CRM_{spa['id']}"
    _fields(store, entity, f"UF_{entity}_", field_count)


# ---- a 10% change, made on the live side (kind-independent) --------------------------------

def every_tenth(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    return (row for index, row in enumerate(rows) if index % 10 == 0)


def tenth_fields(store: Store) -> list[dict[str, Any]]:
    """The custom fields `change_tenth` relabels: every tenth, by id."""
    return list(every_tenth(sorted(state.userfields(store).values(), key=lambda f: int(f["ID"]))))


def change_tenth(store: Store) -> int:
    """Rename every tenth non-system crm.status row and relabel every tenth custom field, as an
    administrator editing by hand would; planning against the old desired state then finds a
    10% change. Returns how many objects were touched."""
    touched = 0
    with store.lock:
        rows = sorted((r for r in state.statuses(store).values() if r["SYSTEM"] != "Y"),
                      key=lambda r: int(r["ID"]))
        for row in every_tenth(rows):
            row["NAME"] = f"{row['NAME']} (edited)"
            touched += 1
        for field in tenth_fields(store):
            for key in ("EDIT_FORM_LABEL", "LIST_COLUMN_LABEL", "LIST_FILTER_LABEL"):
                field[key] = {lang: f"{text} (edited)" for lang, text in field[key].items()}
            touched += 1
    return touched
