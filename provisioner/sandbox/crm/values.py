"""Which records hold a value of a custom field: the filters `"!UF_CRM_X": ""` of the list methods.

A record holds a value of a field when a contact, company or lead row (crm/clients.py) has a
non-empty value under the field's name, or when it was given one here (section `uf_values`:
field id -> record ids; deals and smart-process items keep no field values of their own, so a
test gives them values with `give`). Deleting the field deletes its values
(api-reference/crm/deals/user-defined-fields/crm-deal-userfield-delete.md: the values go with it).

The list methods read a filter key on a custom field with the prefixes of
api-reference/crm/deals/crm-deal-list.md (`!` and `!=` not equal, no prefix or `=` equal), by
emptiness only: `{"!UF_CRM_X": ""}` keeps the records holding a value, `{"UF_CRM_X": ""}` those
without one. Unconfirmed for custom fields: the docs show `{"!=name": ""}` as "not empty" only
for an ordinary field (api-reference/crm/universal/crm-item-list.md, first example;
docs/portal-rules.md#open-questions item 18). Legacy lists name the field
by FIELD_NAME, crm.item.list by its camelCase name (`UF_CRM_7_SIZE` is `ufCrm7Size`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from provisioner.sandbox.crm import state
from provisioner.sandbox.store import Store

_KEY = re.compile(r"(!=|!|=)?((?:UF_|uf[A-Z])\w+)")
CLIENT_KINDS = {"CRM_LEAD": "LEAD", "CRM_CONTACT": "CONTACT", "CRM_COMPANY": "COMPANY"}


def camel(field_name: str) -> str:
    """`UF_CRM_7_NEW_REST_LIST` -> `ufCrm7NewRestList`, as crm.item.* name custom fields; an
    underscore between two numbers stays (`UF_CRM_10_5186744711` -> `ufCrm10_5186744711`;
    api-reference/crm/universal/index.md, "Features of Working with Field Names"). The portal's
    leaving a name it finds ambiguous unconverted (CRM 21.1800.0) is not emulated; every
    method also takes the UPPER_CASE name, which is what provision sends."""
    head, *rest = field_name.lower().split("_")
    out = head
    for part in rest:
        digits = out[-1:].isdigit() and part[:1].isdigit()
        out += f"_{part}" if digits else part[:1].upper() + part[1:]
    return out


def _field(store: Store, entity_id: str, name: str) -> dict[str, Any] | None:
    for f in state.userfields(store).values():
        if f["ENTITY_ID"] == entity_id and name in (f["FIELD_NAME"], camel(f["FIELD_NAME"])):
            return f
    return None


def give(store: Store, field_id: int, record_ids: Iterable[int]) -> None:
    """Records that hold a value of the field (deals, items: a test's seeding)."""
    table: dict[str, list[int]] = store.section("uf_values", {})
    table[str(field_id)] = sorted({*table.get(str(field_id), []), *map(int, record_ids)})


def holders(store: Store, field: dict[str, Any]) -> set[int]:
    out = {int(i) for i in store.section("uf_values", {}).get(str(field["ID"]), [])}
    kind = CLIENT_KINDS.get(str(field["ENTITY_ID"]))
    if kind is not None:
        every: dict[str, dict[str, dict[str, Any]]] = store.section("crm_clients", {})
        out |= {int(rid) for rid, row in every.get(kind, {}).items()
                if row.get(field["FIELD_NAME"]) not in (None, "", [], False)}
    return out


def forget(store: Store, field: dict[str, Any]) -> None:
    """The field is deleted: its values go with it."""
    store.section("uf_values", {}).pop(str(field["ID"]), None)
    kind = CLIENT_KINDS.get(str(field["ENTITY_ID"]))
    every: dict[str, dict[str, dict[str, Any]]] = store.section("crm_clients", {})
    for row in every.get(kind or "", {}).values():
        row.pop(field["FIELD_NAME"], None)


def split(store: Store, entity_id: str, flt: dict[str, Any]
          ) -> tuple[dict[str, Any], Callable[[int], bool]]:
    """The filter without its custom-field keys, and the test of a record id they make."""
    rest: dict[str, Any] = {}
    tests: list[Callable[[int], bool]] = []
    for key, want in flt.items():
        m = _KEY.fullmatch(str(key))
        field = _field(store, entity_id, m.group(2)) if m else None
        if m is None or field is None:
            rest[key] = want
            continue
        held = holders(store, field)
        negated = (m.group(1) or "").startswith("!")
        empty = want in (None, "", False)
        tests.append(_holds(held, negated == empty))
    return rest, lambda rid: all(t(rid) for t in tests)


def _holds(held: set[int], wanted: bool) -> Callable[[int], bool]:
    """The test of one custom-field key: a record matches when holding a value is `wanted`."""
    return lambda rid: (rid in held) == wanted
