"""Read batches stay well under what the client reads from one answer (issue 18): the label
lists in the portal's other languages each answer every field at once, so a batch holds as many
as ROWS rows allow, and the small reads fill its other slots."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from provisioner.client import BitrixClient
from provisioner.engine import live
from provisioner.engine.live import BATCH, PAGE, ROWS, _chunks, read_live
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
        large = [rows[k] for k in chunk if rows.get(k, 0) > PAGE]
        assert 0 < len(chunk) <= BATCH
        assert sum(large) <= ROWS or len(large) == 1  # one list larger than ROWS goes alone
    # never more batches than the large lists need, and the small calls fill the rest
    large_batches = len([c for c in chunks if any(rows.get(k, 0) > PAGE for k in c)])
    assert len(chunks) <= large_batches + math.ceil(
        max(0, len(sizes) - BATCH * large_batches) / BATCH)


def test_without_counts_chunks_are_batches_of_50() -> None:
    commands = {f"k{i}": ("m", {}) for i in range(120)}
    assert [len(c) for c in _chunks(commands, {})] == [50, 50, 20]


class Recording:
    """Forwards to a BitrixClient; keeps the rows each batch's deal-field lists answered."""

    def __init__(self, client: BitrixClient) -> None:
        self.client = client
        self.rows: list[int] = []

    def batch(self, calls: Mapping[str, tuple[str, Any]], halt: bool = False) -> Any:
        out = self.client.batch(calls, halt=halt)
        self.rows.append(sum(len(out.results[k]) for k, (m, _) in calls.items()
                             if m == "crm.deal.userfield.list"))
        return out


def test_label_lists_are_split_by_rows_and_read_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails before issue 18's change: the 19 lists of 60 rows went out in one batch (1,140
    rows against a ROWS of 300)."""
    sb = Sandbox.in_memory()
    with sb.stores.transaction() as store, store.lock:
        for i in range(60):
            uf.create_field(store, "CRM_DEAL", f"UF_CRM_F{i}", "string", {"LABEL": f"F{i}"})
        sb.stores.commit(store)
    whole = read_live(BitrixClient.from_webhook(sb.webhook_url, session=sb.session()))
    monkeypatch.setattr(live, "ROWS", 300)
    recording = Recording(BitrixClient.from_webhook(sb.webhook_url, session=sb.session()))
    split = read_live(recording)
    assert max(recording.rows[1:]) <= 300  # the first batch: ru and en, before any count
    assert split.requests > whole.requests
    assert split.parts["deal.fields"] == whole.parts["deal.fields"]
    assert split.fingerprint == whole.fingerprint
