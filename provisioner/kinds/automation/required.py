"""`required_from` rules in the automation kind: gathered from the field kinds' desired parts
(deal fields, smart-process fields; the field kinds resolve them against the pipelines), checked
against the stages on the portal for the runbook, planned as manual changes unless `attest`
recorded them, under the field's address and kind (`deal.field[X].required_from[sales]`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from provisioner.automation.manual import ManualItem
from provisioner.automation.model import pipeline_address
from provisioner.automation.required import RequiredRule, rule_item
from provisioner.errors import Problem
from provisioner.kinds.fields import manual as fm
from provisioner.kinds.fields.model import FieldSpec
from provisioner.kinds.smart_processes.model import SpaSpec
from provisioner.kinds import statuses as st
from provisioner.kinds.automation.stages import parse_address
from provisioner.kinds.stage_automation import Locate
from provisioner.kinds.statuses.deal_pipelines import PipelineSpec
from provisioner.model import Action, Change
from provisioner.model.locate import render_path
from provisioner.model.reasons import ManualSteps
from provisioner.model.shape import Path

DEAL_FIELDS = "deal.fields"
SPA = "smart_processes"


@dataclass(frozen=True)
class DesiredRule:
    """A rule, the kind whose field it belongs to (the change's kind), where it is written, and
    the pipeline key (for the stages on the portal)."""

    kind: str
    rule: RequiredRule
    pipeline: str
    path: Path


def gather(deal_fields: Sequence[FieldSpec], deal: Sequence[PipelineSpec],
           spa: Sequence[SpaSpec]) -> tuple[DesiredRule, ...]:
    """Every resolved rule of the deal fields and the smart processes' fields."""
    stages = {p.pipeline.key: _names(p.stages) for p in deal}
    out = [_desired(DEAL_FIELDS, "deal", "", f, r, stages) for f in deal_fields
           for r in fm.rules_of([f])]
    for s in spa:
        own = {p.pipeline.key: _names(p.stages) for p in s.pipelines}
        out += [_desired(SPA, f"spa:{s.spa.code}", s.spa.title, f, r, own) for f in s.fields
                for r in fm.rules_of([f])]
    return tuple(out)


def _names(stages: Iterable[st.Stage]) -> dict[str, str]:
    """Code -> name of the stages that are not failures, in order (the portal's range)."""
    return {s.code: s.name for s in stages if s.semantics != "failure"}


def _desired(kind: str, entity: str, title: str, spec: FieldSpec, rule: fm.Rule,
             stages: Mapping[str, Mapping[str, str]]) -> DesiredRule:
    labels = dict(spec.field.label or {}) or {"ru": spec.field.name}
    shown = RequiredRule(str(rule.address), entity, labels, rule.pipeline_name, rule.stage,
                         rule.stage_name, title, stages.get(rule.pipeline, {}))
    return DesiredRule(kind, shown, rule.pipeline, (*spec.path, fm.STEP))


def names(deal_fields: Sequence[FieldSpec], deal: Sequence[PipelineSpec],
          spa: Sequence[SpaSpec]) -> dict[str, Mapping[str, str]]:
    """The labels of the desired fields and the names of the desired pipelines by address
    (`deal.field[X]`, `deal.pipeline[sales]`): a rule removed from the config is shown by
    them while they are still declared."""
    out: dict[str, Mapping[str, str]] = {}
    for f in [*deal_fields, *(f for s in spa for f in s.fields)]:
        out[str(f.field.address)] = f.field.label or {}  # the field's own (shared, frozen)
    for p in deal:
        out[str(p.pipeline.address)] = {"ru": p.pipeline.name}
    for s in spa:
        out[str(s.spa.address)] = {"ru": s.spa.title}
        out.update({str(p.pipeline.address): {"ru": p.pipeline.name or p.pipeline.key}
                    for p in s.pipelines})
    return out


def items(rules: Sequence[DesiredRule], recorded: Mapping[str, Mapping[str, str]],
          lang: str, known: Mapping[str, Mapping[str, str]] | None = None
          ) -> list[tuple[str, ManualItem]]:
    """(kind, item) of every rule that differs from what is attested, then of every attested
    rule no longer desired (to be removed on the portal; `known`: names by address)."""
    out = []
    for d in rules:
        item = rule_item(d.rule, recorded.get(d.rule.address), lang)
        if item is not None:
            out.append((d.kind, item))
    wanted = {d.rule.address for d in rules}
    for address, snapshot in sorted(recorded.items()):
        if address not in wanted:
            gone = rule_item(None, snapshot, lang, _removed(address, snapshot, known or {}))
            if gone is not None:
                out.append((SPA if address.startswith("smart_process[") else DEAL_FIELDS, gone))
    return out


def _removed(address: str, snapshot: Mapping[str, str],
             known: Mapping[str, Mapping[str, str]]) -> RequiredRule:
    """A rule attested before and gone from the config, named by the config's names where it
    still declares the field and pipeline, else by the address's keys."""
    field, _, pipeline = address.rpartition(".required_from[")
    pipeline = pipeline.rstrip("]")
    owner = field.rpartition(".field[")[0]
    spa = owner.startswith("smart_process[")
    entity = f"spa:{owner[len('smart_process['):-1]}" if spa else "deal"
    pipe = f"{owner}.pipeline[{pipeline}]" if spa else f"deal.pipeline[{pipeline}]"
    labels = known.get(field) or {"ru": field.rpartition("[")[2].rstrip("]")}
    title = (known.get(owner) or {}).get("ru", entity[4:]) if spa else ""
    stage = snapshot.get("stage", "")
    return RequiredRule(address, entity, labels, (known.get(pipe) or {}).get("ru", pipeline),
                        stage, stage, title)


def changes(rules: Sequence[DesiredRule], recorded: Mapping[str, Mapping[str, str]],
            lang: str, known: Mapping[str, Mapping[str, str]] | None = None) -> list[Change]:
    return [as_change(kind, item) for kind, item in items(rules, recorded, lang, known)]


def as_change(kind: str, item: ManualItem) -> Change:
    return Change(parse_address(item.address), kind, Action.MANUAL, item.before, item.after,
                  ManualSteps(item.summary, tuple(item.steps)))


def on_the_portal(rules: Sequence[DesiredRule], stages: Mapping[str, frozenset[str]] | None,
                  locate: Locate | None, fix: str) -> list[Problem]:
    """A rule can be set only on a stage the portal shows (the runbook's check)."""
    problems = []
    for d in rules:
        where = pipeline_address(d.rule.entity, d.pipeline)
        if stages is None or d.rule.stage in stages.get(where, frozenset()):
            continue
        file, line = locate(d.path) if locate else ("", None)
        problems.append(Problem(file, render_path(d.path), f"the stage {d.rule.stage} does not "
                                f"exist in {where} on the portal", fix, line))
    return problems
