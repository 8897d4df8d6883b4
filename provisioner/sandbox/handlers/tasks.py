"""tasks.task.add/get/update, tasks.task.history.list, task.commentitem.add, im.dialog.messages.get
and im.notify.system.add: enough of tasks to move a deadline, give a reason and be told.

Docs: api-reference/tasks/tasks-task-add.md, api-reference/tasks/tasks-task-get.md,
api-reference/tasks/tasks-task-update.md, api-reference/tasks/tasks-task-history-list.md,
api-reference/tasks/comment-item/task-comment-item-add.md, api-reference/tasks/tasks-new.md (the
new task card: comments are messages of the task's chat, `chatId`),
api-reference/chats/messages/im-dialog-messages-get.md,
api-reference/chats/notifications/im-notify-system-add.md,
api-reference/tasks/events-tasks/on-task-update.md (ONTASKUPDATE carries only the id). The sandbox
emulates the new card (store switch `tasks.settings.new_card`; off: comments are classic, recorded
in the history as COMMENT). History values of DEADLINE are unix timestamps as strings (b_tasks_log;
verify on a live portal). Who may change what follows TaskDeadlineRule
(docs/portal-rules.md#tasks): admin, creator; the responsible only with ALLOW_CHANGE_DEADLINE = Y.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from provisioner.sandbox import auth, events
from provisioner.sandbox.core import REGISTRY, BitrixError, CallContext, Result, paginate
from provisioner.sandbox.crm import tasks_state as ts
from provisioner.sandbox.crm.common import as_int

_DOC = "api-reference/tasks/tasks-task-{}.md"
TEXT = ("TITLE", "DESCRIPTION")


def _error(code: int | str, text: str) -> BitrixError:
    return BitrixError(code, text, 400)


def _task_id(params: dict[str, Any], key: str = "taskId") -> int:
    raw = params.get(key, params.get(key.upper()))
    if raw is None or raw == "":
        raise _error(100, "CTaskItem All parameters in the constructor must have real class "
                     "type (internal error)")
    number = as_int(raw)
    if number is None or number <= 0:
        raise _error(0, "wrong task id")
    return number


def _fields(params: dict[str, Any]) -> dict[str, Any]:
    fields = params.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise _error(100, "Could not find value for parameter {fields} (internal error)")
    return fields


def _object(params: dict[str, Any], key: str) -> dict[str, Any]:
    value = params.get(key)
    return value if isinstance(value, dict) else {}


def _readable(ctx: CallContext, task_id: int) -> dict[str, Any]:
    task = ts.tasks(ctx.store).get(str(task_id))
    if task is None or not ts.member(ctx.store, task, ctx.user_id):
        raise _error(0, "Access denied. (internal error)")
    return task


def _user(ctx: CallContext, value: Any, text: str) -> int:
    uid = as_int(value)
    if uid is None or str(uid) not in ctx.store.section("users", {}):
        raise BitrixError("ERROR_CORE", text, 400)
    return uid


@REGISTRY.add("tasks.task.add", scope="task", write=True, doc=_DOC.format("add"))
def task_add(ctx: CallContext, params: dict[str, Any]) -> Result:
    fields = _fields(params)
    if not str(fields.get("TITLE") or "").strip():
        raise BitrixError("ERROR_CORE", "Task title not specified", 400)
    if not fields.get("RESPONSIBLE_ID"):
        raise BitrixError("ERROR_CORE", "Responsible person not specified", 400)
    responsible = _user(ctx, fields["RESPONSIBLE_ID"],
                        'User specified in the "Responsible" field not found')
    creator = _user(ctx, fields.get("CREATED_BY") or ctx.user_id, "Creator not found")
    task = ts.new_task(ctx.store, fields, creator, responsible, ctx.user_id)
    events.fire(ctx.store, "ONTASKADD", {"FIELDS_BEFORE": "undefined",
                                         "FIELDS_AFTER": {"ID": task["ID"]},
                                         "IS_ACCESSIBLE_BEFORE": "N",
                                         "IS_ACCESSIBLE_AFTER": "undefined"}, ctx.user_id)
    return Result({"task": ts.public(task)})


@REGISTRY.add("tasks.task.get", scope="task", doc=_DOC.format("get"))
def task_get(ctx: CallContext, params: dict[str, Any]) -> Result:
    task = _readable(ctx, _task_id(params))
    select = params.get("select")
    if select is not None and not isinstance(select, list):
        raise _error(100, "Invalid value {} to match with parameter {select}. Should be value "
                     "of type array. (internal error)")
    return Result({"task": ts.public(task, select)})


def _may_update(ctx: CallContext, task: dict[str, Any], fields: dict[str, Any]) -> bool:
    if auth.is_admin(ctx.store, ctx.user_id) or ctx.user_id == task["CREATED_BY"]:
        return True
    if ctx.user_id != task["RESPONSIBLE_ID"]:
        return False
    return "DEADLINE" not in fields or task["ALLOW_CHANGE_DEADLINE"] == "Y"


@REGISTRY.add("tasks.task.update", scope="task", write=True, doc=_DOC.format("update"))
def task_update(ctx: CallContext, params: dict[str, Any]) -> Result:
    task_id = _task_id(params)
    fields = _fields(params)
    task = _readable(ctx, task_id)
    if not _may_update(ctx, task, fields):
        raise _error(0, "Action on the task is not allowed (internal error)")
    if "RESPONSIBLE_ID" in fields:
        _user(ctx, fields["RESPONSIBLE_ID"],
              'The user specified in the "Responsible" field was not found<br>')
    if ts.change(ctx.store, task, fields, ctx.user_id):
        events.fire(ctx.store, "ONTASKUPDATE", {"FIELDS_BEFORE": {"ID": task_id},
                                                "FIELDS_AFTER": {"ID": task_id},
                                                "IS_ACCESSIBLE_BEFORE": "undefined",
                                                "IS_ACCESSIBLE_AFTER": "undefined"}, ctx.user_id)
    return Result({"task": ts.public(task)})


@REGISTRY.add("tasks.task.history.list", scope="task", doc=_DOC.format("history-list"))
def history_list(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Newest first by default; `filter.FIELD`; `[]` for a task that does not exist."""
    task_id = _task_id(params)
    task = ts.tasks(ctx.store).get(str(task_id))
    if task is None:
        return Result({"list": []})
    if not ts.member(ctx.store, task, ctx.user_id):
        raise _error(0, "Access denied. (internal error)")
    flt = _object(params, "filter")
    rows = [r for r in ts.history(ctx.store) if r["taskId"] == task_id
            and (not flt.get("FIELD") or r["field"] == str(flt["FIELD"]).upper())]
    order = _object(params, "order")
    ascending = str(order.get("createdDate", order.get("CREATED_DATE", "desc"))).lower() == "asc"
    rows.sort(key=lambda r: (r["createdDate"], r["id"]), reverse=not ascending)
    page = paginate([{k: v for k, v in r.items() if k != "taskId"} for r in rows], ctx.start)
    return Result({"list": page.value}, total=page.total, next=page.next)


@REGISTRY.add("task.commentitem.add", scope="task", write=True,
              doc="api-reference/tasks/comment-item/task-comment-item-add.md")
def comment_add(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Works in the new card too (api-reference/tasks/tasks-new.md): the text becomes a message of the task chat."""
    upper = {str(k).upper(): v for k, v in params.items()}
    task_id = _task_id(upper, "TASKID")
    fields = _object(upper, "FIELDS")
    text = str(fields.get("POST_MESSAGE") or "").strip()
    if not text:
        raise BitrixError("ERROR_CORE", "Comment text is not specified", 400)
    task = ts.tasks(ctx.store).get(str(task_id))
    if task is None or not ts.member(ctx.store, task, ctx.user_id):
        raise BitrixError("ERROR_CORE", "Insufficient permissions to add a comment", 400)
    author = as_int(fields.get("AUTHOR_ID")) or ctx.user_id
    return Result(ts.comment(ctx.store, task, author, text))


@REGISTRY.add("im.dialog.messages.get", scope="im",
              doc="api-reference/chats/messages/im-dialog-messages-get.md")
def dialog_messages(ctx: CallContext, params: dict[str, Any]) -> Result:
    """Only `chat<ID>` dialogs of task chats; newest first; LIMIT (default 20, max 50)."""
    dialog = str(params.get("DIALOG_ID") or "")
    chat_id = as_int(dialog.removeprefix("chat")) if dialog.startswith("chat") else None
    task = ts.task_of_chat(ctx.store, chat_id) if chat_id else None
    if task is None or not (ts.member(ctx.store, task, ctx.user_id)
                            or auth.is_admin(ctx.store, ctx.user_id)):
        raise BitrixError("ACCESS_ERROR", "You do not have access to the specified dialog", 400)
    limit = min(50, max(1, as_int(params.get("LIMIT")) or 20))
    rows = sorted(ts.messages(ctx.store, chat_id or 0), key=lambda m: -int(m["id"]))[:limit]
    return Result({"chat_id": chat_id, "messages": rows, "users": []})


@REGISTRY.add("im.notify.system.add", scope="im", write=True,
              doc="api-reference/chats/notifications/im-notify-system-add.md")
def notify_system(ctx: CallContext, params: dict[str, Any]) -> Result:
    user_id = as_int(params.get("USER_ID"))
    if user_id is None or user_id <= 0:
        raise BitrixError("USER_ID_EMPTY", "User ID can't be empty", 400)
    message = str(params.get("MESSAGE") or "").strip()
    if not message:
        raise BitrixError("MESSAGE_EMPTY", "Message can't be empty", 400)
    rows: list[dict[str, Any]] = ctx.store.section("notifications", [])
    note_id = ctx.store.next_id("notification")
    rows.append({"id": note_id, "to": user_id, "from_app": ctx.app_id, "message": message,
                 "date": datetime.now().astimezone().isoformat(timespec="seconds")})
    return Result(note_id)
