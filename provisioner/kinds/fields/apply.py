"""REST writes of custom fields, in both dialects: legacy `crm.<entity>.userfield.*` (UPPER keys,
enumeration items patched) and `userfieldconfig.*` (lowerCamel keys, items replaced as a whole).

One call per field: create (with its items), update (changed attributes and every item change
of the field together), delete; a replace is a delete then a create in the same batch. A plan
reads labels only in the languages the config names, but the portal replaces a label's whole
map on update: a legacy field whose label changes is read whole (`userfield.get`, every
language) in a round before its update, which sends the languages it does not name as read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from provisioner.kinds.fields import labels as lb
from provisioner.kinds.fields import types as ft
from provisioner.kinds.fields.labels import LANGS
from provisioner.kinds.fields.model import FLAG_KEYS, LABEL_KEYS, EnumItem, Field
from provisioner.model import Action, Call, Change, Children, Script, by_parent
from provisioner.model.address import Address
from provisioner.model.answers import UntrustedAnswer, shown

CAMEL = {"SORT": "sort", "MULTIPLE": "multiple", "MANDATORY": "mandatory",
         "SHOW_FILTER": "showFilter", "IS_SEARCHABLE": "isSearchable", "SETTINGS": "settings",
         "EDIT_FORM_LABEL": "editFormLabel", "HELP_MESSAGE": "helpMessage",
         "USER_TYPE_ID": "userTypeId", "XML_ID": "xmlId", "VALUE": "value", "DEF": "def",
         "ID": "id"}


@dataclass(frozen=True)
class Target:
    """Where a field lives: the legacy entity (`deal`) or a smart process's `CRM_{id}`."""

    entity: str | None = None  # legacy: lead, deal, contact, company, quote
    entity_id: str = ""  # userfieldconfig: CRM_{type id}, may hold a $result reference
    prefix: str = ""  # userfieldconfig: UF_CRM_{type id}_

    @property
    def legacy(self) -> bool:
        return self.entity is not None


def _yn(value: Any) -> str:
    return "Y" if value else "N"


def _label(value: Mapping[str, str]) -> Any:
    """A text for every language when the managed ones agree, else the map
    (docs/portal-rules.md#field-labels)."""
    texts = set(value.values())
    return next(iter(texts)) if len(texts) == 1 and set(value) == set(LANGS) else dict(value)


def portal_fields(f: Field, names: Sequence[str], live: Field | None = None
                  ) -> dict[str, Any]:
    """The attributes `names` of a field in the portal's UPPER names; a label of an update
    (`live` given) goes with every language read, so that none the config leaves out is
    overwritten (fields/labels.py)."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(f, name)
        if value is None:
            continue
        if name in LABEL_KEYS and live is not None:
            out[LABEL_KEYS[name]] = lb.for_update(value, (live.full or {}).get(name))
        elif name in LABEL_KEYS:
            out[LABEL_KEYS[name]] = _label(value)
        elif name in FLAG_KEYS:
            out[FLAG_KEYS[name]] = _yn(value)
        elif name == "show_filter":
            out["SHOW_FILTER"] = _yn(value)
        elif name == "sort":
            out["SORT"] = value
        elif name == "settings":
            out["SETTINGS"] = ft.to_portal(f.type, value)
    return out


def _item(item: EnumItem, live_id: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"VALUE": item.value, "SORT": item.sort, "DEF": _yn(item.default),
                           "XML_ID": item.xml_id}
    return {"ID": live_id, **out} if live_id is not None else out


def _camel(fields: Mapping[str, Any]) -> dict[str, Any]:
    out = {CAMEL[k]: v for k, v in fields.items() if k in CAMEL}
    if "LIST" in fields:
        out["enum"] = [{CAMEL[k]: v for k, v in i.items() if k in CAMEL} for i in fields["LIST"]]
    return out


def create_call(target: Target, f: Field, items: Sequence[EnumItem], label: str) -> Call:
    names = ("label", "list_label", "filter_label", "error_message", "help", "sort", "mandatory",
             "show_filter", "show_in_list", "edit_in_list", "searchable", "settings")
    fields = {"USER_TYPE_ID": f.type, "MULTIPLE": _yn(f.multiple), **portal_fields(f, names)}
    if f.type == "enumeration":
        fields["LIST"] = [_item(i) for i in items]
    if target.legacy:
        fields = {"FIELD_NAME": f.name, "LABEL": _fill(f), **fields}
        return Call(f"crm.{target.entity}.userfield.add", {"fields": fields}, label,
                    key=_added(target, f))
    body = {"entityId": target.entity_id, "fieldName": target.prefix + f.name, **_camel(fields)}
    return Call("userfieldconfig.add", {"moduleId": "crm", "field": body}, label)


def create_calls(target: Target, f: Field, items: Sequence[EnumItem], label: str
                 ) -> list[Call]:
    """The add, and on the legacy methods the update of the labels holding a "" right after
    it (an add gives an empty language LABEL; fields/labels.py), by `$result` in one batch."""
    add = create_call(target, f, items, label)
    empty = {LABEL_KEYS[n]: lb.after_add(getattr(f, n), _fill(f)) for n in LABEL_KEYS
             if lb.needs_update(getattr(f, n))}
    if not target.legacy or not empty:
        return [add]
    return [add, Call(f"crm.{target.entity}.userfield.update",
                      {"id": f"$result[{add.key}]", "fields": empty},
                      f"  the empty labels of {f.address}", with_previous=True)]


def _fill(f: Field) -> str:
    """LABEL of a legacy add: what it gives every language a label leaves out."""
    return (f.label or {}).get(LANGS[0], f.name) or f.name


def _added(target: Target, f: Field) -> str:
    return f"ufadd_{target.entity}_{f.name}"


def delete_call(target: Target, live: Field, label: str) -> Call:
    if target.legacy:
        return Call(f"crm.{target.entity}.userfield.delete", {"id": live.id}, label)
    return Call("userfieldconfig.delete", {"moduleId": "crm", "id": live.id}, label)


def update_call(target: Target, field_change: Change | None, item_changes: Sequence[Change],
                desired: Mapping[Address, Any], live: Mapping[Address, Any],
                address: Address, kids: Children) -> Call:
    """One update for a field's own changes and all its item changes."""
    f: Field = desired[address]
    names = [n for n in (field_change.changed() if field_change else ())
             if n not in ("type", "multiple")]
    fields = portal_fields(f, names, live[address])
    label = " ".join(f"{c.action.symbol} {c.address}" for c in
                     [*([field_change] if field_change else []), *item_changes])
    if item_changes:
        fields["LIST"] = (_item_patch(item_changes, desired, live) if target.legacy
                          else _item_list(items_of(kids, address), live))
    if target.legacy:
        return Call(f"crm.{target.entity}.userfield.update",
                    {"id": live[address].id, "fields": fields}, label)
    body = _camel(fields)
    if "enum" in body:
        # enum applies only with the type sent (docs/portal-rules.md#enumeration-items)
        body["userTypeId"] = "enumeration"
    return Call("userfieldconfig.update", {"moduleId": "crm", "id": live[address].id,
                                           "field": body}, label)


def _item_patch(changes: Sequence[Change], desired: Mapping[Address, Any],
                live: Mapping[Address, Any]) -> list[dict[str, Any]]:
    """Legacy LIST is a patch: ID = update, no ID = add, DEL = delete
    (docs/portal-rules.md#enumeration-items)."""
    out = []
    for c in changes:
        if c.action is Action.DELETE:
            out.append({"ID": live[c.address].id, "DEL": "Y"})
        elif c.action is Action.CREATE:
            out.append(_item(desired[c.address]))
        else:
            out.append(_item(desired[c.address], live[c.address].id))
    return out


def items_of(kids: Children, field: Address) -> list[EnumItem]:
    """The desired enumeration items of a field, by SORT."""
    return sorted((n for n in kids.get(field, ()) if isinstance(n, EnumItem)),
                  key=lambda i: i.sort)


def _item_list(items: Sequence[EnumItem], live: Mapping[Address, Any]) -> list[dict[str, Any]]:
    """userfieldconfig `enum` replaces the list: every desired item, with its ID if it has one."""
    return [_item(i, live[i.address].id if i.address in live else None) for i in items]


def field_calls(target: Target, changes: Sequence[Change], desired: Mapping[Address, Any],
                live: Mapping[Address, Any], is_field: Any, kids: Children | None = None
                ) -> list[Call]:
    """The calls for the changes of one owner's fields (`is_field(address)` tells fields);
    `kids` is `by_parent(desired)` when the caller has it already."""
    calls: list[Call] = []
    by_field: dict[Address, list[Change]] = {}
    for c in changes:
        key = c.address if is_field(c.address) else c.address.parent
        by_field.setdefault(key, []).append(c)  # type: ignore[arg-type]
    kids = by_parent(desired) if kids is None else kids
    for address, group in by_field.items():
        calls.extend(_one_field(target, address, group, desired, live, kids))
    return calls


def _one_field(target: Target, address: Address, group: Sequence[Change],
               desired: Mapping[Address, Any], live: Mapping[Address, Any],
               kids: Children) -> list[Call]:
    own = next((c for c in group if c.address == address), None)
    items = [c for c in group if c.address != address]
    label = f"{own.action.symbol} {address}" if own else ""
    new_items = items_of(kids, address)
    if own and own.action is Action.CREATE:
        return create_calls(target, desired[address], new_items, label)
    if own and own.action is Action.DELETE:
        return [delete_call(target, live[address], label)]
    if own and own.action is Action.REPLACE:
        return [delete_call(target, live[address], f"- {address} (replace)"),
                *create_calls(target, desired[address], new_items, f"+ {address} (replace)")]
    return [update_call(target, own, items, desired, live, address, kids)]


def label_script(target: Target, changes: Sequence[Change], desired: Mapping[Address, Any],
                 live: Mapping[Address, Any], depth: int = 1, kids: Children | None = None
                 ) -> Script:
    """The calls of one owner's fields (at `depth`): the fields whose label an update changes
    are read whole with the other fields' calls, then updated from that map."""
    def owner(address: Address) -> Address | None:
        return address if address.depth == depth else address.parent

    relabeled = list(dict.fromkeys(c.address for c in changes
                                   if c.address.depth == depth and _relabels(c)))
    later = [c for c in changes if owner(c.address) in relabeled]
    now = [c for c in changes if owner(c.address) not in relabeled]
    gets = [_get(target, live[a].id) for a in relabeled]
    answers = yield [*gets, *field_calls(target, now, desired, live,
                                         lambda a: a.depth == depth, kids)]
    if later:
        whole = _with_full(target, live, relabeled, answers)
        yield field_calls(target, later, desired, whole, lambda a: a.depth == depth, kids)


def _get(target: Target, field_id: Any) -> Call:
    """A read of a field whole: every language of its labels (api-reference/crm/deals/user-defined-fields/crm-deal-userfield-get.md,
    api-reference/crm/universal/userfieldconfig/userfieldconfig-get.md); its result reaches the script, no change named."""
    if target.legacy:
        return Call(f"crm.{target.entity}.userfield.get", {"id": field_id}, "",
                    key=_get_key(field_id))
    return Call("userfieldconfig.get", {"moduleId": "crm", "id": field_id}, "",
                key=_get_key(field_id))


def _relabels(change: Change) -> bool:
    return change.action is Action.UPDATE and any(n in LABEL_KEYS for n in change.changed())


def _get_key(field_id: Any) -> str:
    return f"labels_{field_id}"


def _with_full(target: Target, live: Mapping[Address, Any], fields: Sequence[Address],
               answers: Mapping[str, Any]) -> Mapping[Address, Any]:
    """`live` with each field's label maps as its `get` answered them (every language). A get
    that answered no field (userfieldconfig.get's `result` may be null when the field is not
    found, userfieldconfig-get.md; a classic get's is not as documented) stops the script
    before the update: sent without the other languages, it would make them ""."""
    out = dict(live)
    for address in fields:
        answer = answers.get(_get_key(live[address].id))
        field = answer if target.legacy else (
            answer.get("field") if isinstance(answer, Mapping) else None)
        if not isinstance(field, Mapping):
            method = (f"crm.{target.entity}.userfield.get" if target.legacy
                      else "userfieldconfig.get")
            raise UntrustedAnswer(method, (
                f"{address} (id {live[address].id}): the read of its labels before their update "
                f"answered {shown(answer)}, no field: it may have been deleted since the plan. "
                "Its update was not sent (without the labels in the languages the plan did not "
                "read, it would blank them); run plan again"))
        texts = by_language(field) if target.legacy else _camel_texts(field)
        if texts:
            out[address] = replace(live[address], full=lb.read_keys(texts, LABEL_KEYS))
    return out


def _camel_texts(field: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A userfieldconfig.get answer's field: its labels per language (language -> portal key ->
    text)."""
    keys = {"editFormLabel": "EDIT_FORM_LABEL", "helpMessage": "HELP_MESSAGE"}
    return {str(lang): {ours: (field.get(theirs) or {}).get(lang) for theirs, ours in keys.items()}
            for lang in field.get("languageId") or {}}


def by_language(full: Any) -> dict[str, dict[str, Any]]:
    """A `get` answer's label maps as texts per language (language -> portal key -> text)."""
    out: dict[str, dict[str, Any]] = {}
    for key in LABEL_KEYS.values():
        texts = full.get(key) if isinstance(full, dict) else None
        for lang, text in (texts.items() if isinstance(texts, dict) else ()):
            out.setdefault(str(lang), {})[key] = text
    return out

