"""provision's own error codes (client/errors.py CLIENT_CODES) are never passed off as Bitrix24's:
a message that shows one says "(provision's own code)"; a code the portal answered is shown bare,
even one that looks like ours."""

from __future__ import annotations

import pytest

from provisioner.client import errors
from provisioner.client.errors import (
    BitrixAPIError,
    DNSFailure,
    InvalidRequest,
    MalformedResponse,
    ServerError,
    for_command,
    from_body,
)


@pytest.mark.parametrize(("exc", "text"), [
    (DNSFailure("DNS_ERROR", "the portal's host name p.example does not resolve", method="batch"),
     "batch: DNS_ERROR (provision's own code): the portal's host name p.example does not resolve"),
    (MalformedResponse("MALFORMED_RESPONSE", "the portal answered an HTML page", status=200,
                       method="crm.status.list"),
     "crm.status.list: MALFORMED_RESPONSE (provision's own code): the portal answered an HTML "
     "page (HTTP 200)"),
    (ServerError("HTTP_502", "the portal answered an HTML page", status=502, method="batch"),
     "batch: HTTP_502 (provision's own code): the portal answered an HTML page (HTTP 502)"),
])
def test_a_code_the_client_made_says_so(exc: BitrixAPIError, text: str) -> None:
    assert str(exc) == text
    assert exc.error == text.split(": ")[1].split(" ")[0]  # the code itself stays bare


def test_every_code_the_client_makes_is_marked() -> None:
    for code in sorted(errors.CLIENT_CODES):
        assert str(BitrixAPIError(code, "x", method="m")) == f"m: {code} (provision's own code): x"
    assert not errors.is_client_code("HTTP_50") and not errors.is_client_code("ERROR_CORE")


@pytest.mark.parametrize(("code", "status", "cls"), [
    ("ERROR_CORE", 400, InvalidRequest), ("MALFORMED_RESPONSE", 500, ServerError),
    ("HTTP_502", 502, ServerError)])
def test_a_code_the_portal_answered_is_shown_bare(code: str, status: int,
                                                  cls: type[BitrixAPIError]) -> None:
    exc = from_body({"error": code, "error_description": "text"}, method="crm.status.add",
                    status=status)
    assert type(exc) is cls
    assert str(exc) == f"crm.status.add: {code}: text (HTTP {status})"
    assert str(for_command(exc, "s1")) == (
        f"batch command 's1' (crm.status.add): {code}: text (HTTP {status})")


def test_a_batch_command_keeps_the_mark() -> None:
    exc = MalformedResponse("MALFORMED_RESPONSE", "no id", method="crm.category.add")
    assert str(for_command(exc, "c1")) == (
        "batch command 'c1' (crm.category.add): MALFORMED_RESPONSE (provision's own code): no id")
