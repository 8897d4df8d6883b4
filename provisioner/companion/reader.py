"""Read the facts about a phone number from the portal, one `batch` request per level.

Level 1: `crm.duplicate.findbycomm` once per kind (a kind with 20 hits would hide the kinds
after it in one call, api-reference/crm/duplicates/crm-duplicate-find-by-comm.md) and the status field's items
(`crm.company.userfield.list`). Level 2: the contacts' companies
(`crm.contact.company.items.get`), the companies and contacts (`crm.{company,contact}.list`
filtered by id) and the leads (`crm.lead.get`). Level 3, only when a contact belongs to a
company not read yet: those companies. Every answer is checked for shape; what does not fit is
left out rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from provisioner.companion.facts import Company, Contact, Facts, Lead
from provisioner.kinds.companion.model import CallCardConfig
from provisioner.companion.phone import Phone

KINDS = ("COMPANY", "CONTACT", "LEAD")
MAX_PER_KIND = 20
Call = tuple[str, Mapping[str, Any]]


def _ids(value: Any) -> list[int]:
    items = value if isinstance(value, list) else []
    return sorted({int(v) for v in items if str(v).isdigit()})[:MAX_PER_KIND]


def _int(value: Any) -> int | None:
    text = str(value) if isinstance(value, (int, str)) else ""
    return int(text) if text.isdigit() and int(text) > 0 else None


def first_level(phone: Phone, card: CallCardConfig) -> dict[str, Call]:
    calls: dict[str, Call] = {
        kind: ("crm.duplicate.findbycomm", {"type": "PHONE", "values": list(phone.values),
                                            "entity_type": kind}) for kind in KINDS}
    if card.uf_name:
        calls["field"] = ("crm.company.userfield.list", {"filter": {"FIELD_NAME": card.uf_name}})
    return calls


def status_items(rows: Any) -> tuple[dict[int, str], str | None]:
    """Enumeration item id -> xml_id, and the default item's xml_id."""
    field = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
    raw = field.get("LIST")
    items: list[Any] = raw if isinstance(raw, list) else []
    out: dict[int, str] = {}
    default = None
    for item in items:
        if isinstance(item, dict) and _int(item.get("ID")) and isinstance(item.get("XML_ID"), str):
            out[int(item["ID"])] = item["XML_ID"]
            if item.get("DEF") == "Y":
                default = item["XML_ID"]
    return out, default


def _company_list(ids: Sequence[int], card: CallCardConfig) -> Call:
    select = ["ID", "TITLE", "ASSIGNED_BY_ID", *([card.uf_name] if card.uf_name else [])]
    return "crm.company.list", {"filter": {"@ID": list(ids)}, "select": select}


def second_level(found: Mapping[str, list[int]], card: CallCardConfig) -> dict[str, Call]:
    calls: dict[str, Call] = {}
    if found["COMPANY"]:
        calls["companies"] = _company_list(found["COMPANY"], card)
    if found["CONTACT"]:
        calls["contacts"] = ("crm.contact.list", {
            "filter": {"@ID": found["CONTACT"]},
            "select": ["ID", "NAME", "LAST_NAME", "ASSIGNED_BY_ID"]})
    for cid in found["CONTACT"]:
        calls[f"cc{cid}"] = ("crm.contact.company.items.get", {"id": cid})
    for lid in found["LEAD"]:
        calls[f"lead{lid}"] = ("crm.lead.get", {"id": lid})
    return calls


def companies(rows: Any, card: CallCardConfig, items: Mapping[int, str],
              default: str | None) -> list[Company]:
    out = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict) or not _int(row.get("ID")):
            continue
        raw = row.get(card.uf_name) if card.uf_name else None
        status = items.get(_int(raw) or 0, default if card.uf_name else None)
        out.append(Company(int(row["ID"]), str(row.get("TITLE") or ""),
                           _int(row.get("ASSIGNED_BY_ID")), status))
    return out


def contacts(rows: Any, results: Mapping[str, Any]) -> list[Contact]:
    out = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict) or not _int(row.get("ID")):
            continue
        cid = int(row["ID"])
        links = results.get(f"cc{cid}")
        linked = [_int(b.get("COMPANY_ID")) for b in links if isinstance(b, dict)] \
            if isinstance(links, list) else []
        name = " ".join(str(row.get(k) or "") for k in ("NAME", "LAST_NAME")).strip()
        out.append(Contact(cid, name, _int(row.get("ASSIGNED_BY_ID")),
                           tuple(sorted({c for c in linked if c}))))
    return out


def leads(ids: Sequence[int], results: Mapping[str, Any]) -> list[Lead]:
    out = []
    for lid in ids:
        row = results.get(f"lead{lid}")
        if isinstance(row, dict):
            out.append(Lead(lid, str(row.get("TITLE") or ""), _int(row.get("ASSIGNED_BY_ID"))))
    return out


def read_facts(client: Any, phone: Phone, card: CallCardConfig) -> Facts:
    """Everything the rules need about `phone`, in at most three batch requests."""
    one = client.batch(first_level(phone, card))
    found = {kind: _ids((one.results.get(kind) or {}).get(kind)
                        if isinstance(one.results.get(kind), dict) else None) for kind in KINDS}
    truncated = any(len(v) >= MAX_PER_KIND for v in found.values())
    items, default = status_items(one.results.get("field"))
    calls = second_level(found, card)
    two = client.batch(calls).results if calls else {}
    direct = companies(two.get("companies"), card, items, default)
    people = contacts(two.get("contacts"), two)
    wanted = sorted({c for p in people for c in p.companies} - {c.id for c in direct})
    linked: list[Company] = []
    if wanted:
        three = client.batch({"linked": _company_list(wanted, card)}).results
        linked = companies(three.get("linked"), card, items, default)
    return Facts(phone.number, tuple(direct), tuple(people), tuple(leads(found["LEAD"], two)),
                 tuple(linked), truncated)
