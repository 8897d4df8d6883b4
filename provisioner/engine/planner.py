"""make_plan: the pure middle phase. Desired and live in, a sorted tuple of changes out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from provisioner.engine.cost import plan_cost
from provisioner.engine.live import LiveState
from provisioner.engine.loader import DesiredState
from provisioner.engine.scope import check_patterns, limit
from provisioner.errors import ProvisionError
from provisioner.kinds import KINDS
from provisioner.model import (
    Action,
    AnyKind,
    Change,
    Note,
    Pairing,
    Plan,
    PlanOptions,
    attributes,
    immutable_names,
)
from provisioner.model.address import Address
from provisioner.model.kind import Explains, Twin
from provisioner.model.nodes import Groups, Nodes
from provisioner.model.reasons import SYSTEM as SYSTEM
from provisioner.model.reasons import Reason
from provisioner.model.reasons import UNMANAGED as UNMANAGED
from provisioner.model.reasons import Immutable, ImmutableSystem, KeptBySystem, Unmanaged

DEFAULT_OPTIONS = PlanOptions()  # frozen: safe to share


class TwinsOnPortal(ProvisionError):
    """Live objects that claim one address: no plan is made over them (issue 14, item 1)."""

    def __init__(self, twins: Sequence[Twin]) -> None:
        self.twins = tuple(twins)
        lines = [f"  {t.address} ({t.kind}): {_ids(t.ids)}" for t in self.twins]
        first = self.twins[0]
        later = max((i for i in first.ids if isinstance(i, int)), default=None)
        which = f", e.g. id {later} of {first.address}" if later is not None else ""
        super().__init__(
            "the portal holds twins, several objects under one address (each claims its key: "
            "a stamp, a code, a name); no plan is made over them:\n" + "\n".join(lines) +
            "\nfix: keep one of each and delete the others on the portal (usually the later "
            f"id{which}: the copy an interrupted or concurrent apply made, still empty; move "
            "any records to the one you keep first), then run plan again")


def _ids(ids: Sequence[object]) -> str:
    shown = [f"id {i}" if i is not None else "an object without id" for i in ids]
    return ", ".join(shown[:-1]) + f" and {shown[-1]}"


def make_plan(desired: DesiredState, live: LiveState, options: PlanOptions = DEFAULT_OPTIONS,
              kinds: Sequence[AnyKind] = KINDS) -> Plan:
    """Compare kind by kind; no I/O, no clock, no environment, no process-wide switch."""
    changes: list[Change] = []
    notes: list[Note] = []
    d_nodes: list[dict[Address, Any]] = []  # one dict per kind, handed to Nodes as they are
    l_nodes: list[dict[Address, Any]] = []
    d_groups: list[Groups] = []  # objects equal on both sides, by parent (`Pairing.groups`)
    l_groups: list[Groups] = []
    kids: dict[Address, Sequence[Any]] | None = {}  # None once a kind leaves them to Nodes
    twins: list[Twin] = []
    for kind in kinds:
        pairing = kind.pair(desired.parts.get(kind.name), live.parts[kind.name])
        twins.extend(pairing.twins)
        found, left = diff(kind, pairing, options)
        changes.extend(found)
        changes.extend(pairing.manual)  # the kind's own `!` changes
        notes.extend([*pairing.notes, *left])
        d_nodes.append(_dict(pairing.desired))
        l_nodes.append(_dict(pairing.live))
        d_groups.append(pairing.groups[0])
        l_groups.append(pairing.groups[1])
        if kids is not None and pairing.children is not None:
            kids.update(pairing.children)
        else:
            kids = None
    if twins:
        raise TwinsOnPortal(_outermost(twins))
    want, have = Nodes.adopt(d_nodes, kids, d_groups), Nodes.adopt(l_nodes, None, l_groups)
    if options.targets or options.excludes or options.protect:
        check_patterns(options, {*want, *have, *(c.address for c in changes)})
    changes, notes = limit(changes, notes, options)  # protect, --target, --exclude
    in_order = ordered(changes, want, have)
    # The REST cost line: only when the live state counted its reads (read_live does).
    cost = plan_cost(live.requests, in_order, want, have, kinds) if live.requests else None
    return Plan(in_order, tuple(sorted(notes, key=_note_order)), live.fingerprint, options,
                want, have, cost=cost, desired=desired, languages=live.languages)


def _outermost(twins: Sequence[Twin]) -> list[Twin]:
    """The twins not inside another twin (a twin pipeline's stages are twins too), in address
    order."""
    held = {t.address for t in twins}

    def inside(address: Address) -> bool:
        parent = address.parent
        return parent is not None and (parent in held or inside(parent))

    return sorted((t for t in twins if not inside(t.address)), key=lambda t: t.address.parts)


def _dict(nodes: Mapping[Address, Any]) -> dict[Address, Any]:
    return nodes if type(nodes) is dict else dict(nodes)


def ordered(changes: Sequence[Change], want: Nodes, have: Nodes) -> tuple[Change, ...]:
    """Parents before children; deletions after the rest of their tree, children first.
    Objects of one type under one parent in their order on the portal (SORT: pipelines and
    their stages, fields and their items as they stand; an object whose SORT is left to the
    portal at the one the portal gives it, `made_sort`), ties by key; types by name."""
    places: dict[Address, tuple[str, int, str]] = {}

    def place(address: Address) -> tuple[str, int, str]:
        found = places.get(address)
        if found is None:
            node = want.get(address)
            target = have.get(address) if node is None else node
            given = getattr(target, "sort", None)
            # left to the portal (None): at the SORT the portal gives one, where it is known
            sort: int = given if type(given) is int else getattr(target, "made_sort", 0)
            step, key = address.parts[-1]
            found = places[address] = (step, sort, key)
        return found

    def order(change: Change) -> tuple[Any, ...]:
        path: list[tuple[str, int, str]] = []
        address: Address | None = change.address
        while address is not None:
            path.append(place(address))
            address = address.parent
        path.reverse()
        deleted = change.action is Action.DELETE
        return (path[0], 100 - len(path) if deleted else 0, path[1:])

    return tuple(sorted(changes, key=order))


def _note_order(note: Note) -> tuple[Any, ...]:
    return (note.address.parts,)


def diff(kind: AnyKind, pairing: Pairing, options: PlanOptions
         ) -> tuple[list[Change], list[Note]]:
    judge = _Judge(kind, pairing.reasons or {})
    changes: list[Change] = []
    twins = 0
    for address, node in pairing.desired.items():
        twin = pairing.live.get(address)
        twins += twin is not None
        change = judge.compare(node, twin)
        if change is not None:
            changes.append(change)
    notes: list[Note] = []
    if twins == len(pairing.live):  # every live object has its desired twin: none left over
        return changes, notes
    for address, node in pairing.live.items():
        if address in pairing.desired or node.scope not in pairing.managed:
            continue
        if node.system:
            notes.append(Note(address, kind.name, KeptBySystem()))
        elif address in pairing.residue:  # with or without --allow-destroy: not destructive
            changes.append(residue_change(address, kind.name, node, judge.reasons.get(address)))
        elif not options.allow_destroy:
            notes.append(Note(address, kind.name, Unmanaged()))
        else:
            changes.append(judge.finish(Change(address, kind.name, Action.DELETE,
                                               _present(attributes(node)), None)))
    return changes, notes


def residue_change(address: Address, kind: str, node: Any, why: Reason | None) -> Change:
    """The deletion of residue (`Pairing.residue`): needs no consent while it holds no records
    (engine/records.py counts them and plans it as any other deletion when it holds some)."""
    return Change(address, kind, Action.DELETE, _present(attributes(node)), None, why,
                  residue=True)


def unmanaged_change(change: Change, kind: AnyKind, allow_destroy: bool) -> Change | Note:
    """What `diff` plans for a live object absent from desired that is not residue: a note
    without --allow-destroy, else its deletion, destructive as the kind says (`change`: the
    residue change that turned out to hold records, engine/records.py)."""
    if not allow_destroy:
        return Note(change.address, change.kind, Unmanaged())
    return _Judge(kind, {}).finish(Change(change.address, change.kind, Action.DELETE,
                                          change.before, None))


class _Judge:
    """Compares one kind's objects; asks the kind whether a change is destructive, and for
    its reason when it gives reasons (`Explains`)."""

    def __init__(self, kind: AnyKind, reasons: Mapping[Address, Reason]) -> None:
        self.kind = kind
        self.reasons = reasons  # the pairing's, before the kind's own (`Pairs.explain`)
        self.explain = kind.explain if isinstance(kind, Explains) else None

    def compare(self, desired: Any, live: Any | None) -> Change | None:
        if desired == live:  # every compared attribute equal (they are dataclass fields)
            return None
        name = self.kind.name
        want = _present(attributes(desired))
        if live is None:
            return self.finish(Change(desired.address, name, Action.CREATE, None, want))
        have = {k: v for k, v in attributes(live).items() if k in want}
        differ = [k for k in want if want[k] != have.get(k)]
        if not differ:
            return None
        fixed = sorted(immutable_names(desired) & set(differ))
        if not fixed:
            return self.finish(Change(desired.address, name, Action.UPDATE, have, want))
        if live.system:
            return Change(desired.address, name, Action.MANUAL, have, want,
                          ImmutableSystem(tuple(fixed)))
        return self.finish(Change(desired.address, name, Action.REPLACE, have, want,
                                  Immutable(tuple(fixed))))

    def finish(self, change: Change) -> Change:
        why = change.why or self.reasons.get(change.address) or \
            (self.explain(change) if self.explain is not None else None)
        return Change(change.address, change.kind, change.action, change.before, change.after,
                      why, self.kind.is_destructive(change))


def _present(attrs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None}
