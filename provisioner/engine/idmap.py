"""Portal ids by address, for migration: the export's side file and the id map after apply.

`export` records the exporting portal's ids beside the TOML (`.provision-ids.json`); after an
apply to another portal, the id map pairs them with the target's ids under the same natural-key
address (pipelines, stages, smart processes, fields) and users by e-mail, so that business
processes, reports and integrations that store ids can be fixed.

`by_type` holds one table per id namespace, named by the address's types and the id's field
(`deal.pipeline.id`, `list.item.id`, `deal.field.item.id`, `user.id`): ids of two kinds of
object never share a table, so an old id can never be sent to an object of another kind.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from provisioner.engine.live import LiveState
from provisioner.engine.loader import DesiredState
from provisioner.errors import ConfigError, Problem
from provisioner.kinds import KINDS
from provisioner.model import AnyKind
from provisioner.model.printable import printable_json

SIDE_FILE = ".provision-ids.json"
Ids = dict[str, dict[str, Any]]


def live_ids(live: LiveState, desired: DesiredState | None = None,
             kinds: Sequence[AnyKind] = KINDS) -> Ids:
    """{address: {live-only field: value}} (portal ids, STATUS_IDs, entityTypeIds)."""
    out: Ids = {}
    for kind in kinds:
        part = desired.parts.get(kind.name) if desired is not None else None
        for address, node in kind.pair(part, live.parts[kind.name]).whole_live().items():
            values = _ids(node)
            if values:
                out[str(address)] = values
    return dict(sorted(out.items()))


def _ids(node: Any) -> dict[str, Any]:
    if not dataclasses.is_dataclass(node):
        return {}
    values = {f.name: getattr(node, f.name) for f in dataclasses.fields(node)
              if f.metadata.get("live")}
    return {k: v for k, v in values.items()
            if isinstance(v, (int, str)) and not isinstance(v, bool)}


def users_by_email(client: Any) -> dict[str, Any]:
    """Users matched by e-mail (lower case) -> user id."""
    rows = client.list_all("user.get", {})
    return {str(u["EMAIL"]).lower(): u["ID"] for u in rows if u.get("EMAIL")}


def write_side_file(out_dir: str | Path, portal: str, ids: Ids,
                    users: Mapping[str, Any]) -> Path:
    path = Path(out_dir) / SIDE_FILE
    doc = {"portal": portal, "objects": ids, "users": dict(sorted(users.items()))}
    path.write_text(printable_json(json.dumps(doc, ensure_ascii=False, indent=2)) + "\n",
                    encoding="utf-8")
    return path


def read_side_file(config: str | Path) -> dict[str, Any] | None:
    base = Path(config)
    path = (base if base.is_dir() else base.parent) / SIDE_FILE
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        doc = exc
    if not isinstance(doc, dict) or not isinstance(doc.get("objects", {}), dict):
        raise ConfigError([Problem(str(path), "(file)", "not the ids `provision export` "
                                   f"writes{f' ({doc})' if isinstance(doc, Exception) else ''}",
                                   "export the portal again, or delete the file")])
    return doc


def id_map(side: Mapping[str, Any], portal: str, ids: Ids,
           users: Mapping[str, Any]) -> dict[str, Any]:
    """Old (exporting portal) -> new (target portal) ids, by address and flattened by type."""
    old_objects: Mapping[str, Mapping[str, Any]] = side.get("objects", {})
    objects: list[dict[str, Any]] = [
        {"address": a, "old": dict(old_objects[a]), "new": ids[a]}
        for a in sorted(set(old_objects) & set(ids))]
    flat: dict[str, dict[str, Any]] = {}
    for entry in objects:
        space = namespace(entry["address"])
        for name, old in entry["old"].items():
            if name in entry["new"]:
                flat.setdefault(f"{space}.{name}", {})[str(old)] = entry["new"][name]
    old_users: Mapping[str, Any] = side.get("users", {})
    people = [{"email": e, "old": old_users[e], "new": users[e]}
              for e in sorted(set(old_users) & set(users))]
    if people:
        flat["user.id"] = {str(p["old"]): p["new"] for p in people}
    return {"from": side.get("portal"), "to": portal, "by_type": flat, "objects": objects,
            "users": people,
            "unmatched_users": sorted(set(old_users) - set(users))}


def namespace(address: str) -> str:
    """The types of an address without its keys: `list[SOURCE].item[WEB]` -> `list.item`.
    Keys may hold dots and brackets of their own, so the address is walked step by step."""
    types: list[str] = []
    depth, name = 0, ""
    for char in address:
        if char == "[":
            depth += 1
            if depth == 1:
                types.append(name.strip("."))
                name = ""
                continue
        elif char == "]":
            depth -= 1
            continue
        if depth == 0:
            name += char
    return ".".join(t for t in types if t)


def write_id_map(path: str | Path, doc: Mapping[str, Any]) -> Path:
    Path(path).write_text(printable_json(json.dumps(doc, ensure_ascii=False, indent=2)) + "\n",
                          encoding="utf-8")
    return Path(path)
