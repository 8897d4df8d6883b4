"""Protocol: URL forms, method lookup, parameter parsing, paging, envelope (docs/portal-rules.md#url-forms)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
import requests

from provisioner.sandbox import Sandbox

pytestmark = pytest.mark.usefixtures("test_methods")

TIME_KEYS = {"start", "finish", "duration", "processing", "date_start", "date_finish",
             "operating_reset_at", "operating"}


def test_webhook_call_answers_result_and_time(http: requests.Session, hook: str) -> None:
    r = http.post(hook + "test.echo", json={"a": 1})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    body = r.json()
    assert list(body) == ["result", "time"]
    assert body["result"] == {"params": {"a": 1}, "start": 0, "user": 1, "auth_type": "webhook"}
    assert set(body["time"]) == TIME_KEYS
    assert body["time"]["operating"] == 0
    assert body["time"]["operating_reset_at"] == int(body["time"]["start"]) + 600


def test_json_suffix_and_case_insensitive_method(http: requests.Session, hook: str) -> None:
    for name in ("test.echo.json", "TEST.Echo", "Test.ECHO.json"):
        r = http.get(hook + name)
        assert r.status_code == 200, name
        assert r.json()["result"]["params"] == []  # empty PHP array


def test_xml_suffix_wraps_in_response(http: requests.Session, hook: str) -> None:
    r = http.get(hook + "test.echo.xml?x=5")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert r.text.startswith('<?xml version="1.0" encoding="utf-8"?><response><result>')
    assert "<params><x>5</x></params>" in r.text
    assert r.text.endswith("</response>")


def test_unknown_method_is_404_before_auth(http: requests.Session, sb: Sandbox) -> None:
    for url in (sb.webhook_url + "crm.nothing.here", "http://sandbox.invalid/rest/1/bad/nope.json",
                "http://sandbox.invalid/rest/no.such.method"):
        r = http.post(url, json={})
        assert r.status_code == 404, url
        assert r.json() == {"error": "ERROR_METHOD_NOT_FOUND",
                            "error_description": "Method not found!"}


def test_unknown_method_in_xml_is_an_xml_error(http: requests.Session, hook: str) -> None:
    r = http.get(hook + "no.such.xml")
    assert r.status_code == 404
    assert "<error>ERROR_METHOD_NOT_FOUND</error>" in r.text


def test_query_and_body_merge_body_wins(http: requests.Session, hook: str) -> None:
    r = http.post(hook + "test.echo?id=1&entityTypeId=1038", json={"id": 2, "fields": {"A": 1}})
    assert r.json()["result"]["params"] == {"id": 2, "entityTypeId": "1038", "fields": {"A": 1}}


def test_form_body_php_brackets(http: requests.Session, hook: str) -> None:
    data = ("fields[TITLE]=My%20company&fields[PHONE][0][VALUE]=112233"
            "&fields[PHONE][0][VALUE_TYPE]=WORK&filter[ENTITY_ID]=SOURCE&ids[]=1&ids[]=2"
            "&order[5]=x&order[7]=y")
    r = http.post(hook + "test.echo", data=data,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.json()["result"]["params"] == {
        "fields": {"TITLE": "My company", "PHONE": [{"VALUE": "112233", "VALUE_TYPE": "WORK"}]},
        "filter": {"ENTITY_ID": "SOURCE"}, "ids": ["1", "2"], "order": {"5": "x", "7": "y"}}


def test_form_via_requests_dict_and_query_brackets(http: requests.Session, hook: str) -> None:
    r = http.post(hook + "test.echo?filter[>ID]=10&select[]=ID",
                  data={"fields[NAME]": "Тест", "fields[SORT]": "10"})
    assert r.json()["result"]["params"] == {"filter": {">ID": "10"}, "select": ["ID"],
                                            "fields": {"NAME": "Тест", "SORT": "10"}}


def test_multipart_body_brackets(http: requests.Session, hook: str) -> None:
    r = http.post(hook + "test.echo", files={"fields[NAME]": (None, "x"), "a[]": (None, "1")})
    assert r.json()["result"]["params"] == {"fields": {"NAME": "x"}, "a": ["1"]}


def test_invalid_json_body_means_no_params(http: requests.Session, hook: str) -> None:
    r = http.post(hook + "test.echo?q=1", data=b"{not json",
                  headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    assert r.json()["result"]["params"] == {"q": "1"}


@pytest.mark.parametrize(("start", "expected"), [("0", 0), ("49", 0), ("50", 50), ("99", 50),
                                                 ("120", 100), ("-1", -1), ("-7", 0),
                                                 ("abc", 0)])
def test_start_is_removed_and_floored(http: requests.Session, hook: str, start: str,
                                      expected: int) -> None:
    r = http.get(hook + f"test.echo?start={start}&x=1")
    assert r.json()["result"]["params"] == {"x": "1"}
    assert r.json()["result"]["start"] == expected


def test_paging_total_and_next(http: requests.Session, hook: str) -> None:
    first = http.get(hook + "test.list").json()
    assert (len(first["result"]), first["total"], first["next"]) == (50, 120, 50)
    assert list(first) == ["result", "total", "next", "time"]
    second = http.get(hook + "test.list", params={"start": first["next"] + 7}).json()
    assert (second["result"][0], second["next"]) == ({"ID": "51"}, 100)
    last = http.get(hook + "test.list?start=100").json()
    assert (len(last["result"]), last["total"], "next" in last) == (20, 120, False)


def test_start_minus_one_gives_no_total(http: requests.Session, hook: str) -> None:
    body = http.get(hook + "test.list?start=-1").json()
    assert len(body["result"]) == 50
    assert "total" not in body and "next" not in body


def test_empty_dicts_serialise_as_lists(http: requests.Session, hook: str) -> None:
    assert http.get(hook + "test.empty").json()["result"] == {"items": [], "options": []}


def test_handler_error_body_and_status(http: requests.Session, hook: str) -> None:
    r = http.post(hook + "test.fail", json={})
    assert r.status_code == 400
    assert r.json() == {"error": "", "error_description": "Parameter 'fields' must be array."}


def test_handler_crash_is_internal_server_error(http: requests.Session, hook: str) -> None:
    r = http.post(hook + "test.crash", json={})
    assert r.status_code == 500
    assert r.json() == {"error": "INTERNAL_SERVER_ERROR",
                        "error_description": "Internal server error"}


def test_webhook_url_shape(sb: Sandbox) -> None:
    parts = urlsplit(sb.webhook_url)
    assert (parts.scheme, parts.netloc) == ("http", "sandbox.invalid")
    rest, user, token, tail = parts.path.split("/")[1:]
    assert (rest, user, tail) == ("rest", "1", "")
    assert len(token) >= 16
    assert token not in repr(sb)


def test_system_methods(http: requests.Session, hook: str) -> None:
    scopes = http.post(hook + "scope", json={}).json()["result"]
    assert "crm" in scopes and scopes == sorted(scopes)
    assert http.post(hook + "method.get", json={"name": "TEST.ECHO"}).json()["result"] == {
        "isExisting": True, "isAvailable": True}
    assert http.post(hook + "method.get", json={"name": "x.y"}).json()["result"] == {
        "isExisting": False, "isAvailable": False}
    names = http.post(hook + "methods", json={}).json()["result"]
    assert {"batch", "scope", "methods", "method.get", "app.info", "profile"} <= set(names)
    info = http.post(hook + "app.info", json={}).json()["result"]
    assert set(info) == {"SCOPE", "LICENSE"}
    me = http.post(hook + "profile", json={}).json()["result"]
    assert (me["ID"], me["ADMIN"]) == ("1", True)


def test_methods_by_scope(http: requests.Session, hook: str) -> None:
    names = http.post(hook + "methods", json={"scope": "crm"}).json()["result"]
    assert "test.crm" in names and "scope" not in names
    assert json.dumps(names)  # a plain JSON list
