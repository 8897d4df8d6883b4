"""Request counts of plans and applies (docs/benchmarks.md): exact numbers on small portals.

The sandbox counts every HTTP request; a `batch` of up to 50 calls is one
(docs/portal-rules.md#batch). The lower bound of a plan is ceil(read calls / 50); of an apply,
ceil(write calls / 50) plus the dependency depth. These tests pin the numbers, so that a change that costs a request
shows up here; `python -m bench.run` measures large portals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pytest

from bench.floor import read_floor
from bench.portal import L1, fill
from provisioner.client import BitrixClient
from provisioner.engine.applier import apply
from provisioner.engine.cost import apply_requests
from provisioner.engine.live import LiveState, read_live
from provisioner.engine.loader import load_desired
from provisioner.engine.planner import make_plan
from provisioner.kinds import KINDS
from provisioner.kinds.fields.labels import OTHER
from provisioner.kinds.smart_processes.live import FIELD_PAGES_AHEAD
from provisioner.model import Plan
from provisioner.sandbox import Sandbox
from provisioner.sandbox.crm import categories as cats
from provisioner.sandbox.portal import MemoryStores
from provisioner.sandbox.store import Store
from provisioner.sandbox.crm import types
from provisioner.sandbox.crm import userfields as uf
from helpers import CONFIG as SEED

PORTAL_CONFIG = SEED
LANGUAGES = 2  # the smart-process field list is read first in ru and en
LOOK_AHEAD = FIELD_PAGES_AHEAD


class Recording:
    """Forwards to a BitrixClient and keeps every sub-call of every batch."""

    def __init__(self, client: BitrixClient) -> None:
        self.client = client
        self.sub_calls: list[tuple[str, str]] = []
        self.starts: list[tuple[str, int]] = []  # each sub-call's method and start (0: none)
        self.batches: list[int] = []

    def batch(self, calls: Mapping[str, tuple[str, Mapping[str, Any]]], halt: bool = False, rows: Any = None
              ) -> Any:
        self.batches.append(len(calls))
        self.sub_calls.extend((m, repr(sorted(dict(p).items()))) for m, p in calls.values())
        self.starts.extend((m, int(p.get("start", 0))) for m, p in calls.values())
        return self.client.batch(calls, halt=halt, rows=rows)


def portal() -> tuple[Sandbox, Recording]:
    sb = Sandbox.in_memory()
    return sb, Recording(BitrixClient.from_webhook(sb.webhook_url, session=sb.session()))


def requests_of(sb: Sandbox, fn: Any) -> tuple[Any, int]:
    before = sb.requests.total
    value = fn()
    return value, sb.requests.total - before


def spa_fields(sb: Sandbox, processes: int, fields: int) -> int:
    """Smart processes with custom fields, every third an enumeration, written into the store;
    returns the number of enumeration fields."""
    enums = 0
    with sb.stores.transaction() as store, store.lock:
        for n in range(processes):
            spa = types.add_type(store, {"title": f"Process {n}", "isCategoriesEnabled": "Y",
                                         "isStagesEnabled": "Y"}, 1)
            entity = f"CRM_{spa['id']}"
            for i in range(fields):
                enum = i % 3 == 0
                enums += enum
                items = [{"VALUE": "a", "XML_ID": "a"}] if enum else None
                uf.create_field(store, entity, f"UF_{entity}_F{i}",
                                "enumeration" if enum else "string", {"LABEL": f"F{i}",
                                                                      "LIST": items})
        sb.stores.commit(store)
    return enums


def no_repeats(client: Recording) -> bool:
    return len(client.sub_calls) == len(set(client.sub_calls))


# ---- portal-config/ ------------------------------------------------------------------------

def test_portal_config_apply_from_empty_then_no_op_plan() -> None:
    """portal-config/ on a new portal: 1 request to read, 2 to apply (one per round: the smart
    process with the read of the stages its pipeline came with, then its pipeline's stages and
    its fields; 3 before issue 18's apply4, which read those stages in a round of their own),
    then
    a no-op plan reads in 3 (the smart process's own reads depend on the first batch; the
    deal fields' lists are counted in it and read in the second, and their labels in every
    other language, read_live's default, in a third)."""
    sb, client = portal()
    desired = load_desired(PORTAL_CONFIG)
    plan, read = requests_of(sb, lambda: make_plan(desired, read_live(client)))
    assert read == 1
    assert plan.has_actionable
    calls_before = len(client.sub_calls)
    # the writes alone: apply's re-read of the portal before them (one read request, the
    # stale-plan check) is tested in tests/reliability/test_concurrent_apply.py
    report, wrote = requests_of(sb, lambda: apply(plan, client, reread=False))
    writes = len(client.sub_calls) - calls_before
    assert writes == len(report.done)
    assert wrote == 2, "portal-config/ changed? recount and update this test"
    assert wrote <= math.ceil(writes / 50) + 2
    client.sub_calls.clear()
    again, read = requests_of(sb, lambda: make_plan(desired, read_live(client)))
    assert read == 3
    assert not again.has_actionable
    assert no_repeats(client)


def test_apply_estimate_of_portal_config_is_close() -> None:
    sb, client = portal()
    desired = load_desired(PORTAL_CONFIG)
    plan: Plan = make_plan(desired, read_live(client))
    estimate = apply_requests(plan.changes, plan.desired_nodes, plan.live_nodes, KINDS)
    _, wrote = requests_of(sb, lambda: apply(plan, client))
    assert abs(estimate - wrote) <= 1


# ---- reads ---------------------------------------------------------------------------------

def test_read_of_a_new_portal_is_one_request() -> None:
    sb, client = portal()
    live, read = requests_of(sb, lambda: read_live(client))
    assert read == 1 == live.requests == len(client.batches)
    assert no_repeats(client)


def test_many_pipelines_still_one_request() -> None:
    """crm.category.list and crm.status.list answer everything at once: no paging."""
    sb, client = portal()
    with sb.stores.transaction() as store, store.lock:
        for n in range(120):
            cats.add_category(store, cats.Owner(2, "DEAL"), {"name": f"Line {n}"})
        sb.stores.commit(store)
    live, read = requests_of(sb, lambda: read_live(client))
    assert read == 1
    assert len(live.parts["deal.pipelines"]) == 121


def label_reads(fields: int, enums: int) -> int:
    """The reads of the labels in the portal's other languages (kinds/smart_processes/live.py):
    a get of every field besides the enumerations (read by get anyway), or a list per other
    language and page, whichever takes fewer calls."""
    pages = max(1, math.ceil(fields / 50))
    return min(fields - enums, len(OTHER) * pages) if fields else 0


# The requests of one smart process's `fields` fields, every third an enumeration: the first
# batch (ru and en lists with LOOK_AHEAD pages each, and more of their pages in the slots the
# other first reads leave), the pages still missing, then the reads that depend
# on the lists (the type, its pipelines, a get per enumeration field and the labels in the other
# languages: label_reads), their own pages batched the same way. 251 took 6 before the slots
# were filled (its sixth page in a round of its own).
PAGED_READS = {49: 2, 50: 2, 51: 3, 250: 5, 251: 5, 900: 15}


@pytest.mark.parametrize("fields", sorted(PAGED_READS))
def test_paged_lists_are_read_once_with_their_pages_batched(fields: int) -> None:
    """userfieldconfig.list pages by 50: the first batch also asks for the next LOOK_AHEAD
    pages; any page still missing goes out in one more batch (or more, by 50); the reads that
    depend on the complete list (enumeration items, the type, its pipelines, the labels in the
    other languages) go last; no page is read twice."""
    sb, client = portal()
    enums = spa_fields(sb, 1, fields)
    live, read = requests_of(sb, lambda: read_live(client))
    pages = math.ceil(fields / 50)
    by_list = label_reads(fields, enums) == len(OTHER) * pages  # else gets
    assert read == live.requests == len(client.batches) == PAGED_READS[fields]
    assert no_repeats(client), "a page was read twice"
    listed = sum(1 for m, _ in client.sub_calls if m == "userfieldconfig.list")
    gets = sum(1 for m, _ in client.sub_calls if m == "userfieldconfig.get")
    assert gets == (enums if by_list else fields)
    # ru and en, then each other language's pages; besides, pages guessed past the end in
    # a batch's spare slots
    assert listed >= LANGUAGES * max(pages, 1 + LOOK_AHEAD) + (len(OTHER) * pages
                                                               if by_list else 0)
    spa = live.parts["smart_processes"][0]
    assert len(spa.fields) == fields


def test_no_op_plan_of_a_small_portal_meets_the_lower_bound() -> None:
    """8 smart processes of 30 fields: 5 requests (3 before the labels in the portal's other
    languages were read), which is ceil(read calls / 50)."""
    sb, client = portal()
    spa_fields(sb, 8, 30)
    live, read = requests_of(sb, lambda: read_live(client))
    # the pages of the field lists guessed past their end in the first batch's free slots
    guessed_past_end = sum(1 for m, start in client.starts
                           if m == "userfieldconfig.list" and start >= 8 * 30)
    needed = len(client.sub_calls) - guessed_past_end
    assert read == 5 == math.ceil(needed / 50)
    assert isinstance(live, LiveState)


# The bench's portals (bench/portal.py, L1 times n) and the requests a plan's read of each takes.
# L4 and L10 meet the floor (bench/floor.py: the calls the kinds need, 50 a batch); L1 takes one
# more: its lists' every page is in the first batch, whose other slots nothing useful can fill
# before its answers. Before: L4 10 and L10 23 (the first batch went out with 25 calls, and the
# smart processes' types and pipelines waited for the pages of their field lists).
BENCH_READS = {1: (4, 3), 4: (9, 9), 10: (22, 22)}


@pytest.mark.parametrize("size", sorted(BENCH_READS))
def test_a_plan_of_a_bench_portal_reads_in_full_batches(size: int) -> None:
    """Every batch of the read but the last goes out full: the first batch's free slots ask
    for more pages of the smart processes' field lists, and the reads that need only the type
    list (each type and its pipelines) fill the slots the rounds of pages leave."""
    store = fill(Store.new(), L1.times(size))
    sb = Sandbox(MemoryStores(store))
    client = Recording(BitrixClient.from_webhook(sb.webhook_url, session=sb.session()))
    live, read = requests_of(sb, lambda: read_live(client, languages={}))
    assert (read, read_floor(store).requests) == BENCH_READS[size]
    assert read == live.requests == len(client.batches)
    assert client.batches[:-1] == [50] * (read - 1)
    assert no_repeats(client)
