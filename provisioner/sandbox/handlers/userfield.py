"""crm.{lead,deal,contact,company,quote}.userfield.* and the crm.userfield.* helpers
(legacy CRM dialect, docs/portal-rules.md#legacy-userfield-methods)."""
# ruff: noqa: ARG001  (every handler takes the registry's (ctx, params), used or not)

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from provisioner.sandbox.core import REGISTRY, BitrixError, CallContext, Handler, Result
from provisioner.sandbox.crm import state, ufsettings
from provisioner.sandbox.crm import userfields as uf
from provisioner.sandbox.crm.common import (
    legacy_error,
    legacy_id,
    legacy_param,
    require_legacy_admin,
)

ENTITIES = {"lead": "CRM_LEAD", "deal": "CRM_DEAL", "contact": "CRM_CONTACT",
            "company": "CRM_COMPANY", "quote": "CRM_QUOTE"}
DOC_PAGES = {"lead": "leads/userfield/crm-lead-userfield-{}.md",
             "deal": "deals/user-defined-fields/crm-deal-userfield-{}.md",
             "contact": "contacts/userfield/crm-contact-userfield-{}.md",
             "company": "companies/userfields/crm-company-userfield-{}.md",
             "quote": "quote/user-field/crm-quote-user-field-{}.md"}
HELPERS = "api-reference/crm/universal/user-defined-fields/"
FILTER_KEYS = ("ID", "FIELD_NAME", "USER_TYPE_ID", "XML_ID", "SORT", "MULTIPLE", "MANDATORY",
               "SHOW_FILTER", "SHOW_IN_LIST", "EDIT_IN_LIST", "IS_SEARCHABLE")
ORDER_KEYS = ("ID", "FIELD_NAME", "USER_TYPE_ID", "XML_ID", "SORT")


def item_json(item: dict[str, Any]) -> dict[str, Any]:
    return {"ID": str(item["ID"]), "SORT": str(item["SORT"]), "VALUE": item["VALUE"],
            "DEF": item["DEF"], "XML_ID": item["XML_ID"]}


def field_json(field: dict[str, Any], lang: str | None = None,
               labels: bool = True) -> dict[str, Any]:
    """Numbers as strings, empty settings as [] (PHP); labels as maps or one language (docs/portal-rules.md#field-labels)."""
    # Spelled out: this runs for every field of every list asked.
    out: dict[str, Any] = {"ID": str(field["ID"]), "ENTITY_ID": field["ENTITY_ID"],
                           "FIELD_NAME": field["FIELD_NAME"],
                           "USER_TYPE_ID": field["USER_TYPE_ID"], "XML_ID": field["XML_ID"],
                           "SORT": str(field["SORT"]), "MULTIPLE": field["MULTIPLE"],
                           "MANDATORY": field["MANDATORY"], "SHOW_FILTER": field["SHOW_FILTER"],
                           "SHOW_IN_LIST": field["SHOW_IN_LIST"],
                           "EDIT_IN_LIST": field["EDIT_IN_LIST"],
                           "IS_SEARCHABLE": field["IS_SEARCHABLE"],
                           "SETTINGS": field["SETTINGS"] or []}
    for key in uf.LABEL_KEYS:
        if lang is not None:
            out[key] = field[key].get(lang) or None
        elif labels:
            out[key] = dict(field[key])
    if field["USER_TYPE_ID"] == "enumeration":
        out["LIST"] = [item_json(i) for i in field["LIST"]]
    return out


def _object(params: dict[str, Any], name: str) -> dict[str, Any]:
    value = legacy_param(params, name)
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise legacy_error(f"Parameter '{name}' must be array.")
    return value


def _own_field(ctx: CallContext, entity_id: str, params: dict[str, Any]) -> dict[str, Any]:
    field_id = legacy_id(params)
    field = uf.find(ctx.store, field_id)
    if field is None:
        raise BitrixError("ERROR_NOT_FOUND", f"The entity with ID '{field_id}' is not found.",
                          400)
    if field["ENTITY_ID"] != entity_id:
        raise legacy_error("Access denied.")  # another entity's field (docs/portal-rules.md#legacy-userfield-methods)
    return field


def _sorted(rows: list[dict[str, Any]], order: dict[str, Any]) -> list[dict[str, Any]]:
    rows = sorted(rows, key=lambda f: (int(f["SORT"]), int(f["ID"])))
    for key, direction in reversed([(str(k).upper(), v) for k, v in order.items()]):
        if key in ORDER_KEYS:
            rows.sort(key=_order_key(key), reverse=str(direction).upper() == "DESC")
    return rows


def _order_key(key: str) -> Callable[[dict[str, Any]], tuple[int, str]]:
    numeric = key in ("ID", "SORT")
    return lambda f: (int(f[key]), "") if numeric else (0, str(f[key] or ""))


def make_list(entity_id: str) -> Handler:
    def list_(ctx: CallContext, params: dict[str, Any]) -> Result:
        flt, order = _object(params, "filter"), _object(params, "order")
        lang = str(flt["LANG"]) if flt.get("LANG") else None
        wanted = [(k, str(v)) for k, v in flt.items() if k in FILTER_KEYS]  # once, not per row
        rows = [f for f in state.userfields(ctx.store).values() if f["ENTITY_ID"] == entity_id
                and all(str(f[k] if f[k] is not None else "") == v for k, v in wanted)]
        out = [field_json(f, lang, labels=False) for f in _sorted(rows, order)]
        return Result(out, total=len(out))
    return list_


def make_get(entity_id: str) -> Handler:
    def get(ctx: CallContext, params: dict[str, Any]) -> Result:
        return Result(field_json(_own_field(ctx, entity_id, params)))
    return get


def make_add(entity_id: str) -> Handler:
    def add(ctx: CallContext, params: dict[str, Any]) -> Result:
        require_legacy_admin(ctx)
        fields = legacy_param(params, "fields")
        if fields is None:
            fields = params  # a flat call without the `fields` wrapper is accepted (docs/portal-rules.md#legacy-userfield-methods)
        if not isinstance(fields, dict):
            raise legacy_error("Parameter 'fields' must be array.")
        name = uf.legacy_field_name(fields.get("FIELD_NAME"))
        type_id = uf.check_type(fields.get("USER_TYPE_ID"))
        uf.check_field_name(ctx.store, entity_id, name)
        return Result(uf.create_field(ctx.store, entity_id, name, type_id, fields)["ID"])
    return add


def make_update(entity_id: str) -> Handler:
    def update(ctx: CallContext, params: dict[str, Any]) -> Result:
        require_legacy_admin(ctx)
        field = _own_field(ctx, entity_id, params)
        fields = legacy_param(params, "fields")
        if not isinstance(fields, dict):
            raise legacy_error("Parameter 'fields' must be array.")
        uf.update_field(ctx.store, field, fields)
        return Result(True)
    return update


def make_delete(entity_id: str) -> Handler:
    def delete(ctx: CallContext, params: dict[str, Any]) -> Result:
        require_legacy_admin(ctx)
        uf.delete_field(ctx.store, int(_own_field(ctx, entity_id, params)["ID"]))
        return Result(True)
    return delete


def _register() -> None:
    makers = {"list": (make_list, False), "get": (make_get, False), "add": (make_add, True),
              "update": (make_update, True), "delete": (make_delete, True)}
    for entity, entity_id in ENTITIES.items():
        for action, (maker, write) in makers.items():
            doc = "api-reference/crm/" + DOC_PAGES[entity].format(action)
            REGISTRY.add(f"crm.{entity}.userfield.{action}", scope="crm", write=write,
                         doc=doc)(maker(entity_id))


_register()


def _d(type_: str, title: str, **flags: bool) -> dict[str, Any]:
    return {"type": type_, "title": title, **flags}


USERFIELD_FIELDS = {
    "ID": _d("int", "ID", isReadOnly=True), "ENTITY_ID": _d("string", "Object", isImmutable=True),
    "FIELD_NAME": _d("string", "Code", isImmutable=True),
    "USER_TYPE_ID": _d("string", "Data Type", isImmutable=True),
    "XML_ID": _d("string", "External ID (XML ID)"), "SORT": _d("int", "Sorting"),
    "MULTIPLE": _d("char", "Multiple"), "MANDATORY": _d("char", "Mandatory"),
    "SHOW_FILTER": _d("char", "Show in list filter"), "SHOW_IN_LIST": _d("char", "Show in list"),
    "EDIT_IN_LIST": _d("char", "Allow user editing"),
    "IS_SEARCHABLE": _d("char", "Field values are searchable"),
    "EDIT_FORM_LABEL": _d("string", "Label in edit form"),
    "LIST_COLUMN_LABEL": _d("string", "Header in list"),
    "LIST_FILTER_LABEL": _d("string", "Filter label in list"),
    "ERROR_MESSAGE": _d("string", "Error message"), "HELP_MESSAGE": _d("string", "Help"),
    "LIST": _d("uf_enum_element", "List elements", isMultiple=True),
    "SETTINGS": _d("object", "Additional settings (dependent on type)"),
}
ENUM_FIELDS = {"ID": _d("int", "ID", isReadOnly=True), "SORT": _d("int", "Sorting"),
               "VALUE": _d("string", "Value"), "DEF": _d("string", "Default Value"),
               "DEL": _d("string", "Element Deletion Flag")}


@REGISTRY.add("crm.userfield.fields", scope="crm", doc=HELPERS + "crm-userfield-fields.md")
def userfield_fields(ctx: CallContext, params: dict[str, Any]) -> Result:
    return Result(USERFIELD_FIELDS)


@REGISTRY.add("crm.userfield.types", scope="crm", doc=HELPERS + "crm-userfield-types.md")
def userfield_types(ctx: CallContext, params: dict[str, Any]) -> Result:
    return Result([{"ID": t, "title": title} for t, title in ufsettings.TYPES])


@REGISTRY.add("crm.userfield.settings.fields", scope="crm",
              doc=HELPERS + "crm-userfield-settings-fields.md")
def settings_fields(ctx: CallContext, params: dict[str, Any]) -> Result:
    type_id = str(params.get("type") or params.get("TYPE") or "").strip()
    if not type_id:
        raise legacy_error("Parameter 'type' is not specified or empty.")
    return Result(ufsettings.SETTINGS_FIELDS.get(type_id) or [])


@REGISTRY.add("crm.userfield.enumeration.fields", scope="crm",
              doc=HELPERS + "crm-userfield-enumeration-fields.md")
def enumeration_fields(ctx: CallContext, params: dict[str, Any]) -> Result:
    return Result(ENUM_FIELDS)
