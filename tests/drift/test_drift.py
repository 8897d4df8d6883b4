"""provision drift: exit 0 in sync, 2 on drift (what changed by hand, portal -> config), 1 error."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import MAIN_PIPELINE as CONFIG
from helpers import cli, client_of, write

from provisioner.sandbox import Sandbox


def test_stage_renamed_by_hand_is_drift(tmp_path: Path) -> None:
    state = tmp_path / "sb.json"
    config = write(tmp_path / "cfg" / "main.toml", CONFIG)
    at = ("--sandbox-state", str(state))
    assert cli("apply", str(config), *at, "--auto-approve", "--allow-destroy").exit_code == 0
    in_sync = cli("drift", str(config), *at)
    assert (in_sync.exit_code, in_sync.stdout) == (0, "In sync: the portal matches the config.\n")

    client = client_of(Sandbox.open(state))
    row = client.call("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE",
                                                      "STATUS_ID": "NEW"}}).result[0]
    client.call("crm.status.update", {"id": row["ID"], "fields": {"NAME": "Входящие",
                                                                  "SORT": row["SORT"]}})
    drifted = cli("drift", str(config), *at)
    assert drifted.exit_code == 2
    assert drifted.stdout == (
        "Drift: 1 difference between the portal and the config (portal value -> config value).\n"
        "deal.pipelines:\n"
        "  ~ deal.pipeline[main].stage[NEW]: changed on the portal\n"
        '      name: "Входящие" -> "Новая"\n')
    doc = json.loads(cli("drift", str(config), *at, "--json").stdout)["result"]
    assert doc["in_sync"] is False
    assert doc["kinds"]["deal.pipelines"] == [{
        "address": "deal.pipeline[main].stage[NEW]", "status": "changed",
        "portal": {"name": "Входящие"}, "config": {"name": "Новая"}}]


def test_drift_error_exits_1(tmp_path: Path) -> None:
    result = cli("drift", str(tmp_path / "missing"), "--sandbox-state", str(tmp_path / "s.json"))
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {tmp_path / 'missing'}: no such file or directory (looked for "
           f"{tmp_path / 'missing'})\nfix: give the config as CONFIG, a directory of *.toml "
           "files or one file, e.g. `provision plan path/to/portal-config`; without CONFIG, "
           "./portal-config is read\n")
