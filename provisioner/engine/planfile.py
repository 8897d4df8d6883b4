"""Saved plans: `plan --out FILE` writes one, `apply FILE` applies exactly it or refuses it stale.

A plan file holds the desired state it was made from (the TOML texts), the records kept beside
the config that the plan used (`local`: attestations, the exporting portal's ids), the plan
document, and a snapshot of the live objects the plan was computed from (attributes, portal ids
and record counts) with its fingerprint: the one fingerprint of the file. Apply re-reads the
portal, plans again from the saved desired state and refuses when the snapshot or the changes
differ ("plan is stale"), naming what changed. Both are compared in their canonical JSON form,
so what a JSON file reads back (lists, string keys) equals the fresh plan it was saved from.
The portal is named by its identity; a plan file never holds a secret.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from provisioner.engine.differences import ABSENT, canonical, canonical_text, differences
from provisioner.engine.loader import DesiredState, load_texts
from provisioner.engine.render import plan_document
from provisioner.engine.scope import covered, parse_patterns
from provisioner.errors import ConfigError, Problem, ProvisionError
from provisioner.model import Plan, PlanOptions
from provisioner.model.printable import printable_json

FORMAT = "provision-plan"
VERSION = "2"
AGAIN_SAVED = "Run `provision plan --out FILE` again and review the new plan."
SAVE_AGAIN = "save the plan again with `provision plan --out FILE` (never edit a plan file)"
Snapshot = dict[str, dict[str, Any]]


class StalePlan(ProvisionError):
    """The portal changed since the plan was made."""


@dataclasses.dataclass(frozen=True)
class SavedPlan:
    portal: str
    desired: DesiredState
    options: PlanOptions
    changes: list[Any]  # the plan document's changes, as JSON
    snapshot: Snapshot
    fingerprint: str
    local: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def snapshot(plan: Plan) -> Snapshot:
    """The live objects the plan was computed from: those of the scopes the desired state
    manages, plus every address the plan names; with the records counted for deletions. In
    JSON form (a tuple is a list), as a plan file reads it back."""
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
    return canonical(dict(sorted(out.items())))  # type: ignore[no-any-return]


def _node_values(node: Any) -> dict[str, Any]:
    return {f.name: getattr(node, f.name) for f in dataclasses.fields(node)
            if (f.metadata.get("attr") or f.metadata.get("live"))
            and getattr(node, f.name) is not None}


def fingerprint(snap: Snapshot) -> str:
    return hashlib.sha256(canonical_text(snap).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def document(plan: Plan, desired: DesiredState, portal: str,
             local: Mapping[str, Any] | None = None) -> dict[str, Any]:
    snap = snapshot(plan)
    doc = plan_document(plan)
    # The plan document's own fingerprint is of everything read; the file's is of what the
    # plan depends on (the snapshot), the one apply checks: a file holds that one only.
    doc.pop("live_fingerprint", None)
    return {"format": FORMAT, "format_version": VERSION, "portal": portal,
            "desired": {"files": dict(desired.texts)}, "local": dict(local or {}),
            "fingerprint": fingerprint(snap), "snapshot": snap, "plan": doc}


def save(path: str | Path, plan: Plan, desired: DesiredState, portal: str,
         local: Mapping[str, Any] | None = None) -> None:
    text = printable_json(json.dumps(canonical(document(plan, desired, portal, local)),
                                     ensure_ascii=False, indent=2)) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def is_plan_file(path: str | Path) -> bool:
    """A file named .json, or any file whose text opens with "{" (what `save` writes; a TOML
    document cannot open so): `plan --out p.plan` then `apply p.plan` applies the plan, and
    does not read it as a config whose TOML is broken."""
    file = Path(path)
    if not file.is_file():
        return False
    if file.suffix == ".json":
        return True
    try:
        with file.open("rb") as opened:
            head = opened.read(64)
    except OSError:
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def load(path: str | Path) -> SavedPlan:
    """The saved plan; ConfigError naming the file and the key when it is not one."""
    where = str(path)
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProvisionError(f"{where}: not a readable plan file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ConfigError([Problem(where, "(file)", f"not JSON: {exc.msg}", SAVE_AGAIN,
                                   exc.lineno)]) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ProvisionError(f"{where}: not a plan file written by `provision plan --out`")
    if doc.get("format_version") != VERSION:
        raise ProvisionError(f"{where}: plan file version {doc.get('format_version')} is not "
                             f"supported (this provision writes {VERSION}); plan again")
    problems = [Problem(where, key, message, SAVE_AGAIN) for key, message in _wrong(doc)]
    if problems:
        raise ConfigError(problems)
    opts = doc["plan"]["options"]
    options = PlanOptions(opts["allow_destroy"], opts["allow_data_loss"],
                          tuple(opts["protect"]), tuple(opts["targets"]),
                          tuple(opts["excludes"]))
    return SavedPlan(doc["portal"], load_texts(doc["desired"]["files"]), options,
                     doc["plan"]["changes"], doc["snapshot"], doc["fingerprint"],
                     doc.get("local", {}))


_EXPECTED: tuple[tuple[tuple[str, ...], type | tuple[type, ...], str], ...] = (
    (("portal",), str, "a string"),
    (("desired", "files"), dict, "a table of file name -> TOML text"),
    (("local",), dict, "a table"),
    (("fingerprint",), str, "a string"),
    (("snapshot",), dict, "a table"),
    (("plan",), dict, "the plan document"),
    (("plan", "changes"), list, "a list of changes"),
    (("plan", "options"), dict, "a table"),
    *((("plan", "options", k), bool, "true or false") for k in ("allow_destroy",
                                                               "allow_data_loss")),
    *((("plan", "options", k), list, "a list of addresses") for k in ("protect", "targets",
                                                                    "excludes")),
)


def _wrong(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(key path, what is wrong) for every part of the document that is missing or mistyped;
    `local` may be absent, the rest must be there."""
    out: list[tuple[str, str]] = []
    for path, kind, what in _EXPECTED:
        if any(".".join(path).startswith(key + ".") for key, _ in out):
            continue  # the table above it is already reported
        value: Any = doc
        for step in path:
            value = value.get(step, ABSENT) if isinstance(value, dict) else ABSENT
        if value is ABSENT and path == ("local",):
            continue
        if value is ABSENT or not isinstance(value, kind):
            out.append((".".join(path), "missing" if value is ABSENT else f"must be {what}"))
    if out:
        return out
    if not all(isinstance(v, str) for v in doc["desired"]["files"].values()):
        out.append(("desired.files", "must be a table of file name -> TOML text"))
    if fingerprint(doc["snapshot"]) != doc["fingerprint"]:
        out.append(("fingerprint", "does not match the snapshot: the file was edited"))
    return out


def check_fresh(saved: SavedPlan, now: Plan) -> None:
    """Refuse a saved plan whose live objects changed since, or that plans differently now
    (`now`: planned again from its desired state, on the portal it was made for: the caller
    compares portal identities)."""
    _refuse_changed(saved.snapshot, saved.changes, now, AGAIN_SAVED)


def check_unchanged(plan: Plan, now: Plan,
                    again: str = "Nothing was applied: plan again and review the new plan."
                    ) -> None:
    """Refuse `plan` when `now` (planned from the same desired state after reading the portal
    again, right before the first write) was computed from other live objects: another apply
    or a person changed the portal meanwhile."""
    _refuse_changed(snapshot(plan), plan_document(plan)["changes"], now, again)


def _refuse_changed(then: Snapshot, changes: Any, now: Plan, again: str) -> None:
    snap = snapshot(now)
    if canonical_text(snap) != canonical_text(then):
        lines = changes_between(then, snap)
        raise StalePlan("plan is stale: the portal changed since the plan was made "
                        "(portal then -> portal now):\n" + "\n".join(lines) + "\n" + again)
    if canonical_text(plan_document(now)["changes"]) != canonical_text(changes):
        raise StalePlan("plan is stale: planning again gives different changes.\n" + again)


def changes_between(before: Snapshot, after: Snapshot) -> list[str]:
    lines: list[str] = []
    for address in sorted(set(before) | set(after)):
        old, new = before.get(address), after.get(address)
        if old is None and new is not None:
            lines.append(f"  + {address}: appeared on the portal")
        elif new is None and old is not None:
            lines.append(f"  - {address}: gone from the portal")
        elif found := differences(old, new):
            lines.append(f"  ~ {address}")
            lines.extend(f"      {d.name}: {show(d.before)} -> {show(d.after)}" for d in found)
    return lines


def show(value: Any) -> str:
    return "(none)" if value is None or value is ABSENT else json.dumps(value,
                                                                        ensure_ascii=False)
