"""Custom fields and enumeration items: model classes, TOML shape and parsing, live rows, export.

Shared by the classic-entity field kinds (`kind.py`) and the fields of smart processes
(`kinds/smart_processes/`). A field is keyed by FIELD_NAME without `UF_CRM_` (and without
`UF_CRM_{id}_` on smart processes); an enumeration item by its XML_ID, generated from the value
when not given (`xml_id_for`), so a renamed value keeps its item only if its xml_id is written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from sys import intern
from typing import Any

from provisioner.kinds import shared
from provisioner.kinds.fields import types as ft
from provisioner.kinds.fields.labels import (
    LANGS,
    Labels,
    export_label,
    label_shape,
    labels,
    narrow,
    read_keys,
)
from provisioner.kinds.slug import slugify
from provisioner.model import Report, attribute, live_only
from provisioner.model.address import Address
from provisioner.model.quickinit import quick_init
from provisioner.model.shape import (
    ArrayOf,
    MapOf,
    OneOf,
    Path,
    Prop,
    Scalar,
    Table,
)

NAME_PATTERN = r"[A-Z0-9_]{1,36}"
LABEL_KEYS = {"label": "EDIT_FORM_LABEL", "list_label": "LIST_COLUMN_LABEL",
              "filter_label": "LIST_FILTER_LABEL", "error_message": "ERROR_MESSAGE",
              "help": "HELP_MESSAGE"}
FLAG_KEYS = {"mandatory": "MANDATORY", "show_in_list": "SHOW_IN_LIST",
             "edit_in_list": "EDIT_IN_LIST", "searchable": "IS_SEARCHABLE"}
FLAG_DEFAULTS = {"mandatory": False, "show_filter": False, "show_in_list": True,
                 "edit_in_list": True, "searchable": False}
# userfieldconfig.add/update ignore these (docs/portal-rules.md#userfieldconfig): not offered on
# smart-process fields.
SPA_UNSUPPORTED = ("list_label", "filter_label", "error_message", "show_in_list", "edit_in_list")


@quick_init
@dataclass(frozen=True, slots=True)
class Field:
    """A custom field. TYPE and MULTIPLE cannot change on the portal (a replace loses data)."""

    owner: Address | None = field(compare=False)  # None on classic entities
    step: str = field(compare=False)  # "deal.field" there, "field" under a smart process
    name: str = field(compare=True)
    type: str = attribute(immutable=True)
    multiple: bool = attribute(immutable=True, default=False)
    label: Mapping[str, str] | None = attribute(default=None)
    list_label: Mapping[str, str] | None = attribute(default=None)
    filter_label: Mapping[str, str] | None = attribute(default=None)
    error_message: Mapping[str, str] | None = attribute(default=None)
    help: Mapping[str, str] | None = attribute(default=None)
    sort: int | None = attribute(default=None)
    mandatory: bool | None = attribute(default=None)
    show_filter: bool | None = attribute(default=None)
    show_in_list: bool | None = attribute(default=None)
    edit_in_list: bool | None = attribute(default=None)
    searchable: bool | None = attribute(default=None)
    settings: Mapping[str, Any] | None = attribute(default=None)
    id: int | None = live_only()
    system: bool = live_only(False)
    # every language read of each label key (the attributes hold ru and en): compared when a
    # config names them, kept when an update sends a label, exported (fields/labels.py)
    full: Mapping[str, Labels] | None = live_only()
    address: Address = field(init=False, repr=False, compare=False)  # made once (make_plan)

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", self.owner.child(self.step, self.name) if self.owner
                           else Address.of(self.step, self.name))

    @property
    def scope(self) -> str:
        return f"{self.owner}.{self.step}" if self.owner else self.step


@quick_init
@dataclass(frozen=True, slots=True)
class EnumItem:
    """An item of an enumeration field, keyed by XML_ID; VALUE can be renamed in place."""

    owner: Address = field(compare=False)
    xml_id: str
    value: str = attribute()
    default: bool = attribute(default=False)
    sort: int = attribute(default=0)
    id: int | None = live_only()
    system: bool = live_only(False)
    # desired only: false when the config wrote a plain value and the xml_id was made from it
    # (a renamed value then makes another item: the plan says how to keep the old one)
    given_id: bool = field(default=True, compare=False)

    @property
    def address(self) -> Address:
        """Made when asked, not held: an item is one of the most numerous objects of a state
        (33,000 on each side at L10), and its address, interned (model/address.py), is one
        object, made when first asked (by the plan's pairing, from the diff on)."""
        return self.owner.child("item", self.xml_id)

    @property
    def code(self) -> str:  # for statuses.settle_sorts
        return self.xml_id

    @property
    def scope(self) -> str:
        return f"{self.owner}.item"


@quick_init
@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A field with its items and, desired only, its `required_from` rules (raw, then linked)."""

    field: Field
    items: tuple[EnumItem, ...] = ()
    required_from: tuple[Any, ...] = ()
    path: Path = ()


# ---- TOML shape ----------------------------------------------------------------------------

_VALUE = Scalar("string", non_blank=True, max_length=255)
_ITEM = OneOf((_VALUE, Table({
    "value": Prop(_VALUE, required=True),
    "xml_id": Prop(Scalar("string", "Stable id of the item (XML_ID).", pattern=r"[^\s].{0,99}",
                          fix="write a non-blank id")),
    "default": Prop(Scalar("boolean", "Selected by default.")),
}, "An item with its id and default flag.")))


def field_shape(spa: bool = False) -> Table:
    props: dict[str, Prop] = {
        "type": Prop(Scalar("string", "USER_TYPE_ID.", enum=ft.TYPES), required=True),
        "label": Prop(label_shape("Name shown on forms: a text or {ru = ..., en = ...}."),
                      required=True),
        "list_label": Prop(label_shape("Column title in lists (default: label).")),
        "filter_label": Prop(label_shape("Title in the filter (default: label).")),
        "help": Prop(label_shape("Help text.", multiline=True)),
        "error_message": Prop(label_shape("Error text.", multiline=True)),
        "sort": Prop(Scalar("integer", "Order among fields.", default=100)),
        "multiple": Prop(Scalar("boolean", "Several values (cannot change later).",
                                default=False)),
        "mandatory": Prop(Scalar("boolean", "Required in every stage.", default=False)),
        "show_filter": Prop(Scalar("boolean", "Offered in the filter.", default=False)),
        "show_in_list": Prop(Scalar("boolean", default=True)),
        "edit_in_list": Prop(Scalar("boolean", default=True)),
        "searchable": Prop(Scalar("boolean", default=False)),
        "settings": Prop(ft.settings_shape()),
        "items": Prop(ArrayOf(_ITEM, "Enumeration items in order: values or tables.")),
        "required_from": Prop(Scalar("string", "Required from this stage on: "
                                     "\"<pipeline>:<stage>\" (a manual change).",
                                     pattern=r"[^:\s]+:[^:\s]+",
                                     fix='write "<pipeline key>:<stage code>"'),
                              unread="required_from rules of fields"),
    }
    for key in SPA_UNSUPPORTED if spa else ():
        props.pop(key)
    return Table(props, "A custom field, keyed by FIELD_NAME without the UF_CRM_ prefix.")


FIELD = field_shape()
SPA_FIELD = field_shape(spa=True)


def fields_shape(where: str, spa: bool = False) -> MapOf:
    return MapOf(SPA_FIELD if spa else FIELD, NAME_PATTERN, f"Custom fields of {where}.",
                 "write the field name in capitals, digits and `_` (at most 36), without UF_CRM_")


# ---- parsing -------------------------------------------------------------------------------

def xml_id_for(value: str, taken: set[str]) -> str:
    """The generated XML_ID of an item written without one: a transliteration of its value."""
    base = slugify(value) or "item"
    xml_id, n = base, 2
    while xml_id in taken:
        xml_id, n = f"{base}_{n}", n + 1
    return xml_id


def parse_field(name: str, table: Any, where: tuple[Address | None, str], path: Path,
                report: Report, spa: bool = False) -> FieldSpec | None:
    """The field, or None when its table does not fit the shape (the loader reports that)."""
    if not report.fits(SPA_FIELD if spa else FIELD, table, path):
        return None
    type_ = shared.text(str(table["type"]))
    given = dict(table.get("settings", {}))
    for key, message, fix in ft.check_settings(type_, given):
        report.add((*path, "settings", key), message, fix)
    if type_ == "crm" and not any(given.get(k) for k in ft.SETTINGS["crm"]):
        report.add((*path, "settings"), "a crm field must bind at least one entity",
                   "add e.g. `settings = { deal = true }`")
    label = labels(table["label"])
    own = {k: v for k, v in given.items() if k in ft.SETTINGS.get(type_, {})}
    f = Field(where[0], where[1], name, type_, bool(table.get("multiple", False)), label,
              list_label=_default_label(table, "list_label", label, spa),
              filter_label=_default_label(table, "filter_label", label, spa),
              error_message=_default_label(table, "error_message", label, spa),
              help=_default_label(table, "help", label, spa), sort=int(table.get("sort", 100)),
              mandatory=_flag(table, "mandatory", spa),
              show_filter=_flag(table, "show_filter", spa),
              show_in_list=_flag(table, "show_in_list", spa),
              edit_in_list=_flag(table, "edit_in_list", spa),
              searchable=_flag(table, "searchable", spa),
              settings=ft.desired_settings(type_, own))
    _check_field(f, table, path, report)
    items = parse_items(table.get("items", []), f, (*path, "items"), report)
    rule = (table["required_from"],) if "required_from" in table else ()
    return FieldSpec(f, items, rule, path)


def _default_label(table: Mapping[str, Any], key: str, label: Labels | None,
                   spa: bool) -> Labels | None:
    if key in table:
        return labels(table[key])
    if spa and key != "help":
        return None
    if key in ("list_label", "filter_label"):
        return label
    return _blank(tuple(label or ()))


@lru_cache(maxsize=256)  # a few sets of languages in practice (fields/labels.py `_order`)
def _blank(langs: tuple[str, ...]) -> Labels:
    """The empty texts of these languages (a field's help and error text when not written)."""
    return shared.mapping(dict.fromkeys(langs, ""))


def _flag(table: Mapping[str, Any], key: str, spa: bool) -> bool | None:
    if spa and key in SPA_UNSUPPORTED:
        return None
    return bool(table.get(key, FLAG_DEFAULTS[key]))


def _check_field(f: Field, table: Mapping[str, Any], path: Path, report: Report) -> None:
    if f.type in ft.NEVER_MULTIPLE and f.multiple:
        report.add((*path, "multiple"), f"{f.type} fields cannot be multiple on the portal",
                   "remove `multiple = true`")
    if "items" in table and f.type != "enumeration":
        report.add((*path, "items"), f"only enumeration fields have items, not {f.type}",
                   'remove `items` or use type = "enumeration"')
    if f.type == "enumeration" and not table.get("items"):
        report.add((*path, "items"), "an enumeration field needs items",
                   'add `items = ["...", "..."]`')
    sort = table.get("sort")
    if isinstance(sort, int) and sort <= 0:
        report.add((*path, "sort"), f"sort {sort} is not positive (the portal makes it 100)",
                   "use 1 or more")


def parse_items(rows: Sequence[Any], owner: Field, path: Path,
                report: Report) -> tuple[EnumItem, ...]:
    if not rows:
        return ()  # a field without items (most of them)
    tables = [r if isinstance(r, dict) else {"value": r} for r in rows]
    explicit = {str(t["xml_id"]) for t in tables if "xml_id" in t}
    items: list[EnumItem] = []
    seen: dict[str, int] = {}
    written = [str(t["value"]) for t in tables]
    trim = shared.VALUE_TRIM  # as the portal keeps them: `shared.name`, a call fewer an item
    values = [intern(text.strip(trim)) for text in written]
    _check_values(written, values, path, report)
    where = owner.address
    for index, t in enumerate(tables):
        given = "xml_id" in t
        xml_id = str(t["xml_id"]) if given else xml_id_for(written[index], explicit | set(seen))
        if xml_id in seen:
            report.add((*path, index), f'duplicate item id "{xml_id}" (also item {seen[xml_id]})',
                       "give every item its own xml_id")
        seen.setdefault(xml_id, index)
        items.append(EnumItem(where, intern(xml_id), values[index],
                              bool(t.get("default", False)), 10 * (index + 1), None, False,
                              given))
    defaults = [i for i in items if i.default]
    if len(defaults) > 1 and not owner.multiple:
        report.add(path, f"{len(defaults)} default items on a single-value field",
                   "keep `default = true` on one item")
    return tuple(items)


def _check_values(written: Sequence[str], values: Sequence[str], path: Path,
                  report: Report) -> None:
    """Two items with one value (as the portal stores it, trimmed): the second would get an
    id of its own from the value, and the field two indistinguishable choices."""
    if len(set(values)) == len(values):
        return  # every value its own (every sound config)
    first: dict[str, tuple[int, str]] = {}
    for index, (text, value) in enumerate(zip(written, values, strict=True)):
        if value in first:
            report.add((*path, index), _duplicate(text, value, *first[value]),
                       "remove one, or give each item its own value")
        first.setdefault(value, (index, text))


def _duplicate(written: str, value: str, index: int, other: str) -> str:
    """What the user wrote, quoted as TOML shows it (spaces and tabs visible)."""
    if written == other:
        return f"duplicate item {_quoted(written)} (also item {index})"
    shown = f" ({_quoted(other)})" if other != value else ""
    return (f"duplicate item {_quoted(written)}: the portal trims the spaces around a value "
            f"and stores it as {_quoted(value)}, like item {index}{shown}")


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


# ---- live ----------------------------------------------------------------------------------

def live_field(row: Mapping[str, Any], where: tuple[Address | None, str], name: str,
               texts: Mapping[str, Mapping[str, Any]], spa: bool = False) -> FieldSpec:
    """A field from a legacy (UPPER) row; `texts` are its label keys per language read."""
    type_ = shared.text(str(row["USER_TYPE_ID"]))
    got = read_keys({lang: texts.get(lang, {}) for lang in LANGS}, LABEL_KEYS)
    full = read_keys(texts, LABEL_KEYS) if set(texts) - set(LANGS) else None
    f = Field(where[0], where[1], name, type_, row.get("MULTIPLE") == "Y", got["label"],
              list_label=None if spa else got["list_label"],
              filter_label=None if spa else got["filter_label"],
              error_message=None if spa else got["error_message"], help=got["help"],
              sort=int(row.get("SORT") or 100), mandatory=row.get("MANDATORY") == "Y",
              show_filter=str(row.get("SHOW_FILTER") or "N") != "N",
              show_in_list=None if spa else row.get("SHOW_IN_LIST") == "Y",
              edit_in_list=None if spa else row.get("EDIT_IN_LIST") == "Y",
              searchable=row.get("IS_SEARCHABLE") == "Y",
              settings=ft.live_settings(type_, row.get("SETTINGS")), id=int(row["ID"]),
              full=full)
    owner = f.address
    # `_text` inlined (a call fewer for each of 860,000 texts at L100): a text as it came
    items = tuple([EnumItem(owner,
                            intern(x) if type(x := i.get("XML_ID")) is str else _text(x),
                            intern(v) if type(v := i.get("VALUE")) is str else _text(v),
                            i.get("DEF") == "Y", int(i.get("SORT") or 0), int(i["ID"]))
                   for i in row.get("LIST") or ()])
    return FieldSpec(f, items)


def _text(value: Any) -> str:
    """`shared.text(str(value or ""))`, a text as it came without the two calls (an item's
    id and value: 430,000 of each at L100)."""
    return intern(value) if type(value) is str else shared.text(str(value or ""))


def project(desired: Field, live: Field) -> Field:
    """The live field seen through what the desired one manages (label languages, settings)."""
    changes: dict[str, Any] = {}
    for key in LABEL_KEYS:
        want, have = getattr(desired, key), getattr(live, key)
        if want is have or want is None or have is None:
            continue  # one shared mapping (most labels): the same languages, in one order
        seen = narrow(want, have, live.full.get(key) if live.full else None)
        if seen is not None:
            changes[key] = seen  # in the desired order
    return replace(live, **changes) if changes else live


# ---- export --------------------------------------------------------------------------------

def export_field(spec: FieldSpec, spa: bool = False) -> dict[str, Any]:
    f = spec.field
    texts = {key: _every_language(f, key) for key in LABEL_KEYS}
    # what an add gives a language a label leaves out (fields/labels.py): the legacy add's
    # LABEL, the label's ru text; userfieldconfig.add, ""
    fill = "" if spa else (f.label or {}).get(LANGS[0], f.name)
    out: dict[str, Any] = {"type": f.type, "label": export_label(texts["label"], fill)}
    for key in ("list_label", "filter_label"):
        if texts[key] is not None and texts[key] != texts["label"]:
            out[key] = export_label(texts[key], fill)
    for key in ("help", "error_message"):
        text = texts[key]
        if text and any(text.values()):
            out[key] = export_label(text, fill)
    if f.sort != 100:
        out["sort"] = f.sort
    if f.multiple:
        out["multiple"] = True
    for key, default in FLAG_DEFAULTS.items():
        if getattr(f, key) is not None and getattr(f, key) != default:
            out[key] = getattr(f, key)
    settings = ft.export_settings(f.type, f.settings or {})
    if settings:
        out["settings"] = settings
    if f.type == "enumeration":
        out["items"] = [_export_item(i) for i in spec.items]
    return out


def _every_language(f: Field, key: str) -> Labels | None:
    value: Labels | None = getattr(f, key)
    return f.full[key] if f.full and value is not None else value


def _export_item(item: EnumItem) -> dict[str, Any]:
    out: dict[str, Any] = {"value": item.value, "xml_id": item.xml_id}
    if item.default:
        out["default"] = True
    return out
