"""Kind `lists`: reference lists of crm.status (SOURCE, CONTACT_TYPE, INDUSTRY, ...)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from provisioner.errors import ConfigError, Problem
from provisioner.kinds import statuses as st
from provisioner.model import (
    Change,
    Exports,
    Files,
    Kind,
    Pairing,
    Pairs,
    ReadCall,
    Report,
    Results,
    Script,
)
from provisioner.model.address import Address
from provisioner.model.locate import render_path
from provisioner.model.shape import MapOf, Path, Prop, Table, closest

KNOWN = ("SOURCE", "CONTACT_TYPE", "COMPANY_TYPE", "EMPLOYEES", "INDUSTRY", "DEAL_TYPE",
         "HONORIFIC", "CALL_LIST", "EVENT_TYPE")
# Stage lists belong to other kinds: their rows carry semantics and a pipeline.
STAGE_LISTS = re.compile(r"STATUS|QUOTE_STATUS|INVOICE_STATUS|DEAL_STAGE(_\d+)?|DYNAMIC_\w+|"
                         r"SMART_\w+")
MAX_CODE = 50
Locate = Callable[[Path], tuple[str, int | None]]


@dataclass(frozen=True)
class DesiredLists:
    """Items by list; `locate` (from the loader) places a list the portal refuses later, in
    plan, at its file and line."""

    lists: Mapping[str, tuple[st.Item, ...]]
    locate: Locate | None = field(default=None, compare=False)


@dataclass(frozen=True)
class LiveLists:
    offered: tuple[str, ...]
    items: Mapping[str, tuple[st.Item, ...]]


def owner(entity: str) -> Address:
    return Address.of("list", entity)


class ReferenceLists(Kind[DesiredLists, LiveLists], Exports[LiveLists]):
    """The kind object registered in `provisioner.kinds.KINDS`."""

    name = "lists"
    path = ("lists",)
    shape = MapOf(Table({"items": Prop(st.item_shape(), required=True)}, "A reference list."),
                  r"[A-Z][A-Z0-9_]*",
                  "Reference lists by ENTITY_ID (crm.status.entity.types).",
                  "write the list's ENTITY_ID in capitals, e.g. SOURCE", KNOWN)

    def parse(self, tree: Any, path: Path, report: Report) -> DesiredLists:
        out: dict[str, tuple[st.Item, ...]] = {}
        for entity, table in tree.items():
            if not isinstance(table, dict) or not self._check_entity(entity, (*path, entity),
                                                                     report):
                continue
            items = st.parse_items(table.get("items"), owner(entity))
            st.check_codes([i.code for i in items], (*path, entity, "items"), report, MAX_CODE,
                           "reference list limit")
            out[entity] = tuple(items)
        return DesiredLists(out, report.locate)

    def _check_entity(self, entity: str, path: Path, report: Report) -> bool:
        if STAGE_LISTS.fullmatch(entity):
            report.add(path, f"`{entity}` is a stage list, not a reference list",
                       "declare lead stages under [[lead.statuses]] and deal stages under "
                       "[[deal.pipelines.<key>.stages]]")
            return False
        near = closest(entity, KNOWN)
        if entity not in KNOWN and near:
            report.add(path, f"unknown reference list `{entity}`", f"did you mean `{near}`?")
            return False
        return True

    def read_calls(self) -> Mapping[str, ReadCall]:
        return {"statuses": st.STATUSES,
                "entity_types": ReadCall("crm.status.entity.types", {})}

    def from_live(self, results: Results) -> LiveLists:
        offered = tuple(str(t["ID"]) for t in results["entity_types"] if _is_reference(t))
        rows = st.by_entity(results["statuses"])
        items = {e: tuple(st.live_item(r, owner(e)) for r in rows.get(e, [])) for e in offered}
        return LiveLists(offered, items)

    def pair(self, desired: DesiredLists | None, live: LiveLists) -> Pairing:
        wanted = desired.lists if desired is not None else {}
        missing = sorted(set(wanted) - set(live.offered))
        if missing:
            assert desired is not None
            raise ConfigError([_not_offered(e, live, desired.locate) for e in missing])
        pairs = Pairs(self.name)
        same: set[str] = set()  # lists whose items stand on the portal as the config has them
        for entity, items in wanted.items():
            held = live.items.get(entity, ())
            settled = st.settle_sorts(items, held)
            if st.alike_rows(owner(entity), settled, held):
                pairs.want_alike(owner(entity), settled, held)
                same.add(entity)
            else:
                pairs.want_under(owner(entity), settled)
            pairs.manage(f"{owner(entity)}.item")
        for entity, items in live.items.items():
            if entity in same:
                pairs.have_alike(owner(entity))
            else:
                pairs.have(items)
        return pairs.pairing()

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              live: Mapping[Address, Any]) -> Script:
        calls = []
        for entity, group in _by_list(changes).items():
            calls.extend(st.list_calls(st.ops_from_changes(group, desired, live), entity))
        yield calls

    def export(self, live: LiveLists) -> Files:
        lists = {e: {"items": [st.export_item(i) for i in items]}
                 for e, items in live.items.items() if items}
        return {"lists.toml": {"lists": lists}} if lists else {}


def _not_offered(entity: str, live: LiveLists, locate: Locate | None) -> Problem:
    path = ("lists", entity)
    file, line = locate(path) if locate is not None else ("", None)
    offered = ", ".join(live.offered) or "none"
    return Problem(file, render_path(path), f"the portal offers no reference list `{entity}`",
                   f"use one of the lists this portal offers ({offered}), or remove the table",
                   line)


def _is_reference(descriptor: Mapping[str, Any]) -> bool:
    return not any(k in descriptor for k in ("ENTITY_TYPE_ID", "PREFIX", "SEMANTIC_INFO")) and \
        not STAGE_LISTS.fullmatch(str(descriptor.get("ID")))


def _by_list(changes: Sequence[Change]) -> dict[str, list[Change]]:
    out: dict[str, list[Change]] = {}
    for c in changes:
        out.setdefault(c.address.parts[0][1], []).append(c)
    return out
