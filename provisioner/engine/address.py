"""Addresses: natural-key names of objects, e.g. `deal.pipeline[sales].stage[NEW]`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True, slots=True)
class Address:
    """A path of (type, key) steps; the same object has the same address on every portal."""

    parts: tuple[tuple[str, str], ...]

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
