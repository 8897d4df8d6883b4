"""SORT settlement: desired rows get SORT values that keep the live SORT of every row already
in order, so that inserting one stage changes one stage (stages, items, enumeration items)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Protocol, TypeVar


class Sortable(Protocol):
    """A row of a list the portal orders by SORT: stages, items, enumeration items."""

    @property
    def code(self) -> str: ...

    @property
    def sort(self) -> int: ...


Row = TypeVar("Row", bound=Sortable)


def settle_sorts(desired: Sequence[Row], live: Iterable[Row]) -> Sequence[Row]:
    """Give desired rows SORT values that keep the live SORT of every row already in order,
    so that inserting one stage changes one stage; renumber 10, 20, ... only when no room."""
    live_sort = {row.code: row.sort for row in live}
    anchored = _anchors([live_sort.get(row.code) for row in desired])
    sorts = _fill(anchored)
    if sorts is None:
        sorts = [10 * (i + 1) for i in range(len(desired))]
    # a row keeps its object when its SORT stands (most rows of a large, settled portal), and
    # the rows their sequence when every SORT stands (no list made: a plan's fewer young objects)
    if all(row.sort == sort for row, sort in zip(desired, sorts, strict=True)):
        return desired
    return [row if row.sort == sort else resorted(row, sort) for row, sort in zip(desired, sorts, strict=True)]


def resorted(row: Row, sort: int) -> Row:
    """`replace(row, sort=sort)` without running the constructor again: code and owner stand,
    so the address does, and is not made anew (`dataclasses.replace` here costs a fifth more
    CPU for the diff of L10, docs/benchmarks.md). The rows are frozen dataclasses with slots
    and no base class: their own `__slots__` name every field, and the copy is new, so setting
    its fields changes nothing anyone holds."""
    cls = type(row)
    new = object.__new__(cls)
    for name in cls.__dict__["__slots__"]:
        object.__setattr__(new, name, getattr(row, name))
    object.__setattr__(new, "sort", sort)
    return new


def _anchors(values: list[int | None]) -> list[int | None]:
    """Keep the longest strictly increasing run of known SORT values (positive ones); among
    runs of that length, the one ending first, each step taking its earliest predecessor.
    Patience sorting, O(n log n): a list of 3,000 items settles as fast as its length."""
    known = [v for v in values if v is not None and v > 0]
    if all(a < b for a, b in pairwise(known)):  # already in order: the run is all of them
        return [v if v is not None and v > 0 else None for v in values]
    parent, node = _run_parents(values)
    keep: set[int] = set()
    while node is not None:
        keep.add(node)
        node = parent[node]
    return [v if i in keep else None for i, v in enumerate(values)]


def _run_parents(values: list[int | None]) -> tuple[dict[int, int | None], int | None]:
    """Each known index's predecessor in its longest run, and the last index of the longest
    run. Level k holds the indices whose longest run ending there has k + 1 values, in
    index order; their values never increase, so `keys` (the values negated) stays sorted."""
    level: list[list[int]] = []
    keys: list[list[int]] = []
    tops: list[int] = []  # the lowest value of each level
    parent: dict[int, int | None] = {}
    for i, v in enumerate(values):
        if v is None or v <= 0:
            continue
        k = bisect.bisect_left(tops, v)
        parent[i] = level[k - 1][bisect.bisect_right(keys[k - 1], -v)] if k else None
        if k == len(tops):
            tops.append(v)
            level.append([])
            keys.append([])
        tops[k] = min(tops[k], v)
        level[k].append(i)
        keys[k].append(-v)
    return parent, (level[-1][0] if level else None)


def _fill(values: list[int | None]) -> list[int] | None:
    out: list[int] = []
    i = 0
    while i < len(values):
        if values[i] is not None:
            out.append(values[i])  # type: ignore[arg-type]
            i += 1
            continue
        j = i
        while j < len(values) and values[j] is None:
            j += 1
        low = out[-1] if out else 0
        gap = j - i
        high = values[j] if j < len(values) else low + 10 * (gap + 1)
        if high is None or high - low - 1 < gap:
            return None
        out.extend(low + (high - low) * (k + 1) // (gap + 1) for k in range(gap))
        i = j
    return out
