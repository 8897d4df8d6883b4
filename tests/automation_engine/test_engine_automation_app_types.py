"""The app's own robot and trigger types: reconciled with an application (OAuth) token against
the sandbox (plan, apply, plan = no changes, rename, delete with consent); with a webhook the plan
says plainly that they need an app token, and apply sends nothing."""

from __future__ import annotations

from pathlib import Path

from helpers import CONFIG, run

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.sandbox import Sandbox

APP = """\
[app.robots."send.fax"]
name = "Отправить факс"
handler = "https://fax.example.com/robot"
use_subscription = true
properties.number = { name = "Номер", type = "string", required = true }
return_properties.sent = { name = "Отправлен", type = "bool" }

[app.triggers.invoice_paid]
name = "Счёт оплачен"
"""
FIRST_PLAN = """\
  + app.robot[send.fax]
      name:    "Отправить факс"
      handler: "https://fax.example.com/robot"
  + app.trigger[invoice_paid]
      name: "Счёт оплачен"
REST cost: read 2 requests; apply needs ~1 request (~0 s under the rate limit).
Plan: 2 to add, 0 to change, 0 to destroy.
"""
WEBHOOK = ("app robot and trigger types need an application (OAuth) token; this portal "
           "connection is a webhook, which the portal refuses for bizproc.robot.* and "
           "crm.automation.trigger.* (WRONG_AUTH_TYPE): nothing was read or will be written; "
           "connect with the app's OAuth token to reconcile them")


def app_client(sb: Sandbox) -> BitrixClient:
    creds = sb.oauth()
    return BitrixClient.from_oauth(creds.client_endpoint, creds.access_token,
                                   creds.refresh_token, creds.client_id, creds.client_secret,
                                   session=sb.session())


def plan(client: BitrixClient, text: str, allow: bool = False) -> engine.Plan:
    return engine.make_plan(engine.load_text(text), engine.read_live(client),
                            engine.PlanOptions(allow))


def test_plan_apply_then_no_changes_with_an_app_token(sb: Sandbox) -> None:
    client = app_client(sb)
    first = plan(client, APP)
    assert engine.render_text(first) == FIRST_PLAN
    report = engine.apply(first, client)
    assert report.done == ["+ app.robot[send.fax]", "+ app.trigger[invoice_paid]"]
    assert engine.render_text(plan(client, APP)) == (
        "REST cost: read 2 requests; apply needs no request.\n"
        "No changes. The portal matches the desired state.\n")
    assert client.call("bizproc.robot.list", {}).result == ["send.fax"]
    assert client.call("crm.automation.trigger.list", {}).result == [
        {"NAME": "Счёт оплачен", "CODE": "invoice_paid"}]
    stored = sb.store.data["automation"]["app_robots"][sb.oauth().client_id]["send.fax"]
    assert (stored["USE_SUBSCRIPTION"], stored["PROPERTIES"], stored["RETURN_PROPERTIES"]) == (
        "Y", {"number": {"Name": "Номер", "Type": "string", "Required": "Y"}},
        {"sent": {"Name": "Отправлен", "Type": "bool"}})


def test_rename_and_delete_with_consent(sb: Sandbox) -> None:
    client = app_client(sb)
    engine.apply(plan(client, APP), client)
    renamed = plan(client, APP.replace("Счёт оплачен", "Оплата получена"))
    assert engine.render_text(renamed) == (
        "  ~ app.trigger[invoice_paid]\n"
        '      name: "Счёт оплачен" -> "Оплата получена"\n'
        "REST cost: read 2 requests; apply needs ~1 request (~0 s under the rate limit).\n"
        "Plan: 0 to add, 1 to change, 0 to destroy.\n")
    engine.apply(renamed, client)
    assert client.call("crm.automation.trigger.list", {}).result == [
        {"NAME": "Оплата получена", "CODE": "invoice_paid"}]

    only_trigger = APP.split("[app.triggers")[0]
    kept = plan(client, only_trigger)
    assert [(str(n.address), n.reason) for n in kept.notes] == [
        ("app.trigger[invoice_paid]",
         "not in the desired state; would be deleted with --allow-destroy")]
    dropped = plan(client, only_trigger, allow=True)
    assert [(str(c.address), c.action, c.destructive) for c in dropped.changes] == [
        ("app.trigger[invoice_paid]", engine.Action.DELETE, True)]
    engine.apply(dropped, client, allow_destroy=True)
    assert client.call("crm.automation.trigger.list", {}).result == []


def test_a_webhook_is_told_plainly_and_nothing_is_sent(tmp_path: Path) -> None:
    config = tmp_path / "app.toml"
    config.write_text(APP, encoding="utf-8")
    state = tmp_path / "sandbox.json"
    planned = run(state, "plan", str(config), "--detailed-exitcode")
    assert planned.exit_code == 0
    assert planned.stdout == (
        "  ! app.robot[send.fax]\n"
        '      name: (none) -> "Отправить факс"\n'
        f"      # {WEBHOOK}\n"
        "  ! app.trigger[invoice_paid]\n"
        '      name: (none) -> "Счёт оплачен"\n'
        f"      # {WEBHOOK}\n"
        "Manual changes (!) are never applied: carry them out on the portal (`provision runbook` "
        "writes the steps for robots, triggers and required_from rules), then record it with "
        "`provision attest`.\n"
        "REST cost: read 1 request; apply needs no request.\n"
        "Plan: 0 to add, 0 to change, 0 to destroy, 2 manual.\n")
    applied = run(state, "apply", str(config), "--auto-approve")
    assert applied.exit_code == 0
    assert "Apply complete" not in applied.stdout  # nothing to send
    assert app_client(Sandbox.open(state)).call("bizproc.robot.list", {}).result == []


def test_steps_follow_the_portal_language_from_app_info(sb: Sandbox) -> None:
    """The sandbox app's `app.info` says LANGUAGE_ID "en": the steps are in English there
    (a webhook's app.info names no language: Russian, the default)."""
    client = app_client(sb)
    desired = engine.load_desired(CONFIG)
    found = engine.make_plan(desired, engine.read_live(client))
    robot = next(c for c in found.changes
                 if str(c.address) == "deal.pipeline[sales].stage[NEW].robot[1]")
    assert robot.reason.splitlines()[:2] == [
        "Add the automation rule “Контроль скорости реакции” to the stage “Новая”:",
        "  1. Open “CRM” → “Deals”, select the pipeline “Продажи” and click “Automation rules”."]
