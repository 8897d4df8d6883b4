"""crm.status.list's rows grouped once, by the read itself (`STATUSES.keep`), for the four kinds
that read them (statuses/rows.py): no state kept between plans."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from provisioner.kinds.statuses import rows

ROW = st.fixed_dictionaries({
    "ID": st.integers(1, 10_000).map(str), "SORT": st.integers(0, 50).map(str),
    "ENTITY_ID": st.sampled_from(["STATUS", "SOURCE", "DEAL_STAGE", "DEAL_STAGE_3"])})


def _grouped(found: Any) -> dict[str, list[Any]]:
    return {key: list(value) for key, value in found.items()}


@given(st.lists(ROW, max_size=30), st.lists(ROW, max_size=30))
def test_by_entity_is_the_grouping_of_the_rows_it_is_given(first: list[Any],
                                                           second: list[Any]) -> None:
    by_entity = lambda r: str(r.get("ENTITY_ID"))  # noqa: E731
    assert _grouped(rows.by_entity(first)) == rows.group(first, by_entity)
    kept = rows.grouped(first)  # what the read keeps: the kinds are handed it as it is
    assert _grouped(kept) == rows.group(first, by_entity)
    assert rows.by_entity(kept) is kept
    assert _grouped(rows.by_entity(second)) == rows.group(second, by_entity)
    copy = [*first, {"ID": "99999", "SORT": "1", "ENTITY_ID": "LATE"}]  # another answer
    assert _grouped(rows.grouped(copy)) == rows.group(copy, by_entity)
    assert rows.STATUSES.keep is rows.grouped


def test_an_answer_not_as_documented_is_kept_as_it_came() -> None:
    """The kind that reads it then says what is wrong with it (engine/live.py)."""
    for answer in ("oops", ["a", "b"], {"1": {"ID": "1"}},
                   [{"ID": "1", "SORT": "ten", "ENTITY_ID": "STATUS"}, {"ID": "2"}]):
        assert rows.grouped(answer) is answer
