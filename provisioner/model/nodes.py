"""One side's objects by address, read-only, with the objects under each address indexed on
first use: a kind's apply finds a field's items or a pipeline's stages without a scan of every
object (design.md "Speed"). make_plan hands both sides to the plan as `Nodes`.

make_plan builds one dict per kind and hands them over as they are (`Nodes.adopt`): merging
them into one dict, then dropping the per-kind ones, would be two more passes over every
object, which at 100,000 objects no longer sit in the processor's cache. Each kind owns the
first step type of its addresses (`deal.pipeline`, `lead.field`, `smart_process`, ...), so a
lookup goes to the one dict holding that type, found on the first lookup of that type.

A kind may also hand over groups of objects equal on both sides (a field's items, the same on
the portal as in the config: almost every item of a no-op plan), which the plan never compares
(`Pairing.groups`): they are put under their addresses only when read. A lookup under a group's
parent puts that group in; an iteration (its length, keys, items, values, the children index)
puts every group in, each where the kind would have put it (after the object the kind had put
last when it left the group out), so the mapping is then, in content and order, the one made
with them from the start (`Groups.put_in`).
"""

from __future__ import annotations

import itertools
from collections.abc import ItemsView, Iterator, KeysView, Mapping, Sequence, ValuesView
from dataclasses import dataclass, field
from typing import Any

from provisioner.model.address import Address


@dataclass(frozen=True)
class Groups:
    """Objects a kind left out of one of its dicts, in groups: `under`, each group by its
    parent address; `after`, where each stands: the key of the dict the kind had put last
    when it left the group out (None: none yet) -> the parents of the groups left out then,
    in order."""

    under: Mapping[Address, Sequence[Any]] = field(default_factory=dict)
    after: Mapping[Address | None, Sequence[Address]] = field(default_factory=dict)

    def put_in(self, part: Mapping[Address, Any]) -> dict[Address, Any]:
        """`part` with every group's objects under their addresses, where the kind would have
        put them had it not left them out."""
        out: dict[Address, Any] = {}
        self._put(out, None)
        for address, node in part.items():
            out[address] = node
            if address in self.after:
                self._put(out, address)
        return out

    def _put(self, out: dict[Address, Any], anchor: Address | None) -> None:
        for parent in self.after.get(anchor, ()):
            for child in self.under[parent]:
                out[child.address] = child


NO_GROUPS = Groups()


class Nodes(Mapping[Address, Any]):
    """A mapping of address to object that never changes after it is made."""

    __slots__ = ("_children", "_groups", "_loose", "_parts", "_pending", "_route")

    def __init__(self, nodes: Mapping[Address, Any] = {}) -> None:
        self._parts: tuple[dict[Address, Any], ...] = (dict(nodes),)
        self._route: dict[str, dict[Address, Any]] = {}
        self._children: Mapping[Address, Sequence[Any]] | None = None
        self._groups: tuple[Groups, ...] | None = None
        self._pending: dict[Address, Sequence[Any]] = {}
        self._loose: dict[Address, Any] = {}

    @classmethod
    def adopt(cls, parts: Sequence[dict[Address, Any]],
              children: Mapping[Address, Sequence[Any]] | None = None,
              groups: Sequence[Groups] | None = None) -> Nodes:
        """Nodes over dicts the caller made and hands over (never to change them again), with
        no address in two of them: no copy. Iterated in the order of `parts`. `groups`, one
        per part: objects under a parent address of that part, left out of it (module
        docstring), put in when read; no address of a group is in any part."""
        made = cls.__new__(cls)
        kept = [(p, g) for p, g in zip(parts, groups or [NO_GROUPS] * len(parts), strict=True)
                if p or g.under]
        made._parts = tuple(p for p, _ in kept) or ({},)
        made._route = {}
        made._children = children
        made._loose = {}
        made._pending = {parent: group for _, g in kept for parent, group in g.under.items()}
        made._groups = tuple(g for _, g in kept) if made._pending else None
        return made

    def _part(self, address: Address) -> dict[Address, Any] | None:
        """The dict holding `address`, or None."""
        if len(self._parts) == 1:
            if address in self._parts[0]:
                return self._parts[0]
            return self._grouped(address) if self._groups is not None else None
        step = address.parts[0][0]
        part = self._route.get(step)
        if part is not None and address in part:
            return part
        for part in self._parts:
            if address in part:
                self._route[step] = part
                return part
        return self._grouped(address) if self._groups is not None else None

    def _grouped(self, address: Address) -> dict[Address, Any] | None:
        """The dict of the groups put in for lookups, if `address` is in one (put in now)."""
        parent = address.parent
        group = self._pending.pop(parent, None) if parent is not None else None
        if group is not None:
            for node in group:
                self._loose[node.address] = node
        return self._loose if address in self._loose else None

    def _whole(self) -> None:
        """Every group put in, each where the kind would have put it (before any iteration)."""
        groups, self._groups = self._groups, None
        if groups is None:
            return
        self._parts = tuple(g.put_in(p) if g.under else p
                            for p, g in zip(self._parts, groups, strict=True))
        self._route, self._pending, self._loose = {}, {}, {}

    def __getitem__(self, address: Address) -> Any:
        part = self._part(address)
        if part is None:
            raise KeyError(address)
        return part[address]

    def __iter__(self) -> Iterator[Address]:
        self._whole()
        return itertools.chain.from_iterable(self._parts)

    def __len__(self) -> int:
        self._whole()
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
        self._mapping._whole()
        return itertools.chain.from_iterable(p.items() for p in self._mapping._parts)


class _Values(ValuesView[Any]):
    _mapping: Nodes

    def __iter__(self) -> Iterator[Any]:
        self._mapping._whole()
        return itertools.chain.from_iterable(p.values() for p in self._mapping._parts)


def by_parent(nodes: Mapping[Address, Any]) -> dict[Address, list[Any]]:
    """The objects under each parent address, in `nodes` order: one pass over every object."""
    grouped: dict[tuple[tuple[str, str], ...], list[Any]] = {}
    for address, node in nodes.items():
        parts = address.parts
        if len(parts) > 1:
            grouped.setdefault(parts[:-1], []).append(node)
    return {Address(parent): children for parent, children in grouped.items()}
