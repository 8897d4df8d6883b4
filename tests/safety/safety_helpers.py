"""Helpers of the safety tests: records in a sandbox's stages, as if users had made them."""

from __future__ import annotations

from provisioner.sandbox import Sandbox
from provisioner.sandbox.crm import state


def seed_records(sb: Sandbox, entity_id: str, status_id: str, count: int) -> None:
    """Records (deals, leads, items) in a stage, as if users had made them."""
    with sb.stores.transaction() as store:
        state.set_item_count(store, entity_id, status_id, count)
        sb.stores.commit(store)


def record_count(sb: Sandbox, entity_id: str, status_id: str) -> int:
    return state.item_count(sb.store, entity_id, status_id)
