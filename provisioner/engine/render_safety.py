"""The plan's safety part, rendered: options, the "Destructive changes:" section and the
deletions of residue that need no consent (model/changes.py `Change.residue`).

Works from the same JSON document as the rest of the text renderer (render.py).
"""

from __future__ import annotations

from typing import Any

from provisioner.engine.render_style import PLAIN, Style
from provisioner.model import Action, Plan, PlanOptions


def options_document(options: PlanOptions) -> dict[str, Any]:
    return {"allow_destroy": options.allow_destroy, "allow_data_loss": options.allow_data_loss,
            "protect": list(options.protect), "targets": list(options.targets),
            "excludes": list(options.excludes)}


def destructive_document(plan: Plan) -> list[dict[str, Any]]:
    """Deletions and replacements with the records each would take with it (None: not counted,
    the kind has no records there)."""
    out = []
    for change in plan.destructive:
        held = plan.records.get(change.address)
        out.append({"address": str(change.address), "action": change.action.value,
                    "records": None if held is None else {"count": held.count,
                                                          "noun": held.noun}})
    return out


def residue_document(plan: Plan) -> list[dict[str, Any]]:
    """Deletions of residue of a stopped apply, with the records each holds (None: not counted
    yet; a plan shown by the CLI is counted, and apply counts them again before it writes)."""
    out = []
    for change in plan.residue:
        held = plan.records.get(change.address)
        out.append({"address": str(change.address),
                    "records": None if held is None else {"count": held.count,
                                                          "noun": held.noun}})
    return out


RESIDUE_HEAD = ("Residue of a stopped apply, deleted without --allow-destroy (only while it "
                "holds no records; apply counts them again first):")


def residue_lines(doc: dict[str, Any], style: Style = PLAIN) -> list[str]:
    rows = doc.get("residue") or []
    if not rows:
        return []
    lines = [style.paint("note", RESIDUE_HEAD)]
    for row in rows:
        held = row["records"]
        counted = ": not counted yet" if held is None else _held(held, doc["options"])
        lines.append(style.paint("note", f"  - {row['address']}{counted}"))
    return lines


def destructive_lines(doc: dict[str, Any], style: Style = PLAIN) -> list[str]:
    rows = doc.get("destructive") or []
    if not rows:
        return []
    options = doc["options"]
    head = "Destructive changes" + ("" if options["allow_destroy"]
                                    else " (apply needs --allow-destroy)") + ":"
    lines = [style.paint("destructive", head)]
    for row in rows:
        symbol = Action(row["action"]).symbol
        lines.append(style.paint("destructive", f"  {symbol} {row['address']}"
                                 f"{_held(row['records'], options)}"))
    return lines


def _held(records: dict[str, Any] | None, options: dict[str, Any]) -> str:
    if records is None:
        return ""
    if records["count"] == 0:
        return f": holds no {records['noun']}"
    noun = records["noun"] if records["count"] != 1 else records["noun"][:-1]
    consent = "" if options.get("allow_data_loss") else " (apply also needs --allow-data-loss)"
    return f": holds {records['count']} {noun}, deleted with it{consent}"
