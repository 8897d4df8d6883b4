"""userfieldconfig.*: the main-module D7 view of CRM user fields (docs/portal-rules.md#userfieldconfig).

Same storage as crm.<entity>.userfield.*; lowerCamel keys, settings keys left UPPER, no name
prefixing, `enum` replaced as a whole. Errors: `error: ""`, HTTP 400.
"""

from __future__ import annotations

from typing import Any

from provisioner.sandbox.core import REGISTRY, BitrixError, CallContext, Result, paginate
from provisioner.sandbox.crm import d7filter, state, ufsettings
from provisioner.sandbox.crm import userfields as uf
from provisioner.sandbox.crm.common import as_int, is_crm_admin, legacy_error

DOCS = "api-reference/crm/universal/userfieldconfig/userfieldconfig-"
CLASSIC = ("CRM_LEAD", "CRM_DEAL", "CRM_CONTACT", "CRM_COMPANY", "CRM_QUOTE")
CAMEL = {"ID": "id", "ENTITY_ID": "entityId", "FIELD_NAME": "fieldName",
         "USER_TYPE_ID": "userTypeId", "XML_ID": "xmlId", "SORT": "sort", "MULTIPLE": "multiple",
         "MANDATORY": "mandatory", "SHOW_FILTER": "showFilter", "SHOW_IN_LIST": "showInList",
         "EDIT_IN_LIST": "editInList", "IS_SEARCHABLE": "isSearchable",
         "EDIT_FORM_LABEL": "editFormLabel", "LIST_COLUMN_LABEL": "listColumnLabel",
         "LIST_FILTER_LABEL": "listFilterLabel", "ERROR_MESSAGE": "errorMessage",
         "HELP_MESSAGE": "helpMessage", "SETTINGS": "settings"}
UPPER = {v: k for k, v in CAMEL.items()}
SCALARS = ("ENTITY_ID", "FIELD_NAME", "USER_TYPE_ID", "XML_ID")
FLAGS = ("MULTIPLE", "MANDATORY", "SHOW_FILTER", "SHOW_IN_LIST", "EDIT_IN_LIST", "IS_SEARCHABLE")
ADD_KEYS = ("xmlId", "sort", "multiple", "mandatory", "showFilter", "editInList",
            "isSearchable", "settings", "editFormLabel", "helpMessage")  # others ignored on add
UPDATE_KEYS = ("xmlId", "sort", "mandatory", "showFilter", "isSearchable", "settings",
               "editFormLabel", "helpMessage")
FILTER_KEYS = ("id", "entityId", "fieldName", "userTypeId", "xmlId", "sort", "multiple",
               "mandatory", "showFilter", "showInList", "editInList", "isSearchable")
TYPE_TITLES = {"crm": "Linked to CRM entities", "crm_status": "Linked to CRM directories",
               "employee": "Linked to employee", "datetime": "Date with time",
               "address": "Address",
               "iblock_section": "Linked to information block sections",
               "iblock_element": "Linked to information block elements"}


def _refuse(text: str) -> BitrixError:
    return legacy_error(text)


def _check_module(ctx: CallContext, params: dict[str, Any]) -> None:
    module = params.get("moduleId")
    if module in (None, ""):
        raise BitrixError(100, "Could not find value for parameter {moduleId}", 400)
    if module != "crm":
        raise _refuse("No settings for UserFieldAccess")
    if "crm" not in ctx.scopes:  # the scope of moduleId is needed too (docs/portal-rules.md#userfieldconfig)
        raise _refuse("The current method required more scopes. (crm)")


def _allowed_entities(ctx: CallContext) -> set[str]:
    return set(CLASSIC) | {f"CRM_{t['id']}" for t in state.crm_types(ctx.store).values()}


def _labels(field: dict[str, Any], langs: tuple[str, ...], listed: bool) -> dict[str, Any]:
    """get: full maps with null for empty texts; list: an empty label is null as a whole."""
    out: dict[str, Any] = {"languageId": {lang: lang for lang in langs}}
    for key in uf.LABEL_KEYS:
        label = field[key]
        texts = {lang: label.get(lang) or None for lang in langs}
        out[CAMEL[key]] = None if listed and not any(texts.values()) else texts
    return out


def _base(field: dict[str, Any]) -> dict[str, Any]:
    """The keys of every view, labels and enum aside; spelled out, as this runs for each field
    of each page of a list (in CAMEL's order)."""
    return {"id": str(field["ID"]), "entityId": field["ENTITY_ID"],
            "fieldName": field["FIELD_NAME"], "userTypeId": field["USER_TYPE_ID"],
            "xmlId": field["XML_ID"], "sort": str(field["SORT"]),
            "multiple": field["MULTIPLE"], "mandatory": field["MANDATORY"],
            "showFilter": field["SHOW_FILTER"], "showInList": field["SHOW_IN_LIST"],
            "editInList": field["EDIT_IN_LIST"], "isSearchable": field["IS_SEARCHABLE"],
            "settings": field["SETTINGS"] or []}


def field_json(field: dict[str, Any], langs: tuple[str, ...] | None = uf.LANGUAGES,
               with_enum: bool = True) -> dict[str, Any]:
    out = _base(field)
    if langs:
        out.update(_labels(field, langs, listed=not with_enum))
    if with_enum and field["USER_TYPE_ID"] == "enumeration":
        out["enum"] = [{"id": str(i["ID"]), "userFieldId": str(field["ID"]),
                        "value": i["VALUE"], "def": i["DEF"], "sort": str(i["SORT"]),
                        "xmlId": i["XML_ID"]} for i in field["LIST"]]
    return out


def _upper_fields(given: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out = {UPPER[k]: given[k] for k in keys if k in given and k in UPPER}
    items = given.get("enum")
    if isinstance(items, dict):  # form data: enum[0][value]=A gives a dict
        items = list(items.values())
    if isinstance(items, list):
        out["LIST"] = [{UPPER.get(k, k.upper()): v for k, v in item.items()}
                       for item in items if isinstance(item, dict)]
    return out


def _field_param(params: dict[str, Any]) -> dict[str, Any]:
    given = params.get("field")
    if not isinstance(given, dict):
        raise BitrixError(100, "Could not find value for parameter {field}", 400)
    return given


def _extra_settings(field: dict[str, Any], given: dict[str, Any]) -> None:
    """userfieldconfig passes settings keys the legacy proxy would drop (docs/portal-rules.md#field-types)."""
    if isinstance(given.get("settings"), dict):
        accepted = ufsettings.accepted_keys(field["USER_TYPE_ID"])
        field["SETTINGS"].update({k: v for k, v in given["settings"].items()
                                  if k not in accepted})


@REGISTRY.add("userfieldconfig.getTypes", scope="userfieldconfig", doc=DOCS + "get-types.md")
def get_types(ctx: CallContext, params: dict[str, Any]) -> Result:
    _check_module(ctx, params)
    return Result({"types": {t: {"userTypeId": t, "description": TYPE_TITLES.get(t, title)}
                             for t, title in ufsettings.TYPES}})


def _dict(params: dict[str, Any], name: str) -> dict[str, Any]:
    value = params.get(name)
    return value if isinstance(value, dict) else {}


def _require_reader(ctx: CallContext) -> None:
    users: dict[str, dict[str, Any]] = ctx.store.section("users", {})
    if users.get(str(ctx.user_id), {}).get("USER_TYPE") == "extranet":
        raise _refuse("You do not have permission to view user field settings")


@REGISTRY.add("userfieldconfig.list", scope="userfieldconfig", doc=DOCS + "list.md")
def list_(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Paged by 50 as {"fields": [...]}; labels only with select.language (docs/portal-rules.md#field-labels, #userfieldconfig)."""
    _check_module(ctx, params)
    _require_reader(ctx)
    rows = ctx.rows_once("userfieldconfig.list", params, lambda: _list_rows(ctx, params))
    page = paginate(rows, ctx.start)
    return Result({"fields": page.value}, total=page.total, next=page.next)


def _list_rows(ctx: CallContext, params: dict[str, Any]) -> list[dict[str, Any]]:
    lang = _dict(params, "select").get("language")
    allowed = _allowed_entities(ctx)
    keep = d7filter.make_filter(_dict(params, "filter"), FILTER_KEYS)
    # Filtered and ordered on the keys without labels (FILTER_KEYS names none), then only the
    # rows kept get their labels: the same rows, without rendering the others' labels.
    fields: dict[int, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    for f in state.userfields(ctx.store).values():
        row = _base(f) if f["ENTITY_ID"] in allowed else None
        if row is not None and keep(row):
            fields[id(row)] = f
            rows.append(row)
    rows.sort(key=lambda r: int(r["id"]))
    rows = d7filter.apply_order(rows, _dict(params, "order"), FILTER_KEYS)
    if lang:
        for row in rows:
            row.update(_labels(fields[id(row)], (str(lang),), listed=True))
    return rows


@REGISTRY.add("userfieldconfig.get", scope="userfieldconfig", doc=DOCS + "get.md")
def get(ctx: CallContext, params: dict[str, Any]) -> Result:
    _check_module(ctx, params)
    _require_reader(ctx)
    field = uf.find(ctx.store, as_int(params.get("id")) or 0)
    if field is None or field["ENTITY_ID"] not in _allowed_entities(ctx):
        return Result(None)
    return Result({"field": field_json(field)})


def _model_errors_as_plain(exc: BitrixError) -> BitrixError:
    return _refuse(exc.description)


@REGISTRY.add("userfieldconfig.add", scope="userfieldconfig", write=True, doc=DOCS + "add.md")
def add(ctx: CallContext, params: dict[str, Any]) -> Result:
    _check_module(ctx, params)
    given = _field_param(params)
    entity_id = str(given.get("entityId") or "")
    if not is_crm_admin(ctx) or entity_id not in _allowed_entities(ctx):
        raise _refuse("You cannot create custom fields")
    name = str(given.get("fieldName") or "").strip()
    if not name:
        raise _refuse("The 'FIELD_NAME' field is not found.")
    if not name.startswith(f"UF_{entity_id}_"):  # no prefixing here (docs/portal-rules.md#field-names)
        raise _refuse("You cannot create custom fields")
    try:
        type_id = uf.check_type(given.get("userTypeId"))
        uf.check_field_name(ctx.store, entity_id, name)
        field = uf.create_field(ctx.store, entity_id, name, type_id,
                                _upper_fields(given, ADD_KEYS))
    except BitrixError as exc:
        raise _model_errors_as_plain(exc) from exc
    for key in uf.LABEL_KEYS:  # no LABEL fallback here: unsent languages stay empty
        field[key] = uf.label_map(given.get(CAMEL[key]) if CAMEL[key] in ADD_KEYS else None, "")
    _extra_settings(field, given)
    return Result({"field": field_json(field)})


@REGISTRY.add("userfieldconfig.update", scope="userfieldconfig", write=True,
              doc=DOCS + "update.md")
def update(ctx: CallContext, params: dict[str, Any]) -> Result:
    _check_module(ctx, params)
    given = _field_param(params)
    field = uf.find(ctx.store, as_int(params.get("id")) or 0)
    if field is None or not is_crm_admin(ctx) or field["ENTITY_ID"] not in _allowed_entities(ctx):
        raise _refuse("You cannot change the settings of the user field")
    fields = _upper_fields(given, UPDATE_KEYS)
    if given.get("userTypeId") != "enumeration":
        fields.pop("LIST", None)  # enum applies only with userTypeId "enumeration" (docs/portal-rules.md#enumeration-items)
    try:
        uf.update_field(ctx.store, field, fields, replace_enum=True)
    except BitrixError as exc:
        raise _model_errors_as_plain(exc) from exc
    _extra_settings(field, given)
    return Result({"field": field_json(field)})


@REGISTRY.add("userfieldconfig.delete", scope="userfieldconfig", write=True,
              doc=DOCS + "delete.md")
def delete(ctx: CallContext, params: dict[str, Any]) -> Result:
    _check_module(ctx, params)
    field = uf.find(ctx.store, as_int(params.get("id")) or 0)
    if field is None or not is_crm_admin(ctx) or field["ENTITY_ID"] not in _allowed_entities(ctx):
        raise _refuse("You cannot delete the user field")
    uf.delete_field(ctx.store, int(field["ID"]))
    return Result(None)
