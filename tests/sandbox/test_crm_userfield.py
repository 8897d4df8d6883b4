"""crm.<entity>.userfield.* and crm.userfield.* helpers (docs/portal-rules.md#custom-fields)."""

from __future__ import annotations

from typing import Any

import pytest
from crm_portal import EMPLOYEE, Portal


def add(portal: Portal, entity: str = "deal", **fields: Any) -> Any:
    return portal.value(f"crm.{entity}.userfield.add", {"fields": fields})


def get(portal: Portal, field_id: Any, entity: str = "deal") -> dict[str, Any]:
    got: dict[str, Any] = portal.value(f"crm.{entity}.userfield.get", {"id": field_id})
    return got


@pytest.mark.parametrize("given,stored", [
    ("manager_note", "UF_CRM_MANAGER_NOTE"), ("UF_MANAGER_NOTE", "UF_CRM_MANAGER_NOTE"),
    (" UF_CRM_MANAGER_NOTE ", "UF_CRM_MANAGER_NOTE")])
def test_field_name_prefixing(portal: Portal, given: str, stored: str) -> None:
    field_id = add(portal, FIELD_NAME=given, USER_TYPE_ID="string")
    assert isinstance(field_id, int)
    assert get(portal, field_id)["FIELD_NAME"] == stored


def test_field_name_errors(portal: Portal) -> None:
    assert portal.error("crm.deal.userfield.add", {"fields": {"USER_TYPE_ID": "string"}}) == (
        "", "The 'FIELD_NAME' field is not found.", 400)
    assert portal.error("crm.deal.userfield.add", {"fields": {"FIELD_NAME": "X"}}) == (
        "", "The 'USER_TYPE_ID' field is not found.", 400)
    assert portal.error("crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": "X" * 44, "USER_TYPE_ID": "string"}}) == (
        "ERROR_CORE", "Field name is too long (more than 50 characters).", 400)
    assert add(portal, FIELD_NAME="X" * 43, USER_TYPE_ID="string")
    assert portal.error("crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": "ВИП", "USER_TYPE_ID": "string"}}) == (
        "ERROR_CORE",
        "Field name contains invalid characters. Allowed characters are: A-Z, 0-9 and _.", 400)
    assert portal.error("crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": "X", "USER_TYPE_ID": "nope"}}) == (
        "ERROR_CORE", "Incorrect custom type specified.", 400)


def test_duplicate_per_entity(portal: Portal) -> None:
    add(portal, FIELD_NAME="VIP", USER_TYPE_ID="boolean")
    assert portal.error("crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": "VIP", "USER_TYPE_ID": "boolean"}}) == (
        "ERROR_CORE", "The field UF_CRM_VIP for the CRM_DEAL object already exists.", 400)
    assert add(portal, "contact", FIELD_NAME="VIP", USER_TYPE_ID="boolean")


def test_flat_add_without_fields_wrapper(portal: Portal) -> None:
    field_id = portal.value("crm.contact.userfield.add", {"FIELD_NAME": "VIP",
                                                          "USER_TYPE_ID": "boolean"})
    assert get(portal, field_id, "contact")["ENTITY_ID"] == "CRM_CONTACT"


def test_defaults_and_flag_rules(portal: Portal) -> None:
    got = get(portal, add(portal, FIELD_NAME="VIP", USER_TYPE_ID="boolean", MULTIPLE="Y",
                          SHOW_FILTER="Y", SORT="0"))
    assert {k: got[k] for k in ("SORT", "MULTIPLE", "MANDATORY", "SHOW_FILTER", "SHOW_IN_LIST",
                                "EDIT_IN_LIST", "IS_SEARCHABLE", "XML_ID")} == {
        "SORT": "100", "MULTIPLE": "N", "MANDATORY": "N", "SHOW_FILTER": "E",
        "SHOW_IN_LIST": "Y", "EDIT_IN_LIST": "Y", "IS_SEARCHABLE": "N", "XML_ID": None}
    assert got["SETTINGS"] == {"DEFAULT_VALUE": 0, "DISPLAY": "CHECKBOX", "LABEL": ["", ""],
                               "LABEL_CHECKBOX": ""}
    emp = get(portal, add(portal, FIELD_NAME="BOSS", USER_TYPE_ID="employee", SHOW_FILTER="Y"))
    assert (emp["SHOW_FILTER"], emp["SETTINGS"]) == ("I", [])


@pytest.mark.parametrize("type_id,settings,expected", [
    ("string", {"ROWS": 99, "JUNK": 1}, {"SIZE": 20, "ROWS": 50, "REGEXP": "", "MIN_LENGTH": 0,
                                         "MAX_LENGTH": 0, "DEFAULT_VALUE": ""}),
    ("double", {"PRECISION": -3}, {"PRECISION": 0, "SIZE": 20, "MIN_VALUE": 0, "MAX_VALUE": 0,
                                   "DEFAULT_VALUE": None}),
    ("boolean", {"DEFAULT_VALUE": "5", "DISPLAY": "RADIO"},
     {"DEFAULT_VALUE": 1, "DISPLAY": "RADIO", "LABEL": ["", ""], "LABEL_CHECKBOX": ""}),
    ("date", {"DEFAULT_VALUE": "2024-08-22"},
     {"DEFAULT_VALUE": {"VALUE": "2024-08-22", "TYPE": "NONE"}}),
    ("enumeration", {}, {"DISPLAY": "LIST", "LIST_HEIGHT": 1, "CAPTION_NO_VALUE": "",
                         "SHOW_NO_VALUE": "Y"}),
    ("crm", {}, {"LEAD": "Y", "CONTACT": "N", "COMPANY": "N", "DEAL": "N"}),
    ("crm", {"CONTACT": "Y"}, {"LEAD": "N", "CONTACT": "Y", "COMPANY": "N", "DEAL": "N"}),
    ("crm_status", {"ENTITY_TYPE": "INDUSTRY"}, {"ENTITY_TYPE": "INDUSTRY"}),
])
def test_settings_per_type(portal: Portal, type_id: str, settings: dict[str, Any],
                           expected: dict[str, Any]) -> None:
    field_id = add(portal, FIELD_NAME="F", USER_TYPE_ID=type_id, SETTINGS=settings)
    assert get(portal, field_id)["SETTINGS"] == expected


def test_labels_on_add_update_list(portal: Portal) -> None:
    field_id = add(portal, FIELD_NAME="F", USER_TYPE_ID="string", LABEL="Base",
                   EDIT_FORM_LABEL={"en": "Edit", "de": "Bearbeiten"}, LIST_COLUMN_LABEL="Col")
    got = get(portal, field_id)
    assert (got["EDIT_FORM_LABEL"]["en"], got["EDIT_FORM_LABEL"]["de"],
            got["EDIT_FORM_LABEL"]["ru"]) == ("Edit", "Bearbeiten", "Base")
    assert set(got["LIST_COLUMN_LABEL"].values()) == {"Col"}
    assert set(got["HELP_MESSAGE"].values()) == {"Base"}
    assert len(got["EDIT_FORM_LABEL"]) == 21
    portal.value("crm.deal.userfield.update", {"id": field_id, "fields": {
        "EDIT_FORM_LABEL": {"ru": "Правка"}}})
    got = get(portal, field_id)
    assert (got["EDIT_FORM_LABEL"]["ru"], got["EDIT_FORM_LABEL"]["en"]) == ("Правка", "")
    assert set(got["LIST_COLUMN_LABEL"].values()) == {"Col"}
    plain = portal.value("crm.deal.userfield.list", {})[0]
    assert "EDIT_FORM_LABEL" not in plain
    lang = portal.value("crm.deal.userfield.list", {"filter": {"LANG": "ru"}})[0]
    assert (lang["EDIT_FORM_LABEL"], lang["LIST_COLUMN_LABEL"]) == ("Правка", "Col")
    # UserFieldProxy::add falls back to LABEL, else the field's name, for all five keys, and
    # an empty text of a map counts as missing (prepareLabels): an add never makes a ""
    no_label = get(portal, add(portal, FIELD_NAME="G", USER_TYPE_ID="string",
                               HELP_MESSAGE="", EDIT_FORM_LABEL={"ru": "Р", "en": ""}))
    assert (no_label["EDIT_FORM_LABEL"]["en"], no_label["EDIT_FORM_LABEL"]["ru"],
            no_label["ERROR_MESSAGE"]["en"], no_label["HELP_MESSAGE"]["de"]) == (
        "UF_CRM_G", "Р", "UF_CRM_G", "UF_CRM_G")
    portal.value("crm.deal.userfield.update", {"id": field_id, "fields": {"HELP_MESSAGE": ""}})
    assert set(get(portal, field_id)["HELP_MESSAGE"].values()) == {""}  # "" on update: every


def test_update_drops_immutable_and_merges_settings(portal: Portal) -> None:
    field_id = add(portal, FIELD_NAME="F", USER_TYPE_ID="string", SETTINGS={"ROWS": 3,
                                                                            "DEFAULT_VALUE": "a"})
    assert portal.value("crm.deal.userfield.update", {"id": field_id, "fields": {
        "FIELD_NAME": "UF_CRM_OTHER", "USER_TYPE_ID": "integer", "MULTIPLE": "Y",
        "ENTITY_ID": "CRM_LEAD", "MANDATORY": "Y", "SHOW_FILTER": "Y", "SORT": 7,
        "SETTINGS": {"ROWS": 0}}}) is True
    got = get(portal, field_id)
    assert (got["FIELD_NAME"], got["USER_TYPE_ID"], got["MULTIPLE"], got["ENTITY_ID"]) == (
        "UF_CRM_F", "string", "N", "CRM_DEAL")
    assert (got["MANDATORY"], got["SHOW_FILTER"], got["SORT"]) == ("Y", "E", "7")
    assert (got["SETTINGS"]["ROWS"], got["SETTINGS"]["DEFAULT_VALUE"]) == (1, "a")


def enum_field(portal: Portal, multiple: str = "N") -> int:
    field_id: int = add(portal, FIELD_NAME="EQUIPMENT", USER_TYPE_ID="enumeration",
                        MULTIPLE=multiple, LIST=[
                            {"VALUE": "стандартное", "XML_ID": "std", "DEF": "Y", "SORT": 10},
                            {"VALUE": "крупное", "XML_ID": "big", "DEF": "Y", "SORT": 20},
                            {"VALUE": " ", "XML_ID": "blank"},
                            {"VALUE": "особое", "SORT": 30}])
    return field_id


def test_enum_add_rules(portal: Portal) -> None:
    items = get(portal, enum_field(portal))["LIST"]
    assert [(i["VALUE"], i["DEF"], i["SORT"]) for i in items] == [
        ("стандартное", "Y", "10"), ("крупное", "N", "20"), ("особое", "N", "30")]
    assert len(items[2]["XML_ID"]) == 32 and int(items[2]["XML_ID"], 16) >= 0
    multi = get(portal, add(portal, FIELD_NAME="M", USER_TYPE_ID="enumeration", MULTIPLE="Y",
                            LIST=[{"VALUE": "a", "DEF": "Y"}, {"VALUE": "b", "DEF": "Y"}]))
    assert [i["DEF"] for i in multi["LIST"]] == ["Y", "Y"]
    assert portal.error("crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": "D", "USER_TYPE_ID": "enumeration",
        "LIST": [{"VALUE": "a", "XML_ID": "x"}, {"VALUE": "b", "XML_ID": "x"}]}}) == (
        "ERROR_CORE", "List item with XML_ID=x already exists.", 400)


def test_the_first_default_sent_wins_whatever_its_sort(portal: Portal) -> None:
    """docs api-reference/crm/deals/user-defined-fields/crm-deal-userfield-add.md (LIST, DEF) and UserFieldProxy::add/update: on a
    non-multiple field the first item sent with DEF Y is the default. Before: the sandbox took
    the first by SORT (b here)."""
    field_id = add(portal, FIELD_NAME="SIZE", USER_TYPE_ID="enumeration", LIST=[
        {"VALUE": "a", "XML_ID": "a", "DEF": "Y", "SORT": 20},
        {"VALUE": "b", "XML_ID": "b", "DEF": "Y", "SORT": 10}])
    assert [(i["XML_ID"], i["DEF"]) for i in get(portal, field_id)["LIST"]] == [
        ("b", "N"), ("a", "Y")]
    a, b = sorted(get(portal, field_id)["LIST"], key=lambda i: i["XML_ID"])
    portal.value("crm.deal.userfield.update", {"id": field_id, "fields": {"LIST": [
        {"ID": a["ID"], "DEF": "Y"}, {"ID": b["ID"], "DEF": "Y"}, {"VALUE": "c", "XML_ID": "c",
                                                                  "DEF": "Y", "SORT": 5}]}})
    assert [(i["XML_ID"], i["DEF"]) for i in get(portal, field_id)["LIST"]] == [
        ("c", "N"), ("b", "N"), ("a", "Y")]


def test_enum_update_is_a_patch(portal: Portal) -> None:
    field_id = enum_field(portal)
    std, big, special = get(portal, field_id)["LIST"]
    portal.value("crm.deal.userfield.update", {"id": field_id, "fields": {"LIST": [
        {"ID": big["ID"], "VALUE": "очень крупное"}, {"ID": special["ID"], "DEL": "Y"},
        {"VALUE": "новое", "XML_ID": "new", "SORT": 40}, {"ID": 999999, "VALUE": "чужое"}]}})
    items = get(portal, field_id)["LIST"]
    assert [(i["ID"], i["VALUE"], i["XML_ID"]) for i in items] == [
        (std["ID"], "стандартное", "std"), (big["ID"], "очень крупное", "big"),
        (items[2]["ID"], "новое", "new")]
    portal.value("crm.deal.userfield.update", {"id": field_id, "fields": {"LIST": [
        {"ID": std["ID"], "VALUE": ""}]}})
    assert [i["XML_ID"] for i in get(portal, field_id)["LIST"]] == ["big", "new"]
    assert portal.error("crm.deal.userfield.update", {"id": field_id, "fields": {"LIST": [
        {"VALUE": "dup", "XML_ID": "big"}]}}) == (
        "ERROR_CORE", "List item with XML_ID=big already exists.", 400)


def test_access_and_id_errors(portal: Portal) -> None:
    field_id = add(portal, FIELD_NAME="F", USER_TYPE_ID="string")
    denied = ("", "Access denied.", 400)
    assert portal.error("crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": "X", "USER_TYPE_ID": "string"}}, user=EMPLOYEE) == denied
    assert portal.error("crm.deal.userfield.update", {"id": field_id, "fields": {}},
                        user=EMPLOYEE) == denied
    assert portal.error("crm.deal.userfield.delete", {"id": field_id}, user=EMPLOYEE) == denied
    assert get(portal, field_id)["ID"] == str(field_id)
    assert portal.value("crm.deal.userfield.get", {"id": field_id}, user=EMPLOYEE)
    assert portal.error("crm.lead.userfield.get", {"id": field_id}) == denied
    assert portal.error("crm.deal.userfield.get", {"id": 0}) == (
        "", "ID is not defined or invalid.", 400)
    assert portal.error("crm.deal.userfield.get", {"id": 999}) == (
        "ERROR_NOT_FOUND", "The entity with ID '999' is not found.", 400)
    assert portal.error("crm.deal.userfield.update", {"id": field_id, "fields": "x"}) == (
        "", "Parameter 'fields' must be array.", 400)
    assert portal.error("crm.deal.userfield.list", {"filter": "x"}) == (
        "", "Parameter 'filter' must be array.", 400)
    assert portal.error("crm.deal.userfield.list", {"order": "x"}) == (
        "", "Parameter 'order' must be array.", 400)


def test_delete_and_list(portal: Portal) -> None:
    first = add(portal, FIELD_NAME="A", USER_TYPE_ID="string", SORT=300)
    add(portal, FIELD_NAME="B", USER_TYPE_ID="integer", SORT=200, MANDATORY="Y")
    add(portal, "lead", FIELD_NAME="C", USER_TYPE_ID="string")
    got = portal.call("crm.deal.userfield.list", {})
    assert [f["FIELD_NAME"] for f in got.value] == ["UF_CRM_B", "UF_CRM_A"]
    assert (got.total, got.next) == (2, None)
    assert [f["FIELD_NAME"] for f in portal.value("crm.deal.userfield.list", {
        "filter": {"MANDATORY": "Y"}})] == ["UF_CRM_B"]
    assert [f["FIELD_NAME"] for f in portal.value("crm.deal.userfield.list", {
        "order": {"FIELD_NAME": "ASC"}})] == ["UF_CRM_A", "UF_CRM_B"]
    assert portal.value("crm.deal.userfield.delete", {"id": first}) is True
    assert [f["FIELD_NAME"] for f in portal.value("crm.deal.userfield.list", {})] == ["UF_CRM_B"]


def test_helper_methods(portal: Portal) -> None:
    types = portal.value("crm.userfield.types")
    assert types[0] == {"ID": "string", "title": "String"} and len(types) == 16
    assert portal.value("crm.userfield.settings.fields", {"type": "double"}) == {
        "DEFAULT_VALUE": {"type": "double", "title": "Default Value"},
        "PRECISION": {"type": "int", "title": "Precision"}}
    assert portal.error("crm.userfield.settings.fields", {}) == (
        "", "Parameter 'type' is not specified or empty.", 400)
    assert list(portal.value("crm.userfield.enumeration.fields")) == [
        "ID", "SORT", "VALUE", "DEF", "DEL"]
    assert portal.value("crm.userfield.fields")["LIST"]["isMultiple"] is True
