"""Read the robots and triggers of one stage table of the desired-state TOML.

`parse_stage_automation(raw_stage, key, locate)` returns the model and every problem found, each
located by its TOML key path (`locate` turns a key path into the file and line).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from provisioner.automation import catalogue as cat
from provisioner.automation import syntax
from provisioner.automation.model import (
    RESPONSIBLE,
    Condition,
    Delay,
    Robot,
    StageAutomation,
    Trigger,
)
from provisioner.automation.robot_options import FRIENDLY_OPTIONS, robot_properties
from provisioner.errors import Problem

Locate = Callable[[str], tuple[str, int | None]]
COMMON_ROBOT_KEYS = ("type", "title", "after", "before", "at", "basis", "at_time",
                     "after_previous", "activated", "condition", "properties")
COMMON_TRIGGER_KEYS = ("code", "name", "allow_backwards", "condition", "execute_by", "rules")


@dataclass
class Reporter:
    """Collects located problems for one stage."""

    locate: Locate
    problems: list[Problem]

    def add(self, key: str, message: str, fix: str = "") -> None:
        file, line = self.locate(key)
        self.problems.append(Problem(file, key, message, fix, line))


def parse_stage_automation(raw_stage: dict[str, Any], key: str,
                           locate: Locate) -> tuple[StageAutomation, list[Problem]]:
    """`raw_stage` is one `[[...stages]]` table; `key` its key path, e.g.
    `deal.pipelines.sales.stages[NEW]`. Only `robots` and `triggers` are read here."""
    rep = Reporter(locate, [])
    robots = _list_of_tables(raw_stage.get("robots", []), f"{key}.robots", rep)
    triggers = _list_of_tables(raw_stage.get("triggers", []), f"{key}.triggers", rep)
    parsed_robots = [_robot(raw, f"{key}.robots[{n}]", n, rep) for n, raw in robots]
    parsed_triggers = [_trigger(raw, f"{key}.triggers[{n}]", rep) for n, raw in triggers]
    return StageAutomation(tuple(r for r in parsed_robots if r is not None),
                           tuple(t for t in parsed_triggers if t is not None)), rep.problems


def _list_of_tables(raw: Any, key: str, rep: Reporter) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(raw, list):
        rep.add(key, "expected an array of tables", f"write [[{key}]] tables")
        return []
    out = []
    for n, item in enumerate(raw, 1):
        if isinstance(item, dict):
            out.append((n, item))
        else:
            rep.add(f"{key}[{n}]", "expected a table", f"write [[{key}]] tables")
    return out


def _unknown_keys(raw: dict[str, Any], allowed: tuple[str, ...], key: str, rep: Reporter) -> None:
    for name in raw:
        if name not in allowed:
            rep.add(f"{key}.{name}", f"unknown key {name!r}", _one_of(name, allowed))


def _one_of(word: Any, allowed: list[str] | tuple[str, ...]) -> str:
    """The fix for a value not allowed: its closest spelling first, as validate promises."""
    close = difflib.get_close_matches(word, allowed, n=1) if isinstance(word, str) else []
    return (f"did you mean {close[0]!r}? Use one of: " if close else "use one of: ") + \
        ", ".join(allowed)


def _robot(raw: dict[str, Any], key: str, position: int, rep: Reporter) -> Robot | None:
    kind_name = raw.get("type")
    if not isinstance(kind_name, str) or not kind_name:
        rep.add(f"{key}.type", "a robot needs a type",
                "use one of: " + ", ".join(cat.robot_friendly_names())
                + ", or an activity class name such as CrmChangeStatusActivity")
        return None
    kind = cat.robot_kind(kind_name)
    cls = kind.cls if kind else _raw_class(kind_name, f"{key}.type", rep)
    options = FRIENDLY_OPTIONS.get(kind.friendly, ()) if kind and kind_name == kind.friendly else ()
    if cls is not None:  # an unknown type's keys cannot be judged: a typo there is one problem
        _unknown_keys(raw, COMMON_ROBOT_KEYS + options, key, rep)
    title = _title(raw, f"{key}.title", rep)
    props = robot_properties(kind.friendly if kind and options else None, raw, key, rep.add)
    delay = _delay(raw, key, rep)
    after_previous = _bool(raw, "after_previous", False, key, rep)
    if after_previous and position == 1:
        rep.add(f"{key}.after_previous", "the first robot of a stage cannot run after a previous one",
                "remove after_previous from the first robot")
    activated = _bool(raw, "activated", True, key, rep)
    condition = _condition(raw.get("condition"), f"{key}.condition", rep)
    if cls is None or title is None or props is None:
        return None
    return Robot(cls, title, props, delay, after_previous, activated, condition, bool(options))


def _raw_class(name: str, key: str, rep: Reporter) -> str | None:
    if name.isidentifier() and (name.endswith("Activity") or name.startswith("rest_")):
        return name
    rep.add(key, f"unknown robot type {name!r}", _one_of(name, cat.robot_friendly_names())
            + ", or an activity class name ending in Activity")
    return None


def _title(raw: dict[str, Any], key: str, rep: Reporter) -> str | None:
    title = raw.get("title")
    if isinstance(title, str) and title.strip():
        return title
    rep.add(key, "a robot needs a title", 'write title = "..." (the name shown on the stage)')
    return None


def _bool(raw: dict[str, Any], name: str, default: bool, key: str, rep: Reporter) -> bool:
    value = raw.get(name, default)
    if isinstance(value, bool):
        return value
    rep.add(f"{key}.{name}", f"expected true or false, got {value!r}")
    return default


def _condition(raw: Any, key: str, rep: Reporter) -> Condition | None:
    if raw is None:
        return None
    cond, errors = syntax.parse_condition(raw)
    for suffix, message in errors:
        rep.add(key + suffix, message, syntax.CONDITION_HELP)
    return cond


def _delay(raw: dict[str, Any], key: str, rep: Reporter) -> Delay | None:
    given = [name for name in ("after", "before", "at") if name in raw]
    if len(given) > 1:
        rep.add(f"{key}.{given[1]}", f"{' and '.join(given)} exclude each other",
                "keep one of after, before, at")
        return None
    at_time = _at_time(raw, key, rep)
    if not given:
        if "basis" in raw:
            rep.add(f"{key}.basis", "basis needs after or before", 'add after = "..."')
        return Delay("after", at_time=at_time) if at_time else None
    if given[0] == "at":
        return _at(raw, key, at_time, rep)
    return _relative(raw, given[0], key, at_time, rep)


def _at_time(raw: dict[str, Any], key: str, rep: Reporter) -> tuple[int, int] | None:
    if "at_time" not in raw:
        return None
    parsed = syntax.parse_time(raw["at_time"])
    if isinstance(parsed, str):
        rep.add(f"{key}.at_time", parsed)
        return None
    return parsed


def _at(raw: dict[str, Any], key: str, at_time: tuple[int, int] | None,
        rep: Reporter) -> Delay | None:
    field = raw["at"]
    if "basis" in raw:
        rep.add(f"{key}.basis", "at already names the date field", "remove basis")
    if not syntax.is_field(field):
        rep.add(f"{key}.at", f"expected a date field id, got {field!r}",
                'e.g. at = "CLOSEDATE", or at = "field:KEY" for a field of the config')
        return None
    return Delay("at", basis=str(field), at_time=at_time)


def _relative(raw: dict[str, Any], kind: str, key: str, at_time: tuple[int, int] | None,
              rep: Reporter) -> Delay | None:
    dur = syntax.parse_duration(raw[kind])
    if isinstance(dur, str):
        rep.add(f"{key}.{kind}", dur, syntax.DURATION_HELP)
        return None
    basis = raw.get("basis")
    if basis is not None and not syntax.is_field(basis):
        rep.add(f"{key}.basis", f"expected a date field id, got {basis!r}",
                'e.g. basis = "CLOSEDATE", or basis = "field:KEY" for a field of the config')
        return None
    if kind == "before" and basis is None:
        rep.add(f"{key}.basis", "before needs the date field it counts back from",
                'add basis = "CLOSEDATE" (or another date field)')
        return None
    if kind == "after" and dur.amount == 0 and not dur.working and basis is None and not at_time:
        return None  # "now" has no delay at all on the portal (b.4)
    return Delay("before" if kind == "before" else "after", dur.amount, dur.unit, basis,
                 dur.working, at_time)


def _trigger(raw: dict[str, Any], key: str, rep: Reporter) -> Trigger | None:
    code_name = raw.get("code")
    kind = cat.trigger_kind(code_name) if isinstance(code_name, str) else None
    code = kind.code if kind else _raw_code(code_name, f"{key}.code", rep)
    rule_keys = tuple(kind.rules) if kind else ()
    _unknown_keys(raw, COMMON_TRIGGER_KEYS + rule_keys, key, rep)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        rep.add(f"{key}.name", "a trigger needs a name", 'write name = "..." (shown on the stage)')
        name = None
    rules = _rules(raw, kind, key, rep)
    execute_by = _execute_by(raw.get("execute_by"), f"{key}.execute_by", rep)
    backwards = _bool(raw, "allow_backwards", False, key, rep)
    condition = _condition(raw.get("condition"), f"{key}.condition", rep)
    if code is None or name is None:
        return None
    return Trigger(code, name, backwards, condition, rules, execute_by)


def _raw_code(code: Any, key: str, rep: Reporter) -> str | None:
    if isinstance(code, str) and code.isupper() and code.replace("_", "").isalnum():
        return code
    rep.add(key, f"unknown trigger code {code!r}", _one_of(code, cat.trigger_friendly_names())
            + ", or a portal trigger code such as FIELD_CHANGED")
    return None


def _rules(raw: dict[str, Any], kind: cat.TriggerKind | None, key: str,
           rep: Reporter) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    if kind is not None:
        rules = {kind.rules[name]: raw[name] for name in kind.rules if name in raw}
    extra = raw.get("rules", {})
    if not isinstance(extra, dict):
        rep.add(f"{key}.rules", "expected a table of APPLY_RULES keys")
        return rules
    return {**extra, **rules}


def _execute_by(value: Any, key: str, rep: Reporter) -> str | None:
    if value is None or value == "responsible":
        return None if value is None else RESPONSIBLE
    if isinstance(value, str) and "@" in value:
        return value.lower()
    rep.add(key, f"expected an e-mail or \"responsible\", got {value!r}")
    return None
