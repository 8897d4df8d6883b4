"""plan --out FILE then apply FILE: applied exactly, or refused as stale with what changed."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import MAIN_PIPELINE as CONFIG
from helpers import cli, client_of, write

from provisioner.sandbox import Sandbox


def _setup(tmp_path: Path) -> tuple[Path, Path, tuple[str, ...]]:
    write(tmp_path / "portals.toml", '[portals.prod]\nsandbox = "prod.json"\n')
    config = write(tmp_path / "cfg" / "main.toml", CONFIG)
    return config, tmp_path / "prod.json", ("--portal", "prod", "--portals",
                                            str(tmp_path / "portals.toml"))


def test_saved_plan_is_applied_exactly_and_holds_no_secret(tmp_path: Path) -> None:
    config, _, at = _setup(tmp_path)
    out = tmp_path / "plan.json"
    planned = cli("plan", str(config), *at, "--out", str(out))
    assert planned.exit_code == 0, planned.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["portal"] == "sandbox:prod.json"
    assert "/rest/" not in out.read_text(encoding="utf-8")
    applied = cli("apply", str(out), *at)  # no question asked, no CONFIG needed
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.startswith(planned.stdout)
    again = cli("plan", str(config), *at, "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_portal_changed_since_plan_is_refused_and_the_change_named(tmp_path: Path) -> None:
    config, state, at = _setup(tmp_path)
    out = tmp_path / "plan.json"
    assert cli("plan", str(config), *at, "--out", str(out)).exit_code == 0
    client = client_of(Sandbox.open(state))
    row = client.call("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE",
                                                      "STATUS_ID": "WON"}}).result[0]
    client.call("crm.status.update", {"id": row["ID"], "fields": {"NAME": "Выиграна",
                                                                  "SORT": row["SORT"]}})
    refused = cli("apply", str(out), *at)
    assert refused.exit_code == 1
    assert refused.stderr.endswith(
        "Error: plan is stale: the portal changed since the plan was made "
        "(portal then -> portal now):\n"
        "  ~ deal.pipeline[main].stage[WON]\n"
        '      name: "Deal successful" -> "Выиграна"\n'
        "Run `provision plan --out FILE` again and review the new plan.\n")
    assert client.call("crm.status.get", {"id": row["ID"]}).result["NAME"] == "Выиграна"


def test_plan_for_another_portal_is_refused(tmp_path: Path) -> None:
    config, _, at = _setup(tmp_path)
    out = tmp_path / "plan.json"
    assert cli("plan", str(config), *at, "--out", str(out)).exit_code == 0
    other = cli("apply", str(out), "--sandbox-state", str(tmp_path / "other.json"))
    assert other.exit_code == 1
    assert other.stderr.splitlines()[-1] == (
        "Error: the plan was made for portal sandbox:prod.json, not sandbox")
