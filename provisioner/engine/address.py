"""Addresses: natural-key names of objects, e.g. `deal.pipeline[sales].stage[NEW]`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True, slots=True, init=False)
class Address:
    """A path of (type, key) steps; the same object has the same address on every portal.

    The hash is computed once, when the address is made: the planner looks every address up
    in several dicts, and a tuple of tuples hashes anew on each lookup."""

    parts: tuple[tuple[str, str], ...]
    _hash: int = field(init=False, repr=False, compare=False)

    def __init__(self, parts: tuple[tuple[str, str], ...]) -> None:
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "_hash", hash(parts))

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
