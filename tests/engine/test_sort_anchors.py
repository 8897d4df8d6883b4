"""SORT settlement: the O(n log n) longest-run search keeps exactly the anchors of the plain
quadratic definition (same run, same tie-breaks), checked on random lists."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as s

from provisioner.kinds.statuses import _anchors


def reference(values: list[int | None]) -> list[int | None]:
    """The previous implementation (quadratic), verbatim: for each index, the longest run
    ending there extends the first longest run before it; the first longest run is kept."""
    idx = [i for i, v in enumerate(values) if v is not None and v > 0]
    best: dict[int, list[int]] = {}
    for i in idx:
        prev = [best[j] for j in best if j < i and values[j] < values[i]]  # type: ignore[operator]
        best[i] = max(prev, key=len, default=[]) + [i]
    keep = set(max(best.values(), key=len, default=[]))  # type: ignore[arg-type]
    return [v if i in keep else None for i, v in enumerate(values)]


SORTS = s.lists(s.one_of(s.none(), s.integers(-3, 40)), max_size=40)


@settings(max_examples=3000, deadline=None)
@given(SORTS)
def test_anchors_match_the_definition(values: list[int | None]) -> None:
    assert _anchors(values) == reference(values)


@settings(max_examples=300, deadline=None)
@given(s.lists(s.integers(1, 10_000), max_size=300))
def test_anchors_match_on_long_lists(values: list[int | None]) -> None:
    assert _anchors(values) == reference(values)


def test_anchors_examples() -> None:
    assert _anchors([]) == []
    assert _anchors([None, 0, -5]) == [None, None, None]
    assert _anchors([30, 10, 20]) == [None, 10, 20]
    assert _anchors([20, 10, 30]) == [20, None, 30]  # the earliest of equal runs
    assert _anchors([10, 10, 20]) == [10, None, 20]  # strictly increasing
