"""Deleting a custom field deletes its values (issue 13 item 9): the plan counts the records
holding one (`!UF_CRM_X: ""`), apply refuses without --allow-data-loss, and with it deletes the
field only: the records stay."""

from __future__ import annotations

import pytest
from helpers import client_of
from safety_helpers import record_count, seed_records

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.engine.records import DataLossRefused, count_records
from provisioner.sandbox import Sandbox
from provisioner.sandbox.crm import state, values

FIELDS = """
[deal.fields.KIND]
type = "string"
label = "Вид"

[contact.fields.VIP]
type = "boolean"
label = "VIP"

[smart_processes.hr]
title = "Кандидаты"
[smart_processes.hr.fields.SIZE]
type = "integer"
label = "Размер"
"""
NONE = """
[deal.fields.OTHER]
type = "string"
label = "Другое"

[contact.fields.OTHER]
type = "string"
label = "Другое"

[smart_processes.hr]
title = "Кандидаты"
"""


def _plan(client: BitrixClient, text: str) -> engine.Plan:
    plan = engine.make_plan(engine.load_text(text), engine.read_live(client),
                            engine.PlanOptions(allow_destroy=True))
    return count_records(plan, client)


def _field_id(sb: Sandbox, name: str) -> int:
    return next(int(f["ID"]) for f in state.userfields(sb.store).values()
                if f["FIELD_NAME"] == name)


def _give(sb: Sandbox, field: str, ids: list[int]) -> None:
    with sb.stores.transaction() as store:
        values.give(store, _field_id(sb, field), ids)
        sb.stores.commit(store)


def _portal(sb: Sandbox) -> BitrixClient:
    """FIELDS applied; 3 of 4 deals and 2 of 5 items hold a value, 1 of 2 contacts."""
    client = client_of(sb)
    engine.apply(_plan(client, FIELDS), client)
    spa = client.call("crm.type.list", {}).result["types"][0]
    etid, type_id = int(spa["entityTypeId"]), int(spa["id"])
    category = client.call("crm.category.list", {"entityTypeId": etid}).result["categories"][0]
    seed_records(sb, "DEAL_STAGE", "NEW", 4)
    seed_records(sb, f"DYNAMIC_{etid}_STAGE_{category['id']}",
                 f"DT{etid}_{category['id']}:NEW", 5)
    deals = [int(r["ID"]) for r in client.call("crm.deal.list", {}).result]
    items = [int(r["id"]) for r in client.call(
        "crm.item.list", {"entityTypeId": etid}).result["items"]]
    _give(sb, "UF_CRM_KIND", deals[:3])
    _give(sb, f"UF_CRM_{type_id}_SIZE", items[:2])
    client.call("crm.contact.add", {"fields": {"NAME": "A", "UF_CRM_VIP": "1"}})
    client.call("crm.contact.add", {"fields": {"NAME": "B"}})
    return client


def test_the_plan_counts_the_values_a_deleted_field_takes(sb: Sandbox) -> None:
    """Before: a field was deleted with --allow-destroy alone, its values with it."""
    plan = _plan(_portal(sb), NONE)
    assert engine.render_text(plan).split("Destructive changes:\n")[1].splitlines()[:3] == [
        "  - contact.field[VIP]: holds 1 value, deleted with it (apply also needs "
        "--allow-data-loss)",
        "  - deal.field[KIND]: holds 3 values, deleted with it (apply also needs "
        "--allow-data-loss)",
        "  - smart_process[hr].field[SIZE]: holds 2 values, deleted with it (apply also needs "
        "--allow-data-loss)"]


def test_apply_refuses_without_allow_data_loss_and_keeps_the_records(sb: Sandbox) -> None:
    client = _portal(sb)
    plan = _plan(client, NONE)
    with pytest.raises(DataLossRefused) as refused:
        engine.apply(plan, client, allow_destroy=True)
    assert str(refused.value) == (
        "the plan deletes objects that still hold data: contact.field[VIP] (1 value), "
        "deal.field[KIND] (3 values), smart_process[hr].field[SIZE] (2 values); the values "
        "would be deleted with them (a deleted field's records stay): run again with --allow-destroy --allow-data-loss to "
        "allow it")
    report = engine.apply(plan, client, allow_destroy=True, allow_data_loss=True)
    assert sorted(d for d in report.done if d.startswith("-")) == [
        "- contact.field[VIP]", "- deal.field[KIND]",
        "- smart_process[hr].field[SIZE]"]  # no record deleted
    assert record_count(sb, "DEAL_STAGE", "NEW") == 4
    assert len(client.call("crm.contact.list", {}).result) == 2


def test_a_field_nobody_filled_needs_only_allow_destroy(sb: Sandbox) -> None:
    client = client_of(sb)
    engine.apply(_plan(client, FIELDS), client)
    plan = _plan(client, NONE)
    assert "  - deal.field[KIND]: holds no values\n" in engine.render_text(plan)
    engine.apply(plan, client, allow_destroy=True)
    assert _plan(client, NONE).changes == ()


def test_a_replaced_field_says_what_the_destructive_section_counts(sb: Sandbox) -> None:
    """Before (user trial): the reason said "move its records out first" (records are not in
    a field, and stay) beside "holds no values"; now both say its values go with it."""
    client = _portal(sb)
    text = engine.render_text(_plan(client, FIELDS.replace(
        'type = "string"\nlabel = "Вид"', 'type = "integer"\nlabel = "Вид"')))
    assert "      # type cannot change on the portal: deleted and created again, and what it " \
        "holds is deleted with it (see Destructive changes)\n" in text
    assert "  -/+ deal.field[KIND]: holds 3 values, deleted with it (apply also needs " \
        "--allow-data-loss)\n" in text
