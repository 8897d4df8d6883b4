"""The deadline guard against a portal: read the task and its history, judge, put it back.

Order matters for the event the revert itself causes: the app notes the deadline it is about to
restore (`Storage.note_revert`) before `tasks.task.update`, so that ONTASKUPDATE is recognised
and ignored. Each history entry is claimed once (`Storage.claim`): a repeated or late event, or
an event for another field, does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from provisioner.companion import guard
from provisioner.companion.guard import Move, TaskInfo, Verdict
from provisioner.kinds.companion.model import HEAD, DeadlineGuard
from provisioner.companion.storage import Installation, Storage

log = logging.getLogger("provisioner.companion")
SELECT = ["ID", "TITLE", "CREATED_BY", "RESPONSIBLE_ID", "DEADLINE", "UF_CRM_TASK", "CHAT_ID"]


@dataclass(frozen=True)
class Outcome:
    action: str  # "ignore" | "keep" | "revert"
    reason: str
    task_id: int = 0
    notified: tuple[int, ...] = ()


def _int(value: Any) -> int | None:
    text = str(value) if isinstance(value, (int, str)) else ""
    return int(text) if text.isdigit() and int(text) > 0 else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _entries(result: Any) -> list[dict[str, Any]]:
    rows = result.get("list") if isinstance(result, dict) else None
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def newest_move(result: Any) -> Move | None:
    moves = []
    for row in _entries(result):
        user, value = _dict(row.get("user")), _dict(row.get("value"))
        entry, who, at = _int(row.get("id")), _int(user.get("id")), guard.stamp(
            row.get("createdDate"))
        if row.get("field") == "DEADLINE" and entry and who and at is not None:
            name = " ".join(str(user.get(k) or "") for k in ("name", "lastName")).strip()
            moves.append(Move(entry, who, float(at), guard.stamp(value.get("from")),
                              guard.stamp(value.get("to")), name))
    return max(moves, key=lambda m: m.entry_id, default=None)


def task_info(task_id: int, result: Any) -> tuple[TaskInfo, int | None]:
    task = result.get("task") if isinstance(result, dict) else None
    task = task if isinstance(task, dict) else {}
    crm = task.get("ufCrmTask")
    info = TaskInfo(task_id, str(task.get("title") or ""), _int(task.get("createdBy")),
                    _int(task.get("responsibleId")), isinstance(crm, list) and bool(crm))
    return info, _int(task.get("chatId"))


def comments(history: Any, chat: Any) -> tuple[tuple[int, float], ...]:
    """(author, time) of COMMENT history entries (classic card) and task chat messages."""
    out: list[tuple[int, float]] = []
    for row in _entries(history):
        user = _dict(row.get("user"))
        who, at = _int(user.get("id")), guard.stamp(row.get("createdDate"))
        if row.get("field") == "COMMENT" and who and at is not None:
            out.append((who, float(at)))
    messages = chat.get("messages") if isinstance(chat, dict) else None
    for row in messages if isinstance(messages, list) else []:
        if isinstance(row, dict):
            who, at = _int(row.get("author_id")), guard.stamp(row.get("date"))
            if who and at is not None:
                out.append((who, float(at)))
    return tuple(out)


def handle_task_update(client: Any, storage: Storage, inst: Installation,
                       config: DeadlineGuard, task_id: int) -> Outcome:
    first = client.batch({
        "task": ("tasks.task.get", {"taskId": task_id, "select": SELECT}),
        "moves": ("tasks.task.history.list", {"taskId": task_id,
                                              "filter": {"FIELD": "DEADLINE"}}),
        "comments": ("tasks.task.history.list", {"taskId": task_id,
                                                 "filter": {"FIELD": "COMMENT"}}),
        **{f"exempt{n}": ("user.get", {"FILTER": {"EMAIL": email}})
           for n, email in enumerate(config.exempt)}}).results
    move = newest_move(first.get("moves"))
    if move is None:
        return Outcome("ignore", "no deadline change", task_id)
    if move.at < inst.installed_at - guard.GRACE_AFTER:
        return Outcome("ignore", "the move is older than the installation", task_id)
    if not storage.claim(inst.member_id, f"deadline:{task_id}:{move.entry_id}"):
        return Outcome("ignore", "this change was handled already", task_id)
    if move.new is not None and storage.take_revert(inst.member_id, task_id, str(move.new)):
        return Outcome("ignore", "the app's own revert", task_id)
    info, chat_id = task_info(task_id, first.get("task"))
    chat = client.call("im.dialog.messages.get", {"DIALOG_ID": f"chat{chat_id}",
                                                  "LIMIT": 50}).result if chat_id else None
    exempt = frozenset(_user_ids(first, "exempt", len(config.exempt)))
    verdict = guard.judge(config, info, move, comments(first.get("comments"), chat), exempt)
    if verdict.action == "keep":
        return Outcome("keep", verdict.reason, task_id)
    return _revert(client, storage, inst, config, info, move, verdict)


def _user_ids(results: Mapping[str, Any], prefix: str, count: int) -> list[int]:
    out = []
    for n in range(count):
        rows = results.get(f"{prefix}{n}")
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and _int(row.get("ID")):
                out.append(int(row["ID"]))
    return out


def _revert(client: Any, storage: Storage, inst: Installation, config: DeadlineGuard,
            info: TaskInfo, move: Move, verdict: Verdict) -> Outcome:
    assert move.old is not None  # judge keeps a first deadline
    storage.note_revert(inst.member_id, info.task_id, str(move.old))
    client.call("tasks.task.update", {"taskId": info.task_id,
                                      "fields": {"DEADLINE": guard.iso(move.old)}})
    client.call("task.commentitem.add", {"TASKID": info.task_id,
                                         "FIELDS": {"POST_MESSAGE": guard.comment_text(move)}})
    people = recipients(client, config, move.user_id)
    text = guard.notice_text(info, move)
    if people:
        client.batch({f"n{uid}": ("im.notify.system.add", {"USER_ID": uid, "MESSAGE": text})
                      for uid in people})
    log.info("task %s: deadline put back (%s); notified %s", info.task_id, verdict.reason,
             list(people))
    return Outcome("revert", verdict.reason, info.task_id, people)


def recipients(client: Any, config: DeadlineGuard, mover: int) -> tuple[int, ...]:
    """The head of the mover's department (its parent's head when the mover is the head) and
    the configured people, by e-mail; unknown e-mails are logged and skipped."""
    emails = [e for e in config.notify if e != HEAD]
    calls: dict[str, Any] = {f"mail{n}": ("user.get", {"FILTER": {"EMAIL": e}})
                             for n, e in enumerate(emails)}
    if HEAD in config.notify:
        calls["mover"] = ("user.get", {"FILTER": {"ID": mover}})
        calls["deps"] = ("department.get", {})
    results = client.batch(calls).results if calls else {}
    people = _user_ids(results, "mail", len(emails))
    if len(people) < len(emails):
        log.warning("deadline guard: %d notify e-mail(s) match no user", len(emails) - len(people))
    if HEAD in config.notify:
        head = head_of(results.get("mover"), results.get("deps"), mover)
        people = [*([head] if head else []), *people]
    return tuple(dict.fromkeys(p for p in people if p != mover))


def head_of(users: Any, departments: Any, mover: int) -> int | None:
    user = users[0] if isinstance(users, list) and users and isinstance(users[0], dict) else {}
    deps = {str(d.get("ID")): d for d in departments if isinstance(d, dict)} \
        if isinstance(departments, list) else {}
    raw = user.get("UF_DEPARTMENT")
    own: list[Any] = raw if isinstance(raw, list) else []
    for dep_id in own:
        seen: set[str] = set()
        node = deps.get(str(dep_id))
        while node is not None and str(node.get("ID")) not in seen:
            seen.add(str(node.get("ID")))
            head = _int(node.get("UF_HEAD"))
            if head and head != mover:
                return head
            node = deps.get(str(node.get("PARENT")))
    return None
