"""Items equal on both sides are left out of the plan's comparison (issue 18: 429,000 of the
539,000 objects a side of an L100 plan are enumeration items, almost all standing as the config
has them). The invariant: a plan made so is, in everything anyone reads of it, the plan that
compares every item: its changes, notes, text and JSON document, its nodes (each address looked
up, then iterated in order), the children index, a saved plan's snapshot and the id map. Checked
on generated configs of every kind, planned against the portal they made (no change: every
field alike) and after a week of edits (items added, removed, renamed, fields retyped), with and
without --allow-destroy; and on portals that lie (an item twice under one XML_ID)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from contract_configs import KNOWN_GOOD, Tree, configs, write_config
from contract_flow import applied, case, examples
from contract_renames import edited
from helpers import CONFIG
from hypothesis import given
from hypothesis import strategies as st

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.engine import idmap, planfile
from provisioner.engine.planner import TwinsOnPortal
from provisioner.engine.render import plan_document
from provisioner.kinds import KINDS
from provisioner.kinds.fields.kind import ITEM_KEY
from provisioner.kinds.fields.model import EnumItem
from provisioner.model import Plan, PlanOptions
from provisioner.model.address import Address
from provisioner.model import pairing
from provisioner.model.pairing import alike

OPTIONS = (PlanOptions(), PlanOptions(allow_destroy=True))


@contextmanager
def every_item_compared() -> Iterator[None]:
    """The oracle: every field item, stage and list item compared (the code before)."""
    pairing.ALIKE = False
    try:
        yield
    finally:
        pairing.ALIKE = True


def assert_plans_equal(desired: Any, live: Any, options: PlanOptions) -> set[Address]:
    """The plan with alike items left out is the plan without; the parents whose objects
    were left out."""
    with every_item_compared():
        whole = engine.make_plan(desired, live, options)
        ids = idmap.live_ids(live, desired)
    looked_up = engine.make_plan(desired, live, options)  # nodes read by lookups first
    iterated = engine.make_plan(desired, live, options)   # nodes read by iteration first
    left_out = {parent for kind in KINDS for parent in
                kind.pair(desired.parts.get(kind.name), live.parts[kind.name]).groups[0].under}
    for plan in (looked_up, iterated):
        assert plan.changes == whole.changes
        assert plan.notes == whole.notes
        assert engine.render_text(plan) == engine.render_text(whole)
        assert plan_document(plan) == plan_document(whole)
    for ours, theirs in ((looked_up.desired_nodes, whole.desired_nodes),
                         (looked_up.live_nodes, whole.live_nodes)):
        for address, node in theirs.items():  # each lookup before any iteration
            assert address in ours and repr(ours[address]) == repr(node), address
        for address in _absent(theirs):
            assert ours.get(address) is None and address not in ours, address
    for plan in (iterated, looked_up):  # in order and whole, each read first one way
        assert _listed(plan.desired_nodes) == _listed(whole.desired_nodes)
        assert _listed(plan.live_nodes) == _listed(whole.live_nodes)
        assert len(plan.desired_nodes) == len(whole.desired_nodes)
        assert _children(plan) == _children(whole)
        assert planfile.snapshot(plan) == planfile.snapshot(whole)
    assert idmap.live_ids(live, desired) == ids
    return left_out


def _listed(nodes: Any) -> list[tuple[Address, str]]:
    """Every node in order, each in full (its repr: the fields equality leaves out too)."""
    return [(address, repr(node)) for address, node in nodes.items()]


def _absent(nodes: Any) -> list[Address]:
    """Addresses no node holds, under parents that hold children (an item never made)."""
    parents = {a.parent for a in nodes if a.parent is not None}
    return [p.child("item", "never-made") for p in parents]


def _children(plan: Plan) -> dict[Address, list[Any]]:
    return {parent: [repr(k) for k in kids]
            for parent, kids in plan.desired_nodes.children().items()}


@examples(20)
@given(configs(KNOWN_GOOD), st.data())
def test_a_plan_leaving_alike_items_out_is_the_plan_comparing_them(tree: Tree,
                                                                     data: st.DataObject) -> None:
    after = edited(data.draw, tree, KNOWN_GOOD)
    with case(tree) as c:
        applied(c)
        live = engine.read_live(c.portal.client)
        for config in (tree, after):
            write_config(config, c.config, fresh=True)
            desired = engine.load_desired(c.config)
            for options in OPTIONS:
                assert_plans_equal(desired, live, options)


def _seed_applied(client: BitrixClient) -> tuple[Any, Any]:
    desired = engine.load_desired(CONFIG)
    engine.apply(engine.make_plan(desired, engine.read_live(client)), client)
    return desired, engine.read_live(client)


def test_the_seed_config_leaves_its_items_out_after_apply(client: BitrixClient) -> None:
    """Not vacuous: on the portal the seed config made, every enumeration field's items are
    left out, and the stages of the deal pipeline (its config names every stage's colour; the
    smart process's does not, so the portal's colours differ and its stages are compared), and
    the plans are equal."""
    desired, live = _seed_applied(client)
    enumerations = {a for a, n in engine.make_plan(desired, live).desired_nodes.items()
                    if getattr(n, "type", None) == "enumeration"}
    assert enumerations
    assert assert_plans_equal(desired, live, PlanOptions()) == \
        {*enumerations, Address.of("deal.pipeline", "sales")}


def test_a_portal_holding_one_item_twice_is_refused_as_before(client: BitrixClient) -> None:
    """A portal that lies: an enumeration field holding two items of one XML_ID. The items
    are not alike (a key held twice), so the plan sees the twin and refuses, as it did."""
    desired, live = _seed_applied(client)
    twinned, item = _with_an_item_twice(live)
    assert _refused_as_before(desired, twinned) == [(item.address, (item.id, item.id + 100000))]


def _refused_as_before(desired: Any, live: Any) -> list[tuple[Address, Any]]:
    """The twins the plan refuses, the same (and said the same) as when every object is
    compared."""
    with every_item_compared(), pytest.raises(TwinsOnPortal) as before:
        engine.make_plan(desired, live)
    with pytest.raises(TwinsOnPortal) as now:
        engine.make_plan(desired, live)
    assert str(now.value) == str(before.value)
    twins = [(t.address, t.ids) for t in now.value.twins]
    assert twins == [(t.address, t.ids) for t in before.value.twins]
    return twins


def _with_an_item_twice(live: Any) -> tuple[Any, EnumItem]:
    """The live state with an enumeration field's first item listed twice (another id)."""
    for name, part in live.parts.items():
        if not name.endswith(".fields"):
            continue
        specs = list(part)
        for i, spec in enumerate(specs):
            if spec.items:
                item = spec.items[0]
                copy = replace(item, id=item.id + 100000)
                specs[i] = replace(spec, items=(*spec.items, copy))
                return replace(live, parts={**live.parts, name: tuple(specs)}), item
    raise AssertionError("the seed config has no enumeration field")


def test_alike_needs_every_pair_equal_and_every_key_once() -> None:
    owner = Address.of("deal.field", "KIND")
    a, b = EnumItem(owner, "a", "A"), EnumItem(owner, "b", "B")
    assert alike((a, b), (a, b))
    assert alike([a, b], (EnumItem(owner, "a", "A", id=7), b))  # ids are not compared
    assert not alike((a, b), (b, a))  # another order: sorts to settle
    assert not alike((a,), (a, b))
    assert not alike((), ())
    assert not alike((a, a), (a, a))  # one key twice: a twin the plan must see
    assert not alike((a, b), (a, EnumItem(owner, "b", "B2")))
    # the items' own key in place of their address (fields/kind.py ITEM_KEY): the same answers
    for desired, live in (((a, b), (a, b)), ((a, a), (a, a)), ((a, b), (b, a)), ((a,), (a, b))):
        assert alike(desired, live, ITEM_KEY) is alike(desired, live)


def test_a_portal_holding_a_stage_twice_is_refused_as_before(client: BitrixClient) -> None:
    """A portal that lies: the deal pipeline whose stages are left out holds one stage twice
    (another id): not alike, so the plan sees the twin and refuses, as it did; and a pipeline
    listed twice under one key is compared whole, its stages too."""
    desired, live = _seed_applied(client)
    assert Address.of("deal.pipeline", "sales") in assert_plans_equal(desired, live,
                                                                     PlanOptions())
    specs = list(live.parts["deal.pipelines"])
    at = next(i for i, s in enumerate(specs) if s.pipeline.name == "Продажи")  # sales
    stage = specs[at].stages[0]
    twice = replace(specs[at], stages=(*specs[at].stages, replace(stage, id=stage.id + 1000)))
    pipeline_twice = replace(specs[at], pipeline=replace(specs[at].pipeline,
                                                         id=specs[at].pipeline.id + 1000))
    for lying in ([*specs[:at], twice, *specs[at + 1:]], [*specs, pipeline_twice]):
        bent = replace(live, parts={**live.parts, "deal.pipelines": tuple(lying)})
        assert _refused_as_before(desired, bent)


def test_rows_are_alike_only_under_their_own_list_and_without_a_move() -> None:
    from provisioner.kinds.statuses import Stage, alike_rows

    pipe, other = Address.of("deal.pipeline", "sales"), Address.of("deal.pipeline", "old")
    a, b = Stage("NEW", "New", owner=pipe), Stage("WON", "Won", owner=pipe)
    assert alike_rows(pipe, (a, b), (a, b))
    # a pipeline matched under another key: equal rows (the owner is not compared), elsewhere
    assert not alike_rows(pipe, (a, b), (replace(a, owner=other), replace(b, owner=other)))
    assert not alike_rows(pipe, (replace(a, moved_from="OLD"), b), (a, b))  # a rename noted
    assert not alike_rows(pipe, (a, a), (a, a))
