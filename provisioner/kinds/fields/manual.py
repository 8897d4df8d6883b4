"""`required_from`: a field required from a pipeline stage on — checked, then planned as manual.

No REST method reads or writes stage-dependent required fields
(docs/portal-rules.md#stage-required-fields), so the rule becomes a manual change (`!`) with the
steps an administrator clicks, on every plan: it cannot be read back, so nothing can tell that it
was done, and it is never reported as applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from provisioner.model import Action, Change, Report
from provisioner.model.address import Address
from provisioner.model.reasons import Reason
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
        known = ", ".join(p.key for p in pipelines) or "none declared"
        report.add(where, f'required_from names pipeline "{key}", which the desired state does '
                   f"not declare", f"use one of: {known}")
        return None
    if code not in pipe.stages:
        report.add(where, f'pipeline "{key}" has no stage "{code}"',
                   f"use one of: {', '.join(pipe.stages)}")
        return None
    return Rule(field, field_label, key, pipe.name, code, pipe.stages[code], section)


@dataclass(frozen=True)
class RequiredFromSteps(Reason):
    """The steps that make a field required from a stage on, in the portal's own words."""

    code: ClassVar[str] = "required_from"
    menu: tuple[str, ...]
    pipeline_name: str
    item: str
    field_label: str
    stage_name: str

    @property
    def text(self) -> str:
        menu = " → ".join(f"«{m}»" for m in self.menu)
        pipeline = f", pipeline «{self.pipeline_name}»" if self.pipeline_name else ""
        return (f"no REST method writes or reads stage-dependent required fields: in the portal "
                f"open {menu}{pipeline}, open {self.item}; on the "
                f"field «{self.field_label}» open its menu → «Обязательное поле» → «На стадии» → "
                f"choose from stage «{self.stage_name}» on → «Сохранить». It cannot be read back, "
                "so it stays listed as manual on every plan")


def manual_change(rule: Rule, kind: str) -> Change:
    steps = RequiredFromSteps(rule.section.menu, rule.pipeline_name, rule.section.item,
                              rule.field_label, rule.stage_name)
    return Change(rule.address, kind, Action.MANUAL, None, {"stage": rule.stage}, steps)


def rules_of(specs: Sequence[Any]) -> list[Rule]:
    return [r for spec in specs for r in spec.required_from if isinstance(r, Rule)]
