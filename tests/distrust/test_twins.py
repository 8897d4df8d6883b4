"""Twins, issue 14 item 1(a): two live objects that claim one key are a conflict the plan
reports (exit 1, every id, how to resolve), for every kind, never "No changes" with a note.

Failed before (main 5c1f354): each plan here was made; the second pipeline `hr` was keyed
`hr_<id>` and shown as "not in the desired state" under "No changes", two smart processes of
one code likewise, and a second row of one code, field of one name or item of one XML_ID was
dropped without a word (the last one read stood for both).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from helpers import client_of, run, write

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.engine.planner import TwinsOnPortal
from provisioner.sandbox import Sandbox

HR = """
[deal.pipelines.hr]
name = "Кандидаты"

[[deal.pipelines.hr.stages]]
code = "NEW"
name = "Первый созвон"

[[deal.pipelines.hr.stages]]
code = "WON"
name = "Принят"
semantics = "success"

[[deal.pipelines.hr.stages]]
code = "LOSE"
name = "Отказ"
semantics = "failure"

[lists.SOURCE]
items = [{ code = "CALL", name = "Звонок" }, { code = "WEB", name = "Сайт" }]

[deal.fields.LEVEL]
type = "enumeration"
label = "Уровень"
items = [{ value = "Junior", xml_id = "JR" }, { value = "Senior", xml_id = "SR" }]

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

[smart_processes.hr_candidates.pipelines.interns]
name = "Стажёры"
stages = [
    { code = "NEW", name = "Новый" },
    { code = "SUCCESS", name = "Принят", semantics = "success" },
    { code = "FAIL", name = "Отказ", semantics = "failure" },
]
"""


@pytest.fixture
def applied(client: BitrixClient) -> BitrixClient:
    desired = engine.load_text(HR)
    engine.apply(engine.make_plan(desired, engine.read_live(client)), client)
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()
    return client


def _twins(client: BitrixClient) -> list[tuple[str, str, tuple[Any, ...]]]:
    with pytest.raises(TwinsOnPortal) as err:
        engine.make_plan(engine.load_text(HR), engine.read_live(client))
    return [(str(t.address), t.kind, t.ids) for t in err.value.twins]


def _copy_row(sb: Sandbox, section: str, match: dict[str, Any], key: str = "ID") -> int:
    """A second row in a sandbox section, as a lying or raced portal would hold it."""
    rows = sb.store.data[section]
    row = next(r for r in rows.values() if all(r.get(k) == v for k, v in match.items()))
    new = max(int(i) for i in rows) + 1
    rows[str(new)] = {**copy.deepcopy(row), key: new}
    return new


def _hr_pipeline_id(client: BitrixClient) -> int:
    cats = client.call("crm.category.list", {"entityTypeId": 2}).result["categories"]
    return int(next(c["id"] for c in cats if c.get("originId") == "hr"))


def test_two_pipelines_stamped_with_one_key(applied: BitrixClient) -> None:
    first = _hr_pipeline_id(applied)
    second = applied.call("crm.category.add", {"entityTypeId": 2, "fields": {
        "name": "Кандидаты", "originatorId": "provision", "originId": "hr"}}).result
    with pytest.raises(TwinsOnPortal) as err:
        engine.make_plan(engine.load_text(HR), engine.read_live(applied))
    later = second["category"]["id"]
    assert str(err.value) == (
        "the portal holds twins, several objects under one address (each claims its key: a "
        "stamp, a code, a name); no plan is made over them:\n"
        f"  deal.pipeline[hr] (deal.pipelines): id {first} and id {later}\n"
        "fix: keep one of each and delete the others on the portal (usually the later id, e.g. "
        f"id {later} of deal.pipeline[hr]: the copy an interrupted or concurrent apply made, "
        "still empty; move any records to the one you keep first), then run plan again")


def test_two_rows_of_one_code_in_a_list(sb: Sandbox, applied: BitrixClient) -> None:
    web = next(r for r in sb.store.data["statuses"].values()
               if r["ENTITY_ID"] == "SOURCE" and r["STATUS_ID"] == "WEB")
    new = _copy_row(sb, "statuses", {"ENTITY_ID": "SOURCE", "STATUS_ID": "WEB"})
    assert _twins(applied) == [("list[SOURCE].item[WEB]", "lists", (web["ID"], new))]


def test_two_stages_of_one_code_in_a_pipeline(sb: Sandbox, applied: BitrixClient) -> None:
    entity = f"DEAL_STAGE_{_hr_pipeline_id(applied)}"
    new = _copy_row(sb, "statuses", {"ENTITY_ID": entity, "STATUS_ID": f"C{entity[11:]}:NEW"})
    twins = _twins(applied)
    assert [(a, k) for a, k, _ in twins] == [("deal.pipeline[hr].stage[NEW]", "deal.pipelines")]
    assert twins[0][2][1] == new


def test_two_fields_of_one_name(sb: Sandbox, applied: BitrixClient) -> None:
    new = _copy_row(sb, "userfields", {"FIELD_NAME": "UF_CRM_LEVEL"})
    twins = _twins(applied)
    # the field, not each of its items: a twin's children are twins too, and not repeated
    assert [(a, k) for a, k, _ in twins] == [("deal.field[LEVEL]", "deal.fields")]
    assert twins[0][2][1] == new


def test_two_items_of_one_xml_id(sb: Sandbox, applied: BitrixClient) -> None:
    field = next(f for f in sb.store.data["userfields"].values()
                 if f["FIELD_NAME"] == "UF_CRM_LEVEL")
    item = next(i for i in field["LIST"] if i["XML_ID"] == "SR")
    field["LIST"].append({**item, "ID": 9001, "VALUE": "Senior+"})
    assert _twins(applied) == [("deal.field[LEVEL].item[SR]", "deal.fields", (item["ID"], 9001))]


def test_two_smart_processes_of_one_code(applied: BitrixClient) -> None:
    types = applied.call("crm.type.list", {}).result["types"]
    first = next(t["id"] for t in types if t["code"] == "hr_candidates")
    second = applied.call("crm.type.add", {"fields": {"title": "Кандидаты", "code":
                                                      "hr_candidates"}}).result["type"]["id"]
    assert _twins(applied) == [("smart_process[hr_candidates]", "smart_processes",
                                (first, second))]


def test_two_smart_process_pipelines_of_one_desired_name(applied: BitrixClient) -> None:
    types = applied.call("crm.type.list", {}).result["types"]
    etid = next(t["entityTypeId"] for t in types if t["code"] == "hr_candidates")
    cats = applied.call("crm.category.list", {"entityTypeId": etid}).result["categories"]
    first = next(c["id"] for c in cats if c["name"] == "Стажёры")
    second = applied.call("crm.category.add", {"entityTypeId": etid, "fields": {
        "name": "Стажёры"}}).result["category"]["id"]
    assert _twins(applied) == [("smart_process[hr_candidates].pipeline[interns]",
                                "smart_processes", (first, second))]


def test_two_pipelines_of_one_name_are_not_twins_when_nothing_claims_it(
        applied: BitrixClient) -> None:
    """Unstamped pipelines keyed by their name get the portal id as suffix: two of one name
    are two pipelines, not a conflict (the plan lists them as not in the desired state)."""
    for _ in range(2):
        applied.call("crm.category.add", {"entityTypeId": 2, "fields": {"name": "Склад"}})
    plan = engine.make_plan(engine.load_text(HR), engine.read_live(applied))
    assert plan.changes == ()
    assert [str(n.address) for n in plan.notes if "sklad" in str(n.address)] == [
        "deal.pipeline[sklad]", f"deal.pipeline[sklad_{_last_category(applied)}]"]


def _last_category(client: BitrixClient) -> int:
    cats = client.call("crm.category.list", {"entityTypeId": 2}).result["categories"]
    return max(int(c["id"]) for c in cats)


def test_the_cli_says_so_and_exits_1(tmp_path: Path) -> None:
    state = tmp_path / "sb.json"
    config = write(tmp_path / "c" / "hr.toml", HR)
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    sb = Sandbox.open(state)
    client_of(sb).call("crm.category.add", {"entityTypeId": 2, "fields": {
        "name": "Кандидаты", "originatorId": "provision", "originId": "hr"}})
    for command in ("plan", "drift"):
        done = run(state, command, str(config))
        assert (done.exit_code, done.stdout) == (1, "")
        lines = done.stderr.splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith("Error: "))
        assert lines[at].startswith("Error: the portal holds twins"), done.stderr
        assert lines[at + 1] == "  deal.pipeline[hr] (deal.pipelines): id 1 and id 4"
    applied = run(state, "apply", str(config), "--auto-approve")
    assert applied.exit_code == 1 and "Error: the portal holds twins" in applied.stderr


def test_a_pipeline_added_with_its_smart_process_deletes_itself_when_it_has_a_twin(
        client: BitrixClient) -> None:
    """Issue 18 (apply4): a new smart process's further pipeline is added in the batch of the
    type, its entityTypeId a `$result` reference, and checked by the read of the type's
    pipelines after it. When that read shows an earlier pipeline of its name (played here by
    bending the answer), the apply deletes its own copy: the undo, sent in a batch of its own,
    takes the entityTypeId the reference stood for."""
    from bent import Bent

    def earlier(calls: Any, results: dict[str, Any]) -> None:
        for key, (method, params) in calls.items():
            if method == "crm.category.list" and str(params.get("entityTypeId", "")).startswith(
                    "$result") and key in results:
                rows = results[key]["categories"]
                twin = next(dict(r) for r in rows if r["name"] == "Стажёры")
                results[key] = {"categories": [*rows, {**twin, "id": 0}]}
    bent = Bent(client, earlier)
    desired = engine.load_text(HR)
    with pytest.raises(engine.ApplyFailed) as err:
        engine.apply(engine.make_plan(desired, engine.read_live(client)), bent)
    assert "smart_process[hr_candidates].pipeline[interns] was made at the same moment by " \
        "another apply (id 0); this apply deleted its own copy" in str(err.value)
    assert err.value.report.failed == "crm.category.add"  # not the type's add of its batch
    undo = [calls for calls in bent.sent if list(calls) == ["undo"]]
    assert len(undo) == 1 and undo[0]["undo"][0] == "crm.category.delete"
    etid = undo[0]["undo"][1]["entityTypeId"]
    assert isinstance(etid, int)
    names = [c["name"] for c in client.call("crm.category.list", {
        "entityTypeId": etid}).result["categories"]]
    assert "Стажёры" not in names  # its own copy is gone; the "earlier" one was only told
