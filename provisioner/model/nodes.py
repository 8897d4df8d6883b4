"""One side's objects by address, read-only, with the objects under each address indexed on
first use: a kind's apply finds a field's items or a pipeline's stages without a scan of every
object (design.md "Speed"). make_plan hands both sides to the plan as `Nodes`.

make_plan builds one dict per kind and hands them over as they are (`Nodes.adopt`): merging
them into one dict, then dropping the per-kind ones, would be two more passes over every
object, which at 100,000 objects no longer sit in the processor's cache. Each kind owns the
first step type of its addresses (`deal.pipeline`, `lead.field`, `smart_process`, ...), so a
lookup goes to the one dict holding that type, found on the first lookup of that type.
"""

from __future__ import annotations

import itertools
from collections.abc import ItemsView, Iterator, KeysView, Mapping, Sequence, ValuesView
from typing import Any

from provisioner.model.address import Address


class Nodes(Mapping[Address, Any]):
    """A mapping of address to object that never changes after it is made."""

    __slots__ = ("_children", "_parts", "_route")

    def __init__(self, nodes: Mapping[Address, Any] = {}) -> None:
        self._parts: tuple[dict[Address, Any], ...] = (dict(nodes),)
        self._route: dict[str, dict[Address, Any]] = {}
        self._children: Mapping[Address, Sequence[Any]] | None = None

    @classmethod
    def adopt(cls, parts: Sequence[dict[Address, Any]],
              children: Mapping[Address, Sequence[Any]] | None = None) -> Nodes:
        """Nodes over dicts the caller made and hands over (never to change them again), with
        no address in two of them: no copy. Iterated in the order of `parts`."""
        made = cls.__new__(cls)
        made._parts = tuple(p for p in parts if p) or ({},)
        made._route = {}
        made._children = children
        return made

    def _part(self, address: Address) -> dict[Address, Any] | None:
        """The dict holding `address`, or None."""
        if len(self._parts) == 1:
            return self._parts[0] if address in self._parts[0] else None
        step = address.parts[0][0]
        part = self._route.get(step)
        if part is not None and address in part:
            return part
        for part in self._parts:
            if address in part:
                self._route[step] = part
                return part
        return None

    def __getitem__(self, address: Address) -> Any:
        part = self._part(address)
        if part is None:
            raise KeyError(address)
        return part[address]

    def __iter__(self) -> Iterator[Address]:
        return itertools.chain.from_iterable(self._parts)

    def __len__(self) -> int:
        return sum(map(len, self._parts))

    def __contains__(self, address: object) -> bool:
        return isinstance(address, Address) and self._part(address) is not None

    def __repr__(self) -> str:
        return f"Nodes({len(self)} objects)"

    # The Mapping defaults go through __getitem__ for each key: these read the dicts directly.
    def get(self, address: Address, default: Any = None) -> Any:
        part = self._part(address)
        return default if part is None else part[address]

    def keys(self) -> KeysView[Address]:
        return _Keys(self)

    def items(self) -> ItemsView[Address, Any]:
        return _Items(self)

    def values(self) -> ValuesView[Any]:
        return _Values(self)

    def children(self) -> Mapping[Address, Sequence[Any]]:
        """The objects under each parent address, in this mapping's order (made once)."""
        if self._children is None:
            self._children = by_parent(self)
        return self._children


class _Keys(KeysView[Address]):
    _mapping: Nodes

    def __iter__(self) -> Iterator[Address]:
        return iter(self._mapping)


class _Items(ItemsView[Address, Any]):
    _mapping: Nodes

    def __iter__(self) -> Iterator[tuple[Address, Any]]:
        return itertools.chain.from_iterable(p.items() for p in self._mapping._parts)


class _Values(ValuesView[Any]):
    _mapping: Nodes

    def __iter__(self) -> Iterator[Any]:
        return itertools.chain.from_iterable(p.values() for p in self._mapping._parts)


def by_parent(nodes: Mapping[Address, Any]) -> dict[Address, list[Any]]:
    """The objects under each parent address, in `nodes` order: one pass over every object."""
    grouped: dict[tuple[tuple[str, str], ...], list[Any]] = {}
    for address, node in nodes.items():
        parts = address.parts
        if len(parts) > 1:
            grouped.setdefault(parts[:-1], []).append(node)
    return {Address(parent): children for parent, children in grouped.items()}
