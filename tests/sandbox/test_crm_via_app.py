"""The CRM handlers through the protocol layer: URL, JSON and form bodies, envelope, batch."""

from __future__ import annotations

import requests

from provisioner.sandbox import Sandbox


def test_status_list_envelope(sb: Sandbox, http: requests.Session) -> None:
    resp = http.post(sb.webhook_url + "crm.status.list.json",
                     json={"filter": {"ENTITY_ID": "DEAL_STAGE"}})
    body = resp.json()
    assert resp.status_code == 200
    assert [r["STATUS_ID"] for r in body["result"]][:2] == ["NEW", "PREPARATION"]
    assert body["total"] == 8 and "next" not in body and "time" in body


def test_form_data_coerces_strings(sb: Sandbox, http: requests.Session) -> None:
    resp = http.post(sb.webhook_url + "crm.category.add",
                     data={"entityTypeId": "2", "fields[name]": "Продажи", "fields[sort]": "100"})
    assert resp.json()["result"]["category"] == {
        "id": 1, "name": "Продажи", "sort": 100, "entityTypeId": 2, "isDefault": "N",
        "originId": "", "originatorId": ""}
    resp = http.post(sb.webhook_url + "crm.status.add", data={
        "fields[ENTITY_ID]": "DEAL_STAGE_1", "fields[STATUS_ID]": "DATA_COLLECTION",
        "fields[NAME]": "Сбор данных", "fields[SORT]": "15"})
    row = http.post(sb.webhook_url + "crm.status.get",
                    data={"id": str(resp.json()["result"])}).json()["result"]
    assert (row["STATUS_ID"], row["SORT"], row["CATEGORY_ID"]) == ("C1:DATA_COLLECTION", "15",
                                                                   "1")


def test_legacy_error_body(sb: Sandbox, http: requests.Session) -> None:
    resp = http.post(sb.webhook_url + "crm.status.add",
                     json={"fields": {"ENTITY_ID": "SOURCE", "NAME": "x"}})
    assert resp.status_code == 400
    assert resp.json() == {"error": "", "error_description": "The field STATUS_ID is required."}


def test_non_admin_webhook_is_refused(sb: Sandbox, http: requests.Session) -> None:
    url = sb.add_webhook(["crm"], user_id=3)
    resp = http.post(url + "crm.type.add", json={"fields": {"title": "HR"}})
    assert (resp.status_code, resp.json()["error"]) == (400, "ACCESS_DENIED")


def test_fieldattribute_is_unknown(sb: Sandbox, http: requests.Session) -> None:
    resp = http.post(sb.webhook_url + "crm.fieldattribute.saveConfiguration", json={})
    assert (resp.status_code, resp.json()["error"]) == (404, "ERROR_METHOD_NOT_FOUND")


def test_batch_chains_pipeline_and_stage(sb: Sandbox, http: requests.Session) -> None:
    resp = http.post(sb.webhook_url + "batch", json={"halt": 1, "cmd": {
        "cat": "crm.category.add?entityTypeId=2&fields[name]=Sales",
        "stage": "crm.status.add?fields[ENTITY_ID]=DEAL_STAGE_$result[cat][category][id]"
                 "&fields[STATUS_ID]=DATA&fields[NAME]=Data&fields[SORT]=15",
        "list": "crm.status.entity.items?entityId=DEAL_STAGE_$result[cat][category][id]"}})
    result = resp.json()["result"]
    assert result["result_error"] == []
    assert "C1:DATA" in [r["STATUS_ID"] for r in result["result"]["list"]]


def test_portal_admin_webhook_may_write(sb: Sandbox, http: requests.Session) -> None:
    url = sb.add_webhook(["crm"], user_id=2, admin=True)
    resp = http.post(url + "crm.type.add", json={"fields": {"title": "HR"}})
    assert resp.json()["result"]["type"]["createdBy"] == 2


def test_form_data_lists_arrive_as_dicts(sb: Sandbox, http: requests.Session) -> None:
    resp = http.post(sb.webhook_url + "crm.type.add", data={
        "fields[title]": "HR", "fields[relations][parent][0][entityTypeId]": "2",
        "fields[relations][parent][0][isChildrenListEnabled]": "true"})
    spa = resp.json()["result"]["type"]
    assert spa["relations"]["parent"] == [
        {"entityTypeId": 2, "isChildrenListEnabled": "Y", "isPredefined": "N"}]
    resp = http.post(sb.webhook_url + "crm.deal.userfield.add", data={
        "fields[FIELD_NAME]": "KIND", "fields[USER_TYPE_ID]": "enumeration",
        "fields[LIST][0][VALUE]": "a", "fields[LIST][1][VALUE]": "b"})
    got = http.post(sb.webhook_url + "crm.deal.userfield.get",
                    data={"id": str(resp.json()["result"])}).json()["result"]
    assert [i["VALUE"] for i in got["LIST"]] == ["a", "b"]
    resp = http.post(sb.webhook_url + "userfieldconfig.add", data={
        "moduleId": "crm", "field[entityId]": f"CRM_{spa['id']}",
        "field[fieldName]": f"UF_CRM_{spa['id']}_KIND", "field[userTypeId]": "enumeration",
        "field[enum][0][value]": "x"})
    assert [e["value"] for e in resp.json()["result"]["field"]["enum"]] == ["x"]
