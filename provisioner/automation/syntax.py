"""The small languages inside the TOML: durations ("10m", "2 working days") and condition items
("CONTACT.UF_CRM_VIP = Y", "COMMENTS not empty"). Parsers return a value or an error message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from provisioner.automation.model import Condition, ConditionItem, Unit

_UNITS: dict[str, Unit] = {"m": "i", "min": "i", "mins": "i", "minute": "i", "minutes": "i",
                           "h": "h", "hour": "h", "hours": "h",
                           "d": "d", "day": "d", "days": "d"}
_DURATION = re.compile(r"^\s*(\d+)\s*(working\s+)?([a-z]+)\s*$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
DURATION_HELP = 'write a whole number and a unit: "10m", "3h", "2d" or "2 working days"'

# TOML spelling -> the portal's operator (bizproc Activity\Condition::getOperatorList)
OPERATORS = {"=": "=", "!=": "!=", ">=": ">=", "<=": "<=", ">": ">", "<": "<",
             "contains": "contain", "not contains": "!contain", "in": "in", "not in": "!in"}
UNARY = {"empty": "empty", "not empty": "!empty"}
# A field: the portal's name (UF_CRM_VIP, CONTACT.UF_CRM_VIP) or a config key (field:VACANCY)
FIELD = r"(?:field:[A-Za-z0-9_]+|[A-Za-z][A-Za-z0-9_.]*)"
_BINARY = re.compile(r"^\s*(" + FIELD + r")\s+(not contains|not in|contains|in|!=|>=|<=|=|>|<)"
                     r"\s+(.*?)\s*$")
_SPACED_OP = re.compile(r"^\s*(" + FIELD + r")\s*(!=|>=|<=|=|>|<)\s*(.*?)\s*$")
_UNARY = re.compile(r"^\s*(" + FIELD + r")\s+(not empty|empty)\s*$")
_FIELD = re.compile(FIELD)
CONDITION_HELP = ('write "FIELD OP VALUE" with OP one of =, !=, >, >=, <, <=, contains, '
                  'not contains, in, not in, or "FIELD empty" / "FIELD not empty" (FIELD: the '
                  "portal's name, or field:KEY for a field of the config)")


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: Unit
    working: bool


def parse_duration(text: Any) -> Duration | str:
    """"10m" -> 10 minutes; minutes that make whole days or hours are canonicalised (b.4)."""
    if not isinstance(text, str):
        return f"expected a duration string, got {type(text).__name__}"
    match = _DURATION.match(text.lower())
    if not match or match.group(3) not in _UNITS:
        return f"cannot read the duration {text!r}"
    amount, unit = int(match.group(1)), _UNITS[match.group(3)]
    return Duration(*canonical(amount, unit), working=bool(match.group(2)))


def canonical(amount: int, unit: Unit) -> tuple[int, Unit]:
    """Minutes divisible by 1440 become days, by 60 hours, as the portal's parser does."""
    minutes = amount * {"i": 1, "h": 60, "d": 1440}[unit]
    if minutes and minutes % 1440 == 0:
        return minutes // 1440, "d"
    if minutes and minutes % 60 == 0:
        return minutes // 60, "h"
    return minutes, "i"


def is_field(text: Any) -> bool:
    """A field id: the portal's name or `field:KEY` (a field of the config, by its key)."""
    return isinstance(text, str) and _FIELD.fullmatch(text) is not None


def parse_time(text: Any) -> tuple[int, int] | str:
    if isinstance(text, str) and (match := _TIME.match(text)):
        return int(match.group(1)), int(match.group(2))
    return f'cannot read the time of day {text!r}; write "HH:MM", e.g. "09:00"'


def parse_item(text: Any) -> ConditionItem | str:
    """One condition item in TOML spelling -> ConditionItem, or an error message."""
    if not isinstance(text, str):
        return f"expected a condition string, got {type(text).__name__}"
    if match := _UNARY.match(text):
        return ConditionItem(match.group(1), UNARY[match.group(2)])
    match = _BINARY.match(text) or _SPACED_OP.match(text)
    if not match or not match.group(3):
        return f"cannot read the condition {text!r}"
    operator, value = match.group(2), match.group(3)
    if value[0] in "=<>!":  # `==`, `=>`: else the value compared would be "= курьер" (quote it)
        return f"cannot read the condition {text!r}: {operator}{value[0]} is not an operator"
    return ConditionItem(match.group(1), OPERATORS[operator], _unquote(value))


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_condition(raw: Any) -> tuple[Condition | None, list[tuple[str, str]]]:
    """`{ all = [...] }` or `{ any = [item | { all = [...] }, ...] }` -> Condition.

    Errors come back as (key suffix, message) pairs so the caller can locate them.
    """
    if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in ("all", "any"):
        return None, [("", 'write the condition as { all = [...] } or { any = [...] }')]
    joiner, items = next(iter(raw.items()))
    if not isinstance(items, list) or not items:
        return None, [(f".{joiner}", "expected a non-empty list of conditions")]
    if joiner == "all":
        group, errors = _group(items, ".all")
        return (Condition((group,)) if not errors else None), errors
    return _any(items)


def _group(items: list[Any], key: str) -> tuple[tuple[ConditionItem, ...], list[tuple[str, str]]]:
    out, errors = [], []
    for n, raw in enumerate(items, 1):
        item = parse_item(raw)
        if isinstance(item, str):
            errors.append((f"{key}[{n}]", item))
        else:
            out.append(item)
    return tuple(out), errors


def _any(items: list[Any]) -> tuple[Condition | None, list[tuple[str, str]]]:
    groups, errors = [], []
    for n, raw in enumerate(items, 1):
        if isinstance(raw, dict) and set(raw) == {"all"} and isinstance(raw["all"], list):
            group, errs = _group(raw["all"], f".any[{n}].all")
        else:
            group, errs = _group([raw], ".any")
            errs = [(f".any[{n}]", msg) for _, msg in errs]
        groups.append(group)
        errors.extend(errs)
    return (Condition(tuple(groups)) if not errors else None), errors


