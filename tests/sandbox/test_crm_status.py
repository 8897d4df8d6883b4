"""crm.status.*: seed lists, add rewrites and refusals, update/delete rules (docs/portal-rules.md#status-lists)."""

from __future__ import annotations

from typing import Any

import pytest
from crm_portal import EMPLOYEE, Portal

from provisioner.sandbox.crm import state


def rows(portal: Portal, entity_id: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = portal.value("crm.status.list",
                                                {"filter": {"ENTITY_ID": entity_id}})
    return result


def row(portal: Portal, entity_id: str, status_id: str) -> dict[str, Any]:
    return next(r for r in rows(portal, entity_id) if r["STATUS_ID"] == status_id)


def add(portal: Portal, **fields: Any) -> Any:
    return portal.value("crm.status.add", {"fields": fields})


def add_error(portal: Portal, **fields: Any) -> tuple[str | int, str, int]:
    return portal.error("crm.status.add", {"fields": fields})


def test_new_portal_has_default_deal_stages(portal: Portal) -> None:
    got = [(r["STATUS_ID"], r["SORT"], r["SYSTEM"], r["SEMANTICS"], r["EXTRA"]["SEMANTICS"])
           for r in rows(portal, "DEAL_STAGE")]
    assert got == [("NEW", "10", "Y", None, "process"), ("PREPARATION", "20", "N", None, "process"),
                   ("PREPAYMENT_INVOICE", "30", "N", None, "process"),
                   ("EXECUTING", "40", "N", None, "process"),
                   ("FINAL_INVOICE", "50", "N", None, "process"),
                   ("WON", "60", "Y", "S", "success"), ("LOSE", "70", "Y", "F", "failure"),
                   ("APOLOGY", "80", "N", "F", "apology")]
    assert row(portal, "DEAL_STAGE", "NEW")["NAME_INIT"] == "New"
    assert row(portal, "DEAL_STAGE", "PREPARATION")["NAME_INIT"] == ""
    assert row(portal, "DEAL_STAGE", "NEW")["CATEGORY_ID"] is None


@pytest.mark.parametrize("entity_id,codes", [
    ("STATUS", ["NEW", "IN_PROCESS", "PROCESSED", "CONVERTED", "JUNK"]),
    ("QUOTE_STATUS", ["DRAFT", "SENT", "APPROVED", "DECLAINED", "APOLOGY"]),
    ("CONTACT_TYPE", ["CLIENT", "SUPPLIER", "PARTNER", "OTHER"]),
    ("COMPANY_TYPE", ["CUSTOMER", "SUPPLIER", "COMPETITOR", "PARTNER", "OTHER"]),
    ("EMPLOYEES", ["EMPLOYEES_1", "EMPLOYEES_2", "EMPLOYEES_3", "EMPLOYEES_4"]),
    ("CALL_LIST", ["IN_WORK", "SUCCESS", "WRONG_NUMBER", "STOP_CALLING"]),
])
def test_reference_lists_of_a_new_portal(portal: Portal, entity_id: str,
                                         codes: list[str]) -> None:
    assert [r["STATUS_ID"] for r in rows(portal, entity_id)] == codes


def test_source_system_rows_and_no_extra_on_reference_lists(portal: Portal) -> None:
    source = rows(portal, "SOURCE")
    assert [r["STATUS_ID"] for r in source if r["SYSTEM"] == "Y"] == [
        "CALL", "WEBFORM", "CALLBACK", "RC_GENERATOR", "STORE"]
    assert "EXTRA" not in source[0]


def test_entity_types_lists_pipelines(portal: Portal) -> None:
    portal.value("crm.category.add", {"entityTypeId": 2, "fields": {"name": "Newest"}})
    types = {t["ID"]: t for t in portal.value("crm.status.entity.types")}
    assert list(types)[:7] == ["STATUS", "SOURCE", "CONTACT_TYPE", "COMPANY_TYPE", "EMPLOYEES",
                               "INDUSTRY", "DEAL_TYPE"]
    assert types["DEAL_STAGE_1"] == {
        "ID": "DEAL_STAGE_1", "NAME": "Newest deal stages", "PARENT_ID": "DEAL_STAGE",
        "SEMANTIC_INFO": {"START_FIELD": "C1:NEW", "FINAL_SUCCESS_FIELD": "C1:WON",
                          "FINAL_UNSUCCESS_FIELD": "C1:LOSE", "FINAL_SORT": 0},
        "PREFIX": "C1", "FIELD_ATTRIBUTE_SCOPE": "category_1", "ENTITY_TYPE_ID": 2,
        "CATEGORY_ID": "1"}
    assert types["DEAL_STAGE"]["CATEGORY_ID"] == 0
    assert types["DEAL_STAGE"]["FIELD_ATTRIBUTE_SCOPE"] == ""
    assert {"QUOTE_STATUS", "HONORIFIC", "CALL_LIST"} <= set(types)


def test_entity_items_all_spellings_and_missing(portal: Portal) -> None:
    for key in ("entityId", "entityID", "entity_id", "ENTITY_ID"):
        items = portal.value("crm.status.entity.items", {key: "STATUS"})
        assert items[0] == {"NAME": "Unassigned", "SORT": 10, "STATUS_ID": "NEW"}
    assert portal.error("crm.status.entity.items", {}) == (
        "", "The parameter entityId is not defined or invalid.", 400)


def test_add_rewrites_prefix_and_defaults(portal: Portal) -> None:
    portal.value("crm.category.add", {"entityTypeId": 2, "fields": {"name": "P"}})
    new_id = add(portal, ENTITY_ID="DEAL_STAGE_1", STATUS_ID="C7:DECISION", NAME="Decision",
                 COLOR="FFA900", SYSTEM="Y", SORT="0")
    assert isinstance(new_id, int)
    got = portal.value("crm.status.get", {"id": new_id})
    assert got == {"ID": str(new_id), "ENTITY_ID": "DEAL_STAGE_1", "STATUS_ID": "C1:DECISION",
                   "NAME": "Decision", "NAME_INIT": "", "SORT": "10", "SYSTEM": "N",
                   "CATEGORY_ID": "1", "COLOR": "#FFA900", "SEMANTICS": None,
                   "EXTRA": {"SEMANTICS": "process", "COLOR": "#FFA900"}}


def test_add_strips_head_for_lists_without_prefix(portal: Portal) -> None:
    new_id = add(portal, ENTITY_ID="SOURCE", STATUS_ID="A:B", NAME="B")
    got = portal.value("crm.status.get", {"id": str(new_id)})
    assert (got["STATUS_ID"], got["CATEGORY_ID"]) == ("B", None)
    new_id = add(portal, ENTITY_ID="DEAL_STAGE", STATUS_ID="X1", NAME="x", SORT=15)
    assert portal.value("crm.status.get", {"id": new_id})["CATEGORY_ID"] == "0"


def test_add_form_data_strings(portal: Portal) -> None:
    new_id = add(portal, ENTITY_ID="SOURCE", STATUS_ID="FAIR", NAME="Fair", SORT="85")
    assert portal.value("crm.status.get", {"id": str(new_id)})["SORT"] == "85"


def test_add_required_fields(portal: Portal) -> None:
    assert add_error(portal, NAME="x") == (
        "", "The field ENTITY_ID is required.\nThe field STATUS_ID is required.", 400)
    assert add_error(portal, ENTITY_ID="SOURCE", NAME="x") == (
        "", "The field STATUS_ID is required.", 400)
    assert add_error(portal, ENTITY_ID="NOPE", STATUS_ID="X", NAME="x") == (
        "", "Specified entity type is not supported.", 400)
    assert add_error(portal, ENTITY_ID="SOURCE", STATUS_ID="X") == (
        "", "The field Title is required.", 400)
    assert portal.error("crm.status.add", {"fields": "x"}) == (
        "", "Parameter 'fields' must be array.", 400)


@pytest.mark.parametrize("entity_id,limit", [
    ("STATUS", 21), ("QUOTE_STATUS", 22), ("DEAL_STAGE", 22), ("SOURCE", 50)])
def test_status_id_length_limits(portal: Portal, entity_id: str, limit: int) -> None:
    sort = {"STATUS": 35, "QUOTE_STATUS": 25, "DEAL_STAGE": 55}.get(entity_id, 10)
    assert isinstance(add(portal, ENTITY_ID=entity_id, STATUS_ID="A" * limit, NAME="x",
                          SORT=sort), int)
    code, text, status = add_error(portal, ENTITY_ID=entity_id, STATUS_ID="B" * (limit + 1),
                                   NAME="x", SORT=sort)
    assert (code, status) == ("ERROR_CORE", 400)
    assert text.startswith("STATUS_ID is too long") and str(limit) in text


def test_pipeline_stage_length_depends_on_prefix(portal: Portal) -> None:
    portal.value("crm.category.add", {"entityTypeId": 2, "fields": {"name": "P"}})
    assert add(portal, ENTITY_ID="DEAL_STAGE_1", STATUS_ID="A" * 19, NAME="x", SORT=15)
    assert add_error(portal, ENTITY_ID="DEAL_STAGE_1", STATUS_ID="B" * 20, NAME="x",
                     SORT=15)[0] == "ERROR_CORE"


def test_alphabet_strict_only_for_stage_lists(portal: Portal) -> None:
    code, text, _ = add_error(portal, ENTITY_ID="STATUS", STATUS_ID="SÜD", NAME="x", SORT=15)
    assert code == "ERROR_CORE" and "invalid characters" in text
    assert add(portal, ENTITY_ID="INDUSTRY", STATUS_ID="ТЕСТ 1", NAME="x")


def test_duplicate_is_error_core(portal: Portal) -> None:
    assert add_error(portal, ENTITY_ID="SOURCE", STATUS_ID="CALL", NAME="x") == (
        "ERROR_CORE", "The specified status ID already exists.", 400)


def test_sort_zone_rules(portal: Portal) -> None:
    assert add_error(portal, ENTITY_ID="DEAL_STAGE", STATUS_ID="LATE", NAME="x", SORT=65)[1] \
        .startswith("Cannot create more stages after the final stage")
    assert add_error(portal, ENTITY_ID="DEAL_STAGE", STATUS_ID="EARLYF", NAME="x", SORT=55,
                     SEMANTICS="F") == (
        "ERROR_CORE", "Cannot add semantics with the specified sort order", 400)
    assert add_error(portal, ENTITY_ID="DEAL_STAGE", STATUS_ID="WON2", NAME="x", SORT=60,
                     SEMANTICS="S")[0] == "ERROR_CORE"
    new_id = add(portal, ENTITY_ID="DEAL_STAGE", STATUS_ID="LOST2", NAME="x", SORT=90,
                 SEMANTICS="F")
    assert portal.value("crm.status.get", {"id": new_id})["EXTRA"]["SEMANTICS"] == "apology"
    # Reference lists have no zones.
    assert add(portal, ENTITY_ID="SOURCE", STATUS_ID="LAST", NAME="x", SORT=9999)


def test_non_admin_cannot_write(portal: Portal) -> None:
    denied = ("", "Access denied.", 400)
    assert portal.error("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": "X",
                                                      "NAME": "x"}}, user=EMPLOYEE) == denied
    assert portal.error("crm.status.update", {"id": 1, "fields": {"NAME": "x"}},
                        user=EMPLOYEE) == denied
    assert portal.error("crm.status.delete", {"id": 1}, user=EMPLOYEE) == denied
    assert portal.value("crm.status.list", {}, user=EMPLOYEE)


def test_get_errors(portal: Portal) -> None:
    assert portal.error("crm.status.get", {"id": 0}) == ("", "Invalid identifier.", 400)
    assert portal.error("crm.status.get", {"id": "abc"}) == ("", "Invalid identifier.", 400)
    assert portal.error("crm.status.get", {"id": 99999}) == ("", "Status is not found.", 400)


def test_update_drops_immutable_keys_and_keeps_sort(portal: Portal) -> None:
    target = row(portal, "DEAL_STAGE", "PREPARATION")
    assert portal.value("crm.status.update", {"id": target["ID"], "fields": {
        "NAME": "Data", "COLOR": "00A9F4", "STATUS_ID": "X", "ENTITY_ID": "SOURCE",
        "SEMANTICS": "S", "CATEGORY_ID": 5, "SYSTEM": "Y"}}) is True
    got = portal.value("crm.status.get", {"id": target["ID"]})
    assert got == {**target, "NAME": "Data", "COLOR": "#00A9F4",
                   "EXTRA": {"SEMANTICS": "process", "COLOR": "#00A9F4"}}
    assert portal.value("crm.status.update", {"id": target["ID"],
                                              "fields": {"CATEGORY_ID": 3}}) is True
    assert portal.value("crm.status.update", {"id": target["ID"], "fields": {"NAME": " "}})
    assert portal.value("crm.status.get", {"id": target["ID"]})["NAME"] == "Data"


def test_update_legacy_sort_reset_switch(portal: Portal) -> None:
    target = row(portal, "DEAL_STAGE", "EXECUTING")
    state.settings(portal.store)["status_sort_reset"] = True
    portal.value("crm.status.update", {"id": target["ID"], "fields": {"NAME": "Go"}})
    assert portal.value("crm.status.get", {"id": target["ID"]})["SORT"] == "10"


def test_update_errors(portal: Portal) -> None:
    assert portal.error("crm.status.update", {"fields": {"NAME": "x"}}) == (
        "", "Invalid identifier.", 400)
    assert portal.error("crm.status.update", {"id": 99999, "fields": {"NAME": "x"}}) == (
        "", "Status is not found.", 400)


def test_delete_system_needs_forced(portal: Portal) -> None:
    won = row(portal, "DEAL_STAGE", "LOSE")
    assert portal.error("crm.status.delete", {"id": won["ID"]}) == (
        "", ('CRM System Status can be deleted only if parameter FORCED is specified and equal '
             'to "Y".'), 400)
    assert portal.value("crm.status.delete", {"id": won["ID"], "params": {"FORCED": "Y"}}) is True
    assert portal.error("crm.status.get", {"id": won["ID"]})[1] == "Status is not found."


def test_delete_refuses_rows_in_use(portal: Portal) -> None:
    target = row(portal, "DEAL_STAGE", "EXECUTING")
    state.set_item_count(portal.store, "DEAL_STAGE", "EXECUTING", 2)
    assert portal.error("crm.status.delete", {"id": target["ID"]}) == (
        "", "There are active items in this status.", 400)
    state.set_item_count(portal.store, "DEAL_STAGE", "EXECUTING", 0)
    assert portal.value("crm.status.delete", {"id": target["ID"]}) is True
    assert portal.error("crm.status.delete", {"id": target["ID"]})[1] == "Status is not found."


def test_list_filter_and_order(portal: Portal) -> None:
    got = portal.call("crm.status.list", {"FILTER": {"ENTITY_ID": "DEAL_STAGE", "SYSTEM": "Y"},
                                          "order": {"SORT": "DESC"}})
    assert [r["STATUS_ID"] for r in got.value] == ["LOSE", "WON", "NEW"]
    assert (got.total, got.next) == (3, None)
    assert portal.error("crm.status.list", {"filter": "x"}) == (
        "", "Parameter 'filter' must be array.", 400)


def test_status_fields_describe_every_column(portal: Portal) -> None:
    got = portal.value("crm.status.fields")
    assert list(got) == ["ID", "ENTITY_ID", "STATUS_ID", "SORT", "NAME", "NAME_INIT", "SYSTEM",
                         "CATEGORY_ID", "COLOR", "SEMANTICS", "EXTRA"]
    assert got["ENTITY_ID"]["isImmutable"] is True
