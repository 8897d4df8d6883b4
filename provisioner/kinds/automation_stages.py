"""Robots and triggers of pipeline stages inside the engine: parsed with their stage, checked
against the live portal during plan, planned as manual changes (`!`).

The stage kinds (deal pipelines) keep each stage's automation (`parse_stages_automation`); the
automation kind gathers it (`link`), validates it against a `Catalog` built from what the portal
returned and what apply will create, and turns the differences from what `provision attest`
recorded into manual changes whose reason is the steps in the portal's own words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from provisioner.automation import (
    Catalog,
    ManualItem,
    StageAutomation,
    Where,
    catalog_from_live,
    manual_changes,
    parse_stage_automation,
    stage_schema_properties,
    validate_stage,
)
from provisioner.automation.model import stage_address
from provisioner.errors import Problem
from provisioner.model import Action, Change, Report
from provisioner.model.address import Address
from provisioner.model.locate import render_path
from provisioner.model.shape import ArrayOf, Opaque, Path, Prop, Table

KIND = "automation"
Locate = Callable[[Path], tuple[str, int | None]]
_STEP = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")
# Fields every CRM document offers besides its custom fields (the sandbox has no crm.*.fields):
# id -> label shown by the portal, used in the steps.
STANDARD_FIELDS: dict[str, dict[str, str]] = {
    "deal": {"ID": "ID", "TITLE": "Название", "TYPE_ID": "Тип", "STAGE_ID": "Стадия",
             "CATEGORY_ID": "Воронка", "OPPORTUNITY": "Сумма", "CURRENCY_ID": "Валюта",
             "COMPANY_ID": "Компания", "CONTACT_ID": "Контакт", "CONTACT_IDS": "Контакты",
             "BEGINDATE": "Дата начала", "CLOSEDATE": "Дата завершения",
             "COMMENTS": "Комментарий", "ASSIGNED_BY_ID": "Ответственный",
             "CREATED_BY_ID": "Кем создана", "DATE_CREATE": "Дата создания",
             "DATE_MODIFY": "Дата изменения", "SOURCE_ID": "Источник", "LEAD_ID": "Лид",
             "OPENED": "Доступна для всех", "CLOSED": "Закрыта"},
    "lead": {"ID": "ID", "TITLE": "Название лида", "NAME": "Имя", "LAST_NAME": "Фамилия",
             "STATUS_ID": "Стадия", "SOURCE_ID": "Источник", "OPPORTUNITY": "Сумма",
             "PHONE": "Телефон", "EMAIL": "E-mail", "COMMENTS": "Комментарий",
             "ASSIGNED_BY_ID": "Ответственный", "DATE_CREATE": "Дата создания"},
    "contact": {"ID": "ID", "NAME": "Имя", "LAST_NAME": "Фамилия", "SECOND_NAME": "Отчество",
                "POST": "Должность", "PHONE": "Телефон", "EMAIL": "E-mail", "TYPE_ID": "Тип",
                "SOURCE_ID": "Источник", "COMPANY_ID": "Компания", "BIRTHDATE": "Дата рождения",
                "COMMENTS": "Комментарий", "ASSIGNED_BY_ID": "Ответственный"},
    "company": {"ID": "ID", "TITLE": "Название компании", "COMPANY_TYPE": "Тип компании",
                "INDUSTRY": "Сфера деятельности", "EMPLOYEES": "Кол-во сотрудников",
                "REVENUE": "Годовой оборот", "PHONE": "Телефон", "EMAIL": "E-mail",
                "COMMENTS": "Комментарий", "ASSIGNED_BY_ID": "Ответственный"},
}


@dataclass(frozen=True)
class StageRobots:
    """One desired stage with its automation, where it is written and how the portal names it."""

    entity: str  # "deal", "lead" or "spa:<code>"
    pipeline_key: str
    pipeline_name: str
    code: str
    name: str
    path: Path  # key path of the stage table, e.g. ("deal", "pipelines", "sales", "stages", 0)
    automation: StageAutomation
    entity_name: str = ""  # a smart process's title (the CRM menu item of its items)

    @property
    def address(self) -> str:
        """As the plan shows it: `smart_process[hr].pipeline[hiring].stage[NEW]` for SPAs."""
        return engine_text(stage_address(self.entity, self.pipeline_key, self.code))


def with_automation(stages: ArrayOf) -> ArrayOf:
    """A stage list's shape whose stage tables also take `robots` and `triggers` (checked by
    the automation parser, which locates every problem itself)."""
    item = stages.item
    assert isinstance(item, Table)
    extra = {name: Prop(Opaque(schema)) for name, schema in stage_schema_properties().items()}
    return ArrayOf(Table({**item.props, **extra}, item.doc), stages.doc)


def parse_stages_automation(rows: Any, path: Path, report: Report, entity: str, key: str,
                            name: str, entity_name: str = "") -> tuple[StageRobots, ...]:
    """The automation of every stage table in `rows` (at `path`); problems go to `report`."""
    out = []
    for index, row in enumerate(rows if isinstance(rows, list) else []):
        if not isinstance(row, dict) or not ("robots" in row or "triggers" in row):
            continue
        code = str(row.get("code", index))
        stage_path = (*path, index)
        automation, problems = parse_stage_automation(row, _key(code), _no_location)
        for problem in problems:
            report.add(to_path(stage_path, problem.key), problem.message, problem.fix)
        out.append(StageRobots(entity, key, name, code, str(row.get("name", code)), stage_path,
                               automation, entity_name))
    return tuple(out)


def _key(code: str) -> str:
    return f"stage[{code}]"


def _no_location(_key: str) -> tuple[str, int | None]:
    return ("", None)


def to_path(stage_path: Path, key: str) -> Path:
    """`stage[NEW].robots[1].condition.all[2]` below `stage_path` -> an engine key path
    (the automation library counts from 1, the engine from 0)."""
    rest = key.split("]", 1)[1] if key.startswith("stage[") else key
    steps: list[str | int] = []
    for name, index in _STEP.findall(rest):
        if name:
            steps.append(name)
        elif index.isdigit():
            steps.append(int(index) - 1)
    return (*stage_path, *steps)


# ---- catalog and validation against the live portal ---------------------------------------

def catalog(stages: Mapping[str, Iterable[str]], live_fields: Mapping[str, Mapping[str, str]],
            users: Iterable[Mapping[str, Any]]) -> Catalog:
    """Standard fields plus the custom ones (live and desired), stages, active users."""
    fields = {entity: {**std, **live_fields.get(entity, {})}
              for entity, std in STANDARD_FIELDS.items()}
    return catalog_from_live(stages, fields, users)


def validate(stages: Iterable[StageRobots], cat: Catalog, locate: Locate | None) -> list[Problem]:
    """Every problem of every stage against the catalog, located by file, key path and line."""
    problems: list[Problem] = []
    for stage in stages:
        found = validate_stage(stage.entity, stage.pipeline_key, stage.code, stage.automation,
                               cat, _key(stage.code), _no_location)
        for problem in found:
            path = to_path(stage.path, problem.key)
            file, line = locate(path) if locate else ("", None)
            problems.append(Problem(file, render_path(path), problem.message, problem.fix,
                                    line))
    return problems


# ---- manual changes ---------------------------------------------------------------------

def items(stages: Iterable[StageRobots], recorded: Mapping[str, StageAutomation], lang: str,
          cat: Catalog) -> list[ManualItem]:
    """The manual items of every stage: desired automation minus what is attested."""
    out: list[ManualItem] = []
    for stage in stages:
        entity = stage.entity

        def label_of(field_id: str, entity: str = entity) -> str | None:
            return cat.field_label(entity, field_id)

        where = Where(entity, stage.pipeline_name, stage.name, stage.entity_name, label_of)
        out += [replace(item, address=engine_text(item.address)) for item in manual_changes(
            stage.pipeline_key, stage.code, stage.automation, recorded.get(stage.address), lang,
            where)]
    return out


def manual(stages: Iterable[StageRobots], recorded: Mapping[str, StageAutomation], lang: str,
           cat: Catalog) -> list[Change]:
    return [as_change(item) for item in items(stages, recorded, lang, cat)]


def as_change(item: ManualItem) -> Change:
    reason = "\n".join([f"{item.summary}:",
                        *(f"  {n}. {step}" for n, step in enumerate(item.steps, 1))])
    return Change(parse_address(item.address), KIND, Action.MANUAL, item.before, item.after,
                  reason)


def engine_text(text: str) -> str:
    """The automation library's `spa:hr.pipeline[...]` -> the engine's
    `smart_process[hr].pipeline[...]` (the smart-process kind's addresses)."""
    if not text.startswith("spa:"):
        return text
    code, rest = text[4:].split(".", 1)
    return f"smart_process[{code}].{rest}"


def parse_address(text: str) -> Address:
    """`deal.pipeline[sales].stage[NEW].robot[1]` -> Address."""
    parts = []
    for step in re.findall(r"\.?([^\[\]]+)\[([^\]]*)\]", text):
        parts.append((step[0].lstrip("."), step[1]))
    return Address(tuple(parts))
