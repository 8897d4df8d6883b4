"""Every error body becomes the right typed exception, keeping code, text, status and method."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses
from client_helpers import example, url

from provisioner.client import (
    AccessDenied,
    AuthError,
    BitrixAPIError,
    BitrixClient,
    ExpiredToken,
    InsufficientScope,
    InvalidRequest,
    MethodNotFound,
    NotFound,
    OperationTimeLimit,
    Overloaded,
    RateLimited,
    RetryPolicy,
    ServerError,
    WrongAuthType,
)
from provisioner.client.errors import classify
from provisioner.errors import ProvisionError

# (HTTP status, error, error_description, class) as in docs/portal-rules.md#errors.
TABLE: list[tuple[int, str | int, str, type[BitrixAPIError]]] = [
    (404, "ERROR_METHOD_NOT_FOUND", "Method not found!", MethodNotFound),
    (401, "NO_AUTH_FOUND", "Wrong authorization data", AuthError),
    (401, "INVALID_CREDENTIALS", "Invalid request credentials", AuthError),
    (403, "INVALID_CREDENTIALS", "Invalid request credentials", AuthError),
    (401, "invalid_token", "Unable to get application by token", AuthError),
    (401, "authorization_error", "Unable to authorize user", AuthError),
    (401, "APPLICATION_NOT_FOUND", "Application not found", AuthError),
    (401, "expired_token", "The access token provided has expired", ExpiredToken),
    (401, "insufficient_scope",
     "The request requires higher privileges than provided by the webhook token",
     InsufficientScope),
    (403, "insufficient_scope",
     "The request requires higher privileges than provided by the access token",
     InsufficientScope),
    (403, "ACCESS_DENIED", "Access denied!", AccessDenied),
    (403, "ACCESS_DENIED", "REST is available only on commercial plans.", AccessDenied),
    (400, "ACCESS_DENIED", "Access denied", AccessDenied),
    (400, "", "Access denied.", AccessDenied),
    (403, "user_access_error", "The user does not have access to the application.",
     AccessDenied),
    (403, "allowed_only_intranet_user", "Action allowed only for intranet users",
     AccessDenied),
    (403, "WRONG_AUTH_TYPE", "Current authorization type is denied for this method",
     WrongAuthType),
    (400, "NOT_FOUND", "Element not found", NotFound),
    (400, "0", "SPA not found", NotFound),
    (400, "ERROR_EVENT_NOT_FOUND", "Event not found", NotFound),
    (400, "Status is not found.", "Directory item not found.", NotFound),
    (400, "INVALID_REQUEST", "Https required", InvalidRequest),
    (400, "ERROR_CORE", "The status with this ID already exists", InvalidRequest),
    (400, "ERROR_ARGUMENT", "Argument 'PLACEMENT' is null or empty", InvalidRequest),
    (400, 100, "Could not find value for parameter entityTypeId", InvalidRequest),
    (400, "", "The 'USER_TYPE_ID' field is not found.", InvalidRequest),
    (400, "", "Parameter 'fields' must be array.", InvalidRequest),
    (400, "Invalid identifier.", "An invalid identifier was passed.", InvalidRequest),
    (400, "", "The current method required more scopes. (crm)", InsufficientScope),
    (400, "", "You do not have permission to view user field settings", AccessDenied),
    (503, "QUERY_LIMIT_EXCEEDED", "Too many requests", RateLimited),
    (429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.",
     OperationTimeLimit),
    (503, "OVERLOAD_LIMIT", "REST API is blocked due to overload.", Overloaded),
    (500, "INTERNAL_SERVER_ERROR", "Internal server error", ServerError),
    (500, "ERROR_UNEXPECTED_ANSWER", "Server returned an unexpected response.", ServerError),
    (502, "SOMETHING_NEW", "Bad gateway", ServerError),
    (500, "PORTAL_DELETED", "Portal was deleted", NotFound),
    (400, "SOMETHING_NEW", "a code this client does not know", BitrixAPIError),
]


@pytest.mark.parametrize(("status", "code", "description", "cls"), TABLE)
def test_error_body_becomes_its_class_with_every_field(
        status: int, code: str | int, description: str, cls: type[BitrixAPIError],
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("crm.status.add"), status=status,
                json={"error": code, "error_description": description})
    client = webhook(retry=RetryPolicy(max_retries=0))

    with pytest.raises(BitrixAPIError) as info:
        client.call("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE"}})

    error = info.value
    assert type(error) is cls
    assert isinstance(error, ProvisionError)
    assert (error.error, error.error_description, error.status, error.method) == (
        str(code), description, status, "crm.status.add")
    shown = f"{code}: {description}" if str(code) else f"(no code): {description}"
    hint = f"; {SCOPE_HINT}" if cls is InsufficientScope else ""
    assert str(error) == f"crm.status.add: {shown} (HTTP {status}){hint}"


SCOPE_HINT = ('the webhook lacks the scope "crm" that crm.status.add needs: in Bitrix24 open '
              "Developer resources → Other → Incoming webhook, edit this webhook, tick \"crm\" "
              "under scopes (permissions) and save, then run the command again")


@pytest.mark.parametrize(("method", "cls"), [
    ("crm.type.get", NotFound), ("crm.category.get", NotFound),
    ("crm.deal.userfield.update", AccessDenied), ("placement.list", WrongAuthType),
    ("crm.type.add", InvalidRequest), ("crm.contact.userfield.add", InvalidRequest),
    ("userfieldconfig.getTypes", InsufficientScope), ("placement.get", InvalidRequest),
    ("crm.status.get", NotFound), ("app.info", AccessDenied),
])
def test_docs_error_examples_are_classified(method: str, cls: type[BitrixAPIError],
                                            mocked: responses.RequestsMock,
                                            webhook: Callable[..., BitrixClient]) -> None:
    docs = example(method)["error_example"]
    mocked.post(url(method), status=docs["http_status"], json=docs["body"])
    with pytest.raises(cls) as info:
        webhook().call(method)
    assert info.value.error == str(docs["body"]["error"])
    assert info.value.error_description == docs["body"]["error_description"]


def test_the_error_code_decides_not_the_status() -> None:
    # The docs say 403 for INVALID_CREDENTIALS, the server 401; a D7 ACCESS_DENIED is 400.
    assert classify("INVALID_CREDENTIALS", "", 403) is AuthError
    assert classify("INVALID_CREDENTIALS", "", 401) is AuthError
    assert classify("ACCESS_DENIED", "", 400) is AccessDenied
    assert classify("QUERY_LIMIT_EXCEEDED", "", 429) is RateLimited


def test_extra_keys_of_an_error_body_do_not_matter(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("placement.bind"), status=400, json={
        "error": "ERROR_ARGUMENT", "error_description": "Argument 'PLACEMENT' is null or empty",
        "argument": "PLACEMENT"})
    with pytest.raises(InvalidRequest, match="ERROR_ARGUMENT"):
        webhook().call("placement.bind")


def test_repr_names_the_class_and_fields() -> None:
    error = NotFound("NOT_FOUND", "Element not found", status=400, method="crm.category.get")
    assert repr(error) == ("NotFound(error='NOT_FOUND', error_description='Element not found', "
                           "status=400, method='crm.category.get')")
