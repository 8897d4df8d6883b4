"""Helpers of the safety, migration and drift tests: sandboxes with records, CLI runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from provisioner.cli import main
from provisioner.client import BitrixClient
from provisioner.sandbox import Sandbox
from provisioner.sandbox.crm import state

# The default pipeline reduced to its three system stages, renamed: the drift and saved-plan
# tests' starting desired state.
MAIN_PIPELINE = """\
[deal.pipelines.main]
name = "General"
default = true

[[deal.pipelines.main.stages]]
code = "NEW"
name = "Новая"

[[deal.pipelines.main.stages]]
code = "WON"
name = "Успех"
semantics = "success"

[[deal.pipelines.main.stages]]
code = "LOSE"
name = "Провал"
semantics = "failure"
"""


def client_of(sb: Sandbox) -> BitrixClient:
    return BitrixClient.from_webhook(sb.webhook_url, session=sb.session())


def seed_records(sb: Sandbox, entity_id: str, status_id: str, count: int) -> None:
    """Records (deals, leads, items) in a stage, as if users had made them."""
    with sb.stores.transaction() as store:
        state.set_item_count(store, entity_id, status_id, count)
        sb.stores.commit(store)


def record_count(sb: Sandbox, entity_id: str, status_id: str) -> int:
    return state.item_count(sb.store, entity_id, status_id)


def cli(*args: str, env: dict[str, Any] | None = None, stdin: str | None = None) -> Result:
    base: dict[str, Any] = {"B24_WEBHOOK_URL": None}
    return CliRunner(env={**base, **(env or {})}).invoke(main, list(args), input=stdin)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
