"""Kinds `<entity>.fields`: custom fields of leads, deals, contacts, companies and quotes.

One kind object per entity (`Fields("deal")` lives at `[deal.fields.<NAME>]`), all over the
legacy `crm.<entity>.userfield.*` methods. Reads: `list` once per label language (`filter.LANG`),
all in the first batch. That is 2 calls per entity whatever the number of fields, where a `get`
per field would cost one call per field and a second round; lists also carry SETTINGS and the
enumeration items. Addresses: `deal.field[EQUIPMENT_TYPE]`, its items `...item[<xml_id>]`, its
manual rule `...required_from[<pipeline>]`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, cast

from provisioner.kinds import fields_manual as fm
from provisioner.kinds import statuses as st
from provisioner.kinds.extensions import ManualPairing
from provisioner.kinds.field_types import TYPES
from provisioner.kinds.fields_apply import Target, field_calls
from provisioner.kinds.fields_model import (
    LANGS,
    EnumItem,
    FieldSpec,
    export_field,
    fields_shape,
    live_field,
    parse_field,
    project,
)
from provisioner.model import Action, Change, Pairing, ReadCall, Report, Script
from provisioner.model.address import Address
from provisioner.model.shape import Path

ENTITIES = {"lead": "leads", "deal": "deals", "contact": "contacts", "company": "companies",
            "quote": "quotes"}
PREFIX = "UF_CRM_"
FILE = "fields.toml"
ITEM_DELETE = ("deleting an item clears it in every record that has it; a renamed value keeps "
               "its item only with its old id: write {{ value = \"...\", xml_id = \"{xml_id}\" }}")
FIELD_DELETE = "deleting a field deletes its values in every record"


class Fields:
    """The kind object registered in `provisioner.kinds.KINDS`, one per entity."""

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.name = f"{entity}.fields"
        self.path = (entity, "fields")
        self.shape = fields_shape(ENTITIES[entity])
        self.files = {FILE: "custom fields of leads, deals, contacts, companies and quotes"}
        self.step = f"{entity}.field"

    # ---- desired ----------------------------------------------------------------------------

    def parse(self, tree: Any, path: Path, report: Report) -> tuple[FieldSpec, ...]:
        specs = []
        for name, table in tree.items():
            spec = parse_field(name, table, (None, self.step), (*path, name), report)
            if spec is None:
                continue
            if spec.required_from and self.entity != "deal":
                report.add((*path, name, fm.STEP), f"required_from is for deal fields, not "
                           f"{ENTITIES[self.entity]}", "remove it (smart-process fields take it "
                           "too)")
                spec = replace(spec, required_from=())
            specs.append(spec)
        return tuple(specs)

    def link(self, part: tuple[FieldSpec, ...], parts: Mapping[str, Any], path: Path,
             report: Report) -> tuple[FieldSpec, ...]:
        """Resolve `required_from` against the desired deal pipelines (kinds/extensions.py)."""
        pipelines = [fm.StageNames(p.pipeline.key, p.pipeline.name,
                                   {s.code: s.name for s in p.stages})
                     for p in parts.get("deal.pipelines", ())]
        out = []
        for spec in part:
            label = (spec.field.label or {}).get(LANGS[0], spec.field.name)
            rules = [fm.resolve(raw, spec.path, spec.field.address, label, pipelines, fm.DEALS,
                                report) for raw in spec.required_from]
            out.append(replace(spec, required_from=tuple(r for r in rules if r)))
        return tuple(out)

    # ---- live -------------------------------------------------------------------------------

    def read_calls(self) -> Mapping[str, ReadCall]:
        return {self._key(lang): ReadCall(f"crm.{self.entity}.userfield.list",
                                          {"filter": {"LANG": lang}}) for lang in LANGS}

    def _key(self, lang: str) -> str:
        return f"userfields_{self.entity}_{lang}"

    def from_live(self, results: Mapping[str, Any]) -> tuple[FieldSpec, ...]:
        per_lang = {lang: {str(r["ID"]): r for r in results.get(self._key(lang)) or []}
                    for lang in LANGS}
        rows = per_lang[LANGS[0]]
        specs = []
        for fid, row in rows.items():
            if row.get("USER_TYPE_ID") not in TYPES:
                continue  # app and module types (rest_*, resourcebooking): not managed
            texts = {lang: per_lang[lang].get(fid, {}) for lang in LANGS}
            name = str(row["FIELD_NAME"]).removeprefix(PREFIX)
            specs.append(live_field(row, (None, self.step), name, texts))
        return tuple(specs)

    # ---- compare ----------------------------------------------------------------------------

    def pair(self, desired: tuple[FieldSpec, ...] | None, live: tuple[FieldSpec, ...]) -> Pairing:
        return pair_fields(desired or (), live, frozenset({self.step}) if desired else frozenset(),
                           self.name)

    def explain(self, change: Change) -> str:
        return explain(change)

    def is_destructive(self, change: Change) -> bool:
        return change.action in (Action.DELETE, Action.REPLACE)

    # ---- apply ------------------------------------------------------------------------------

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              live: Mapping[Address, Any]) -> Script:
        yield field_calls(Target(entity=self.entity), changes, desired, live,
                          lambda a: a.depth == 1)

    # ---- export -----------------------------------------------------------------------------

    def export(self, live: tuple[FieldSpec, ...]) -> Mapping[str, dict[str, Any]]:
        if not live:
            return {}
        table = {s.field.name: export_field(s) for s in live}
        return {FILE: {self.entity: {"fields": table}}}


def pair_fields(desired: Sequence[FieldSpec], live: Sequence[FieldSpec], managed: frozenset[str],
                kind: str) -> ManualPairing:
    """Fields and items under their addresses; live fields seen through the desired ones."""
    live_by = {s.field.address: s for s in live}
    d_nodes: dict[Address, Any] = {}
    l_nodes: dict[Address, Any] = {}
    kids: dict[Address, Sequence[Any]] = {}
    scopes = set(managed)
    for spec in desired:
        have = live_by.get(spec.field.address)
        items = cast(Any, st.settle_sorts)(spec.items, have.items if have else ())
        d_nodes[spec.field.address] = spec.field
        for item in items:
            d_nodes[item.address] = item
        if items:
            kids[spec.field.address] = items
        if spec.field.type == "enumeration":
            scopes.add(f"{spec.field.address}.item")
    for spec in live:
        want = d_nodes.get(spec.field.address)
        node = project(want, spec.field) if want is not None else spec.field
        l_nodes[node.address] = node
        for item in spec.items:
            l_nodes[item.address] = item
    manual = tuple(fm.manual_change(r, kind) for r in fm.rules_of(desired))
    return ManualPairing(d_nodes, l_nodes, frozenset(scopes), children=kids, manual=manual)


def explain(change: Change) -> str:
    is_item = change.address.parts[-1][0] == "item"
    if is_item and change.action is Action.DELETE:
        return ITEM_DELETE.format(xml_id=change.address.key)
    if not is_item and change.action is Action.DELETE:
        return FIELD_DELETE
    return ""


__all__ = ["ENTITIES", "EnumItem", "Fields", "explain", "pair_fields"]
