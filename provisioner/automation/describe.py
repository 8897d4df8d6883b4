"""Robots and triggers in the words of the automation screen: delays, conditions, settings.

Shared by the manual steps and the runbook, so both say exactly the same thing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from provisioner.automation import catalogue as cat
from provisioner.automation.model import RESPONSIBLE, Condition, Delay, Robot, Trigger
from provisioner.automation.robot_options import HEAD
from provisioner.automation.words import (
    HIDDEN_PROPERTIES,
    OPERATORS,
    PROPERTY_LABELS,
    plural,
    quote,
    word,
)

LabelOf = Callable[[str], str | None]  # field id -> its label on the portal, when known
_DATEADD = re.compile(r'^=(work)?dateadd\(\{=System:Now\},"(\d+)([ihd])"')
_USER_FIELD = re.compile(r"^\{=Document:((?:field:)?[A-Za-z0-9_.]+)\}$")


def no_labels(_: str) -> str | None:
    return None


def field_text(lang: str, field_id: str, label_of: LabelOf) -> str:
    label = label_of(field_id)
    return f"{quote(lang, label)} ({field_id})" if label else quote(lang, field_id)


def user_text(lang: str, user: str, label_of: LabelOf = no_labels) -> str:
    if user == RESPONSIBLE:
        return quote(lang, word(lang, "responsible"))
    if user == HEAD:
        return quote(lang, word(lang, "head"))
    held = _USER_FIELD.match(user)
    if held:  # the user in a field of the item: the selector's «field» entry
        return f"{word(lang, 'user_in_field')} {field_text(lang, held.group(1), label_of)}"
    return quote(lang, user)


def amount_text(lang: str, amount: int, unit: str) -> str:
    return f"{amount} {plural(lang, amount, unit)}"


def delay_text(lang: str, delay: Delay | None, label_of: LabelOf = no_labels) -> str:
    """"Через 10 минут", "За 1 день до «Дата завершения» (CLOSEDATE)", "Сразу"."""
    if delay is None:
        return word(lang, "now")
    if delay.kind == "at":
        text = f"{word(lang, 'at')} {field_text(lang, delay.basis or '', label_of)}"
    elif delay.kind == "before":
        lead = word(lang, "before")
        text = (f"{lead} " if lead else "") + amount_text(lang, delay.amount, delay.unit) + \
            f" {word(lang, 'before_tail')} {field_text(lang, delay.basis or '', label_of)}"
    elif delay.amount == 0 and delay.basis is None:
        text = word(lang, "now")
    else:
        text = f"{word(lang, 'in')} {amount_text(lang, delay.amount, delay.unit)}"
        if delay.basis is not None:
            text += f" ({field_text(lang, delay.basis, label_of)})"
    if delay.work_time:
        text += f", {word(lang, 'work_time')}"
    if delay.at_time is not None:
        text += f", {word(lang, 'at_time')} {delay.at_time[0]:02d}:{delay.at_time[1]:02d}"
    return text


def condition_text(lang: str, cond: Condition, label_of: LabelOf = no_labels) -> str:
    """Items joined by «и», groups by «или», as the condition dialog lists them."""
    groups = [f" {word(lang, 'and')} ".join(_item(lang, i, label_of) for i in group)
              for group in cond.groups]
    return f" {word(lang, 'or')} ".join(groups)


def _item(lang: str, item: Any, label_of: LabelOf) -> str:
    text = f"{field_text(lang, item.field, label_of)} {OPERATORS[lang][item.operator]}"
    return text if item.operator in ("empty", "!empty") else f"{text} {quote(lang, item.value)}"


def robot_choice(lang: str, robot: Robot) -> str:
    """Where the robot is in the «Добавить» dialog: group → item (older name)."""
    kind = cat.robot_kind(robot.type)
    if kind is None:
        return f"{robot.type}"
    text = f"{quote(lang, kind.group[lang])} → {quote(lang, kind.name[lang])}"
    return text + f" ({word(lang, 'formerly')} {quote(lang, kind.old_name[lang])})"


def robot_settings(lang: str, robot: Robot, label_of: LabelOf = no_labels) -> list[str]:
    """One line per thing to fill in the robot's dialog, name first."""
    lines = [f"{quote(lang, word(lang, 'robot_name'))}: {quote(lang, robot.title)}"]
    if robot.properties.get("ToHead") == "Y":
        lines.append(f"{quote(lang, _label(lang, 'ToUsers'))}: {user_text(lang, HEAD)}")
    if robot.properties.get("RecipientType") == "entity":
        lines.append(f"{quote(lang, _label(lang, 'RecipientUser'))}: "
                     f"{quote(lang, word(lang, 'client'))}")
    lines.extend(_property_lines(lang, robot.properties, "", label_of))
    return lines


def _property_lines(lang: str, props: dict[str, Any], prefix: str,
                    label_of: LabelOf) -> list[str]:
    lines: list[str] = []
    for name, value in props.items():
        path = f"{prefix}{name}"
        if name in HIDDEN_PROPERTIES and not prefix:
            continue
        if isinstance(value, dict) and name == "Fields":
            lines.extend(_property_lines(lang, value, "Fields.", label_of))
            continue
        lines.append(f"{quote(lang, _label(lang, path))}: {_value(lang, path, value, label_of)}")
    return lines


def _label(lang: str, path: str) -> str:
    return PROPERTY_LABELS[lang].get(path, path)


def _value(lang: str, path: str, value: Any, label_of: LabelOf = no_labels) -> str:
    if path in PROPERTY_LABELS[lang] and value in ("Y", "N"):
        return word(lang, "yes" if value == "Y" else "no")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(user_text(lang, v, label_of) for v in value)
    if isinstance(value, str) and (match := _DATEADD.match(value)):
        when = amount_text(lang, int(match.group(2)), match.group(3))
        extra = f", {word(lang, 'work_time')}" if match.group(1) else ""
        return f"{word(lang, 'in').lower()} {when}{extra} ({value})"
    if isinstance(value, str):
        return user_text(lang, value, label_of) if value == RESPONSIBLE or "@" in value or \
            (path in _USER_PATHS and _USER_FIELD.match(value)) else quote(lang, value)
    return json.dumps(value, ensure_ascii=False)


# The properties holding a user (validate.USER_PROPERTIES), by the path this module uses.
_USER_PATHS = frozenset({"MessageUserTo", "MessageUserFrom", "ToUsers", "RecipientUser",
                         "Fields.CREATED_BY", "Fields.RESPONSIBLE_ID", "Fields.ACCOMPLICES",
                         "Fields.AUDITORS"})


def trigger_choice(lang: str, trig: Trigger) -> str:
    kind = cat.trigger_kind(trig.code)
    return quote(lang, kind.name[lang]) if kind else trig.code


def trigger_settings(lang: str, trig: Trigger, label_of: LabelOf = no_labels) -> list[str]:
    lines = [f"{quote(lang, word(lang, 'trigger_name'))}: {quote(lang, trig.name)}"]
    for name, value in trig.rules.items():
        lines.append(f"{quote(lang, _label(lang, name))}: {quote(lang, str(value))}")
    if trig.execute_by is not None:
        lines.append(f"{quote(lang, word(lang, 'execute_by'))}: {user_text(lang, trig.execute_by, label_of)}")
    if trig.condition is not None:
        lines.append(f"{quote(lang, word(lang, 'condition'))}: "
                     f"{condition_text(lang, trig.condition, label_of)}")
    flag = word(lang, "yes" if trig.allow_backwards else "no")
    lines.append(f"{quote(lang, word(lang, 'allow_backwards'))}: {flag}")
    return lines


def robot_timing(lang: str, robot: Robot, label_of: LabelOf = no_labels) -> list[str]:
    """The «Выполнить» and «Условие» lines of a robot."""
    run = delay_text(lang, robot.delay, label_of)
    if robot.after_previous:
        run += f", {word(lang, 'after_previous')}"
    lines = [f"{quote(lang, word(lang, 'run'))}: {run}"]
    if robot.condition is not None:
        lines.append(f"{quote(lang, word(lang, 'condition'))}: "
                     f"{condition_text(lang, robot.condition, label_of)}")
    return lines
