"""SORT settlement: the O(n log n) longest-run search keeps exactly the anchors of the plain
quadratic definition (same run, same tie-breaks), checked on random lists."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as s
from profiles import examples

from provisioner.kinds.fields.model import EnumItem
from provisioner.kinds.statuses import Item, Stage
from provisioner.kinds.statuses.sorts import _anchors, _settle, resorted, settle_sorts
from provisioner.model.address import Address


def reference(values: list[int | None]) -> list[int | None]:
    """The previous implementation (quadratic), verbatim: for each index, the longest run
    ending there extends the first longest run before it; the first longest run is kept."""
    idx = [i for i, v in enumerate(values) if v is not None and v > 0]
    best: dict[int, list[int]] = {}
    for i in idx:
        prev = [best[j] for j in best if j < i and values[j] < values[i]]  # type: ignore[operator]
        best[i] = max(prev, key=len, default=[]) + [i]  # noqa: RUF005 - verbatim, see above
    keep = set(max(best.values(), key=len, default=[]))  # type: ignore[arg-type]
    return [v if i in keep else None for i, v in enumerate(values)]


SORTS = s.lists(s.one_of(s.none(), s.integers(-3, 40)), max_size=40)


@settings(max_examples=examples(3000), deadline=None)
@given(SORTS)
def test_anchors_match_the_definition(values: list[int | None]) -> None:
    assert _anchors(values) == reference(values)


@settings(max_examples=examples(300), deadline=None)
@given(s.lists(s.integers(1, 10_000), max_size=300))
def test_anchors_match_on_long_lists(values: list[int | None]) -> None:
    assert _anchors(values) == reference(values)


def test_anchors_examples() -> None:
    assert _anchors([]) == []
    assert _anchors([None, 0, -5]) == [None, None, None]
    assert _anchors([30, 10, 20]) == [None, 10, 20]
    assert _anchors([20, 10, 30]) == [20, None, 30]  # the earliest of equal runs
    assert _anchors([10, 10, 20]) == [10, None, 20]  # strictly increasing


# ---- resorted: replace(row, sort=...) without the constructor ------------------------------

SALES = Address.of("deal.pipeline", "sales")
ROWS = [Stage("NEW", "New", "#00FF00", "process", 10, SALES, "stage", None, 7, True, "C1:NEW"),
        Item("WEB", "Website", 20, Address.of("list", "SOURCE"), "item", 3, False),
        EnumItem(Address.of("deal.field", "UF_CRM_X"), "A", "Alpha", True, 30, 9)]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: type(r).__name__)
def test_resorted_is_replace(row: Any) -> None:
    new = resorted(row, 55)
    want = replace(row, sort=55)
    assert new == want and new.sort == 55 and row.sort != 55  # the row itself is untouched
    assert [getattr(new, n) for n in type(row).__slots__] == \
        [getattr(want, n) for n in type(row).__slots__]  # live-only values and address too
    assert new.address is row.address


def _rows(codes_sorts: list[tuple[str, int]]) -> list[Stage]:
    return [Stage(code, code, sort=sort) for code, sort in codes_sorts]


CODES = s.lists(s.tuples(s.sampled_from("ABCDE"), s.integers(-2, 60)), max_size=6)


@settings(max_examples=examples(2000), deadline=None)
@given(CODES, s.booleans(), s.permutations(range(6)), s.integers(0, 6))
def test_a_standing_list_is_settled_as_the_anchors_settle_it(
        rows: list[tuple[str, int]], same: bool, order: list[int], cut: int) -> None:
    """The shortcut for a list that stands as desired (`_standing`) answers as the whole
    settlement does: on lists equal to the desired ones (often) and near them."""
    desired = _rows(rows)
    live = _rows(rows) if same else _rows([rows[i] for i in order if i < len(rows)][:cut])
    assert settle_sorts(desired, live) == _settle(desired, live, (), ())
