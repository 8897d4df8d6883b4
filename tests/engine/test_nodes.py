"""A plan's Nodes: a read-only mapping whose index of objects by parent address is made once
and gives, in the mapping's order, what a scan of every object gives."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from golden import CASES, plan_cases
from helpers import CONFIG, run_setup

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.kinds import KINDS
from provisioner.model import Pairing, by_parent
from provisioner.model.address import Address
from provisioner.model.nodes import Groups, Nodes
from provisioner.model.nodes import by_parent as index_by_parent

SALES = Address.of("deal.pipeline", "sales")
NODES = {SALES: "sales", SALES.child("stage", "NEW"): "new", Address.of("lead.status", "A"): "a",
         SALES.child("stage", "WON"): "won", SALES.child("stage", "WON").child("robot", "1"): "r"}


def test_nodes_is_the_mapping_it_was_made_from() -> None:
    nodes = Nodes(NODES)
    assert dict(nodes) == NODES and list(nodes.items()) == list(NODES.items())
    assert nodes.get(Address.of("x", "y")) is None and SALES in nodes and len(nodes) == 5


def test_children_are_indexed_once_in_order() -> None:
    nodes = Nodes(NODES)
    assert nodes.children() is nodes.children()
    assert dict(nodes.children()) == {SALES: ["new", "won"],
                                      SALES.child("stage", "WON"): ["r"]}
    assert by_parent(nodes) is nodes.children()
    assert by_parent(NODES) == nodes.children()  # a plain mapping: one pass, same answer


# ---- children from the kinds' pairings -----------------------------------------------------
# make_plan takes the index from the kinds (a pipeline's stages, a field's items, a smart
# process's pipelines and fields) instead of a pass over every object: it must be the index
# that pass makes, for every kind, on every golden scenario and on the seed configuration.


def _scenarios() -> list[Any]:
    out = [pytest.param(p / "desired.toml", json.loads((p / "setup.json").read_text("utf-8"))
                        if (p / "setup.json").exists() else [], id=p.name)
           for p in (CASES / name for name in plan_cases()) if (p / "desired.toml").exists()]
    return [*out, pytest.param(CONFIG, [], id="portal-config")]


@pytest.mark.parametrize(("desired", "setup"), _scenarios())
def test_kinds_give_the_children_a_scan_gives(desired: Path, setup: list[Any],
                                              client: BitrixClient) -> None:
    run_setup(client, setup)
    want = engine.load_desired(desired)
    live = engine.read_live(client)
    for kind in KINDS:
        pairing = kind.pair(want.parts.get(kind.name), live.parts[kind.name])
        assert pairing.children is not None, f"{kind.name} leaves its children to a scan"
        given = {parent: list(kids) for parent, kids in pairing.children.items()}
        # with the objects left out of the comparison (`Pairs.want_alike`), as the plan puts
        # them in when read
        whole = {**pairing.desired, **{kid.address: kid for kids in
                                      pairing.groups[0].under.values() for kid in kids}}
        assert given == index_by_parent(whole), kind.name
    plan = engine.make_plan(want, live)
    assert isinstance(plan.desired_nodes, Nodes)
    assert _children_of(plan) == index_by_parent(dict(plan.desired_nodes))


def test_a_kind_without_children_is_scanned(client: BitrixClient) -> None:
    """A kind that leaves `children` None (a kind from elsewhere) still gets the full index."""
    run_setup(client, [])
    want = engine.load_desired(CONFIG)
    live = engine.read_live(client)
    class Plain:  # the deal pipelines kind, with its children dropped
        def __getattr__(self, name: str) -> Any:
            return getattr(KINDS[0], name)

        def pair(self, desired: Any, live: Any) -> Pairing:
            return replace(KINDS[0].pair(desired, live), children=None)

    plan = engine.make_plan(want, live, kinds=[Plain(), *KINDS[1:]])  # type: ignore[list-item]
    assert _children_of(plan) == index_by_parent(dict(plan.desired_nodes))
    assert any(a.parts[0][0] == "deal.pipeline" for a in plan.desired_nodes.children())


def _children_of(plan: Any) -> dict[Address, list[Any]]:
    """The plan's index of desired objects by parent (sequences of any kind, as lists)."""
    return {parent: list(kids) for parent, kids in plan.desired_nodes.children().items()}


# ---- groups left out until read (`Pairing.groups`) ------------------------------------------

class _Node:
    def __init__(self, address: Address) -> None:
        self.address = address

    def __repr__(self) -> str:
        return f"<{self.address}>"


def _grouped() -> tuple[dict[Address, Any], Groups, list[Address]]:
    """Two fields of one kind, each followed by its items in the order a kind makes them; the
    items of both left out as groups."""
    one, two = Address.of("deal.field", "ONE"), Address.of("deal.field", "TWO")
    items = {f: [_Node(f.child("item", k)) for k in ("a", "b")] for f in (one, two)}
    order = [one, *(i.address for i in items[one]), two, *(i.address for i in items[two])]
    return {one: _Node(one), two: _Node(two)}, Groups(items, {one: [one], two: [two]}), order


def test_groups_are_iterated_right_after_their_parent() -> None:
    part, groups, order = _grouped()
    nodes = Nodes.adopt([part], None, [groups])
    assert list(nodes) == order and len(nodes) == 4 + 2 and list(nodes.keys()) == order
    assert [a for a, _ in nodes.items()] == order
    assert [n.address for n in nodes.values()] == order


def test_a_group_is_put_in_by_a_lookup_under_its_parent() -> None:
    part, groups, order = _grouped()
    nodes = Nodes.adopt([{Address.of("lead.status", "A"): "a"}, part], None, [Groups(), groups])
    item = order[1]
    assert nodes[item] is groups.under[order[0]][0] and item in nodes
    assert nodes.get(order[0].child("item", "never-made")) is None
    assert order[-1] in nodes  # the other group, by its own lookup
    assert list(nodes)[1:] == order  # then iterated whole, in order, nothing twice
    assert len(nodes) == 7


def test_an_iteration_first_puts_every_group_in() -> None:
    part, groups, order = _grouped()
    nodes = Nodes.adopt([part], None, [groups])
    assert sum(1 for _ in nodes.values()) == 6
    assert all(nodes[a].address == a for a in order)
    assert dict(nodes.children()) == {order[0]: groups.under[order[0]],
                                      order[3]: groups.under[order[3]]}


def test_groups_stand_where_the_kind_left_them_out() -> None:
    """A smart process puts its fields first (as its children), then each field's items: the
    items stand after the last object put when they were left out, not after their field."""
    spa = Address.of("smart_process", "x")
    one, two = spa.child("field", "ONE"), spa.child("field", "TWO")
    items = {f: [_Node(f.child("item", k)) for k in ("a", "b")] for f in (one, two)}
    part = {spa: _Node(spa), one: _Node(one), two: _Node(two)}
    before = [_Node(spa.child("item", "first"))]  # left out before anything was put
    groups = Groups({**items, spa: before}, {None: [spa], two: [one, two]})
    nodes = Nodes.adopt([part], None, [groups])
    assert list(nodes) == [spa.child("item", "first"), spa, one, two,
                           *(i.address for i in items[one]), *(i.address for i in items[two])]
