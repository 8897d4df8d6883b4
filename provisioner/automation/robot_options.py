"""Friendly TOML options of the catalogued robots, turned into the activity's stored properties.

`message`, `to`, `deadline`, ... are what an administrator fills in the robot's dialog; the
result uses the portal's property keys (bitrix24-automation.md (c)) with users kept by e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from provisioner.automation import fieldref, syntax
from provisioner.automation.model import RESPONSIBLE

Add = Callable[..., None]  # Reporter.add(key, message, fix="")

FRIENDLY_OPTIONS: dict[str, tuple[str, ...]] = {
    "notification": ("message", "to", "from"),
    "control": ("message", "to"),
    "task": ("task_title", "description", "creator", "responsible", "deadline",
             "accept_result", "allow_change_deadline", "link_to_item"),
    "sms": ("message", "to", "provider"),
}
USER_HELP = ('write an e-mail of a portal user, "responsible" (the item\'s responsible person), '
             'or "field:KEY" (the user in the employee field KEY of the config)')
HEAD = "head"  # the control robot's «руководитель ответственного»


def robot_properties(friendly: str | None, raw: dict[str, Any], key: str,
                     add: Add) -> dict[str, Any] | None:
    """Stored properties of a robot: the raw `properties` table plus what the options say."""
    extra = raw.get("properties", {})
    if not isinstance(extra, dict):
        add(f"{key}.properties", "expected a table of activity properties")
        return None
    if friendly is None:
        return dict(extra)
    built = _BUILDERS[friendly](raw, key, add)
    if built is None:
        return None
    for name in sorted(set(extra) & set(built)):
        add(f"{key}.properties.{name}", f"{name} is already set by the robot's options",
            "remove it from properties")
    return {**extra, **built}


def _text(raw: dict[str, Any], name: str, key: str, add: Add, required: bool) -> str | None:
    value = raw.get(name)
    if value is None and not required:
        return None
    if isinstance(value, str) and value.strip():
        return value
    add(f"{key}.{name}", f"{name} must be a non-empty string" if value is not None
        else f"this robot needs {name}", f'write {name} = "..."')
    return None


def users(value: Any, key: str, add: Add, allow_head: bool = False) -> list[str] | None:
    """"responsible" / e-mails / bizproc expressions -> the stored list (e-mails lower-cased)."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for n, item in enumerate(items, 1):
        where = f"{key}[{n}]" if isinstance(value, list) else key
        if item == "responsible":
            out.append(RESPONSIBLE)
        elif isinstance(item, str) and re.fullmatch(fieldref.KEY, item):
            out.append(fieldref.user_ref(item))
        elif item == HEAD and allow_head:
            out.append(HEAD)
        elif isinstance(item, str) and (item.startswith("{=") or "@" in item):
            out.append(item.lower() if "@" in item and not item.startswith("{=") else item)
        else:
            add(where, f"not a user: {item!r}",
                USER_HELP + (', or "head" (the responsible\'s head)' if allow_head else ""))
            return None
    return out


def _notification(raw: dict[str, Any], key: str, add: Add) -> dict[str, Any] | None:
    text = _text(raw, "message", key, add, True)
    to = users(raw.get("to", "responsible"), f"{key}.to", add)
    sender = users(raw["from"], f"{key}.from", add) if "from" in raw else []
    if text is None or to is None or sender is None:
        return None
    props: dict[str, Any] = {"MessageText": text, "MessageUserTo": to, "MessageFormat": "robot"}
    if sender:
        props["MessageUserFrom"] = sender[0]
    return props


def _control(raw: dict[str, Any], key: str, add: Add) -> dict[str, Any] | None:
    text = _text(raw, "message", key, add, True)
    to = users(raw.get("to", HEAD), f"{key}.to", add, allow_head=True)
    if text is None or to is None:
        return None
    props: dict[str, Any] = {"MessageText": text, "ToHead": "Y" if HEAD in to else "N"}
    others = [u for u in to if u != HEAD]
    if others:
        props["ToUsers"] = others
    return props


def _task(raw: dict[str, Any], key: str, add: Add) -> dict[str, Any] | None:
    title = _text(raw, "task_title", key, add, True)
    description = _text(raw, "description", key, add, False)
    creator = users(raw.get("creator", "responsible"), f"{key}.creator", add)
    assignee = users(raw.get("responsible", "responsible"), f"{key}.responsible", add)
    deadline = _deadline(raw.get("deadline"), f"{key}.deadline", add)
    flags = {name: _flag(raw, name, default, key, add) for name, default in
             (("accept_result", False), ("allow_change_deadline", True), ("link_to_item", True))}
    if None in (title, creator, assignee, deadline) or None in flags.values():
        return None
    assert creator is not None and assignee is not None  # narrowed above, for mypy
    fields: dict[str, Any] = {"TITLE": title}
    if description is not None:
        fields["DESCRIPTION"] = description
    fields |= {"CREATED_BY": creator[0], "RESPONSIBLE_ID": assignee}
    if deadline:
        fields["DEADLINE"] = deadline
    fields |= {"TASK_CONTROL": flags["accept_result"],
               "ALLOW_CHANGE_DEADLINE": flags["allow_change_deadline"]}
    return {"Fields": fields, "AUTO_LINK_TO_CRM_ENTITY": flags["link_to_item"]}


def _flag(raw: dict[str, Any], name: str, default: bool, key: str, add: Add) -> str | None:
    value = raw.get(name, default)
    if isinstance(value, bool):
        return "Y" if value else "N"
    add(f"{key}.{name}", f"expected true or false, got {value!r}")
    return None


def _deadline(value: Any, key: str, add: Add) -> str | None:
    """"3d" -> the expression the task dialog stores for "in 3 days" ("" when not set)."""
    if value is None:
        return ""
    dur = syntax.parse_duration(value)
    if isinstance(dur, str):
        add(key, dur, syntax.DURATION_HELP)
        return None
    interval = f"{dur.amount}{dur.unit}"
    if dur.working:
        return f'=workdateadd({{=System:Now}},"{interval}",{RESPONSIBLE})'
    return f'=dateadd({{=System:Now}},"{interval}")'


def _sms(raw: dict[str, Any], key: str, add: Add) -> dict[str, Any] | None:
    text = _text(raw, "message", key, add, True)
    provider = _text(raw, "provider", key, add, False) or ":default:"
    target = raw.get("to", "client")
    to = [] if target == "client" else users(target, f"{key}.to", add)
    if text is None or to is None:
        return None
    props: dict[str, Any] = {"MessageText": text, "ProviderId": provider,
                             "RecipientType": "user" if to else "entity"}
    if to:
        props["RecipientUser"] = to[0]
    return props


_BUILDERS: dict[str, Callable[[dict[str, Any], str, Add], dict[str, Any] | None]] = {
    "notification": _notification, "control": _control, "task": _task, "sms": _sms,
}
