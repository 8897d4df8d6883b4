"""Export over an existing config: what the portal cannot give back, carried over from the config,
and the places where the export says what it could not read.

The shapes say which keys no REST method reads (`Prop.unread`: a stage's robots and triggers, a
field's `required_from`) and how the items of an array are named (`ArrayOf.key`: a stage's
code); the exporter marks the subtrees of kinds that export nothing (the app's robot and trigger
types) and the `[provision]` settings the same way, so they are carried over whole. Objects of
the config that the portal lacks cannot be exported: they are named, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from provisioner.model.shape import ArrayOf, MapOf, Path, Prop, Shape, Table


@dataclass(frozen=True)
class Where:
    """A place in the tree: its key path (array items by index, as the TOML writer counts)
    and how people read it (array items by their key: `stages[NEW]`)."""

    path: Path = ()
    text: str = ""

    def key(self, key: str) -> Where:
        return Where((*self.path, key), f"{self.text}.{key}" if self.text else key)

    def item(self, index: int, name: object) -> Where:
        return Where((*self.path, index), f"{self.text}[{name}]")


@dataclass(frozen=True)
class Carried:
    """What was carried over from the config: where, what (the key's `unread` words), how many
    (robots in a list, else 1), and the config file it was written in."""

    where: Where
    what: str
    count: int
    source: str


@dataclass(frozen=True)
class LeftOut:
    """An object of the config that is not on the portal: the export cannot hold it."""

    where: Where
    source: str


@dataclass
class Overlay:
    """The outcome of carrying a config over an export."""

    file_of: Callable[[Path], str]
    carried: list[Carried] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)


def mark(root: Table, path: tuple[str, ...], unread: str) -> Table:
    """`root` with the key at `path` marked as not read from the portal (carried over whole)."""
    key, rest = path[0], path[1:]
    prop = root.props.get(key)
    if prop is None:
        return root
    if not rest:
        new = replace(prop, unread=unread)
    elif isinstance(prop.shape, Table):
        new = replace(prop, shape=mark(prop.shape, rest, unread))
    else:
        return root
    return replace(root, props={**root.props, key: new})


def carry(shape: Table, old: Mapping[str, Any], new: dict[str, Any],
          file_of: Callable[[Path], str]) -> Overlay:
    """Copy into `new` (the export) what `old` (the config) holds under unread keys, where the
    object holding it is on the portal; name the config's objects the portal lacks."""
    out = Overlay(file_of)
    _walk(shape, old, new, Where(), out)
    return out


def _walk(shape: Shape, old: Any, new: Any, at: Where, out: Overlay) -> None:
    if isinstance(shape, Table):
        _table(shape, old, new, at, out)
    elif isinstance(shape, MapOf) and isinstance(old, dict):
        for key, value in old.items():
            if isinstance(new, dict) and key in new:
                _walk(shape.value, value, new[key], at.key(key), out)
            else:
                out.left_out.append(LeftOut(at.key(key), out.file_of(at.key(key).path)))
    elif isinstance(shape, ArrayOf) and shape.key is not None and isinstance(old, list):
        _array(shape, shape.key, old, new, at, out)


def _table(shape: Table, old: Any, new: Any, at: Where, out: Overlay) -> None:
    if not isinstance(old, dict):
        return
    for key, prop in shape.props.items():
        if key not in old:
            continue
        here = at.key(key)
        if prop.unread:
            if isinstance(new, dict):  # else its object is not on the portal: left out
                new[key] = old[key]
                count = len(old[key]) if isinstance(old[key], list) else 1
                out.carried.append(Carried(here, prop.unread, count, out.file_of(here.path)))
            continue
        _walk(prop.shape, old[key], new.get(key) if isinstance(new, dict) else None, here, out)


def _array(shape: ArrayOf, key: str, old: list[Any], new: Any, at: Where, out: Overlay) -> None:
    items = new if isinstance(new, list) else []
    index = {item.get(key): n for n, item in enumerate(items) if isinstance(item, dict)}
    for item in old:
        if not isinstance(item, dict):
            continue
        name = item.get(key)
        n = index.get(name)
        if n is None:
            here = Where(at.path, f"{at.text}[{name}]")
            out.left_out.append(LeftOut(here, out.file_of(at.path)))
        else:
            _walk(shape.item, item, items[n], at.item(n, name), out)


def unread_words(shape: Shape) -> list[str]:
    """Every `unread` of the shape, in order, once: what an export cannot read."""
    found: list[str] = []
    _words(shape, found)
    return list(dict.fromkeys(found))


def _words(shape: Shape, found: list[str]) -> None:
    if isinstance(shape, Table):
        for prop in shape.props.values():
            if prop.unread:
                found.append(prop.unread)
            else:
                _words(prop.shape, found)
    elif isinstance(shape, MapOf):
        _words(shape.value, found)
    elif isinstance(shape, ArrayOf):
        _words(shape.item, found)


def places(shape: Shape, new: Any, at: Path = ()) -> dict[Path, list[str]]:
    """Where the export could not read something: each array or map whose items have unread
    keys (a pipeline's stages, an entity's fields), with those keys' words."""
    out: dict[Path, list[str]] = {}
    if isinstance(shape, Table) and isinstance(new, dict):
        for key, prop in shape.props.items():
            if key in new and not prop.unread:
                out.update(places(prop.shape, new[key], (*at, key)))
    elif isinstance(shape, MapOf) and isinstance(new, dict) and new:
        _here(shape.value, at, out)
        for key, value in new.items():
            out.update(places(shape.value, value, (*at, key)))
    elif isinstance(shape, ArrayOf) and isinstance(new, list) and new:
        _here(shape.item, at, out)
        for n, item in enumerate(new):
            out.update(places(shape.item, item, (*at, n)))
    return out


def _here(item: Shape, at: Path, out: dict[Path, list[str]]) -> None:
    words = [p.unread for p in _props(item) if p.unread]
    if words:
        out[at] = words


def _props(shape: Shape) -> list[Prop]:
    return list(shape.props.values()) if isinstance(shape, Table) else []
