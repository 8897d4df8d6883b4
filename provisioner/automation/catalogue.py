"""The robot types and trigger codes provision knows: portal class/code, friendly name, UI names.

Sources (bitrix24-automation.md (c) and b.7; the server's lang files for the UI wording):
robot names are the newer «Добавить робота» dialog's item names, the older names are kept because
the seed articles and older portals use them. Entities are "lead", "deal", "spa" (smart processes),
"quote", "smart_invoice", "contact", "company", "order".
"""

from __future__ import annotations

from dataclasses import dataclass, field

Words = dict[str, str]  # language -> text
CRM = frozenset({"lead", "deal", "spa", "quote", "smart_invoice", "contact", "company", "order"})


@dataclass(frozen=True)
class RobotKind:
    friendly: str
    cls: str
    name: Words
    old_name: Words
    group: Words  # the group of the «Добавить» dialog that lists it
    entities: frozenset[str] = CRM
    user_props: tuple[str, ...] = ()  # property paths ("Fields.CREATED_BY") that hold users


@dataclass(frozen=True)
class TriggerKind:
    code: str
    friendly: str
    name: Words
    entities: frozenset[str] = CRM
    rules: dict[str, str] = field(default_factory=dict)  # TOML key -> APPLY_RULES key


_INFORMING = {"ru": "Информирование сотрудников", "en": "Employee alerts"}
_CONTROL = {"ru": "Контроль сотрудников", "en": "Employee monitoring and control"}
_TASKS = {"ru": "Управление задачами", "en": "Task management"}

ROBOTS: tuple[RobotKind, ...] = (
    RobotKind("notification", "SocNetMessageActivity",
              {"ru": "Добавить уведомление", "en": "Add notification"},
              {"ru": "Уведомление", "en": "Notification"}, _INFORMING,
              user_props=("MessageUserTo", "MessageUserFrom")),
    RobotKind("control", "CrmControlNotifyActivity",
              {"ru": "Уведомить руководство", "en": "Notify supervisor"},
              {"ru": "Контроль", "en": "Control"}, _CONTROL,
              frozenset({"lead", "deal", "spa", "order", "smart_invoice"}),
              user_props=("ToUsers",)),
    RobotKind("task", "Task2Activity",
              {"ru": "Поставить задачу", "en": "Create task"},
              {"ru": "Задача", "en": "Task"}, _TASKS,
              user_props=("Fields.CREATED_BY", "Fields.RESPONSIBLE_ID", "Fields.ACCOMPLICES",
                          "Fields.AUDITORS")),
    RobotKind("sms", "CrmSendSmsActivity",
              {"ru": "Отправить СМС сотруднику", "en": "Send SMS to employee"},
              {"ru": "SMS", "en": "SMS"}, _INFORMING,
              frozenset({"lead", "deal", "contact", "company", "order", "spa", "quote",
                         "smart_invoice"}),
              user_props=("RecipientUser",)),
)

TRIGGERS: tuple[TriggerKind, ...] = (
    TriggerKind("OPENLINE", "openline",
                {"ru": "Отследить первое сообщение от клиента в чат",
                 "en": "Track customer's initial message"},
                CRM - {"quote", "smart_invoice"}, {"line": "config_id"}),
    TriggerKind("OPENLINE_MSG", "openline_message",
                {"ru": "Отследить активность клиента в чате", "en": "Track customer messages"},
                CRM - {"quote", "smart_invoice"}, {"line": "config_id", "text": "msg_text"}),
    TriggerKind("OPENLINE_ANSWER", "openline_taken",
                {"ru": "Отследить, что чат принят в работу", "en": "Track chat accepted event"},
                CRM - {"quote", "smart_invoice"}, {"line": "config_id"}),
    TriggerKind("OPENLINE_ANSWER_CTRL", "openline_answer_time",
                {"ru": "Отследить время принятия чата", "en": "Track chat accepted time"},
                CRM - {"quote", "smart_invoice"}, {"line": "config_id"}),
    TriggerKind("CALL", "call", {"ru": "Отследить входящий звонок", "en": "Track inbound call"},
                rules={"line_number": "LINE_NUMBER"}),
    TriggerKind("MISSED_CALL", "missed_call",
                {"ru": "Отследить пропущенный звонок", "en": "Track missed call"},
                rules={"line_number": "LINE_NUMBER"}),
    TriggerKind("OUTGOING_CALL", "outgoing_call",
                {"ru": "Отследить исходящий звонок", "en": "Track outbound call"}),
    TriggerKind("WEBHOOK", "webhook",
                {"ru": "Отследить входящий вебхук", "en": "Track inbound webhook"},
                rules={"webhook_code": "code"}),
    TriggerKind("APP", "app", {"ru": "Триггеры приложений", "en": "Application triggers"},
                rules={"app_id": "APP_ID", "app_code": "CODE"}),
    TriggerKind("ORDER_PAID", "order_paid",
                {"ru": "Отследить оплату заказа", "en": "Track order payment"},
                frozenset({"deal", "spa"})),
    TriggerKind("PAYMENT", "payment", {"ru": "Поступление оплаты", "en": "Payment"},
                frozenset({"order"})),
    TriggerKind("INVOICE", "invoice_paid",
                {"ru": "Отследить оплату счёта", "en": "Track invoice payment"},
                frozenset({"deal"})),
    TriggerKind("WEBFORM", "form",
                {"ru": "Отследить заполнение CRM-формы", "en": "Track CRM form submission"},
                rules={"form_id": "form_id"}),
    TriggerKind("TASK_STATUS", "task_status",
                {"ru": "Отследить нужный статус задачи", "en": "Watch for task status"},
                frozenset({"lead", "deal"}), {"task_status": "taskStatus"}),
)

_ROBOT_BY_NAME = {k.friendly: k for k in ROBOTS} | {k.cls: k for k in ROBOTS}
_TRIGGER_BY_NAME = {k.friendly: k for k in TRIGGERS} | {k.code: k for k in TRIGGERS}


def robot_kind(name: str) -> RobotKind | None:
    """The catalogued robot for a friendly name or an activity class name."""
    return _ROBOT_BY_NAME.get(name)


def trigger_kind(name: str) -> TriggerKind | None:
    """The catalogued trigger for a friendly name or a portal trigger code."""
    return _TRIGGER_BY_NAME.get(name)


def entity_class(entity: str) -> str:
    """"spa:hr" -> "spa": availability is per kind of document, not per smart process."""
    return entity.split(":", 1)[0]


def robot_friendly_names() -> list[str]:
    return [k.friendly for k in ROBOTS]


def trigger_friendly_names() -> list[str]:
    return [k.friendly for k in TRIGGERS]
