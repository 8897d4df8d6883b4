"""The REST cost of a plan: the requests its read took, the requests its apply will need, and the
seconds those wait under the portal's rate limit (docs/portal-rules.md#batch, design.md "Speed").

The apply estimate is pure, like planning: every kind's apply script is started and its first
round of calls taken (no I/O happens before the first `yield`); changes not in that round go in
later rounds, one call each, and the calls a kind sends after all its rounds (`ClosesRounds`)
in one more. Rounds go out in batches of 50 exactly as the applier sends them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence, Set
from typing import Any

from provisioner.model.address import Address
from provisioner.model.changes import Change, Cost
from provisioner.model.kind import HELD, ClosesRounds, HoldsWrites, MadeWithParent
from provisioner.model.rounds import chunks

BATCH = 50
_SYMBOL = re.compile(r"(?:^|\s)(?:-/\+|[+~!-])\s")


def plan_cost(read_requests: int, changes: Sequence[Change], desired: Mapping[Any, Any],
              live: Mapping[Any, Any], kinds: Sequence[Any]) -> Cost:
    """The cost of a plan made from a live state read in `read_requests` requests."""
    return Cost(read_requests, apply_requests(changes, desired, live, kinds))


def cost_line(doc: Mapping[str, int]) -> str:
    """`REST cost: read 1 request; apply needs ~3 requests (~0 s under the rate limit).`"""
    read, apply = doc["read_requests"], doc["apply_requests"]
    text = f"REST cost: read {read} request{'' if read == 1 else 's'}; "
    if not apply:
        return text + "apply needs no request."
    return text + (f"apply needs ~{apply} request{'' if apply == 1 else 's'} "
                   f"(~{doc['apply_seconds']} s under the rate limit).")


def apply_requests(changes: Sequence[Change], desired: Mapping[Any, Any],
                   live: Mapping[Any, Any], kinds: Sequence[Any]) -> int:
    """Requests `engine.apply` will send for these changes (manual ones send nothing)."""
    first: list[Any] = []
    later: dict[int, int] = {}  # round -> calls
    by_kind: dict[str, list[Change]] = {}
    for c in changes:
        if c.action.value != "manual":
            by_kind.setdefault(c.kind, []).append(c)
    for kind in kinds:
        mine = by_kind.get(kind.name)
        if mine:
            calls = _first_round(kind, mine, desired, live)
            first.extend(c for c in calls if c.method != HELD)  # a held call sends nothing
            holds = isinstance(kind, HoldsWrites)
            held = kind.held(mine, desired, live) if holds else set()
            extra = kind.left_out(mine, desired, live) if holds else {}
            made = kind.made_with_parent(mine, desired, live) \
                if isinstance(kind, MadeWithParent) else set()
            rounds = _later_rounds(mine, calls, held, made, extra)
            for number, count in rounds.items():
                later[number] = later.get(number, 0) + count
            closing = kind.closing_calls(mine, desired, live) \
                if isinstance(kind, ClosesRounds) else 0
            if closing:  # a round of their own after the kind's last
                last = max(rounds, default=0) + 1
                later[last] = later.get(last, 0) + closing
    return len(chunks(first, BATCH)) + sum(math.ceil(n / BATCH) for n in later.values())


def _first_round(kind: Any, changes: list[Change], desired: Mapping[Any, Any],
                 live: Mapping[Any, Any]) -> list[Any]:
    script = kind.apply(changes, desired, live)
    try:
        calls = next(script)
    except StopIteration:
        return []
    finally:
        script.close()
    return list(calls)


def _later_rounds(changes: Sequence[Change], calls: Sequence[Any],
                  held: Set[Any] = frozenset(), made: Set[Any] = frozenset(),
                  extra: Mapping[Any, int] | None = None) -> dict[int, int]:
    """Calls of the changes the first round does not send, by round: one round after the
    parent's (a stage after its new pipeline, after its new smart process), one call each;
    enumeration items of a field being created travel inside its add
    (docs/portal-rules.md#enumeration-items); `held` changes need none (the portal makes them
    as wanted); the children of a `made` object (made by the portal with its parent) go one
    round after the parent's create, with the object's own change; `extra`: calls no change
    names, by the created parent they go under (its children's round)."""
    written: set[str] = set()
    for call in calls:
        written.update(label_addresses(call.label))
    by_address: dict[Address | None, Change] = {c.address: c for c in changes}
    rounds: dict[Address, int] = {}

    def round_of(change: Change) -> int:
        key = change.address
        if key not in rounds:
            parent = by_address.get(key.parent)
            if str(key) in written:
                rounds[key] = 0
            elif parent is not None and parent.address in made:
                rounds[key] = round_of(parent)
            else:
                rounds[key] = 1 + (round_of(parent) if parent is not None else 0)
        return rounds[key]

    out: dict[int, int] = {}
    for change in changes:
        number = round_of(change)
        parent = by_address.get(change.address.parent)
        bundled = (change.address.parts[-1][0] == "item" and parent is not None
                   and parent.action.value == "create" and change.action.value == "create")
        if number and not bundled and change.address not in held:
            out[number] = out.get(number, 0) + 1
    for address, count in (extra or {}).items():
        parent = by_address.get(address)
        if parent is not None and count:
            number = round_of(parent) + (0 if parent.address in made else 1)
            out[number] = out.get(number, 0) + count
    return out


def label_addresses(label: str) -> set[str]:
    """Addresses named in a call label (`+ a`, `~ a ~ b`, `- a (made by the portal ...)`)."""
    parts = (p.strip() for p in _SYMBOL.split(label))
    return {p.split(" (", 1)[0] for p in parts if p}
