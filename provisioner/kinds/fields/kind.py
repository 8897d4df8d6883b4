"""Kinds `<entity>.fields`: custom fields of leads, deals, contacts, companies and quotes.

One kind object per entity (`Fields("deal")` lives at `[deal.fields.<NAME>]`), all over the
legacy `crm.<entity>.userfield.*` methods. Reads: `list` in ru and en (`filter.LANG`), counted
in the first batch and read in the next round: 2 calls per entity whatever the number of
fields, where a `get` per field would cost one call per field; lists also carry SETTINGS and
the enumeration items. Other languages only as named (`more_reads`: those the config names for a plan, every
one for export); an update of a label reads its field whole first (fields/apply.py). Addresses: `deal.field[EQUIPMENT_TYPE]`, its items `...item[<xml_id>]`, its
manual rule `...required_from[<pipeline>]`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from operator import attrgetter
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from provisioner.kinds import statuses as st
from provisioner.kinds.fields import labels as lb
from provisioner.kinds.fields import manual as fm
from provisioner.kinds.fields.apply import Target, by_language, label_script
from provisioner.kinds.fields.labels import LANGS
from provisioner.kinds.fields.model import (
    LABEL_KEYS,
    EnumItem,
    Field,
    FieldSpec,
    export_field,
    fields_shape,
    live_field,
    parse_field,
    project,
)
from provisioner.kinds.fields.types import TYPES
from provisioner.kinds.statuses.deal_pipelines import DealPipelines, PipelineSpec
from provisioner.model import (
    Action,
    Change,
    CountsRecords,
    Explains,
    Exports,
    KeepsKeys,
    Files,
    Kind,
    Links,
    Pairing,
    Pairs,
    Parts,
    ReadCall,
    ReadsMore,
    RecordQuery,
    Report,
    Results,
    RowKeys,
    Script,
    tuple_part,
)
from provisioner.model.address import Address
from provisioner.model.answers import got_one
from provisioner.model.pairing import alike
from provisioner.model.reasons import Reason
from provisioner.model.shape import Path

ENTITIES = {"lead": "leads", "deal": "deals", "contact": "contacts", "company": "companies",
            "quote": "quotes"}
PREFIX = "UF_CRM_"
FILE = "fields.toml"
# What a list in another language adds: the labels, by field id (the rest of each field is the
# first language's). Its rows are kept with these keys only (`ReadCall.trim`), decoded so by
# the client: the other keys, the items above all, are never made (issue 18: about 40 MB of
# an L100 plan's 192 MB of answers).
LABEL_ROW = ("ID", *LABEL_KEYS.values())
LABEL_TRIM = RowKeys(LABEL_ROW)


@dataclass(frozen=True)
class ItemDelete(Reason):
    """Deleting an enumeration item clears it in the records; a rename keeps it by its id."""

    code: ClassVar[str] = "item_delete"
    xml_id: str

    @property
    def text(self) -> str:
        return ("deleting an item clears it in every record that has it; a renamed value keeps "
                f'its item only with its old id: write {{ value = "...", xml_id = '
                f'"{self.xml_id}" }}')


@dataclass(frozen=True)
class ItemRenamed(Reason):
    """A new item written as a plain value beside an item of the portal the config dropped."""

    code: ClassVar[str] = "item_renamed"
    value: str
    old_value: str
    old_xml_id: str

    @property
    def text(self) -> str:
        return (f'if this is the portal\'s item "{self.old_value}" renamed, keep its id (and '
                f'the records that have it): write {{ value = {_quoted(self.value)}, xml_id = '
                f'{_quoted(self.old_xml_id)} }}')


def _quoted(text: str) -> str:
    """A TOML basic string (what the user can paste)."""
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True)
class FieldDelete(Reason):
    """Deleting a field deletes its values in every record."""

    code: ClassVar[str] = "field_delete"

    @property
    def text(self) -> str:
        return "deleting a field deletes its values in every record"


Specs = tuple[FieldSpec, ...]


class Fields(Kind[Specs, Specs], Exports[Specs], KeepsKeys[Specs, Specs], Links[Specs],
             Explains, CountsRecords, ReadsMore):
    """The kind object registered in `provisioner.kinds.KINDS`, one per entity."""

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.name = f"{entity}.fields"
        self.path = (entity, "fields")
        self.shape = fields_shape(ENTITIES[entity])
        self.step = f"{entity}.field"

    # ---- desired ----------------------------------------------------------------------------

    def parse(self, tree: Any, path: Path, report: Report) -> Specs:
        specs = []
        keys: dict[str, str] = {}
        for key, table in tree.items():
            name = field_key(key)
            if name in keys:
                report.add((*path, key), f"`{key}` is the field `{keys[name]}` again "
                           f"(UF_CRM_{name} on the portal)", "keep one of the two tables")
                continue
            keys[name] = key
            spec = parse_field(name, table, (None, self.step), (*path, key), report)
            if spec is None:
                continue
            if spec.required_from and self.entity != "deal":
                report.add((*path, name, fm.STEP), f"required_from is for deal fields, not "
                           f"{ENTITIES[self.entity]}", "remove it (smart-process fields take it "
                           "too)")
                spec = replace(spec, required_from=())
            specs.append(spec)
        return tuple(specs)

    def link(self, part: Specs | None, parts: Parts, report: Report) -> Specs | None:
        """Resolve `required_from` against the desired deal pipelines."""
        if part is None:
            return None
        pipelines = [fm.StageNames(p.pipeline.key, p.pipeline.name,
                                   {s.code: s.name for s in p.stages})
                     for p in tuple_part(parts, DealPipelines.name, PipelineSpec)]
        out = []
        for spec in part:
            if not spec.required_from:
                out.append(spec)  # nothing to resolve (most fields)
                continue
            label = (spec.field.label or {}).get(LANGS[0], spec.field.name)
            rules = [fm.resolve(raw, spec.path, spec.field.address, label, pipelines, fm.DEALS,
                                report) for raw in spec.required_from]
            out.append(replace(spec, required_from=tuple(r for r in rules if r)))
        return tuple(out)

    # ---- live -------------------------------------------------------------------------------

    def read_calls(self) -> Mapping[str, ReadCall]:
        # The list answers every field at once, with no paging (docs/portal-rules.md#paging),
        # 12 MB at L100: userfieldconfig.list counts the entity's fields first (its `total`;
        # api-reference/crm/universal/userfieldconfig/userfieldconfig-list.md, entity-id.md:
        # CRM_LEAD ... CRM_QUOTE), so the reader can size the batches they go out in.
        count = ReadCall("userfieldconfig.list", {
            "moduleId": "crm", "select": {"0": "id"},
            "filter": {"entityId": f"CRM_{self.entity.upper()}"}}, "fields")
        return {self._key(lang): ReadCall(f"crm.{self.entity}.userfield.list",
                                          {"filter": {"LANG": lang}}, sized_by=count,
                                          trim=None if lang == LANGS[0] else LABEL_TRIM)
                for lang in LANGS}

    def _key(self, lang: str) -> str:
        return f"userfields_{self.entity}_{lang}"

    def languages(self, part: Specs | None) -> frozenset[str]:
        """The languages beyond ru and en that the desired fields' labels name."""
        return lb.named(s.field for s in part or ())

    def more_reads(self, results: Results, languages: frozenset[str] | None = None
                   ) -> Mapping[str, ReadCall]:
        """The labels in the portal's other languages (`languages`, None: every one): a `get`
        per field (full maps) when the fields are fewer than those languages, else a `list`
        per language. None when the config names none: an update reads the field's map then
        (`apply`), and a plan compares only the languages named."""
        others = lb.others(languages)
        every = results.get(self._key(LANGS[0])) or []
        rows = [r for r in every if r.get("USER_TYPE_ID") in TYPES]
        if not rows or not others:
            return {}
        if len(rows) < len(others):
            return {self._get_key(r["ID"]): ReadCall(f"crm.{self.entity}.userfield.get",
                                                     {"id": r["ID"]}) for r in rows}
        # each list answers every field at once, as the first one did (its length: `rows`)
        return {self._key(lang): ReadCall(f"crm.{self.entity}.userfield.list",
                                          {"filter": {"LANG": lang}}, rows=len(every),
                                          trim=LABEL_TRIM)
                for lang in others}

    def _get_key(self, field_id: Any) -> str:
        return f"userfield_{self.entity}_{field_id}"

    def _whole(self, results: Results, fid: str, row: Mapping[str, Any]) -> Mapping[str, Any]:
        """The field's get (its labels in every language), {} where none was asked. A get
        asked that holds no field is refused (the docs answer a field not found with
        ERROR_NOT_FOUND, api-reference/crm/deals/user-defined-fields/crm-deal-userfield-get.md,
        so this answer is not as documented): read as a field without labels in those
        languages, the plan would propose labels the field has."""
        return got_one(results, self._get_key(fid), f"crm.{self.entity}.userfield.get",
                       f"the field {row.get('FIELD_NAME')} (id {fid})", "field") or {}

    def from_live(self, results: Results) -> Specs:
        per_lang = {lang: {str(r["ID"]): r for r in results.get(self._key(lang)) or []}
                    for lang in lb.LANGUAGES if self._key(lang) in results}
        rows = per_lang.get(LANGS[0], {})
        specs = []
        for fid, row in rows.items():
            if row.get("USER_TYPE_ID") not in TYPES:
                continue  # app and module types (rest_*, resourcebooking): not managed
            texts = {lang: per_lang[lang].get(fid, {}) for lang in per_lang}
            texts.update(by_language(self._whole(results, fid, row)))
            name = str(row["FIELD_NAME"]).removeprefix(PREFIX)
            specs.append(live_field(row, (None, self.step), name, texts))
        return tuple(specs)

    # ---- compare ----------------------------------------------------------------------------

    def pair(self, desired: Specs | None, live: Specs) -> Pairing:
        pairs = Pairs(self.name)
        if desired:
            pairs.manage(self.step)
        add_fields(pairs, desired or (), live)
        return pairs.pairing()

    def explain(self, change: Change) -> Reason | None:
        return explain(change)

    def records(self, change: Change, live: Mapping[Address, Any]) -> RecordQuery | None:
        """The records holding a value of a deleted or replaced field (its values go with it;
        engine/records.py): `crm.<entity>.list` with the field not empty."""
        node = live.get(change.address)
        if not isinstance(node, Field):
            return None
        return RecordQuery("values", f"crm.{self.entity}.list",
                           {"filter": {f"!{PREFIX}{node.name}": ""}}, "")

    # ---- apply ------------------------------------------------------------------------------

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              live: Mapping[Address, Any]) -> Script:
        yield from label_script(Target(entity=self.entity), changes, desired, live)

    # ---- export -----------------------------------------------------------------------------

    def keyed_as(self, live: Specs, desired: Specs) -> Specs:
        """Export over a config: each field under the key the config writes it with
        (`UF_CRM_KIND` or `KIND`, one field), so that what is carried over finds it."""
        written = {s.field.name: s.path for s in desired if s.path}
        return tuple(replace(s, path=written[s.field.name]) if s.field.name in written else s
                     for s in live)

    def export(self, live: Specs) -> Files:
        if not live:
            return {}
        table = {(str(s.path[-1]) if s.path else s.field.name): export_field(s) for s in live}
        return {FILE: {self.entity: {"fields": table}}}


def field_key(key: str) -> str:
    """The key of a classic entity's field: FIELD_NAME without `UF_CRM_`. A key written with
    the prefix (`UF_CRM_KIND`, or `UF_KIND`, which the portal makes `UF_CRM_KIND`) is the same
    field as `KIND` (docs/portal-rules.md#field-names), so it is read back under that key."""
    for prefix in (PREFIX, "UF_"):
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix):]
    return key


# What tells a field's items apart: an item's address is its field's and its xml_id
# (EnumItem.address), and the items `alike` compares are of one field
ITEM_KEY = attrgetter("xml_id")


def add_fields(pairs: Pairs, desired: Sequence[FieldSpec], live: Sequence[FieldSpec]) -> None:
    """Fields and items under their addresses; live fields seen through the desired ones (their
    `required_from` rules are the automation kind's manual changes: attested like robots)."""
    live_by = {s.field.address: s for s in live}
    same: set[Address] = set()  # fields whose items stand on the portal as the config has them
    for spec in desired:
        have = live_by.get(spec.field.address)
        items = st.settle_sorts(spec.items, have.items if have else ())
        if have is not None and alike(items, have.items, ITEM_KEY):
            # almost every field of a plan: its items are left out of the comparison (and put
            # under their addresses only when the plan's nodes are read: model/nodes.py)
            pairs.want(spec.field)
            pairs.want_alike(spec.field.address, items, have.items)
            same.add(spec.field.address)
        else:
            pairs.want(spec.field, items)
        if spec.field.type == "enumeration":
            pairs.manage(f"{spec.field.address}.item")
            if have is not None and spec.field.address not in same:
                _rename_hints(pairs, spec.items, have.items)
    for spec in live:
        want = pairs.wanted(spec.field.address)
        field = project(want, spec.field) if isinstance(want, Field) else spec.field
        if field.address in same and live_by[field.address] is spec:
            pairs.have([field])
            pairs.have_alike(field.address)
        else:
            pairs.have([field, *spec.items])


def _rename_hints(pairs: Pairs, wanted: Sequence[EnumItem], held: Sequence[EnumItem]) -> None:
    """New items written as plain values, beside the portal's items the config no longer
    names, taken in order: each may be one of those renamed, which makes another item (its id
    is made from the value) unless the old id is written."""
    ids = {i.xml_id for i in wanted}
    old = {i.xml_id for i in held}
    new = [i for i in wanted if not i.given_id and i.xml_id not in old]
    gone = [i for i in held if i.xml_id not in ids and not i.system]
    for item, was in zip(new, gone, strict=False):
        pairs.explain(item.address, ItemRenamed(item.value, was.value, was.xml_id))


def explain(change: Change) -> Reason | None:
    if change.action is not Action.DELETE:
        return None
    if change.address.parts[-1][0] == "item":
        return ItemDelete(change.address.key)
    return FieldDelete()


__all__ = ["ENTITIES", "EnumItem", "Fields", "add_fields", "explain"]
