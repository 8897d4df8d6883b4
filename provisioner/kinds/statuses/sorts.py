"""SORT settlement: desired rows get SORT values that keep the live SORT of every row already
in order, so that inserting one stage changes one stage (stages, items, enumeration items)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from operator import attrgetter
from typing import Any, Protocol, TypeVar

from provisioner.model.pairing import alike


class Sortable(Protocol):
    """A row of a list the portal orders by SORT: stages, items, enumeration items."""

    @property
    def code(self) -> str: ...

    @property
    def sort(self) -> int: ...


Row = TypeVar("Row", bound=Sortable)


@dataclass(frozen=True, slots=True)
class Kept:
    """A row the portal will hold beside the desired ones though no live list shows it yet: a
    system stage it makes with a new pipeline (docs/portal-rules.md#default-stages)."""

    code: str
    sort: int


def settle_sorts(desired: Sequence[Row], live: Iterable[Sortable],
                 kept: Iterable[Sortable] = (), made: Iterable[Sortable] = ()) -> Sequence[Row]:
    """Give desired rows SORT values that keep the live SORT of every row already in order,
    so that inserting one stage changes one stage; renumber 10, 20, ... only when no room.
    A row given a new SORT never takes the SORT of a row the config leaves out (a live row
    not desired, or one of `kept`): the portal orders equal SORTs by id, and an export would
    read that order back as a change. `made`: the rows the portal makes by itself with a new
    list (a new pipeline's stages, docs/portal-rules.md#default-stages): a desired row of one
    of their codes keeps the SORT the portal gives it where the order allows, as a live row
    does, so that apply need not write it; one the config leaves out is deleted by apply, so
    its SORT is free (unless it is also `kept`)."""
    if not desired:
        return desired  # nothing to settle (a field without items: most of them)
    rows = live if isinstance(live, (list, tuple)) else list(live)
    made = made if isinstance(made, (list, tuple)) else list(made)
    if not kept and not made and _standing(desired, rows):
        return desired
    return _settle(desired, rows, kept, made)


def _standing(desired: Sequence[Sortable], rows: Sequence[Sortable]) -> bool:
    """The live list is the desired one, row for row, with the desired SORTs, rising from 1
    and codes unique: every SORT is kept as it is (a settled portal's lists; `_settle` gives
    the same, after a pass over its anchors)."""
    if len(rows) != len(desired):
        return False
    previous = 0
    for want, have in zip(desired, rows, strict=True):
        if want.code != have.code or want.sort != have.sort or have.sort <= previous:
            return False
        previous = have.sort
    return len({row.code for row in desired}) == len(desired)


def _settle(desired: Sequence[Row], rows: Sequence[Sortable], kept: Iterable[Sortable],
            made: Sequence[Sortable]) -> Sequence[Row]:
    live_sort = {row.code: row.sort for row in made}
    live_sort.update((row.code, row.sort) for row in rows)
    taken = _left_out(desired, (*rows, *kept))
    anchored = _anchors([live_sort.get(row.code) for row in desired])
    sorts = _fill(anchored, taken, rounded=bool(made))
    if sorts is None:
        sorts = _renumber(len(desired), taken)
    # a row keeps its object when its SORT stands (most rows of a large, settled portal), and
    # the rows their sequence when every SORT stands (no list made: a plan's fewer young objects)
    if all(row.sort == sort for row, sort in zip(desired, sorts, strict=True)):
        return desired
    return [row if row.sort == sort else resorted(row, sort)
            for row, sort in zip(desired, sorts, strict=True)]


def _left_out(desired: Sequence[Sortable], rows: Sequence[Sortable]) -> frozenset[int]:
    """The SORT values of the rows the config leaves out (empty when it leaves none out)."""
    if not rows:
        return frozenset()
    codes = {row.code for row in desired}
    return frozenset(row.sort for row in rows if row.code not in codes)


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


def _fill(values: list[int | None], taken: frozenset[int], rounded: bool = False
          ) -> list[int] | None:
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
        high = values[j] if j < len(values) else None
        chosen = _spread(low, high, gap, taken, rounded)
        if chosen is None:
            return None
        out.extend(chosen)
        i = j
    return out


def _spread(low: int, high: int | None, gap: int, taken: frozenset[int], rounded: bool = False
            ) -> list[int] | None:
    """`gap` SORT values between `low` and `high` (None: after the last row, any room), spread
    evenly and none in `taken` (`rounded`: see `_between`); None when they do not fit."""
    top = high if high is not None else low + 10 * (gap + 1)
    while True:
        chosen = _between(low, top, gap, taken, rounded and high is not None)
        if chosen is not None or high is not None:
            return chosen
        top += 10 * (gap + 1)  # after the last row there is always room further on


def _between(low: int, high: int, gap: int, taken: frozenset[int], rounded: bool = False
             ) -> list[int] | None:
    """`gap` values strictly between `low` and `high`, none in `taken`, spread evenly; with
    `rounded` (a new list, settled around the rows the portal makes), multiples of 10, 5 or 2
    first where they fit: a plan reads 10, 20, 30, 40, 60, 70, not 10, 22, 35, 47, 60, 70."""
    for step in ROUND_STEPS if rounded else ():
        multiples = _multiples(low, high, gap, step, taken)
        if multiples is not None:
            return multiples
    out: list[int] = []
    previous = low
    for k in range(gap):
        value = max(low + (high - low) * (k + 1) // (gap + 1), previous + 1)
        while value in taken:
            value += 1
        if value + (gap - k - 1) >= high:  # no room left for the rows after it
            return None
        out.append(value)
        previous = value
    return out


ROUND_STEPS = (10, 5, 2)


def _multiples(low: int, high: int, gap: int, step: int, taken: frozenset[int]
               ) -> list[int] | None:
    """The first `gap` multiples of `step` above `low` and not in `taken`, if all are below
    `high`."""
    out: list[int] = []
    value = low - low % step
    while len(out) < gap:
        value += step
        if value >= high:
            return None
        if value not in taken:
            out.append(value)
    return out


def _renumber(count: int, taken: frozenset[int]) -> list[int]:
    """10, 20, 30, ...; a value in `taken` moves up to the next free one."""
    out: list[int] = []
    previous = 0
    for index in range(count):
        value = max(10 * (index + 1), previous + 1)
        while value in taken:
            value += 1
        out.append(value)
        previous = value
    return out


_CODE = attrgetter("code")  # a row's address is its list's and its code (rows.py)


def alike_rows(parent: Any, desired: Sequence[Any], live: Sequence[Any]) -> bool:
    """Whether the settled desired rows of the list at `parent` may be left out of the
    comparison with the live ones: equal one by one, each code once (`alike`), every row of
    both sides under `parent` (equality leaves the owner out: a pipeline matched under
    another key keeps its stages' owner), and no row matched by its `moved_from` (a rename
    the plan notes)."""
    return alike(desired, live, _CODE) and \
        all(row.owner == parent for row in desired) and \
        all(row.owner == parent for row in live) and \
        not any(getattr(row, "moved_from", None) for row in desired)
