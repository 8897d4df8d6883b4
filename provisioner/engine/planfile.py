"""Saved plans: `plan --out FILE` writes one, `apply FILE` applies exactly it or refuses it stale.

A plan file holds the desired state it was made from (the TOML texts), the options, the plan
document, and a snapshot of the live objects the plan was computed from (attributes, portal ids
and record counts) with its fingerprint. Apply re-reads the portal, plans again from the saved
desired state and refuses when the snapshot changed ("plan is stale"), naming what changed.
The portal is named by host only; a plan file never holds a secret.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from provisioner.engine.loader import DesiredState, load_texts
from provisioner.engine.render import plan_document
from provisioner.engine.scope import covered, parse_patterns
from provisioner.errors import ProvisionError
from provisioner.model import Plan, PlanOptions

FORMAT = "provision-plan"
VERSION = "1"
Snapshot = dict[str, dict[str, Any]]


class StalePlan(ProvisionError):
    """The portal changed since the plan was made."""


@dataclasses.dataclass(frozen=True)
class SavedPlan:
    portal: str
    desired: DesiredState
    options: PlanOptions
    document: Mapping[str, Any]
    snapshot: Snapshot
    fingerprint: str


def snapshot(plan: Plan) -> Snapshot:
    """The live objects the plan was computed from: those of the scopes the desired state
    manages, plus every address the plan names; with the records counted for deletions."""
    scopes = {getattr(n, "scope", None) for n in plan.desired_nodes.values()}
    named = {c.address for c in plan.changes} | {n.address for n in plan.notes}
    targets = parse_patterns(plan.options.targets)
    out: Snapshot = {}
    for address, node in plan.live_nodes.items():
        if address not in plan.desired_nodes and address not in named and \
                getattr(node, "scope", None) not in scopes:
            continue
        if targets and not covered(address, targets):
            continue
        out[str(address)] = _node_values(node)
    for address, held in plan.records.items():
        out.setdefault(str(address), {})["records"] = held.count
    return dict(sorted(out.items()))


def _node_values(node: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(node):
        if f.metadata.get("attr") or f.metadata.get("live"):
            value = getattr(node, f.name)
            if value is not None:
                values[f.name] = value if isinstance(value, (str, int, bool, float)) else str(value)
    return values


def fingerprint(snap: Snapshot) -> str:
    text = json.dumps(snap, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def document(plan: Plan, desired: DesiredState, portal: str) -> dict[str, Any]:
    snap = snapshot(plan)
    return {"format": FORMAT, "format_version": VERSION, "portal": portal,
            "desired": {"files": dict(desired.texts)}, "fingerprint": fingerprint(snap),
            "snapshot": snap, "plan": plan_document(plan)}


def save(path: str | Path, plan: Plan, desired: DesiredState, portal: str) -> None:
    text = json.dumps(document(plan, desired, portal), ensure_ascii=False, indent=2) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def is_plan_file(path: str | Path) -> bool:
    return Path(path).is_file() and Path(path).suffix == ".json"


def load(path: str | Path) -> SavedPlan:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProvisionError(f"{path}: not a readable plan file ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ProvisionError(f"{path}: not a plan file written by `provision plan --out`")
    if doc.get("format_version") != VERSION:
        raise ProvisionError(f"{path}: plan file version {doc.get('format_version')} is not "
                             f"supported (this provision writes {VERSION}); plan again")
    opts = doc["plan"]["options"]
    options = PlanOptions(bool(opts["allow_destroy"]), bool(opts["allow_data_loss"]),
                          tuple(opts["protect"]), tuple(opts["targets"]),
                          tuple(opts["excludes"]))
    return SavedPlan(doc["portal"], load_texts(doc["desired"]["files"]), options, doc["plan"],
                     doc["snapshot"], doc["fingerprint"])


def check_fresh(saved: SavedPlan, now: Plan, portal: str) -> None:
    """Refuse a plan made for another portal, or one whose live objects changed since."""
    if saved.portal != portal:
        raise StalePlan(f"the plan was made for portal {saved.portal}, not {portal}")
    _refuse_changed(saved.snapshot, saved.document["changes"], now,
                    "Run `provision plan --out FILE` again and review the new plan.")


def check_unchanged(plan: Plan, now: Plan,
                    again: str = "Nothing was applied: plan again and review the new plan."
                    ) -> None:
    """Refuse `plan` when `now` (planned from the same desired state after reading the portal
    again, right before the first write) was computed from other live objects: another apply
    or a person changed the portal meanwhile."""
    _refuse_changed(snapshot(plan), plan_document(plan)["changes"], now, again)


def _refuse_changed(then: Snapshot, changes: Any, now: Plan, again: str) -> None:
    snap = snapshot(now)
    if fingerprint(snap) != fingerprint(then):
        lines = changes_between(then, snap)
        raise StalePlan("plan is stale: the portal changed since the plan was made "
                        "(portal then -> portal now):\n" + "\n".join(lines) + "\n" + again)
    if plan_document(now)["changes"] != changes:
        raise StalePlan("plan is stale: planning again gives different changes.\n" + again)


def changes_between(before: Snapshot, after: Snapshot) -> list[str]:
    lines: list[str] = []
    for address in sorted(set(before) | set(after)):
        old, new = before.get(address), after.get(address)
        if old == new:
            continue
        if old is None:
            lines.append(f"  + {address}: appeared on the portal")
        elif new is None:
            lines.append(f"  - {address}: gone from the portal")
        else:
            lines.append(f"  ~ {address}")
            lines.extend(f"      {k}: {_show(old.get(k))} -> {_show(new.get(k))}"
                         for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k))
    return lines


def _show(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)
