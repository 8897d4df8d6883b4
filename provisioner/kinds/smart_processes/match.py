"""Live smart processes and their pipelines matched to the desired ones (by code, title,
default, name), as the smart-process kind pairs them and the automation kind reads their stages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from provisioner.kinds.fields.model import FieldSpec
from provisioner.kinds.smart_processes.model import PipelineSpec, SpaSpec
from provisioner.model.address import Address


def live_stage_codes(desired: tuple[SpaSpec, ...] | None, live: tuple[SpaSpec, ...]
                     ) -> dict[tuple[str, str], set[str]]:
    """The codes of the live stages of each pipeline, by (type code, pipeline key) as `pair`
    matches them (for the automation kind's catalog), without pairing anything else."""
    wanted = desired or ()
    by_code = {s.spa.code: s for s in wanted}
    out: dict[tuple[str, str], set[str]] = {}
    for code, have in dict(zip(_type_codes(live, wanted), live, strict=True)).items():
        spec = by_code.get(code)
        keys = _pipeline_keys(have, spec) if spec else [p.pipeline.key for p in have.pipelines]
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


def match_pipelines(have: SpaSpec, spec: SpaSpec) -> SpaSpec:
    """Live pipelines keyed by code, default, or name of a desired pipeline."""
    keys = _pipeline_keys(have, spec)
    pipes = tuple(_repipe(p, have.spa.address, key) for p, key in zip(have.pipelines, keys, strict=True))
    if all(new is old for new, old in zip(pipes, have.pipelines, strict=True)):
        return have
    return replace(have, pipelines=pipes)


def _pipeline_keys(have: SpaSpec, spec: SpaSpec) -> list[str]:
    """A desired pipeline's name claims every live pipeline of that name (pipelines of a smart
    process carry no stamp): two of them are twins, which the plan refuses."""
    default = next((p.pipeline.key for p in spec.pipelines if p.pipeline.default), None)
    by_name = {p.pipeline.name: p.pipeline.key for p in spec.pipelines
               if not (p.pipeline.default and default)}
    return [p.pipeline.code or (default if p.pipeline.default and default else None) or
            by_name.get(p.pipeline.name, p.pipeline.key) for p in have.pipelines]
