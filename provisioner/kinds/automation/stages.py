"""Robots and triggers of pipeline stages in a plan: checked against the live portal, planned
as manual changes (`!`).

The stage kinds keep each stage's automation (`kinds/stage_automation.py`); the automation
kind gathers it (`link`), validates it against a `Catalog` built from what the portal returned
and what apply will create, and turns the differences from what `provision attest` recorded
into manual changes whose reason is the steps in the portal's own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from provisioner.automation import (
    Catalog,
    ManualItem,
    StageAutomation,
    Where,
    catalog_from_live,
    manual_changes,
    validate_stage,
)
from provisioner.errors import Problem
from provisioner.kinds.stage_automation import (
    Locate,
    StageRobots,
    engine_text,
    no_location,
    stage_key,
    to_path,
)
from provisioner.model import Action, Change
from provisioner.model.address import Address
from provisioner.model.locate import render_path
from provisioner.model.reasons import ManualSteps

KIND = "automation"
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
    # a smart process's item (crm/lib/item.php, Item::FIELD_NAME_*)
    "spa": {"ID": "ID", "TITLE": "Название", "XML_ID": "Внешний код", "STAGE_ID": "Стадия",
            "PREVIOUS_STAGE_ID": "Предыдущая стадия", "CATEGORY_ID": "Воронка",
            "OPPORTUNITY": "Сумма", "CURRENCY_ID": "Валюта", "COMPANY_ID": "Компания",
            "CONTACT_ID": "Контакт", "CONTACT_IDS": "Контакты", "MYCOMPANY_ID": "Моя компания",
            "BEGINDATE": "Дата начала", "CLOSEDATE": "Дата завершения",
            "ASSIGNED_BY_ID": "Ответственный", "CREATED_BY": "Кем создан",
            "UPDATED_BY": "Кем изменён", "MOVED_BY": "Кем перемещён",
            "CREATED_TIME": "Дата создания", "UPDATED_TIME": "Дата изменения",
            "MOVED_TIME": "Дата перемещения", "SOURCE_ID": "Источник",
            "SOURCE_DESCRIPTION": "Дополнительно об источнике", "OPENED": "Доступен для всех",
            "OBSERVERS": "Наблюдатели", "WEBFORM_ID": "CRM-форма"},
    "company": {"ID": "ID", "TITLE": "Название компании", "COMPANY_TYPE": "Тип компании",
                "INDUSTRY": "Сфера деятельности", "EMPLOYEES": "Кол-во сотрудников",
                "REVENUE": "Годовой оборот", "PHONE": "Телефон", "EMAIL": "E-mail",
                "COMMENTS": "Комментарий", "ASSIGNED_BY_ID": "Ответственный"},
}


# ---- catalog and validation against the live portal ---------------------------------------

def catalog(stages: Mapping[str, Iterable[str]], custom: Mapping[str, Mapping[str, str]],
            users: Iterable[Mapping[str, Any]],
            employees: Mapping[str, Iterable[str]] | None = None,
            names: Mapping[str, Mapping[str, str]] | None = None) -> Catalog:
    """Standard fields plus the custom ones (live and desired; smart processes' as
    `spa:<code>`), stages, active users, the fields holding a user, field:KEY -> portal name."""
    fields = {entity: {**std, **custom.get(entity, {})} for entity, std in STANDARD_FIELDS.items()
              if entity != "spa"}
    for entity, own in custom.items():
        if entity.startswith("spa:"):
            fields[entity] = {**STANDARD_FIELDS["spa"], **own}
    return catalog_from_live(stages, fields, users, employees, names)


def validate(stages: Iterable[StageRobots], cat: Catalog, locate: Locate | None) -> list[Problem]:
    """Every problem of every stage against the catalog, located by file, key path and line."""
    problems: list[Problem] = []
    for stage in stages:
        found = validate_stage(stage.entity, stage.pipeline_key, stage.code, stage.automation,
                               cat, stage_key(stage.code), no_location)
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

        def name_of(field_id: str, entity: str = entity) -> str:
            return cat.portal_name(entity, field_id)

        where = Where(entity, stage.pipeline_name, stage.name, stage.entity_name, label_of,
                      name_of)
        out += [replace(item, address=engine_text(item.address)) for item in manual_changes(
            stage.pipeline_key, stage.code, stage.automation, recorded.get(stage.address), lang,
            where)]
    return out


def manual(stages: Iterable[StageRobots], recorded: Mapping[str, StageAutomation], lang: str,
           cat: Catalog) -> list[Change]:
    return [as_change(item) for item in items(stages, recorded, lang, cat)]


def as_change(item: ManualItem) -> Change:
    return Change(parse_address(item.address), KIND, Action.MANUAL, item.before, item.after,
                  ManualSteps(item.summary, tuple(item.steps)))


def parse_address(text: str) -> Address:
    """`deal.pipeline[sales].stage[NEW].robot[1]` -> Address."""
    parts = []
    for step in re.findall(r"\.?([^\[\]]+)\[([^\]]*)\]", text):
        parts.append((step[0].lstrip("."), step[1]))
    return Address(tuple(parts))
