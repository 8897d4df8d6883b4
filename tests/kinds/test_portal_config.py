"""The whole portal-config/ on a fresh sandbox: it converges (only the manual items stay, as
manual), the CLI's --detailed-exitcode says 0, and export then plan shows no changes (manual
items are not exported: the portal cannot report them)."""

from __future__ import annotations

from pathlib import Path

from helpers import CONFIG, run
from kinds_support import converge, plan

from provisioner import engine
from provisioner.client import BitrixClient

# the companion app's bindings (a webhook cannot make them), then the field's required_from
MANUAL = ["app.event[ONTASKUPDATE]", "app.placement[CALL_CARD]",
          "deal.field[EQUIPMENT_TYPE].required_from[sales]"]
ROBOTS = ["deal.pipeline[sales].stage[NEW].robot[1]", "deal.pipeline[sales].stage[NEW].robot[2]",
          "deal.pipeline[sales].stage[DATA_COLLECTION].trigger[OPENLINE_ANSWER]",
          "deal.pipeline[sales].stage[PREPARATION].robot[1]",
          "deal.pipeline[sales].stage[PREPAYMENT_INVOICE].robot[1]"]  # kinds/automation.py


def test_portal_config_converges_and_exports_round_trip(tmp_path: Path,
                                                        client: BitrixClient) -> None:
    desired = engine.load_desired(CONFIG)
    again = converge(client, desired)
    assert [(str(c.address), c.action) for c in again.changes] == [
        (a, engine.Action.MANUAL) for a in [*MANUAL, *ROBOTS]]
    assert not again.has_actionable
    engine.export(engine.read_live(client), tmp_path)
    exported = engine.load_desired(tmp_path)
    assert plan(client, exported).changes == ()
    fields = (tmp_path / "fields.toml").read_text("utf-8")
    assert 'xml_id = "krupnoe"' in fields and "required_from =" not in fields


def test_seed_company_status_and_vip_on_the_portal(client: BitrixClient) -> None:
    converge(client, engine.load_desired(CONFIG))
    rows = client.call("crm.company.userfield.list", {}).result
    status = next(r for r in rows if r["FIELD_NAME"] == "UF_CRM_COMPANY_STATUS")
    assert [(i["VALUE"], i["XML_ID"], i["DEF"]) for i in status["LIST"]] == [
        ("В ожидании", "waiting", "Y"), ("В обработке", "processing", "N"),
        ("В работе", "in_work", "N")]
    vip = client.call("crm.contact.userfield.list", {}).result
    assert [(r["FIELD_NAME"], r["USER_TYPE_ID"]) for r in vip] == [("UF_CRM_VIP", "boolean")]


def test_cli_detailed_exitcode_is_0_with_only_manual_items(state: Path) -> None:
    done = run(state, "apply", str(CONFIG), "--auto-approve")
    assert done.exit_code == 0, done.output
    again = run(state, "plan", str(CONFIG), "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "! deal.field[EQUIPMENT_TYPE].required_from[sales]" in again.output
    assert "Plan: 0 to add, 0 to change, 0 to destroy, 8 manual." in again.output
