"""Stage robots and stage triggers as the portal stores them, plus apps' robot and trigger types.

bitrix24-automation.md b.2-b.10: one robot template per (document type, stage), created lazily and
kept when emptied; robots in logical form (b.3), identity `Name`; delays canonical (b.4); the
"externally modified" flag refuses robot edits; trigger rows independent, keyed by ID. None of the
stage automation is reachable through the sandbox's Bitrix REST surface; `sandbox/control.py` is
the only way in, standing in for an administrator in the web UI.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from provisioner.sandbox.store import Store

SECTION = "automation"
TEMPLATE_SYSTEM_CODE = "bitrix_bizproc_automation"
AUTO_EXECUTE_AUTOMATION = 8  # CBPDocumentEventType::Automation
_MINUTES = {"i": 1, "h": 60, "d": 1440}


class AutomationRefused(Exception):
    """What the automation screen refuses (e.g. editing an externally modified template)."""


def state(store: Store) -> dict[str, Any]:
    """`templates` (robot templates), `triggers` (stage trigger rows), `app_robots` and
    `app_triggers` (types registered by apps, per client id)."""
    data: dict[str, Any] = store.section(SECTION, {})
    for name, empty in (("templates", []), ("triggers", []), ("app_robots", {}),
                        ("app_triggers", {})):
        data.setdefault(name, copy.deepcopy(empty))
    return data


def document_type(entity_type_id: int) -> list[str]:
    """The bizproc document type triple of a CRM entity type (b.1)."""
    fixed = {1: ["crm", "CCrmDocumentLead", "LEAD"], 2: ["crm", "CCrmDocumentDeal", "DEAL"],
             7: ["crm", "Bitrix\\Crm\\Integration\\BizProc\\Document\\Quote", "QUOTE"],
             31: ["crm", "Bitrix\\Crm\\Integration\\BizProc\\Document\\SmartInvoice",
                  "SMART_INVOICE"]}
    return fixed.get(entity_type_id, ["crm", "Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic",
                                      f"DYNAMIC_{entity_type_id}"])


def find_template(store: Store, entity_type_id: int, status: str) -> dict[str, Any] | None:
    doc = document_type(entity_type_id)
    for tpl in state(store)["templates"]:
        if tpl["DOCUMENT_TYPE"] == doc and tpl["DOCUMENT_STATUS"] == status:
            return dict(tpl)
    return None


def _template(store: Store, entity_type_id: int, status: str, user_id: int) -> dict[str, Any]:
    """The stage's template, created on first save (b.10 invariant 1)."""
    doc = document_type(entity_type_id)
    for tpl in state(store)["templates"]:
        if tpl["DOCUMENT_TYPE"] == doc and tpl["DOCUMENT_STATUS"] == status:
            return dict(tpl)
    tpl = {"ID": store.next_id("bizproc_template"), "MODULE_ID": doc[0], "ENTITY": doc[1],
           "DOCUMENT_TYPE": doc, "DOCUMENT_STATUS": status,
           "AUTO_EXECUTE": AUTO_EXECUTE_AUTOMATION, "SYSTEM_CODE": TEMPLATE_SYSTEM_CODE,
           "NAME": f"Robot template for status {status}", "PARAMETERS": [], "CONSTANTS": [],
           "VARIABLES": [], "IS_EXTERNAL_MODIFIED": False, "ACTIVE": "Y", "USER_ID": user_id,
           "ROBOTS": []}
    state(store)["templates"].append(tpl)
    return dict(tpl)


def save_robots(store: Store, entity_type_id: int, status: str, robots: list[dict[str, Any]],
                user_id: int = 1) -> list[dict[str, Any]]:
    """Replace the stage's robots, as the automation screen's «Сохранить» does."""
    with store.lock:
        tpl = _template(store, entity_type_id, status, user_id)
        if tpl["IS_EXTERNAL_MODIFIED"]:
            raise AutomationRefused("the robot template was modified in the business process "
                                    "designer; robots cannot be edited here")
        canon = [_canonical_robot(robot, n) for n, robot in enumerate(robots)]
        _replace_template(store, tpl["ID"], {"ROBOTS": canon, "USER_ID": user_id})
        return copy.deepcopy(canon)


def mark_external_modified(store: Store, entity_type_id: int, status: str) -> None:
    """What editing the template in the BP designer does: its robots vanish from the screen."""
    with store.lock:
        tpl = _template(store, entity_type_id, status, 1)
        _replace_template(store, tpl["ID"], {"IS_EXTERNAL_MODIFIED": True})


def _replace_template(store: Store, template_id: int, changes: dict[str, Any]) -> None:
    for tpl in state(store)["templates"]:
        if tpl["ID"] == template_id:
            tpl.update(changes)


def _canonical_robot(robot: dict[str, Any], position: int) -> dict[str, Any]:
    if not isinstance(robot.get("Type"), str) or not robot["Type"]:
        raise AutomationRefused("a robot needs its activity Type")
    out: dict[str, Any] = {"Name": robot.get("Name") or _activity_name(),
                           "Type": robot["Type"], "Activated": robot.get("Activated", "Y"),
                           "Properties": copy.deepcopy(robot.get("Properties", {}))}
    delay = _canonical_delay(robot.get("Delay"))
    if delay is not None:
        out["Delay"] = delay
        out["DelayName"] = robot.get("DelayName") or _activity_name()
    cond = robot.get("Condition")
    if cond and cond.get("items"):
        out["Condition"] = copy.deepcopy(cond)
    # The first robot of a stage never runs "after previous" (b.3).
    if robot.get("ExecuteAfterPrevious") and position > 0:
        out["ExecuteAfterPrevious"] = 1
    return out


def _canonical_delay(delay: dict[str, Any] | None) -> dict[str, Any] | None:
    """Minutes -> hours -> days, `m` read as `i`, and "now" means no delay at all (b.4)."""
    if not delay:
        return None
    unit = {"m": "i"}.get(delay.get("valueType", "i"), delay.get("valueType", "i"))
    minutes = int(delay.get("value", 0)) * _MINUTES[unit]
    value, unit = (minutes // 1440, "d") if minutes and minutes % 1440 == 0 else \
        (minutes // 60, "h") if minutes and minutes % 60 == 0 else (minutes, "i")
    out = {"type": delay.get("type", "after"), "value": value, "valueType": unit,
           "basis": delay.get("basis", "{=System:Now}"), "workTime": bool(delay.get("workTime")),
           "waitWorkDay": bool(delay.get("waitWorkDay")), "inTime": delay.get("inTime")}
    is_now = (out["type"] == "after" and value == 0 and out["basis"] == "{=System:Now}"
              and not out["workTime"] and not out["waitWorkDay"] and not out["inTime"])
    return None if is_now else out


def _activity_name() -> str:
    """`A#####_#####_#####_#####` as Robot::generateName makes them."""
    return "A" + "_".join(f"{secrets.randbelow(100000):05d}" for _ in range(4))


def robots(store: Store, entity_type_id: int, status: str) -> list[dict[str, Any]]:
    """The robots the screen shows; none when the template is externally modified."""
    tpl = find_template(store, entity_type_id, status)
    if tpl is None or tpl["IS_EXTERNAL_MODIFIED"]:
        return []
    return copy.deepcopy(list(tpl["ROBOTS"]))


def save_triggers(store: Store, entity_type_id: int, status: str,
                  rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace the trigger rows bound to a stage (Target::setTriggers); each gets a new ID."""
    with store.lock:
        data = state(store)
        kept = [r for r in data["triggers"]
                if not (r["ENTITY_TYPE_ID"] == entity_type_id and r["ENTITY_STATUS"] == status)]
        new = [{"ID": store.next_id("crm_automation_trigger"), "NAME": str(r["NAME"]),
                "CODE": str(r["CODE"]), "ENTITY_TYPE_ID": entity_type_id,
                "ENTITY_STATUS": status, "APPLY_RULES": copy.deepcopy(r.get("APPLY_RULES"))}
               for r in rows]
        data["triggers"] = kept + new
        return copy.deepcopy(new)


def triggers(store: Store, entity_type_id: int, status: str) -> list[dict[str, Any]]:
    return [copy.deepcopy(r) for r in state(store)["triggers"]
            if r["ENTITY_TYPE_ID"] == entity_type_id and r["ENTITY_STATUS"] == status]
