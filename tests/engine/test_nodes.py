"""A plan's Nodes: a read-only mapping whose index of objects by parent address is made once
and gives, in the mapping's order, what a scan of every object gives."""

from __future__ import annotations

from provisioner.engine.address import Address
from provisioner.engine.nodes import Nodes
from provisioner.kinds.base import by_parent

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
