"""Typed Bitrix24 errors, and the one place where an error body becomes one of them.

Classification keys on the `error` code, never on the HTTP status alone: the docs and the server
disagree on several statuses (docs/portal-rules.md#errors, #open-questions #1). The status only decides for codes
we do not know (5xx -> ServerError) and is kept on every exception for the reader.

The client also names failures the portal never answered (no answer, an unreadable one, a
redirect, a deadline) with codes of its own, CLIENT_CODES: they are not Bitrix24 error codes
(b24restdocs error-codes.md and api-reference/ name none of them), and every message that shows
one says "(provision's own code)" after it, so that nobody looks for it in the Bitrix24 docs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from provisioner.client.redact import redact
from provisioner.client.scopes import scope_hint
from provisioner.errors import ProvisionError


# provision's own codes, never sent by a portal (docs/reliability.md "Error codes of provision's
# own"); `HTTP_<n>` too: a non-JSON answer with an error status, named after the status.
CLIENT_CODES = frozenset({
    "TRANSPORT_ERROR", "DEADLINE_EXCEEDED", "MALFORMED_RESPONSE", "ANSWER_TOO_LARGE",
    "DNS_ERROR", "TLS_ERROR", "CONNECTION_REFUSED", "CONNECTION_FAILED", "COMMAND_DEADLINE",
    "REDIRECT_REFUSED"})
OWN_CODE = "(provision's own code)"
_HTTP_CODE = re.compile(r"HTTP_\d{3}")


def is_client_code(code: str) -> bool:
    """True for a code the client made up, not one a portal answered."""
    return code in CLIENT_CODES or _HTTP_CODE.fullmatch(code) is not None


class ClientConfigError(ProvisionError):
    """The client was set up wrongly (malformed webhook URL, plain http to a remote host...)."""


class BitrixAPIError(ProvisionError):
    """An error answered by the portal (or the client's view of a failed exchange)."""

    maybe_committed: bool = False  # a write whose outcome is unknown: read back before retrying
    key: str | None = None  # the batch command key, for errors of one batch command

    def __init__(self, error: str, error_description: str = "", *, status: int | None = None,
                 method: str = "", maybe_committed: bool = False, hint: str = "",
                 by_portal: bool = False) -> None:
        # Portals echo parameters in some texts; a secret must not ride along.
        self.error = redact(str(error))
        # A code the client made up is marked as such in the message; a portal's is shown bare.
        self.client_code = not by_portal and is_client_code(self.error)
        self.error_description = redact(error_description)
        self.status = status
        self.method = method
        self.maybe_committed = maybe_committed
        self.hint = redact(hint)  # what a person does about it (the scope to add, ...)
        super().__init__(f"{method}: {self.detail()}" if method else self.detail())

    def detail(self) -> str:
        """`CODE: description (HTTP n); hint`, the message without the method."""
        text = self.error or "(no code)"
        if self.client_code:
            text += f" {OWN_CODE}"
        if self.error_description:
            text += f": {self.error_description}"
        text += f" (HTTP {self.status})" if self.status is not None else ""
        return f"{text}; {self.hint}" if self.hint else text

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(error={self.error!r}, "
                f"error_description={self.error_description!r}, status={self.status!r}, "
                f"method={self.method!r})")


class MethodNotFound(BitrixAPIError):
    """ERROR_METHOD_NOT_FOUND: the portal does not know the method (checked before auth)."""


class AuthError(BitrixAPIError):
    """The credentials were refused: wrong webhook, unknown or revoked token, inactive user."""


class ExpiredToken(AuthError):
    """expired_token: the OAuth access token is past its hour; refresh and repeat."""


class AccessDenied(BitrixAPIError):
    """The caller is known but may not do this (ACCESS_DENIED, legacy 'Access denied.')."""


class InsufficientScope(AccessDenied):
    """insufficient_scope: the webhook or application lacks the method's scope."""


class WrongAuthType(AccessDenied):
    """WRONG_AUTH_TYPE: an application-only method was called through a webhook."""


class NotFound(BitrixAPIError):
    """The object named by the call does not exist."""


class InvalidRequest(BitrixAPIError):
    """The portal refused the parameters (validation, ERROR_CORE, ERROR_ARGUMENT, ...)."""


class RateLimited(BitrixAPIError):
    """QUERY_LIMIT_EXCEEDED: the portal's leaky bucket overflowed; retried with back-off."""


class OperationTimeLimit(BitrixAPIError):
    """OPERATION_TIME_LIMIT (429): the method's time budget is spent until `reset_at`."""

    reset_at: float | None = None


class Overloaded(BitrixAPIError):
    """OVERLOAD_LIMIT: REST blocked by Bitrix support; retrying does not help."""


class ServerError(BitrixAPIError):
    """A 5xx or INTERNAL_SERVER_ERROR; reads are retried, writes may have happened."""


class MalformedResponse(BitrixAPIError):
    """MALFORMED_RESPONSE (provision's own code): the answer was not a JSON object (HTML page,
    truncated JSON, an array...) or not the shape the method answers."""


class TransportError(BitrixAPIError):
    """TRANSPORT_ERROR (provision's own code): the exchange failed on the network (timeout,
    reset); no answer was read."""

    timed_out: bool = False  # no answer in time (retried once for reads), not a broken link


class DeadlineExceeded(TransportError):
    """DEADLINE_EXCEEDED (provision's own code): no complete answer within the request's
    deadline (a portal that trickles or is silent)."""

    timed_out = True


class Unreachable(TransportError):
    """The portal could not be reached at all: nothing was sent, and retrying does not help."""


class DNSFailure(Unreachable):
    """DNS_ERROR (provision's own code): the portal's host name does not resolve."""


class TLSFailure(Unreachable):
    """TLS_ERROR (provision's own code): no secure connection (certificate refused, handshake
    failed)."""


class ConnectionRefused(Unreachable):
    """CONNECTION_REFUSED / CONNECTION_FAILED (provision's own codes): the host did not accept
    the connection."""


class CommandDeadline(BitrixAPIError):
    """COMMAND_DEADLINE (provision's own code): the client's whole-command deadline passed; it
    sends nothing more."""


class RedirectRefused(BitrixAPIError):
    """REDIRECT_REFUSED (provision's own code): the portal answered with a redirect; the client
    follows none."""


class AnswerTooLarge(MalformedResponse):
    """ANSWER_TOO_LARGE (provision's own code): the answer grew past the client's size limit
    while being read."""


class BatchCommandError(BitrixAPIError):
    """Mixed into the typed error of one failed batch command; `key` names the command."""


_BY_CODE: dict[str, type[BitrixAPIError]] = {
    "ERROR_METHOD_NOT_FOUND": MethodNotFound,
    "expired_token": ExpiredToken,
    "insufficient_scope": InsufficientScope,
    "invalid_scope": InsufficientScope,
    "WRONG_AUTH_TYPE": WrongAuthType,
    "QUERY_LIMIT_EXCEEDED": RateLimited,
    "OPERATION_TIME_LIMIT": OperationTimeLimit,
    "OVERLOAD_LIMIT": Overloaded,
    "INTERNAL_SERVER_ERROR": ServerError,
    "ERROR_UNEXPECTED_ANSWER": ServerError,
    "INTERNAL_WRONG_TRANSPORT": ServerError,
    "NOT_FOUND": NotFound,
    "PORTAL_DELETED": NotFound,
    "INVALID_REQUEST": InvalidRequest,
}
_BY_GROUP: dict[type[BitrixAPIError], tuple[str, ...]] = {
    AuthError: ("NO_AUTH_FOUND", "INVALID_CREDENTIALS", "invalid_token", "authorization_error",
                "APPLICATION_NOT_FOUND", "ERROR_OAUTH", "PAYMENT_REQUIRED",
                "METHOD_CONFIRM_WAITING", "invalid_grant", "invalid_client", "invalid_request"),
    AccessDenied: ("ACCESS_DENIED", "user_access_error", "allowed_only_intranet_user",
                   "METHOD_CONFIRM_DENIED"),
    InvalidRequest: ("ERROR_CORE", "ERROR_ARGUMENT", "INVALID_ARG_VALUE", "BX_ERROR",
                     "ENTITY_TYPE_NOT_SUPPORTED", "ADDING_DISABLED", "REMOVING_DISABLED",
                     "ERROR_BATCH_LENGTH_EXCEEDED", "ERROR_BATCH_METHOD_NOT_ALLOWED",
                     "ERROR_HANDLER_ALREADY_EXIST", "ERROR_WRONG_HANDLER_URL",
                     "ERROR_UNSUPPORTED_PROTOCOL", "CRM_FIELD_ERROR_REQUIRED", "100", "0", ""),
}
for _cls, _codes in _BY_GROUP.items():
    _BY_CODE.update(dict.fromkeys(_codes, _cls))

# Legacy handlers answer error "" (D7 sometimes "0") and put the meaning in the text, and some
# docs examples put that text in `error` itself. Only short plain phrases count as "not found":
# "The 'USER_TYPE_ID' field is not found." is a validation message, not a missing object.
_NOT_FOUND_TEXT = re.compile(r"^[A-Za-z ]+ not found[.!]?$", re.IGNORECASE)
_ACCESS_TEXT = re.compile(r"^access denied|do not have permission", re.IGNORECASE)
_SCOPE_TEXT = re.compile(r"required more scopes", re.IGNORECASE)


def classify(error: str, description: str, status: int | None) -> type[BitrixAPIError]:
    """The exception class for an error code (text and status only break ties)."""
    texts = (error, description)
    if error in ("", "0", "100") or " " in error:
        if any(_SCOPE_TEXT.search(t) for t in texts):
            return InsufficientScope
        if any(_ACCESS_TEXT.search(t) for t in texts):
            return AccessDenied
        if any(_NOT_FOUND_TEXT.match(t.strip()) for t in texts):
            return NotFound
    known = _BY_CODE.get(error)
    if known is not None:
        return known
    if error.endswith("_NOT_FOUND"):
        return NotFound
    if status is not None and status >= 500:
        return ServerError
    return InvalidRequest if " " in error else BitrixAPIError


def from_body(body: Mapping[str, Any], *, method: str, status: int | None,
              secrets: Iterable[str] = (), credential: str = "webhook") -> BitrixAPIError:
    """Build the typed exception for an error envelope `{"error", "error_description"}`;
    `credential` (webhook or app) says where a missing scope is added."""
    error = redact(_text(body.get("error")), secrets)
    description = redact(_text(body.get("error_description")), secrets)
    cls = classify(error, description, status)
    hint = scope_hint(method, credential) if issubclass(cls, InsufficientScope) else ""
    exc = cls(error, description, status=status, method=method, hint=hint, by_portal=True)
    if isinstance(exc, OperationTimeLimit):
        exc.reset_at = _reset_at(body)
    return exc


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _reset_at(body: Mapping[str, Any]) -> float | None:
    time_block = body.get("time")
    value = time_block.get("operating_reset_at") if isinstance(time_block, Mapping) else None
    if value is None:
        value = body.get("operating_reset_at")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


_COMMAND_CLASSES: dict[str, type[BitrixAPIError]] = {}


def _command_class(cls: type[BitrixAPIError]) -> type[BitrixAPIError]:
    # One class per typed error, so `except NotFound` and `except BatchCommandError` both work.
    if issubclass(cls, BatchCommandError):
        return cls
    if cls is BitrixAPIError:  # an untyped code: (BitrixAPIError, BatchCommandError) has no MRO
        return BatchCommandError
    name = f"BatchCommand{cls.__name__}"
    if name not in _COMMAND_CLASSES:
        _COMMAND_CLASSES[name] = type(name, (cls, BatchCommandError),
                                      {"__module__": __name__, "__doc__": cls.__doc__})
    return _COMMAND_CLASSES[name]


def for_command(exc: BitrixAPIError, key: str) -> BitrixAPIError:
    """The same error, typed as both its class and BatchCommandError, naming the command."""
    command = _command_class(type(exc))(exc.error, exc.error_description, status=exc.status,
                                        method=exc.method, hint=exc.hint,
                                        by_portal=not exc.client_code)
    command.key = key
    command.args = (f"batch command {key!r} ({exc.method}): {exc.detail()}",)
    if isinstance(exc, OperationTimeLimit) and isinstance(command, OperationTimeLimit):
        command.reset_at = exc.reset_at
    return command
