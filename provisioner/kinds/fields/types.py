"""Custom-field types (USER_TYPE_ID) and their settings: TOML keys, portal keys, defaults.

The settings the legacy `crm.<entity>.userfield.*` methods accept per type
(docs/portal-rules.md#field-types; others are dropped there, so declaring them could never
converge). Settings are written in TOML as the portal's keys in lower case (`rows`, `precision`,
`display`); every key of the type is managed, a key left out means the portal's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from provisioner.kinds import shared
from provisioner.model.shape import OneOf, Prop, Scalar, Shape, Table, enum_fix


@dataclass(frozen=True)
class Setting:
    """One settings key: its portal name, value form and the portal's default."""

    portal: str
    form: str  # "str" | "int" | "float" | "bool01" | "yn" | "choice" | "date"
    default: Any
    choices: tuple[str, ...] = ()


_DISPLAY_ENUM = ("list", "ui", "checkbox", "dialog")
_IBLOCK = {
    "iblock_type_id": Setting("IBLOCK_TYPE_ID", "str", ""),
    "iblock_id": Setting("IBLOCK_ID", "int", 0),
    "default_value": Setting("DEFAULT_VALUE", "str", ""),
    "display": Setting("DISPLAY", "choice", "list", ("list", "checkbox")),
    "list_height": Setting("LIST_HEIGHT", "int", 1),
    "active_filter": Setting("ACTIVE_FILTER", "yn", False),
}
SETTINGS: Mapping[str, Mapping[str, Setting]] = {
    "string": {"default_value": Setting("DEFAULT_VALUE", "str", ""),
               "rows": Setting("ROWS", "int", 1)},
    "integer": {"default_value": Setting("DEFAULT_VALUE", "int", None)},
    "double": {"default_value": Setting("DEFAULT_VALUE", "float", None),
               "precision": Setting("PRECISION", "int", 2)},
    "boolean": {"default_value": Setting("DEFAULT_VALUE", "bool01", False),
                "display": Setting("DISPLAY", "choice", "checkbox",
                                   ("checkbox", "radio", "dropdown"))},
    "date": {"default_value": Setting("DEFAULT_VALUE", "date", "")},
    "datetime": {"default_value": Setting("DEFAULT_VALUE", "date", "")},
    "enumeration": {"display": Setting("DISPLAY", "choice", "list", _DISPLAY_ENUM),
                    "list_height": Setting("LIST_HEIGHT", "int", 1)},
    "money": {}, "url": {}, "address": {}, "file": {}, "employee": {},
    "crm_status": {"entity_type": Setting("ENTITY_TYPE", "str", "")},
    "iblock_section": _IBLOCK,
    "iblock_element": _IBLOCK,
    "crm": {k.lower(): Setting(k, "yn", False) for k in ("LEAD", "CONTACT", "COMPANY", "DEAL")},
}
TYPES = tuple(SETTINGS)
# the portal forces MULTIPLE = N (docs/portal-rules.md#field-properties)
NEVER_MULTIPLE = ("boolean",)


def settings_shape() -> Table:
    """Every key any type knows; which keys a type accepts is checked per field."""
    values: dict[str, Shape] = {
        "str": Scalar("string"), "int": Scalar("integer"), "yn": Scalar("boolean"),
        "bool01": Scalar("boolean"), "float": OneOf((Scalar("number"), Scalar("integer"))),
        "date": Scalar("string", "now, or a fixed date/time; empty for none"),
    }
    props: dict[str, Prop] = {}
    for table in SETTINGS.values():
        for key, spec in table.items():
            shape = values.get(spec.form, Scalar("string"))
            if key in props and props[key].shape != shape:
                shape = OneOf((props[key].shape, shape))
            props[key] = Prop(shape)
    return Table(props, "Type-specific settings (the portal's SETTINGS keys in lower case).")


def check_settings(type_: str, given: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(key, message, fix) for keys this type does not take and values out of range."""
    known = SETTINGS.get(type_, {})
    out = []
    for key, value in given.items():
        spec = known.get(key)
        if spec is None:
            fix = f"keys for {type_}: {', '.join(known) or 'none'}"
            out.append((key, f"`{key}` is not a setting of {type_} fields", fix))
        elif spec.form in ("int", "str", "float") and _wrong_scalar(spec.form, value):
            out.append((key, f"`{key}` of {type_} fields must be {_WORDS[spec.form]}",
                        f"write {_WORDS[spec.form]}"))
        elif spec.form == "choice" and str(value).lower() not in spec.choices:
            choices = ", ".join(f'"{c}"' for c in spec.choices)
            out.append((key, f'"{value}" is not one of {choices}',
                        enum_fix(value, spec.choices)))
    return out


_WORDS = {"int": "an integer", "str": "a string", "float": "a number"}


def _wrong_scalar(form: str, value: Any) -> bool:
    if form == "int":
        return type(value) is not int
    if form == "str":
        return not isinstance(value, str)
    return type(value) not in (int, float)


def desired_settings(type_: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """The full settings of a desired field: the given keys over the type's defaults (a
    type's defaults, what most fields have, found by the type)."""
    if not given:
        return _DEFAULTS.get(type_, _settings, type_, given)
    return shared.mapping(_settings(type_, given))


def _settings(type_: str, given: Mapping[str, Any]) -> dict[str, Any]:
    return {k: normal(s, given.get(k, s.default)) for k, s in SETTINGS.get(type_, {}).items()}


_DEFAULTS = shared.Memo()  # a field type -> its default settings


def live_settings(type_: str, raw: Any) -> dict[str, Any]:
    """The portal's SETTINGS of a live field, in the same form."""
    given = raw if isinstance(raw, Mapping) else {}
    return shared.mapping({k: normal(s, _from_portal(s, given.get(s.portal, s.default)))
                           for k, s in SETTINGS.get(type_, {}).items()})


def _from_portal(spec: Setting, value: Any) -> Any:
    if spec.form == "date" and isinstance(value, Mapping):
        kind = str(value.get("TYPE") or "NONE").upper()
        return "now" if kind == "NOW" else (str(value.get("VALUE") or "") if kind == "FIXED"
                                            else "")
    if spec.form in ("yn", "bool01"):
        return str(value).upper() in ("Y", "1", "TRUE")
    return value


def normal(spec: Setting, value: Any) -> Any:
    """One canonical Python value per setting, whatever form the portal or TOML used."""
    if spec.form == "int":
        return _number(value, int)
    if spec.form == "float":
        return _number(value, float)
    if spec.form in ("yn", "bool01"):
        return bool(value)
    if spec.form == "choice":
        return str(value or spec.default).lower()
    return "" if value is None else str(value)


def _number(value: Any, cast: type) -> Any:
    if value in (None, ""):
        return None
    try:
        return cast(float(value)) if cast is int else cast(value)
    except (TypeError, ValueError):
        return None


def to_portal(type_: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """SETTINGS as the portal takes them."""
    out: dict[str, Any] = {}
    for key, value in settings.items():
        spec = SETTINGS[type_][key]
        out[spec.portal] = _portal_value(spec, value)
    return out


def _portal_value(spec: Setting, value: Any) -> Any:
    if spec.form == "yn":
        return "Y" if value else "N"
    if spec.form == "bool01":
        return 1 if value else 0
    if spec.form == "choice":
        return str(value).upper()
    if spec.form == "date":
        if value == "now":
            return {"VALUE": "", "TYPE": "NOW"}
        return {"VALUE": value, "TYPE": "FIXED" if value else "NONE"}
    return "" if value is None else value


def export_settings(type_: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Only the keys that differ from the type's defaults, as a person would write them."""
    specs = SETTINGS.get(type_, {})
    return {k: v for k, v in settings.items()
            if k in specs and v != normal(specs[k], specs[k].default) and v is not None}
