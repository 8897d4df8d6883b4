"""Protocol: `batch` (docs/portal-rules.md#batch; docs settings/how-to-call-rest-api/batch.md)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests

from provisioner.sandbox import RateLimit, Sandbox

pytestmark = pytest.mark.usefixtures("test_methods")


def _batch(http: requests.Session, hook: str, cmd: Any, **extra: Any) -> dict[str, Any]:
    r = http.post(hook + "batch", json={"cmd": cmd, **extra})
    assert r.status_code == 200
    result: dict[str, Any] = r.json()["result"]
    return result


def test_dict_form_with_errors_and_empty_members(http: requests.Session, hook: str) -> None:
    out = _batch(http, hook, {"a": "test.echo?x=1", "b": "test.fail", "c": "nope.nope"})
    assert out["result"] == {"a": {"params": {"x": "1"}, "start": 0, "user": 1,
                                   "auth_type": "webhook"}}
    assert out["result_error"] == {
        "b": {"error": "", "error_description": "Parameter 'fields' must be array."},
        "c": {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"}}
    assert out["result_total"] == [] and out["result_next"] == []
    assert set(out["result_time"]) == {"a"}
    assert set(out["result_time"]["a"]) == {"start", "finish", "duration", "processing",
                                            "date_start", "date_finish"}


def test_all_empty_members_are_lists(http: requests.Session, hook: str) -> None:
    out = _batch(http, hook, {"b": "test.fail"})
    assert out["result"] == [] and out["result_total"] == [] and out["result_time"] == []


def test_list_form_gives_list_result(http: requests.Session, hook: str) -> None:
    out = _batch(http, hook, ["test.ok", "scope"])
    assert isinstance(out["result"], list) and out["result"][0] is True


def test_list_form_with_a_hole_is_an_object(http: requests.Session, hook: str) -> None:
    out = _batch(http, hook, ["test.ok", "test.fail", "test.ok"])
    assert out["result"] == {"0": True, "2": True}
    assert list(out["result_error"]) == ["1"]


def test_more_than_fifty_entries(http: requests.Session, hook: str, sb: Sandbox) -> None:
    cmd = {f"k{i}": f"test.write?NAME=n{i}" for i in range(53)}
    out = _batch(http, hook, cmd)
    assert len(out["result"]) == 50 and "k49" in out["result"]
    exceeded = {"error": "ERROR_BATCH_LENGTH_EXCEEDED",
                "error_description": "Max batch length exceeded"}
    assert out["result_error"] == {"k50": exceeded, "k51": exceeded, "k52": exceeded}
    assert len(sb.store.data["test_rows"]) == 50


def test_nested_batch_refused(http: requests.Session, hook: str) -> None:
    out = _batch(http, hook, {"inner": "batch?cmd[a]=scope", "ok": "test.ok"})
    assert out["result_error"] == {"inner": {
        "error": "ERROR_BATCH_METHOD_NOT_ALLOWED",
        "error_description": "Method is not allowed for batch usage"}}
    assert out["result"] == {"ok": True}


@pytest.mark.parametrize("halt", [1, True, "1", "true", "Y"])
def test_halt_stops_after_first_error(http: requests.Session, hook: str, halt: Any) -> None:
    out = _batch(http, hook, {"a": "test.ok", "b": "test.fail", "c": "test.ok"}, halt=halt)
    assert out["result"] == {"a": True}
    assert list(out["result_error"]) == ["b"]
    assert "c" not in out["result_time"]


@pytest.mark.parametrize("halt", [0, False, "0", "false"])
def test_no_halt_runs_everything(http: requests.Session, hook: str, halt: Any) -> None:
    out = _batch(http, hook, {"a": "test.ok", "b": "test.fail", "c": "test.ok"}, halt=halt)
    assert out["result"] == {"a": True, "c": True}


def test_sequential_result_references(http: requests.Session, hook: str) -> None:
    out = _batch(http, hook, {
        "first": "test.write?NAME=alpha",
        "echo": "test.echo?id=$result[first]&name=row-$result[first]-x&whole=$result[echo0]",
        "list": "test.list",
        "ref": "test.echo?ID=$result[list][1][ID]&rows=$result[list]&n=$next[list]"
               "&t=$total[list]&e=$error[bad][error_description]",
        "bad": "test.fail",
        "late": "test.echo?e=$error[bad][error_description]&miss=$result[list][999]",
    })
    echo = out["result"]["echo"]["params"]
    assert echo["id"] == 1 and echo["name"] == "row-1-x"
    assert echo["whole"] == {"first": 1}  # unknown key: the walk stops at the bucket itself
    ref = out["result"]["ref"]["params"]
    assert ref["ID"] == "2" and ref["n"] == 50 and ref["t"] == 120
    assert isinstance(ref["rows"], list) and len(ref["rows"]) == 50
    assert ref["e"] == []  # `bad` had not run yet: the walk stops at the (empty) error bucket
    late = out["result"]["late"]["params"]
    assert late["e"] == "Parameter 'fields' must be array."
    assert len(late["miss"]) == 50  # unresolvable index: stops at the list itself
    assert out["result_total"] == {"list": 120} and out["result_next"] == {"list": 50}


def test_reference_in_keys_and_bracket_params(http: requests.Session, hook: str) -> None:
    out = _batch(http, hook, {
        "w": "test.write?NAME=x",
        "e": "test.echo?filter[ID_$result[w]]=1&fields[NAME]=a%20b&ids[]=$result[w]&ids[]=7",
    })
    assert out["result"]["e"]["params"] == {"filter": {"ID_1": "1"},
                                            "fields": {"NAME": "a b"}, "ids": [1, "7"]}


def test_sub_call_start_and_paging(http: requests.Session, hook: str) -> None:
    out = _batch(http, hook, {"p2": "test.list?start=60", "p3": "test.list?start=100"})
    assert out["result_next"] == {"p2": 100}
    assert out["result_total"] == {"p2": 120, "p3": 120}
    assert out["result"]["p2"][0] == {"ID": "51"}


def test_form_encoded_batch_encoded_twice(http: requests.Session, hook: str) -> None:
    sub = "test.echo?" + urlencode({"fields[NAME]": "Сбор данных", "x": "a&b"})
    body = urlencode({"halt": "0", "cmd[one]": sub, "cmd[two]": "test.ok"})
    r = http.post(hook + "batch", data=body,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    out = r.json()["result"]
    assert out["result"]["one"]["params"] == {"fields": {"NAME": "Сбор данных"}, "x": "a&b"}
    assert out["result"]["two"] is True


def test_batch_in_query_string(http: requests.Session, hook: str) -> None:
    sub = quote("test.echo?a=1&b[c]=2", safe="")
    r = http.get(hook + f"batch.json?cmd[q]={sub}")
    assert r.json()["result"]["result"]["q"]["params"] == {"a": "1", "b": {"c": "2"}}


def test_sub_call_scope_and_app_only_errors(http: requests.Session, sb: Sandbox) -> None:
    limited = sb.add_webhook(["user"])
    out = _batch(http, limited, {"c": "test.crm", "a": "test.app", "s": "scope"})
    assert out["result_error"]["c"]["error"] == "insufficient_scope"
    assert out["result_error"]["a"]["error"] == "WRONG_AUTH_TYPE"
    assert out["result"] == {"s": ["user"]}


def test_batch_is_one_request(http: requests.Session, hook: str, sb: Sandbox) -> None:
    _batch(http, hook, {f"k{i}": "test.ok" for i in range(50)})
    assert sb.requests.total == 1 and sb.requests.by_method == {"batch": 1}


def test_batch_is_one_request_for_the_rate_limit() -> None:
    sb = Sandbox.in_memory(rate_limit=RateLimit(burst=2, drain=1.0))
    http = sb.session()
    for _ in range(2):
        assert http.post(sb.webhook_url + "batch",
                         json={"cmd": ["test.ok"] * 50}).status_code == 200
    assert http.post(sb.webhook_url + "batch", json={"cmd": ["test.ok"]}).status_code == 503


def test_batch_auth_error_is_outer(http: requests.Session) -> None:
    r = http.post("http://sandbox.invalid/rest/1/bad/batch", json={"cmd": ["scope"]})
    assert (r.status_code, r.json()["error"]) == (401, "INVALID_CREDENTIALS")


def test_missing_cmd_gives_empty_members(http: requests.Session, hook: str) -> None:
    assert _batch(http, hook, None) == {"result": [], "result_error": [], "result_total": [],
                                        "result_next": [], "result_time": []}
