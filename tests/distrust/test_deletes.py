"""Deletes only what the plan named, issue 14 item 3: before a row is deleted, the list it came
from is checked against the list the plan expects (ENTITY_ID, CATEGORY_ID, entityTypeId,
stageId); a portal that ignores a read's filter is refused, naming the method and the row.

Failed before (main 5c1f354): the clean-up of a new pipeline's default stages read
`crm.status.list` by ENTITY_ID, took every row the portal answered for its own and deleted 39
unrelated rows (lead statuses, reference-list items, other pipelines' stages) without
--allow-destroy; `--allow-data-loss` deleted every deal of the portal for one stage's.
"""

from __future__ import annotations

from typing import Any

import pytest
from bent import Bent, unfiltered
from helpers import client_of

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.engine.applier import ApplyFailed
from provisioner.model.answers import UntrustedAnswer
from provisioner.sandbox import Sandbox

NEW_PIPELINE = """
[deal.pipelines.hr]
name = "Кандидаты"

[[deal.pipelines.hr.stages]]
code = "NEW"
name = "Первый созвон"

[[deal.pipelines.hr.stages]]
code = "CALL"
name = "Звонок"

[[deal.pipelines.hr.stages]]
code = "WON"
name = "Принят"
semantics = "success"

[[deal.pipelines.hr.stages]]
code = "LOSE"
name = "Отказ"
semantics = "failure"
"""
CALL = '[[deal.pipelines.hr.stages]]\ncode = "CALL"\nname = "Звонок"\n\n'

NEW_SMART_PROCESS = """
[smart_processes.hr_candidates]
title = "Кандидаты"
stages = true
categories = true

[smart_processes.hr_candidates.pipelines.hiring]
name = "Найм"
default = true
stages = [
    { code = "NEW", name = "Новый" },
    { code = "SUCCESS", name = "Принят", semantics = "success" },
    { code = "FAIL", name = "Отказ", semantics = "failure" },
]
"""


def _rows(sb: Sandbox) -> dict[str, dict[str, Any]]:
    return {k: dict(v) for k, v in sb.store.data["statuses"].items()}


@pytest.mark.parametrize("config", [NEW_PIPELINE, NEW_SMART_PROCESS],
                         ids=["deal-pipeline", "smart-process"])
def test_a_filter_ignored_deletes_nothing(sb: Sandbox, client: BitrixClient, config: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A portal too large for the whole status list to be read back (statuses.WHOLE_ROWS):
    a new pipeline's stages are read by `filter.ENTITY_ID`, which this portal ignores."""
    monkeypatch.setattr("provisioner.kinds.statuses.writes.WHOLE_ROWS", 0)
    before = _rows(sb)
    desired = engine.load_text(config)
    bent = Bent(client, before=unfiltered)
    with pytest.raises(ApplyFailed) as err:
        engine.apply(engine.make_plan(desired, engine.read_live(bent)), bent)  # type: ignore[arg-type]
    first = str(err.value).splitlines()[0]
    assert first.startswith("apply stopped: crm.status.list: MALFORMED_RESPONSE (provision's own code): asked for the "
                            "rows of ENTITY_ID "), first
    assert first.endswith(": it ignored the filter, so nothing is deleted by this answer")
    assert "the portal answered row 1 of ENTITY_ID STATUS" in first
    deleted = [k for k in before if k not in sb.store.data["statuses"]]
    assert deleted == []
    assert all(sb.store.data["statuses"][k] == row for k, row in before.items())


@pytest.mark.parametrize("config", [NEW_PIPELINE, NEW_SMART_PROCESS],
                         ids=["deal-pipeline", "smart-process"])
def test_the_whole_list_read_back_deletes_only_the_new_pipelines_rows(
        sb: Sandbox, client: BitrixClient, config: str) -> None:
    """Issue 18 (apply4): on a small portal the stages a new pipeline comes with are read from
    the whole status list (one read a batch); only the rows of the new pipeline's list are
    taken from it, so every other row stays as it was (the portal ignoring filters changes
    nothing here), and the apply converges."""
    before = _rows(sb)
    desired = engine.load_text(config)
    bent = Bent(client, before=unfiltered)
    engine.apply(engine.make_plan(desired, engine.read_live(bent)), bent)  # type: ignore[arg-type]
    sent = [p for calls in bent.sent for m, p in calls.values() if m == "crm.status.list"]
    assert sent and all(p == {} for p in sent)
    assert all(sb.store.data["statuses"][k] == row for k, row in before.items())
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()


def test_a_filter_ignored_deletes_no_record(sb: Sandbox, client: BitrixClient) -> None:
    """`--allow-data-loss` deletes the deals of a deleted stage first; a crm.deal.list that
    ignores its filter answers the deals of every stage: refused before any delete."""
    desired = engine.load_text(NEW_PIPELINE)
    engine.apply(engine.make_plan(desired, engine.read_live(client)), client)
    cats = client.call("crm.category.list", {"entityTypeId": 2}).result["categories"]
    hr = next(c["id"] for c in cats if c.get("originId") == "hr")
    from provisioner.sandbox.crm import state
    state.set_item_count(sb.store, f"DEAL_STAGE_{hr}", f"C{hr}:CALL", 2)
    state.set_item_count(sb.store, "DEAL_STAGE", "NEW", 3)  # deals of the default pipeline
    fewer = engine.load_text(NEW_PIPELINE.replace(CALL, ""))
    options = engine.PlanOptions(allow_destroy=True, allow_data_loss=True)
    bent = Bent(client, before=lambda calls: unfiltered(calls) if any(
        m == "crm.deal.list" and "start" in p for m, p in calls.values()) else calls)
    plan = engine.records.count_records(
        engine.make_plan(fewer, engine.read_live(client), options), client)
    assert [(str(a), r.count) for a, r in plan.records.items()] == [
        ("deal.pipeline[hr].stage[CALL]", 2)]
    with pytest.raises(UntrustedAnswer) as err:
        engine.apply(plan, bent, allow_destroy=True, allow_data_loss=True)  # type: ignore[arg-type]
    assert str(err.value).startswith(
        f"crm.deal.list: MALFORMED_RESPONSE (provision's own code): asked for the rows of STAGE_ID C{hr}:CALL, the "
        "portal answered row ")
    assert str(err.value).endswith(" of STAGE_ID NEW: it ignored the filter, so nothing is "
                                   "deleted by this answer")
    assert state.item_count(sb.store, "DEAL_STAGE", "NEW") == 3
    assert state.item_count(sb.store, f"DEAL_STAGE_{hr}", f"C{hr}:CALL") == 2


def test_an_honest_purge_still_deletes_the_stage_s_records(sb: Sandbox,
                                                           client: BitrixClient) -> None:
    desired = engine.load_text(NEW_PIPELINE)
    engine.apply(engine.make_plan(desired, engine.read_live(client)), client)
    cats = client.call("crm.category.list", {"entityTypeId": 2}).result["categories"]
    hr = next(c["id"] for c in cats if c.get("originId") == "hr")
    from provisioner.sandbox.crm import state
    state.set_item_count(sb.store, f"DEAL_STAGE_{hr}", f"C{hr}:CALL", 2)
    fewer = engine.load_text(NEW_PIPELINE.replace(CALL, ""))
    options = engine.PlanOptions(allow_destroy=True, allow_data_loss=True)
    plan = engine.records.count_records(
        engine.make_plan(fewer, engine.read_live(client), options), client)
    engine.apply(plan, client, allow_destroy=True, allow_data_loss=True)
    assert state.item_count(sb.store, f"DEAL_STAGE_{hr}", f"C{hr}:CALL") == 0
    assert client_of(sb).call("crm.deal.list", {}).total == 0
