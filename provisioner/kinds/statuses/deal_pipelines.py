"""Kind `deal.pipelines`: deal pipelines (crm.category, entityTypeId 2) and their stages.

Pipelines are matched by the key stamped on the portal (originatorId "provision", or
"provision:unfinished" until their stages are reconciled, deal_new.py; originId = key);
unstamped ones by name; the default pipeline (category 0) by being the default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from provisioner.kinds import shared
from provisioner.kinds import statuses as st
from provisioner.kinds.statuses import deal_new as new
from provisioner.kinds.statuses.deal_match import MovedFromPortal, hints, live_keys, matched_keys
from provisioner.kinds.statuses.deal_new import (
    DEAL,
    ORIGINATOR,
    PORTAL_DEFAULT_CODES,
    PORTAL_KEPT,
    STAGE_STEP,
    STAMPS,
    UNFINISHED,
    MadeWithUnfinished,
    NewPipeline,
    UnfinishedPipeline,
    entity_id,
)
from provisioner.kinds.stage_automation import (
    StageRobots,
    parse_stages_automation,
    with_automation,
)
from provisioner.model import (
    Action,
    Call,
    Change,
    CountsRecords,
    Explains,
    Exports,
    Files,
    KeepsKeys,
    Kind,
    Pairing,
    Pairs,
    ReadCall,
    RecordQuery,
    Report,
    Results,
    Script,
    attribute,
    by_parent,
    live_only,
)
from provisioner.model.address import Address
from provisioner.model.answers import UntrustedAnswer, new_id, rows_in
from provisioner.model.reasons import Reason
from provisioner.model.shape import MapOf, Path, Prop, Scalar, Table

KEY_PATTERN = r"[A-Za-z0-9_-]{1,50}"
STAGE_LIST = re.compile(r"DEAL_STAGE_(\d+)")  # the stage list of deal pipeline N (N > 0)


@dataclass(frozen=True, slots=True)
class Pipeline:
    """A deal pipeline. `default` is identity (category 0), not an attribute."""

    # The SORT a pipeline added without one gets (api-reference/crm/universal/category/
    # crm-category-add.md: `sort` "Defaults to 500"; docs/portal-rules.md#categories): a new
    # pipeline whose config leaves SORT to the portal is ordered there by the plan
    # (engine/planner.py `ordered`), so pipelines of one SORT are made in the order of their
    # keys, as a second portal makes them from an export (issue 13's migrate property).
    made_sort: ClassVar[int] = 500

    key: str
    name: str = attribute()
    sort: int | None = attribute(default=None)
    stamp: str | None = attribute(default=None)  # originId; desired only with moved_from
    default: bool = field(default=False, compare=False)
    moved_from: str | None = field(default=None, compare=False)
    # UNFINISHED on a live pipeline provision created whose stages no apply reconciled, else
    # None; desired ORIGINATOR only against such a pipeline (`_finishing`): the update that
    # stamps it, after its stages' writes
    originator: str | None = attribute(default=None)
    id: int | None = live_only()
    origin: str | None = live_only()
    system: bool = live_only(False)
    address: Address = field(init=False, repr=False, compare=False)  # made once (make_plan)

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", Address.of("deal.pipeline", self.key))

    @property
    def scope(self) -> str:
        return "deal.pipeline"


@dataclass(frozen=True, slots=True)
class PipelineSpec:
    pipeline: Pipeline
    stages: tuple[st.Stage, ...]
    # robots and triggers of the stages, gathered by the automation kind (kinds/automation/)
    automation: tuple[StageRobots, ...] = field(default=(), compare=False)


def _shape() -> MapOf:
    table = Table({
        "name": Prop(st.NAME, required=True),
        "sort": Prop(Scalar("integer", "Order among pipelines (optional).")),
        "default": Prop(Scalar("boolean", "The portal's default pipeline (category 0); at most "
                                          "one.", default=False)),
        "stages": Prop(with_automation(st.stage_shape("the pipeline")), required=True),
        "moved_from": Prop(Scalar("string", "The key this pipeline had before you renamed it "
                                  "here: the portal's pipeline stamped with that key is kept and "
                                  "re-stamped with the new key. For a pipeline made on the "
                                  "portal (not stamped), the key it is read and exported under "
                                  "(its name transliterated).", pattern=KEY_PATTERN,
                                  fix="use Latin letters, digits, `_` and `-` (at most 50)")),
    }, "A deal pipeline.")
    return MapOf(table, KEY_PATTERN, "Deal pipelines by a key of yours (stamped on the portal).",
                 "use Latin letters, digits, `_` and `-` (at most 50)")


Specs = tuple[PipelineSpec, ...]


class DealPipelines(Kind[Specs, Specs], Exports[Specs], KeepsKeys[Specs, Specs], CountsRecords,
                    Explains):
    """The kind object registered in `provisioner.kinds.KINDS`."""

    name = "deal.pipelines"
    path = ("deal", "pipelines")
    shape = _shape()

    # ---- desired ----------------------------------------------------------------------------

    def parse(self, tree: Any, path: Path, report: Report) -> Specs:
        specs = [self._parse_one(key, value, (*path, key), report) for key, value in tree.items()
                 if isinstance(value, dict)]
        defaults = [s.pipeline.key for s in specs if s.pipeline.default]
        for key in defaults[1:]:
            report.add((*path, key, "default"), f"more than one default pipeline ({defaults[0]}, "
                       f"{key})", "keep `default = true` on one pipeline only")
        return tuple(specs)

    def _parse_one(self, key: str, value: dict[str, Any], path: Path,
                   report: Report) -> PipelineSpec:
        sort = value.get("sort")
        if isinstance(sort, int) and sort < 0:
            report.add((*path, "sort"), f"sort {sort} is negative", "use 0 or more")
        raw_name = value.get("name")
        name = shared.name(raw_name) if isinstance(raw_name, str) else ""
        moved = value.get("moved_from") if isinstance(value.get("moved_from"), str) else None
        pipeline = Pipeline(key, name, sort if isinstance(sort, int) else None,
                            key if moved else None, value.get("default") is True, moved)
        stages = st.parse_stages(value.get("stages"), pipeline.address, STAGE_STEP)
        budget, why = (22, "DEAL_STAGE limit") if pipeline.default else (
            17, "22 minus the `C<id>:` prefix, safe for pipeline ids up to 999")
        st.check_codes([s.code for s in stages], (*path, "stages"), report, budget, why,
                       exempt=PORTAL_DEFAULT_CODES)
        if stages and st.semantics_valid(value.get("stages")):
            st.check_semantics(stages, (*path, "stages"), report)
            st.check_success_code(stages, (*path, "stages"), report, "WON")
        automation = parse_stages_automation(value.get("stages"), (*path, "stages"), report,
                                             "deal", key, str(name))
        return PipelineSpec(pipeline, tuple(stages), automation)

    # ---- live -------------------------------------------------------------------------------

    def read_calls(self) -> Mapping[str, ReadCall]:
        return {"deal_categories": ReadCall("crm.category.list", {"entityTypeId": DEAL},
                                            "categories", expect={"entityTypeId": DEAL}),
                "statuses": st.STATUSES}

    def from_live(self, results: Results) -> Specs:
        cats = results["deal_categories"]
        cats = cats.get("categories", []) if isinstance(cats, dict) else cats
        rows = st.by_entity(results["statuses"])
        pipelines = [_live_pipeline(c) for c in sorted(cats, key=lambda c: (int(c.get("sort") or 0),
                                                                            int(c["id"])))]
        _no_stray_stages(rows, {p.id for p in pipelines})
        # Keyed as the export keys them (the stamp, else the name): pair() re-keys only the
        # pipelines a desired state names otherwise, so a plan rebuilds no stage of the rest.
        keys = live_keys(pipelines, [])
        specs = []
        for pipeline in pipelines:
            pipeline = replace(pipeline, key=keys[pipeline.id])
            stages = [st.live_stage(r, pipeline.address, STAGE_STEP)
                      for r in rows.get(entity_id(pipeline.id), [])]
            specs.append(PipelineSpec(pipeline, tuple(stages)))
        return tuple(specs)

    # ---- compare ----------------------------------------------------------------------------

    def pair(self, desired: Specs | None, live: Specs) -> Pairing:
        wanted = desired or ()
        have, want = [s.pipeline for s in live], [s.pipeline for s in wanted]
        keys, moves = matched_keys(have, want)
        live_specs: dict[str, PipelineSpec] = {}
        twins = []  # pipelines stamped with a key another one holds (Pairs.have says so)
        for s in live:
            spec = _rekey(s, keys[s.pipeline.id])
            if live_specs.setdefault(spec.pipeline.key, spec) is not spec:
                twins.append(spec)
        default = next((s for s in live if s.pipeline.default), None)
        made = new.made_as_wanted_by(default.stages if default else ())
        made_names = {s.code: s.name for s in default.stages} if default else {}
        pairs = Pairs(self.name)
        twinned = {spec.pipeline.key for spec in twins}
        same: set[str] = set()  # pipelines whose stages are left out of the comparison
        for pipe, key in moves:
            pairs.note(Address.of("deal.pipeline", key), MovedFromPortal(pipe.name))
        for key, why in hints(have, want, keys).items():
            pairs.explain(Address.of("deal.pipeline", key), why)
        for spec in wanted:
            matched = live_specs.get(spec.pipeline.key)
            pipeline = spec.pipeline
            if matched is not None:
                matched = _follow_moves(spec, matched, pairs)
                live_specs[spec.pipeline.key] = matched
                if matched.pipeline.originator == UNFINISHED:
                    pipeline = _finishing(spec, matched, made_names, pairs)
            stages = st.settle_sorts(spec.stages, matched.stages if matched
                                     else (), () if matched else PORTAL_KEPT,
                                     () if matched else made(spec.stages))
            if matched is not None and pipeline is spec.pipeline and \
                    spec.pipeline.key not in twinned and \
                    st.alike_rows(pipeline.address, stages, matched.stages):
                pairs.want(pipeline)  # its stages stand on the portal as the config has them
                pairs.want_alike(pipeline.address, stages, matched.stages)
                same.add(spec.pipeline.key)
            else:
                pairs.want(pipeline, stages)
            pairs.manage(f"{spec.pipeline.address}.{STAGE_STEP}")
        for spec in live_specs.values():
            if spec.pipeline.key in same:
                pairs.have([spec.pipeline])
                pairs.have_alike(spec.pipeline.address)
            else:
                pairs.have([spec.pipeline, *spec.stages])
        for spec in twins:
            pairs.have([spec.pipeline, *spec.stages])
        if wanted:
            pairs.manage("deal.pipeline")
        return pairs.pairing()

    def records(self, change: Change, live: Mapping[Address, Any]) -> RecordQuery | None:
        """The deals a deleted pipeline or stage holds (engine/records.py)."""
        node = live.get(change.address)
        if isinstance(node, Pipeline) and node.id:
            flt: dict[str, Any] = {"CATEGORY_ID": node.id}
        elif isinstance(node, st.Stage) and node.status_id:
            flt = {"STAGE_ID": node.status_id}
        else:
            return None
        return RecordQuery("deals", "crm.deal.list", {"filter": flt}, "crm.deal.delete")

    def explain(self, change: Change) -> Reason | None:
        if change.action is Action.CREATE and change.address.depth == 1:
            return NewPipeline()
        return None

    # ---- apply ------------------------------------------------------------------------------

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              live: Mapping[Address, Any]) -> Script:
        created = [c for c in changes if c.address.depth == 1 and c.action is Action.CREATE]
        new_keys = {c.address.key for c in created}
        whole = bool(created) and st.whole_reads(desired, live)
        kids = by_parent(desired) if created else {}
        first: list[Call] = []
        for c in created:
            p = desired[c.address]
            first.extend(new.create_calls(p.key, p.address, _fields(p),
                                          kids.get(c.address, []), whole))
        pipes = [(c, _pipeline_call(c, desired, live)) for c in changes
                 if c.address.depth == 1 and c.action is not Action.CREATE]
        first.extend(call for c, call in pipes if not _finishes(c, live))
        stage_changes = [c for c in changes if c.address.depth == 2]
        for key, group in _by_pipeline(stage_changes).items():
            if key not in new_keys:
                pipe = live[Address.of("deal.pipeline", key)]
                first.extend(st.list_calls(st.ops_from_changes(group, desired, live),
                                           entity_id(pipe.id)))
        # an unfinished pipeline is stamped after its stages' writes, in their batch (halt): a
        # stop before them leaves it unfinished and its residue residue (deal_new.py)
        first.extend(call for c, call in pipes if _finishes(c, live))
        results = yield first
        second: list[Call] = []
        for c in created:
            label = f"+ {c.address}"
            category = new_id(results[new.ref(c.address.key)], ("category", "id"),
                              "crm.category.add", label)
            rows = rows_in(results[new.stages_ref(c.address.key)], None, "crm.status.list")
            second.extend(new.reconcile(c.address, category, rows, kids.get(c.address, []),
                                        whole))
        if second:
            yield second

    def held(self, changes: Sequence[Change], desired: Mapping[Address, Any],
             live: Mapping[Address, Any]) -> set[Address]:
        """Stages a new pipeline is expected to come with as wanted: the portal makes them as
        it made the default pipeline's (docs/portal-rules.md#default-stages), so those are
        what the estimate compares with (the apply compares with what it reads back)."""
        default = next((p.address for p in live.values()
                        if isinstance(p, Pipeline) and p.default), None)
        made = {s.code: s for s in live.values() if isinstance(s, st.Stage)
                and s.owner == default and s.code in PORTAL_DEFAULT_CODES}
        return st.made_as_wanted(changes, desired, made) if made else set()

    def left_out(self, changes: Sequence[Change], desired: Mapping[Address, Any],
                 live: Mapping[Address, Any]) -> dict[Address, int]:  # noqa: ARG002
        """The non-system stages a new pipeline comes with that the config leaves out, by
        pipeline: apply deletes them (`new.reconcile`), no change names them; and the
        pipeline's stamp after them (`new.finish`), one call more where any is left out (such
        a pipeline is created stamped UNFINISHED, `new.leaves_residue`)."""
        out = st.made_left_out(changes, desired, PORTAL_DEFAULT_CODES,
                               {k.code for k in PORTAL_KEPT})
        return {pipe: count + (count > 0) for pipe, count in out.items()}

    # ---- export -----------------------------------------------------------------------------

    def keyed_as(self, live: Specs, desired: Specs) -> Specs:
        """The pipelines under the config's keys (as `pair` matches them), and the stages it
        moved (`moved_from`) under its codes, with `moved_from` kept."""
        keys = live_keys([s.pipeline for s in live], [s.pipeline for s in desired])
        wanted = {s.pipeline.key: s for s in desired}
        out = []
        for spec in live:
            spec = _rekey(spec, keys[spec.pipeline.id])
            want = wanted.get(spec.pipeline.key)
            out.append(spec if want is None else
                       PipelineSpec(spec.pipeline, st.keep_moves(want.stages, spec.stages)))
        return tuple(out)

    def export(self, live: Specs) -> Files:
        taken: set[str] = set()  # twins (one key stamped twice): the later one gets its id
        pipelines: dict[str, Any] = {}
        for spec in live:
            p = spec.pipeline
            table: dict[str, Any] = {"name": p.name}  # in the shape's order (as `fmt` writes)
            if p.sort is not None:
                table["sort"] = p.sort
            if p.default:
                table["default"] = True
            table["stages"] = [st.export_stage(s) for s in spec.stages]
            key = p.key if p.key not in taken else f"{p.key}_{p.id}"
            taken.add(key)
            pipelines[key] = table
        return {"deal-pipelines.toml": {"deal": {"pipelines": pipelines}}} if pipelines else {}


def _finishing(spec: PipelineSpec, live: PipelineSpec, made_names: Mapping[str, str],
               pairs: Pairs) -> Pipeline:
    """A pipeline stamped UNFINISHED: the stages the portal made with it that the config
    leaves out and nobody changed are residue (`new.residue_of`), and the desired pipeline is
    stamped ORIGINATOR, an update apply sends after the stages' writes (`_finishes`)."""
    for address in new.residue_of(spec.stages, live.stages, made_names):
        pairs.residue(address, MadeWithUnfinished())
    pairs.explain(spec.pipeline.address, UnfinishedPipeline())
    return replace(spec.pipeline, originator=ORIGINATOR)


def _finishes(change: Change, live: Mapping[Address, Any]) -> bool:
    """An update of a pipeline stamped UNFINISHED: it stamps it ORIGINATOR (`_pipeline_call`
    always stamps ORIGINATOR)."""
    node = live.get(change.address)
    return change.action is Action.UPDATE and isinstance(node, Pipeline) and \
        node.originator == UNFINISHED


def _follow_moves(spec: PipelineSpec, live: PipelineSpec, pairs: Pairs) -> PipelineSpec:
    stages, moved = st.follow_moves(spec.stages, live.stages)
    for address, why in moved:
        pairs.note(address, why)
    return PipelineSpec(live.pipeline, tuple(stages))


def _no_stray_stages(rows: Mapping[str, Sequence[Mapping[str, Any]]],
                     pipelines: set[int | None]) -> None:
    """Stages of a deal pipeline the portal does not list are a portal that cannot be trusted
    (or a pipeline made or deleted between the two reads of one batch): refused, not ignored."""
    for entity, stages in rows.items():
        found = STAGE_LIST.fullmatch(entity)
        if found and stages and int(found[1]) not in pipelines:
            raise UntrustedAnswer("crm.status.list", f"the portal lists stages of list {entity} "
                                  f"(row {stages[0].get('ID')}), but crm.category.list lists no "
                                  f"deal pipeline {found[1]}: run again, and if it stays, the "
                                  "portal's answers cannot be trusted")


def _live_pipeline(cat: Mapping[str, Any]) -> Pipeline:
    stamped = cat.get("originatorId") in STAMPS and cat.get("originId")
    unfinished = stamped and cat.get("originatorId") == UNFINISHED
    return Pipeline(key="", name=str(cat.get("name") or ""), sort=int(cat.get("sort") or 0),
                    stamp=str(cat["originId"]) if stamped else None,
                    originator=UNFINISHED if unfinished else None,
                    default=cat.get("isDefault") == "Y" or int(cat["id"]) == 0,
                    id=int(cat["id"]), origin=str(cat["originId"]) if stamped else None,
                    system=cat.get("isDefault") == "Y" or int(cat["id"]) == 0)


def _rekey(spec: PipelineSpec, key: str) -> PipelineSpec:
    if spec.pipeline.key == key:  # keyed so at read time (most pipelines): nothing to rebuild
        return spec
    pipe = replace(spec.pipeline, key=key)
    return PipelineSpec(pipe, tuple(replace(s, owner=pipe.address) for s in spec.stages))


def _by_pipeline(changes: Sequence[Change]) -> dict[str, list[Change]]:
    out: dict[str, list[Change]] = {}
    for c in changes:
        out.setdefault(c.address.parts[0][1], []).append(c)
    return out


def _fields(p: Pipeline) -> dict[str, Any]:
    fields: dict[str, Any] = {"name": p.name}
    if p.sort is not None:
        fields["sort"] = p.sort
    return fields


def _pipeline_call(c: Change, desired: Mapping[Address, Any], live: Mapping[Address, Any]) -> Call:
    current: Pipeline = live[c.address]
    label = f"{c.action.symbol} {c.address}"
    if c.action is Action.DELETE:
        return Call("crm.category.delete", {"entityTypeId": DEAL, "id": current.id}, label)
    fields = _fields(desired[c.address])
    if not current.default:
        fields.update(originatorId=ORIGINATOR, originId=c.address.key)
    return Call("crm.category.update", {"entityTypeId": DEAL, "id": current.id, "fields": fields},
                label)
