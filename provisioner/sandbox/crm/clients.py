"""Leads, contacts and companies with phones and responsibles: enough of them for the call card.

Store section `crm_clients` = {"LEAD"|"CONTACT"|"COMPANY": {id: row}}. A lead also becomes a
record of the per-stage counts that crm.lead.list/delete read (sections `crm_records` and
`items`, handlers/items.py), under the same id, so the two never disagree. Phones are the
portal's multi-fields (`PHONE: [{ID, VALUE_TYPE, VALUE, TYPE_ID}]`, docs
api-reference/crm/data-types.md, crm_multifield); numbers compare by their digits, the
extension ignored (api-reference/crm/duplicates/crm-duplicate-find-by-comm.md: "The search does not consider the phone
extension").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from provisioner.sandbox.crm import state
from provisioner.sandbox.crm.common import as_int, core_error, legacy_error, php_int
from provisioner.sandbox.store import Store

KINDS = ("LEAD", "CONTACT", "COMPANY")
UF_ENTITY = {"LEAD": "CRM_LEAD", "CONTACT": "CRM_CONTACT", "COMPANY": "CRM_COMPANY"}
TEXT_KEYS = {"LEAD": ("TITLE", "NAME", "LAST_NAME", "STATUS_ID", "COMPANY_TITLE"),
             "CONTACT": ("NAME", "LAST_NAME", "SECOND_NAME", "POST"),
             "COMPANY": ("TITLE", "COMPANY_TYPE", "INDUSTRY")}
VALUE_TYPES = ("WORK", "MOBILE", "FAX", "HOME", "PAGER", "MAILING", "OTHER")
_EXTENSION = re.compile(r"\s*(?:доб\.?|ext\.?|x|#|,|;)\s*\d{1,6}\s*$", re.IGNORECASE)


def digits_of(text: str) -> str:
    """A number as the portal's duplicate index keeps it: its digits, no extension, a Russian
    trunk 8 read as +7 (the portal parses numbers for its country)."""
    stripped = _EXTENSION.sub("", text.strip())
    digits = re.sub(r"\D", "", stripped)
    if stripped.startswith("00"):
        digits = digits[2:]
    if not stripped.startswith(("+", "00")) and len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    return digits


def rows(store: Store, kind: str) -> dict[str, dict[str, Any]]:
    every: dict[str, dict[str, dict[str, Any]]] = store.section("crm_clients", {})
    return every.setdefault(kind, {})


def find(store: Store, kind: str, rid: int) -> dict[str, Any] | None:
    row = rows(store, kind).get(str(rid))
    if row is not None and kind == "LEAD" and str(rid) not in store.section("crm_records", {}):
        return None  # deleted through crm.lead.delete (handlers/items.py)
    return row


def now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def add(store: Store, kind: str, fields: dict[str, Any], user_id: int) -> int:
    """Create a row; refusals as the legacy add methods give them."""
    if kind == "COMPANY" and not str(fields.get("TITLE") or "").strip():
        # CCrmCompany::CheckFields (sandbox wording of the portal's "required field" error)
        raise core_error('The field "Company Name" is required.')
    rid = _new_id(store, kind)
    row: dict[str, Any] = {"ID": rid, "DATE_CREATE": now_iso(), "CREATED_BY_ID": user_id,
                           "ASSIGNED_BY_ID": user_id, "PHONE": [], "COMPANY_IDS": []}
    if kind == "LEAD":
        row["STATUS_ID"] = "NEW"
    rows(store, kind)[str(rid)] = row
    update(store, kind, row, fields)
    if kind == "LEAD":
        _count_lead(store, rid, str(row["STATUS_ID"]))
    return rid


def _new_id(store: Store, kind: str) -> int:
    if kind == "LEAD":
        return store.next_id("crm_record")  # the id crm.lead.list shows for it
    return store.next_id(f"crm_{kind.lower()}")


def _count_lead(store: Store, rid: int, status_id: str) -> None:
    """Make the lead a record of its status, as handlers/items.py keeps them."""
    key = f"STATUS|{status_id}"
    store.section("crm_records", {})[str(rid)] = {"ID": rid, "key": key, "kind": "lead",
                                                 "STATUS_ID": status_id}
    state.set_item_count(store, "STATUS", status_id,
                         state.item_count(store, "STATUS", status_id) + 1)


def update(store: Store, kind: str, row: dict[str, Any], fields: dict[str, Any]) -> None:
    for key in TEXT_KEYS[kind]:
        if key in fields and not (kind == "LEAD" and key == "STATUS_ID"):
            row[key] = str(fields[key] or "")
    if "ASSIGNED_BY_ID" in fields:
        row["ASSIGNED_BY_ID"] = _user(store, fields["ASSIGNED_BY_ID"])
    if "PHONE" in fields:
        row["PHONE"] = _phones(store, row["PHONE"], fields["PHONE"])
    if kind == "CONTACT":
        _companies(store, row, fields)
    if kind == "LEAD" and fields.get("STATUS_ID"):
        row["STATUS_ID"] = str(fields["STATUS_ID"])
    _user_fields(store, kind, row, fields)


def _user(store: Store, value: Any) -> int:
    uid = as_int(value)
    if uid is None or str(uid) not in store.section("users", {}):
        raise core_error("The responsible person is not found.")  # sandbox wording
    return uid


def _phones(store: Store, current: list[dict[str, Any]], sent: Any) -> list[dict[str, Any]]:
    """Multi-field items: new ones appended, `ID` ones changed, `ID` with empty VALUE removed."""
    out = {int(p["ID"]): dict(p) for p in current}
    items = sent if isinstance(sent, list) else (list(sent.values()) if isinstance(sent, dict)
                                                 else [])
    for item in items:
        if not isinstance(item, dict):
            continue
        item_id = as_int(item.get("ID"))
        value = str(item.get("VALUE") or "").strip()
        if item_id in out:
            if value:
                out[item_id].update(VALUE=value)
            else:
                del out[item_id]
            continue
        if value:
            new_id = store.next_id("crm_multifield")
            kind = str(item.get("VALUE_TYPE") or "WORK").upper()
            out[new_id] = {"ID": str(new_id), "VALUE_TYPE": kind if kind in VALUE_TYPES
                           else "WORK", "VALUE": value, "TYPE_ID": "PHONE"}
    return list(out.values())


def _companies(store: Store, row: dict[str, Any], fields: dict[str, Any]) -> None:
    ids: list[int] | None = None
    if "COMPANY_IDS" in fields:
        raw = fields["COMPANY_IDS"]
        ids = [php_int(v) for v in (raw if isinstance(raw, list) else [raw])]
    elif "COMPANY_ID" in fields:
        ids = [php_int(fields["COMPANY_ID"])]
    if ids is not None:
        # unknown companies are dropped silently, as a binding to nothing is
        row["COMPANY_IDS"] = [i for i in dict.fromkeys(ids) if find(store, "COMPANY", i)]


def _user_fields(store: Store, kind: str, row: dict[str, Any], fields: dict[str, Any]) -> None:
    defined = {f["FIELD_NAME"]: f for f in state.userfields(store).values()
               if f["ENTITY_ID"] == UF_ENTITY[kind]}
    for key, value in fields.items():
        if key in defined:
            row[key] = _uf_value(defined[key], value)


def _uf_value(field: dict[str, Any], value: Any) -> Any:
    if field["USER_TYPE_ID"] != "enumeration":
        return value
    ids = {int(i["ID"]) for i in field["LIST"]}
    picked = as_int(value)
    return picked if picked in ids else None  # an unknown item id leaves the field empty


def companies_of(store: Store, contact_id: int) -> list[int]:
    row = find(store, "CONTACT", contact_id)
    if row is None:
        raise legacy_error("Not found")
    return [i for i in row["COMPANY_IDS"] if find(store, "COMPANY", i)]


def by_phone(store: Store, kind: str, wanted: set[str]) -> list[int]:
    """Ids of `kind` rows holding one of the numbers (compared by digits), ascending."""
    found = []
    for rid, row in rows(store, kind).items():
        if find(store, kind, int(rid)) is None:
            continue
        if any(digits_of(str(p["VALUE"])) in wanted for p in row["PHONE"]):
            found.append(int(rid))
    return sorted(found)


def public(row: dict[str, Any], kind: str) -> dict[str, Any]:
    """A row as crm.<kind>.get answers: ids and numbers as strings, HAS_PHONE."""
    out = {k: v for k, v in row.items() if k != "COMPANY_IDS" or kind == "CONTACT"}
    out["ID"] = str(row["ID"])
    out["ASSIGNED_BY_ID"] = str(row["ASSIGNED_BY_ID"])
    out["CREATED_BY_ID"] = str(row["CREATED_BY_ID"])
    out["HAS_PHONE"] = "Y" if row["PHONE"] else "N"
    if kind == "CONTACT":
        out["COMPANY_ID"] = str(row["COMPANY_IDS"][0]) if row["COMPANY_IDS"] else None
        out["COMPANY_IDS"] = [str(i) for i in row["COMPANY_IDS"]]
    return out
