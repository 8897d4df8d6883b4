"""REST writes of smart processes: types, their pipelines and stages, their fields.

Dependent writes run as small scripts in lockstep (`parallel`), so independent ones share a
batch. A new smart process: (1) crm.type.add and, chained by `$result`, crm.category.list of the
pipeline the portal made with it; (2) that pipeline renamed and its stages read, other pipelines
added (their stages read by `$result`), its fields added; (3) the stage writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from provisioner.kinds import statuses as st
from provisioner.kinds.fields.apply import Target, create_call, items_of, label_script
from provisioner.kinds.fields.model import Field
from provisioner.kinds.smart_processes import relations
from provisioner.kinds.smart_processes.model import FLAGS, SmartProcess, SpaPipeline
from provisioner.model import Action, Call, Change, Children, Script, held
from provisioner.model.address import Address
from provisioner.model.answers import (
    Claim,
    UntrustedAnswer,
    new_id,
    rows_in,
    rows_of_list,
    shown,
)
from provisioner.model.rounds import once, parallel


def stage_list(etid: int | str, category: int | str) -> str:
    return f"DYNAMIC_{etid}_STAGE_{category}"


def type_fields(spa: SmartProcess, live: Mapping[Address, Any]) -> dict[str, Any]:
    """The type as sent; relations to smart processes this apply makes are left for the
    round after them (relations.late_calls)."""
    out: dict[str, Any] = {"title": spa.title, "code": spa.code,
                           **{FLAGS[k]: "Y" if v else "N" for k, v in spa.features.items()}}
    out["relations"] = {"parent": relations.entries(spa.parents, live, {}),
                        "child": relations.entries(spa.children, live, {})}
    return out


def reconcile(owner: Address, etid: int, category: int, rows: Any,
              wanted: Sequence[st.Stage], whole: bool = False) -> list[Call]:
    """Stage writes for a pipeline made in this apply: update the portal's stages that share a
    desired code, delete its other non-system stages, add the rest (`whole`: `rows` are the
    whole status list's, `st.made_read`)."""
    made = {s.code: s for s in st.answered_stages(rows_in(rows, None, "crm.status.list"),
                                                  stage_list(etid, category), owner, "stage",
                                                  whole)}
    return st.made_calls(made, wanted, stage_list(etid, category), category)


def children(kids: Children, parent: Address, cls: type) -> list[Any]:
    """The desired nodes of type `cls` under `parent` (`kids` is `by_parent(desired)`)."""
    return [n for n in kids.get(parent, ()) if isinstance(n, cls)]


def new_pipeline(pipe: SpaPipeline, etid: int, kids: Children, whole: bool = False) -> Script:
    ref, made = _pipeline_ref(pipe), f"catst_{pipe.owner.key}_{pipe.key}"
    results = yield [
        _pipeline_add(pipe, etid),
        st.made_read(whole, f"DYNAMIC_{etid}_STAGE_$result[{ref}][category][id]",
                     f"  read the stages the portal made for {pipe.address}", made)]
    category = new_id(results[ref], ("category", "id"), "crm.category.add", f"+ {pipe.address}")
    yield reconcile(pipe.address, etid, category, results[made], _stages(kids, pipe), whole)


def default_pipeline(pipe: SpaPipeline, etid: int, category: int, kids: Children,
                     named: str | None = None, rows: Any = None) -> Script:
    """The pipeline the portal made with a smart process (`named`: its name, when this apply
    made the process and read it): renamed unless it has the wanted name already. `rows`: the
    whole status list read with the process (`new_spa`), its stages are among them."""
    rename: list[Call] = []
    if pipe.name is not None and pipe.name == named:
        rename = [held(f"~ {pipe.address} (named so by the portal already)")]
    elif pipe.name is not None:
        rename = [Call("crm.category.update", {"entityTypeId": etid, "id": category,
                                               "fields": {"name": pipe.name}},
                       f"~ {pipe.address}")]
    if rows is not None:
        yield [*rename, *reconcile(pipe.address, etid, category, rows, _stages(kids, pipe),
                                   True)]
        return
    made = f"defst_{pipe.owner.key}_{pipe.key}"  # without `whole`: its list alone
    results = yield [*rename, Call("crm.status.list", {"filter": {
        "ENTITY_ID": stage_list(etid, category)}},
        f"  read the stages the portal made for {pipe.address}", key=made)]
    yield reconcile(pipe.address, etid, category, results[made], _stages(kids, pipe))


def new_spa(spa: SmartProcess, kids: Children, live: Mapping[Address, Any],
            made_now: relations.Made, whole: bool = False) -> Script:
    """A new smart process; its ids go to `made_now` for the relations other types name.
    `whole` (`st.whole_reads`): its further pipelines are added in the batch of the type, by
    `$result`, and the stages the portal made with every pipeline read back from the whole
    status list there too, so that the stage writes and the fields all go in the next round
    (issue 18: one round and a read a pipeline fewer)."""
    ref, pipes = f"type_{spa.code}", f"typecat_{spa.code}"
    label = f"+ {spa.address}"
    etid_ref = f"$result[{ref}][type][entityTypeId]"
    # `code` is not unique on the portal: a type of this code made meanwhile is its twin
    claim = Claim(("crm.type.list", {"filter": {"code": spa.code}, "order": {"id": "DESC"}}),
                  "the smart processes", "types", ("type", "id"), {"code": spa.code},
                  ("crm.type.delete", {}))
    more = [p for p in children(kids, spa.address, SpaPipeline) if not p.default] if whole \
        else []
    # the pipelines' list read once after the type and its further pipelines: the default
    # pipeline's id, and the twin check of the others (`Claim`: the same read, shared)
    first = [Call("crm.type.add", {"fields": type_fields(spa, live)}, label, key=ref,
                  claim=claim),
             *(_pipeline_add(p, etid_ref, with_previous=True) for p in more),
             Call("crm.category.list", {"entityTypeId": etid_ref},
                  f"  read the pipeline the portal made for {spa.address}", key=pipes,
                  with_previous=True, shared=whole)]
    stages = f"typest_{spa.code}"
    if whole:
        first.append(st.made_read(True, "", f"  read the stages the portal made for the "
                                  f"pipelines of {spa.address}", stages))
    results = yield first
    type_id = new_id(results[ref], ("type", "id"), "crm.type.add", label)
    etid = new_id(results[ref], ("type", "entityTypeId"), "crm.type.add", label)
    made_now[spa.code] = (type_id, etid)
    default_id, named = _default_pipeline(
        rows_in(results[pipes], "categories", "crm.category.list"), etid)
    tasks: list[Script] = []
    for pipe in children(kids, spa.address, SpaPipeline):
        if pipe in more:
            category = new_id(results[_pipeline_ref(pipe)], ("category", "id"),
                              "crm.category.add", f"+ {pipe.address}")
            tasks.append(once(reconcile(pipe.address, etid, category, results[stages],
                                        _stages(kids, pipe), True)))
        elif pipe.default:
            tasks.append(default_pipeline(pipe, etid, default_id, kids, named,
                                          results.get(stages)))
        else:
            tasks.append(new_pipeline(pipe, etid, kids, whole))
    target = Target(entity_id=f"CRM_{type_id}", prefix=f"UF_CRM_{type_id}_")
    fields = [create_call(target, f, items_of(kids, f.address), f"+ {f.address}")
              for f in children(kids, spa.address, Field)]
    tasks.append(once(fields))
    yield from parallel(tasks)


def _pipeline_ref(pipe: SpaPipeline) -> str:
    return f"cat_{pipe.owner.key}_{pipe.key}"


def _stages(kids: Children, pipe: SpaPipeline) -> list[st.Stage]:
    return sorted(children(kids, pipe.address, st.Stage), key=lambda s: s.sort)


def _pipeline_add(pipe: SpaPipeline, etid: int | str, with_previous: bool = False) -> Call:
    """The add of a further pipeline (`etid` may be a `$result` reference to the type's add),
    with its twin check: no stamp on these pipelines, so a pipeline of the same name made
    meanwhile is its twin (`Claim`; the applier resolves a reference in its undo)."""
    claim = Claim(("crm.category.list", {"entityTypeId": etid}),
                  f"the pipelines of {pipe.owner}", "categories", ("category", "id"),
                  {"name": pipe.name, "isDefault": "N"},
                  ("crm.category.delete", {"entityTypeId": etid}))
    return Call("crm.category.add", {"entityTypeId": etid, "fields": {"name": pipe.name}},
                f"+ {pipe.address}", key=_pipeline_ref(pipe), claim=claim,
                with_previous=with_previous)


def _default_pipeline(cats: Sequence[Mapping[str, Any]], etid: int) -> tuple[int, str | None]:
    """The id and name of the pipeline the portal made with a new smart process (its default
    one)."""
    mine = rows_of_list(cats, {"entityTypeId": etid}, "crm.category.list")
    defaults = [c for c in mine if c.get("isDefault") == "Y"]
    found = list(dict.fromkeys(str(c.get("id")) for c in defaults))
    if len(found) != 1 or not found[0].isdigit():
        raise UntrustedAnswer("crm.category.list", f"the portal answered {shown(cats)} for the "
                              f"pipelines of new smart process {etid}: not one default pipeline")
    names = {c.get("name") for c in defaults}
    name = names.pop() if len(names) == 1 else None
    return int(found[0]), name if isinstance(name, str) else None


def existing_spa(spa: SmartProcess, changes: Sequence[Change], desired: Mapping[Address, Any],
                 live: Mapping[Address, Any], kids: Children, whole: bool = False) -> Script:
    """Changes of a smart process that is on the portal already (itself, pipelines, fields)."""
    current: SmartProcess = live[spa.address]
    etid = int(current.entity_type_id or 0)
    calls: list[Call] = []
    tasks: list[Script] = []
    own = next((c for c in changes if c.address == spa.address), None)
    if own is not None:
        calls.append(Call("crm.type.update", {"id": current.id, "fields": type_fields(
            desired[spa.address], live)}, f"~ {spa.address}"))
    for c in changes:
        if c.address.depth == 2 and c.address.parts[-1][0] == "pipeline":
            if c.action is Action.CREATE:
                tasks.append(new_pipeline(desired[c.address], etid, kids, whole))
            else:
                calls.append(_pipeline_call(c, etid, desired, live))
    calls.extend(_stage_calls(changes, etid, desired, live))
    target = Target(entity_id=f"CRM_{current.id}", prefix=f"UF_CRM_{current.id}_")
    fields = label_script(target, [c for c in changes if _is_field_change(c)], desired, live,
                          2, kids)
    yield from parallel([once(calls), fields, *tasks])


def _is_field_change(c: Change) -> bool:
    return c.address.depth >= 2 and c.address.parts[1][0] == "field"


def _pipeline_call(c: Change, etid: int, desired: Mapping[Address, Any],
                   live: Mapping[Address, Any]) -> Call:
    current: SpaPipeline = live[c.address]
    label = f"{c.action.symbol} {c.address}"
    if c.action is Action.DELETE:
        return Call("crm.category.delete", {"entityTypeId": etid, "id": current.id}, label)
    return Call("crm.category.update", {"entityTypeId": etid, "id": current.id,
                                        "fields": {"name": desired[c.address].name}}, label)


def _stage_calls(changes: Sequence[Change], etid: int, desired: Mapping[Address, Any],
                 live: Mapping[Address, Any]) -> list[Call]:
    by_pipe: dict[Address, list[Change]] = {}
    for c in changes:
        if c.address.depth == 3 and c.address.parts[1][0] == "pipeline":
            by_pipe.setdefault(c.address.parent, []).append(c)  # type: ignore[arg-type]
    calls: list[Call] = []
    for pipe_address, group in by_pipe.items():
        pipe = live.get(pipe_address)
        if pipe is None:
            continue  # a new pipeline: its stages go with it
        calls.extend(st.list_calls(st.ops_from_changes(group, desired, live),
                                   stage_list(etid, pipe.id), pipe.id))
    return calls
