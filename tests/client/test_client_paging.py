"""list_all follows `next` page by page and unwraps D7 results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses
from client_helpers import example, ok, request_json, url

from provisioner.client import BitrixClient, MalformedResponse


def _types(first: int, count: int) -> list[dict[str, Any]]:
    template = example("crm.type.list")["response"]["body"]["result"]["types"][0]
    return [{**template, "id": first + i, "entityTypeId": 1030 + 2 * (first + i)}
            for i in range(count)]


def test_list_all_follows_next_across_three_pages_and_unwraps_the_key(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    pages = [ok({"types": _types(0, 50)}, total=120, next=50),
             ok({"types": _types(50, 50)}, total=120, next=100),
             ok({"types": _types(100, 20)}, total=120)]
    for page in pages:
        mocked.post(url("crm.type.list"), json=page)
    client = webhook()

    rows = client.list_all("crm.type.list", {"order": {"id": "ASC"}}, key="types")

    assert [row["id"] for row in rows] == list(range(120))
    assert [request_json(mocked, i) for i in range(3)] == [
        {"order": {"id": "ASC"}},
        {"order": {"id": "ASC"}, "start": 50},
        {"order": {"id": "ASC"}, "start": 100},
    ]
    assert client.stats.requests == 3


def test_list_all_of_a_one_page_list_makes_one_request(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    docs = example("crm.status.list")["response"]["body"]
    mocked.post(url("crm.status.list"), json=docs)
    client = webhook()
    rows = client.list_all("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"}})
    assert rows == docs["result"]
    assert client.stats.requests == 1


def test_list_all_reads_a_php_object_result_as_rows(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    # PHP serialises an array whose keys are not 0..n-1 as an object.
    mocked.post(url("crm.status.entity.items"), json=ok({"3": {"ID": 3}, "7": {"ID": 7}}))
    assert webhook().list_all("crm.status.entity.items") == [{"ID": 3}, {"ID": 7}]


def test_list_all_with_a_missing_key_names_it(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("crm.type.list"), json=ok({"items": []}))
    with pytest.raises(MalformedResponse) as info:
        webhook().list_all("crm.type.list", key="types")
    assert str(info.value) == ("crm.type.list: MALFORMED_RESPONSE (provision's own code): result['types'] of a list "
                               "method is not a list")


def test_list_all_refuses_paging_that_does_not_advance(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("user.get"), json=ok([{"ID": "1"}], total=100, next=50))
    mocked.post(url("user.get"), json=ok([{"ID": "1"}], total=100, next=50))
    with pytest.raises(MalformedResponse, match=r"paging does not advance \(next=50 after "
                                                r"start=50\)"):
        webhook().list_all("user.get")
