"""Relations of smart processes as the portal keeps them (docs/portal-rules.md#relations).

Desired relations are settled before they are compared: contact and company are parents of a
smart process's items only through `client = true` (the portal's predefined relations, which
it lists apart and never takes in `relations.parent`), and a relation between two smart
processes of the config is one relation, shown on both (the portal keeps one row per pair).
The relations naming a smart process that the same apply creates are sent once its
entityTypeId is known, in a round of their own (`late_calls`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from provisioner.kinds.smart_processes.model import BUILT_IN, SmartProcess, SpaSpec
from provisioner.model import Call, Report
from provisioner.model.address import Address
from provisioner.model.shape import Path

CLIENT = ("contact", "company")
MIRROR = {"parents": "children", "children": "parents"}
Made = dict[str, tuple[int, int]]  # code -> (type id, entityTypeId) of a type this apply made


def settle(specs: Sequence[SpaSpec], path: Path, report: Report) -> list[SpaSpec]:
    """Check what the portal would ignore (a client parent without `client`, a smart process
    related to itself), drop the client parents `client = true` implies, and show each
    relation between two smart processes of the config on both."""
    codes = {s.spa.code for s in specs}
    added: dict[str, dict[str, set[str]]] = {c: {"parents": set(), "children": set()}
                                             for c in codes}
    for spec in specs:
        spa = spec.spa
        _check(spa, (*path, spa.code), report)
        for side, mirror in MIRROR.items():
            for name in getattr(spa, side):
                if name in codes and name != spa.code:
                    added[name][mirror].add(spa.code)
    return [replace(s, spa=_settled(s.spa, added[s.spa.code])) for s in specs]


def _check(spa: SmartProcess, path: Path, report: Report) -> None:
    for side in ("parents", "children"):
        if spa.code in getattr(spa, side):
            report.add((*path, side), f'"{spa.code}" is the smart process itself',
                       "remove it: the portal relates a smart process to other types only")
    for name in CLIENT:
        if name in spa.parents and not spa.features.get("client"):
            report.add((*path, "parents"), f'"{name}" is a parent of a smart process\'s items '
                       "only through its Client field: the portal ignores it in relations",
                       f'add `client = true` (contacts and companies both), or remove "{name}"')


def _settled(spa: SmartProcess, added: Mapping[str, set[str]]) -> SmartProcess:
    parents = set(spa.parents) | added["parents"]
    client: tuple[str, ...] = ()
    if spa.features.get("client"):
        # the portal's predefined relations (crm-type-add.md, isClientEnabled: "a preset
        # binding to Contacts and Companies"): never in `relations`, so not compared
        client = tuple(sorted(parents & set(CLIENT)))
        parents -= set(CLIENT)
    children = set(spa.children) | added["children"]
    if parents == set(spa.parents) and children == set(spa.children):
        return spa
    return replace(spa, parents=tuple(sorted(parents)), children=tuple(sorted(children)),
                   client_parents=client)


def written_back(live: SmartProcess, desired: SmartProcess) -> SmartProcess:
    """Export over a config: the client parents it wrote beside `client = true` written back
    while the portal's type has the Client field on (they are what it makes then)."""
    if not desired.client_parents or not live.features.get("client"):
        return live
    return replace(live, parents=tuple(sorted({*live.parents, *desired.client_parents})))


def entries(names: Sequence[str], live: Mapping[Address, Any], made: Made
            ) -> list[dict[str, Any]] | str:
    """A side of `relations` as sent: built-in types and smart processes whose entityTypeId is
    known (on the portal, or made by this apply). An empty side is sent as "": a batch's form
    encoding drops an empty list, and the controller reads "" as no relation selected, which
    removes the last one (source Controller\\Type::saveRelations)."""
    out = []
    for name in names:
        etid = BUILT_IN.get(name) or _entity_type_id(name, live, made)
        if etid:
            out.append({"entityTypeId": etid, "isChildrenListEnabled": "true"})
    return out or ""


def _entity_type_id(code: str, live: Mapping[Address, Any], made: Made) -> int | None:
    if code in made:
        return made[code][1]
    target = live.get(Address.of("smart_process", code))
    return target.entity_type_id if isinstance(target, SmartProcess) else None


def late_calls(desired: Sequence[SmartProcess], live: Mapping[Address, Any],
               made: Made) -> list[Call]:
    """The relations of every desired smart process that names one made by this apply, sent
    again now that its entityTypeId is known (the first write left it out)."""
    calls = []
    for spa in desired:
        if not any(name in made for name in (*spa.parents, *spa.children)):
            continue
        current = live.get(spa.address)
        type_id = made[spa.code][0] if spa.code in made else \
            (current.id if isinstance(current, SmartProcess) else None)
        if type_id is None:
            continue
        sides = {"parent": entries(spa.parents, live, made),
                 "child": entries(spa.children, live, made)}
        calls.append(Call("crm.type.update", {"id": type_id, "fields": {"relations": sides}},
                          f"~ {spa.address} (relations to smart processes made now)"))
    return calls
