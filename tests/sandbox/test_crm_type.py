"""crm.type.*: smart process types (docs/portal-rules.md#smart-processes)."""

from __future__ import annotations

from typing import Any

import pytest
from crm_portal import EMPLOYEE, Portal

from provisioner.sandbox.crm import state


def add(portal: Portal, **fields: Any) -> dict[str, Any]:
    got: dict[str, Any] = portal.value("crm.type.add", {"fields": {"title": "HR", **fields}})
    return got["type"]


def test_add_defaults_and_default_pipeline(portal: Portal) -> None:
    spa = add(portal, title="  Candidates ")
    assert (spa["id"], spa["entityTypeId"], spa["title"], spa["code"]) == (1, 128, "Candidates",
                                                                          "")
    flags = {k: v for k, v in spa.items() if k.startswith("is")}
    assert flags.pop("isSetOpenPermissions") == "Y"
    assert set(flags.values()) == {"N"}
    assert spa["relations"] == {"parent": [], "child": []}
    assert spa["linkedUserFields"] == {"CALENDAR_EVENT|UF_CRM_CAL_EVENT": "N",
                                       "TASKS_TASK|UF_CRM_TASK": "N",
                                       "TASKS_TASK_TEMPLATE|UF_CRM_TASK": "N"}
    assert (spa["customSections"], spa["customSectionId"], spa["createdBy"]) == ([], None, 1)
    cats = portal.value("crm.category.list", {"entityTypeId": 128})["categories"]
    assert [(c["name"], c["isDefault"]) for c in cats] == [("General", "Y")]
    items = portal.value("crm.status.entity.items",
                         {"entityId": f"DYNAMIC_128_STAGE_{cats[0]['id']}"})
    assert [i["NAME"] for i in items] == ["Start", "Preparation", "Approval", "Success",
                                          "Failure"]
    types = {t["ID"]: t for t in portal.value("crm.status.entity.types")}
    entry = types[f"DYNAMIC_128_STAGE_{cats[0]['id']}"]
    assert entry["NAME"] == "Candidates (General)" and entry["PREFIX"] == f"DT128_{cats[0]['id']}"
    assert entry["IS_ENABLED"] is False and entry["IS_DEFAULT_CATEGORY"] is True


def test_spa_stage_rows_have_name_init_and_category(portal: Portal) -> None:
    add(portal)
    cid = portal.value("crm.category.list", {"entityTypeId": 128})["categories"][0]["id"]
    rows = portal.value("crm.status.list", {"filter": {"ENTITY_ID": f"DYNAMIC_128_STAGE_{cid}"}})
    assert [r["NAME_INIT"] for r in rows] == ["Start", "Preparation", "Approval", "Success",
                                              "Failure"]
    assert {r["CATEGORY_ID"] for r in rows} == {str(cid)}
    assert [r["EXTRA"]["SEMANTICS"] for r in rows] == ["process", "process", "process",
                                                       "success", "failure"]
    new_id = portal.value("crm.status.add", {"fields": {
        "ENTITY_ID": f"DYNAMIC_128_STAGE_{cid}", "STATUS_ID": "MY_STAGE", "NAME": "Mine",
        "SORT": 35}})
    got = portal.value("crm.status.get", {"id": new_id})
    assert (got["STATUS_ID"], got["CATEGORY_ID"]) == (f"DT128_{cid}:MY_STAGE", "0")


@pytest.mark.parametrize("value", [127, 193, 1031, 31, "abc"])
def test_entity_type_id_range(portal: Portal, value: Any) -> None:
    assert portal.error("crm.type.add", {"fields": {"title": "x", "entityTypeId": value}}) == (
        "INVALID_ARG_VALUE", "entityTypeId is out of allowed range", 400)


def test_entity_type_id_given_unique_and_auto(portal: Portal) -> None:
    assert add(portal, entityTypeId="1030")["entityTypeId"] == 1030
    assert add(portal, entityTypeId=128)["entityTypeId"] == 128
    assert add(portal)["entityTypeId"] == 129
    assert portal.error("crm.type.add", {"fields": {"title": "x", "entityTypeId": 1030}})[0] == \
        "INVALID_ARG_VALUE"


def test_add_errors(portal: Portal) -> None:
    assert portal.error("crm.type.add", {}) == (
        100, "Could not find value for parameter {fields}", 400)
    assert portal.error("crm.type.add", {"fields": {"title": " "}}) == (
        0, "Field 'TITLE' is required", 400)
    assert portal.error("crm.type.add", {"fields": {"title": "x"}}, user=EMPLOYEE) == (
        "ACCESS_DENIED", "Access denied", 400)
    assert portal.error("crm.type.fields", {}, user=EMPLOYEE) == (
        "ACCESS_DENIED", "Access Denied", 400)


def test_extranet_user_refused(portal: Portal) -> None:
    extranet = next(int(uid) for uid, u in portal.store.section("users", {}).items()
                    if u["USER_TYPE"] == "extranet")
    assert portal.error("crm.type.get", {"id": 1}, user=extranet) == (
        "allowed_only_intranet_user", "Action allowed only for intranet users", 403)


def test_relations_strings_and_full_replace(portal: Portal) -> None:
    spa = add(portal, isClientEnabled="Y", relations={
        "parent": [{"entityTypeId": 2, "isChildrenListEnabled": "true"},
                   {"entityTypeId": 3, "isChildrenListEnabled": "false"},
                   {"entityTypeId": 9999, "isChildrenListEnabled": "true"}],
        "child": [{"entityTypeId": 4, "isChildrenListEnabled": "Y"}]})
    assert spa["relations"] == {
        "parent": [{"entityTypeId": 3, "isChildrenListEnabled": "Y", "isPredefined": "Y"},
                   {"entityTypeId": 4, "isChildrenListEnabled": "Y", "isPredefined": "Y"},
                   {"entityTypeId": 2, "isChildrenListEnabled": "Y", "isPredefined": "N"}],
        "child": [{"entityTypeId": 4, "isChildrenListEnabled": "N", "isPredefined": "N"}]}
    got = portal.value("crm.type.update", {"id": spa["id"], "fields": {"relations": {
        "parent": [{"entityTypeId": 1, "isChildrenListEnabled": "true"}]}}})["type"]
    assert [r["entityTypeId"] for r in got["relations"]["parent"]] == [3, 4, 1]
    assert got["relations"]["child"] == spa["relations"]["child"]


def _sides(portal: Portal, type_id: int) -> dict[str, list[tuple[int, str]]]:
    got = portal.value("crm.type.get", {"id": type_id})["type"]["relations"]
    return {side: [(r["entityTypeId"], r["isPredefined"]) for r in got[side]]
            for side in ("parent", "child")}


def test_contact_and_company_are_parents_only_through_the_client_field(portal: Portal) -> None:
    """RelationManager::getAvailableForParentBindingEntityTypes leaves them out: a relation
    sent for them is ignored; `isClientEnabled` makes them predefined parents."""
    spa = add(portal, relations={"parent": [{"entityTypeId": 3}, {"entityTypeId": 2}],
                                 "child": [{"entityTypeId": 3}]})
    assert _sides(portal, spa["id"]) == {"parent": [(2, "N")], "child": [(3, "N")]}
    portal.value("crm.type.update", {"id": spa["id"], "fields": {"isClientEnabled": "Y"}})
    assert _sides(portal, spa["id"])["parent"] == [(3, "Y"), (4, "Y"), (2, "N")]


def test_a_relation_between_smart_processes_is_one_for_both(portal: Portal) -> None:
    hr, offer = add(portal, title="HR"), add(portal, title="Offer")
    portal.value("crm.type.update", {"id": hr["id"], "fields": {"relations": {
        "parent": [{"entityTypeId": offer["entityTypeId"], "isChildrenListEnabled": "true"},
                   {"entityTypeId": hr["entityTypeId"]}]}}})  # itself: ignored
    assert _sides(portal, hr["id"])["parent"] == [(offer["entityTypeId"], "N")]
    assert _sides(portal, offer["id"])["child"] == [(hr["entityTypeId"], "N")]
    # the other side sent without it unbinds it for both; "" (what a batch's form encoding
    # leaves of an empty list) selects nothing
    portal.value("crm.type.update", {"id": offer["id"], "fields": {"relations": {"child": ""}}})
    assert _sides(portal, hr["id"]) == {"parent": [], "child": []}
    portal.value("crm.type.update", {"id": offer["id"], "fields": {"relations": {
        "child": [{"entityTypeId": hr["entityTypeId"]}]}}})
    portal.value("crm.type.delete", {"id": offer["id"]})
    assert _sides(portal, hr["id"]) == {"parent": [], "child": []}


def test_linked_user_fields_need_use_in_userfield(portal: Portal) -> None:
    linked = {"TASKS_TASK|UF_CRM_TASK": "true", "CALENDAR_EVENT|UF_CRM_CAL_EVENT": "Y"}
    spa = add(portal, linkedUserFields=linked)
    assert set(spa["linkedUserFields"].values()) == {"N"}
    got = portal.value("crm.type.update", {"id": spa["id"], "fields": {
        "isUseInUserfieldEnabled": "Y", "linkedUserFields": linked}})["type"]
    assert got["linkedUserFields"] == {"CALENDAR_EVENT|UF_CRM_CAL_EVENT": "N",
                                       "TASKS_TASK|UF_CRM_TASK": "Y",
                                       "TASKS_TASK_TEMPLATE|UF_CRM_TASK": "N"}


def test_update_ignores_entity_type_id_and_keeps_unsent(portal: Portal) -> None:
    spa = add(portal, code="hr", isStagesEnabled="Y")
    got = portal.value("crm.type.update", {"id": spa["id"], "fields": {
        "entityTypeId": 1040, "title": "Hiring", "isAutomationEnabled": "Y"}})["type"]
    assert (got["entityTypeId"], got["title"], got["code"]) == (128, "Hiring", "hr")
    assert (got["isStagesEnabled"], got["isAutomationEnabled"]) == ("Y", "Y")


def test_get_by_both_ids(portal: Portal) -> None:
    spa = add(portal, entityTypeId=1038)
    assert portal.value("crm.type.get", {"id": spa["id"]})["type"] == spa
    assert portal.value("crm.type.getbyentitytypeid", {"entityTypeId": "1038"})["type"] == spa
    assert portal.error("crm.type.get", {"id": 1038}) == (0, "Smart process not found", 400)
    assert portal.error("crm.type.getByEntityTypeId", {"entityTypeId": spa["id"]}) == (
        0, "Smart process not found", 400)


def test_list_pages_filters_orders(portal: Portal) -> None:
    for n in range(55):
        add(portal, title=f"T{n}", isAutomationEnabled="Y" if n % 2 else "N")
    first = portal.call("crm.type.list", {})
    assert (len(first.value["types"]), first.total, first.next) == (50, 55, 50)
    assert "relations" not in first.value["types"][0]
    second = portal.call("crm.type.list", {}, start=50)
    assert (len(second.value["types"]), second.next) == (5, None)
    got = portal.value("crm.type.list", {"filter": {"isAutomationEnabled": "Y", ">id": 50},
                                         "order": {"id": "DESC"}})["types"]
    assert [t["id"] for t in got] == [54, 52]
    got = portal.value("crm.type.list", {"filter": {"0": {"logic": "OR", "0": {"%title": "T5"},
                                                          "1": {"=title": "T1"}}}})["types"]
    assert [t["title"] for t in got] == ["T1", "T5", "T50", "T51", "T52", "T53", "T54"]
    assert portal.error("crm.type.list", {"filter": {"nope": 1}}) == (
        "INVALID_ARG_VALUE", "Invalid filter: field 'nope' is not allowed in filter", 400)
    assert portal.error("crm.type.list", {"order": {"id": "UP"}}) == (
        "INVALID_ARG_VALUE",
        "Invalid order: allowed sort directions are ASC, DESC. But got 'UP' for field 'id'", 400)
    assert portal.error("crm.type.list", {"order": {"nope": "ASC"}})[1] == \
        "Invalid order: field 'nope' is not allowed in order"


def test_delete(portal: Portal) -> None:
    spa = add(portal, entityTypeId=1040)
    cid = portal.value("crm.category.list", {"entityTypeId": 1040})["categories"][0]["id"]
    state.set_item_count(portal.store, f"DYNAMIC_1040_STAGE_{cid}", f"DT1040_{cid}:NEW", 1)
    assert portal.error("crm.type.delete", {"id": spa["id"]}) == (
        "BX_ERROR", "You cannot delete an entity type that has elements", 400)
    state.set_item_count(portal.store, f"DYNAMIC_1040_STAGE_{cid}", f"DT1040_{cid}:NEW", 0)
    assert portal.value("crm.type.delete", {"id": spa["id"]}) == []
    assert portal.value("crm.status.list", {"filter": {"ENTITY_ID":
                                                       f"DYNAMIC_1040_STAGE_{cid}"}}) == []
    assert portal.error("crm.category.list", {"entityTypeId": 1040}) == (
        "NOT_FOUND", "Smart process not found", 400)
    assert portal.error("crm.type.delete", {"id": spa["id"]}) == (
        0, "Smart process not found", 400)
