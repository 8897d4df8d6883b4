"""The plan as data: actions, changes, notes, options, record counts, the REST cost, the plan."""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from provisioner.model.address import Address
from provisioner.model.attributes import Attrs
from provisioner.model.reasons import Reason


class Action(enum.Enum):
    """The closed set of things a plan can ask for."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"
    MANUAL = "manual"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "manual": "!"}[
            self.value]


@dataclass(frozen=True)
class Change:
    """One change: attributes before and after (None = absent) and why (a `Reason`, data with
    its text; for people and programs reading the plan, never steering apply).

    `residue`: a deletion of what provision's own stopped apply left (`Pairing.residue`): it
    needs no --allow-destroy, but only while the object holds no records, which the engine
    counts before the plan is shown and again before apply (engine/records.py); never
    destructive."""

    address: Address
    kind: str
    action: Action
    before: Attrs | None
    after: Attrs | None
    why: Reason | None = None
    destructive: bool = False
    residue: bool = False

    @property
    def reason(self) -> str:
        """The reason's text ("" when there is none)."""
        return "" if self.why is None else self.why.text

    def changed(self) -> list[str]:
        """Attribute names that differ (all present ones for create/delete)."""
        before, after = self.before or {}, self.after or {}
        names = list(dict.fromkeys([*before, *after]))
        return [n for n in names if before.get(n) != after.get(n) or self.before is None
                or self.after is None]


@dataclass(frozen=True)
class Note:
    """Something the plan leaves alone on purpose, with the reason (not a change)."""

    address: Address
    kind: str
    why: Reason

    @property
    def reason(self) -> str:
        return self.why.text


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: deletions planned at all, and which addresses the plan may touch.

    `protect`, `targets` and `excludes` are address patterns (`deal.pipeline[sales]` also
    covers its stages; see `engine.scope`). `allow_data_loss` is recorded for the plan file."""

    allow_destroy: bool = False
    allow_data_loss: bool = False
    protect: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Records:
    """The records a destructive change would take with it (counted on the portal)."""

    count: int
    noun: str  # "deals", "leads", "items"


@dataclass(frozen=True)
class RecordQuery:
    """A kind's answer to `records(change, live_nodes)` (engine/records.py): how to count,
    and delete, the records a destructive change would take with it."""

    noun: str  # plural, for people: "deals"
    list_method: str  # crm.deal.list
    params: Mapping[str, Any]  # filter (and entityTypeId)
    # crm.deal.delete; "" when the records stay and only what they hold goes with the object
    # (a field's values): nothing to delete first
    delete_method: str
    list_key: str | None = None  # "items" for crm.item.list
    id_key: str = "ID"
    delete_params: Mapping[str, Any] = field(default_factory=dict)


BURST = 50  # requests a portal takes at once (non-Enterprise cloud plans)
PER_SECOND = 2.0  # and then per second


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


@dataclass(frozen=True)
class Plan:
    """The changes that make live match desired, plus what apply needs to resolve addresses."""

    changes: tuple[Change, ...]
    notes: tuple[Note, ...] = ()
    fingerprint: str = ""
    options: PlanOptions = PlanOptions()
    desired_nodes: Mapping[Address, Any] = field(default_factory=dict, compare=False, repr=False)
    live_nodes: Mapping[Address, Any] = field(default_factory=dict, compare=False, repr=False)
    records: Mapping[Address, Records] = field(default_factory=dict)
    # The REST cost line (engine/cost.py): set by make_plan when the live state counted its reads.
    cost: Cost | None = field(default=None, compare=False)
    # The DesiredState the plan was made from (make_plan): apply plans again from it after
    # reading the portal, and refuses when the live objects changed (engine/applier.py).
    desired: Any = field(default=None, compare=False, repr=False)
    # The label languages each kind's live part was read in (engine/live.py `read_languages`;
    # None: every one): apply reads again in the same, to compare like with like.
    languages: Any = field(default=None, compare=False, repr=False)

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def has_actionable(self) -> bool:
        """True when apply would send something (manual changes alone do not count)."""
        return any(c.action is not Action.MANUAL for c in self.changes)

    @property
    def destructive(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.destructive)

    @property
    def residue(self) -> tuple[Change, ...]:
        """Deletions of residue (`Change.residue`): no consent needed while they hold no
        records."""
        return tuple(c for c in self.changes if c.residue)

    @property
    def data_loss(self) -> tuple[Change, ...]:
        """Destructive changes whose object still holds records on the portal."""
        return tuple(c for c in self.destructive
                     if (r := self.records.get(c.address)) is not None and r.count > 0)

    def summary(self) -> dict[str, int]:
        count = {a: sum(1 for c in self.changes if c.action is a) for a in Action}
        return {
            "add": count[Action.CREATE] + count[Action.REPLACE],
            "change": count[Action.UPDATE],
            "destroy": count[Action.DELETE] + count[Action.REPLACE],
            "manual": count[Action.MANUAL],
        }
