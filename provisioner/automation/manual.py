"""Manual changes: what an administrator must click so that a stage's automation becomes desired.

Robots are matched by position (their order is what the stage shows and runs), triggers by code
(`OPENLINE_ANSWER`, then `OPENLINE_ANSWER#2` for a second one). `recorded` is what an attestation
says was carried out; None means nothing was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from provisioner.automation import describe as d
from provisioner.automation import fieldref
from provisioner.automation.model import (
    Robot,
    StageAutomation,
    Trigger,
    stage_address,
    trigger_keys,
)
from provisioner.automation.words import quote, word


@dataclass(frozen=True)
class ManualItem:
    """One manual change: its address, a one-line summary and the steps, in the portal's words."""

    address: str
    summary: str
    steps: tuple[str, ...]
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


@dataclass(frozen=True)
class Where:
    """Names the steps need: the entity, the pipeline and the stage as the portal shows them."""

    entity: str = "deal"
    pipeline_name: str = ""
    stage_name: str = ""
    entity_name: str = ""  # a smart process's title
    label_of: d.LabelOf = field(default=d.no_labels, compare=False)
    # a field named by config key (field:KEY) -> the portal's name, for the steps
    name_of: fieldref.NameOf = field(default=fieldref.same, compare=False)


_TEXT = {
    "ru": {"open_pipeline": "Откройте {path}, выберите воронку {pipeline} и нажмите {button}.",
           "open": "Откройте {path} и нажмите {button}.",
           "column": "В колонке стадии {stage}, в строке {row}, ",
           "add": "нажмите {add} и выберите {choice}.",
           "edit": "откройте {what} {title} ({n}-й по счёту).",
           "delete": "наведите указатель на {what} {title} ({n}-й по счёту) и нажмите крестик.",
           "edit_t": "откройте {what} {title}.",
           "delete_t": "наведите указатель на {what} {title} и нажмите крестик.",
           "set": "Укажите {line}", "save_robot": "Нажмите {save} в окне робота, затем {save} "
                                                 "внизу страницы.",
           "save_trigger": "Нажмите {save} в окне триггера, затем {save} внизу страницы.",
           "save_page": "Нажмите {save} внизу страницы.", "robot": "робота",
           "trigger": "триггер",
           "add_robot": "Добавить робота {title} на стадию {stage}",
           "change_robot": "Изменить робота {title} на стадии {stage}",
           "delete_robot": "Удалить робота {title} со стадии {stage}",
           "add_trigger": "Добавить триггер {title} на стадию {stage}",
           "change_trigger": "Изменить триггер {title} на стадии {stage}",
           "delete_trigger": "Удалить триггер {title} со стадии {stage}"},
    "en": {"open_pipeline": "Open {path}, select the pipeline {pipeline} and click {button}.",
           "open": "Open {path} and click {button}.",
           "column": "In the column of the stage {stage}, in the {row} row, ",
           "add": "click {add} and choose {choice}.",
           "edit": "open the {what} {title} (No. {n}).",
           "delete": "hover over the {what} {title} (No. {n}) and click the cross.",
           "edit_t": "open the {what} {title}.",
           "delete_t": "hover over the {what} {title} and click the cross.",
           "set": "Set {line}", "save_robot": "Click {save} in the rule dialog, then {save} at "
                                            "the bottom of the page.",
           "save_trigger": "Click {save} in the trigger dialog, then {save} at the bottom of "
                           "the page.",
           "save_page": "Click {save} at the bottom of the page.", "robot": "automation rule",
           "trigger": "trigger",
           "add_robot": "Add the automation rule {title} to the stage {stage}",
           "change_robot": "Change the automation rule {title} on the stage {stage}",
           "delete_robot": "Delete the automation rule {title} from the stage {stage}",
           "add_trigger": "Add the trigger {title} to the stage {stage}",
           "change_trigger": "Change the trigger {title} on the stage {stage}",
           "delete_trigger": "Delete the trigger {title} from the stage {stage}"},
}


def manual_changes(pipeline_key: str, stage_code: str, desired: StageAutomation,
                   recorded: StageAutomation | None, lang: str = "ru",
                   where: Where | None = None) -> list[ManualItem]:
    """The manual items of one stage, robots in order then triggers."""
    where = where or Where()
    base = stage_address(where.entity, pipeline_key, stage_code)
    recorded = recorded or StageAutomation()
    items = _robot_items(base, desired.robots, recorded.robots, lang, where, stage_code)
    return items + _trigger_items(base, desired.triggers, recorded.triggers, lang, where,
                                  stage_code)


def _robot_items(base: str, want: tuple[Robot, ...], have: tuple[Robot, ...], lang: str,
                 where: Where, code: str) -> list[ManualItem]:
    items = []
    for n in range(1, max(len(want), len(have)) + 1):
        new = want[n - 1] if n <= len(want) else None
        old = have[n - 1] if n <= len(have) else None
        if new == old:
            continue
        steps = _robot_steps(n, new, old, lang, where, code)
        kind = "add_robot" if old is None else "delete_robot" if new is None else "change_robot"
        title = (new or old).title  # type: ignore[union-attr]  # one of them is set
        summary = _t(lang, kind, title=quote(lang, title), stage=_stage(lang, where, code))
        items.append(ManualItem(f"{base}.robot[{n}]", summary, tuple(steps),
                                old.to_data() if old else None, new.to_data() if new else None))
    return items


def _robot_steps(n: int, new: Robot | None, old: Robot | None, lang: str, where: Where,
                 code: str) -> list[str]:
    column = _t(lang, "column", stage=_stage(lang, where, code),
                row=quote(lang, word(lang, "robots_row")))
    steps = [_open(lang, where)]
    if old is not None and (new is None or new.type != old.type):
        what = _t(lang, "robot")
        steps.append(column + _t(lang, "delete", what=what, title=quote(lang, old.title), n=n))
        if new is None:
            return [*steps, _t(lang, "save_page", save=quote(lang, word(lang, "save")))]
        old = None
    if old is None:
        assert new is not None
        steps.append(column + _t(lang, "add", add=quote(lang, word(lang, "add")),
                                 choice=d.robot_choice(lang, new)))
        lines = _robot_lines(lang, new, where)
        if not new.activated:
            lines.append(word(lang, "switched_off"))
    else:
        assert new is not None
        steps.append(column + _t(lang, "edit", what=_t(lang, "robot"),
                                 title=quote(lang, old.title), n=n))
        before = _robot_lines(lang, old, where)
        lines = [line for line in _robot_lines(lang, new, where) if line not in before]
        if new.activated != old.activated:
            lines.append(word(lang, "switched_on" if new.activated else "switched_off"))
    steps += [_set(lang, line) for line in lines]
    return [*steps, _t(lang, "save_robot", save=quote(lang, word(lang, "save")))]


def _robot_lines(lang: str, robot: Robot, where: Where) -> list[str]:
    """What the robot's dialog needs, with the portal's field names (not field:KEY)."""
    shown = fieldref.resolve_robot(robot, where.name_of)
    return d.robot_settings(lang, shown, where.label_of) + \
        d.robot_timing(lang, shown, where.label_of)


def _trigger_items(base: str, want: tuple[Trigger, ...], have: tuple[Trigger, ...], lang: str,
                   where: Where, code: str) -> list[ManualItem]:
    want_by = dict(zip(trigger_keys(want), want, strict=True))
    have_by = dict(zip(trigger_keys(have), have, strict=True))
    items = []
    for key in [*want_by, *(k for k in have_by if k not in want_by)]:
        new, old = want_by.get(key), have_by.get(key)
        if new == old:
            continue
        kind = "add_trigger" if old is None else "delete_trigger" if new is None \
            else "change_trigger"
        title = (new or old).name  # type: ignore[union-attr]  # one of them is set
        summary = _t(lang, kind, title=quote(lang, title), stage=_stage(lang, where, code))
        items.append(ManualItem(f"{base}.trigger[{key}]", summary,
                                tuple(_trigger_steps(new, old, lang, where, code)),
                                old.to_data() if old else None, new.to_data() if new else None))
    return items


def _trigger_steps(new: Trigger | None, old: Trigger | None, lang: str, where: Where,
                   code: str) -> list[str]:
    column = _t(lang, "column", stage=_stage(lang, where, code),
                row=quote(lang, word(lang, "triggers_row")))
    save = quote(lang, word(lang, "save"))
    steps = [_open(lang, where)]
    if new is None:
        assert old is not None
        steps.append(column + _t(lang, "delete_t", what=_t(lang, "trigger"),
                                 title=quote(lang, old.name)))
        return [*steps, _t(lang, "save_page", save=save)]
    lines = _trigger_lines(lang, new, where)
    if old is None:
        steps.append(column + _t(lang, "add", add=quote(lang, word(lang, "add")),
                                 choice=d.trigger_choice(lang, new)))
    else:
        steps.append(column + _t(lang, "edit_t", what=_t(lang, "trigger"),
                                 title=quote(lang, old.name)))
        before = _trigger_lines(lang, old, where)
        lines = [line for line in lines if line not in before]
    return steps + [_set(lang, line) for line in lines] + [_t(lang, "save_trigger", save=save)]


def _trigger_lines(lang: str, trig: Trigger, where: Where) -> list[str]:
    return d.trigger_settings(lang, fieldref.resolve_trigger(trig, where.name_of), where.label_of)


def _open(lang: str, where: Where) -> str:
    section = where.entity_name if where.entity.startswith("spa:") else \
        word(lang, "lead" if where.entity == "lead" else "deal")
    path = f"{quote(lang, word(lang, 'crm'))} → {quote(lang, section)}"
    button = quote(lang, word(lang, "robots_button"))
    if where.entity == "lead":
        return _t(lang, "open", path=path, button=button)
    return _t(lang, "open_pipeline", path=path, pipeline=quote(lang, where.pipeline_name),
              button=button)


def _stage(lang: str, where: Where, code: str) -> str:
    return quote(lang, where.stage_name or code)


def _set(lang: str, line: str) -> str:
    return _t(lang, "set", line=line)


def _t(lang: str, name: str, **values: Any) -> str:
    return _TEXT[lang][name].format(**values)
