"""Drift: what differs between the config and the portal, read as "changed outside".

Made from a plan (never planned with deletions): an update shows portal value -> config value,
a create is missing on the portal, an unmanaged live object in a managed scope is extra on the
portal; manual changes (what REST cannot read or write) are listed apart and are not drift.
"""

from __future__ import annotations

import json
from typing import Any

from provisioner.engine.planner import UNMANAGED
from provisioner.model import Action, Plan

STATUS = {Action.UPDATE: "changed", Action.REPLACE: "changed", Action.CREATE: "missing",
          Action.DELETE: "extra"}
IN_SYNC = "In sync: the portal matches the config."


def drift_document(plan: Plan) -> dict[str, Any]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for c in plan.changes:
        if c.action is Action.MANUAL:
            continue
        names = [k for k in (c.after or {}) if (c.before or {}).get(k) != (c.after or {}).get(k)]
        entry = {"address": str(c.address), "status": STATUS[c.action],
                 "portal": {k: (c.before or {}).get(k) for k in names} if c.before else None,
                 "config": {k: (c.after or {}).get(k) for k in names} if c.after else None}
        kinds.setdefault(c.kind, []).append(entry)
    for n in plan.notes:
        if n.reason == UNMANAGED:
            kinds.setdefault(n.kind, []).append({"address": str(n.address), "status": "extra",
                                                 "portal": None, "config": None})
    manual = [{"address": str(c.address), "kind": c.kind, "reason": c.reason}
              for c in plan.changes if c.action is Action.MANUAL]
    count = sum(len(v) for v in kinds.values())
    return {"in_sync": count == 0, "differences": count,
            "kinds": {k: sorted(v, key=lambda e: e["address"]) for k, v in sorted(kinds.items())},
            "manual": manual}


def render_drift_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def render_drift_text(doc: dict[str, Any]) -> str:
    count = doc["differences"]
    head = (f"Drift: {count} difference{'s' if count != 1 else ''} between the portal and the "
            "config (portal value -> config value).")
    lines = [IN_SYNC if doc["in_sync"] else head]
    for kind, entries in doc["kinds"].items():
        lines.append(f"{kind}:")
        for e in entries:
            lines.extend(_entry_lines(e))
    if doc["manual"]:
        lines.append("Manual (not readable through REST; not counted as drift):")
        lines.extend(f"  ! {m['address']}" for m in doc["manual"])
    return "\n".join(lines) + "\n"


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
