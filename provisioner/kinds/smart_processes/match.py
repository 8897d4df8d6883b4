"""Live smart processes and their pipelines matched to the desired ones (by code, title,
default, name), as the smart-process kind pairs them and the automation kind reads their stages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from provisioner.errors import Problem
from provisioner.kinds import statuses as st
from provisioner.kinds.fields.model import FieldSpec
from provisioner.kinds.smart_processes.model import PipelineSpec, SpaSpec
from provisioner.model.address import Address
from provisioner.model.locate import render_path
from provisioner.model.reasons import Reason
from provisioner.model.shape import Path


def live_stage_codes(desired: tuple[SpaSpec, ...] | None, live: tuple[SpaSpec, ...]
                     ) -> dict[tuple[str, str], set[str]]:
    """The codes of the live stages of each pipeline, by (type code, pipeline key) as `pair`
    matches them (for the automation kind's catalog), without pairing anything else."""
    wanted = desired or ()
    by_code = {s.spa.code: s for s in wanted}
    out: dict[tuple[str, str], set[str]] = {}
    for code, have in dict(zip(_type_codes(live, wanted), live, strict=True)).items():
        spec = by_code.get(code)
        keys = _pipeline_keys(have, spec)[0] if spec else [p.pipeline.key for p in have.pipelines]
        for pipe, key in zip(have.pipelines, keys, strict=True):
            if pipe.stages:
                out.setdefault((code, key), set()).update(s.code for s in pipe.stages)
    return out


def match_types(live: Sequence[SpaSpec], wanted: Sequence[SpaSpec]) -> list[SpaSpec]:
    """Unstamped live types take the code of a desired type with the same title."""
    return [_rekey(spec, code) if code != spec.spa.code else spec
            for spec, code in zip(live, _type_codes(live, wanted), strict=True)]


def _type_codes(live: Sequence[SpaSpec], wanted: Sequence[SpaSpec]) -> list[str]:
    """The code of each live type: its own, or that of a desired type with the same title."""
    stamped = {s.spa.code for s in live if s.spa.code}
    by_title = {s.spa.title: s.spa.code for s in wanted if s.spa.code not in stamped}
    codes = {w.spa.code for w in wanted}
    out = []
    for spec in live:
        code = spec.spa.code
        if spec.spa.title in by_title and code not in codes:
            code = by_title.pop(spec.spa.title)
        out.append(code)
    return out


def _rekey(spec: SpaSpec, code: str) -> SpaSpec:
    spa = replace(spec.spa, code=code)
    pipes = tuple(_repipe(p, spa.address, p.pipeline.key) for p in spec.pipelines)
    return SpaSpec(spa, pipes, tuple(_refield(f, spa.address) for f in spec.fields))


def _refield(spec: FieldSpec, owner: Address) -> FieldSpec:
    f = replace(spec.field, owner=owner)
    return replace(spec, field=f, items=tuple(replace(i, owner=f.address) for i in spec.items))


def _repipe(p: PipelineSpec, owner: Address, key: str) -> PipelineSpec:
    if p.pipeline.owner == owner and p.pipeline.key == key:  # as read (most): keep its stages
        return p
    pipe = replace(p.pipeline, owner=owner, key=key)
    return PipelineSpec(pipe, tuple(replace(s, owner=pipe.address) for s in p.stages))


@dataclass(frozen=True)
class PipelineMatched(Reason):
    """A live smart-process pipeline matched to a desired one whose name it does not have."""

    code: ClassVar[str] = "spa_pipeline_matched"
    name: str
    by: str  # "moved_from" or "left_over"

    @property
    def text(self) -> str:
        how = ("by moved_from" if self.by == "moved_from" else
               "as the only pipeline left over on both sides")
        return (f'the portal\'s pipeline "{self.name}", matched {how} (a smart-process '
                "pipeline keeps no key on the portal): renamed, its items stay")


Matched = list[tuple[Address, Reason]]


def match_pipelines(have: SpaSpec, spec: SpaSpec) -> tuple[SpaSpec, Matched]:
    """Live pipelines keyed as the desired ones they are (see `_pipeline_keys`), with a note
    for each matched otherwise than by its name or the default; the stages of the desired
    ones follow their `moved_from` (as deal stages do)."""
    keys, how = _pipeline_keys(have, spec)
    wanted = {p.pipeline.key: p for p in spec.pipelines}
    pipes, notes = [], []
    for p, key in zip(have.pipelines, keys, strict=True):
        pipe = _repipe(p, have.spa.address, key)
        if key in wanted:
            pipe, moved = _follow_moves(pipe, wanted[key])
            notes.extend(moved)
        pipes.append(pipe)
    notes.extend((p.pipeline.owner.child("pipeline", key),
                  PipelineMatched(p.pipeline.name or "", by)) for p, key, by in how)
    if all(new is old for new, old in zip(pipes, have.pipelines, strict=True)):
        return have, notes
    return replace(have, pipelines=tuple(pipes)), notes


def _follow_moves(live: PipelineSpec, desired: PipelineSpec) -> tuple[PipelineSpec, Matched]:
    if not any(s.moved_from for s in desired.stages):
        return live, []
    stages, moved = st.follow_moves(desired.stages, live.stages)
    return replace(live, stages=tuple(stages)), list(moved)


def _pipeline_keys(have: SpaSpec, spec: SpaSpec
                   ) -> tuple[list[str], list[tuple[PipelineSpec, str, str]]]:
    """The key of each live pipeline: its `code` (a system pipeline), the desired default's
    key, the key of the desired pipeline with its name or naming it in `moved_from`; else, when
    exactly one desired pipeline and one live pipeline are left over (besides the defaults), the
    desired one's (a pipeline renamed here). Also which were matched by moved_from or as left
    over. Any other keeps the key it was read under (its name, transliterated)."""
    default = next((p.pipeline.key for p in spec.pipelines if p.pipeline.default), None)
    # a desired pipeline's name claims every live pipeline of that name (pipelines of a smart
    # process carry no stamp): two of them are twins, which the plan refuses
    by_name = {p.pipeline.name: p.pipeline.key for p in spec.pipelines
               if p.pipeline.name is not None and not (p.pipeline.default and default)}
    moved = {p.pipeline.moved_from: p.pipeline.key for p in spec.pipelines
             if p.pipeline.moved_from}
    keys: list[str | None] = []
    how: list[tuple[PipelineSpec, str, str]] = []
    for p in have.pipelines:
        key = p.pipeline.code or (default if p.pipeline.default and default else None) or \
            by_name.get(p.pipeline.name or "")
        if key is None and p.pipeline.name in moved:
            key = moved.pop(p.pipeline.name)
            how.append((p, key, "moved_from"))
        keys.append(key)
    _left_over(have, spec, keys, how)
    return [k or p.pipeline.key for k, p in zip(keys, have.pipelines, strict=True)], how


def _left_over(have: SpaSpec, spec: SpaSpec, keys: list[str | None],
               how: list[tuple[PipelineSpec, str, str]]) -> None:
    """Pair the one desired pipeline and the one live pipeline nothing matched (no default,
    no system pipeline): a rename, since the portal keeps no key to tell otherwise."""
    matched = set(keys)
    free = [p.pipeline.key for p in spec.pipelines
            if p.pipeline.key not in matched and not p.pipeline.default]
    alone = [i for i, (k, p) in enumerate(zip(keys, have.pipelines, strict=True))
             if k is None and not p.pipeline.default and not p.pipeline.code]
    if len(free) == 1 and len(alone) == 1 and not _named_so(have, free[0], alone[0]):
        keys[alone[0]] = free[0]
        how.append((have.pipelines[alone[0]], free[0], "left_over"))


def _named_so(have: SpaSpec, key: str, index: int) -> bool:
    """The live pipeline is already read under that key (nothing to note)."""
    return have.pipelines[index].pipeline.key == key


def unsure(have: SpaSpec, spec: SpaSpec, path: Path) -> Problem | None:
    """A problem when, after `match_pipelines` keyed `have`, live pipelines are left unmatched
    while desired ones are new, more than one on a side: renamed or replaced cannot be told (the
    portal keeps no key), and a guess would delete a pipeline with its items and make another."""
    wanted = {p.pipeline.key for p in spec.pipelines}
    held = {p.pipeline.key for p in have.pipelines}
    alone = [p.pipeline.name or p.pipeline.key for p in have.pipelines
             if p.pipeline.key not in wanted and not p.pipeline.default and not p.pipeline.code]
    new = [p.pipeline.key for p in spec.pipelines if p.pipeline.key not in held]
    if not alone or not new:
        return None
    at = (*path, "pipelines", new[0])
    file, line = spec.locate(at) if spec.locate else ("", None)
    return Problem(
        file, render_path(at),
        f"new {_listed(new)} beside the portal's unmatched {_listed(alone)}: renamed or new cannot be told (a smart-process pipeline keeps no "
        "key on the portal), so no plan is made",
        'in each pipeline renamed here, write `moved_from = "<its name on the portal>"` (e.g. '
        f'`moved_from = "{alone[0]}"`); to delete the portal\'s pipelines instead, remove them '
        "in one apply and add the new ones in the next", line)


def _listed(names: Sequence[str]) -> str:
    """`pipeline "a"`, `pipelines "a" and "b"`."""
    quoted = [f'"{n}"' for n in names]
    if len(quoted) == 1:
        return f"pipeline {quoted[0]}"
    return "pipelines " + ", ".join(quoted[:-1]) + f" and {quoted[-1]}"
