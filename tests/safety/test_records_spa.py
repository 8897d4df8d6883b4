"""Deleting a smart-process stage or a whole smart process that holds items: counted in the
plan (crm.item.list), refused without --allow-data-loss, and with both flags the items are
deleted first (crm.item.delete) so the portal accepts the deletion."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import cli, client_of, write
from safety_helpers import record_count, seed_records

from provisioner import engine
from provisioner.client.errors import BitrixAPIError
from provisioner.engine.records import DataLossRefused, count_records
from provisioner.sandbox import Sandbox

ORDERS = """[smart_processes.orders]
title = "Orders"
stages = true

[smart_processes.orders.pipelines.main]
name = "General"
default = true
[[smart_processes.orders.pipelines.main.stages]]
code = "NEW"
name = "New"
[[smart_processes.orders.pipelines.main.stages]]
code = "PACKING"
name = "Packing"
[[smart_processes.orders.pipelines.main.stages]]
code = "SUCCESS"
name = "Delivered"
semantics = "success"
[[smart_processes.orders.pipelines.main.stages]]
code = "FAIL"
name = "Cancelled"
semantics = "failure"
"""
TICKETS = '\n[smart_processes.tickets]\ntitle = "Tickets"\n'
BOTH = ORDERS + TICKETS
DROP_PACKING = BOTH.replace('[[smart_processes.orders.pipelines.main.stages]]\ncode = "PACKING"\n'
                            'name = "Packing"\n', "")
STAGE = "smart_process[orders].pipeline[main].stage[PACKING]"
REFUSED = ("the plan deletes objects that still hold data: {what} ({n} items); the items "
           "would be deleted with them: run again with --allow-destroy --allow-data-loss to "
           "allow it")


def _plan(sb: Sandbox, text: str, **options: bool) -> engine.Plan:
    client = client_of(sb)
    plan = engine.make_plan(engine.load_text(text), engine.read_live(client),
                            engine.PlanOptions(**options))
    return count_records(plan, client)


def _orders(sb: Sandbox) -> tuple[int, int]:
    """The entityTypeId of smart process `orders` and the id of its pipeline."""
    client = client_of(sb)
    etid = next(int(t["entityTypeId"]) for t in client.call("crm.type.list", {}).result["types"]
                if t["code"] == "orders")
    cats = client.call("crm.category.list", {"entityTypeId": etid}).result["categories"]
    return etid, int(cats[0]["id"])


def _seeded(sb: Sandbox, packing: int, new: int = 0) -> tuple[int, int]:
    """Both smart processes made; items in the `orders` stages PACKING and NEW."""
    engine.apply(_plan(sb, BOTH), client_of(sb))
    etid, cat = _orders(sb)
    seed_records(sb, f"DYNAMIC_{etid}_STAGE_{cat}", f"DT{etid}_{cat}:PACKING", packing)
    seed_records(sb, f"DYNAMIC_{etid}_STAGE_{cat}", f"DT{etid}_{cat}:NEW", new)
    return etid, cat


def _items(sb: Sandbox, etid: int, **flt: object) -> int:
    out = client_of(sb).call("crm.item.list", {"entityTypeId": etid, "filter": flt,
                                               "select": ["id"]})
    return int(out.total or 0)


def test_item_list_honours_stage_and_category_filters(sb: Sandbox) -> None:
    etid, cat = _seeded(sb, packing=3, new=2)
    assert _items(sb, etid) == 5
    assert _items(sb, etid, stageId=f"DT{etid}_{cat}:PACKING") == 3
    assert _items(sb, etid, **{"=stageId": f"DT{etid}_{cat}:NEW"}) == 2
    assert _items(sb, etid, categoryId=cat) == 5
    assert _items(sb, etid, categoryId=cat + 1) == 0


def test_plan_counts_items_in_a_deleted_stage(sb: Sandbox) -> None:
    _seeded(sb, packing=3, new=2)
    text = engine.render_text(_plan(sb, DROP_PACKING, allow_destroy=True))
    assert text.endswith(
        f"  - {STAGE} (destructive)\n"
        '      name:      "Packing"\n'
        '      semantics: "process"\n'
        "      sort:      20\n"
        "Destructive changes:\n"
        f"  - {STAGE}: holds 3 items, deleted with it (apply also needs --allow-data-loss)\n"
        "REST cost: read 3 requests; apply needs ~1 request (~0 s under the rate limit).\n"
        "Plan: 0 to add, 0 to change, 1 to destroy.\n")


def test_apply_refuses_then_deletes_the_stage_items_first(sb: Sandbox) -> None:
    etid, cat = _seeded(sb, packing=3, new=2)
    plan = _plan(sb, DROP_PACKING, allow_destroy=True)
    with pytest.raises(DataLossRefused) as refused:
        engine.apply(plan, client_of(sb), allow_destroy=True)
    assert str(refused.value) == REFUSED.format(what=STAGE, n=3)
    assert _items(sb, etid) == 5
    report = engine.apply(plan, client_of(sb), allow_destroy=True, allow_data_loss=True)
    assert report.done[-1] == f"- {STAGE}"
    assert len([d for d in report.done if d.endswith("(data loss allowed)")]) == 3
    assert _items(sb, etid, stageId=f"DT{etid}_{cat}:PACKING") == 0
    assert _items(sb, etid, stageId=f"DT{etid}_{cat}:NEW") == 2
    assert _plan(sb, DROP_PACKING, allow_destroy=True).changes == ()


def _cli_state(tmp_path: Path, packing: int, new: int) -> tuple[Path, int, int]:
    state = tmp_path / "sb.json"
    sb = Sandbox.open(state)
    etid, cat = _seeded(sb, packing, new)
    return state, etid, cat


def test_cli_stage_with_items_refused_with_count_and_allowed_with_both_flags(
        tmp_path: Path) -> None:
    state, etid, cat = _cli_state(tmp_path, packing=2, new=1)
    config = write(tmp_path / "cfg" / "main.toml", DROP_PACKING)
    common = ("--sandbox-state", str(state), "--auto-approve")
    refused = cli("apply", str(config), *common, "--allow-destroy")
    assert refused.exit_code == 1
    assert f"  - {STAGE}: holds 2 items, deleted with it (apply also needs " \
           "--allow-data-loss)\n" in refused.stdout
    assert refused.stderr.splitlines()[-1] == "Error: " + REFUSED.format(what=STAGE, n=2)
    packing = (f"DYNAMIC_{etid}_STAGE_{cat}", f"DT{etid}_{cat}:PACKING")
    assert record_count(Sandbox.open(state), *packing) == 2
    done = cli("apply", str(config), *common, "--allow-destroy", "--allow-data-loss")
    assert done.exit_code == 0, done.output
    assert f"  - {STAGE}: holds 2 items, deleted with it\n" in done.stdout
    sb = Sandbox.open(state)
    assert record_count(sb, *packing) == 0
    assert _items(sb, etid, stageId=packing[1]) == 0
    rows = client_of(sb).call("crm.status.list", {"filter": {"ENTITY_ID": packing[0]}}).result
    assert packing[1] not in {r["STATUS_ID"] for r in rows}
    assert record_count(sb, packing[0], f"DT{etid}_{cat}:NEW") == 1
    again = cli("plan", str(config), "--sandbox-state", str(state), "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_cli_smart_process_with_items_refused_and_deleted_with_both_flags(
        tmp_path: Path) -> None:
    state, etid, _ = _cli_state(tmp_path, packing=2, new=1)
    config = write(tmp_path / "cfg" / "main.toml", TICKETS)
    common = ("--sandbox-state", str(state), "--auto-approve")
    refused = cli("apply", str(config), *common, "--allow-destroy")
    assert refused.exit_code == 1
    assert "  - smart_process[orders]: holds 3 items, deleted with it (apply also needs " \
           "--allow-data-loss)\n" in refused.stdout
    assert refused.stderr.splitlines()[-1] == "Error: " + REFUSED.format(
        what="smart_process[orders]", n=3)
    assert _items(Sandbox.open(state), etid) == 3
    done = cli("apply", str(config), *common, "--allow-destroy", "--allow-data-loss")
    assert done.exit_code == 0, done.output
    assert "  - smart_process[orders]: holds 3 items, deleted with it\n" in done.stdout
    sb = Sandbox.open(state)
    codes = [t["code"] for t in client_of(sb).call("crm.type.list", {}).result["types"]]
    assert codes == ["tickets"]
    assert not [k for k in sb.store.section("items", {}) if k.startswith(f"DYNAMIC_{etid}_")]
    again = cli("plan", str(config), "--sandbox-state", str(state), "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_item_list_filter_prefixes_and_unknown_smart_process(sb: Sandbox) -> None:
    etid, cat = _seeded(sb, packing=3, new=2)
    packing, new = f"DT{etid}_{cat}:PACKING", f"DT{etid}_{cat}:NEW"
    assert _items(sb, etid, **{"!=stageId": packing}) == 2
    assert _items(sb, etid, **{"!stageId": new}) == 3
    assert _items(sb, etid, **{"@stageId": [packing, new]}) == 5
    assert _items(sb, etid, **{"!@stageId": [packing]}) == 2
    assert _items(sb, etid, categoryId=cat, stageId=new) == 2
    with pytest.raises(BitrixAPIError) as missing:
        client_of(sb).call("crm.item.list", {"entityTypeId": 190})
    assert (missing.value.error, missing.value.error_description, missing.value.status) == (
        "NOT_FOUND", "Smart process not found", 400)
