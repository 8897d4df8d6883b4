"""Robots and triggers kept with their stage: a stage list's shape takes `robots` and
`triggers`, and the stage kinds (deal pipelines, smart processes) parse them with their stages
into `StageRobots`, which the automation kind gathers (`kinds/automation/`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from provisioner.automation import StageAutomation, parse_stage_automation, stage_schema_properties
from provisioner.automation.model import stage_address
from provisioner.model import Report
from provisioner.model.shape import ArrayOf, Opaque, Path, Prop, Table

Locate = Callable[[Path], tuple[str, int | None]]
# No public REST method reads them (../shared/bitrix24-automation.md): `export` carries them
# over from an existing config and says so.
UNREAD = {"robots": "robots on stages", "triggers": "triggers on stages"}
_STEP = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


@dataclass(frozen=True)
class StageRobots:
    """One desired stage with its automation, where it is written and how the portal names it."""

    entity: str  # "deal", "lead" or "spa:<code>"
    pipeline_key: str
    pipeline_name: str
    code: str
    name: str
    path: Path  # key path of the stage table, e.g. ("deal", "pipelines", "sales", "stages", 0)
    automation: StageAutomation
    entity_name: str = ""  # a smart process's title (the CRM menu item of its items)

    @property
    def address(self) -> str:
        """As the plan shows it: `smart_process[hr].pipeline[hiring].stage[NEW]` for SPAs."""
        return engine_text(stage_address(self.entity, self.pipeline_key, self.code))


def with_automation(stages: ArrayOf) -> ArrayOf:
    """A stage list's shape whose stage tables also take `robots` and `triggers` (checked by
    the automation parser, which locates every problem itself)."""
    item = stages.item
    assert isinstance(item, Table)
    extra = {name: Prop(Opaque(schema), unread=UNREAD[name])
             for name, schema in stage_schema_properties().items()}
    return ArrayOf(Table({**item.props, **extra}, item.doc), stages.doc, key="code")


def parse_stages_automation(rows: Any, path: Path, report: Report, entity: str, key: str,
                            name: str, entity_name: str = "") -> tuple[StageRobots, ...]:
    """The automation of every stage table in `rows` (at `path`); problems go to `report`."""
    out = []
    for index, row in enumerate(rows if isinstance(rows, list) else []):
        if not isinstance(row, dict) or not ("robots" in row or "triggers" in row):
            continue
        code = str(row.get("code", index))
        stage_path = (*path, index)
        automation, problems = parse_stage_automation(row, stage_key(code), no_location)
        for problem in problems:
            report.add(to_path(stage_path, problem.key), problem.message, problem.fix)
        out.append(StageRobots(entity, key, name, code, str(row.get("name", code)), stage_path,
                               automation, entity_name))
    return tuple(out)


def stage_key(code: str) -> str:
    return f"stage[{code}]"


def no_location(_key: str) -> tuple[str, int | None]:
    return ("", None)


def to_path(stage_path: Path, key: str) -> Path:
    """`stage[NEW].robots[1].condition.all[2]` below `stage_path` -> an engine key path
    (the automation library counts from 1, the engine from 0)."""
    rest = key.split("]", 1)[1] if key.startswith("stage[") else key
    steps: list[str | int] = []
    for name, index in _STEP.findall(rest):
        if name:
            steps.append(name)
        elif index.isdigit():
            steps.append(int(index) - 1)
    return (*stage_path, *steps)


def engine_text(text: str) -> str:
    """The automation library's `spa:hr.pipeline[...]` -> the engine's
    `smart_process[hr].pipeline[...]` (the smart-process kind's addresses)."""
    if not text.startswith("spa:"):
        return text
    code, rest = text[4:].split(".", 1)
    return f"smart_process[{code}].{rest}"
