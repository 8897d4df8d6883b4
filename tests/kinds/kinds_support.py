"""Helpers of the kind tests: a fresh sandbox with a client, setup steps, plan and apply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.sandbox import Sandbox

CASES = Path(__file__).resolve().parent.parent / "cases"
ROOT = Path(__file__).resolve().parent.parent.parent


def sandbox_client() -> BitrixClient:
    sb = Sandbox.in_memory()
    return BitrixClient.from_webhook(sb.webhook_url, session=sb.session())


def setup_case(name: str) -> tuple[BitrixClient, engine.DesiredState]:
    """A sandbox in the starting state of tests/cases/<name>, and its desired state."""
    client = sandbox_client()
    setup = CASES / name / "setup.json"
    for step in json.loads(setup.read_text("utf-8")) if setup.exists() else []:
        client.call(step["method"], step["params"])
    return client, engine.load_desired(CASES / name / "desired.toml")


def plan(client: BitrixClient, desired: engine.DesiredState, allow: bool = False) -> engine.Plan:
    return engine.make_plan(desired, engine.read_live(client), engine.PlanOptions(allow))


def converge(client: BitrixClient, desired: engine.DesiredState) -> engine.Plan:
    """Apply with consent to destroy; return the next plan."""
    engine.apply(plan(client, desired, True), client, allow_destroy=True)
    return plan(client, desired)


def deal_field(client: BitrixClient, name: str, entity: str = "deal") -> dict[str, Any]:
    rows = client.call(f"crm.{entity}.userfield.list",
                       {"filter": {"FIELD_NAME": f"UF_CRM_{name}"}}).result
    assert len(rows) == 1
    return dict(rows[0])
