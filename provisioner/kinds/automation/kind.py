"""Kind `automation`: robots and triggers of stages (manual changes) and the app's own robot and
trigger types (`[app.robots.*]`, `[app.triggers.*]`, reconciled with an application token).

Stage robots and triggers are written under their stages (the deal pipeline kind keeps them,
`kinds/stage_automation.py`); this kind gathers them in `link`, reads what they
name (custom fields, users by e-mail, the portal language from `app.info`) in the same first
batch as every other kind, takes the stages on the portal from the live parts of the deal
pipeline and smart-process kinds (`needs`: built once, by those kinds), refuses the plan with
every located problem when something does not exist, and plans each difference from what
`provision attest` recorded as a manual change whose reason is the steps. Nothing here is ever
applied: no public REST method reaches them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from provisioner.automation import Attestations, Catalog, StageAutomation, recorded
from provisioner.automation.attest import recorded_rules
from provisioner.automation.model import pipeline_address
from provisioner.errors import ConfigError
from provisioner.kinds import shared
from provisioner.kinds.automation import app, fieldbook
from provisioner.kinds.automation import required as req
from provisioner.kinds.automation import stages as stg
from provisioner.kinds.fields.kind import Fields
from provisioner.kinds.fields.model import FieldSpec
from provisioner.kinds.smart_processes.kind import SmartProcesses
from provisioner.kinds.smart_processes.match import live_stage_codes
from provisioner.kinds.smart_processes.model import PipelineSpec as SpaPipelineSpec
from provisioner.kinds.smart_processes.model import SpaSpec
from provisioner.kinds.stage_automation import Locate, StageRobots
from provisioner.kinds.statuses.deal_match import live_keys
from provisioner.kinds.statuses.deal_pipelines import DealPipelines, Pipeline, PipelineSpec
from provisioner.model import (
    Change,
    FoldsReads,
    KeepsLocal,
    Kind,
    Links,
    NeedsLive,
    Pairing,
    Pairs,
    Parts,
    ReadCall,
    ReadsMore,
    Report,
    Results,
    Script,
    tuple_part,
)
from provisioner.model.address import Address
from provisioner.model.shape import Path

ENTITIES = ("deal", "contact", "company", "lead")  # whose fields robots and conditions name


@dataclass(frozen=True)
class AutomationDesired:
    """The app's types, and (from `link`) every stage's automation with what apply creates."""

    app: app.AppTypes | None = None
    stages: tuple[StageRobots, ...] = ()
    pipelines: tuple[Pipeline, ...] = ()  # desired deal pipelines (to match live keys)
    spa: tuple[SpaSpec, ...] = ()  # the smart-process kind's desired part
    stage_codes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    custom: Mapping[str, tuple[FieldSpec, ...]] = field(default_factory=dict)  # desired fields
    rules: tuple[req.DesiredRule, ...] = ()  # the fields' required_from rules
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # req.names
    locate: Locate | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AutomationLive:
    """What the portal answered, plus (from `add_local`) the attested stage automation and
    required_from rules."""

    lang: str = "ru"
    pipelines: tuple[PipelineSpec, ...] = ()  # the deal pipeline kind's live part
    spa: tuple[SpaSpec, ...] = ()  # the smart-process kind's live part
    fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # FIELD_NAME -> label
    field_types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # -> USER_TYPE_ID
    users: tuple[Mapping[str, Any], ...] = ()
    app: app.AppLive = field(default_factory=app.AppLive)
    recorded: Mapping[str, StageAutomation] = field(default_factory=dict)
    rules: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # attested rules


class Automation(Kind[AutomationDesired, AutomationLive], Links[AutomationDesired], ReadsMore,
                 FoldsReads, NeedsLive[AutomationLive],
                 KeepsLocal[AutomationLive, Attestations]):
    """The kind object registered in `provisioner.kinds.KINDS`."""

    name = "automation"
    path = ("app",)
    unread = "the app's robot and trigger types ([app])"  # export carries them over
    shape = app.app_shape()
    needs = (DealPipelines.name, SmartProcesses.name)  # their stages on the portal

    # ---- desired ----------------------------------------------------------------------------

    def parse(self, tree: Any, _path: Path, _report: Report) -> AutomationDesired:
        return AutomationDesired(app=app.parse_app(tree))

    def link(self, part: AutomationDesired | None, parts: Parts,
             report: Report) -> AutomationDesired:
        """Gather the stages' robots and triggers, and the stages and fields apply creates."""
        deal = tuple_part(parts, DealPipelines.name, PipelineSpec)
        spa = tuple_part(parts, SmartProcesses.name, SpaSpec)
        pipes: list[tuple[str, PipelineSpec | SpaPipelineSpec]] = [
            *(("deal", spec) for spec in deal),
            *((f"spa:{s.spa.code}", p) for s in spa for p in s.pipelines)]
        stages = tuple(s for _, spec in pipes for s in spec.automation)
        codes = {pipeline_address(entity, spec.pipeline.key):
                 frozenset(s.code for s in spec.stages) for entity, spec in pipes}
        custom = {entity: tuple_part(parts, f"{entity}.fields", FieldSpec) for entity in ENTITIES}
        _need_automation_flag(spa, report)
        deal_fields = tuple_part(parts, Fields("deal").name, FieldSpec)
        return replace(part or AutomationDesired(), stages=stages,
                       pipelines=tuple(spec.pipeline for spec in deal), spa=spa,
                       stage_codes=codes, custom=custom, rules=req.gather(deal_fields, deal, spa),
                       names=req.names(deal_fields, deal, spa), locate=report.locate)

    # ---- live -------------------------------------------------------------------------------

    def read_calls(self) -> Mapping[str, ReadCall]:
        calls: dict[str, ReadCall] = {"app_info": ReadCall("app.info", {}),
                                      "automation_users": ReadCall("user.get", {}, pages_ahead=2)}
        for entity in ENTITIES:  # the field kinds' reads in their first label language
            key = _list_key(entity)
            calls[key] = Fields(entity).read_calls()[key]
        return calls

    def fold(self, key: str, answer: Any) -> Any:
        """Of a field list, the keys `_live_fields` and `_live_types` read (the field kinds
        keep the rest while they need it); an answer not as documented as it came."""
        if not key.startswith("userfields_") or not shared.tables(answer):
            return answer
        return [{k: row[k] for k in _ROW if k in row} for row in answer]

    def more_reads(self, results: Results) -> Mapping[str, ReadCall]:
        """The app's types, only when the token is an application's (a webhook is refused)."""
        if not app.is_app(results.get("app_info")):
            return {}
        return {"app_robots": ReadCall("bizproc.robot.list", {}),
                "app_triggers": ReadCall("crm.automation.trigger.list", {})}

    def from_live(self, results: Results) -> AutomationLive:
        info = results.get("app_info")
        lang = "en" if isinstance(info, Mapping) and info.get("LANGUAGE_ID") == "en" else "ru"
        return AutomationLive(
            lang=lang, fields={e: _live_fields(e, results) for e in ENTITIES},
            field_types={e: _live_types(e, results) for e in ENTITIES},
            users=tuple(results.get("automation_users") or ()), app=app.app_live(results))

    def link_live(self, part: AutomationLive, others: Parts) -> AutomationLive:
        """The deal pipelines and smart processes as their kinds read them."""
        return replace(part, pipelines=tuple_part(others, DealPipelines.name, PipelineSpec),
                       spa=tuple_part(others, SmartProcesses.name, SpaSpec))

    def add_local(self, part: AutomationLive, local: Attestations) -> AutomationLive:
        """The stage automation `provision attest` recorded for this portal (the workspace
        reads the attestations: the config's, an older version's file or a saved plan's)."""
        return replace(part, recorded=recorded(local), rules=recorded_rules(local))

    # ---- compare ----------------------------------------------------------------------------

    def pair(self, desired: AutomationDesired | None, live: AutomationLive) -> Pairing:
        wanted = desired or AutomationDesired()
        pairs = Pairs(self.name)
        app.pair_app(pairs, wanted.app, live.app)
        if wanted.stages or live.recorded:  # else nothing to check: no catalog of the portal
            cat = self.catalog(wanted, live)
            problems = stg.validate(wanted.stages, cat, wanted.locate)
            if problems:
                raise ConfigError(problems)
            pairs.manual(stg.manual(wanted.stages, live.recorded, live.lang, cat))
        pairs.manual(req.changes(wanted.rules, live.rules, live.lang, wanted.names))
        return pairs.pairing()

    def catalog(self, wanted: AutomationDesired, live: AutomationLive,
                created: bool = True) -> Catalog:
        """Stages and fields on the portal, and (`created`) those this apply creates; active
        users. The runbook counts only what the portal has (`created=False`)."""
        keys = live_keys([s.pipeline for s in live.pipelines], list(wanted.pipelines))
        stages: dict[str, set[str]] = {}
        for spec in live.pipelines:
            address = pipeline_address("deal", keys[spec.pipeline.id])
            stages.setdefault(address, set()).update(s.code for s in spec.stages)
        for found in (_spa_stages(wanted.spa, live.spa), wanted.stage_codes if created else {}):
            for address, codes in found.items():
                stages.setdefault(address, set()).update(codes)
        spa = wanted.spa if created else [replace(s, fields=()) for s in wanted.spa]
        fields = fieldbook.book(ENTITIES, wanted.custom if created else {}, live.fields,
                                live.field_types, spa, live.spa)
        return stg.catalog(stages, fields.labels, live.users, fields.user_fields(),
                           fields.names)

    # ---- apply (no export: stage robots cannot be read, app robot definitions neither) -----

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              _live: Mapping[Address, Any]) -> Script:
        yield app.app_calls(changes, desired)


_ROW = ("FIELD_NAME", "USER_TYPE_ID", "EDIT_FORM_LABEL", "LIST_COLUMN_LABEL")


def _list_key(entity: str) -> str:
    """The read key of the entity's field list in the first label language."""
    return next(iter(Fields(entity).read_calls()))


def _live_types(entity: str, results: Mapping[str, Any]) -> dict[str, str]:
    """FIELD_NAME -> USER_TYPE_ID (which fields hold a user)."""
    key = _list_key(entity)
    return {str(row.get("FIELD_NAME", "")): str(row.get("USER_TYPE_ID", ""))
            for row in results.get(key) or []}


def _live_fields(entity: str, results: Mapping[str, Any]) -> dict[str, str]:
    """FIELD_NAME -> label from the first label language the field kind reads."""
    key = _list_key(entity)
    out = {}
    for row in results.get(key) or []:
        label = row.get("EDIT_FORM_LABEL") or row.get("LIST_COLUMN_LABEL")
        name = str(row.get("FIELD_NAME", ""))
        out[name] = label if isinstance(label, str) and label else name
    return out


def _spa_stages(desired: tuple[SpaSpec, ...], live: tuple[SpaSpec, ...]
                ) -> dict[str, set[str]]:
    """Stage codes of the smart processes' pipelines on the portal, under the desired keys (the
    smart-process kind's own matching of types and pipelines)."""
    return {pipeline_address(f"spa:{code}", key): codes
            for (code, key), codes in live_stage_codes(desired, live).items()}


def _need_automation_flag(spa: Sequence[SpaSpec], report: Report) -> None:
    """Robots run on a smart process only with automation on (crm.type isAutomationEnabled)."""
    for spec in spa:
        placed = [s for p in spec.pipelines for s in p.automation]
        if placed and not spec.spa.features.get("automation"):
            report.add(placed[0].path, f"robots and triggers need automation on the smart "
                       f"process {spec.spa.code}", "add `automation = true` to "
                       f"[smart_processes.{spec.spa.code}]")
