"""User-field types, their SETTINGS defaults and the coercions the legacy proxy applies.

docs/portal-rules.md#field-types (S21 UserFieldProxy; docs api-reference/crm/universal/user-defined-fields/crm-userfield-types.md, api-reference/crm/universal/user-defined-fields/crm-userfield-settings-fields.md).
Read-back defaults follow the docs' get/list examples.
"""

from __future__ import annotations

from typing import Any

from provisioner.sandbox.crm.common import as_int, php_int, yn

TYPES = (("string", "String"), ("integer", "Integer"), ("double", "Number"),
         ("boolean", "Yes/No"), ("enumeration", "List"), ("datetime", "Date/Time"),
         ("date", "Date"), ("money", "Money"), ("url", "Link"),
         ("address", "Google Maps Address"), ("file", "File"), ("employee", "Binding to User"),
         ("crm_status", "Binding to CRM Directories"),
         ("iblock_section", "Binding to Information Block Sections"),
         ("iblock_element", "Binding to Information Block Elements"),
         ("crm", "Binding to CRM Entities"))
TYPE_IDS = tuple(t for t, _ in TYPES)
_IBLOCK = {"IBLOCK_TYPE_ID": "", "IBLOCK_ID": 0, "DEFAULT_VALUE": "", "DISPLAY": "LIST",
           "LIST_HEIGHT": 1, "ACTIVE_FILTER": "N"}
_NO_DATE = {"VALUE": "", "TYPE": "NONE"}

DEFAULTS: dict[str, dict[str, Any]] = {
    "string": {"SIZE": 20, "ROWS": 1, "REGEXP": "", "MIN_LENGTH": 0, "MAX_LENGTH": 0,
               "DEFAULT_VALUE": ""},
    "integer": {"SIZE": 20, "MIN_VALUE": 0, "MAX_VALUE": 0, "DEFAULT_VALUE": None},
    "double": {"PRECISION": 2, "SIZE": 20, "MIN_VALUE": 0, "MAX_VALUE": 0, "DEFAULT_VALUE": None},
    "boolean": {"DEFAULT_VALUE": 0, "DISPLAY": "CHECKBOX", "LABEL": ["", ""],
                "LABEL_CHECKBOX": ""},
    "enumeration": {"DISPLAY": "LIST", "LIST_HEIGHT": 1, "CAPTION_NO_VALUE": "",
                    "SHOW_NO_VALUE": "Y"},
    "datetime": {"DEFAULT_VALUE": _NO_DATE, "USE_SECOND": "Y", "USE_TIMEZONE": "N"},
    "date": {"DEFAULT_VALUE": _NO_DATE},
    "money": {"DEFAULT_VALUE": ""},
    "url": {"POPUP": "Y", "SIZE": 20, "MIN_LENGTH": 0, "MAX_LENGTH": 0, "DEFAULT_VALUE": "",
            "ROWS": 1},
    "address": {"SHOW_MAP": "Y"},
    "file": {"SIZE": 20, "LIST_WIDTH": 0, "LIST_HEIGHT": 0, "MAX_SHOW_SIZE": 0,
             "MAX_ALLOWED_SIZE": 0, "EXTENSIONS": [], "TARGET_BLANK": "Y"},
    "employee": {},
    "crm_status": {"ENTITY_TYPE": ""},
    "iblock_section": dict(_IBLOCK),
    "iblock_element": dict(_IBLOCK),
    "crm": {"LEAD": "N", "CONTACT": "N", "COMPANY": "N", "DEAL": "N"},
}

# crm.userfield.settings.fields descriptors (docs example for double; others by analogy).
SETTINGS_FIELDS: dict[str, dict[str, dict[str, str]]] = {
    "string": {"DEFAULT_VALUE": {"type": "string", "title": "Default Value"},
               "ROWS": {"type": "int", "title": "Number of rows in input field"}},
    "integer": {"DEFAULT_VALUE": {"type": "int", "title": "Default Value"}},
    "double": {"DEFAULT_VALUE": {"type": "double", "title": "Default Value"},
               "PRECISION": {"type": "int", "title": "Precision"}},
    "boolean": {"DEFAULT_VALUE": {"type": "int", "title": "Default Value"},
                "DISPLAY": {"type": "string", "title": "Appearance"}},
    "datetime": {"DEFAULT_VALUE": {"type": "datetime", "title": "Default Value"}},
    "date": {"DEFAULT_VALUE": {"type": "date", "title": "Default Value"}},
    "enumeration": {"DISPLAY": {"type": "string", "title": "Appearance"},
                    "LIST_HEIGHT": {"type": "int", "title": "List height"}},
    "iblock_section": {k: {"type": "string", "title": k} for k in _IBLOCK},
    "iblock_element": {k: {"type": "string", "title": k} for k in _IBLOCK},
    "crm_status": {"ENTITY_TYPE": {"type": "string", "title": "Directory type"}},
    "crm": {k: {"type": "char", "title": k.capitalize()}
            for k in ("LEAD", "CONTACT", "COMPANY", "DEAL")},
}


def _date_default(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        kind = str(value.get("TYPE") or "NONE").upper()
        return {"VALUE": value.get("VALUE", ""),
                "TYPE": kind if kind in ("NONE", "NOW", "FIXED") else "NONE"}
    return {"VALUE": "" if value is None else value, "TYPE": "NONE"}


def _coerce(type_id: str, key: str, value: Any) -> Any:
    """Per-type coercions of the legacy add/update (docs/portal-rules.md#field-types notes column)."""
    if key == "ROWS":
        return min(max(php_int(value), 1), 50)
    if key == "PRECISION":
        return max(php_int(value), 0)
    if key == "LIST_HEIGHT":
        return max(php_int(value), 1)
    if type_id == "boolean" and key == "DEFAULT_VALUE":
        return 1 if php_int(value) > 0 else 0
    if type_id in ("date", "datetime") and key == "DEFAULT_VALUE":
        return _date_default(value)
    if type_id == "crm":
        return yn(value)
    if type_id == "double" and key == "DEFAULT_VALUE":
        number = as_int(value)
        return number if number is not None else value
    return value


def accepted_keys(type_id: str) -> set[str]:
    if type_id == "crm":
        return {"LEAD", "CONTACT", "COMPANY", "DEAL"}
    return set(DEFAULTS.get(type_id, {}))


def new_settings(type_id: str, given: Any) -> dict[str, Any]:
    """Settings of a new field: defaults, then the accepted keys sent; others are dropped."""
    settings = {k: (dict(v) if isinstance(v, dict) else v)
                for k, v in DEFAULTS.get(type_id, {}).items()}
    sent = given if isinstance(given, dict) else {}
    if type_id == "crm" and not any(k in sent for k in accepted_keys("crm")):
        settings["LEAD"] = "Y"  # docs: LEAD is assumed when no entity is chosen
    merge_settings(type_id, settings, sent)
    return settings


def merge_settings(type_id: str, settings: dict[str, Any], given: Any) -> None:
    """Update merges the sent keys into the stored settings, key by key (docs/portal-rules.md#legacy-userfield-methods)."""
    if not isinstance(given, dict):
        return
    allowed = accepted_keys(type_id)
    for key, value in given.items():
        if key in allowed:
            settings[key] = _coerce(type_id, key, value)
