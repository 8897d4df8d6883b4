"""Tasks of the sandbox portal: rows, their history and their chats (handlers/tasks.py).

Store section `tasks` = {"tasks": {id: row}, "history": [entry], "chats": {chat id: [message]},
"settings": {"new_card": bool, "now": unix time or None}}. `settings.now` is a control knob for
tests (not a Bitrix API): when set, history entries and messages are dated by it instead of the
wall clock, so "a comment 20 minutes before the move" needs no waiting.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from provisioner.sandbox import auth
from provisioner.sandbox.crm.common import as_int
from provisioner.sandbox.store import Store

SECTION = "tasks"
CAMEL = {"ID": "id", "TITLE": "title", "DESCRIPTION": "description", "CREATED_BY": "createdBy",
         "RESPONSIBLE_ID": "responsibleId", "DEADLINE": "deadline", "STATUS": "status",
         "CREATED_DATE": "createdDate", "CHANGED_BY": "changedBy",
         "CHANGED_DATE": "changedDate", "ALLOW_CHANGE_DEADLINE": "allowChangeDeadline",
         "UF_CRM_TASK": "ufCrmTask", "CHAT_ID": "chatId", "AUDITORS": "auditors",
         "ACCOMPLICES": "accomplices"}
DEFAULT = ("ID", "TITLE", "DESCRIPTION", "CREATED_BY", "RESPONSIBLE_ID", "DEADLINE", "STATUS",
           "CREATED_DATE", "CHANGED_BY", "CHANGED_DATE", "ALLOW_CHANGE_DEADLINE", "CHAT_ID",
           "AUDITORS", "ACCOMPLICES")  # UF_CRM_TASK only when selected (api-reference/tasks/tasks-task-get.md)
TRACKED = ("TITLE", "DESCRIPTION", "DEADLINE", "RESPONSIBLE_ID", "ALLOW_CHANGE_DEADLINE")
ZONE = UTC


def section(store: Store) -> dict[str, Any]:
    data: dict[str, Any] = store.section(SECTION, {})
    for name, empty in (("tasks", {}), ("history", []), ("chats", {})):
        data.setdefault(name, type(empty)())
    data.setdefault("settings", {"new_card": True, "now": None})
    return data


def tasks(store: Store) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = section(store)["tasks"]
    return found


def history(store: Store) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = section(store)["history"]
    return found


def now(store: Store) -> float:
    fixed = section(store)["settings"].get("now")
    return float(fixed) if fixed is not None else time.time()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, ZONE).isoformat(timespec="seconds")


def parse_date(value: Any) -> float | None:
    """A deadline as sent: ISO 8601 (with or without a zone), or empty for none."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=ZONE)).timestamp()


def member(store: Store, task: dict[str, Any], user_id: int) -> bool:
    people = {task["CREATED_BY"], task["RESPONSIBLE_ID"], *task["AUDITORS"],
              *task["ACCOMPLICES"]}
    return user_id in people or auth.is_admin(store, user_id)


def new_task(store: Store, fields: dict[str, Any], creator: int, responsible: int,
             user_id: int) -> dict[str, Any]:
    task_id = store.next_id("task")
    stamp = now(store)
    crm = fields.get("UF_CRM_TASK")
    task = {"ID": task_id, "TITLE": str(fields["TITLE"]).strip(),
            "DESCRIPTION": str(fields.get("DESCRIPTION") or ""), "CREATED_BY": creator,
            "RESPONSIBLE_ID": responsible, "DEADLINE": _deadline(fields.get("DEADLINE")),
            "STATUS": "2", "CREATED_DATE": iso(stamp), "CHANGED_BY": user_id,
            "CHANGED_DATE": iso(stamp), "UF_CRM_TASK": [str(c) for c in crm]
            if isinstance(crm, list) else [],
            "ALLOW_CHANGE_DEADLINE": "Y" if str(fields.get("ALLOW_CHANGE_DEADLINE")) == "Y"
            else "N", "AUDITORS": _ids(fields.get("AUDITORS")),
            "ACCOMPLICES": _ids(fields.get("ACCOMPLICES")),
            "CHAT_ID": store.next_id("im_chat") if section(store)["settings"]["new_card"] else 0}
    tasks(store)[str(task_id)] = task
    _log(store, task_id, "NEW", None, None, user_id)
    return task


def _ids(value: Any) -> list[int]:
    items = value if isinstance(value, list) else []
    return [n for n in (as_int(v) for v in items) if n]


def _deadline(value: Any) -> str:
    stamp = parse_date(value)
    return "" if stamp is None else iso(stamp)


def _history_value(field: str, value: Any) -> str | None:
    if field == "DEADLINE":
        stamp = parse_date(value)
        return None if stamp is None else str(int(stamp))
    return None if value in (None, "") else str(value)


def change(store: Store, task: dict[str, Any], fields: dict[str, Any], user_id: int) -> bool:
    """Apply `fields`; a history entry per changed tracked field; True if anything changed."""
    changed = False
    for key in TRACKED:
        if key not in fields:
            continue
        new: Any = fields[key]
        if key == "DEADLINE":
            new = _deadline(new)
        elif key == "RESPONSIBLE_ID":
            new = as_int(new)
        else:
            new = str(new)
        if new == task[key]:
            continue
        _log(store, task["ID"], key, _history_value(key, task[key]), _history_value(key, new),
             user_id)
        task[key], changed = new, True
    if changed:
        task["CHANGED_BY"], task["CHANGED_DATE"] = user_id, iso(now(store))
    return changed


def _log(store: Store, task_id: int, field: str, old: str | None, new: str | None,
         user_id: int) -> None:
    user = store.section("users", {}).get(str(user_id), {})
    history(store).append({
        "id": store.next_id("task_history"), "taskId": task_id, "createdDate": iso(now(store)),
        "field": field, "value": {"from": old, "to": new},
        "user": {"id": user_id, "name": user.get("NAME", ""), "lastName":
                 user.get("LAST_NAME", ""), "secondName": "", "login": user.get("EMAIL", "")}})


def comment(store: Store, task: dict[str, Any], author: int, text: str) -> int:
    """New card: a message of the task chat. Old card: a comment, logged as COMMENT."""
    if task["CHAT_ID"]:
        message_id = store.next_id("im_message")
        messages(store, task["CHAT_ID"]).append({
            "id": message_id, "chat_id": task["CHAT_ID"], "author_id": author,
            "date": iso(now(store)), "text": text, "unread": False, "uuid": None,
            "replaces": [], "params": [], "disappearing_date": None})
        return message_id
    comment_id = store.next_id("task_comment")
    _log(store, task["ID"], "COMMENT", None, str(comment_id), author)
    return comment_id


def messages(store: Store, chat_id: int) -> list[dict[str, Any]]:
    chats: dict[str, list[dict[str, Any]]] = section(store)["chats"]
    return chats.setdefault(str(chat_id), [])


def task_of_chat(store: Store, chat_id: int) -> dict[str, Any] | None:
    return next((t for t in tasks(store).values() if t["CHAT_ID"] == chat_id), None)


def public(task: dict[str, Any], select: list[Any] | None = None) -> dict[str, Any]:
    """camelCase keys as tasks.task.get answers; ids as strings, deadline ISO or null."""
    wanted = [str(s).upper() for s in select] if select else []
    keys = DEFAULT if not wanted or "*" in wanted else tuple(k for k in CAMEL if k in wanted)
    if "UF_CRM_TASK" in wanted and "UF_CRM_TASK" not in keys:
        keys = (*keys, "UF_CRM_TASK")
    out: dict[str, Any] = {}
    for key in ("ID", *keys):
        value = task[key]
        if key in ("ID", "CREATED_BY", "RESPONSIBLE_ID", "CHANGED_BY"):
            value = str(value)
        elif key == "DEADLINE":
            value = value or None
        out[CAMEL[key]] = value
    return out
