"""`required_from`: a field required from a pipeline stage on — parsed and resolved here.

No REST method reads or writes stage-dependent required fields
(docs/portal-rules.md#stage-required-fields), so the rule is a manual change (`!`) with the
steps an administrator clicks, planned by the automation kind (kinds/automation/required.py)
until `provision attest` records it as carried out; it is never reported as applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provisioner.model import Report
from provisioner.model.address import Address
from provisioner.model.shape import Path

STEP = "required_from"


@dataclass(frozen=True)
class Section:
    """How the portal's menu names the entity: «Сделки», or a smart process's title."""

    menu: tuple[str, ...]  # e.g. ("CRM", "Сделки")
    item: str  # "any deal", "any item"


DEALS = Section(("CRM", "Сделки"), "any deal")


@dataclass(frozen=True)
class Rule:
    """A resolved rule: the field, the pipeline and the stage with the names the portal shows."""

    field: Address
    field_label: str
    pipeline: str
    pipeline_name: str
    stage: str
    stage_name: str
    section: Section

    @property
    def address(self) -> Address:
        return self.field.child(STEP, self.pipeline)


@dataclass(frozen=True)
class StageNames:
    """A pipeline as `resolve` needs it: key, name and stages in order (code -> name)."""

    key: str
    name: str
    stages: Mapping[str, str]


def resolve(raw: str, path: Path, field: Address, field_label: str,
            pipelines: Sequence[StageNames], section: Section, report: Report) -> Rule | None:
    """Check `"<pipeline>:<stage>"` against the desired pipelines; None (and a problem) if not."""
    key, _, code = raw.partition(":")
    where = (*path, STEP)
    pipe = next((p for p in pipelines if p.key == key), None)
    if pipe is None:
        known = ", ".join(p.key for p in pipelines)
        table = ".".join(str(part) for part in (*path[:-2], "pipelines", key))
        report.add(where, f'required_from names pipeline "{key}", which the desired state does '
                   f"not declare", f"use one of: {known}" if known else
                   f"declare [{table}] with its stages, or remove required_from")
        return None
    if code not in pipe.stages:
        report.add(where, f'pipeline "{key}" has no stage "{code}"',
                   f"use one of: {', '.join(pipe.stages)}")
        return None
    return Rule(field, field_label, key, pipe.name, code, pipe.stages[code], section)


def rules_of(specs: Sequence[Any]) -> list[Rule]:
    return [r for spec in specs for r in spec.required_from if isinstance(r, Rule)]
