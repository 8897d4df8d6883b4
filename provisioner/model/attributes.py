"""Attributes of model objects: which fields are compared, which are the portal's own.

Model classes (one per object, shared by desired and live) are frozen dataclasses. Fields made
with `attribute()` are compared; fields made with `live_only()` (portal ids, flags) never are.
An attribute whose desired value is None is not managed and never compared.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import field
from typing import Any, Protocol

from provisioner.model.address import Address

Attrs = Mapping[str, Any]


def attribute(*, immutable: bool = False, default: Any = dataclasses.MISSING) -> Any:
    """A compared attribute; immutable ones can only change by replacing the object."""
    meta = {"attr": True, "immutable": immutable}
    if default is dataclasses.MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def live_only(default: Any = None) -> Any:
    """A value that exists only on the live side (portal id, system flag); never compared."""
    return field(default=default, compare=False, metadata={"live": True})


def attributes(obj: Any) -> dict[str, Any]:
    """The compared attributes of a model object, in declaration order."""
    return {name: getattr(obj, name) for name in _names(type(obj))[0]}


def immutable_names(obj: Any) -> frozenset[str]:
    return _names(type(obj))[1]


# Per class, once: the planner asks for every node of both sides (design.md "Speed").
_NAMES: dict[type, tuple[tuple[str, ...], frozenset[str]]] = {}


def _names(cls: type) -> tuple[tuple[str, ...], frozenset[str]]:
    """The compared attribute names of a model class, and the immutable ones."""
    names = _NAMES.get(cls)
    if names is None:
        fields = dataclasses.fields(cls)
        names = _NAMES[cls] = (tuple(f.name for f in fields if f.metadata.get("attr")),
                               frozenset(f.name for f in fields if f.metadata.get("immutable")))
    return names


class Resource(Protocol):
    """What the planner needs from a model object."""

    @property
    def address(self) -> Address: ...

    @property
    def scope(self) -> str:
        """The collection the object belongs to (deletions are planned per managed scope)."""
        ...

    @property
    def system(self) -> bool:
        """A system object the portal refuses to delete; never planned for deletion."""
        ...
