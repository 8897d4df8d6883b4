"""Residue of a stopped apply: the stages the portal made with a deal pipeline that an apply
created (stamped `provision:unfinished`) and stopped before reconciling are deleted without
--allow-destroy, only while they hold no deals and are as the portal made them; everything else
a config leaves out still needs consent (kinds/statuses/deal_new.py, engine/records.py).
The interrupted apply itself: tests/reliability/test_faults.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import cli, client_of, write
from safety_helpers import record_count, seed_records

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.engine import planfile
from provisioner.engine.planfile import StalePlan
from provisioner.engine.render import plan_document
from provisioner.engine.records import count_records
from provisioner.sandbox import Sandbox

HR = """\
[deal.pipelines.hr]
name = "Кандидаты"
stages = [
    { code = "NEW", name = "Новая" },
    { code = "WON", name = "Принят", semantics = "success" },
    { code = "LOSE", name = "Отказ", semantics = "failure" },
]
"""
DEFAULTS = ("NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON",
            "LOSE", "APOLOGY")
MADE = ("PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "APOLOGY")
REASON = ("made by the portal with this pipeline when an earlier apply created it and stopped "
          "before reconciling its stages; still as the portal made it: deleted without "
          "--allow-destroy while it holds no deals")
HEAD = ("Residue of a stopped apply, deleted without --allow-destroy (only while it holds no "
        "records; apply counts them again first):")
UNMANAGED = "not in the desired state; would be deleted with --allow-destroy"
STAGES = {"PREPARATION": ("Document preparation", "#2FC6F6", "process", 20),
          "PREPAYMENT_INVOICE": ("Prepayment invoice", "#55D0E0", "process", 30),
          "EXECUTING": ("In progress", "#47E4C2", "process", 40),
          "FINAL_INVOICE": ("Final invoice", "#FFA900", "process", 50),
          "APOLOGY": ("Failure reason analysis", "#FF5752", "failure", 80)}


def made(client: BitrixClient, originator: str = "provision:unfinished") -> int:
    """Pipeline `hr` made as an apply makes it (`provision:unfinished`: one that stopped before
    reconciling its stages; "provision": a pipeline made by hand that provision stamped when it
    updated it, deal_match.py; "": made by hand, matched by its name); its id."""
    fields = {"name": "Кандидаты", **({"originatorId": originator, "originId": "hr"}
                                        if originator else {})}
    answer = client.call("crm.category.add", {"entityTypeId": 2, "fields": fields})
    return int(answer.result["category"]["id"])


def stage(client: BitrixClient, entity: str, code: str) -> dict[str, Any]:
    prefix = "" if entity == "DEAL_STAGE" else f"C{entity.rsplit('_', 1)[1]}:"
    rows = client.call("crm.status.list", {"filter": {"ENTITY_ID": entity,
                                                      "STATUS_ID": prefix + code}}).result
    assert len(rows) == 1
    return dict(rows[0])


def change_stage(client: BitrixClient, entity: str, code: str, **fields: Any) -> None:
    """What a person does in the portal's stage editor (NAME and SORT always travel together,
    docs/portal-rules.md#status-rules)."""
    row = stage(client, entity, code)
    client.call("crm.status.update", {"id": row["ID"], "fields": {
        "NAME": row["NAME"], "SORT": row["SORT"], **fields}})


def codes(client: BitrixClient, category: int) -> list[str]:
    rows = client.call("crm.status.list", {"filter": {"ENTITY_ID": f"DEAL_STAGE_{category}"}})
    return [str(r["STATUS_ID"]).split(":", 1)[1] for r in rows.result]


def originator(client: BitrixClient, category: int) -> str:
    answer = client.call("crm.category.get", {"entityTypeId": 2, "id": category})
    return str(answer.result["category"]["originatorId"])


def counted(client: BitrixClient, text: str = HR, allow: bool = False) -> engine.Plan:
    """The plan as the workspace shows it: records counted (engine/records.py)."""
    plan = engine.make_plan(engine.load_text(text), engine.read_live(client),
                            engine.PlanOptions(allow))
    return count_records(plan, client)


def deleted(code: str) -> str:
    name, color, semantics, sort = STAGES[code]
    return (f"  - deal.pipeline[hr].stage[{code}]\n"
            f'      name:      "{name}"\n'
            f'      color:     "{color}"\n'
            f'      semantics: "{semantics}"\n'
            f"      sort:      {sort}\n")


def residue_text(*codes_: str) -> str:
    return "".join(deleted(c) + f"      # {REASON}\n" for c in codes_)


def notes(plan: engine.Plan) -> list[str]:
    return [f"{n.address}: {n.reason}" for n in plan.notes if n.address.depth == 2]


UPDATES = (
    "  ~ deal.pipeline[hr]\n"
    '      originator: "provision:unfinished" -> "provision"\n'
    "      # an earlier apply created this pipeline and stopped before reconciling its stages "
    "(stamped provision:unfinished): this apply reconciles them, then stamps it provision\n"
    "  ~ deal.pipeline[hr].stage[NEW]\n"
    '      name: "New" -> "Новая"\n'
    "  ~ deal.pipeline[hr].stage[WON]\n"
    '      name: "Deal successful" -> "Принят"\n'
    "  ~ deal.pipeline[hr].stage[LOSE]\n"
    '      name: "Deal failed" -> "Отказ"\n')


def test_residue_is_deleted_without_allow_destroy_then_the_pipeline_stamped(
        sb: Sandbox) -> None:
    client = client_of(sb)
    hr = made(client)
    assert engine.render_text(counted(client)) == (
        UPDATES + residue_text(*MADE) +
        "Left alone:\n"
        "  # deal.pipeline[default]: kept by the portal (system or default), never deleted\n"
        f"{HEAD}\n" + "".join(f"  - deal.pipeline[hr].stage[{c}]: holds no deals\n"
                              for c in MADE) +
        "REST cost: read 2 requests; apply needs ~1 request (~0 s under the rate limit).\n"
        "Plan: 0 to add, 4 to change, 5 to destroy.\n")
    doc = plan_document(counted(client))
    assert doc["destructive"] == [] and doc["residue"] == [
        {"address": f"deal.pipeline[hr].stage[{c}]", "records": {"count": 0, "noun": "deals"}}
        for c in MADE]
    assert {c["reason_data"]["code"] for c in doc["changes"] if c["action"] == "delete"} == {
        "residue_of_stopped_apply"}
    report = engine.apply(counted(client), client)  # no --allow-destroy
    assert report.done[-1] == "~ deal.pipeline[hr]"  # stamped after its stages' writes
    assert report.summary().startswith("Apply complete: 0 added, 4 changed, 5 destroyed")
    assert codes(client, hr) == ["NEW", "WON", "LOSE"]
    assert originator(client, hr) == "provision"
    assert counted(client).changes == ()


def test_the_cli_applies_residue_without_allow_destroy(tmp_path: Path) -> None:
    state = tmp_path / "sb.json"
    hr = made(client_of(Sandbox.open(state)))
    config = write(tmp_path / "cfg" / "hr.toml", HR)
    planned = cli("plan", str(config), "--sandbox-state", str(state), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert f"{HEAD}\n  - deal.pipeline[hr].stage[PREPARATION]: holds no deals\n" in planned.stdout
    applied = cli("apply", str(config), "--sandbox-state", str(state), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.endswith("~ deal.pipeline[hr]\nApply complete: 0 added, 4 changed, "
                                   "5 destroyed (9 calls in 1 request).\n")
    assert codes(client_of(Sandbox.open(state)), hr) == ["NEW", "WON", "LOSE"]
    again = cli("plan", str(config), "--sandbox-state", str(state), "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_a_residue_stage_holding_deals_needs_consent_as_any_deletion(tmp_path: Path) -> None:
    """PREPARATION holds deals (people used the half-made pipeline): not residue. Without
    --allow-destroy it is left alone (a note, as before); with it, the deletion is destructive
    and its deals need --allow-data-loss; the empty ones are residue all the same."""
    state = tmp_path / "sb.json"
    hr = made(client_of(Sandbox.open(state)))
    seed_records(Sandbox.open(state), f"DEAL_STAGE_{hr}", f"C{hr}:PREPARATION", 2)
    config = write(tmp_path / "cfg" / "hr.toml", HR)
    at = ("--sandbox-state", str(state))
    plan = counted(client_of(Sandbox.open(state)))
    assert notes(plan) == [f"deal.pipeline[hr].stage[PREPARATION]: {UNMANAGED}"]
    assert [str(c.address) for c in plan.residue] == [
        f"deal.pipeline[hr].stage[{c}]" for c in MADE if c != "PREPARATION"]
    refused = cli("apply", str(config), *at, "--auto-approve", "--allow-destroy")
    assert refused.exit_code == 1
    assert deleted("PREPARATION").replace(
        "stage[PREPARATION]\n", "stage[PREPARATION] (destructive)\n") in refused.stdout
    assert ("Destructive changes:\n"
            "  - deal.pipeline[hr].stage[PREPARATION]: holds 2 deals, deleted with it "
            "(apply also needs --allow-data-loss)\n" + HEAD) in refused.stdout
    assert refused.stderr.splitlines()[-1] == (
        "Error: the plan deletes objects that still hold data: "
        "deal.pipeline[hr].stage[PREPARATION] (2 deals); the deals would be deleted with them: "
        "run again with --allow-destroy --allow-data-loss to allow it")
    client = client_of(Sandbox.open(state))
    assert codes(client, hr) == list(DEFAULTS)  # nothing written
    assert originator(client, hr) == "provision:unfinished"
    applied = cli("apply", str(config), *at, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert f"  # deal.pipeline[hr].stage[PREPARATION]: {UNMANAGED}\n" in applied.stdout
    client = client_of(Sandbox.open(state))
    assert codes(client, hr) == ["NEW", "PREPARATION", "WON", "LOSE"]
    assert record_count(Sandbox.open(state), f"DEAL_STAGE_{hr}", f"C{hr}:PREPARATION") == 2
    assert originator(client, hr) == "provision"
    assert notes(counted(client)) == [f"deal.pipeline[hr].stage[PREPARATION]: {UNMANAGED}"]


@pytest.mark.parametrize("stamp", ["", "provision"])
def test_default_stages_of_a_pipeline_made_by_hand_need_consent(sb: Sandbox,
                                                                stamp: str) -> None:
    """A pipeline a person made (matched by its name), or one provision stamped when it
    updated it (deal_match.py: `moved_from`, a new SORT): its default stages are the person's,
    not residue, even empty and as the portal made them."""
    client = client_of(sb)
    hr = made(client, stamp)
    plan = counted(client)
    assert plan.residue == () and plan.destructive == ()
    assert notes(plan) == [f"deal.pipeline[hr].stage[{c}]: {UNMANAGED}" for c in sorted(MADE)]
    assert [f"{c.action.symbol} {c.address}" for c in plan.changes] == [
        f"~ deal.pipeline[hr].stage[{c}]" for c in ("NEW", "WON", "LOSE")]
    engine.apply(plan, client)
    assert codes(client, hr) == list(DEFAULTS)
    allowed = counted(client, allow=True)
    assert [(str(c.address), c.destructive) for c in allowed.changes] == [
        (f"deal.pipeline[hr].stage[{c}]", True) for c in MADE]


def test_a_default_stage_a_person_changed_is_not_residue(sb: Sandbox) -> None:
    """Renamed, recoloured or moved in the half-made pipeline: left alone without
    --allow-destroy. A name is the portal's when it is the English one or the one the default
    pipeline gives that code (the portal names them in its language): a stage named in Russian
    as the default pipeline names it is residue until that pipeline names it otherwise."""
    client = client_of(sb)
    hr = made(client)
    entity = f"DEAL_STAGE_{hr}"
    change_stage(client, entity, "PREPARATION", NAME="Документы")
    change_stage(client, entity, "EXECUTING", COLOR="#000000")
    change_stage(client, entity, "FINAL_INVOICE", SORT=55)
    for where in (entity, "DEAL_STAGE"):  # as a portal in Russian names it
        change_stage(client, where, "APOLOGY", NAME="Анализ причины провала")
    plan = counted(client)
    assert [str(c.address) for c in plan.residue] == [
        "deal.pipeline[hr].stage[PREPAYMENT_INVOICE]", "deal.pipeline[hr].stage[APOLOGY]"]
    assert notes(plan) == [f"deal.pipeline[hr].stage[{c}]: {UNMANAGED}"
                           for c in ("EXECUTING", "FINAL_INVOICE", "PREPARATION")]
    change_stage(client, "DEAL_STAGE", "APOLOGY", NAME="Анализ")  # renamed there by a config
    plan = counted(client)
    assert [str(c.address) for c in plan.residue] == [
        "deal.pipeline[hr].stage[PREPAYMENT_INVOICE]"]
    engine.apply(plan, client)
    assert codes(client, hr) == ["NEW", "PREPARATION", "EXECUTING", "FINAL_INVOICE", "WON",
                                 "LOSE", "APOLOGY"]


def test_a_stage_dropped_from_a_reconciled_pipeline_needs_consent(sb: Sandbox) -> None:
    """A pipeline provision made and reconciled (stamped `provision`): a stage its config no
    longer names is a deletion needing --allow-destroy, whether its code is one of the portal's
    (PREPARATION, named as the portal names it) or not (CALL)."""
    client = client_of(sb)
    before = HR.replace('    { code = "WON"', '    { code = "CALL", name = "Звонок" },\n'
                        '    { code = "PREPARATION", name = "Document preparation", '
                        'color = "#2FC6F6" },\n    { code = "WON"')
    engine.apply(counted(client, before), client)
    plan = counted(client)
    assert plan.changes == () and plan.residue == ()
    assert notes(plan) == [f"deal.pipeline[hr].stage[{c}]: {UNMANAGED}"
                           for c in ("CALL", "PREPARATION")]
    assert engine.render_text(counted(client, allow=True)).endswith(
        "Destructive changes:\n"
        "  - deal.pipeline[hr].stage[CALL]: holds no deals\n"
        "  - deal.pipeline[hr].stage[PREPARATION]: holds no deals\n"
        "REST cost: read 2 requests; apply needs ~1 request (~0 s under the rate limit).\n"
        "Plan: 0 to add, 0 to change, 2 to destroy.\n")
    with pytest.raises(engine.DestroyRefused):
        engine.apply(counted(client, allow=True), client)


def test_residue_that_gained_deals_since_the_plan_is_not_deleted(sb: Sandbox) -> None:
    """Apply counts the records again after its re-read: a stage that gained deals since the
    plan refuses the plan, nothing written (the same for a plan counted by nobody)."""
    client = client_of(sb)
    hr = made(client)
    shown = counted(client)
    uncounted = engine.make_plan(engine.load_text(HR), engine.read_live(client))
    seed_records(sb, f"DEAL_STAGE_{hr}", f"C{hr}:EXECUTING", 1)
    stale = ("plan is stale: what the plan deleted as residue of a stopped apply holds records "
             "now, so it is deleted only with --allow-destroy, as any other deletion:\n"
             "  deal.pipeline[hr].stage[EXECUTING]: 1 deal\n"
             "Nothing was applied: plan again and review the new plan.")
    for plan in (shown, uncounted):
        with pytest.raises(StalePlan) as refused:
            engine.apply(plan, client)
        assert str(refused.value) == stale
    with pytest.raises(StalePlan) as refused:  # re-read by the caller, counted by nobody
        engine.apply(uncounted, client, reread=False)
    assert str(refused.value) == stale
    assert codes(client, hr) == list(DEFAULTS)
    assert originator(client, hr) == "provision:unfinished"


def saved_plan(tmp_path: Path) -> tuple[Path, int, Path, tuple[str, str]]:
    """A sandbox with an unfinished pipeline `hr`, and `plan --out` of HR against it: the
    state file, the pipeline's id, the plan file, the sandbox options."""
    state = tmp_path / "sb.json"
    hr = made(client_of(Sandbox.open(state)))
    config = write(tmp_path / "cfg" / "hr.toml", HR)
    out = tmp_path / "plan.json"
    at = ("--sandbox-state", str(state))
    assert cli("plan", str(config), *at, "--out", str(out)).exit_code == 0
    return state, hr, out, at


def test_a_saved_plan_carries_its_residue_and_applies_without_allow_destroy(
        tmp_path: Path) -> None:
    state, hr, out, at = saved_plan(tmp_path)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["plan"]["residue"] == [
        {"address": f"deal.pipeline[hr].stage[{c}]", "records": {"count": 0, "noun": "deals"}}
        for c in MADE]
    assert {f"deal.pipeline[hr].stage[{c}]": 0 for c in MADE}.items() <= {
        a: v.get("records") for a, v in doc["snapshot"].items()}.items()
    saved = planfile.load(out)
    assert [(c["address"], c["reason_data"], c["destructive"]) for c in saved.changes
            if c["action"] == "delete"] == [(f"deal.pipeline[hr].stage[{c}]",
                                             {"code": "residue_of_stopped_apply"}, False)
                                            for c in MADE]
    applied = cli("apply", str(out), *at)  # no --allow-destroy, none recorded in the plan
    assert applied.exit_code == 0, applied.output
    assert codes(client_of(Sandbox.open(state)), hr) == ["NEW", "WON", "LOSE"]


def test_a_saved_plan_whose_residue_gained_deals_is_stale(tmp_path: Path) -> None:
    state, hr, out, at = saved_plan(tmp_path)
    seed_records(Sandbox.open(state), f"DEAL_STAGE_{hr}", f"C{hr}:APOLOGY", 3)
    refused = cli("apply", str(out), *at)
    assert refused.exit_code == 1
    assert refused.stderr.endswith(
        "Error: plan is stale: the portal changed since the plan was made "
        "(portal then -> portal now):\n"
        "  ~ deal.pipeline[hr].stage[APOLOGY]\n"
        "      records: 0 -> 3\n"
        "Run `provision plan --out FILE` again and review the new plan.\n")
    assert codes(client_of(Sandbox.open(state)), hr) == list(DEFAULTS)


class DealsArrive:
    """A client through which deals land in a stage right before the first write batch: after
    apply counted them, before its delete (the window no count closes)."""

    def __init__(self, client: BitrixClient, sb: Sandbox, entity: str, status: str) -> None:
        self.client, self.sb, self.where = client, sb, (entity, status)

    def batch(self, calls: Any, halt: bool = False, rows: Any = None) -> Any:
        if self.where and any(m == "crm.status.delete" for m, _ in dict(calls).values()):
            seed_records(self.sb, *self.where, 1)
            self.where = ()
        return self.client.batch(calls, halt=halt, rows=rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def test_the_portal_refuses_a_residue_stage_that_gained_deals_after_the_count(
        sb: Sandbox) -> None:
    """The last defence: crm.status.delete refuses a stage that holds records ("There are active
    items in this status.", crm-status-delete.md): apply stops, the deal stays."""
    client = client_of(sb)
    hr = made(client)
    arriving = DealsArrive(client, sb, f"DEAL_STAGE_{hr}", f"C{hr}:PREPARATION")
    with pytest.raises(engine.ApplyFailed) as stopped:
        engine.apply(counted(client), arriving)
    assert str(stopped.value).splitlines()[0] == (
        "apply stopped: - deal.pipeline[hr].stage[PREPARATION]: batch command 'r1_0_0' "
        "(crm.status.delete): (no code): There are active items in this status.")
    assert record_count(sb, f"DEAL_STAGE_{hr}", f"C{hr}:PREPARATION") == 1
    assert "PREPARATION" in codes(client, hr)
    assert originator(client, hr) == "provision:unfinished"
