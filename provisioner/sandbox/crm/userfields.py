"""Custom ("user") fields of CRM objects: one storage for crm.<entity>.userfield.* and
userfieldconfig.*, with the rules of docs/portal-rules.md#custom-fields (S21 UserFieldProxy,
CUserTypeEntity, CUserFieldEnum).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from provisioner.sandbox.crm import state, ufsettings, values
from provisioner.sandbox.crm.common import core_error, legacy_error, php_int, yn
from provisioner.sandbox.store import Store

# The portal's languages, as the docs' crm.deal.userfield.get example lists them.
LANGUAGES = ("ar", "br", "de", "en", "fr", "hi", "id", "in", "it", "ja", "kz", "la", "ms", "pl",
             "ru", "sc", "tc", "th", "tr", "ua", "vn")
LABEL_KEYS = ("EDIT_FORM_LABEL", "LIST_COLUMN_LABEL", "LIST_FILTER_LABEL", "ERROR_MESSAGE",
              "HELP_MESSAGE")
FLAG_KEYS = ("MANDATORY", "SHOW_IN_LIST", "EDIT_IN_LIST", "IS_SEARCHABLE")
FLAG_DEFAULTS = {"MANDATORY": "N", "SHOW_IN_LIST": "Y", "EDIT_IN_LIST": "Y",
                 "IS_SEARCHABLE": "N"}  # SHOW_IN_LIST Y: [S21], docs/portal-rules.md#open-questions item 7
NAME_ALPHABET = re.compile(r"^[0-9A-Z_]+$")


def legacy_field_name(raw: Any) -> str:
    """Trim, upper-case and put the UF_CRM_ prefix in front (docs/portal-rules.md#field-names, #emulator-checklist item 16)."""
    name = str(raw or "").strip().upper()
    if not name:
        raise legacy_error("The 'FIELD_NAME' field is not found.")
    if not name.startswith("UF_CRM_"):
        name = "UF_CRM_" + (name.removeprefix("UF_"))
    return name


def check_field_name(store: Store, entity_id: str, name: str) -> None:
    if len(name) > 50:
        raise core_error("Field name is too long (more than 50 characters).")
    if len(name) < 4 or not name.startswith("UF_") or not NAME_ALPHABET.match(name):
        raise core_error("Field name contains invalid characters. "
                         "Allowed characters are: A-Z, 0-9 and _.")
    if any(f["ENTITY_ID"] == entity_id and f["FIELD_NAME"] == name
           for f in state.userfields(store).values()):
        raise core_error(f"The field {name} for the {entity_id} object already exists.")


def check_type(raw: Any) -> str:
    type_id = str(raw or "").strip()
    if not type_id:
        raise legacy_error("The 'USER_TYPE_ID' field is not found.")
    if type_id not in ufsettings.TYPE_IDS:
        raise core_error("Incorrect custom type specified.")
    return type_id


def show_filter(value: Any, type_id: str) -> str:
    """Input Y is stored as the mask E, or I for employee fields; never read back as Y (docs/portal-rules.md#field-properties)."""
    text = str(value or "N").strip().upper()
    if text == "Y":
        return "I" if type_id == "employee" else "E"
    return text if text in ("N", "I", "E", "S") else "N"


def label_map(value: Any, fallback: str) -> dict[str, str]:
    """UserFieldProxy::prepareLabels: a non-empty text applies to every language; a map gives
    its non-empty texts; every other language gets `fallback` (LABEL on add, "" on update)."""
    if isinstance(value, str) and value != "":
        return dict.fromkeys(LANGUAGES, value)
    given = value if isinstance(value, dict) else {}
    return {lang: text if isinstance(text := given.get(lang), str) and text != "" else fallback
            for lang in LANGUAGES}


def new_labels(fields: dict[str, Any], name: str) -> dict[str, dict[str, str]]:
    """On add every label key, help and error texts too, falls back to LABEL (trimmed), else
    the field's name (docs/portal-rules.md#field-labels; source UserFieldProxy::add)."""
    fallback = str(fields.get("LABEL") or "").strip(" \t\n\r\0\x0b") or name
    return {key: label_map(fields.get(key), fallback) for key in LABEL_KEYS}


def replace_labels(field: dict[str, Any], fields: dict[str, Any]) -> None:
    """On update a sent label key replaces the whole map; missing languages become ""."""
    for key in LABEL_KEYS:
        if key in fields:
            field[key] = label_map(fields[key], "")


# Server source, not docs: UserFieldProxy::add/update (module rest, lib/userfieldproxy.php) trim
# an item's VALUE with trim($value, " \t\n\r") (no \0, no \x0b) and pass SORT on only when it
# is > 0 (docs/portal-rules.md#enumeration-items).
ITEM_TRIM = " \t\n\r"


def _random_xml_id(value: str) -> str:
    return hashlib.md5((secrets.token_hex(8) + value).encode()).hexdigest()


def _item(store: Store, raw: dict[str, Any]) -> dict[str, Any]:
    sort = php_int(raw.get("SORT"))
    value = str(raw.get("VALUE")).strip(ITEM_TRIM)
    xml_id = str(raw.get("XML_ID") or "").strip() or _random_xml_id(value)
    return {"ID": store.next_id("enum"), "VALUE": value, "DEF": yn(raw.get("DEF")),
            "SORT": sort if sort > 0 else 500, "XML_ID": xml_id}


def _blank(raw: dict[str, Any]) -> bool:
    return str(raw.get("VALUE") if raw.get("VALUE") is not None else "").strip(ITEM_TRIM) == ""


def _patch_item(item: dict[str, Any], raw: dict[str, Any]) -> None:
    item["VALUE"] = str(raw["VALUE"]).strip(ITEM_TRIM)
    if php_int(raw.get("SORT")) > 0:  # SORT <= 0 is not applied: source, see ITEM_TRIM
        item["SORT"] = php_int(raw["SORT"])
    if "DEF" in raw:
        item["DEF"] = yn(raw["DEF"])
    if str(raw.get("XML_ID") or "").strip():
        item["XML_ID"] = str(raw["XML_ID"]).strip()


def patch_items(store: Store, field: dict[str, Any], sent: Any, replace: bool = False) -> None:
    """Legacy update patches: by ID update, without ID add, DEL:"Y"/empty VALUE delete, others
    kept. userfieldconfig passes replace=True: items not mentioned are deleted (docs/portal-rules.md#enumeration-items)."""
    if not isinstance(sent, list):
        sent = list(sent.values()) if isinstance(sent, dict) else []
    current = {int(i["ID"]): dict(i) for i in field["LIST"]}
    result = {} if replace else dict(current)
    added: list[dict[str, Any]] = []
    sent_order: list[dict[str, Any]] = []  # the items of `sent`, as sent: the first default wins
    for raw in (r for r in sent if isinstance(r, dict)):
        item_id = php_int(raw.get("ID"))
        if item_id:
            if item_id not in current:
                continue  # an ID of another field is ignored
            if yn(raw.get("DEL")) == "Y" or ("VALUE" in raw and _blank(raw)):
                result.pop(item_id, None)
                continue
            item = result.get(item_id, current[item_id])
            _patch_item(item, {**item, **raw})
            result[item_id] = item
            sent_order.append(item)
        elif not _blank(raw):
            added.append(_item(store, raw))
            sent_order.append(added[-1])
    items = list(result.values()) + added
    _check_xml_ids(items)
    field["LIST"] = _one_default(items, field["MULTIPLE"], sent_order)


def _check_xml_ids(items: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for item in items:
        if item["XML_ID"] in seen:
            raise core_error(f"List item with XML_ID={item['XML_ID']} already exists.")
        seen.add(item["XML_ID"])


def _one_default(items: list[dict[str, Any]], multiple: str,
                 sent_order: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """On a non-multiple field only the first item *sent* marked default stays default, whatever
    its SORT: docs api-reference/crm/deals/user-defined-fields/crm-deal-userfield-add.md (LIST, DEF: "For non-multiple, the first passed list
    item will be considered default"); source module rest, lib/userfieldproxy.php,
    UserFieldProxy::add/update ($defaultItemKey). An item not sent keeps its default only when
    no item sent is one (docs/portal-rules.md#enumeration-items)."""
    if multiple != "Y":
        first = next((i for i in sent_order if i["DEF"] == "Y"), None)
        first = first or next((i for i in items if i["DEF"] == "Y"), None)
        for item in items:
            item["DEF"] = "Y" if item is first else "N"
    return sorted(items, key=lambda i: (int(i["SORT"]), int(i["ID"])))


def create_field(store: Store, entity_id: str, name: str, type_id: str,
                 fields: dict[str, Any]) -> dict[str, Any]:
    """Store a new field; name and type were already checked by the caller's dialect."""
    sort = php_int(fields.get("SORT"))
    field: dict[str, Any] = {
        "ID": store.next_id("userfield"), "ENTITY_ID": entity_id, "FIELD_NAME": name,
        "USER_TYPE_ID": type_id, "XML_ID": str(fields["XML_ID"]) if fields.get("XML_ID")
        else None, "SORT": sort if sort > 0 else 100,
        "MULTIPLE": "N" if type_id == "boolean" else yn(fields.get("MULTIPLE")),
        "SHOW_FILTER": show_filter(fields.get("SHOW_FILTER"), type_id),
        **{k: yn(fields.get(k), FLAG_DEFAULTS[k]) for k in FLAG_KEYS},
        "SETTINGS": ufsettings.new_settings(type_id, fields.get("SETTINGS")),
        **new_labels(fields, name), "LIST": []}
    if type_id == "enumeration":
        patch_items(store, field, fields.get("LIST"))
    state.userfields(store)[str(field["ID"])] = field
    return field


def update_field(store: Store, field: dict[str, Any], fields: dict[str, Any],
                 replace_enum: bool = False) -> None:
    """Only sent keys change; ENTITY_ID, FIELD_NAME, USER_TYPE_ID, MULTIPLE are dropped (docs/portal-rules.md#field-properties)."""
    if "XML_ID" in fields:
        field["XML_ID"] = str(fields["XML_ID"]) if fields["XML_ID"] else None
    if "SORT" in fields:
        sort = php_int(fields["SORT"])
        field["SORT"] = sort if sort > 0 else 100
    if "SHOW_FILTER" in fields:
        field["SHOW_FILTER"] = show_filter(fields["SHOW_FILTER"], field["USER_TYPE_ID"])
    for key in FLAG_KEYS:
        if key in fields:
            field[key] = yn(fields[key], field[key])
    ufsettings.merge_settings(field["USER_TYPE_ID"], field["SETTINGS"], fields.get("SETTINGS"))
    replace_labels(field, fields)
    if field["USER_TYPE_ID"] == "enumeration" and "LIST" in fields:
        patch_items(store, field, fields["LIST"], replace=replace_enum)


def find(store: Store, field_id: int) -> dict[str, Any] | None:
    return state.userfields(store).get(str(field_id))


def delete_field(store: Store, field_id: int) -> None:
    """The field and its values in every record (api-reference/crm/deals/user-defined-fields/crm-deal-userfield-delete.md)."""
    field = state.userfields(store).pop(str(field_id), None)
    if field is not None:
        values.forget(store, field)
