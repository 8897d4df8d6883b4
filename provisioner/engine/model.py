"""The plan as data: actions, changes, notes, and the helpers model classes use for attributes.

Model classes (one per object, shared by desired and live) are frozen dataclasses. Fields made
with `attribute()` are compared; fields made with `live_only()` (portal ids, flags) never are.
An attribute whose desired value is None is not managed and never compared.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from provisioner.engine.address import Address
from provisioner.engine.cost import Cost

Attrs = Mapping[str, Any]


def attribute(*, immutable: bool = False, default: Any = dataclasses.MISSING) -> Any:
    """A compared attribute; immutable ones can only change by replacing the object."""
    meta = {"attr": True, "immutable": immutable}
    if default is dataclasses.MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def live_only(default: Any = None) -> Any:
    """A value that exists only on the live side (portal id, system flag); never compared."""
    return field(default=default, compare=False, metadata={"live": True})


def attributes(obj: Any) -> dict[str, Any]:
    """The compared attributes of a model object, in declaration order."""
    return {name: getattr(obj, name) for name in _names(type(obj))[0]}


def immutable_names(obj: Any) -> frozenset[str]:
    return _names(type(obj))[1]


# Per class, once: the planner asks for every node of both sides (design.md "Speed").
_NAMES: dict[type, tuple[tuple[str, ...], frozenset[str]]] = {}


def _names(cls: type) -> tuple[tuple[str, ...], frozenset[str]]:
    """The compared attribute names of a model class, and the immutable ones."""
    names = _NAMES.get(cls)
    if names is None:
        fields = dataclasses.fields(cls)
        names = _NAMES[cls] = (tuple(f.name for f in fields if f.metadata.get("attr")),
                               frozenset(f.name for f in fields if f.metadata.get("immutable")))
    return names


class Resource(Protocol):
    """What the planner needs from a model object."""

    @property
    def address(self) -> Address: ...

    @property
    def scope(self) -> str:
        """The collection the object belongs to (deletions are planned per managed scope)."""
        ...

    @property
    def system(self) -> bool:
        """A system object the portal refuses to delete; never planned for deletion."""
        ...


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
    """One change: attributes before and after (None = absent); the reason is for people only."""

    address: Address
    kind: str
    action: Action
    before: Attrs | None
    after: Attrs | None
    reason: str = ""
    destructive: bool = False

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
    reason: str


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
    delete_method: str  # crm.deal.delete
    list_key: str | None = None  # "items" for crm.item.list
    id_key: str = "ID"
    delete_params: Mapping[str, Any] = field(default_factory=dict)


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
