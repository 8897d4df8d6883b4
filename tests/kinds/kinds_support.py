"""Helpers of the kind tests: a golden case's starting state, plan and apply."""

from __future__ import annotations

import json
from typing import Any

from golden import CASES
from helpers import run_setup

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.engine.live import read_languages


def setup_case(client: BitrixClient, name: str) -> engine.DesiredState:
    """Puts the sandbox behind `client` in the starting state of tests/cases/<name>; returns
    the case's desired state."""
    setup = CASES / name / "setup.json"
    run_setup(client, json.loads(setup.read_text("utf-8")) if setup.exists() else [])
    return engine.load_desired(CASES / name / "desired.toml")


def plan(client: BitrixClient, desired: engine.DesiredState, allow: bool = False) -> engine.Plan:
    """The plan as the workspace makes it: labels read in the languages the config names."""
    live = engine.read_live(client, languages=read_languages(desired.parts))
    return engine.make_plan(desired, live, engine.PlanOptions(allow))


def converge(client: BitrixClient, desired: engine.DesiredState) -> engine.Plan:
    """Apply with consent to destroy; return the next plan."""
    engine.apply(plan(client, desired, True), client, allow_destroy=True)
    return plan(client, desired)


def deal_field(client: BitrixClient, name: str, entity: str = "deal") -> dict[str, Any]:
    rows = client.call(f"crm.{entity}.userfield.list",
                       {"filter": {"FIELD_NAME": f"UF_CRM_{name}"}}).result
    assert len(rows) == 1
    return dict(rows[0])
