"""apply against the sandbox: portal state after apply, batching, failure reporting."""

from __future__ import annotations

import pytest

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.engine import ApplyFailed
from provisioner.engine.planfile import StalePlan

HR = """
[deal.pipelines.hr]
name = "Кандидаты"
[[deal.pipelines.hr.stages]]
code = "NEW"
name = "Первый созвон"
[[deal.pipelines.hr.stages]]
code = "INTERVIEW"
name = "Собеседование"
[[deal.pipelines.hr.stages]]
code = "WON"
name = "Принят"
semantics = "success"
[[deal.pipelines.hr.stages]]
code = "LOSE"
name = "Отказ"
semantics = "failure"
"""


def stage_codes(client: BitrixClient, entity_id: str) -> list[str]:
    rows = client.call("crm.status.list", {"order": {"SORT": "ASC"},
                                           "filter": {"ENTITY_ID": entity_id}}).result
    return [r["STATUS_ID"] for r in sorted(rows, key=lambda r: (int(r["SORT"]), int(r["ID"])))]


def stage_names(client: BitrixClient, entity_id: str) -> list[str]:
    rows = client.call("crm.status.list", {"filter": {"ENTITY_ID": entity_id}}).result
    return [r["NAME"] for r in sorted(rows, key=lambda r: (int(r["SORT"]), int(r["ID"])))]


def test_new_pipeline_is_stamped_and_reconciled_in_two_requests(client: BitrixClient) -> None:
    desired = engine.load_text(HR)
    plan = engine.make_plan(desired, engine.read_live(client))
    before = client.stats.requests
    engine.apply(plan, client)
    assert client.stats.requests - before == 3  # a read (is the plan stale?), two writes
    cats = client.call("crm.category.list", {"entityTypeId": 2}).result["categories"]
    hr = next(c for c in cats if c["name"] == "Кандидаты")
    assert (hr["originatorId"], hr["originId"]) == ("provision", "hr")
    entity = f"DEAL_STAGE_{hr['id']}"
    prefix = f"C{hr['id']}:"
    codes = [c.removeprefix(prefix) for c in stage_codes(client, entity)]
    assert codes == ["NEW", "INTERVIEW", "WON", "LOSE"]
    assert stage_names(client, entity) == ["Первый созвон", "Собеседование", "Принят", "Отказ"]
    again = engine.make_plan(desired, engine.read_live(client))
    assert again.changes == ()
    assert [(str(n.address), n.reason) for n in again.notes] == [
        ("deal.pipeline[default]", "kept by the portal (system or default), never deleted")]


def test_renamed_pipeline_is_still_recognised_by_its_stamp(client: BitrixClient) -> None:
    engine.apply(engine.make_plan(engine.load_text(HR), engine.read_live(client)), client)
    renamed = engine.load_text(HR.replace('name = "Кандидаты"', 'name = "Найм"'))
    plan = engine.make_plan(renamed, engine.read_live(client))
    assert [(str(c.address), c.action.value, c.after) for c in plan.changes] == [
        ("deal.pipeline[hr]", "update", {"name": "Найм"})]


def test_failed_apply_says_what_was_done_and_a_rerun_finishes(client: BitrixClient) -> None:
    text = ('[lists.SOURCE]\nitems = [{code = "CALL", name = "Звонок"}, '
            '{code = "X1", name = "Первый"}, {code = "X2", name = "Второй"}]\n')
    desired = engine.load_text(text)
    plan = engine.make_plan(desired, engine.read_live(client))
    # someone adds X1 by hand between plan and apply: apply's re-read notices...
    client.call("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": "X1",
                                              "NAME": "вручную", "SORT": 5}})
    with pytest.raises(StalePlan) as stale:
        engine.apply(plan, client)
    assert "  + list[SOURCE].item[X1]: appeared on the portal\n" in str(stale.value)
    # ... and when the add lands after that re-read, the portal refuses the duplicate
    with pytest.raises(ApplyFailed) as err:
        engine.apply(plan, client, reread=False)
    report = err.value.report
    assert report.done == ["~ list[SOURCE].item[CALL]"]
    assert report.failed == "+ list[SOURCE].item[X1]"
    assert report.not_done == ["+ list[SOURCE].item[X2]"]
    assert "Nothing is half-made: run plan and apply again to finish." in str(err.value)
    engine.apply(engine.make_plan(desired, engine.read_live(client)), client)
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()
