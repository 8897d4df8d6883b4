"""Deleting what holds records: counted in the plan, refused without --allow-data-loss, and
with both flags the records are deleted first so the portal accepts the deletion."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import cli, client_of, write
from safety_helpers import record_count, seed_records

from provisioner import engine
from provisioner.engine.records import DataLossRefused, count_records
from provisioner.sandbox import Sandbox

STAGES = [("NEW", "New", ""), ("PREPARATION", "Document preparation", ""),
          ("PREPAYMENT_INVOICE", "Prepayment invoice", ""), ("EXECUTING", "In progress", ""),
          ("FINAL_INVOICE", "Final invoice", ""), ("WON", "Deal successful", "success"),
          ("LOSE", "Deal failed", "failure"), ("APOLOGY", "Failure reason analysis", "failure")]


def config(skip: str = "") -> str:
    text = '[deal.pipelines.main]\nname = "General"\ndefault = true\n'
    for code, name, semantics in STAGES:
        if code != skip:
            text += f'\n[[deal.pipelines.main.stages]]\ncode = "{code}"\nname = "{name}"\n'
            text += f'semantics = "{semantics}"\n' if semantics else ""
    return text


DROP_PREPARATION = config(skip="PREPARATION")


def _plan(sb: Sandbox, text: str, **options: bool) -> engine.Plan:
    client = client_of(sb)
    plan = engine.make_plan(engine.load_text(text), engine.read_live(client),
                            engine.PlanOptions(**options))
    return count_records(plan, client)


def test_plan_counts_deals_in_a_deleted_stage_and_lists_it_apart(sb: Sandbox) -> None:
    seed_records(sb, "DEAL_STAGE", "PREPARATION", 3)
    text = engine.render_text(_plan(sb, DROP_PREPARATION, allow_destroy=True))
    assert text.endswith(
        "  - deal.pipeline[main].stage[PREPARATION] (destructive)\n"
        '      name:      "Document preparation"\n'
        '      color:     "#2FC6F6"\n'
        '      semantics: "process"\n'
        "      sort:      20\n"
        "Destructive changes:\n"
        "  - deal.pipeline[main].stage[PREPARATION]: holds 3 deals, deleted with it "
        "(apply also needs --allow-data-loss)\n"
        "REST cost: read 2 requests; apply needs ~1 request (~0 s under the rate limit).\n"
        "Plan: 0 to add, 0 to change, 1 to destroy.\n")


def test_apply_refuses_data_loss_then_deletes_records_first_with_both_flags(sb: Sandbox) -> None:
    seed_records(sb, "DEAL_STAGE", "PREPARATION", 3)
    plan = _plan(sb, DROP_PREPARATION, allow_destroy=True)
    with pytest.raises(DataLossRefused) as refused:
        engine.apply(plan, client_of(sb), allow_destroy=True)
    assert str(refused.value) == (
        "the plan deletes objects that still hold data: deal.pipeline[main].stage[PREPARATION]"
        " (3 deals); the deals would be deleted with them: run again with --allow-destroy "
        "--allow-data-loss to allow it")
    assert record_count(sb, "DEAL_STAGE", "PREPARATION") == 3
    report = engine.apply(plan, client_of(sb), allow_destroy=True, allow_data_loss=True)
    assert report.done == ["- deal 1 (data loss allowed)", "- deal 2 (data loss allowed)",
                           "- deal 3 (data loss allowed)",
                           "- deal.pipeline[main].stage[PREPARATION]"]
    assert record_count(sb, "DEAL_STAGE", "PREPARATION") == 0
    assert _plan(sb, DROP_PREPARATION, allow_destroy=True).changes == ()


def test_empty_stage_needs_only_allow_destroy(sb: Sandbox) -> None:
    plan = _plan(sb, DROP_PREPARATION, allow_destroy=True)
    assert engine.render_text(plan).endswith(
        "Destructive changes:\n"
        "  - deal.pipeline[main].stage[PREPARATION]: holds no deals\n"
        "REST cost: read 2 requests; apply needs ~1 request (~0 s under the rate limit).\n"
        "Plan: 0 to add, 0 to change, 1 to destroy.\n")
    engine.apply(plan, client_of(sb), allow_destroy=True)


def test_cli_stage_with_deals_refused_with_count_and_allowed_with_both_flags(
        tmp_path: Path) -> None:
    state = tmp_path / "sb.json"
    config = write(tmp_path / "cfg" / "main.toml", DROP_PREPARATION)
    seed_records(Sandbox.open(state), "DEAL_STAGE", "PREPARATION", 2)
    common = ("--sandbox-state", str(state), "--auto-approve")
    refused = cli("apply", str(config), *common, "--allow-destroy")
    assert refused.exit_code == 1
    assert "  - deal.pipeline[main].stage[PREPARATION]: holds 2 deals, deleted with it " \
           "(apply also needs --allow-data-loss)\n" in refused.stdout
    assert refused.stderr.splitlines()[-1] == (
        "Error: the plan deletes objects that still hold data: "
        "deal.pipeline[main].stage[PREPARATION] (2 deals); the deals would be deleted with "
        "them: run again with --allow-destroy --allow-data-loss to allow it")
    assert record_count(Sandbox.open(state), "DEAL_STAGE", "PREPARATION") == 2
    done = cli("apply", str(config), *common, "--allow-destroy", "--allow-data-loss")
    assert done.exit_code == 0, done.output
    assert "holds 2 deals, deleted with it\n" in done.stdout
    assert record_count(Sandbox.open(state), "DEAL_STAGE", "PREPARATION") == 0
    again = cli("plan", str(config), "--sandbox-state", str(state), "--detailed-exitcode")
    assert again.exit_code == 0, again.output
