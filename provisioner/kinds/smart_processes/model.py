"""Smart processes: model classes, TOML shape, parsing, live rows and export.

A smart process is keyed by a code of ours, stored in the type's `code` field
(docs/portal-rules.md#smart-process-type): its `entityTypeId` and row `id` differ between
portals. Its pipelines (crm.category) are matched by the category's `code` if it has one (the portal's
system pipelines), the default pipeline by being the default, the others by name, by
`moved_from` (the name on the portal of a pipeline renamed here), or as the one left over (more
left over on a side: the plan refuses to guess): a smart-process category has no originId and
REST writes no `code` (match.py). Stages as for deal
pipelines
(`DT{e}_{c}:` prefix, `DYNAMIC_{e}_STAGE_{c}` list); fields as for the classic entities.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from provisioner.kinds import shared
from provisioner.kinds import statuses as st
from provisioner.kinds.fields.model import FieldSpec, export_field, fields_shape, parse_field
from provisioner.kinds.stage_automation import (
    StageRobots,
    parse_stages_automation,
    with_automation,
)
from provisioner.model import Report, attribute, live_only
from provisioner.model.address import Address
from provisioner.model.shape import ArrayOf, MapOf, Path, Prop, Scalar, Table

CODE = r"[a-z][a-z0-9_]{0,49}"
FLAGS = {"categories": "isCategoriesEnabled", "stages": "isStagesEnabled",
         "begin_close_dates": "isBeginCloseDatesEnabled", "client": "isClientEnabled",
         "use_in_userfields": "isUseInUserfieldEnabled", "products": "isLinkWithProductsEnabled",
         "mycompany": "isMycompanyEnabled", "documents": "isDocumentsEnabled",
         "source": "isSourceEnabled", "observers": "isObserversEnabled",
         "recycle_bin": "isRecyclebinEnabled", "automation": "isAutomationEnabled",
         "business_processes": "isBizProcEnabled"}
BUILT_IN = {"lead": 1, "deal": 2, "contact": 3, "company": 4, "quote": 7}
# the portal's system success stage of every SPA pipeline (docs/portal-rules.md#default-stages)
SUCCESS_CODE = "SUCCESS"
MAX_STAGE = 37  # 50 minus `DT{e}_{c}:`, safe for entityTypeId and category ids up to 4 digits


@dataclass(frozen=True, slots=True)
class SmartProcess:
    """A smart process type; feature flags and relations are plain attributes."""

    code: str
    title: str = attribute()
    features: Mapping[str, bool] = attribute()
    parents: tuple[str, ...] = attribute(default=())
    children: tuple[str, ...] = attribute(default=())
    id: int | None = live_only()
    entity_type_id: int | None = live_only()
    system: bool = live_only(False)
    # desired only: contact/company written in `parents` beside `client = true`, which says
    # them already (relations.settle takes them out of `parents`); export over the config
    # writes them back, so the line the user wrote stays
    client_parents: tuple[str, ...] = field(default=(), compare=False)
    address: Address = field(init=False, repr=False, compare=False)  # made once (make_plan)

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", Address.of("smart_process", self.code))

    @property
    def scope(self) -> str:
        return "smart_process"


@dataclass(frozen=True, slots=True)
class SpaPipeline:
    """A pipeline of a smart process; `default` is identity, not an attribute."""

    owner: Address = field(compare=False)
    key: str = field(compare=True)
    name: str | None = attribute()  # None: not managed (pipelines need categories to rename)
    default: bool = field(default=False, compare=False)
    moved_from: str | None = field(default=None, compare=False)  # its name on the portal
    id: int | None = live_only()
    code: str | None = live_only()
    system: bool = live_only(False)
    address: Address = field(init=False, repr=False, compare=False)  # made once (make_plan)

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", self.owner.child("pipeline", self.key))

    @property
    def scope(self) -> str:
        return f"{self.owner}.pipeline"


@dataclass(frozen=True, slots=True)
class PipelineSpec:
    pipeline: SpaPipeline
    stages: tuple[st.Stage, ...]
    # robots and triggers of the stages, gathered by the automation kind (kinds/automation/)
    automation: tuple[StageRobots, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class SpaSpec:
    spa: SmartProcess
    pipelines: tuple[PipelineSpec, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    # desired only, from the loader: places a problem found in plan (match.unsure) in its file
    locate: Callable[[Path], tuple[str, int | None]] | None = field(default=None, compare=False)


# ---- shape and parsing ---------------------------------------------------------------------

def _relation_list(doc: str) -> ArrayOf:
    return ArrayOf(Scalar("string", pattern=CODE, fix="write lead, deal, contact, company, "
                          "quote or a smart process code"), doc)


def _no_repeats(names: list[str], path: Path, report: Report) -> None:
    """A relation named twice (the portal keeps one: a plan would re-send it forever)."""
    for n, name in enumerate(names):
        if name in names[:n]:
            report.add((*path, n), f'"{name}" is named twice', "name each entity once")


def spa_shape() -> MapOf:
    return MapOf(SPA, CODE, "Smart processes by a code of yours (stored in the type's code).",
                 "use lower-case Latin letters, digits and `_`, starting with a letter")


def _pipeline_shape() -> Table:
    return Table({
        "name": Prop(st.NAME, required=True),
        "default": Prop(Scalar("boolean", "The smart process's default pipeline.",
                               default=False)),
        "moved_from": Prop(Scalar("string", "The name this pipeline has on the portal, when "
                                  "you renamed it here while adding or renaming others (the "
                                  "plan refuses to guess which is which): that pipeline is kept "
                                  "(its items stay) and renamed. The portal keeps no key for a "
                                  "smart-process pipeline.",
                                  non_blank=True, max_length=255)),
        "stages": Prop(with_automation(st.stage_shape("the pipeline")), required=True),
    }, "A pipeline of the smart process.")


def _spa_shape() -> Table:
    props = {
        "title": Prop(st.NAME, required=True),
        **{k: Prop(Scalar("boolean", f"{v} (default false).", default=False))
           for k, v in FLAGS.items()},
        "parents": Prop(_relation_list("Entities whose items can be parents of its items. "
                                       "Contact and company are parents only through "
                                       "`client = true`, which makes both parents (the "
                                       "portal's preset relations); naming them here beside "
                                       "it changes nothing and is kept.")),
        "children": Prop(_relation_list("Entities its items can be parents of.")),
        "pipelines": Prop(MapOf(PIPELINE, r"[A-Za-z0-9_-]{1,50}", "Pipelines by a key of yours.",
                                "use Latin letters, digits, `_` and `-`")),
        "fields": Prop(fields_shape("the smart process", spa=True)),
    }
    return Table(props, "A smart process (crm.type).")


PIPELINE = _pipeline_shape()
SPA = _spa_shape()
_PARTS = frozenset(("pipelines", "fields"))  # parsed (and checked) one by one


def parse_spa(code: str, table: Any, path: Path, report: Report) -> SpaSpec | None:
    """The smart process, or None when its own keys do not fit the shape (reported already);
    pipelines and fields that do not fit are left out the same way."""
    if not report.fits(SPA, table, path, skip=_PARTS) or not isinstance(table, dict):
        return None
    for side in ("parents", "children"):
        _no_repeats(table.get(side, []), (*path, side), report)
    spa = SmartProcess(code, shared.name(table["title"]),
                       {k: bool(table.get(k, False)) for k in FLAGS},
                       tuple(sorted(set(table.get("parents", [])))),
                       tuple(sorted(set(table.get("children", [])))))
    pipes = tuple(p for k, v in _table(table.get("pipelines")).items()
                  if (p := _pipeline(spa, k, v, (*path, "pipelines", k), report)))
    _check_pipelines(spa, pipes, path, report)
    fields = tuple(f for n, t in _table(table.get("fields")).items()
                   if (f := parse_field(n, t, (spa.address, "field"), (*path, "fields", n),
                                        report, spa=True)))
    return SpaSpec(spa, pipes, fields, report.locate)


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _pipeline(spa: SmartProcess, key: str, table: Any, path: Path,
              report: Report) -> PipelineSpec | None:
    if not report.fits(PIPELINE, table, path):
        return None
    # Without custom pipelines the portal refuses crm.category writes: the name is not managed.
    name = shared.name(table["name"]) if spa.features["categories"] else None
    moved = table.get("moved_from")
    pipe = SpaPipeline(spa.address, key, name, bool(table.get("default", False)),
                       shared.name(moved) if isinstance(moved, str) else None)
    stages = st.parse_stages(table["stages"], pipe.address, "stage")
    st.check_codes([s.code for s in stages], (*path, "stages"), report, MAX_STAGE,
                   "50 minus the `DT<type>_<pipeline>:` prefix")
    if stages:
        st.check_semantics(stages, (*path, "stages"), report)
    success = [i for i, s in enumerate(stages) if s.semantics == "success"]
    if success and stages[success[0]].code != SUCCESS_CODE:
        report.add((*path, "stages", success[0], "code"),
                   f'the success stage must have code "{SUCCESS_CODE}"',
                   f'write code = "{SUCCESS_CODE}": the portal keeps its own success stage and '
                   "allows one")
    automation = parse_stages_automation(table["stages"], (*path, "stages"), report,
                                         f"spa:{spa.code}", key, str(table["name"]), spa.title)
    return PipelineSpec(pipe, tuple(stages), automation)


def _check_pipelines(spa: SmartProcess, pipes: tuple[PipelineSpec, ...], path: Path,
                     report: Report) -> None:
    defaults = [p.pipeline.key for p in pipes if p.pipeline.default]
    if pipes and len(defaults) != 1:
        report.add((*path, "pipelines"), f"{len(defaults)} default pipelines; a smart process "
                   "has exactly one", "mark one pipeline `default = true`")
    if len(pipes) > 1 and not spa.features["categories"]:
        report.add((*path, "pipelines"), "several pipelines need `categories = true`",
                   f"add `categories = true` under [smart_processes.{spa.code}]")
    if pipes and not spa.features["stages"]:
        report.add((*path, "pipelines"), "declared stages need `stages = true`",
                   f"add `stages = true` under [smart_processes.{spa.code}]")
    # the portal keeps no key on these pipelines: the others than the default are told apart by
    # name (match.py), so two of one name would be made, then refused by every plan as twins
    named: dict[str, str] = {}
    for p in pipes:
        name = p.pipeline.name
        if name is None or p.pipeline.default:
            continue
        first = named.setdefault(name, p.pipeline.key)
        if first != p.pipeline.key:
            report.add((*path, "pipelines", p.pipeline.key, "name"),
                       f'pipeline "{first}" has the name "{name}" too',
                       "give each pipeline of a smart process its own name: the portal keeps "
                       "no key on them, so they are told apart by name")


# ---- live ----------------------------------------------------------------------------------

def live_spa(row: Mapping[str, Any], full: Mapping[str, Any] | None,
             names: Mapping[int, str]) -> SmartProcess:
    """`row` from crm.type.list; `full` from crm.type.get (relations); names by entityTypeId."""
    relations = (full or {}).get("relations") or {}
    return SmartProcess(str(row.get("code") or ""), str(row.get("title") or ""),
                        {k: row.get(v) == "Y" for k, v in FLAGS.items()},
                        _relation_names(relations.get("parent"), names),
                        _relation_names(relations.get("child"), names),
                        id=int(row["id"]), entity_type_id=int(row["entityTypeId"]))


def _relation_names(entries: Any, names: Mapping[int, str]) -> tuple[str, ...]:
    out = [names.get(int(e["entityTypeId"]), f"type_{e['entityTypeId']}") for e in entries or []
           if e.get("isPredefined") != "Y"]
    return tuple(sorted(out))


def entity_names(types: Mapping[int, str]) -> dict[int, str]:
    return {**{v: k for k, v in BUILT_IN.items()}, **types}


# ---- export --------------------------------------------------------------------------------

def export_spa(spec: SpaSpec) -> dict[str, Any]:
    s = spec.spa
    out: dict[str, Any] = {"title": s.title, **{k: True for k, v in s.features.items() if v}}
    if s.parents:
        out["parents"] = list(s.parents)
    if s.children:
        out["children"] = list(s.children)
    if spec.pipelines:
        out["pipelines"] = {p.pipeline.key: _export_pipeline(p) for p in spec.pipelines}
    if spec.fields:
        out["fields"] = {f.field.name: export_field(f, spa=True) for f in spec.fields}
    return out


def _export_pipeline(spec: PipelineSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": spec.pipeline.name}
    if spec.pipeline.default:
        out["default"] = True
    out["stages"] = [st.export_stage(s) for s in spec.stages]
    return out
