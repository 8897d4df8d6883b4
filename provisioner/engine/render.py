"""Renderers of a plan: the versioned JSON document (canonical) and Terraform-style text.

A change's and a note's reason appear twice in the JSON plan: `reason`, the text the text plan
shows, and `reason_data`, the same reason as data (`{"code": "immutable", "attributes":
["semantics"]}`; model/reasons.py), for programs."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from provisioner.engine.cost import cost_line
from provisioner.engine.render_safety import (
    destructive_document,
    destructive_lines,
    options_document,
    residue_document,
    residue_lines,
)
from provisioner.engine.render_style import PLAIN, Style
from provisioner.model import Action, Change, Note, Plan
from provisioner.model.printable import printable, printable_json

FORMAT_VERSION = "1"
NO_CHANGES = "No changes. The portal matches the desired state."
MANUAL_HINT = ("Manual changes (!) are never applied: carry them out on the portal (`provision "
               "runbook` writes the steps for robots, triggers and required_from rules), then "
               "record it with `provision attest`.")


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data; the text renderer works from this same document."""
    return {
        "format_version": FORMAT_VERSION,
        "live_fingerprint": plan.fingerprint,
        "options": options_document(plan.options),
        "changes": [_change(c) for c in plan.changes],
        "destructive": destructive_document(plan),
        "residue": residue_document(plan),
        "notes": [_note(n) for n in plan.notes],
        **({"cost": plan.cost.document()} if plan.cost is not None else {}),
        "summary": plan.summary(),
    }


def _change(c: Change) -> dict[str, Any]:
    return {"address": str(c.address), "kind": c.kind, "action": c.action.value,
            "before": dict(c.before) if c.before is not None else None,
            "after": dict(c.after) if c.after is not None else None,
            "reason": c.reason, "reason_data": None if c.why is None else c.why.data(),
            "destructive": c.destructive}


def _note(n: Note) -> dict[str, Any]:
    return {"address": str(n.address), "kind": n.kind, "reason": n.reason,
            "reason_data": n.why.data()}


def render_json(plan: Plan) -> str:
    return printable_json(json.dumps(plan_document(plan), ensure_ascii=False, indent=2)) + "\n"


def render_text(plan: Plan, style: Style = PLAIN) -> str:
    """The plan as text; `style` colours it (render_style.py) without changing a word."""
    return text_from_document(plan_document(plan), style)


def text_from_document(doc: dict[str, Any], style: Style = PLAIN) -> str:
    doc = _shown(doc)  # escaped before the style paints: its own escapes stay escapes
    lines: list[str] = []
    for change in doc["changes"]:
        lines.extend(_change_lines(change, style))
    if doc["notes"]:
        lines.append(style.paint("note", "Left alone:"))
        lines.extend(style.paint("note", f"  # {n['address']}: {n['reason']}")
                     for n in doc["notes"])
    lines.extend(destructive_lines(doc, style))
    lines.extend(residue_lines(doc, style))
    if doc["summary"]["manual"]:
        lines.append(MANUAL_HINT)
    if "cost" in doc:
        lines.append(style.paint("cost", cost_line(doc["cost"])))
    lines.append(style.paint("summary", summary_line(doc["summary"]) if doc["changes"]
                             else NO_CHANGES))
    return "\n".join(lines) + "\n"


_RAW = frozenset(("before", "after"))  # shown as JSON values, escaped by line (_change_lines)


@lru_cache(maxsize=1024)
def _shown_key(key: str) -> str:
    return printable(key)  # a document's keys are few, each met once a change


def _shown(value: Any, key: str = "") -> Any:
    """`value` with every string escaped (model/printable.py): names from the portal may hold
    controls, bidi overrides, lone surrogates. A reason keeps its line breaks (its steps); the
    values before and after (`_RAW`) are escaped once written as JSON, by line."""
    if isinstance(value, dict):
        return {_shown_key(str(k)): v if k in _RAW else _shown(v, str(k))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    if isinstance(value, str):
        if key == "reason" and "\n" in value:
            return "\n".join(printable(part) for part in value.split("\n"))
        return printable(value)
    return value


def summary_line(summary: dict[str, int]) -> str:
    text = (f"Plan: {summary['add']} to add, {summary['change']} to change, "
            f"{summary['destroy']} to destroy")
    return text + (f", {summary['manual']} manual." if summary["manual"] else ".")


def _change_lines(change: dict[str, Any], style: Style = PLAIN) -> list[str]:
    action = Action(change["action"])
    mark = " (destructive)" if change["destructive"] else ""
    head = style.paint(action.value, f"{action.symbol:>3} {change['address']}")
    lines = [head + (style.paint("destructive", mark) if mark else "")]
    before, after = change["before"] or {}, change["after"] or {}
    if action in (Action.UPDATE, Action.REPLACE, Action.MANUAL):
        rows = _changed(before, after, [k for k in after if before.get(k) != after.get(k)])
    else:
        shown = after if action is Action.CREATE else before
        rows = [(k, _value(v)) for k, v in shown.items()]
    width = max((len(k) for k, _ in rows), default=0) + 1
    lines.extend(printable(f"      {(k + ':').ljust(width)} {v}") for k, v in rows)
    # A reason may hold several lines (the steps of a manual change): each gets its own `#`.
    lines.extend(style.paint("reason", f"      # {line}")
                 for line in change["reason"].splitlines())
    return lines


def _changed(before: dict[str, Any], after: dict[str, Any],
             names: list[str]) -> list[tuple[str, str]]:
    """`name: before -> after` for each changed name; a table changed on both sides shows only
    its entries that changed, by path (`features.automation`), not the whole table (the JSON
    plan keeps both tables whole)."""
    rows: list[tuple[str, str]] = []
    for k in names:
        old, new = before.get(k), after.get(k)
        if isinstance(old, dict) and isinstance(new, dict) and old and new:
            inner = [n for n in dict.fromkeys([*new, *old]) if old.get(n) != new.get(n)]
            rows.extend((f"{k}.{n}", text) for n, text in _changed(old, new, inner))
        else:
            rows.append((k, f"{_value(old)} -> {_value(new)}"))
    return rows


# json.dumps(value, ensure_ascii=False), its parts made once: a text plan of thousands of
# changes shows a value a line (L4 from empty: 105,000).
_TEXT = json.encoder.encode_basestring
_JSON = json.JSONEncoder(ensure_ascii=False).encode


def _value(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _TEXT(value)
    if kind is int:
        return int.__repr__(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "(none)"
    return _JSON(value)
