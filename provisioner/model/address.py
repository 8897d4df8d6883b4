"""Addresses: natural-key names of objects, e.g. `deal.pipeline[sales].stage[NEW]`."""

from __future__ import annotations

from dataclasses import dataclass, field
from weakref import ref


@dataclass(frozen=True, order=True, slots=True, init=False, weakref_slot=True)
class Address:
    """A path of (type, key) steps; the same object has the same address on every portal.

    The hash is computed once, when the address is made: the planner looks every address up
    in several dicts, and a tuple of tuples hashes anew on each lookup. Equal addresses alive
    at the same time are one object (`_LIVING`), so a lookup of a desired object's address in
    the live side's dict ends at the identity check, without reading the other's steps."""

    parts: tuple[tuple[str, str], ...]
    _hash: int = field(init=False, repr=False, compare=False)

    def __new__(cls, parts: tuple[tuple[str, str], ...]) -> Address:  # interned
        living = _LIVING.get(parts)
        found = living() if living is not None else None
        if found is None:
            found = object.__new__(cls)
            _set(found, "parts", parts)
            _set(found, "_hash", hash(parts))
            living = _LIVING[parts] = _Living(found, _forget)
            living.parts = parts
        return found

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if other.__class__ is Address:
            return self._hash == other._hash and self.parts == other.parts
        return NotImplemented

    @classmethod
    def of(cls, type_: str, key: str) -> Address:
        return cls(((type_, key),))

    def child(self, type_: str, key: str) -> Address:
        return Address((*self.parts, (type_, key)))

    @property
    def parent(self) -> Address | None:
        return Address(self.parts[:-1]) if len(self.parts) > 1 else None

    @property
    def depth(self) -> int:
        return len(self.parts)

    @property
    def key(self) -> str:
        """The natural key of the last step (`NEW` for `...stage[NEW]`)."""
        return self.parts[-1][1]

    def __str__(self) -> str:
        return ".".join(f"{type_}[{key}]" for type_, key in self.parts)

    def __reduce__(self) -> tuple[type[Address], tuple[tuple[tuple[str, str], ...]]]:
        """Pickled, copied and deep-copied by its steps: made again through `__new__`, so the
        copy is the living address with those steps (interned), never a second object."""
        return (Address, (self.parts,))


_set = object.__setattr__


class _Living(ref["Address"]):
    """A weak reference that knows the steps it is filed under (no closure per address)."""

    __slots__ = ("parts",)
    parts: tuple[tuple[str, str], ...]


# The living addresses by their steps. A dict of weak references, not a WeakValueDictionary:
# its methods are Python code, a third of the cost of making an address (54,000 of them as an
# L10 config loads, as many as the portal is read).
_LIVING: dict[tuple[tuple[str, str], ...], _Living] = {}


def _forget(gone: ref[Address]) -> None:
    """Drops a dead address's entry, unless an address made since holds its steps."""
    parts = gone.parts  # type: ignore[attr-defined]  # a _Living: its callback
    if _LIVING.get(parts) is gone:
        del _LIVING[parts]
