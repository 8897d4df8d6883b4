"""The change limit (octoDNS's unsafe-plan thresholds): refuse an apply that would update or
delete more of the portal's managed objects than a set count or share, unless told.

A plan that rewrites most of a portal is more often a wrong config (another portal's export, a
file left out of the directory) than an intended change. The limit is set per portal in
`portals.toml` (`max_changes = "30%"` or `= 20`) or for one run with `--max-changes`; without
either there is none. Creations do not count (they change nothing that exists); updates,
deletions and replacements each count once; manual changes are never applied and do not count.
The managed objects are the live objects the config names, plus those the plan deletes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from provisioner.errors import ProvisionError
from provisioner.model import Action, Plan

_LIMIT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(%?)\s*")
COUNTED = (Action.UPDATE, Action.DELETE, Action.REPLACE)


class TooManyChanges(ProvisionError):
    """The plan updates or deletes more managed objects than the change limit allows."""


@dataclass(frozen=True)
class ChangeLimit:
    """At most `count` changed objects, or at most `share` (0..1) of the managed ones;
    `source` says where it was set (for the error)."""

    count: int | None = None
    share: float | None = None
    source: str = "--max-changes"

    @classmethod
    def parse(cls, value: object, source: str = "--max-changes") -> ChangeLimit:
        """`12` (a count) or `"25%"` (a share of the managed objects); ValueError otherwise."""
        text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) \
            else ""
        found = _LIMIT.fullmatch(text)
        if found is None or (not found.group(2) and "." in found.group(1)):
            raise ValueError(f'{source}: write a count of objects (20) or a share ("30%"), '
                             f"not {value!r}")
        number = float(found.group(1))
        if found.group(2):
            if number > 100:
                raise ValueError(f"{source}: a share is at most 100%, not {value!r}")
            return cls(share=number / 100, source=source)
        return cls(count=int(number), source=source)

    def allows(self, changed: int, managed: int) -> bool:
        if self.count is not None:
            return changed <= self.count
        assert self.share is not None
        return changed <= math.floor(self.share * managed + 1e-9)

    def __str__(self) -> str:
        if self.count is not None:
            return str(self.count)
        return f"{(self.share or 0) * 100:g}%"


@dataclass(frozen=True)
class Tally:
    changed: int  # updates, deletions and replacements the plan would apply
    managed: int  # live objects the config names, plus those the plan deletes

    @property
    def percent(self) -> int:
        return math.ceil(100 * self.changed / self.managed) if self.managed else 0


def tally(plan: Plan) -> Tally:
    counted = [c for c in plan.changes if c.action in COUNTED]
    named = sum(1 for address in plan.live_nodes if address in plan.desired_nodes)
    deleted = sum(1 for c in counted if c.action is Action.DELETE)
    return Tally(len(counted), named + deleted)


def check_limit(plan: Plan, limit: ChangeLimit | None) -> None:
    """TooManyChanges when the plan is over `limit` (None: no limit). The managed objects are
    counted only when a limit may refuse: without one, or without a change it counts, every
    plan is allowed (counting walks every node of both sides: 0.4 s at L100)."""
    if limit is None or not any(c.action in COUNTED for c in plan.changes):
        return
    counts = tally(plan)
    if limit.allows(counts.changed, counts.managed):
        return
    raise TooManyChanges(
        f"the plan updates or deletes {counts.changed} of the {counts.managed} managed objects "
        f"on the portal ({counts.percent}%), over the limit of {limit} ({limit.source}); "
        f"review the plan, then allow it for this run with --max-changes {counts.changed} "
        f"(or --max-changes {counts.percent}%)")
