"""Fields named by config key in robots and triggers: `field:KEY`, wherever the portal's field
name goes, so that one config means the same field on every portal.

A custom field's portal name differs between portals for smart processes (`UF_CRM_<type
id>_VACANCY`); `field:VACANCY` names the field `VACANCY` of the robot's own entity (declared in
the config, or on the portal): in a condition (`"field:VACANCY = Python"`), as a delay's date
(`basis = "field:INTERVIEW_DATE"`, `at = ...`), inside a text (`{=Document:field:VACANCY}`),
and as a user option (`responsible = "field:RECRUITER"`: the user in that employee field,
stored as `{=Document:field:RECRUITER}`). The desired state, the plan's values and the
attestations keep the portable form; the steps (plan and runbook) show the portal's name,
resolved when they are written (`resolve_robot`, `resolve_trigger`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from provisioner.automation.model import Condition, ConditionItem, Robot, Trigger

PREFIX = "field:"
KEY = r"field:[A-Za-z0-9_]+"
_IN_TEXT = re.compile(r"\{=Document:(" + KEY + r")\}")
NameOf = Callable[[str], str]  # a field id (field:KEY or a portal name) -> the portal's name


def same(field_id: str) -> str:
    return field_id


def user_ref(field_id: str) -> str:
    """How a user option stores "the user in field X": the field's document expression."""
    return f"{{=Document:{field_id}}}"


def resolve_robot(robot: Robot, name_of: NameOf) -> Robot:
    """The robot as the portal shows it: every `field:KEY` by the portal's field name."""
    delay = robot.delay
    if delay is not None and delay.basis is not None:
        delay = replace(delay, basis=name_of(delay.basis))
    return replace(robot, properties=_value(robot.properties, name_of), delay=delay,
                   condition=_condition(robot.condition, name_of))


def resolve_trigger(trig: Trigger, name_of: NameOf) -> Trigger:
    return replace(trig, condition=_condition(trig.condition, name_of),
                   rules=_value(trig.rules, name_of))


def _condition(cond: Condition | None, name_of: NameOf) -> Condition | None:
    if cond is None:
        return None
    return Condition(tuple(tuple(ConditionItem(name_of(i.field), i.operator, i.value)
                                 for i in group) for group in cond.groups))


def _value(value: Any, name_of: NameOf) -> Any:
    if isinstance(value, str):
        return _IN_TEXT.sub(lambda m: f"{{=Document:{name_of(m.group(1))}}}", value)
    if isinstance(value, dict):
        return {k: _value(v, name_of) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(v, name_of) for v in value]
    return value
