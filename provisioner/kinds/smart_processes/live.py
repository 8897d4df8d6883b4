"""What the smart-process kind reads from the portal, and its answers as model objects.

Reads: crm.type.list, crm.status.list and userfieldconfig.list in ru and en in the first batch
(the field lists' next pages in its free slots); then, per type, crm.type.get (relations) and
crm.category.list (its pipelines), asked as soon as the type list is in (`type_reads`), and
userfieldconfig.get per enumeration field (lists carry no items) once the field lists are, with
the labels in the other languages asked for (those the config names for a plan, every one for
export): a get of every other field, or a list per language when that takes fewer calls.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from provisioner.kinds import shared
from provisioner.kinds import statuses as st
from provisioner.kinds.fields import labels as lb
from provisioner.kinds.fields.labels import LANGS, LANGUAGES
from provisioner.kinds.fields.model import FieldSpec, live_field
from provisioner.kinds.fields.types import TYPES
from provisioner.kinds.slug import slugify
from provisioner.kinds.smart_processes.apply import stage_list
from provisioner.kinds.smart_processes.model import (
    PipelineSpec,
    SmartProcess,
    SpaPipeline,
    SpaSpec,
    entity_names,
    live_spa,
)
from provisioner.model import ReadCall, Results, RowKeys
from provisioner.model.answers import got_one

CLASSIC = ["CRM_LEAD", "CRM_DEAL", "CRM_CONTACT", "CRM_COMPANY", "CRM_QUOTE", "CRM_REQUISITE",
           "CRM_SMART_INVOICE"]
FIELD_PAGES_AHEAD = 4  # pages of userfieldconfig.list asked before its total is known
# the key of a smart process's default pipeline as read (and exported), as a deal's default
DEFAULT_KEY = "default"
PAGE = 50  # rows of a userfieldconfig.list page (docs/portal-rules.md#paging)


def read_calls() -> dict[str, ReadCall]:
    # rarely more than 50 smart processes; a portal has a few hundred of their fields
    calls = {"crm_types": ReadCall("crm.type.list", {}, "types", pages_ahead=1),
             "statuses": st.STATUSES}
    for lang in LANGS:
        calls[f"spa_fields_{lang}"] = _list(lang)
    return calls


def _list(lang: str) -> ReadCall:
    """The fields of every smart process with their labels in `lang`, each row trimmed as its
    page comes to the keys the kind reads (a list in a language other than ru only to the
    labels it adds): about 24,000 rows a language at L100."""
    return ReadCall("userfieldconfig.list", {
        "moduleId": "crm", "select": {"0": "*", "language": lang},
        "filter": {"!@entityId": CLASSIC}}, "fields", pages_ahead=FIELD_PAGES_AHEAD,
        pages_spare=True,
        trim=ROW_TRIM if lang == LANGS[0] else LABEL_TRIM)


TYPE_NEEDS = frozenset({"crm_types"})  # the reads `type_reads` asks from


def type_reads(results: Results) -> dict[str, ReadCall]:
    """Relations and pipelines per type: they need only the type list (`TYPE_NEEDS`), so
    they are asked as soon as it is in (`ReadsEarly`), with the pages of the field lists."""
    calls: dict[str, ReadCall] = {}
    for t in _types(results):
        calls[f"spa_type_{t['id']}"] = ReadCall("crm.type.get", {"id": t["id"]})
        calls[f"spa_cats_{t['entityTypeId']}"] = ReadCall(
            "crm.category.list", {"entityTypeId": t["entityTypeId"]}, "categories",
            expect={"entityTypeId": t["entityTypeId"]})
    return calls


def more_reads(results: Results, languages: frozenset[str] | None = None
               ) -> dict[str, ReadCall]:
    """Relations and pipelines per type; enumeration fields whole; labels in the other
    languages named (`languages`; None: every one, for export)."""
    calls = dict(type_reads(results))
    rows = [r for r in _rows(results, f"spa_fields_{LANGS[0]}") if r.get("userTypeId") in TYPES]
    enums = [r for r in rows if r.get("userTypeId") == "enumeration"]
    # the labels in the portal's other languages: a `get` (every language, the items too) of
    # the other fields when they are fewer than a list per language and page would take
    others = lb.others(languages)
    pages = max(1, math.ceil(len(rows) / PAGE))
    every = len(rows) - len(enums) < len(others) * pages
    for row in rows if every else enums:
        calls[f"spa_uf_{row['id']}"] = ReadCall("userfieldconfig.get",
                                                {"moduleId": "crm", "id": row["id"]},
                                                trim=GET_TRIM)
    if rows and not every:
        calls.update({f"spa_fields_{lang}": _list(lang) for lang in others})
    return calls


# The keys of a field row `_upper` reads (as the portal names them -> as the field kinds do),
# of its labels (`_upper_labels`) and of its items.
UPPER = {"id": "ID", "userTypeId": "USER_TYPE_ID", "sort": "SORT", "multiple": "MULTIPLE",
         "mandatory": "MANDATORY", "showFilter": "SHOW_FILTER", "showInList": "SHOW_IN_LIST",
         "editInList": "EDIT_IN_LIST", "isSearchable": "IS_SEARCHABLE", "settings": "SETTINGS"}
LABELS = {"editFormLabel": "EDIT_FORM_LABEL", "helpMessage": "HELP_MESSAGE"}
ITEM_KEYS = ("id", "value", "def", "sort", "xmlId")

# What the kind keeps of each read, made from what it reads: the keys of a field row (with the
# two `_fields_by_entity` and `_live_fields` read) and of the label lists in the other languages
# (`ReadCall.trim`, page by page), of a field read whole (`userfieldconfig.get`) and of its
# items (`fold`).
ROW_KEYS = (*UPPER, "entityId", "fieldName", *LABELS)
LABEL_ROW_KEYS = ("id", "entityId", *LABELS)
GET_KEYS = ("languageId", *LABELS)
ROW_TRIM, LABEL_TRIM = RowKeys(ROW_KEYS), RowKeys(LABEL_ROW_KEYS)
# A get's field (`{"field": {...}}`, api-reference/crm/universal/userfieldconfig/
# userfieldconfig-get.md) with its labels read and its items: decoded so, its other labels in
# every language (three maps of 21 texts), settings and the rest are never made (26 MB of
# answers at L100, 8,000 gets)
GET_TRIM = RowKeys((*GET_KEYS, "enum"), lists=(("enum", ITEM_KEYS),), one="field")


def fold(key: str, answer: Any) -> Any:
    """What the kind keeps of a read, as soon as it is whole (`FoldsReads`): the stages of the
    smart processes' lists of crm.status.list (not the deal and lead stages and the reference
    lists it also holds) and a field read whole without the labels it does not read (the field
    lists are trimmed page by page by the reader: `_list`, a get by `GET_TRIM`), each label's
    texts that repeat made one object. An answer not as documented is kept
    as it came (`from_live` says what is wrong with it)."""
    if key == "statuses" and isinstance(answer, st.Grouped):
        return st.Grouped({k: v for k, v in answer.items() if k.startswith("DYNAMIC_")})
    if key.startswith("spa_uf_"):
        field = answer.get("field") if isinstance(answer, dict) else None
        if not isinstance(field, dict) or not shared.tables(field.get("enum") or []):
            return answer
        # kept already with only GET_TRIM's keys (the reader trims or the client shapes it)
        out = {k: _texts(v) for k, v in field.items() if k != "enum"}
        out["enum"] = field.get("enum") or []
        return {"field": out}
    return answer


def _texts(value: Any) -> Any:
    """A get's map of every language (21 on a portal) with each text that repeats one object
    (a label is mostly one text in every language; languageId maps each language to itself,
    and the language keys are one object already: the decoder makes each key once)."""
    if not isinstance(value, dict):
        return value
    seen: dict[Any, Any] = {lang: lang for lang in value}
    return {lang: seen.setdefault(text, text) if isinstance(text, str) else text
            for lang, text in value.items()}


def live_specs(results: Results) -> tuple[SpaSpec, ...]:
    types = _types(results)
    keys = _type_keys(types)
    names = entity_names({int(t["entityTypeId"]): keys[int(t["id"])] for t in types})
    statuses = st.by_entity(results.get("statuses") or [])
    fields = _fields_by_entity(results)
    specs = []
    for t in types:
        spa = replace(live_spa(t, _type_got(results, t), names), code=keys[int(t["id"])])
        pipes = _live_pipelines(spa, results.get(f"spa_cats_{t['entityTypeId']}"), statuses)
        specs.append(SpaSpec(spa, pipes, _live_fields(spa, fields.get(f"CRM_{spa.id}", {}),
                                                      results)))
    return tuple(specs)


PerLang = dict[str, dict[str, Mapping[str, Any]]]  # language -> field id -> row


def _fields_by_entity(results: Results) -> dict[str, PerLang]:
    """Every smart process's field rows per language, by field id: one pass over the lists
    (a pass per smart process would read every field of every other one)."""
    out: dict[str, PerLang] = {}
    langs = [lang for lang in LANGUAGES if f"spa_fields_{lang}" in results]
    for lang in langs:
        for row in _rows(results, f"spa_fields_{lang}"):
            entity = out.setdefault(str(row.get("entityId")), {k: {} for k in langs})
            entity[lang][str(row["id"])] = row
    return out


def _type_got(results: Results, row: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The type's get (its relations), None where none was asked; one that holds no type is
    refused (the docs answer a type not found with 400 "SPA not found",
    api-reference/crm/universal/user-defined-object-types/crm-type-get.md)."""
    return got_one(results, f"spa_type_{row['id']}", "crm.type.get",
                   f"the smart process {row.get('title')!r} (id {row['id']})", "type", "type")


def _unwrap(value: Any, key: str) -> Any:
    return value.get(key, value) if isinstance(value, dict) else value


def _rows(results: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = _unwrap(results.get(key), "fields" if key.startswith("spa_fields") else "types")
    return list(value or [])


def _types(results: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return sorted(_rows(results, "crm_types"), key=lambda t: int(t["id"]))


def _type_keys(types: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """Our code if stamped (two types with one code keep it both: twins, which the plan
    refuses), else one made from the title that no code or other title took."""
    codes = {int(t["id"]): str(t.get("code") or "") for t in types}
    keys = {i: c for i, c in codes.items() if c}
    taken = set(keys.values())
    for t in types:
        if not codes[int(t["id"])]:
            key = _slug(str(t.get("title") or ""), int(t["id"]))
            keys[int(t["id"])] = key = f"{key}_{t['id']}" if key in taken else key
            taken.add(key)
    return keys


def _slug(title: str, type_id: int) -> str:
    slug = slugify(title)
    return slug if slug[:1].isalpha() else f"spa_{slug or type_id}"


def _live_pipelines(spa: SmartProcess, cats: Any, statuses: Mapping[str, Any]
                    ) -> tuple[PipelineSpec, ...]:
    rows = _unwrap(cats, "categories") or []
    out = []
    taken = {str(c.get("code")) for c in rows if c.get("code")}
    # the default pipeline without a code keyed as a deal's is: a rename keeps the key
    default = next((c for c in rows if c.get("isDefault") == "Y" and not c.get("code")), None)
    if default is not None:
        default_key = DEFAULT_KEY if DEFAULT_KEY not in taken else f"{DEFAULT_KEY}_{default['id']}"
        taken.add(default_key)
    for cat in sorted(rows, key=lambda c: (int(c.get("sort") or 0), int(c["id"]))):
        key = str(cat.get("code") or "")
        if cat is default:
            key = default_key
        elif not key:  # made from the name: never a code's key, nor another name's
            key = slugify(str(cat.get("name") or "")) or f"pipeline_{cat['id']}"
            key = f"{key}_{cat['id']}" if key in taken else key
        taken.add(key)
        pipe = SpaPipeline(spa.address, key,
                           str(cat.get("name") or ""), cat.get("isDefault") == "Y",
                           id=int(cat["id"]), code=str(cat.get("code") or "") or None,
                           system=cat.get("isDefault") == "Y")
        stages = [st.live_stage(r, pipe.address, "stage")
                  for r in statuses.get(stage_list(spa.entity_type_id or 0, cat["id"]), [])]
        out.append(PipelineSpec(pipe, tuple(stages)))
    return tuple(out)


def _live_fields(spa: SmartProcess, per_lang: PerLang, results: Results
                 ) -> tuple[FieldSpec, ...]:
    if not per_lang:
        return ()
    out = []
    for fid, row in per_lang.get(LANGS[0], {}).items():
        if row.get("userTypeId") not in TYPES:
            continue  # app and module types: not managed
        full = _read_whole(results, fid, row)
        upper = _upper(row, full.get("enum") or [])
        texts = {lang: _upper_labels(per_lang[lang].get(fid, {}), lang) for lang in per_lang}
        for lang in full.get("languageId") or {}:  # a get: every language of the portal
            texts[str(lang)] = _upper_labels(full, str(lang))
        name = str(row["fieldName"]).removeprefix(f"UF_CRM_{spa.id}_")
        out.append(live_field(upper, (spa.address, "field"), name, texts, spa=True))
    return tuple(out)


def _read_whole(results: Results, fid: str, row: Mapping[str, Any]) -> Mapping[str, Any]:
    """The field's get (its items, its labels in every language), {} where none was asked. A
    get asked that holds no field (the docs: `result` "may return null" when the field is not
    found, api-reference/crm/universal/userfieldconfig/userfieldconfig-get.md) is refused: read
    as a field without items, the plan would add items the field has."""
    return got_one(results, f"spa_uf_{fid}", "userfieldconfig.get",
                   f"the field {row.get('fieldName')} (id {fid})", "field", "field") or {}


def _upper(row: Mapping[str, Any], enum: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    out = {v: row.get(k) for k, v in UPPER.items()}
    out["LIST"] = [{"ID": i["id"], "VALUE": i.get("value"), "DEF": i.get("def"),
                    "SORT": i.get("sort"), "XML_ID": i.get("xmlId")} for i in enum]
    return out


def _upper_labels(row: Mapping[str, Any], lang: str) -> dict[str, Any]:
    return {v: (row.get(k) or {}).get(lang) for k, v in LABELS.items()}
