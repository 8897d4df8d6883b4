"""The model in the portal's logical form (b.3 robots, b.7 trigger rows) and back.

Used only with the sandbox's control surface (tests, demos, the runbook "followed" check): the real
portal offers no way to read or write this form over REST. Users travel as `user_<id>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from provisioner.automation.model import (
    NOW_BASIS,
    Condition,
    ConditionItem,
    Delay,
    DelayKind,
    Robot,
    StageAutomation,
    Trigger,
)

_EMAIL = re.compile(r"^[^@\s{}]+@[^@\s{}]+\.[^@\s{}]+$")
_USER_ID = re.compile(r"^user_(\d+)$")
_FIELD_EXPR = re.compile(r"^\{=Document:([A-Za-z0-9_.]+)\}$")


def _map_strings(value: Any, fn: Any) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_map_strings(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings(v, fn) for k, v in value.items()}
    return value


def _to_ids(users: Mapping[str, int]) -> Any:
    return lambda s: f"user_{users[s.lower()]}" if _EMAIL.match(s) else s


def _to_emails(users: Mapping[str, int]) -> Any:
    by_id = {uid: email for email, uid in users.items()}
    return lambda s: by_id.get(int(m.group(1)), s) if (m := _USER_ID.match(s)) else s


def condition_to_portal(cond: Condition | None) -> dict[str, Any] | None:
    """Groups -> the flat item list; a joiner links an item to the next one (b.5)."""
    if cond is None:
        return None
    items = []
    for g, group in enumerate(cond.groups):
        for i, item in enumerate(group):
            last_in_group = i == len(group) - 1 and g < len(cond.groups) - 1
            items.append([{"object": "Document", "field": item.field,
                           "operator": item.operator, "value": item.value},
                          "OR" if last_in_group else "AND"])
    return {"type": "mixed", "items": items}


def condition_from_portal(data: dict[str, Any] | None) -> Condition | None:
    if not data or not data.get("items"):
        return None
    groups: list[list[ConditionItem]] = [[]]
    for item, joiner in data["items"]:
        groups[-1].append(ConditionItem(item["field"], item["operator"], str(item["value"])))
        if joiner == "OR":
            groups.append([])
    return Condition(tuple(tuple(g) for g in groups if g))


def delay_to_portal(delay: Delay) -> dict[str, Any]:
    basis = NOW_BASIS if delay.basis is None else f"{{=Document:{delay.basis}}}"
    return {"type": "in" if delay.kind == "at" else delay.kind, "value": delay.amount,
            "valueType": delay.unit, "basis": basis, "workTime": delay.work_time,
            "waitWorkDay": False, "inTime": list(delay.at_time) if delay.at_time else None}


def delay_from_portal(data: dict[str, Any] | None) -> Delay | None:
    if not data:
        return None
    match = _FIELD_EXPR.match(data.get("basis") or NOW_BASIS)
    in_time = data.get("inTime")
    kind: DelayKind = {"in": "at", "before": "before"}.get(data["type"], "after")  # type: ignore[assignment]
    return Delay(kind, int(data.get("value", 0)), data.get("valueType", "i"),
                 match.group(1) if match else None, bool(data.get("workTime")),
                 (int(in_time[0]), int(in_time[1])) if in_time else None)


def robot_to_portal(robot: Robot, users: Mapping[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {"Type": robot.type, "Activated": "Y" if robot.activated else "N",
                           "Properties": {"Title": robot.title,
                                          **_map_strings(robot.properties, _to_ids(users))}}
    if robot.delay is not None:
        out["Delay"] = delay_to_portal(robot.delay)
    if robot.condition is not None:
        out["Condition"] = condition_to_portal(robot.condition)
    if robot.after_previous:
        out["ExecuteAfterPrevious"] = 1
    return out


def robot_from_portal(data: dict[str, Any], users: Mapping[str, int]) -> Robot:
    props = _map_strings(dict(data.get("Properties", {})), _to_emails(users))
    title = props.pop("Title", "")
    return Robot(data["Type"], title, props, delay_from_portal(data.get("Delay")),
                 bool(data.get("ExecuteAfterPrevious")), data.get("Activated", "Y") == "Y",
                 condition_from_portal(data.get("Condition")))


def trigger_to_portal(trig: Trigger, users: Mapping[str, int]) -> dict[str, Any]:
    rules: dict[str, Any] = {**trig.rules, "ALLOW_BACKWARDS": "Y" if trig.allow_backwards else "N"}
    if trig.condition is not None:
        rules["Condition"] = condition_to_portal(trig.condition)
    if trig.execute_by is not None:
        rules["ExecuteBy"] = _to_ids(users)(trig.execute_by)
    return {"NAME": trig.name, "CODE": trig.code, "APPLY_RULES": rules}


def trigger_from_portal(row: dict[str, Any], users: Mapping[str, int]) -> Trigger:
    rules = dict(row.get("APPLY_RULES") or {})
    backwards = rules.pop("ALLOW_BACKWARDS", "N") == "Y"
    cond = condition_from_portal(rules.pop("Condition", None))
    by = rules.pop("ExecuteBy", None)
    return Trigger(row["CODE"], row["NAME"], backwards, cond, rules,
                   _to_emails(users)(by) if by else None)


def stage_to_portal(automation: StageAutomation,
                    users: Mapping[str, int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return ([robot_to_portal(r, users) for r in automation.robots],
            [trigger_to_portal(t, users) for t in automation.triggers])


def stage_from_portal(robots: list[dict[str, Any]], rows: list[dict[str, Any]],
                      users: Mapping[str, int]) -> StageAutomation:
    return StageAutomation(tuple(robot_from_portal(r, users) for r in robots),
                           tuple(trigger_from_portal(t, users) for t in rows))
