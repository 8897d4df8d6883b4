"""Answers that are not a JSON object become one clear MalformedResponse naming the method."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses
from client_helpers import url

from provisioner.client import BitrixClient, MalformedResponse, RetryPolicy, ServerError

HTML = "<!DOCTYPE html><html><head><title>Bitrix24</title></head><body>Login</body></html>"


@pytest.mark.parametrize(("body", "what"), [
    (HTML, "an HTML page instead of JSON (a proxy, login or maintenance page?)"),
    ('{"result": [{"ID": "1"}, {"ID"', "invalid or truncated JSON (30 bytes)"),
    ("", "an empty body instead of JSON"),
    ("Service temporarily unavailable", "a body that is not JSON"),
])
def test_undecodable_body(body: str, what: str, mocked: responses.RequestsMock,
                          webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("crm.status.list"), body=body, content_type="text/html")
    with pytest.raises(MalformedResponse) as info:
        webhook().call("crm.status.list")
    error = info.value
    assert str(error) == f"crm.status.list: MALFORMED_RESPONSE (provision's own code): the portal answered {what} " \
                         "(HTTP 200)"
    assert error.__cause__ is None and error.__suppress_context__  # no JSON traceback chained


def test_a_json_array_is_not_an_envelope(mocked: responses.RequestsMock,
                                         webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("crm.status.list"), json=[{"ID": "1"}])
    with pytest.raises(MalformedResponse) as info:
        webhook().call("crm.status.list")
    assert str(info.value) == ("crm.status.list: MALFORMED_RESPONSE (provision's own code): the portal answered a JSON "
                               "list instead of an object (HTTP 200)")


def test_an_object_without_result_or_error(mocked: responses.RequestsMock,
                                           webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("scope"), json={"time": {}})
    with pytest.raises(MalformedResponse, match="JSON without 'result' or 'error'"):
        webhook().call("scope")


def test_malformed_answer_to_a_write_may_have_happened(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("crm.status.add"), body='{"result": 77', content_type="application/json")
    client = webhook()
    with pytest.raises(MalformedResponse) as info:
        client.call("crm.status.add")
    assert info.value.maybe_committed is True
    assert client.stats.requests == 1


def test_a_gateway_html_page_is_a_server_error_retried_for_reads(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("crm.status.list"), status=504, body=HTML, content_type="text/html")
    client = webhook(retry=RetryPolicy(max_retries=2))
    with pytest.raises(ServerError) as info:
        client.call("crm.status.list")
    assert str(info.value) == (
        "crm.status.list: HTTP_504 (provision's own code): the portal answered an HTML page instead of JSON "
        "(a proxy, login or maintenance page?) (HTTP 504)")
    assert info.value.maybe_committed is False
    assert client.stats.requests == 3


def test_a_batch_result_that_is_not_an_object(mocked: responses.RequestsMock,
                                              webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("batch"), json={"result": "nope"})
    with pytest.raises(MalformedResponse, match="batch answer's result is not an object"):
        webhook().batch({"a": ("scope", {})})
