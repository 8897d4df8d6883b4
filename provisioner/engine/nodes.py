"""One side's objects by address, read-only, with the objects under each address indexed on
first use: a kind's apply finds a field's items or a pipeline's stages without a scan of every
object (design.md "Speed"). make_plan hands both sides to the plan as `Nodes`."""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping, Sequence, ValuesView
from typing import Any

from provisioner.engine.address import Address


class Nodes(Mapping[Address, Any]):
    """A mapping of address to object that never changes after it is made."""

    __slots__ = ("_children", "_nodes")

    def __init__(self, nodes: Mapping[Address, Any] = {}) -> None:
        self._nodes = dict(nodes)
        self._children: dict[Address, list[Any]] | None = None

    def __getitem__(self, address: Address) -> Any:
        return self._nodes[address]

    def __iter__(self) -> Iterator[Address]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, address: object) -> bool:
        return address in self._nodes

    def __repr__(self) -> str:
        return f"Nodes({len(self._nodes)} objects)"

    # The dict's own views and get: the Mapping defaults go through __getitem__ for each key.
    def get(self, address: Address, default: Any = None) -> Any:
        return self._nodes.get(address, default)

    def keys(self) -> KeysView[Address]:
        return self._nodes.keys()

    def items(self) -> ItemsView[Address, Any]:
        return self._nodes.items()

    def values(self) -> ValuesView[Any]:
        return self._nodes.values()

    def children(self) -> Mapping[Address, Sequence[Any]]:
        """The objects under each parent address, in this mapping's order (made once)."""
        if self._children is None:
            self._children = by_parent(self._nodes)
        return self._children


def by_parent(nodes: Mapping[Address, Any]) -> dict[Address, list[Any]]:
    """The objects under each parent address, in `nodes` order: one pass over every object."""
    grouped: dict[tuple[tuple[str, str], ...], list[Any]] = {}
    for address, node in nodes.items():
        parts = address.parts
        if len(parts) > 1:
            grouped.setdefault(parts[:-1], []).append(node)
    return {Address(parent): children for parent, children in grouped.items()}
