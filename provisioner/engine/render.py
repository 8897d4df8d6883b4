"""Renderers of a plan: the versioned JSON document (canonical) and Terraform-style text.

A change's and a note's reason appear twice in the JSON plan: `reason`, the text the text plan
shows, and `reason_data`, the same reason as data (`{"code": "immutable", "attributes":
["semantics"]}`; model/reasons.py), for programs."""

from __future__ import annotations

import json
from typing import Any

from provisioner.engine.cost import cost_line
from provisioner.engine.render_safety import (
    destructive_document,
    destructive_lines,
    options_document,
)
from provisioner.model import Action, Change, Note, Plan

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
    return json.dumps(plan_document(plan), ensure_ascii=False, indent=2) + "\n"


def render_text(plan: Plan) -> str:
    return text_from_document(plan_document(plan))


def text_from_document(doc: dict[str, Any]) -> str:
    lines: list[str] = []
    for change in doc["changes"]:
        lines.extend(_change_lines(change))
    if doc["notes"]:
        lines.append("Left alone:")
        lines.extend(f"  # {n['address']}: {n['reason']}" for n in doc["notes"])
    lines.extend(destructive_lines(doc))
    if doc["summary"]["manual"]:
        lines.append(MANUAL_HINT)
    if "cost" in doc:
        lines.append(cost_line(doc["cost"]))
    lines.append(summary_line(doc["summary"]) if doc["changes"] else NO_CHANGES)
    return "\n".join(lines) + "\n"


def summary_line(summary: dict[str, int]) -> str:
    text = (f"Plan: {summary['add']} to add, {summary['change']} to change, "
            f"{summary['destroy']} to destroy")
    return text + (f", {summary['manual']} manual." if summary["manual"] else ".")


def _change_lines(change: dict[str, Any]) -> list[str]:
    action = Action(change["action"])
    mark = " (destructive)" if change["destructive"] else ""
    lines = [f"{action.symbol:>3} {change['address']}{mark}"]
    before, after = change["before"] or {}, change["after"] or {}
    if action in (Action.UPDATE, Action.REPLACE, Action.MANUAL):
        names = [k for k in after if before.get(k) != after.get(k)]
        rows = [(k, f"{_value(before.get(k))} -> {_value(after.get(k))}") for k in names]
    else:
        shown = after if action is Action.CREATE else before
        rows = [(k, _value(v)) for k, v in shown.items()]
    width = max((len(k) for k, _ in rows), default=0) + 1
    lines.extend(f"      {(k + ':').ljust(width)} {v}" for k, v in rows)
    # A reason may hold several lines (the steps of a manual change): each gets its own `#`.
    lines.extend(f"      # {line}" for line in change["reason"].splitlines())
    return lines


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False)
