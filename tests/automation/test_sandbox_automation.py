"""The sandbox's automation: app-only type registrations over REST, stage automation only through
the non-Bitrix control surface, and a runbook followed there yields the desired automation."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from automation_seed import seed_stage

import provisioner.sandbox.handlers.automation  # noqa: F401  registers the methods
from provisioner.automation.manual import manual_changes
from provisioner.automation.portal_form import stage_from_portal, stage_to_portal
from provisioner.sandbox import Sandbox, control
from provisioner.sandbox.automation_store import AutomationRefused
from provisioner.sandbox.store import Store

USERS = {"admin@example.com": 1, "boss@example.com": 7}


def call(sb: Sandbox, method: str, params: dict[str, Any], *, app: bool = True) -> requests.Response:
    http = sb.session()
    if app:
        return http.post(sb.endpoint + method, json={**params, "auth": sb.oauth().access_token})
    return http.post(sb.webhook_url + method, json=params)


def test_webhooks_are_refused_by_app_only_methods(sb: Sandbox) -> None:
    for method in ("bizproc.robot.add", "bizproc.robot.list", "crm.automation.trigger.add",
                   "crm.automation.trigger.list"):
        resp = call(sb, method, {"CODE": "x", "NAME": "x"}, app=False)
        assert resp.status_code == 403
        assert resp.json()["error"] == "WRONG_AUTH_TYPE"


def test_app_robot_types_lifecycle(sb: Sandbox) -> None:
    robot = {"CODE": "send.fax", "HANDLER": "https://app.example.com/robot", "NAME": "Факс",
             "PROPERTIES": {"number": {"Name": "Номер", "Type": "string"}}}
    assert call(sb, "bizproc.robot.add", robot).json()["result"] is True
    again = call(sb, "bizproc.robot.add", robot)
    assert (again.status_code, again.json()["error"]) == (400, "ERROR_ACTIVITY_ALREADY_INSTALLED")
    assert call(sb, "bizproc.robot.list", {}).json()["result"] == ["send.fax"]
    assert call(sb, "bizproc.robot.update",
                {"CODE": "send.fax", "FIELDS": {"NAME": "Fax"}}).json()["result"] is True
    assert call(sb, "bizproc.robot.delete", {"CODE": "send.fax"}).json()["result"] is True
    gone = call(sb, "bizproc.robot.delete", {"CODE": "send.fax"}).json()
    assert gone == {"error": "ERROR_ACTIVITY_NOT_FOUND",
                    "error_description": "Activity or Robot not found!"}


@pytest.mark.parametrize(("params", "error", "text"), [
    ({"CODE": "bad code", "HANDLER": "https://a.example", "NAME": "n"},
     "ERROR_ACTIVITY_VALIDATION_FAILURE", "Wrong activity code!"),
    ({"CODE": "c", "HANDLER": "ftp://a.example", "NAME": "n"},
     "ERROR_UNSUPPORTED_PROTOCOL", "Unsupported handler protocol"),
    ({"CODE": "c", "HANDLER": "https://a.example"},
     "ERROR_ACTIVITY_VALIDATION_FAILURE", "Empty activity NAME!"),
    ({"CODE": "c", "HANDLER": "https://a.example", "NAME": "n",
      "PROPERTIES": {"1st": {"Name": "x"}}},
     "ERROR_ACTIVITY_VALIDATION_FAILURE", "Wrong property key 1st!"),
])
def test_robot_add_validation(sb: Sandbox, params: dict[str, Any], error: str, text: str) -> None:
    body = call(sb, "bizproc.robot.add", params).json()
    assert (body["error"], body["error_description"]) == (error, text)


def test_app_trigger_types_add_renames_list_delete(sb: Sandbox) -> None:
    assert call(sb, "crm.automation.trigger.add", {"CODE": "paid", "NAME": "Оплачено"}).json()[
        "result"] is True
    call(sb, "crm.automation.trigger.add", {"CODE": "paid", "NAME": "Оплата получена"})
    assert call(sb, "crm.automation.trigger.list", {}).json()["result"] == [
        {"NAME": "Оплата получена", "CODE": "paid"}]
    wrong = call(sb, "crm.automation.trigger.add", {"CODE": "Paid!", "NAME": "x"}).json()
    assert (wrong["error"], wrong["error_description"]) == ("", "Wrong trigger code!")
    call(sb, "crm.automation.trigger.delete", {"CODE": "paid"})
    missing = call(sb, "crm.automation.trigger.delete", {"CODE": "paid"}).json()
    assert missing["error_description"] == "Trigger not found"


def test_stage_automation_has_no_rest_surface(sb: Sandbox) -> None:
    control.set_stage_robots(sb.store, 2, "NEW", stage_to_portal(seed_stage("NEW"), USERS)[0])
    for method in ("crm.automation.rule.list", "bizproc.automation.robot.list"):
        assert call(sb, method, {}).json()["error"] == "ERROR_METHOD_NOT_FOUND"


def test_runbook_followed_in_the_sandbox_gives_the_desired_automation() -> None:
    store = Store()
    for code, status in (("NEW", "NEW"), ("DATA_COLLECTION", "C1:DATA_COLLECTION"),
                         ("PREPARATION", "PREPARATION"), ("PAYMENT", "PAYMENT")):
        desired = seed_stage(code)
        robots, triggers = stage_to_portal(desired, USERS)
        control.set_stage_robots(store, 2, status, robots)
        control.set_stage_triggers(store, 2, status, triggers)
        live = stage_from_portal(control.stage_robots(store, 2, status),
                                 control.stage_triggers(store, 2, status), USERS)
        assert live == desired
        assert manual_changes("sales", code, desired, live) == []
    stored = control.stage_robots(store, 2, "PREPARATION")[0]
    assert stored["Properties"]["Fields"]["CREATED_BY"] == "user_7"
    assert stored["Name"].startswith("A") and len(stored["Name"]) == 24


def test_portal_rules_of_the_store() -> None:
    store = Store()
    saved = control.set_stage_robots(store, 2, "NEW", [
        {"Type": "CrmControlNotifyActivity", "ExecuteAfterPrevious": 1,
         "Delay": {"type": "after", "value": 120, "valueType": "m"}},
        {"Type": "SocNetMessageActivity", "Delay": {"type": "after", "value": 0}}])
    assert saved[0]["Delay"]["value"] == 2 and saved[0]["Delay"]["valueType"] == "h"
    assert "ExecuteAfterPrevious" not in saved[0]  # the first robot never has it
    assert "Delay" not in saved[1]  # "now" is no delay at all
    control.set_stage_robots(store, 2, "NEW", [])
    assert control.stage_robots(store, 2, "NEW") == []
    control.edit_in_designer(store, 2, "NEW")
    with pytest.raises(AutomationRefused):
        control.set_stage_robots(store, 2, "NEW", [{"Type": "SocNetMessageActivity"}])
