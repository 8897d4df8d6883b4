"""A lying `total` in the engine's read (in-process: the sandbox behind a client that bends the
paging of one list). Pages are asked a round at a time and must bear the total out, so a lie
costs one round of requests, never a request, a key or a byte per page it claims (issue 14
item 6: `total = 10**12` allocated 5 GB after one request)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Mapping
from typing import Any

import pytest

from provisioner.client import BitrixClient, MalformedResponse
from provisioner.client.models import BatchResult
from provisioner.client.paging import MAX_PAGES
from provisioner.engine.live import read_live
from provisioner.sandbox import Sandbox

Pages = dict[int, list[dict[str, str]]]


class BentUsers:
    """The sandbox, but `user.get` answers `pages[start]` with the `total` given."""

    def __init__(self, total: int, page: Any) -> None:
        sb = Sandbox.in_memory()
        self.client = BitrixClient.from_webhook(sb.webhook_url, session=sb.session())
        self.total = total
        self.page = page
        self.requests = 0
        self.commands = 0

    def batch(self, calls: Mapping[str, tuple[str, Mapping[str, Any]]],
              halt: bool = False, rows: Any = None) -> BatchResult:
        self.requests += 1
        self.commands += len(calls)
        out = self.client.batch(calls, halt, rows=rows)
        results, totals, nexts = dict(out.results), dict(out.totals), dict(out.nexts)
        for key, (method, params) in calls.items():
            if method == "user.get":
                start = int(params.get("start") or 0)
                results[key] = self.page(start)
                totals[key] = self.total
                if start + 50 < self.total and results[key]:
                    nexts[key] = start + 50
                else:
                    nexts.pop(key, None)
        return BatchResult(results, out.errors, totals, nexts, out.times)


def _users(start: int, count: int = 50) -> list[dict[str, str]]:
    return [{"ID": str(start + i + 1), "EMAIL": f"u{start + i}@x.example", "ACTIVE": "Y"}
            for i in range(count)]


def test_a_total_no_page_bears_out_costs_one_round() -> None:
    """Before: every page the total claims was asked (20,000 pages in 400 batches here; with
    10**12, 5 GB of page keys before the first of them)."""
    portal = BentUsers(10**6, lambda start: _users(0) if start == 0 else [])
    with pytest.raises(MalformedResponse) as info:
        read_live(portal)
    assert str(info.value) == (
        "user.get: MALFORMED_RESPONSE (provision's own code): the list said total=1000000, but its page at start=50 "
        "holds 0 rows instead of 50 (a total no page bears out, or rows added or deleted while "
        "it was read: run again)")
    assert portal.requests == 1  # the first batch asked 2 pages ahead: the first one is empty


def test_a_total_of_10_to_the_12_stays_small() -> None:
    portal = BentUsers(10**12, lambda start: _users(0) if start == 0 else [])
    tracemalloc.start()
    try:
        with pytest.raises(MalformedResponse, match="total=1000000000000"):
            read_live(portal)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30 * 1024 * 1024 and portal.requests == 1


def test_full_pages_for_ever_stop_at_the_page_bound() -> None:
    portal = BentUsers(10**9, lambda start: _users(start))
    with pytest.raises(MalformedResponse, match=rf"^user\.get: MALFORMED_RESPONSE \(provision's own code\): the list said "
                                                rf"total=1000000000: more than {MAX_PAGES} pages"):
        read_live(portal)
    assert portal.requests <= MAX_PAGES // 50 + 2


def test_a_page_fuller_than_the_total_allows_is_a_lie() -> None:
    portal = BentUsers(120, lambda start: _users(start, 50 if start < 100 else 35))
    with pytest.raises(MalformedResponse, match="its page at start=100 holds 35 rows instead "
                                                "of 20"):
        read_live(portal)


def test_an_honest_long_list_is_read_whole_in_as_many_requests_as_before() -> None:
    portal = BentUsers(260, lambda start: _users(start, min(50, 260 - start)))
    live = read_live(portal)
    assert len(live.parts["automation"].users) == 260
    assert portal.requests == 2  # the first batch (2 pages ahead), then the 3 missing pages