"""Answers that lie: paging that never ends, counts that are not counts, batch answers that do
not match the commands, answers too large or too deep. Each is a MalformedResponse that names
the method and the symptom, after a bounded number of requests."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

import pytest
import responses
from client_helpers import ok, url

from provisioner.client import AnswerTooLarge, BitrixClient, MalformedResponse
from provisioner.client.errors import ClientConfigError
from provisioner.client.paging import MAX_PAGES


def _users(first: int, count: int = 50) -> list[dict[str, str]]:
    return [{"ID": str(first + i)} for i in range(count)]


def test_a_next_that_never_ends_stops_at_a_repeated_page(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    """Before: a portal answering the same page with next=start+50 was paged for ever."""
    calls = {"n": 0}

    def endless(_request: Any) -> tuple[int, dict[str, str], str]:
        calls["n"] += 1
        start = (calls["n"] - 1) * 50
        return 200, {}, json.dumps(ok(_users(0), next=start + 50))

    mocked.add_callback(responses.POST, url("user.get"), callback=endless)
    with pytest.raises(MalformedResponse) as info:
        webhook().list_all("user.get")
    assert str(info.value) == ("user.get: MALFORMED_RESPONSE (provision's own code): the page at start=50 repeats the "
                               "page at start=0")
    assert calls["n"] == 2


def test_new_rows_for_ever_stop_at_the_page_bound(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    calls = {"n": 0}

    def fresh(_request: Any) -> tuple[int, dict[str, str], str]:
        start = calls["n"] * 50
        calls["n"] += 1
        return 200, {}, json.dumps(ok(_users(start), next=start + 50))

    mocked.add_callback(responses.POST, url("user.get"), callback=fresh)
    client = webhook()
    client.max_pages = 40  # the default, MAX_PAGES, is reached the same way (2,000 requests)
    with pytest.raises(MalformedResponse, match=r"^user\.get: MALFORMED_RESPONSE \(provision's own code\): the list goes "
                                                r"on past 40 pages \(2000 rows\); provision "
                                                r"reads no longer lists$"):
        client.list_all("user.get")
    assert calls["n"] == 40 and MAX_PAGES == 2000


@pytest.mark.parametrize(("page", "says"), [
    (ok(_users(0), total=40, next=50),
     "the page says more rows follow from next=50, but total=40"),
    (ok([], total=900, next=50), "a page with no rows says more follow (next=50 after start=0)"),
    (ok(_users(0), total=100, next=0), "paging does not advance (next=0 after start=0)"),
    (ok(_users(0, 67), total=10**12, next=50),
     "a page of 67 rows says more follow (next=50), but a page holds at most 50"),
    (ok(_users(0), total=100, next="fifty"),
     'the portal answered next="fifty", not a count of rows'),
    (ok(_users(0), total=-3), "the portal answered total=-3, not a count of rows"),
    (ok(_users(0), total=[1], next=50), "the portal answered total=[1], not a count of rows"),
])
def test_paging_that_contradicts_itself_is_refused(
        page: dict[str, Any], says: str, mocked: responses.RequestsMock,
        webhook: Callable[..., BitrixClient]) -> None:
    """Before: next='fifty' or total=[1] were read as "absent": the list ended silently after
    its first page."""
    mocked.post(url("user.get"), json=page)
    client = webhook()
    with pytest.raises(MalformedResponse) as info:
        client.list_all("user.get")
    assert str(info.value) == f"user.get: MALFORMED_RESPONSE (provision's own code): {says}"
    assert client.stats.requests == 1


def test_more_rows_than_the_total_is_a_lie(mocked: responses.RequestsMock,
                                          webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("user.get"), json=ok(_users(0), total=60, next=50))
    mocked.post(url("user.get"), json=ok(_users(50), total=60))
    with pytest.raises(MalformedResponse, match=r"the pages hold more rows \(100\) than the total "
                                                r"it gave \(60\)"):
        webhook().list_all("user.get")


def _batch(result: Any, **members: Any) -> dict[str, Any]:
    return ok({"result": result, "result_error": [], "result_total": [], "result_next": [],
               "result_time": [], **members})


READS = {"cats": ("crm.category.list", {"entityTypeId": 2}),
         "stages": ("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"}})}


@pytest.mark.parametrize(("answer", "says"), [
    (_batch({"cats": {"categories": []}}),
     ("crm.status.list: MALFORMED_RESPONSE (provision's own code): the batch answer has neither a result nor an error "
     "for command 'stages'")),
    (_batch([]), ("crm.category.list: MALFORMED_RESPONSE (provision's own code): the batch answer has neither a result "
                 "nor an error for command 'cats'")),
    (_batch({"cats": {}, "stages": []}, result_error="oops"),
     "batch: MALFORMED_RESPONSE (provision's own code): the batch answer's result_error is a string, not an object"),
    (_batch(7), ("batch: MALFORMED_RESPONSE (provision's own code): the batch answer's result is an integer, not an "
                "object")),
    (_batch({"cats": {}, "stages": _users(0)}, result_next={"stages": "x"}),
     ("crm.status.list: MALFORMED_RESPONSE (provision's own code): result_next of command 'stages' is 'x', not a count "
     "of rows")),
    (_batch({"cats": {}, "stages": _users(0)}, result_next={"stages": 0},
            result_total={"stages": 90}),
     ("crm.status.list: MALFORMED_RESPONSE (provision's own code): paging does not advance (next=0 after start=0) "
     "(command 'stages')")),
    (_batch({"cats": {}, "stages": []}, result_next={"stages": 50},
            result_total={"stages": 10**12}),
     ("crm.status.list: MALFORMED_RESPONSE (provision's own code): a page with no rows says more follow (next=50 after "
     "start=0) (command 'stages')")),
])
def test_a_batch_answer_that_does_not_match_its_commands_is_refused(
        answer: dict[str, Any], says: str, mocked: responses.RequestsMock,
        webhook: Callable[..., BitrixClient]) -> None:
    """Before: a missing key, a wrong member or an unreadable next were taken as "no result",
    "no errors" or "no more pages"."""
    mocked.post(url("batch"), json=answer)
    with pytest.raises(MalformedResponse) as info:
        webhook().batch(READS)
    assert str(info.value) == says


def test_an_empty_result_for_writes_that_ran_is_uncertain_not_undone(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    """Before: `result: []` for two writes read as "neither ran", and apply said "Nothing is
    half-made"; now the writes may have happened (maybe_committed) and apply reads again."""
    mocked.post(url("batch"), json=_batch([]))
    with pytest.raises(MalformedResponse) as info:
        webhook().batch({"a": ("crm.status.add", {}), "b": ("crm.status.add", {})}, halt=True)
    assert info.value.maybe_committed is True
    assert str(info.value) == ("crm.status.add: MALFORMED_RESPONSE (provision's own code): the batch answer has neither "
                               "a result nor an error for command 'a'")


def test_with_halt_the_commands_after_a_failure_may_be_absent(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("batch"), json=_batch(
        {"a": 1}, result_error={"b": {"error": "ERROR_CORE", "error_description": "dup"}}))
    out = webhook().batch({"a": ("crm.status.add", {}), "b": ("crm.status.add", {}),
                           "c": ("crm.status.add", {})}, halt=True)
    assert out.results == {"a": 1} and set(out.errors) == {"b"}


def test_null_results_are_results(mocked: responses.RequestsMock,
                                  webhook: Callable[..., BitrixClient]) -> None:
    # crm.category.delete answers `result: null` (docs example); the key is there
    mocked.post(url("batch"), json=_batch({"a": None}))
    assert webhook().batch({"a": ("crm.category.delete", {"id": 5})}).results == {"a": None}


def test_an_oversize_answer_is_cut_while_read(mocked: responses.RequestsMock,
                                              webhook: Callable[..., BitrixClient]) -> None:
    body = b'{"result": "' + b"x" * 3_000_000 + b'"}'
    mocked.post(url("crm.status.list"), body=body, auto_calculate_content_length=False)
    with pytest.raises(AnswerTooLarge) as info:
        webhook(max_answer_bytes=1024 * 1024).call("crm.status.list")
    assert str(info.value) == (
        "crm.status.list: ANSWER_TOO_LARGE (provision's own code): the answer ran past 1048576 bytes, more than "
        "provision reads from one answer (1 MiB); reading stopped; a portal this large needs a "
        "higher limit: set PROVISION_MAX_ANSWER_BYTES to a number of bytes above 1048576")
    assert isinstance(info.value, MalformedResponse)


def test_the_answer_limit_is_raised_by_its_environment_variable(
        mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch,
        webhook: Callable[..., BitrixClient]) -> None:
    body = b'{"result": "' + b"x" * 3_000_000 + b'"}'
    mocked.post(url("crm.status.list"), body=body, auto_calculate_content_length=False)
    monkeypatch.setenv("PROVISION_MAX_ANSWER_BYTES", "4000000")
    client = webhook()
    assert client.max_answer_bytes == 4_000_000
    assert client.call("crm.status.list").result == "x" * 3_000_000


@pytest.mark.parametrize("raw", ["lots", "0", "1023", "-5", "1e9"])
def test_a_bad_answer_limit_is_refused_with_the_fix(
        raw: str, monkeypatch: pytest.MonkeyPatch, webhook: Callable[..., BitrixClient]) -> None:
    monkeypatch.setenv("PROVISION_MAX_ANSWER_BYTES", raw)
    with pytest.raises(ClientConfigError) as info:
        webhook()
    assert str(info.value) == (
        "PROVISION_MAX_ANSWER_BYTES must be a number of bytes, at least 1024 (e.g. 67108864 for "
        f"64 MiB); got {raw!r}")


def test_an_announced_oversize_answer_is_not_read(mocked: responses.RequestsMock,
                                                  webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("crm.status.list"), body=b"{}" * 600_000, auto_calculate_content_length=True)
    with pytest.raises(AnswerTooLarge, match="the answer announced 1200000 bytes, more than "
                                             r"provision reads from one answer \(1 MiB\)"):
        webhook(max_answer_bytes=1024 * 1024).call("crm.status.list")


def test_a_compressed_bomb_counts_at_its_full_size(mocked: responses.RequestsMock,
                                                  webhook: Callable[..., BitrixClient]) -> None:
    packed = gzip.compress(b'{"result": "' + b"0" * 5_000_000 + b'"}')
    assert len(packed) < 20_000
    mocked.post(url("crm.status.list"), body=packed, headers={"Content-Encoding": "gzip"})
    with pytest.raises(AnswerTooLarge, match="ran past 1048576 bytes"):
        webhook(max_answer_bytes=1024 * 1024).call("crm.status.list")


def test_json_nested_too_deeply_is_a_malformed_answer(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    """Before: RecursionError escaped the client (a traceback for a user)."""
    deep = b'{"result": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    mocked.post(url("crm.status.list"), body=deep)
    with pytest.raises(MalformedResponse) as info:
        webhook().call("crm.status.list")
    assert str(info.value) == ("crm.status.list: MALFORMED_RESPONSE (provision's own code): the portal answered JSON "
                               "nested too deeply to read (200012 bytes) (HTTP 200)")
