"""export from staging, plan/apply to production, where pipelines, smart processes, stage
prefixes and users are numbered differently; then the id map."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import cli, client_of, write

from provisioner.sandbox import Sandbox

STAGING_CONFIG = """\
[deal.pipelines.wholesale]
name = "Опт"

[[deal.pipelines.wholesale.stages]]
code = "NEW"
name = "Заявка"

[[deal.pipelines.wholesale.stages]]
code = "NEGOTIATION"
name = "Переговоры"
color = "#FFA900"

[[deal.pipelines.wholesale.stages]]
code = "WON"
name = "Отгружено"
semantics = "success"

[[deal.pipelines.wholesale.stages]]
code = "LOSE"
name = "Отказ"
semantics = "failure"
"""
PORTALS = """\
[portals.staging]
sandbox = "staging.json"

[portals.production]
sandbox = "production.json"
"""


def _production_with_history(path: Path) -> None:
    """Production already has two pipelines and a smart process: its ids run ahead."""
    client = client_of(Sandbox.open(path))
    for name in ("Старая воронка", "Партнёры"):
        client.call("crm.category.add", {"entityTypeId": 2, "fields": {"name": name}})
    client.call("crm.type.add", {"fields": {"title": "Кандидаты", "isCategoriesEnabled": "Y"}})


def test_export_staging_apply_production_then_no_changes_and_id_map(tmp_path: Path) -> None:
    portals = write(tmp_path / "portals.toml", PORTALS)
    at = ("--portals", str(portals))
    source = write(tmp_path / "staging-src" / "main.toml", STAGING_CONFIG)
    assert cli("apply", str(source), "--portal", "staging", *at, "--auto-approve").exit_code == 0
    _production_with_history(tmp_path / "production.json")

    cfg = tmp_path / "cfg"
    exported = cli("export", "--portal", "staging", *at, "--out", str(cfg))
    assert exported.exit_code == 0, exported.output
    side = json.loads((cfg / ".provision-ids.json").read_text(encoding="utf-8"))
    assert side["portal"] == "sandbox:staging.json"
    assert side["objects"]["deal.pipeline[wholesale]"]["id"] == 1
    assert side["objects"]["deal.pipeline[wholesale].stage[NEGOTIATION]"]["status_id"] == \
        "C1:NEGOTIATION"
    assert side["users"]["admin@sandbox.example"] == "1"

    planned = cli("plan", str(cfg), "--portal", "production", *at, "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "  + deal.pipeline[wholesale]\n" in planned.stdout
    applied = cli("apply", str(cfg), "--portal", "production", *at, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.endswith(f"wrote {cfg / 'id-map.json'} (old -> new ids)\n")
    again = cli("plan", str(cfg), "--portal", "production", *at, "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert again.stdout.endswith("No changes. The portal matches the desired state.\n")

    # production numbered the new pipeline after its own history: C4 (two pipelines and the
    # smart process's pipeline came first), and its stages carry production's prefix
    rows = client_of(Sandbox.open(tmp_path / "production.json")).call(
        "crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE_4"}}).result
    assert sorted(r["STATUS_ID"] for r in rows) == [
        "C4:LOSE", "C4:NEGOTIATION", "C4:NEW", "C4:WON"]

    id_map = json.loads((cfg / "id-map.json").read_text(encoding="utf-8"))
    assert (id_map["from"], id_map["to"]) == ("sandbox:staging.json", "sandbox:production.json")
    assert id_map["by_type"]["deal.pipeline.id"] == {"0": 0, "1": 4}
    assert id_map["by_type"]["deal.pipeline.stage.status_id"]["C1:NEGOTIATION"] == "C4:NEGOTIATION"
    assert id_map["by_type"]["deal.pipeline.stage.status_id"]["NEW"] == "NEW"
    assert id_map["by_type"]["user.id"]["1"] == "1"
    entry = next(o for o in id_map["objects"]
                 if o["address"] == "deal.pipeline[wholesale].stage[WON]")
    assert (entry["old"]["status_id"], entry["new"]["status_id"]) == ("C1:WON", "C4:WON")
