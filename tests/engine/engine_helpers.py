"""Helpers of the engine tests: a fresh sandbox with a client, setup steps, live reads."""

from __future__ import annotations

from typing import Any

from provisioner.client import BitrixClient
from provisioner.sandbox import Sandbox


def sandbox_client() -> tuple[Sandbox, BitrixClient]:
    sb = Sandbox.in_memory()
    return sb, BitrixClient.from_webhook(sb.webhook_url, session=sb.session())


def run_setup(client: BitrixClient, steps: list[dict[str, Any]]) -> None:
    """Each step is {"method", "params", "find"?}; `find` filters crm.status.list for the row
    whose ID goes into params["id"] (ids differ between portals, natural keys do not)."""
    for step in steps:
        params = dict(step.get("params", {}))
        if "find" in step:
            rows = client.call("crm.status.list", {"filter": step["find"]}).result
            assert len(rows) == 1, f"setup: {step['find']} matched {len(rows)} rows"
            params["id"] = int(rows[0]["ID"])
        client.call(step["method"], params)


def stage_codes(client: BitrixClient, entity_id: str) -> list[str]:
    rows = client.call("crm.status.list", {"order": {"SORT": "ASC"},
                                           "filter": {"ENTITY_ID": entity_id}}).result
    return [r["STATUS_ID"] for r in sorted(rows, key=lambda r: (int(r["SORT"]), int(r["ID"])))]


def stage_names(client: BitrixClient, entity_id: str) -> list[str]:
    rows = client.call("crm.status.list", {"filter": {"ENTITY_ID": entity_id}}).result
    return [r["NAME"] for r in sorted(rows, key=lambda r: (int(r["SORT"]), int(r["ID"])))]
