"""Changes as a user makes them to a config already applied: renames (every name changed, the
codes and keys of our own stages and pipelines moved with `moved_from`, the references to them
in `required_from` following), and a week of edits (`edited`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from contract_configs import (
    ALL,
    DEAL_CODE,
    ENTITIES,
    NAMES,
    NEW_PIPELINE,
    PUBLIC_URLS,
    Features,
    Tree,
    client_parents,
    field,
    new_pipeline_stages,
    portal_lists,
    stage_list,
)
from hypothesis import strategies as st

from provisioner.kinds.fields.kind import field_key

XmlIds = Callable[[str, str], str]  # (field address, item value) -> the item's XML_ID on the portal
SYSTEM = {"SUCCESS", "FAIL", *NEW_PIPELINE}  # codes the portal gives a new pipeline


def new_names(data: Any) -> Callable[[str], str]:
    """New names: drawn from `data` (Hypothesis' `st.data()`), or for a fixed example (None)
    the old name and " (new)"."""
    if data is None:
        return lambda old: f"{old} (new)"
    # a new name, not only spaces around the old one: the portal trims names
    return lambda old: str(data.draw(NAMES.filter(lambda n: n.strip() != old.strip())))


def renamed(new: Callable[[str], str], tree: Tree, xml_ids: XmlIds,
            features: Features = ALL) -> tuple[Tree, list[str]]:
    """Every object that has a name gets a new one: stages, pipelines (deal and smart-process),
    lead statuses, list items, field labels, enumeration items (the value changes, the xml_id is
    kept: written out where the config left it to the portal), smart processes' titles. The
    codes of our stages and the keys of our deal pipelines move (`moved_from`). Returns the new
    tree and the addresses renamed (under their new codes and keys)."""
    out: Tree = json.loads(json.dumps(tree))  # a copy sharing no table (a deep copy would)
    _move(out, features)
    done: list[str] = []
    for key, pipe in out.get("deal", {}).get("pipelines", {}).items():
        pipe["name"] = new(pipe["name"])
        done.append(f"deal.pipeline[{key}]")
        done += _rename_stages(pipe["stages"], f"deal.pipeline[{key}]", new)
    done += _rename_stages(out.get("lead", {}).get("statuses", []), "", new, "lead.status")
    for entity, part in out.get("lists", {}).items():
        for item in part["items"]:
            item["name"] = new(item["name"])
            done.append(f"list[{entity}].item[{item['code']}]")
    for entity in ENTITIES:
        for name, f in out.get(entity, {}).get("fields", {}).items():  # UF_CRM_A is A
            done += _rename_field(f, f"{entity}.field[{field_key(name)}]", new, xml_ids)
    for code, spa in out.get("smart_processes", {}).items():
        done += _rename_spa(spa, f"smart_process[{code}]", new, xml_ids, features)
    return out, done


def _rename_spa(spa: Tree, address: str, new: Callable[[str], str], xml_ids: XmlIds,
                features: Features) -> list[str]:
    spa["title"] = new(spa["title"])
    done = [address]
    # several pipelines besides the default renamed at once: each says its old name (README:
    # else renamed cannot be told from new)
    others = [p for p in spa.get("pipelines", {}).values() if not p.get("default")]
    say = spa.get("categories") and features.rename_spa_pipelines and len(others) > 1
    used: set[str] = set()  # one name each (the portal tells them apart by name)
    for key, pipe in spa.get("pipelines", {}).items():
        ours = features.rename_spa_pipelines or pipe.get("default")
        if spa.get("categories") and ours:  # else the portal keeps the name
            if say and not pipe.get("default"):
                pipe["moved_from"] = pipe["name"]
            text = new(pipe["name"])
            while text.strip() in used:
                text = new(text)
            used.add(text.strip())
            pipe["name"] = text
            done.append(f"{address}.pipeline[{key}]")
        done += _rename_stages(pipe["stages"], f"{address}.pipeline[{key}]", new)
    for name, f in spa.get("fields", {}).items():
        done += _rename_field(f, f"{address}.field[{name}]", new, xml_ids)
    return done


def _rename_stages(stages: list[Tree], owner: str, new: Callable[[str], str],
                   step: str = "stage") -> list[str]:
    for s in stages:
        s["name"] = new(s["name"])
    return [f"{owner}.{step}[{s['code']}]" if owner else f"{step}[{s['code']}]" for s in stages]


def _rename_field(f: Tree, address: str, new: Callable[[str], str], xml_ids: XmlIds) -> list[str]:
    old = f["label"]
    f["label"] = new(old) if isinstance(old, str) else {k: new(v) for k, v in old.items()}
    done = [address]
    items, used = [], {str(i if isinstance(i, str) else i["value"]).lower()
                       for i in f.get("items", [])}
    for item in f.get("items", []):
        table = item if isinstance(item, dict) else {"value": item,
                                                     "xml_id": xml_ids(address, item)}
        value = new(table["value"])
        while value.lower() in used:
            value = new(value)
        used.add(value.lower())
        items.append({**table, "value": value})
        done.append(f"{address}.item[{table['xml_id']}]")
    if items:
        f["items"] = items
    return done


# ---- moves: new codes and keys, `moved_from` the old ones ----------------------------------

def _move(tree: Tree, features: Features) -> None:
    ours = SYSTEM | {c for codes in portal_lists().values() for c in codes}
    deal = tree.get("deal", {})
    refs: dict[str, str] = {}  # "key:CODE" of required_from -> the new one
    moved_keys = {}
    for key, pipe in list(deal.get("pipelines", {}).items()):
        new_key = _fresh(f"{key}_m", set(deal["pipelines"])) if not pipe.get("default") else key
        codes = _move_stages(pipe["stages"], ours)
        refs.update({f"{key}:{old}": f"{new_key}:{codes.get(old, old)}"
                     for old in [s.get("moved_from") or s["code"] for s in pipe["stages"]]})
        if new_key != key:
            moved_keys[key] = new_key
    if moved_keys:
        deal["pipelines"] = {moved_keys.get(k, k): ({**p, "moved_from": k} if k in moved_keys
                                                     else p)
                             for k, p in deal["pipelines"].items()}
    for f in deal.get("fields", {}).values():
        if "required_from" in f:
            f["required_from"] = refs.get(f["required_from"], f["required_from"])
    _move_stages(tree.get("lead", {}).get("statuses", []), ours)
    if features.spa_stage_moves:
        for spa in tree.get("smart_processes", {}).values():
            spa_refs: dict[str, str] = {}
            for key, pipe in spa.get("pipelines", {}).items():
                moved = _move_stages(pipe["stages"], ours)
                spa_refs.update({f"{key}:{old}": f"{key}:{new}" for old, new in moved.items()})
            for f in spa.get("fields", {}).values():
                if "required_from" in f:
                    f["required_from"] = spa_refs.get(f["required_from"], f["required_from"])


def _move_stages(stages: list[Tree], keep: set[str]) -> dict[str, str]:
    """Our stages (not the portal's) get a new code, moved from the old one: old -> new."""
    taken = {s["code"] for s in stages}
    moved = {}
    for s in stages:
        if s["code"] not in keep:
            new = _fresh(f"{s['code']}_M", taken)
            taken.add(new)
            moved[s["code"]] = new
            s["moved_from"], s["code"] = s["code"], new
    return moved


def _fresh(code: str, taken: set[str]) -> str:
    while code in taken:
        code += code[-1]
    return code


# ---- edits: a week of changes to the same config ------------------------------------------

def edited(draw: Callable[..., Any], tree: Tree, features: Features = ALL) -> Tree:
    """The config after a week of edits: some fields drawn anew under the same key (another
    type, multiple, items), stage lists drawn anew (stages inserted, removed, reordered),
    smart processes' flags flipped, and some fields, pipelines and smart processes removed."""
    out: Tree = json.loads(json.dumps(tree))
    status = out.get("call_card", {}).get("status_field")  # kept while the call card names it
    for entity in ENTITIES:
        part = out.get(entity, {}).get("fields", {})
        _edit_fields(draw, part, features, spa=False,
                     keep=(status,) if entity == "company" and status else ())
        for f in part.values():
            f.pop("required_from", None)  # its pipeline may be gone
    for key, pipe in list(out.get("deal", {}).get("pipelines", {}).items()):
        if not pipe.get("default") and draw(st.integers(0, 3)) == 0:
            del out["deal"]["pipelines"][key]
        elif draw(st.booleans()):
            pipe["stages"] = stage_list(draw, features, portal_lists()["DEAL_STAGE"], "WON",
                                        "LOSE", DEAL_CODE) if pipe.get("default") else \
                new_pipeline_stages(draw, features, deal=True)
    if out.get("deal", {}).get("pipelines") == {}:
        del out["deal"]["pipelines"]
    if "statuses" in out.get("lead", {}) and draw(st.booleans()):
        out["lead"]["statuses"] = stage_list(draw, features, portal_lists()["STATUS"],
                                             "CONVERTED", "JUNK", DEAL_CODE)
    for code, spa in list(out.get("smart_processes", {}).items()):
        if draw(st.integers(0, 4)) == 0:
            del out["smart_processes"][code]
            continue
        _edit_spa(draw, spa, features)
    _drop_relations_to_removed(out.get("smart_processes", {}), tree.get("smart_processes", {}))
    _edit_companion(draw, out)
    _drop_dangling_robots(out)
    return out


def _drop_relations_to_removed(spas: Tree, before: Tree) -> None:
    """A smart process removed from the config is no longer named by the others' relations."""
    gone = set(before) - set(spas)
    for spa in spas.values():
        for side in ("parents", "children"):
            if side in spa:
                spa[side] = [name for name in spa[side] if name not in gone]
                if not spa[side]:
                    del spa[side]


def _edit_companion(draw: Callable[..., Any], out: Tree) -> None:
    """The app moved (a new public_url: its bindings change), the tab renamed, the call card
    or the guard removed (their bindings deleted), the guard switched off or on."""
    card, guard = out.get("call_card"), out.get("tasks", {}).get("deadline_guard")
    url = draw(st.sampled_from(PUBLIC_URLS))
    for table in (card, guard):
        if table is not None and "public_url" in table and draw(st.integers(0, 2)) == 0:
            table["public_url"] = url  # one app: both tables move together
    if card is not None and guard is not None and "public_url" in guard:
        guard["public_url"] = card["public_url"]
    if card is not None and draw(st.integers(0, 3)) == 0:
        card["title"] = str(draw(NAMES)).strip() or "Вкладка"
    if guard is not None and draw(st.integers(0, 3)) == 0:
        guard["enabled"] = not guard.get("enabled", True)
    if card is not None and draw(st.integers(0, 4)) == 0:
        del out["call_card"]
        if guard is not None:
            guard.setdefault("public_url", card["public_url"])
    if guard is not None and draw(st.integers(0, 4)) == 0:
        del out["tasks"]


def _drop_dangling_robots(tree: Tree) -> None:
    """Robots naming by config key (`field:KEY`) a field the edits removed, or retyped from
    an employee field while a recipient is the user in it, go too (else a located error)."""
    deal = tree.get("deal", {})
    places = [(deal.get("pipelines", {}), deal.get("fields", {}))]
    places += [(spa.get("pipelines", {}), spa.get("fields", {}))
               for spa in tree.get("smart_processes", {}).values()]
    for pipelines, fields in places:
        for pipe in pipelines.values():
            for stage in pipe["stages"]:
                if "robots" in stage:
                    stage["robots"] = [r for r in stage["robots"] if _resolves(r, fields)]
                    if not stage["robots"]:
                        del stage["robots"]


def _resolves(robot: Tree, fields: Tree) -> bool:
    named = set(re.findall(r"field:([A-Za-z0-9_]+)", json.dumps(robot, ensure_ascii=False)))
    users = {u[len("field:"):] for u in robot.get("to", []) if u.startswith("field:")}
    return named <= set(fields) and all(fields[k]["type"] == "employee" for k in users)


def _edit_fields(draw: Callable[..., Any], part: Tree, features: Features, spa: bool,
                 keep: tuple[str, ...] = ()) -> None:
    for name in list(part):
        if name in keep:
            continue
        roll = draw(st.integers(0, 3))
        if roll == 0:
            del part[name]
        elif roll == 1:
            part[name] = field(draw, features, spa)


def _edit_spa(draw: Callable[..., Any], spa: Tree, features: Features) -> None:
    for flag in ("client", "automation", "observers", "products"):
        if draw(st.integers(0, 3)) == 0:
            spa[flag] = not spa.get(flag, False)
    if not spa.get("automation"):  # robots and triggers need automation on
        for pipe in spa.get("pipelines", {}).values():
            for s in pipe["stages"]:
                s.pop("robots", None)
                s.pop("triggers", None)
    _edit_fields(draw, spa.get("fields", {}), features, spa=True)
    for f in spa.get("fields", {}).values():
        f.pop("required_from", None)  # its stage may be gone
    for pipe in spa.get("pipelines", {}).values():
        if draw(st.booleans()):
            pipe["stages"] = new_pipeline_stages(draw, features, deal=False)
    for side in ("parents", "children"):
        if side in spa and draw(st.integers(0, 2)) == 0:
            if features.drop_relations:
                del spa[side]
            elif len(spa[side]) > 1:
                spa[side] = spa[side][:-1]
    if "parents" in spa:  # client may have been turned off
        spa["parents"] = client_parents(spa["parents"], bool(spa.get("client")), features)
        if not spa["parents"]:
            del spa["parents"]
