"""The runbook and the sign-off of the automation kind, from the engine's desired and live state.

`runbook(desired, live, portal, lang)` is pure: it checks the stages' automation and the fields'
`required_from` rules against what the portal has now (a robot can only be placed on, a field
made mandatory from, a stage the portal already shows, so stages that apply would create do not
count here), and lays out every pipeline with the manual steps left. `attested(...)` records
that the steps of some stages and rules were carried out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from provisioner.automation import Catalog, PipelineInfo, StageAutomation, StageInfo, fieldref
from provisioner.automation import attest as att
from provisioner.automation.runbook import Runbook
from provisioner.errors import ConfigError, Problem
from provisioner.kinds.automation import required as req
from provisioner.kinds.automation import stages as stg
from provisioner.kinds.automation.kind import Automation as _Kind
from provisioner.kinds.automation.kind import AutomationDesired, AutomationLive
from provisioner.kinds.automation.stages import KIND
from provisioner.kinds.stage_automation import StageRobots

APPLY_FIRST = ("run `provision apply` first: it creates the stage, and robots and triggers can "
               "only be placed on a stage the portal has")
NO_STAGE = "does not exist in"


def parts(desired: Any, live: Any) -> tuple[AutomationDesired, AutomationLive]:
    """The automation kind's desired and live parts of an engine DesiredState / LiveState."""
    return desired.parts.get(KIND) or AutomationDesired(), live.parts[KIND]


def runbook(desired: Any, live: Any, portal: str, lang: str | None = None) -> Runbook:
    """ConfigError with every located problem, else the runbook of the portal."""
    want, have = parts(desired, live)
    cat = _Kind().catalog(want, have, created=False)
    problems = [_apply_first(p) for p in stg.validate(want.stages, cat, want.locate)]
    problems += req.on_the_portal(want.rules, cat.stages, want.locate, APPLY_FIRST)
    if problems:
        raise ConfigError(problems)
    chosen = lang or have.lang
    pipes = pipelines(desired.parts.get("deal.pipelines", ()),
                      desired.parts.get("smart_processes", ()), want.stages, want.rules, chosen)
    # Built here rather than with automation.build_runbook: a smart process's steps need its
    # title (the CRM menu item), which the library's PipelineInfo does not carry.
    items = stg.items(want.stages, have.recorded, chosen, cat)
    items += [item for _, item in req.items(want.rules, have.rules, chosen, want.names)]

    def label_of(field_id: str) -> str | None:
        """The label of a field by its portal name (unique across entities once resolved)."""
        for entity in ("deal", *sorted(cat.fields or {})):
            found = cat.field_label(entity, field_id)
            if found:
                return found
        return None

    return Runbook(portal, chosen, tuple(_on_portal(p, cat) for p in pipes), tuple(items),
                   label_of)


def _on_portal(pipe: PipelineInfo, cat: Catalog) -> PipelineInfo:
    """The pipeline's robots and triggers with the portal's field names (not field:KEY)."""
    def name_of(field_id: str) -> str:
        return cat.portal_name(pipe.entity, field_id)

    stages = tuple(replace(s, automation=StageAutomation(
        tuple(fieldref.resolve_robot(r, name_of) for r in s.automation.robots),
        tuple(fieldref.resolve_trigger(t, name_of) for t in s.automation.triggers)))
        for s in pipe.stages)
    return replace(pipe, stages=stages)


def _apply_first(problem: Problem) -> Problem:
    if NO_STAGE not in problem.message:
        return problem
    return Problem(problem.file, problem.key, problem.message, APPLY_FIRST, problem.line)


def pipelines(deal: Sequence[Any], spa: Sequence[Any], stages: Sequence[StageRobots],
              rules: Sequence[req.DesiredRule] = (), lang: str = "ru") -> list[PipelineInfo]:
    """Every desired deal and smart-process pipeline with all its stages (in order), their
    automation and the fields mandatory from each on; a smart process's pipeline is titled
    «process: pipeline»."""
    by_stage = {(s.entity, s.pipeline_key, s.code): s.automation for s in stages}
    required: dict[tuple[str, str, str], list[str]] = {}
    for d in rules:
        required.setdefault((d.rule.entity, d.pipeline, d.rule.stage), []).append(
            d.rule.label(lang))
    pipes = [("deal", spec, spec.pipeline.name) for spec in deal]
    pipes += [(f"spa:{s.spa.code}", p, f"{s.spa.title}: {p.pipeline.name or p.pipeline.key}")
              for s in spa for p in s.pipelines]
    out = []
    for entity, spec, title in pipes:
        key = spec.pipeline.key
        infos = tuple(StageInfo(s.code, s.name, s.color or "",
                                by_stage.get((entity, key, s.code), StageAutomation()),
                                tuple(required.get((entity, key, s.code), ())))
                      for s in spec.stages)
        out.append(PipelineInfo(entity, key, title, infos))
    return out


def desired_by_stage(desired: Any) -> dict[str, StageAutomation]:
    want = desired.parts.get(KIND) or AutomationDesired()
    return {s.address: s.automation for s in want.stages}


def desired_rules(desired: Any) -> dict[str, dict[str, str]]:
    """The desired `required_from` rules by address, as `attest` records them."""
    want = desired.parts.get(KIND) or AutomationDesired()
    return {d.rule.address: d.rule.snapshot() for d in want.rules}


def attested(desired: Any, current: att.Attestations, by: str, date: str,
             stages: Sequence[str] | None) -> att.Attestations:
    """The attestations with `stages` (stage or rule addresses; default: every stage with
    automation, every required_from rule, and everything attested before) recorded as carried
    out by `by` on `date`."""
    if not by.strip():
        raise ConfigError([Problem("attest", "--by", "who carried it out is required",
                                   "pass --by with your name or e-mail")])
    wanted: Mapping[str, StageAutomation] = desired_by_stage(desired)
    rules = desired_rules(desired)
    chosen = list(stages) if stages else [
        *(a for a, auto in wanted.items() if not auto.is_empty() or a in current.stages),
        *rules, *(a for a in current.rules if a not in rules)]
    return att.attest(current, wanted, by, date, chosen, rules)
