"""crm.category.*: deal, client and smart-process pipelines (docs/portal-rules.md#categories, #default-stages)."""

from __future__ import annotations

from typing import Any

from crm_portal import EMPLOYEE, Portal

from provisioner.sandbox.crm import state


def add_deal_pipeline(portal: Portal, **fields: Any) -> dict[str, Any]:
    got: dict[str, Any] = portal.value("crm.category.add",
                                       {"entityTypeId": 2, "fields": {"name": "P", **fields}})
    return got["category"]


def test_deal_list_has_virtual_default_pipeline(portal: Portal) -> None:
    got = portal.call("crm.category.list", {"entityTypeId": 2})
    assert got.value == {"categories": [
        {"id": 0, "name": "General", "sort": 300, "entityTypeId": 2, "isDefault": "Y"}]}
    assert (got.total, got.next) == (1, None)


def test_add_deal_pipeline_creates_stages(portal: Portal) -> None:
    cat = add_deal_pipeline(portal, name="Sales", sort="100", originId="sales",
                            originatorId="provision", isDefault="Y")
    assert cat == {"id": 1, "name": "Sales", "sort": 100, "entityTypeId": 2, "isDefault": "N",
                   "originId": "sales", "originatorId": "provision"}
    stages = portal.value("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE_1"}})
    assert [s["STATUS_ID"] for s in stages] == [
        "C1:NEW", "C1:PREPARATION", "C1:PREPAYMENT_INVOICE", "C1:EXECUTING",
        "C1:FINAL_INVOICE", "C1:WON", "C1:LOSE", "C1:APOLOGY"]
    assert {s["CATEGORY_ID"] for s in stages} == {"1"}
    listed = portal.value("crm.category.list", {"entityTypeId": "2"})["categories"]
    assert [c["id"] for c in listed] == [1, 0]  # by sort, then id


def test_no_duplicate_name_check_and_sort_rules(portal: Portal) -> None:
    first, second = add_deal_pipeline(portal), add_deal_pipeline(portal, sort=-5)
    assert (first["id"], second["id"], second["sort"]) == (1, 2, 500)
    got = portal.value("crm.category.update", {"entityTypeId": 2, "id": 2,
                                               "fields": {"sort": -1, "name": "Q"}})
    assert (got["category"]["sort"], got["category"]["name"]) == (500, "Q")


def test_get_update_delete_deal_pipeline(portal: Portal) -> None:
    add_deal_pipeline(portal, name="Sales")
    got = portal.value("crm.category.update", {"entityTypeId": 2, "id": 1,
                                               "fields": {"originId": "x"}})
    assert got["category"]["originId"] == "x" and got["category"]["name"] == "Sales"
    assert portal.value("crm.category.get", {"entityTypeId": 2, "id": 0})["category"] == {
        "id": 0, "name": "General", "sort": 300, "entityTypeId": 2, "isDefault": "Y"}
    assert portal.call("crm.category.delete", {"entityTypeId": 2, "id": 1}).value is None
    assert portal.value("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE_1"}}) == []
    assert portal.error("crm.category.get", {"entityTypeId": 2, "id": 1}) == (
        "NOT_FOUND", "Element not found", 400)


def test_delete_refusals_for_deals(portal: Portal) -> None:
    assert portal.error("crm.category.delete", {"entityTypeId": 2, "id": 0}) == (
        0, "Default deal category cannot be deleted", 400)
    add_deal_pipeline(portal, name="Sales")
    state.set_item_count(portal.store, "DEAL_STAGE_1", "C1:NEW", 1)
    assert portal.error("crm.category.delete", {"entityTypeId": 2, "id": 1}) == (
        0, "Deals related to the funnel Sales found", 400)
    assert portal.error("crm.category.delete", {"entityTypeId": 2, "id": 7}) == (
        "NOT_FOUND", "Element not found", 400)


def test_entity_type_errors(portal: Portal) -> None:
    assert portal.error("crm.category.list", {}) == (
        100, "Could not find value for parameter {entityTypeId}", 400)
    assert portal.error("crm.category.list", {"entityTypeId": 1}) == (
        "ENTITY_TYPE_NOT_SUPPORTED", "Entity type LEAD is not supported", 400)
    assert portal.error("crm.category.list", {"entityTypeId": 7}) == (
        "ENTITY_TYPE_NOT_SUPPORTED", "Entity type QUOTE is not supported", 400)
    assert portal.error("crm.category.list", {"entityTypeId": 999}) == (
        "NOT_FOUND", "Smart process not found", 400)
    assert portal.error("crm.category.get", {"entityTypeId": 2}) == (
        100, "Could not find value for parameter {id}", 400)
    assert portal.error("crm.category.add", {"entityTypeId": 2}) == (
        100, "Could not find value for parameter {fields}", 400)


def test_add_refusals(portal: Portal) -> None:
    assert portal.error("crm.category.add", {"entityTypeId": 2, "fields": {"sort": 1}}) == (
        0, "Field 'NAME' is required", 400)
    assert portal.error("crm.category.add", {"entityTypeId": 2,
                                             "fields": {"name": "x", "isSystem": "Y"}}) == (
        "ADDING_DISABLED", "Adding a system category is prohibited", 400)
    assert portal.error("crm.category.add", {"entityTypeId": 2, "fields": {"name": "x"}},
                        user=EMPLOYEE) == ("ACCESS_DENIED", "Access denied", 400)
    assert portal.value("crm.category.list", {"entityTypeId": 2}, user=EMPLOYEE)


def test_client_categories(portal: Portal) -> None:
    got = portal.value("crm.category.add", {"entityTypeId": 3, "fields": {"name": "VIP"}})
    assert got["category"] == {"id": 1, "name": "VIP", "sort": 500, "entityTypeId": 3,
                               "isDefault": "N"}
    assert portal.error("crm.category.add", {"entityTypeId": 4, "fields": {
        "name": "x", "isDefault": "Y"}}) == (
        0, "Default client category does not support updating default state", 400)


def spa(portal: Portal, **fields: Any) -> dict[str, Any]:
    got: dict[str, Any] = portal.value("crm.type.add", {"fields": {
        "title": "Candidates", "isCategoriesEnabled": "Y", **fields}})
    return got["type"]


def test_spa_pipelines_default_switch_and_delete(portal: Portal) -> None:
    etid = spa(portal)["entityTypeId"]
    default = portal.value("crm.category.list", {"entityTypeId": etid})["categories"]
    assert [(c["name"], c["isDefault"]) for c in default] == [("General", "Y")]
    new = portal.value("crm.category.add", {"entityTypeId": etid, "fields": {
        "name": "Second", "isDefault": "Y", "code": "second"}})["category"]
    # `code` is the alias of the portal's system pipelines: REST does not write it
    # (api-reference/crm/universal/category/crm-category-add.md lists name, sort, isDefault; Controller\Category::processFields)
    assert new == {"id": new["id"], "name": "Second", "sort": 500, "entityTypeId": etid,
                   "isDefault": "Y", "isSystem": "N", "code": ""}
    old = portal.value("crm.category.get", {"entityTypeId": etid, "id": default[0]["id"]})
    assert old["category"]["isDefault"] == "N"
    stages = portal.value("crm.status.entity.items",
                          {"entityId": f"DYNAMIC_{etid}_STAGE_{new['id']}"})
    assert [s["STATUS_ID"] for s in stages] == [
        f"DT{etid}_{new['id']}:{c}" for c in ("NEW", "PREPARATION", "CLIENT", "SUCCESS", "FAIL")]
    assert portal.value("crm.category.list", {"entityTypeId": etid, "filter": {
        "code": "second"}})["categories"] == []
    assert portal.error("crm.category.delete", {"entityTypeId": etid, "id": new["id"]}) == (
        "BX_ERROR", "This funnel is the default funnel", 400)
    state.set_item_count(portal.store, f"DYNAMIC_{etid}_STAGE_{default[0]['id']}",
                         f"DT{etid}_{default[0]['id']}:NEW", 3)
    assert portal.error("crm.category.delete", {"entityTypeId": etid,
                                                "id": default[0]["id"]}) == (
        "BX_ERROR", "Elements related to the funnel found", 400)


def test_spa_without_categories_refuses_writes(portal: Portal) -> None:
    etid = spa(portal, isCategoriesEnabled="N")["entityTypeId"]
    assert len(portal.value("crm.category.list", {"entityTypeId": etid})["categories"]) == 1
    assert portal.error("crm.category.add", {"entityTypeId": etid, "fields": {"name": "x"}}) == (
        "ENTITY_TYPE_NOT_SUPPORTED", f"Entity type DYNAMIC_{etid} is not supported", 400)


def test_category_fields(portal: Portal) -> None:
    deal = portal.value("crm.category.fields", {"entityTypeId": 2})["fields"]
    assert list(deal) == ["id", "name", "sort", "entityTypeId", "isDefault", "originId",
                          "originatorId"]
    assert deal["isDefault"]["isReadOnly"] is True
