"""Kind `smart_processes`: smart process types (crm.type), their pipelines, stages and fields.

The portal's answers are read in `live.py`, live types and pipelines matched to the desired
ones in `match.py`, the writes made in `apply.py`; the model classes are in `model.py`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from provisioner.errors import ConfigError
from provisioner.kinds import statuses as st
from provisioner.kinds.fields import labels as lb
from provisioner.kinds.fields import manual as fm
from provisioner.kinds.fields.kind import add_fields
from provisioner.kinds.fields.kind import explain as field_explain
from provisioner.kinds.fields.labels import LANGS
from provisioner.kinds.fields.model import Field
from provisioner.kinds.smart_processes import apply as ap
from provisioner.kinds.smart_processes import live, match, relations
from provisioner.kinds.smart_processes.model import (
    SmartProcess,
    SpaPipeline,
    SpaSpec,
    export_spa,
    parse_spa,
    spa_shape,
)
from provisioner.model import (
    Action,
    Call,
    Change,
    CountsRecords,
    Explains,
    Exports,
    Files,
    FoldsReads,
    KeepsKeys,
    Kind,
    Pairing,
    Pairs,
    ReadCall,
    ReadsEarly,
    ReadsMore,
    RecordQuery,
    Report,
    Results,
    Script,
    by_parent,
)
from provisioner.model.address import Address
from provisioner.model.reasons import Reason
from provisioner.model.rounds import once, parallel
from provisioner.model.shape import Path, closest

FILE = "smart-processes.toml"
# The system stages the portal makes with every pipeline (docs/portal-rules.md#default-stages):
# a new pipeline's stages settle around those the config leaves out.
PORTAL_KEPT = (st.Kept("NEW", 10), st.Kept("SUCCESS", 40), st.Kept("FAIL", 50))
# Every stage a new pipeline comes with: its SORT, and the name and colour the docs show it made
# with (tutorials/crm/how-to-add-crm-objects/how-to-add-category-to-spa.md, step 3: a portal in
# English; the names follow the portal's language).
PORTAL_MADE = {"NEW": (10, "Start", "#22B9FF"), "PREPARATION": (20, "Preparation", "#88B9FF"),
               "CLIENT": (30, "Approval", "#10e5fc"), "SUCCESS": (40, "Success", "#00ff00"),
               "FAIL": (50, "Failure", "#ff0000")}


@dataclass(frozen=True)
class SmartProcessDelete(Reason):
    """Deleting a smart process deletes everything under it; refused while it has items."""

    code: ClassVar[str] = "smart_process_delete"

    @property
    def text(self) -> str:
        return ("deleting a smart process deletes its pipelines, stages and fields; the portal "
                "refuses while it has items")


Specs = tuple[SpaSpec, ...]


class SmartProcesses(Kind[Specs, Specs], Exports[Specs], KeepsKeys[Specs, Specs], ReadsMore,
                     ReadsEarly, FoldsReads, CountsRecords, Explains):
    """The kind object registered in `provisioner.kinds.KINDS`."""

    name = "smart_processes"
    path = ("smart_processes",)
    shape = spa_shape()

    # ---- desired ----------------------------------------------------------------------------

    def parse(self, tree: Any, path: Path, report: Report) -> Specs:
        specs = [s for code, table in tree.items()
                 if (s := parse_spa(code, table, (*path, code), report))]
        known = {"lead", "deal", "contact", "company", "quote", *tree}
        for spec in specs:
            for side in ("parents", "children"):
                for name in getattr(spec.spa, side):
                    if name not in known:
                        near = closest(name, sorted(known))
                        report.add((*path, spec.spa.code, side), f'unknown entity "{name}"',
                                   (f'did you mean "{near}"? ' if near else "")
                                   + "use lead, deal, contact, company, quote or a declared "
                                   "smart process code")
        specs = relations.settle(specs, path, report)
        return tuple(_link(s, report) for s in specs)

    # ---- live -------------------------------------------------------------------------------

    def read_calls(self) -> Mapping[str, ReadCall]:
        return live.read_calls()

    def languages(self, part: Specs | None) -> frozenset[str]:
        """The languages beyond ru and en that the desired fields' labels name."""
        return lb.named(f.field for spa in part or () for f in spa.fields)

    early_needs = live.TYPE_NEEDS

    def early_reads(self, results: Results) -> Mapping[str, ReadCall]:
        return live.type_reads(results)

    def more_reads(self, results: Results, languages: frozenset[str] | None = None
                   ) -> Mapping[str, ReadCall]:
        return live.more_reads(results, languages)

    def fold(self, key: str, answer: Any) -> Any:
        return live.fold(key, answer)

    def from_live(self, results: Results) -> Specs:
        return live.live_specs(results)

    # ---- compare ----------------------------------------------------------------------------

    def pair(self, desired: Specs | None, live: Specs) -> Pairing:
        wanted = desired or ()
        live_by: dict[str, SpaSpec] = {}
        twins = []  # one code, two types: the first stays paired, Pairs.have says the rest
        for spec in match.match_types(live, wanted):
            if live_by.setdefault(spec.spa.code, spec) is not spec:
                twins.append(spec)
        pairs = Pairs(self.name)
        twinned = {spec.spa.code for spec in twins}
        same: set[Address] = set()  # pipelines whose stages are left out of the comparison
        if wanted:
            pairs.manage("smart_process")
        made_as = _made_as_wanted_by(s for spec in live for p in spec.pipelines
                                     for s in p.stages)
        unsure = []
        for spec in wanted:
            have = live_by.get(spec.spa.code)
            if have is not None:
                have, matched = match.match_pipelines(have, spec)
                for address, why in matched:
                    pairs.note(address, why)
                if problem := match.unsure(have, spec, (*self.path, spec.spa.code)):
                    unsure.append(problem)
            pairs.want(spec.spa, [*(p.pipeline for p in spec.pipelines),
                                  *(f.field for f in spec.fields)])
            once = _keys_once(have) if have is not None and spec.spa.code not in twinned \
                else frozenset()
            for p in spec.pipelines:
                made = _stages_of(have, p.pipeline.key)
                stages = st.settle_sorts(p.stages, made or (),
                                         () if made is not None else PORTAL_KEPT,
                                         () if made is not None else made_as(p.stages))
                if made is not None and p.pipeline.key in once and \
                        st.alike_rows(p.pipeline.address, stages, made):
                    pairs.want(p.pipeline)  # its stages stand as the config has them
                    pairs.want_alike(p.pipeline.address, stages, made)
                    same.add(p.pipeline.address)
                else:
                    pairs.want(p.pipeline, stages)
                pairs.manage(f"{p.pipeline.address}.stage")
            if spec.pipelines:
                pairs.manage(f"{spec.spa.address}.pipeline")
            pairs.manage(f"{spec.spa.address}.field")
            add_fields(pairs, spec.fields, have.fields if have else ())
            if have:
                live_by[spec.spa.code] = replace(have, fields=())
        if unsure:
            raise ConfigError(unsure)
        for spec in [*live_by.values(), *twins]:
            pairs.have([spec.spa])
            for p in spec.pipelines:
                if p.pipeline.address in same and live_by.get(spec.spa.code) is spec:
                    pairs.have([p.pipeline])
                    pairs.have_alike(p.pipeline.address)
                else:
                    pairs.have([p.pipeline, *p.stages])
            for f in spec.fields:
                pairs.have([f.field, *f.items])
        return pairs.pairing()

    def records(self, change: Change, live: Mapping[Address, Any]) -> RecordQuery | None:
        """The items a deleted smart process, pipeline or stage holds, and those holding a
        value of a deleted field (engine/records.py)."""
        spa = live.get(Address.of("smart_process", change.address.parts[0][1]))
        node = live.get(change.address)
        if not isinstance(spa, SmartProcess) or not spa.entity_type_id:
            return None
        etid = {"entityTypeId": spa.entity_type_id}
        if isinstance(node, Field):  # its values go with it; the items stay
            # UPPER_CASE: every crm.item.* method takes it, and it is unambiguous where the
            # camelCase form of a name mixing digits is not (api-reference/crm/universal/index.md)
            name = f"UF_CRM_{spa.id}_{node.name}"
            return RecordQuery("values", "crm.item.list", {**etid, "filter": {f"!{name}": ""}},
                               "", list_key="items", id_key="id")
        if node is spa:
            flt: dict[str, Any] = {}
        elif isinstance(node, SpaPipeline) and node.id:
            flt = {"categoryId": node.id}
        elif isinstance(node, st.Stage) and node.status_id:
            flt = {"stageId": node.status_id}
        else:
            return None
        params = {**etid, "filter": flt} if flt else etid
        return RecordQuery("items", "crm.item.list", params, "crm.item.delete",
                           list_key="items", id_key="id", delete_params=etid)

    def explain(self, change: Change) -> Reason | None:
        if change.address.depth == 1 and change.action is Action.DELETE:
            return SmartProcessDelete()
        if change.address.depth >= 2 and change.address.parts[1][0] == "field":
            return field_explain(change)
        return None

    # ---- apply ------------------------------------------------------------------------------

    def made_with_parent(self, changes: Sequence[Change], desired: Mapping[Address, Any],
                         live: Mapping[Address, Any]) -> set[Address]:
        """A new smart process's default pipeline, when its stages are read back with the
        process (`apply.new_spa`, `whole`): renamed and its stages written in one round."""
        new = {c.address for c in changes if c.action is Action.CREATE and c.address.depth == 1}
        out = {c.address for c in changes if c.address.parent in new
               and isinstance(desired.get(c.address), SpaPipeline) and desired[c.address].default}
        return out if out and st.whole_reads(desired, live) else set()

    def held(self, changes: Sequence[Change], desired: Mapping[Address, Any],
             live: Mapping[Address, Any]) -> set[Address]:
        """Stages of a new pipeline expected to be made as wanted (`_made_as_wanted_by`, with
        the SORT the portal gives them), for the estimate: apply writes none of them."""
        made_as = _made_as_wanted_by(n for n in live.values() if isinstance(n, st.Stage)
                                     and n.address.parts[0][0] == "smart_process")
        new = {c.address for c in changes if c.action is Action.CREATE
               and c.address.parts[-1][0] == "pipeline"}
        stages = [desired[c.address] for c in changes if c.action is Action.CREATE
                  and c.address.parent in new and isinstance(desired.get(c.address), st.Stage)]
        kept = {(k.code, k.sort) for k in made_as(stages)}
        return {s.address for s in stages if (s.code, s.sort) in kept}

    def left_out(self, changes: Sequence[Change], desired: Mapping[Address, Any],
                 live: Mapping[Address, Any]) -> dict[Address, int]:  # noqa: ARG002
        """The non-system stages a new pipeline comes with that the config leaves out, by
        pipeline: apply deletes them (`ap.reconcile`), no change names them."""
        return st.made_left_out(changes, desired, tuple(PORTAL_MADE),
                                {k.code for k in PORTAL_KEPT})

    def closing_calls(self, changes: Sequence[Change], desired: Mapping[Address, Any],
                      live: Mapping[Address, Any]) -> int:
        """The relations `apply` sends after every other round: `relations.late_calls` of the
        same smart processes, each one this plan makes standing in for its ids (unknown until
        it is made; only the calls are counted)."""
        related, created = _related(changes, desired)
        made: relations.Made = {code: (0, 0) for code in created}
        return len(relations.late_calls(related, live, made)) if made else 0

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              live: Mapping[Address, Any]) -> Script:
        tasks: list[Script] = []
        kids = by_parent(desired)
        made: relations.Made = {}
        # the stages new pipelines come with read from the whole status list, once a batch
        whole = any(c.action is Action.CREATE and c.address.depth <= 2
                    and c.address.parts[-1][0] in ("smart_process", "pipeline")
                    for c in changes) and st.whole_reads(desired, live)
        for code, group in _by_spa(changes).items():
            address = Address.of("smart_process", code)
            own = next((c for c in group if c.address == address), None)
            if own is not None and own.action is Action.CREATE:
                tasks.append(ap.new_spa(desired[address], kids, live, made, whole))
            elif own is not None and own.action is Action.DELETE:
                tasks.append(once([_delete(live[address])]))
            else:
                tasks.append(ap.existing_spa(desired[address], group, desired, live, kids,
                                             whole))
        yield from parallel(tasks)
        late = relations.late_calls(_related(changes, desired)[0], live, made)
        if late:
            yield late

    # ---- export -----------------------------------------------------------------------------

    def keyed_as(self, live: Specs, desired: Specs) -> Specs:
        """Export over a config: its codes of unstamped types and its pipeline keys, as `pair`
        matches them (`match.py`)."""
        wanted = {s.spa.code: s for s in desired}
        return tuple(_keyed(have, wanted[have.spa.code]) if have.spa.code in wanted else have
                     for have in match.match_types(live, desired))

    def export(self, live: Specs) -> Files:
        if not live:
            return {}
        out: dict[str, Any] = {}
        for s in live:  # twins (one code, two types) apart: the later one keyed with its id
            code = s.spa.code if s.spa.code not in out else f"{s.spa.code}_{s.spa.id}"
            out[code] = export_spa(_exportable(s))
        return {FILE: {"smart_processes": out}}


def _keyed(have: SpaSpec, spec: SpaSpec) -> SpaSpec:
    have = match.match_pipelines(have, spec)[0]
    spa = relations.written_back(have.spa, spec.spa)
    return have if spa is have.spa else replace(have, spa=spa)


def _delete(spa: SmartProcess) -> Call:
    return Call("crm.type.delete", {"id": spa.id}, f"- {spa.address}")


def _exportable(spec: SpaSpec) -> SpaSpec:
    """Pipelines are exported only when the type has its own stages (else not declarable)."""
    return spec if spec.spa.features.get("stages") else replace(spec, pipelines=())


def _link(spec: SpaSpec, report: Report) -> SpaSpec:
    """Resolve the fields' `required_from` against the smart process's own pipelines."""
    pipes = [fm.StageNames(p.pipeline.key, p.pipeline.name or "",
                           {s.code: s.name for s in p.stages})
             for p in spec.pipelines]
    section = fm.Section(("CRM", spec.spa.title), "any item")
    fields = []
    for f in spec.fields:
        label = (f.field.label or {}).get(LANGS[0], f.field.name)
        rules = [fm.resolve(raw, f.path, f.field.address, label, pipes, section, report)
                 for raw in f.required_from]
        fields.append(replace(f, required_from=tuple(r for r in rules if r)))
    return replace(spec, fields=tuple(fields))


def _made_as_wanted_by(live: Iterable[st.Stage]) -> Callable[[Sequence[st.Stage]],
                                                              list[st.Kept]]:
    """For a new pipeline's desired stages, those the portal is expected to make as wanted,
    with the SORT it gives them: a stage of one of its codes named and coloured as the docs
    show it made, or as a stage of that code of a pipeline on the portal. They keep that SORT
    where the order allows (`settle_sorts`), so that apply writes none of them; the others
    settle around them. A guess for the plan only: apply compares with what it reads back,
    and writes a stage made otherwise (its name and the SORT the plan shows)."""
    seen = {(code, name, color.upper()) for code, (_, name, color) in PORTAL_MADE.items()}
    seen.update((s.code, s.name, (s.color or "").upper()) for s in live if s.code in PORTAL_MADE)
    names = {(code, name) for code, name, _ in seen}

    def as_made(s: st.Stage) -> bool:  # a colour wanted must be the one made (writes.as_wanted)
        return (s.code, s.name, s.color.upper()) in seen if s.color else (s.code, s.name) in names

    def made(stages: Sequence[st.Stage]) -> list[st.Kept]:
        return [st.Kept(s.code, PORTAL_MADE[s.code][0]) for s in stages if as_made(s)]
    return made


def _keys_once(have: SpaSpec) -> frozenset[str]:
    """The keys of the live pipelines no other pipeline of the smart process holds (a key
    held twice is a twin the plan must see whole)."""
    held = Counter(p.pipeline.key for p in have.pipelines)
    return frozenset(k for k, n in held.items() if n == 1)


def _stages_of(have: SpaSpec | None, key: str) -> tuple[st.Stage, ...] | None:
    """The live stages of a pipeline; None when the pipeline is not on the portal yet."""
    for p in have.pipelines if have else ():
        if p.pipeline.key == key:
            return p.stages
    return None


def _related(changes: Sequence[Change], desired: Mapping[Address, Any]
             ) -> tuple[list[SmartProcess], set[str]]:
    """The smart processes whose own change this plan makes (not a deletion): their relations
    to one the same apply makes go out after every other round (`relations.late_calls`);
    and the codes of those it makes."""
    related: list[SmartProcess] = []
    created: set[str] = set()
    for c in changes:
        if c.address.depth != 1 or c.action is Action.DELETE:
            continue
        related.append(desired[c.address])
        if c.action is Action.CREATE:
            created.add(c.address.key)
    return related, created


def _by_spa(changes: Sequence[Change]) -> dict[str, list[Change]]:
    out: dict[str, list[Change]] = {}
    for c in changes:
        out.setdefault(c.address.parts[0][1], []).append(c)
    return out
