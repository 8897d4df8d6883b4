"""A human summary of a sandbox portal's state, for `provision sandbox show`.

Generic on purpose: it reads whatever sections the handlers keep (counts, grouped by a natural
key where rows carry one) and never prints a token or secret of the auth section.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

GROUP_KEYS = ("ENTITY_ID", "entityTypeId", "ENTITY_TYPE_ID")
HIDDEN = ("ids",)


def summarise(data: dict[str, Any]) -> list[str]:
    lines = []
    for name in sorted(data):
        if name in HIDDEN:
            continue
        text = _auth(data[name]) if name == "auth" else _section(data[name])
        lines.append(f"{name}: {text}")
    return lines


def _auth(auth: Any) -> str:
    if not isinstance(auth, dict):
        return "?"
    return (f"{len(auth.get('webhooks', []))} webhook(s), {len(auth.get('apps', []))} "
            f"application(s), admins {sorted(auth.get('admins', []))}")


def _section(value: Any) -> str:
    rows = _rows(value)
    if rows is None:
        return _scalar(value)
    text = f"{len(rows)}"
    groups = _grouped(rows)
    if groups:
        text += " (" + ", ".join(f"{k}: {n}" for k, n in groups) + ")"
    return text


def _rows(value: Any) -> list[Any] | None:
    """Rows of a section: a list, a dict of rows, or a dict of dicts of rows (flattened)."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict):
        return None
    inner = list(value.values())
    if inner and all(isinstance(v, dict) and v and all(isinstance(r, dict) for r in v.values())
                     for v in inner):
        return [r for v in inner for r in v.values()]
    if all(isinstance(v, dict) for v in inner):
        return inner
    return None


def _grouped(rows: list[Any]) -> list[tuple[str, int]]:
    for key in GROUP_KEYS:
        values = [str(r[key]) for r in rows if isinstance(r, dict) and key in r]
        if values:
            return sorted(Counter(values).items())
    return []


def _scalar(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v!r}" for k, v in sorted(value.items())) or "-"
    return repr(value)
