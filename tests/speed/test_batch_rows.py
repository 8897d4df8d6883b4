"""Read batches stay well under what the client reads from one answer (issue 18): the field
lists each answer every field at once, so a batch holds as many as the client's limit allows
(ROWS rows at 32 MiB), and the small reads fill its other slots; the classic field lists, whose
length nothing tells before the first batch, are counted in it and read in the next round."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from hypothesis import given
from hypothesis import strategies as hs

from provisioner.client import BitrixClient
from provisioner.engine.live import read_live
from provisioner.kinds.fields.kind import Fields
from provisioner.engine.reader import BATCH, MIB, ROWS, ROWS_PER_MIB, _chunks, row_budget
from provisioner.sandbox import Sandbox
from provisioner.sandbox.crm import userfields as uf


@given(hs.lists(hs.sampled_from([0, 0, 0, 10, 1_500, 5_000, ROWS, ROWS + 1]), max_size=300))
def test_chunks_hold_every_call_once_within_batch_and_rows(sizes: list[int]) -> None:
    commands = {f"k{i}": ("m", {}) for i in range(len(sizes))}
    rows = {f"k{i}": n for i, n in enumerate(sizes) if n}
    chunks = _chunks(commands, rows)
    keys = [k for chunk in chunks for k in chunk]
    assert sorted(keys) == sorted(commands)
    for chunk in chunks:
        large = [rows[k] for k in chunk if rows.get(k, 0) > 0]
        assert 0 < len(chunk) <= BATCH
        assert sum(large) <= ROWS or len(large) == 1  # one list larger than ROWS goes alone
    # never more batches than the counted lists need, and the other calls fill the rest
    large_batches = len([c for c in chunks if any(rows.get(k, 0) > 0 for k in c)])
    assert len(chunks) <= large_batches + math.ceil(
        max(0, len(sizes) - BATCH * large_batches) / BATCH)


def test_without_counts_chunks_are_batches_of_50() -> None:
    commands = {f"k{i}": ("m", {}) for i in range(120)}
    assert [len(c) for c in _chunks(commands, {})] == [50, 50, 20]


class Recording:
    """Forwards to a BitrixClient; keeps the rows each batch's deal-field lists answered."""

    def __init__(self, client: BitrixClient) -> None:
        self.client = client
        self.max_answer_bytes = client.max_answer_bytes
        self.rows: list[int] = []

    def batch(self, calls: Mapping[str, tuple[str, Any]], halt: bool = False, rows: Any = None) -> Any:
        out = self.client.batch(calls, halt=halt, rows=rows)
        self.rows.append(sum(len(out.results[k]) for k, (m, _) in calls.items()
                             if m == "crm.deal.userfield.list"))
        return out


def capped(sb: Sandbox, rows: int) -> BitrixClient:
    """A client whose answer limit gives read batches a budget of `rows` rows."""
    client = BitrixClient.from_webhook(sb.webhook_url, session=sb.session(),
                                       max_answer_bytes=math.ceil(rows * MIB / ROWS_PER_MIB))
    assert row_budget(client) == rows
    return client


def test_the_row_budget_follows_the_clients_limit() -> None:
    sb = Sandbox.in_memory()
    assert row_budget(BitrixClient.from_webhook(sb.webhook_url, session=sb.session())) == ROWS
    assert row_budget(object()) == ROWS  # a client that does not say
    assert row_budget(capped(sb, 300)) == 300


def test_label_lists_are_split_by_rows_and_read_the_same() -> None:
    """Fails before issue 18's change: the 19 lists of 60 rows went out in one batch (1,140
    rows against a budget of 300)."""
    sb = Sandbox.in_memory()
    with sb.stores.transaction() as store, store.lock:
        for i in range(60):
            uf.create_field(store, "CRM_DEAL", f"UF_CRM_F{i}", "string", {"LABEL": f"F{i}"})
        sb.stores.commit(store)
    whole = read_live(BitrixClient.from_webhook(sb.webhook_url, session=sb.session()))
    recording = Recording(capped(sb, 300))
    split = read_live(recording)
    assert recording.rows[0] == 0  # the first batch counts the fields (60), reads no list
    assert max(recording.rows) <= 300
    assert split.requests > whole.requests
    assert split.parts["deal.fields"] == whole.parts["deal.fields"]
    assert split.fingerprint == whole.fingerprint


class Sizes:
    """Forwards to a BitrixClient; keeps each batch's calls and the size of its answer."""

    def __init__(self, client: BitrixClient) -> None:
        self.client = client
        self.max_answer_bytes = client.transport.max_bytes
        self.batches: list[tuple[list[str], int]] = []

    def batch(self, calls: Mapping[str, tuple[str, Any]], halt: bool = False, rows: Any = None) -> Any:
        out = self.client.batch(calls, halt=halt, rows=rows)
        size = len(json.dumps(out.results, ensure_ascii=False).encode())
        self.batches.append(([m for m, _ in calls.values()], size))
        return out


def classic_fields(sb: Sandbox, count: int) -> None:
    """`count` fields on each classic entity, every third an enumeration of 10 items (as
    bench/portal.py makes them)."""
    with sb.stores.transaction() as store, store.lock:
        for entity in ("CRM_LEAD", "CRM_DEAL", "CRM_CONTACT", "CRM_COMPANY", "CRM_QUOTE"):
            for i in range(count):
                items = {"LIST": [{"VALUE": f"Option {i}.{n}", "XML_ID": f"o{n}"}
                                  for n in range(10)]} if i % 3 == 0 else {}
                uf.create_field(store, entity, f"UF_{entity}_F{i}",
                                "enumeration" if items else "string",
                                {"LABEL": f"Field {i}", **items})
        sb.stores.commit(store)


def test_classic_field_lists_are_counted_first_and_each_answer_fits() -> None:
    """The ten classic field lists (five entities, ru and en) answer every field at once; the
    first batch counts them (userfieldconfig.list's total) and reads none, the next round reads
    them in batches their rows fit. With a client reading at most 100 KiB an answer, every
    answer stays under it and the live state is the one read in one batch. Fails before (the
    lists in the first batch whatever their length: its answer ran past 100 KiB,
    ANSWER_TOO_LARGE)."""
    sb = Sandbox.in_memory()
    classic_fields(sb, 30)
    whole = read_live(BitrixClient.from_webhook(sb.webhook_url, session=sb.session()), languages={})
    cap = 100 * 1024
    sizes = Sizes(BitrixClient.from_webhook(sb.webhook_url, session=sb.session(),
                                            max_answer_bytes=cap))
    split = read_live(sizes, languages={})  # a plan's read: labels in ru and en
    assert split.parts == whole.parts
    assert split.fingerprint == whole.fingerprint
    assert len(split.parts["deal.fields"]) == 30
    assert all(size < cap for _, size in sizes.batches)
    first = sizes.batches[0][0]
    assert not any(m.endswith(".userfield.list") for m in first)
    # ru, en, 4 pages ahead each and 5 counts; more of their pages in every slot the other 10
    # first reads leave
    assert len(first) == 50 and first.count("userfieldconfig.list") == 50 - 10
    lists = [sum(m.endswith(".userfield.list") for m in methods) for methods, _ in sizes.batches]
    assert sum(lists) == 10 and max(lists) < 10  # split by the client's limit
    assert split.requests == len(sizes.batches) == 1 + len([n for n in lists if n])


def test_lists_counted_empty_are_not_asked() -> None:
    """A portal without classic fields: the counts answer 0 and the lists' answers are the
    empty lists the portal gives, without asking (one request, as before the counts)."""
    sb = Sandbox.in_memory()
    sizes = Sizes(BitrixClient.from_webhook(sb.webhook_url, session=sb.session()))
    live = read_live(sizes)
    assert len(sizes.batches) == live.requests == 1
    assert live.parts["deal.fields"] == ()


def test_a_count_that_fails_sends_its_lists_alone() -> None:
    """A webhook that may not call userfieldconfig.list: the count fails, and each list of
    unknown length goes out in a batch of its own (the whole budget), read all the same."""
    sb = Sandbox.in_memory()
    classic_fields(sb, 3)
    url = sb.add_webhook(["crm"])
    sizes = Sizes(BitrixClient.from_webhook(url, session=sb.session()))
    live = read_live(sizes, kinds=[Fields("deal"), Fields("lead")], languages={})
    lists = [sum(m.endswith(".userfield.list") for m in methods) for methods, _ in sizes.batches]
    assert lists == [0, 1, 1, 1, 1]
    assert len(live.parts["deal.fields"]) == 3 == len(live.parts["lead.fields"])
