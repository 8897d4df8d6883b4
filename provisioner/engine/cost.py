"""The REST cost of a plan: the requests its read took, the requests its apply will need, and the
seconds those wait under the portal's rate limit (bitrix24-rest.md §1.8-1.9, design.md "Speed").

The apply estimate is pure, like planning: every kind's apply script is started and its first
round of calls taken (no I/O happens before the first `yield`); changes not in that round go in
later rounds, one call each. Rounds go out in batches of 50 exactly as the applier sends them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provisioner.engine.model import Action, Change

BATCH = 50
BURST = 50  # requests a portal takes at once (non-Enterprise cloud plans)
PER_SECOND = 2.0  # and then per second
_SYMBOL = re.compile(r"(?:^|\s)(?:-/\+|[+~!-])\s")


@dataclass(frozen=True)
class Cost:
    """Requests made to read the portal and requests the apply will need (an estimate)."""

    read_requests: int = 0
    apply_requests: int = 0

    @property
    def apply_seconds(self) -> int:
        """Seconds the apply waits in the portal's leaky bucket when it follows the plan's
        reads at once (`provision apply`): burst 50, then 2 requests a second."""
        over = self.read_requests + self.apply_requests - BURST
        return math.ceil(max(0, over) / PER_SECOND)

    def document(self) -> dict[str, int]:
        return {"read_requests": self.read_requests, "apply_requests": self.apply_requests,
                "apply_seconds": self.apply_seconds}


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
    from provisioner.engine.applier import chunks  # the applier imports the kinds

    first: list[Any] = []
    later = 0
    for kind in kinds:
        mine = [c for c in changes if c.kind == kind.name and c.action is not Action.MANUAL]
        if mine:
            calls = _first_round(kind, mine, desired, live)
            first.extend(calls)
            later += _later_calls(mine, calls)
    return len(chunks(first, BATCH)) + math.ceil(later / BATCH)


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


def _later_calls(changes: Sequence[Change], calls: Sequence[Any]) -> int:
    """Changes the first round does not send: one call each, except enumeration items of a
    field being created, which travel inside the field's add (bitrix24-rest.md §4.6)."""
    written: set[str] = set()
    for call in calls:
        written.update(_addresses(call.label))
    created = {str(c.address) for c in changes if c.action is Action.CREATE}
    later = 0
    for change in changes:
        if str(change.address) in written:
            continue
        parent = change.address.parent
        bundled = (change.address.parts[-1][0] == "item" and parent is not None
                   and str(parent) in created and change.action is Action.CREATE)
        later += 0 if bundled else 1
    return later


def _addresses(label: str) -> set[str]:
    """Addresses named in a call label (`+ a`, `~ a ~ b`, `- a (made by the portal ...)`)."""
    parts = (p.strip() for p in _SYMBOL.split(label))
    return {p.split(" (", 1)[0] for p in parts if p}
