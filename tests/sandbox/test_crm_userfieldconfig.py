"""userfieldconfig.*: smart-process user fields in the main-module D7 dialect (docs/portal-rules.md#userfieldconfig)."""

from __future__ import annotations

from typing import Any

import pytest
from crm_portal import EMPLOYEE, Portal

from provisioner.sandbox.core import REGISTRY, BitrixError, CallContext


@pytest.fixture
def portal() -> Portal:
    p = Portal()
    p.value("crm.type.add", {"fields": {"title": "Equipment", "entityTypeId": 177}})
    return p


def add(portal: Portal, **field: Any) -> dict[str, Any]:
    body = {"entityId": "CRM_1", "fieldName": "UF_CRM_1_LIST", "userTypeId": "enumeration",
            **field}
    got: dict[str, Any] = portal.value("userfieldconfig.add", {"moduleId": "crm", "field": body})
    return got["field"]


def test_add_returns_stored_field(portal: Portal) -> None:
    field = add(portal, multiple="Y", showFilter="Y", showInList="N", label="ignored",
                listColumnLabel={"en": "ignored"}, editFormLabel={"en": "List"},
                enum=[{"value": "A", "def": "N", "sort": 100, "xmlId": "a"},
                      {"value": "B", "def": "Y", "sort": 200}])
    assert {k: field[k] for k in ("entityId", "fieldName", "userTypeId", "xmlId", "sort",
                                  "multiple", "mandatory", "showFilter", "showInList")} == {
        "entityId": "CRM_1", "fieldName": "UF_CRM_1_LIST", "userTypeId": "enumeration",
        "xmlId": None, "sort": "100", "multiple": "Y", "mandatory": "N", "showFilter": "E",
        "showInList": "Y"}
    assert field["settings"] == {"DISPLAY": "LIST", "LIST_HEIGHT": 1, "CAPTION_NO_VALUE": "",
                                 "SHOW_NO_VALUE": "Y"}
    assert (field["editFormLabel"]["en"], field["editFormLabel"]["de"]) == ("List", None)
    assert field["listColumnLabel"]["en"] is None
    assert [(e["value"], e["def"], e["sort"], e["userFieldId"]) for e in field["enum"]] == [
        ("A", "N", "100", field["id"]), ("B", "Y", "200", field["id"])]
    assert field["enum"][0]["xmlId"] == "a" and len(field["enum"][1]["xmlId"]) == 32
    legacy = portal.value("crm.deal.userfield.list", {})
    assert legacy == []  # CRM_1 is not the deal entity


def test_prefix_must_be_exact(portal: Portal) -> None:
    refused = ("", "You cannot create custom fields", 400)
    assert portal.error("userfieldconfig.add", {"moduleId": "crm", "field": {
        "entityId": "CRM_1", "fieldName": "UF_CRM_LIST", "userTypeId": "string"}}) == refused
    assert portal.error("userfieldconfig.add", {"moduleId": "crm", "field": {
        "entityId": "CRM_99", "fieldName": "UF_CRM_99_X", "userTypeId": "string"}}) == refused
    assert portal.error("userfieldconfig.add", {"moduleId": "crm", "field": {
        "entityId": "CRM_1", "fieldName": "UF_CRM_1_X", "userTypeId": "string"}},
        user=EMPLOYEE) == refused
    assert portal.error("userfieldconfig.add", {"moduleId": "crm", "field": {
        "entityId": "CRM_1", "userTypeId": "string"}}) == (
        "", "The 'FIELD_NAME' field is not found.", 400)
    assert portal.error("userfieldconfig.add", {"moduleId": "crm", "field": {
        "entityId": "CRM_1", "fieldName": "UF_CRM_1_" + "X" * 42, "userTypeId": "string"}}) == (
        "", "Field name is too long (more than 50 characters).", 400)
    add(portal, userTypeId="string")
    assert portal.error("userfieldconfig.add", {"moduleId": "crm", "field": {
        "entityId": "CRM_1", "fieldName": "UF_CRM_1_LIST", "userTypeId": "string"}}) == (
        "", "The field UF_CRM_1_LIST for the CRM_1 object already exists.", 400)


def test_module_and_scope(portal: Portal) -> None:
    assert portal.error("userfieldconfig.getTypes", {}) == (
        100, "Could not find value for parameter {moduleId}", 400)
    method = REGISTRY.get("userfieldconfig.getTypes")
    assert method is not None and method.scope == "userfieldconfig"
    ctx = CallContext(portal.store, 1, "webhook", frozenset({"userfieldconfig"}))
    with pytest.raises(BitrixError) as info:
        method.handler(ctx, {"moduleId": "crm"})
    assert str(info.value) == ": The current method required more scopes. (crm)"
    types = portal.value("userfieldconfig.getTypes", {"moduleId": "crm"})["types"]
    assert types["string"] == {"userTypeId": "string", "description": "String"}


def test_update_enum_replace_only_with_user_type(portal: Portal) -> None:
    field = add(portal, enum=[{"value": "A", "xmlId": "a"}, {"value": "B", "xmlId": "b",
                                                              "def": "Y"}])
    a_id, b_id = (e["id"] for e in field["enum"])
    got = portal.value("userfieldconfig.update", {"moduleId": "crm", "id": field["id"], "field": {
        "mandatory": "Y", "enum": [{"id": b_id, "value": "B2"}]}})["field"]
    assert got["mandatory"] == "Y" and len(got["enum"]) == 2  # enum ignored without userTypeId
    got = portal.value("userfieldconfig.update", {"moduleId": "crm", "id": field["id"], "field": {
        "userTypeId": "enumeration", "enum": [{"id": b_id, "value": "B2"}, {"value": "C"}]}})
    first = got["field"]["enum"][0]
    assert (first["id"], first["value"], first["xmlId"], first["def"]) == (
        b_id, "B2", "b", "Y")
    assert [e["value"] for e in got["field"]["enum"]] == ["B2", "C"]
    assert a_id not in [e["id"] for e in got["field"]["enum"]]


def test_get_list_delete(portal: Portal) -> None:
    for n in range(52):
        add(portal, fieldName=f"UF_CRM_1_F{n}", userTypeId="string",
            editFormLabel={"de": f"Feld {n}"} if n == 0 else None)
    first = portal.call("userfieldconfig.list", {"moduleId": "crm"})
    assert (len(first.value["fields"]), first.total, first.next) == (50, 52, 50)
    assert "editFormLabel" not in first.value["fields"][0]
    de = portal.value("userfieldconfig.list", {"moduleId": "crm", "select": {
        "0": "*", "language": "de"}, "filter": {"fieldName": "UF_CRM_1_F0"}})["fields"][0]
    assert (de["languageId"], de["editFormLabel"], de["helpMessage"]) == (
        {"de": "de"}, {"de": "Feld 0"}, None)
    one = portal.value("userfieldconfig.get", {"moduleId": "crm", "id": de["id"]})["field"]
    assert one["fieldName"] == "UF_CRM_1_F0" and len(one["languageId"]) == 21
    assert portal.call("userfieldconfig.get", {"moduleId": "crm", "id": 9999}).value is None
    assert portal.call("userfieldconfig.delete", {"moduleId": "crm", "id": de["id"]}).value \
        is None
    assert portal.error("userfieldconfig.delete", {"moduleId": "crm", "id": de["id"]}) == (
        "", "You cannot delete the user field", 400)
    assert portal.error("userfieldconfig.update", {"moduleId": "crm", "id": de["id"],
                                                   "field": {}}) == (
        "", "You cannot change the settings of the user field", 400)


def test_type_delete_removes_its_fields(portal: Portal) -> None:
    add(portal, userTypeId="string")
    portal.value("crm.type.delete", {"id": 1})
    assert portal.value("userfieldconfig.list", {"moduleId": "crm"})["fields"] == []


def test_fieldattribute_methods_do_not_exist() -> None:
    assert REGISTRY.get("crm.fieldattribute.saveConfiguration") is None
    assert not [m for m in REGISTRY.methods if m.startswith("crm.fieldattribute")]
