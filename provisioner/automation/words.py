"""The portal's own words on the automation screen, in Russian and English.

Taken from the portal's lang files (bizproc.automation template, robot selector, activity and
trigger descriptions); where an administrator types or picks something, the step quotes the label.
"""

from __future__ import annotations

LANGS = ("ru", "en")

WORDS: dict[str, dict[str, str]] = {
    "ru": {
        "crm": "CRM", "deal": "Сделки", "lead": "Лиды", "pipeline": "воронка",
        "robots_button": "Роботы", "robots_row": "Роботы", "triggers_row": "Триггеры",
        "required_row": "Обязательные поля с этой стадии",
        "add": "+ добавить", "save": "Сохранить", "robot_name": "Название робота",
        "trigger_name": "Название триггера", "run": "Выполнить", "condition": "Условие",
        "allow_backwards": "Разрешить переходить на предыдущий статус",
        "after_previous": "после предыдущего робота", "work_time": "только рабочее время",
        "now": "Сразу", "in": "Через", "before": "За", "before_tail": "до", "at": "В момент",
        "at_time": "точное время", "and": "и", "or": "или", "yes": "да", "no": "нет",
        "responsible": "Ответственный", "head": "Руководитель ответственного",
        "client": "Клиент", "formerly": "раньше", "execute_by": "Выполнять от имени",
        "user_in_field": "пользователь из поля",
        "switched_off": "Робот выключен: выключите его переключателем на карточке робота",
        "switched_on": "Робот включён: включите его переключателем на карточке робота",
    },
    "en": {
        "crm": "CRM", "deal": "Deals", "lead": "Leads", "pipeline": "pipeline",
        "robots_button": "Automation rules", "robots_row": "Automation rules",
        "triggers_row": "Triggers", "required_row": "Mandatory fields from this stage on",
        "add": "+ add", "save": "Save",
        "robot_name": "Automation rule name", "trigger_name": "Trigger name", "run": "Run",
        "condition": "Condition", "allow_backwards": "Allow switching to previous status",
        "after_previous": "after the previous automation rule", "work_time": "working hours only",
        "now": "Immediately", "in": "In", "before": "", "before_tail": "before",
        "at": "At", "at_time": "exact time", "and": "and", "or": "or", "yes": "yes", "no": "no",
        "responsible": "Responsible person", "head": "Supervisor of the responsible person",
        "client": "Customer", "formerly": "formerly", "execute_by": "Run as",
        "user_in_field": "the user in the field",
        "switched_off": "The rule is off: switch it off with the toggle on its card",
        "switched_on": "The rule is on: switch it on with the toggle on its card",
    },
}

OPERATORS: dict[str, dict[str, str]] = {
    "ru": {"=": "равно", "!=": "не равно", ">": "больше", ">=": "не меньше", "<": "меньше",
           "<=": "не больше", "in": "содержится в", "!in": "не содержится в",
           "contain": "содержит", "!contain": "не содержит", "empty": "не заполнено",
           "!empty": "заполнено"},
    "en": {"=": "equals", "!=": "not equal to", ">": "more than", ">=": "not less than",
           "<": "less than", "<=": "not more than", "in": "is in", "!in": "isn't part of",
           "contain": "contains", "!contain": "doesn't contain", "empty": "is empty",
           "!empty": "is not empty"},
}

# Labels of the dialog fields behind the stored properties (property path -> label).
PROPERTY_LABELS: dict[str, dict[str, str]] = {
    "ru": {"MessageText": "Текст сообщения", "MessageUserTo": "Кому",
           "MessageUserFrom": "От кого", "ToUsers": "Кому", "RecipientUser": "Кому",
           "ProviderId": "Провайдер", "Fields.TITLE": "Название задачи",
           "Fields.DESCRIPTION": "Описание", "Fields.CREATED_BY": "Постановщик",
           "Fields.RESPONSIBLE_ID": "Исполнитель", "Fields.DEADLINE": "Крайний срок",
           "Fields.TASK_CONTROL": "Принять работу после завершения задачи",
           "Fields.ALLOW_CHANGE_DEADLINE": "Разрешить исполнителю менять крайний срок",
           "AUTO_LINK_TO_CRM_ENTITY": "Привязать к текущей сущности CRM",
           "config_id": "Открытая линия", "msg_text": "Текст сообщения",
           "LINE_NUMBER": "Линия", "form_id": "CRM-форма", "taskStatus": "Статус задачи",
           "code": "Код вебхука", "APP_ID": "Приложение", "CODE": "Код триггера"},
    "en": {"MessageText": "Message text", "MessageUserTo": "To", "MessageUserFrom": "From",
           "ToUsers": "To", "RecipientUser": "To", "ProviderId": "Provider",
           "Fields.TITLE": "Task name", "Fields.DESCRIPTION": "Description",
           "Fields.CREATED_BY": "Created by", "Fields.RESPONSIBLE_ID": "Assignee",
           "Fields.DEADLINE": "Deadline", "Fields.TASK_CONTROL": "Approve task when completed",
           "Fields.ALLOW_CHANGE_DEADLINE": "Assignee can change deadline",
           "AUTO_LINK_TO_CRM_ENTITY": "Link to the current CRM item",
           "config_id": "Open Channel", "msg_text": "Message text", "LINE_NUMBER": "Line",
           "form_id": "CRM form", "taskStatus": "Task status", "code": "Webhook code",
           "APP_ID": "Application", "CODE": "Trigger code"},
}

# Stored values that the dialog shows as words; not shown at all: the dialog sets them itself.
HIDDEN_PROPERTIES = frozenset({"MessageFormat", "ToHead", "RecipientType"})

# ru: one / few / many; en: one / many
UNITS: dict[str, dict[str, tuple[str, ...]]] = {
    "ru": {"i": ("минуту", "минуты", "минут"), "h": ("час", "часа", "часов"),
           "d": ("день", "дня", "дней")},
    "en": {"i": ("minute", "minutes"), "h": ("hour", "hours"), "d": ("day", "days")},
}


def plural(lang: str, n: int, unit: str) -> str:
    forms = UNITS[lang][unit]
    if lang != "ru":
        return forms[0] if n == 1 else forms[1]
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


def quote(lang: str, text: str) -> str:
    return f"«{text}»" if lang == "ru" else f"“{text}”"


def word(lang: str, name: str) -> str:
    return WORDS[lang][name]
