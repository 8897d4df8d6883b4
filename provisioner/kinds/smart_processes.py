"""Kind `smart_processes`: smart process types (crm.type), their pipelines, stages and fields.

Reads: crm.type.list, crm.status.list and userfieldconfig.list once per label language in the
first batch; then, per type, crm.type.get (relations) and crm.category.list (its pipelines), and
userfieldconfig.get per enumeration field (lists carry no items) in one second batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from provisioner.kinds import smart_processes_apply as ap
from provisioner.kinds import statuses as st
from provisioner.kinds.fields import manual as fm
from provisioner.kinds.fields.kind import add_fields
from provisioner.kinds.fields.kind import explain as field_explain
from provisioner.kinds.fields.model import LANGS, FieldSpec, live_field
from provisioner.kinds.fields.types import TYPES
from provisioner.kinds.slug import slugify
from provisioner.kinds.smart_processes_model import (
    PipelineSpec,
    SmartProcess,
    SpaPipeline,
    SpaSpec,
    entity_names,
    export_spa,
    live_spa,
    parse_spa,
    spa_shape,
)
from provisioner.model import (
    Action,
    Call,
    Change,
    CountsRecords,
    Explains,
    Exports,
    Files,
    Kind,
    Pairing,
    Pairs,
    ReadCall,
    ReadsMore,
    RecordQuery,
    Report,
    Results,
    Script,
    by_parent,
)
from provisioner.model.address import Address
from provisioner.model.rounds import once, parallel
from provisioner.model.shape import Path

CLASSIC = ["CRM_LEAD", "CRM_DEAL", "CRM_CONTACT", "CRM_COMPANY", "CRM_QUOTE", "CRM_REQUISITE",
           "CRM_SMART_INVOICE"]
FILE = "smart-processes.toml"
FIELD_PAGES_AHEAD = 4  # pages of userfieldconfig.list asked before its total is known
DELETE_REASON = ("deleting a smart process deletes its pipelines, stages and fields; the portal "
                 "refuses while it has items")


Specs = tuple[SpaSpec, ...]


class SmartProcesses(Kind[Specs, Specs], Exports[Specs], ReadsMore, CountsRecords, Explains):
    """The kind object registered in `provisioner.kinds.KINDS`."""

    name = "smart_processes"
    path = ("smart_processes",)
    shape = spa_shape()

    # ---- desired ----------------------------------------------------------------------------

    def parse(self, tree: Any, path: Path, report: Report) -> Specs:
        specs = [s for code, table in tree.items()
                 if (s := parse_spa(code, table, (*path, code), report))]
        known = {"lead", "deal", "contact", "company", "quote", *tree}
        for spec in specs:
            for side in ("parents", "children"):
                for name in getattr(spec.spa, side):
                    if name not in known:
                        report.add((*path, spec.spa.code, side), f'unknown entity "{name}"',
                                   "use lead, deal, contact, company, quote or a declared "
                                   "smart process code")
        return tuple(_link(s, report) for s in specs)

    # ---- live -------------------------------------------------------------------------------

    def read_calls(self) -> Mapping[str, ReadCall]:
        # rarely more than 50 smart processes; a portal has a few hundred of their fields
        calls = {"crm_types": ReadCall("crm.type.list", {}, "types", pages_ahead=1),
                 "statuses": ReadCall("crm.status.list", {})}
        for lang in LANGS:
            calls[f"spa_fields_{lang}"] = ReadCall("userfieldconfig.list", {
                "moduleId": "crm", "select": {"0": "*", "language": lang},
                "filter": {"!@entityId": CLASSIC}}, "fields", pages_ahead=FIELD_PAGES_AHEAD)
        return calls

    def more_reads(self, results: Results) -> Mapping[str, ReadCall]:
        calls: dict[str, ReadCall] = {}
        for t in _types(results):
            calls[f"spa_type_{t['id']}"] = ReadCall("crm.type.get", {"id": t["id"]})
            calls[f"spa_cats_{t['entityTypeId']}"] = ReadCall(
                "crm.category.list", {"entityTypeId": t["entityTypeId"]}, "categories")
        for row in _rows(results, f"spa_fields_{LANGS[0]}"):
            if row.get("userTypeId") == "enumeration":
                calls[f"spa_uf_{row['id']}"] = ReadCall("userfieldconfig.get",
                                                        {"moduleId": "crm", "id": row["id"]})
        return calls

    def from_live(self, results: Results) -> Specs:
        types = _types(results)
        keys = _type_keys(types)
        names = entity_names({int(t["entityTypeId"]): keys[int(t["id"])] for t in types})
        statuses = st.group(results.get("statuses") or [], lambda r: str(r.get("ENTITY_ID")))
        specs = []
        for t in types:
            spa = replace(live_spa(t, _unwrap(results.get(f"spa_type_{t['id']}"), "type"),
                                   names), code=keys[int(t["id"])])
            pipes = _live_pipelines(spa, results.get(f"spa_cats_{t['entityTypeId']}"), statuses)
            specs.append(SpaSpec(spa, pipes, _live_fields(spa, results)))
        return tuple(specs)

    # ---- compare ----------------------------------------------------------------------------

    def pair(self, desired: Specs | None, live: Specs) -> Pairing:
        wanted = desired or ()
        live_by = {s.spa.code: s for s in _match_types(live, wanted)}
        pairs = Pairs(self.name)
        if wanted:
            pairs.manage("smart_process")
        for spec in wanted:
            have = live_by.get(spec.spa.code)
            have = _match_pipelines(have, spec) if have else None
            pairs.want(spec.spa, [*(p.pipeline for p in spec.pipelines),
                                  *(f.field for f in spec.fields)])
            for p in spec.pipelines:
                pairs.want(p.pipeline, st.settle_sorts(p.stages,
                                                       _stages_of(have, p.pipeline.key)))
                pairs.manage(f"{p.pipeline.address}.stage")
            if spec.pipelines:
                pairs.manage(f"{spec.spa.address}.pipeline")
            pairs.manage(f"{spec.spa.address}.field")
            add_fields(pairs, spec.fields, have.fields if have else ())
            if have:
                live_by[spec.spa.code] = replace(have, fields=())
        for spec in live_by.values():
            pairs.have([spec.spa])
            for p in spec.pipelines:
                pairs.have([p.pipeline, *p.stages])
            for f in spec.fields:
                pairs.have([f.field, *f.items])
        return pairs.pairing()

    def records(self, change: Change, live: Mapping[Address, Any]) -> RecordQuery | None:
        """The items a deleted smart process, pipeline or stage holds (engine/records.py)."""
        spa = live.get(Address.of("smart_process", change.address.parts[0][1]))
        node = live.get(change.address)
        if not isinstance(spa, SmartProcess) or not spa.entity_type_id:
            return None
        etid = {"entityTypeId": spa.entity_type_id}
        if node is spa:
            flt: dict[str, Any] = {}
        elif isinstance(node, SpaPipeline) and node.id:
            flt = {"categoryId": node.id}
        elif isinstance(node, st.Stage) and node.status_id:
            flt = {"stageId": node.status_id}
        else:
            return None
        params = {**etid, "filter": flt} if flt else etid
        return RecordQuery("items", "crm.item.list", params, "crm.item.delete",
                           list_key="items", id_key="id", delete_params=etid)

    def explain(self, change: Change) -> str:
        if change.address.depth == 1 and change.action is Action.DELETE:
            return DELETE_REASON
        if change.address.depth >= 2 and change.address.parts[1][0] == "field":
            return field_explain(change)
        return ""

    # ---- apply ------------------------------------------------------------------------------

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              live: Mapping[Address, Any]) -> Script:
        tasks: list[Script] = []
        kids = by_parent(desired)
        for code, group in _by_spa(changes).items():
            address = Address.of("smart_process", code)
            own = next((c for c in group if c.address == address), None)
            if own is not None and own.action is Action.CREATE:
                tasks.append(ap.new_spa(desired[address], kids, live))
            elif own is not None and own.action is Action.DELETE:
                tasks.append(once([_delete(live[address])]))
            else:
                tasks.append(ap.existing_spa(desired[address], group, desired, live, kids))
        yield from parallel(tasks)

    # ---- export -----------------------------------------------------------------------------

    def export(self, live: Specs) -> Files:
        if not live:
            return {}
        out = {s.spa.code: export_spa(_exportable(s)) for s in live}
        return {FILE: {"smart_processes": out}}


def _delete(spa: SmartProcess) -> Call:
    return Call("crm.type.delete", {"id": spa.id}, f"- {spa.address}")


def _exportable(spec: SpaSpec) -> SpaSpec:
    """Pipelines are exported only when the type has its own stages (else not declarable)."""
    return spec if spec.spa.features.get("stages") else replace(spec, pipelines=())


def _link(spec: SpaSpec, report: Report) -> SpaSpec:
    """Resolve the fields' `required_from` against the smart process's own pipelines."""
    pipes = [fm.StageNames(p.pipeline.key, p.pipeline.name or "",
                           {s.code: s.name for s in p.stages})
             for p in spec.pipelines]
    section = fm.Section(("CRM", spec.spa.title), "any item")
    fields = []
    for f in spec.fields:
        label = (f.field.label or {}).get(LANGS[0], f.field.name)
        rules = [fm.resolve(raw, f.path, f.field.address, label, pipes, section, report)
                 for raw in f.required_from]
        fields.append(replace(f, required_from=tuple(r for r in rules if r)))
    return replace(spec, fields=tuple(fields))


def _unwrap(value: Any, key: str) -> Any:
    return value.get(key, value) if isinstance(value, dict) else value


def _rows(results: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = _unwrap(results.get(key), "fields" if key.startswith("spa_fields") else "types")
    return list(value or [])


def _types(results: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return sorted(_rows(results, "crm_types"), key=lambda t: int(t["id"]))


def _type_keys(types: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """Our code if stamped, else one made from the title (unique)."""
    keys: dict[int, str] = {}
    for t in types:
        key = str(t.get("code") or "") or _slug(str(t.get("title") or ""), int(t["id"]))
        keys[int(t["id"])] = f"{key}_{t['id']}" if key in keys.values() else key
    return keys


def _slug(title: str, type_id: int) -> str:
    slug = slugify(title)
    return slug if slug[:1].isalpha() else f"spa_{slug or type_id}"


def _live_pipelines(spa: SmartProcess, cats: Any, statuses: Mapping[str, Any]
                    ) -> tuple[PipelineSpec, ...]:
    rows = _unwrap(cats, "categories") or []
    out = []
    for cat in sorted(rows, key=lambda c: (int(c.get("sort") or 0), int(c["id"]))):
        pipe = SpaPipeline(spa.address, str(cat.get("code") or "") or
                           (slugify(str(cat.get("name") or "")) or f"pipeline_{cat['id']}"),
                           str(cat.get("name") or ""), cat.get("isDefault") == "Y",
                           id=int(cat["id"]), code=str(cat.get("code") or "") or None,
                           system=cat.get("isDefault") == "Y")
        stages = [st.live_stage(r, pipe.address, "stage")
                  for r in statuses.get(ap.stage_list(spa.entity_type_id or 0, cat["id"]), [])]
        out.append(PipelineSpec(pipe, tuple(stages)))
    return tuple(out)


def _live_fields(spa: SmartProcess, results: Mapping[str, Any]) -> tuple[FieldSpec, ...]:
    entity = f"CRM_{spa.id}"
    per_lang = {lang: {str(r["id"]): r for r in _rows(results, f"spa_fields_{lang}")
                       if r.get("entityId") == entity} for lang in LANGS}
    out = []
    for fid, row in per_lang[LANGS[0]].items():
        if row.get("userTypeId") not in TYPES:
            continue  # app and module types: not managed
        full = _unwrap(results.get(f"spa_uf_{fid}"), "field") or {}
        upper = _upper(row, full.get("enum") or [])
        texts = {lang: _upper_labels(per_lang[lang].get(fid, {}), lang) for lang in LANGS}
        name = str(row["fieldName"]).removeprefix(f"UF_CRM_{spa.id}_")
        out.append(live_field(upper, (spa.address, "field"), name, texts, spa=True))
    return tuple(out)


def _upper(row: Mapping[str, Any], enum: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    keys = {"id": "ID", "userTypeId": "USER_TYPE_ID", "sort": "SORT", "multiple": "MULTIPLE",
            "mandatory": "MANDATORY", "showFilter": "SHOW_FILTER", "showInList": "SHOW_IN_LIST",
            "editInList": "EDIT_IN_LIST", "isSearchable": "IS_SEARCHABLE", "settings": "SETTINGS"}
    out = {v: row.get(k) for k, v in keys.items()}
    out["LIST"] = [{"ID": i["id"], "VALUE": i.get("value"), "DEF": i.get("def"),
                    "SORT": i.get("sort"), "XML_ID": i.get("xmlId")} for i in enum]
    return out


def _upper_labels(row: Mapping[str, Any], lang: str) -> dict[str, Any]:
    keys = {"editFormLabel": "EDIT_FORM_LABEL", "helpMessage": "HELP_MESSAGE"}
    return {v: (row.get(k) or {}).get(lang) for k, v in keys.items()}


def live_stage_codes(desired: tuple[SpaSpec, ...] | None, live: tuple[SpaSpec, ...]
                     ) -> dict[tuple[str, str], set[str]]:
    """The codes of the live stages of each pipeline, by (type code, pipeline key) as `pair`
    matches them (for the automation kind's catalog), without pairing anything else."""
    wanted = desired or ()
    by_code = {s.spa.code: s for s in wanted}
    out: dict[tuple[str, str], set[str]] = {}
    for code, have in dict(zip(_type_codes(live, wanted), live)).items():
        spec = by_code.get(code)
        keys = _pipeline_keys(have, spec) if spec else [p.pipeline.key for p in have.pipelines]
        for pipe, key in zip(have.pipelines, keys):
            if pipe.stages:
                out.setdefault((code, key), set()).update(s.code for s in pipe.stages)
    return out


def _match_types(live: Sequence[SpaSpec], wanted: Sequence[SpaSpec]) -> list[SpaSpec]:
    """Unstamped live types take the code of a desired type with the same title."""
    return [_rekey(spec, code) if code != spec.spa.code else spec
            for spec, code in zip(live, _type_codes(live, wanted))]


def _type_codes(live: Sequence[SpaSpec], wanted: Sequence[SpaSpec]) -> list[str]:
    """The code of each live type: its own, or that of a desired type with the same title."""
    stamped = {s.spa.code for s in live if s.spa.code}
    by_title = {s.spa.title: s.spa.code for s in wanted if s.spa.code not in stamped}
    codes = {w.spa.code for w in wanted}
    out = []
    for spec in live:
        code = spec.spa.code
        if spec.spa.title in by_title and code not in codes:
            code = by_title.pop(spec.spa.title)
        out.append(code)
    return out


def _rekey(spec: SpaSpec, code: str) -> SpaSpec:
    spa = replace(spec.spa, code=code)
    pipes = tuple(_repipe(p, spa.address, p.pipeline.key) for p in spec.pipelines)
    return SpaSpec(spa, pipes, tuple(_refield(f, spa.address) for f in spec.fields))


def _refield(spec: FieldSpec, owner: Address) -> FieldSpec:
    f = replace(spec.field, owner=owner)
    return replace(spec, field=f, items=tuple(replace(i, owner=f.address) for i in spec.items))


def _repipe(p: PipelineSpec, owner: Address, key: str) -> PipelineSpec:
    if p.pipeline.owner == owner and p.pipeline.key == key:  # as read (most): keep its stages
        return p
    pipe = replace(p.pipeline, owner=owner, key=key)
    return PipelineSpec(pipe, tuple(replace(s, owner=pipe.address) for s in p.stages))


def _match_pipelines(have: SpaSpec, spec: SpaSpec) -> SpaSpec:
    """Live pipelines keyed by code, default, or name of a desired pipeline."""
    keys = _pipeline_keys(have, spec)
    pipes = tuple(_repipe(p, have.spa.address, key) for p, key in zip(have.pipelines, keys))
    if all(new is old for new, old in zip(pipes, have.pipelines)):
        return have
    return replace(have, pipelines=pipes)


def _pipeline_keys(have: SpaSpec, spec: SpaSpec) -> list[str]:
    default = next((p.pipeline.key for p in spec.pipelines if p.pipeline.default), None)
    by_name = {p.pipeline.name: p.pipeline.key for p in spec.pipelines}
    return [p.pipeline.code or (default if p.pipeline.default and default else None) or
            by_name.pop(p.pipeline.name, p.pipeline.key) for p in have.pipelines]


def _stages_of(have: SpaSpec | None, key: str) -> tuple[st.Stage, ...]:
    for p in have.pipelines if have else ():
        if p.pipeline.key == key:
            return p.stages
    return ()


def _by_spa(changes: Sequence[Change]) -> dict[str, list[Change]]:
    out: dict[str, list[Change]] = {}
    for c in changes:
        out.setdefault(c.address.parts[0][1], []).append(c)
    return out
