"""Which values differ between two JSON documents, named by path: `label.en`, `items`.

Used to explain a stale plan (portal then -> portal now) and drift (portal -> config). The
comparison is deepdiff's: tables are walked key by key, and a type change counts (`1` against
`true` or `1.0` is a difference, which Python's `==` does not see); a list that differs is
shown whole, as people read a list of items or stages. Both sides are compared in their JSON
form, so a tuple and a list with the same items are equal.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()  # the side where the value does not exist


@dataclass(frozen=True)
class Difference:
    path: tuple[str, ...]  # keys from the document's root; never a list index
    before: Any  # ABSENT when the key is not there
    after: Any

    @property
    def name(self) -> str:
        return ".".join(self.path)


def canonical(value: Any) -> Any:
    """The value as JSON reads it back: tuples are lists, keys are strings, any mapping is an
    object; the key order is kept."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=_plain))


def canonical_text(value: Any) -> str:
    """One text per JSON document: equal texts, equal documents (types included)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=_plain)


def _plain(value: Any) -> Any:
    """What json cannot write by itself: read-only mappings, sets, anything else as text."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def differences(before: Any, after: Any) -> list[Difference]:
    """Every differing value, in the documents' key order (before's keys, then after's)."""
    old, new = canonical(before), canonical(after)
    if canonical_text(old) == canonical_text(new):
        return []  # deepdiff is imported only when there is something to explain
    from deepdiff import DeepDiff

    paths: dict[tuple[str, ...], None] = {}
    for report in DeepDiff(old, new, view="tree").values():
        for level in report:
            paths[_to_table(level.path(output_format="list"))] = None
    order = _Order(old, new)
    return [Difference(p, _get(old, p), _get(new, p)) for p in sorted(paths, key=order.of)]


def _to_table(path: Sequence[Any]) -> tuple[str, ...]:
    """The path cut before its first list index: a list is shown whole."""
    out: list[str] = []
    for step in path:
        if not isinstance(step, str):
            break
        out.append(step)
    return tuple(out)


def _get(doc: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        if not isinstance(doc, Mapping) or step not in doc:
            return ABSENT
        doc = doc[step]
    return doc


class _Order:
    """Sort key of a path: at each level, the key's place among before's then after's keys."""

    def __init__(self, old: Any, new: Any) -> None:
        self.old, self.new = old, new

    def of(self, path: tuple[str, ...]) -> tuple[int, ...]:
        places: list[int] = []
        old, new = self.old, self.new
        for step in path:
            keys = list(dict.fromkeys([*_keys(old), *_keys(new)]))
            places.append(keys.index(step) if step in keys else len(keys))
            old, new = _get(old, (step,)), _get(new, (step,))
        return tuple(places)


def _keys(doc: Any) -> list[str]:
    return list(doc) if isinstance(doc, Mapping) else []
