"""Records holding a custom field's value: the emptiness filters of the list methods
(provisioner/sandbox/crm/values.py; api-reference/crm/deals/crm-deal-list.md, api-reference/crm/universal/crm-item-list.md prefixes `!`, `!=`)."""

from __future__ import annotations

from crm_portal import Portal

from provisioner.sandbox.crm import state, values


def test_filters_keep_the_records_with_or_without_a_value(portal: Portal) -> None:
    fid = portal.value("crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": "KIND", "USER_TYPE_ID": "string", "LABEL": "Kind"}})
    state.set_item_count(portal.store, "DEAL_STAGE", "NEW", 3)
    ids = [int(r["ID"]) for r in portal.value("crm.deal.list", {})]
    values.give(portal.store, fid, ids[:2])
    filled = portal.call("crm.deal.list", {"filter": {"!UF_CRM_KIND": ""}})
    assert ([int(r["ID"]) for r in filled.value], filled.total) == (ids[:2], 2)
    assert [int(r["ID"]) for r in portal.value("crm.deal.list", {
        "filter": {"UF_CRM_KIND": "", "STAGE_ID": "NEW"}})] == ids[2:]
    portal.value("crm.deal.userfield.delete", {"id": fid})  # its values go with it
    fid = portal.value("crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": "KIND", "USER_TYPE_ID": "string", "LABEL": "Kind"}})
    assert portal.call("crm.deal.list", {"filter": {"!=UF_CRM_KIND": ""}}).total == 0


def test_contacts_items_and_quotes(portal: Portal) -> None:
    portal.value("crm.contact.userfield.add", {"fields": {
        "FIELD_NAME": "VIP", "USER_TYPE_ID": "string", "LABEL": "VIP"}})
    portal.value("crm.contact.add", {"fields": {"NAME": "A", "UF_CRM_VIP": "yes"}})
    portal.value("crm.contact.add", {"fields": {"NAME": "B"}})
    assert [r["NAME"] for r in portal.value("crm.contact.list", {
        "filter": {"!UF_CRM_VIP": ""}, "select": ["NAME"]})] == ["A"]
    spa = portal.value("crm.type.add", {"fields": {"title": "HR"}})["type"]
    field = portal.value("userfieldconfig.add", {"moduleId": "crm", "field": {
        "entityId": f"CRM_{spa['id']}", "fieldName": f"UF_CRM_{spa['id']}_SIZE",
        "userTypeId": "integer"}})["field"]
    cats = portal.value("crm.category.list", {"entityTypeId": spa["entityTypeId"]})
    category = cats["categories"][0]["id"]
    state.set_item_count(portal.store, f"DYNAMIC_{spa['entityTypeId']}_STAGE_{category}",
                         f"DT{spa['entityTypeId']}_{category}:NEW", 2)
    items = portal.value("crm.item.list", {"entityTypeId": spa["entityTypeId"]})["items"]
    values.give(portal.store, int(field["id"]), [items[0]["id"]])
    camel = values.camel(f"UF_CRM_{spa['id']}_SIZE")
    assert camel == f"ufCrm{spa['id']}Size"
    got = portal.call("crm.item.list", {"entityTypeId": spa["entityTypeId"],
                                        "filter": {f"!{camel}": ""}})
    assert ([i["id"] for i in got.value["items"]], got.total) == ([items[0]["id"]], 1)
    # the UPPER_CASE name (what provision sends) filters the same
    upper = portal.call("crm.item.list", {"entityTypeId": spa["entityTypeId"],
                                          "filter": {f"!UF_CRM_{spa['id']}_SIZE": ""}})
    assert ([i["id"] for i in upper.value["items"]], upper.total) == ([items[0]["id"]], 1)
    quote = portal.value("crm.quote.userfield.add", {"fields": {
        "FIELD_NAME": "NOTE", "USER_TYPE_ID": "string", "LABEL": "Note"}})
    values.give(portal.store, quote, [7, 9])
    assert portal.call("crm.quote.list", {"filter": {"!UF_CRM_NOTE": ""}}).total == 2


def test_camel_keeps_an_underscore_between_two_numbers() -> None:
    """api-reference/crm/universal/index.md: `UF_CRM_10_5186744711` -> `ufCrm10_5186744711`."""
    assert values.camel("UF_CRM_10_5186744711") == "ufCrm10_5186744711"
    assert values.camel("UF_CRM_7_NEW_REST_LIST") == "ufCrm7NewRestList"
    assert values.camel("UF_CRM_10_DIGIT10") == "ufCrm10Digit10"
