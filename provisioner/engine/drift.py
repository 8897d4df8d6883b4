"""Drift: what differs between the config and the portal, read as "changed outside".

Made from a plan (never planned with deletions): an update shows portal value -> config value
(each differing value by its path, `label.en`), a create is missing on the portal. Live objects
the config leaves alone (in a scope it manages, but not named in it) are not drift: a clean
apply leaves them as they are, so they are listed apart; `strict` counts them as drift ("extra
on the portal"), the view of older versions. Manual changes (what REST cannot read or write)
are listed apart and are never drift.
"""

from __future__ import annotations

import json
from typing import Any

from provisioner.engine.differences import ABSENT, differences
from provisioner.engine.planner import UNMANAGED
from provisioner.engine.render_style import PLAIN, Style, by_symbol
from provisioner.model import Action, Change, Plan

STATUS = {Action.UPDATE: "changed", Action.REPLACE: "changed", Action.CREATE: "missing",
          Action.DELETE: "extra"}
IN_SYNC = "In sync: the portal matches the config."
UNMANAGED_HEAD = "Not in the config (left alone, not drift; --strict counts them):"


def drift_document(plan: Plan, strict: bool = False) -> dict[str, Any]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for c in plan.changes:
        if c.action is not Action.MANUAL:
            kinds.setdefault(c.kind, []).append(_entry(c))
    unmanaged = [{"address": str(n.address), "kind": n.kind} for n in plan.notes
                 if n.reason == UNMANAGED]
    if strict:
        for u in unmanaged:
            kinds.setdefault(u["kind"], []).append({"address": u["address"], "status": "extra",
                                                    "portal": None, "config": None})
    manual = [{"address": str(c.address), "kind": c.kind, "reason": c.reason}
              for c in plan.changes if c.action is Action.MANUAL]
    count = sum(len(v) for v in kinds.values())
    return {"in_sync": count == 0, "differences": count, "strict": strict,
            "kinds": {k: sorted(v, key=lambda e: e["address"]) for k, v in sorted(kinds.items())},
            "unmanaged": [] if strict else unmanaged, "manual": manual}


def _entry(c: Change) -> dict[str, Any]:
    """The change as drift: the values that differ, by path, portal side and config side."""
    found = [d for d in differences(c.before or {}, c.after or {}) if d.after is not ABSENT]
    return {"address": str(c.address), "status": STATUS[c.action],
            "portal": {d.name: _json(d.before) for d in found} if c.before else None,
            "config": {d.name: _json(d.after) for d in found} if c.after else None}


def _json(value: Any) -> Any:
    return None if value is ABSENT else value


def render_drift_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def render_drift_text(doc: dict[str, Any], style: Style = PLAIN) -> str:
    """The report as text; `style` colours its entries by their symbol, nothing else."""
    return "\n".join(by_symbol(style, line) for line in _drift_lines(doc)) + "\n"


def _drift_lines(doc: dict[str, Any]) -> list[str]:
    count = doc["differences"]
    head = (f"Drift: {count} difference{'s' if count != 1 else ''} between the portal and the "
            "config (portal value -> config value).")
    lines = [IN_SYNC if doc["in_sync"] else head]
    for kind, entries in doc["kinds"].items():
        lines.append(f"{kind}:")
        for e in entries:
            lines.extend(_entry_lines(e))
    if doc["unmanaged"]:
        lines.append(UNMANAGED_HEAD)
        lines.extend(f"  # {u['address']}" for u in doc["unmanaged"])
    if doc["manual"]:
        lines.append("Manual (not readable through REST; not counted as drift):")
        lines.extend(f"  ! {m['address']}" for m in doc["manual"])
    return lines


def _entry_lines(entry: dict[str, Any]) -> list[str]:
    if entry["status"] == "missing":
        return [f"  + {entry['address']}: missing on the portal"]
    if entry["status"] == "extra":
        return [f"  - {entry['address']}: on the portal, not in the config"]
    lines = [f"  ~ {entry['address']}: changed on the portal"]
    portal, config = entry["portal"] or {}, entry["config"] or {}
    lines.extend(f"      {k}: {_v(portal.get(k))} -> {_v(config.get(k))}" for k in config)
    return lines


def _v(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)
