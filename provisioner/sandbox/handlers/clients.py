"""crm.{lead,contact,company}.add/get, crm.{contact,company}.list, crm.duplicate.findbycomm and
crm.contact.company.items.get: who holds a phone number, and who is responsible for them.

Docs: api-reference/crm/leads/crm-lead-add.md, api-reference/crm/leads/crm-lead-get.md;
api-reference/crm/contacts/crm-contact-add.md, api-reference/crm/contacts/crm-contact-get.md,
api-reference/crm/contacts/crm-contact-list.md; api-reference/crm/companies/crm-company-add.md,
api-reference/crm/companies/crm-company-get.md, api-reference/crm/companies/crm-company-list.md;
api-reference/crm/duplicates/crm-duplicate-find-by-comm.md;
api-reference/crm/contacts/company/crm-contact-company-items-get.md. Legacy CRM refusals carry an
empty code and HTTP 400 (docs/portal-rules.md#errors).
"""

from __future__ import annotations

from typing import Any

from provisioner.sandbox.core import REGISTRY, BitrixError, CallContext, Result, paginate
from provisioner.sandbox.crm import clients, values
from provisioner.sandbox.crm.common import as_int, legacy_error, legacy_id, legacy_param

_DOC = {"LEAD": "api-reference/crm/leads/crm-lead-{}.md",
        "CONTACT": "api-reference/crm/contacts/crm-contact-{}.md",
        "COMPANY": "api-reference/crm/companies/crm-company-{}.md"}
MAX_VALUES = 20  # api-reference/crm/duplicates/crm-duplicate-find-by-comm.md: "Maximum number of values — 20"


def _fields(params: dict[str, Any]) -> dict[str, Any]:
    fields = legacy_param(params, "fields")
    if not isinstance(fields, dict):
        raise legacy_error("Parameter 'fields' must be array.")
    return fields


def _make_add(kind: str) -> None:
    @REGISTRY.add(f"crm.{kind.lower()}.add", scope="crm", write=True,
                  doc=_DOC[kind].format("add"))
    def add(ctx: CallContext, params: dict[str, Any]) -> Result:
        """Returns the new id (an integer), as the legacy add methods do."""
        return Result(clients.add(ctx.store, kind, _fields(params), ctx.user_id))


def _make_get(kind: str) -> None:
    @REGISTRY.add(f"crm.{kind.lower()}.get", scope="crm", doc=_DOC[kind].format("get"))
    def get(ctx: CallContext, params: dict[str, Any]) -> Result:
        row = clients.find(ctx.store, kind, legacy_id(params))
        if row is None:
            raise legacy_error("Not found")
        return Result(clients.public(row, kind))


def _selected(row: dict[str, Any], select: Any) -> dict[str, Any]:
    """List methods return the standard fields; user fields and phones only when selected."""
    wanted = [str(s) for s in select] if isinstance(select, list) else []
    if not wanted:
        return {k: v for k, v in row.items() if not k.startswith("UF_") and k != "PHONE"}
    every = "*" in wanted
    uf = "UF_*" in wanted
    return {k: v for k, v in row.items()
            if k == "ID" or k in wanted or (every and not k.startswith("UF_") and k != "PHONE")
            or (uf and k.startswith("UF_"))}


def _matches(row: dict[str, Any], flt: dict[str, Any]) -> bool:
    """`ID` / `@ID` (a value or a list: IN) and `ASSIGNED_BY_ID`; other keys are not emulated."""
    for name, want in flt.items():
        key = name.lstrip("=@")
        if key not in ("ID", "ASSIGNED_BY_ID"):
            continue
        wants = {str(w) for w in want} if isinstance(want, list) else {str(want)}
        if str(row.get(key)) not in wants:
            return False
    return True


def _make_list(kind: str) -> None:
    @REGISTRY.add(f"crm.{kind.lower()}.list", scope="crm", doc=_DOC[kind].format("list"))
    def list_(ctx: CallContext, params: dict[str, Any]) -> Result:
        flt = legacy_param(params, "filter")
        if flt is not None and not isinstance(flt, dict):
            raise legacy_error("Parameter 'filter' must be array.")
        found = []
        flt, holds = values.split(ctx.store, clients.UF_ENTITY[kind], flt or {})
        for rid in sorted(clients.rows(ctx.store, kind), key=int):
            row = clients.find(ctx.store, kind, int(rid))
            if row is not None and holds(int(rid)):
                public = clients.public(row, kind)
                if _matches(public, flt):
                    found.append(_selected(public, legacy_param(params, "select")))
        return paginate(found, ctx.start)


for _kind in clients.KINDS:
    _make_add(_kind)
    _make_get(_kind)
for _kind in ("CONTACT", "COMPANY"):  # crm.lead.list is handlers/items.py's
    _make_list(_kind)


@REGISTRY.add("crm.duplicate.findbycomm", scope="crm",
              doc="api-reference/crm/duplicates/crm-duplicate-find-by-comm.md")
def find_by_comm(ctx: CallContext, params: dict[str, Any]) -> Result:
    """`{"LEAD": [ids], "CONTACT": [...], "COMPANY": [...]}`, only kinds found, `[]` if none.

    20 or more of one kind drops the kinds after it (the docs' "Method Operation Features").
    """
    comm_type = str(params.get("type") or "").upper()
    if not comm_type:
        raise BitrixError("Communication type is not defined", "Parameter 'type' is required.")
    if comm_type not in ("PHONE", "EMAIL"):
        raise BitrixError(f"Communication type '{comm_type}' is not supported in current "
                          "context", "Unsupported communication type.")
    values = params.get("values")
    if not isinstance(values, list) or not values:
        raise BitrixError("Communication values is not defined", "Parameter 'values' is required.")
    wanted = {clients.digits_of(str(v)) for v in values[:MAX_VALUES]} - {""}
    kinds = _kinds(params.get("entity_type"))
    out: dict[str, list[int]] = {}
    for kind in kinds if comm_type == "PHONE" else ():  # e-mails are not emulated
        ids = clients.by_phone(ctx.store, kind, wanted)
        if ids:
            out[kind] = ids[:MAX_VALUES]
        if len(ids) >= MAX_VALUES:
            break
    return Result(out)


def _kinds(entity_type: Any) -> tuple[str, ...]:
    text = str(entity_type or "").upper()
    return (text,) if text in clients.KINDS else clients.KINDS


@REGISTRY.add("crm.contact.company.items.get", scope="crm",
              doc="api-reference/crm/contacts/company/crm-contact-company-items-get.md")
def contact_company_items(ctx: CallContext, params: dict[str, Any]) -> Result:
    """`[{COMPANY_ID, SORT, ROLE_ID, IS_PRIMARY}]`; the first binding is the primary one."""
    contact_id = as_int(params.get("id", params.get("ID")))
    if contact_id is None or contact_id <= 0:
        raise legacy_error("The parameter 'ownerEntityID' is invalid or not defined.")
    ids = clients.companies_of(ctx.store, contact_id)
    return Result([{"COMPANY_ID": cid, "SORT": 100 + 10 * n, "ROLE_ID": 0,
                    "IS_PRIMARY": "Y" if n == 0 else "N"} for n, cid in enumerate(ids)])
