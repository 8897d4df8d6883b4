"""Addresses: natural-key names of objects, e.g. `deal.pipeline[sales].stage[NEW]`."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any, NoReturn

Steps = tuple[tuple[str, str], ...]


class Address:
    """A path of (type, key) steps; the same object has the same address on every portal.

    The hash is computed once, when the address is made: the planner looks every address up
    in several dicts, and a tuple of tuples hashes anew on each lookup. Equal addresses are one
    object (`_LIVING`), so a lookup of a desired object's address in the live side's dict ends
    at the identity check, without reading the other's steps.

    A plain class with slots, not a dataclass: an address is made for every object of both
    sides (and, for the most numerous ones, enumeration items, again when the plan pairs them),
    so making one is kept to a dict lookup, or a lookup and the object (`_make`). Immutable,
    ordered by its steps, as the dataclass was."""

    # `__weakref__` is no longer needed by `_make`, and kept on purpose: an address of 56
    # bytes falls in a pymalloc size class the load leaves holes in, where one of 48 does not
    # (an L100 plan peaked 590 MB with it, 606-611 without: docs/benchmarks.md, "Rows trimmed
    # page by page, addresses held, large blocks mapped apart").
    __slots__ = ("__weakref__", "_hash", "parts")
    parts: Steps
    _hash: int

    def __new__(cls, parts: Steps) -> Address:  # interned
        return _make(parts)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if other.__class__ is Address:
            return self._hash == other._hash and self.parts == other.parts
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if other.__class__ is Address:
            return self.parts < other.parts
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if other.__class__ is Address:
            return self.parts <= other.parts
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if other.__class__ is Address:
            return self.parts > other.parts
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if other.__class__ is Address:
            return self.parts >= other.parts
        return NotImplemented

    @classmethod
    def of(cls, type_: str, key: str) -> Address:
        return _make(((type_, key),))

    def child(self, type_: str, key: str) -> Address:
        return _make((*self.parts, (type_, key)))

    @property
    def parent(self) -> Address | None:
        return _make(self.parts[:-1]) if len(self.parts) > 1 else None

    @property
    def depth(self) -> int:
        return len(self.parts)

    @property
    def key(self) -> str:
        """The natural key of the last step (`NEW` for `...stage[NEW]`)."""
        return self.parts[-1][1]

    def __str__(self) -> str:
        return ".".join(f"{type_}[{key}]" for type_, key in self.parts)

    def __repr__(self) -> str:
        return f"Address(parts={self.parts!r})"

    def __reduce__(self) -> tuple[type[Address], tuple[Steps]]:
        """Pickled, copied and deep-copied by its steps: made again through `__new__`, so the
        copy is the living address with those steps (interned), never a second object."""
        return (Address, (self.parts,))


# The addresses made so far, by their steps, for the life of the process: strong references,
# not weak ones. A plan holds every address of both sides until it ends (its nodes, engine/
# planner.py), so a weak table freed nothing while a command ran, and its weak reference per
# address (about 120 bytes with its entry) was a sixth of the plan's memory at L100 (issue 18:
# 633 -> 590 MB). The table grows only with addresses not seen before: a long process planning
# one config again and again makes none.
_LIVING: dict[Steps, Address] = {}
_new = object.__new__
_SLOTS: dict[str, Any] = dict(vars(Address))
_set_parts = _SLOTS["parts"].__set__  # the slots' own setters, past the refusing __setattr__
_set_hash = _SLOTS["_hash"].__set__


def _make(parts: Steps) -> Address:
    """The address with these steps, made when there is none."""
    found = _LIVING.get(parts)
    if found is not None:
        return found
    made: Address = _new(Address)
    _set_parts(made, parts)
    _set_hash(made, hash(parts))
    _LIVING[parts] = made
    return made
