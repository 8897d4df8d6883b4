"""Fill a new portal's CRM state: reference lists, lead/quote stages, deal pipeline 0, CRM admins.

A new sandbox must look like a new real portal (design.md; docs/portal-rules.md#default-stages, #reference-lists).
"""

from __future__ import annotations

from provisioner.sandbox.crm import reference as ref
from provisioner.sandbox.crm import state
from provisioner.sandbox.crm.lists import find_list
from provisioner.sandbox.crm.statuses import add_default_rows
from provisioner.sandbox.store import Store, seeder


def _seed_list(store: Store, entity_id: str, rows: tuple[ref.DefaultRow, ...]) -> None:
    sl = find_list(store, entity_id)
    assert sl is not None, entity_id
    add_default_rows(store, sl, rows, None)


@seeder
def seed_crm(store: Store) -> None:
    """Reference lists and stage lists; the default deal pipeline 0 is virtual (no row id)."""
    # Portal admin (id 1) is the only CRM administrator of a new portal; others are employees.
    store.section("access", {"crm_admins": [1]})
    state.settings(store)
    state.categories(store, 2)["0"] = {
        "id": 0, "name": ref.DEFAULT_DEAL_PIPELINE_NAME, "sort": ref.DEFAULT_DEAL_PIPELINE_SORT,
        "isDefault": "Y", "isSystem": "N", "code": ""}
    _seed_list(store, "STATUS", ref.LEAD_STAGES)
    for entity_id, (_, rows) in ref.REFERENCE_LISTS.items():
        _seed_list(store, entity_id, rows)
    # Old default deal rows carry CATEGORY_ID null (docs crm.status.list example).
    _seed_list(store, "DEAL_STAGE", ref.DEAL_STAGES)
    _seed_list(store, "QUOTE_STATUS", ref.QUOTE_STAGES)
    for entity_id, (_, rows) in ref.TRAILING_LISTS.items():
        _seed_list(store, entity_id, rows)
