"""The library workflow: a Python caller of Workspace gets exactly the CLI's behaviour (the
question through a callback, the read after it, stale refusals, attestations), and the
attestation store keeps sign-offs in the config directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import CONFIG as SEED, MAIN_PIPELINE, cli, client_of, write

from provisioner.engine import Plan
from provisioner.engine.planfile import StalePlan
from provisioner.sandbox import Sandbox
from provisioner.workspace import Cancelled, Connection, PortalIdentity, Workspace

ROOT = Path(__file__).resolve().parents[2]
RENAMED = MAIN_PIPELINE.replace('name = "Провал"', 'name = "Отказ"')


def _portal() -> tuple[Sandbox, Connection]:
    sb = Sandbox.in_memory()
    return sb, Connection(client_of(sb), PortalIdentity.sandbox())


def _stage_name(sb: Sandbox, code: str) -> str:
    rows = client_of(sb).call("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE",
                                                              "STATUS_ID": code}}).result
    return str(rows[0]["NAME"])


def test_apply_asks_then_reads_again_and_only_then_writes(tmp_path: Path) -> None:
    sb, portal = _portal()
    config = write(tmp_path / "main.toml", RENAMED)
    asked: list[Plan] = []
    before = sb.requests.total
    only_plan = Workspace(config, portal).plan()
    reads = sb.requests.total - before
    before = sb.requests.total
    done = Workspace(config, portal).apply(confirm=lambda plan: asked.append(plan) or True)
    with_question = sb.requests.total - before
    assert [str(c.address) for c in asked[0].changes] == [str(c.address)
                                                         for c in only_plan.changes]
    assert done.report is not None and done.report.failed is None
    assert _stage_name(sb, "LOSE") == "Отказ"
    # the same apply without a question reads once: the plan's read is the fresh one
    sb2, portal2 = _portal()
    before = sb2.requests.total
    Workspace(write(tmp_path / "again.toml", RENAMED), portal2).apply()
    assert with_question - (sb2.requests.total - before) == reads


def test_a_no_cancels_and_writes_nothing(tmp_path: Path) -> None:
    sb, portal = _portal()
    ws = Workspace(write(tmp_path / "main.toml", RENAMED), portal)
    with pytest.raises(Cancelled, match=r"^Apply cancelled\.$"):
        ws.apply(confirm=lambda _plan: False)
    assert _stage_name(sb, "LOSE") != "Отказ"


def test_a_portal_changed_while_the_question_waited_is_refused(tmp_path: Path) -> None:
    sb, portal = _portal()
    lose = _stage_name(sb, "LOSE")
    ws = Workspace(write(tmp_path / "main.toml", RENAMED), portal)

    def someone_renames_won(_plan: Plan) -> bool:
        client = client_of(sb)
        row = client.call("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE",
                                                          "STATUS_ID": "WON"}}).result[0]
        client.call("crm.status.update", {"id": row["ID"], "fields": {"NAME": "Выиграна"}})
        return True

    with pytest.raises(StalePlan) as stale:
        ws.apply(confirm=someone_renames_won)
    assert str(stale.value).splitlines()[1:] == [
        "  ~ deal.pipeline[main].stage[WON]", '      name: "Deal successful" -> "Выиграна"',
        "Nothing was applied: run `provision apply` again to review the new plan."]
    assert _stage_name(sb, "LOSE") == lose != "Отказ"  # nothing of the plan was written


def _config_copy(tmp_path: Path) -> Path:
    config = tmp_path / "portal-config"
    shutil.copytree(SEED, config, ignore=shutil.ignore_patterns("*.json"))
    return config


def _manual_robots(plan: Plan) -> list[str]:
    return [str(c.address) for c in plan.changes if ".robot[" in str(c.address)]


def test_attestations_are_the_library_callers_too(tmp_path: Path) -> None:
    _, portal = _portal()
    config = _config_copy(tmp_path)
    Workspace(config, portal).apply()
    signed = Workspace(config, portal).attest("Ирина", date="2026-12-01")
    assert signed.path == config / "attestations" / "sandbox.toml"
    assert _manual_robots(Workspace(config, portal).plan()) == []
    assert cli("validate", str(config)).exit_code == 0  # the loader does not read attestations/


def test_attestations_where_older_versions_kept_them_are_read_and_carried_over(
        tmp_path: Path) -> None:
    state = tmp_path / "sb.json"
    at = ("--sandbox-state", str(state))
    config = _config_copy(tmp_path)
    assert cli("apply", str(config), *at, "--auto-approve").exit_code == 0
    assert cli("attest", str(config), "--by", "Ирина", *at).exit_code == 0
    old = tmp_path / "attestations" / "sandbox.toml"  # beside the config directory, by host
    old.parent.mkdir()
    (config / "attestations" / "sandbox.toml").rename(old)
    planned = cli("plan", str(config), *at)
    assert ".robot[" not in planned.stdout
    new = config / "attestations" / "sandbox.toml"
    assert planned.stderr.splitlines()[1] == (
        f"Reading the attestations of sandbox from {old}, where older versions kept them; "
        f"`provision attest` now keeps them in {new}: move the file there.")
    signed = cli("attest", str(config), "--by", "Олег", *at, "--stage",
                 "deal.pipeline[sales].stage[NEW]")
    assert signed.exit_code == 0, signed.output
    assert signed.stderr.splitlines()[-1] == (
        f"The attestations kept in {old} by an older version were carried over into {new}; the "
        "old file is no longer read: delete it.")
    assert ".robot[" not in cli("plan", str(config), *at).stdout  # every stage carried over
    assert "older versions" not in cli("plan", str(config), *at).stderr
