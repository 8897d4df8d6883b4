"""The desired automation of one stage: its robots (in order) and its triggers, as frozen values.

The same classes hold what the TOML says and what an attestation recorded, so that comparing the
two is plain equality. Users are kept by e-mail and fields by their Bitrix field id: natural keys
that mean the same on every portal; portal user ids appear only when the sandbox is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

DelayKind = Literal["after", "before", "at"]
Unit = Literal["i", "h", "d"]  # the portal's logical units: minutes, hours, days
NOW_BASIS = "{=System:Now}"
RESPONSIBLE = "{=Document:ASSIGNED_BY_ID}"


@dataclass(frozen=True)
class Delay:
    """When a robot runs, relative to entering the stage or to a date field (b.4)."""

    kind: DelayKind
    amount: int = 0
    unit: Unit = "i"
    basis: str | None = None  # a date field id (None = the moment the item enters the stage)
    work_time: bool = False
    at_time: tuple[int, int] | None = None  # (hour, minute) of the day the robot waits for

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "amount": self.amount, "unit": self.unit}
        if self.basis is not None:
            data["basis"] = self.basis
        if self.work_time:
            data["work_time"] = True
        if self.at_time is not None:
            data["at_time"] = f"{self.at_time[0]:02d}:{self.at_time[1]:02d}"
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Delay:
        at = data.get("at_time")
        at_time = (int(at[:2]), int(at[3:])) if isinstance(at, str) else None
        return cls(data["kind"], int(data.get("amount", 0)), data.get("unit", "i"),
                   data.get("basis"), bool(data.get("work_time", False)), at_time)


@dataclass(frozen=True)
class ConditionItem:
    """One test: a field of the document, an operator in the portal's spelling, a value."""

    field: str
    operator: str  # =, !=, >, >=, <, <=, contain, !contain, in, !in, empty, !empty
    value: str = ""

    def to_data(self) -> list[str]:
        return [self.field, self.operator, self.value]


@dataclass(frozen=True)
class Condition:
    """Any of the groups holds; inside a group all items hold (the portal's AND-binds-tighter)."""

    groups: tuple[tuple[ConditionItem, ...], ...]

    def items(self) -> tuple[ConditionItem, ...]:
        return tuple(item for group in self.groups for item in group)

    def to_data(self) -> list[list[list[str]]]:
        return [[item.to_data() for item in group] for group in self.groups]

    @classmethod
    def from_data(cls, data: list[list[list[str]]]) -> Condition:
        return cls(tuple(tuple(ConditionItem(*item) for item in group) for group in data))


@dataclass(frozen=True)
class Robot:
    """One robot of a stage; `properties` are the activity's stored properties (read-only)."""

    type: str  # activity class, e.g. CrmControlNotifyActivity
    title: str
    properties: dict[str, Any] = field(default_factory=dict)
    delay: Delay | None = None
    after_previous: bool = False
    activated: bool = True
    condition: Condition | None = None
    # written with the friendly options (message, to, ...): only steers where problems point
    via_options: bool = field(default=False, compare=False, repr=False)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "title": self.title,
                                "properties": self.properties}
        if self.delay is not None:
            data["delay"] = self.delay.to_data()
        if self.after_previous:
            data["after_previous"] = True
        if not self.activated:
            data["activated"] = False
        if self.condition is not None:
            data["condition"] = self.condition.to_data()
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Robot:
        delay = data.get("delay")
        cond = data.get("condition")
        return cls(data["type"], data["title"], dict(data.get("properties", {})),
                   Delay.from_data(delay) if delay else None,
                   bool(data.get("after_previous", False)), bool(data.get("activated", True)),
                   Condition.from_data(cond) if cond else None)


@dataclass(frozen=True)
class Trigger:
    """A trigger bound to a stage: when it fires, the item is moved to this stage (b.7)."""

    code: str  # the portal's trigger code, e.g. OPENLINE_ANSWER
    name: str
    allow_backwards: bool = False
    condition: Condition | None = None
    rules: dict[str, Any] = field(default_factory=dict)  # code-specific APPLY_RULES keys
    execute_by: str | None = None  # e-mail of the user the stage change is made as

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "name": self.name}
        if self.allow_backwards:
            data["allow_backwards"] = True
        if self.condition is not None:
            data["condition"] = self.condition.to_data()
        if self.rules:
            data["rules"] = self.rules
        if self.execute_by is not None:
            data["execute_by"] = self.execute_by
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Trigger:
        cond = data.get("condition")
        return cls(data["code"], data["name"], bool(data.get("allow_backwards", False)),
                   Condition.from_data(cond) if cond else None, dict(data.get("rules", {})),
                   data.get("execute_by"))


@dataclass(frozen=True)
class StageAutomation:
    """Everything automated on one stage: robots in display order, then triggers."""

    robots: tuple[Robot, ...] = ()
    triggers: tuple[Trigger, ...] = ()

    def is_empty(self) -> bool:
        return not self.robots and not self.triggers

    def to_data(self) -> dict[str, Any]:
        return {"robots": [r.to_data() for r in self.robots],
                "triggers": [t.to_data() for t in self.triggers]}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> StageAutomation:
        return cls(tuple(Robot.from_data(r) for r in data.get("robots", [])),
                   tuple(Trigger.from_data(t) for t in data.get("triggers", [])))


@dataclass(frozen=True)
class StageInfo:
    """What a runbook needs to know of a stage besides its automation."""

    code: str
    name: str
    color: str = ""
    automation: StageAutomation = StageAutomation()
    required: tuple[str, ...] = ()  # labels of the fields mandatory from this stage on


@dataclass(frozen=True)
class PipelineInfo:
    """A pipeline as the runbook draws it: entity, natural key, name, stages in order."""

    entity: str  # "deal", "lead" or "spa:<code>"
    key: str
    name: str
    stages: tuple[StageInfo, ...] = ()

    @property
    def address(self) -> str:
        return pipeline_address(self.entity, self.key)


def pipeline_address(entity: str, key: str) -> str:
    """`deal.pipeline[sales]`, `smart_process[hr].pipeline[hiring]` (entity "spa:hr"), the
    engine's own addresses; a lead has one unnamed pipeline: `lead`."""
    if entity.startswith("spa:"):
        return f"smart_process[{entity[4:]}].pipeline[{key}]"
    return entity if entity == "lead" else f"{entity}.pipeline[{key}]"


def stage_address(entity: str, pipeline_key: str, stage_code: str) -> str:
    return f"{pipeline_address(entity, pipeline_key)}.stage[{stage_code}]"


def trigger_keys(triggers: tuple[Trigger, ...]) -> list[str]:
    """Address keys of a stage's triggers: the code, then CODE#2, CODE#3 for repeats."""
    seen: dict[str, int] = {}
    keys = []
    for trig in triggers:
        seen[trig.code] = seen.get(trig.code, 0) + 1
        n = seen[trig.code]
        keys.append(trig.code if n == 1 else f"{trig.code}#{n}")
    return keys
