"""The read-back of the stages new pipelines come with (issue 18, apply4): the whole status list
once a batch while the portal's rows and the config's, together, are at most half of
`WHOLE_ROWS` (5,000), else one filtered read a pipeline. The contract suite applies a quarter of its
examples with the threshold at 0 (contract_flow.whole_rows); here, its edge."""

from __future__ import annotations

import pytest

from provisioner.kinds import statuses as st
from provisioner.kinds.statuses import writes
from provisioner.model.address import Address


def _rows(count: int, side: str) -> dict[Address, st.Item]:
    owner = Address.of("list", side)
    return {item.address: item for item in
            (st.Item(f"I{n}", "x", 10 * n, owner=owner) for n in range(count))}


@pytest.mark.parametrize(("live", "desired", "whole"), [
    (2_500, 2_500, True), (0, 5_000, True), (5_000, 0, True), (2_500, 2_501, False),
    (5_001, 0, False), (0, 5_001, False)])
def test_the_whole_list_is_read_up_to_the_threshold(live: int, desired: int,
                                                    whole: bool) -> None:
    assert writes.WHOLE_ROWS == 10_000
    assert st.whole_reads(_rows(desired, "D"), _rows(live, "L")) is whole


def test_the_threshold_is_read_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writes, "WHOLE_ROWS", 0)
    assert st.whole_reads(_rows(1, "D"), {}) is False
    assert st.whole_reads({}, {}) is True
