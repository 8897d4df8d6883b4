"""batch: cmd encoding, results and per-command errors, halt, splitting beyond 50."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses
from client_helpers import example, ok, request_json, url

from provisioner.client import (
    AccessDenied,
    BatchCommandError,
    BitrixClient,
    InsufficientScope,
    InvalidRequest,
    NotFound,
    batch_command,
    php_query,
)


def _batch_body(results: dict[str, Any] | list[Any], errors: dict[str, Any] | None = None,
                totals: dict[str, int] | None = None) -> dict[str, Any]:
    return ok({"result": results, "result_error": errors or [], "result_total": totals or [],
               "result_next": [], "result_time": []})


def test_php_query_uses_brackets_and_keeps_references_literal() -> None:
    params = {"fields": {"TITLE": "A&B = 50% + more", "PHONE": [{"VALUE": "1"}],
                         "ASSIGNED_BY_ID": "$result[user][0][ID]"},
              "flag": True, "off": False, "skip": None, "empty": [], "name": "Сбор данных"}
    assert php_query(params) == (
        "fields[TITLE]=A%26B%20%3D%2050%25%20%2B%20more&fields[PHONE][0][VALUE]=1"
        "&fields[ASSIGNED_BY_ID]=$result[user][0][ID]&flag=1&off=0"
        "&name=%D0%A1%D0%B1%D0%BE%D1%80%20%D0%B4%D0%B0%D0%BD%D0%BD%D1%8B%D1%85")


def test_a_command_without_parameters_is_the_bare_method() -> None:
    assert batch_command("user.current", {}) == "user.current"
    assert batch_command("department.get", {"ID": "$result[get_user][UF_DEPARTMENT][0]"}) == (
        "department.get?ID=$result[get_user][UF_DEPARTMENT][0]")


def test_batch_sends_the_docs_request_and_reads_the_docs_answer(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    docs = example("batch")
    mocked.post(url("batch"), json=docs["response"]["body"])
    client = webhook()

    out = client.batch({
        "get_user": ("user.current", {}),
        "get_department": ("department.get", {"ID": "$result[get_user][UF_DEPARTMENT][0]"}),
    })

    assert request_json(mocked, 0) == docs["requests"][1]["body"]
    answer = docs["response"]["body"]["result"]
    assert out.results == answer["result"]
    assert out.errors == {}
    assert out.totals == {"get_department": 1}
    assert out.nexts == {}
    assert set(out.times) == {"get_user", "get_department"}
    assert client.stats.requests == 1


def test_per_command_errors_are_typed_and_name_the_command(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("batch"), json=example("batch")["error_example"]["body"])
    out = webhook().batch({"get_user": ("user.current", None),
                           "get_department": ("department.get", None)})

    assert out.results == {}
    error = out.errors["get_user"]
    assert isinstance(error, InsufficientScope)
    assert isinstance(error, BatchCommandError)
    assert (error.key, error.method, error.error, error.error_description, error.status) == (
        "get_user", "user.current", "insufficient_scope", "", None)
    assert str(error) == (
        "batch command 'get_user' (user.current): insufficient_scope; the webhook lacks the "
        'scope "user" that user.current needs: in Bitrix24 open Developer resources → Other → '
        'Incoming webhook, edit this webhook, tick "user" under scopes (permissions) and save, '
        "then run the command again")
    assert out.errors["get_department"].method == "department.get"


def test_mixed_results_and_errors(mocked: responses.RequestsMock,
                                  webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("batch"), json=_batch_body(
        {"a": [{"ID": "1"}]},
        {"b": {"error": "", "error_description": "Access denied."},
         "c": {"error": "NOT_FOUND", "error_description": "Element not found"}},
        {"a": 1}))
    out = webhook().batch({"a": ("crm.status.list", {}), "b": ("crm.status.add", {}),
                           "c": ("crm.category.get", {"id": 9})})
    assert out.results == {"a": [{"ID": "1"}]}
    assert out.totals == {"a": 1}
    assert isinstance(out.errors["b"], AccessDenied)
    assert isinstance(out.errors["c"], NotFound)
    assert str(out.errors["c"]) == (
        "batch command 'c' (crm.category.get): NOT_FOUND: Element not found")


def test_halt_is_sent_and_absent_keys_are_absent(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("batch"), json=_batch_body(
        [], {"first": {"error": "ERROR_CORE", "error_description": "duplicate"}}))
    out = webhook().batch({"first": ("crm.status.add", {"fields": {"STATUS_ID": "X"}}),
                           "second": ("crm.status.add", {"fields": {"STATUS_ID": "Y"}})},
                          halt=True)
    assert request_json(mocked, 0)["halt"] == 1
    assert set(out.errors) == {"first"}
    assert "second" not in out.results


def test_sequence_commands_are_sent_as_a_list_and_keyed_by_position(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("batch"), json=_batch_body([["x"], ["y"]]))
    out = webhook().batch([("crm.status.list", {"filter": {"ENTITY_ID": "SOURCE"}}),
                           ("crm.status.list", {"filter": {"ENTITY_ID": "$result[0][0]"}})])
    assert request_json(mocked, 0) == {"halt": 0, "cmd": [
        "crm.status.list?filter[ENTITY_ID]=SOURCE",
        "crm.status.list?filter[ENTITY_ID]=$result[0][0]"]}
    assert out.results == {"0": ["x"], "1": ["y"]}


@pytest.mark.usefixtures("mocked")
def test_batch_over_50_commands_is_refused_before_any_request(
        webhook: Callable[..., BitrixClient]) -> None:
    client = webhook()
    with pytest.raises(ValueError, match="at most 50 commands, got 51; use batch_calls"):
        client.batch([("scope", {})] * 51)
    assert client.stats.requests == 0


def test_empty_batch_makes_no_request(webhook: Callable[..., BitrixClient]) -> None:
    client = webhook()
    assert client.batch({}).results == {}
    assert client.stats.requests == 0


def _echo_batch(request: Any) -> tuple[int, dict[str, str], str]:
    """A batch answer whose result for each key is the key itself."""
    import json
    cmd = json.loads(request.body)["cmd"]
    body = _batch_body({key: f"done {key}" for key in cmd})
    return 200, {}, json.dumps(body)


def test_batch_calls_splits_beyond_50_and_keeps_the_order(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.add_callback(responses.POST, url("batch"), callback=_echo_batch)
    client = webhook()
    calls = [("crm.status.add", {"fields": {"SORT": i}}) for i in range(120)]

    values = client.batch_calls(calls)

    assert values == [f"done {i}" for i in range(120)]
    assert client.stats.requests == 3
    sizes = [len(request_json(mocked, i)["cmd"]) for i in range(3)]
    assert sizes == [50, 50, 20]
    assert request_json(mocked, 1)["cmd"]["50"] == "crm.status.add?fields[SORT]=50"
    assert request_json(mocked, 0)["halt"] == 1


def test_batch_calls_raises_the_first_error_naming_the_command_and_stops(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    ok_keys = {str(i): True for i in range(50, 57)}
    mocked.post(url("batch"), json=_batch_body({str(i): True for i in range(50)}))
    mocked.post(url("batch"), json=_batch_body(ok_keys, {"57": {
        "error": "ERROR_CORE", "error_description": "The status with this ID already exists"}}))
    client = webhook()
    calls = [("crm.status.add", {"fields": {"STATUS_ID": f"S{i}"}}) for i in range(150)]

    with pytest.raises(InvalidRequest) as info:
        client.batch_calls(calls)

    error = info.value
    assert isinstance(error, BatchCommandError)
    assert (error.key, error.method, error.error) == ("57", "crm.status.add", "ERROR_CORE")
    assert str(error) == ("batch command '57' (crm.status.add): ERROR_CORE: The status with "
                          "this ID already exists")
    assert client.stats.requests == 2  # the third chunk was never sent


def test_batch_calls_without_halt_runs_everything_then_raises_the_first(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("batch"), json=_batch_body(  # without halt, the other 49 ran
        {str(i): i for i in range(50) if i != 1},
        {"1": {"error": "NOT_FOUND", "error_description": "Element not found"}}))
    mocked.post(url("batch"), json=_batch_body(
        [], {"50": {"error": "ERROR_CORE", "error_description": "bad"}}))
    client = webhook()
    with pytest.raises(NotFound) as info:
        client.batch_calls([("crm.category.get", {"id": i}) for i in range(51)], halt=False)
    assert info.value.key == "1"
    assert request_json(mocked, 0)["halt"] == 0
    assert client.stats.requests == 2


def test_an_unknown_error_code_of_one_command_is_a_batch_command_error(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    # A code the client has no class for is typed BitrixAPIError; building its batch twin
    # as (BitrixAPIError, BatchCommandError) crashed with an MRO TypeError.
    mocked.post(url("batch"), json=_batch_body(
        {}, {"x": {"error": "SOMETHING_NEW", "error_description": "a new failure"}}))
    out = webhook().batch({"x": ("crm.status.add", {})})

    error = out.errors["x"]
    assert type(error) is BatchCommandError
    assert (error.key, error.method, error.error) == ("x", "crm.status.add", "SOMETHING_NEW")
    assert str(error) == "batch command 'x' (crm.status.add): SOMETHING_NEW: a new failure"
