"""The Bitrix24 REST client: webhook and OAuth auth, typed errors, paging, batch, rate limit,
deadlines; every answer is treated as untrusted input."""

from provisioner.client.client import BitrixClient, InsecureTLSWarning
from provisioner.client.deadline import Deadlines
from provisioner.client.encoding import batch_command, php_query
from provisioner.client.errors import (
    AccessDenied,
    AnswerTooLarge,
    AuthError,
    BatchCommandError,
    BitrixAPIError,
    ClientConfigError,
    CommandDeadline,
    ConnectionRefused,
    DeadlineExceeded,
    DNSFailure,
    ExpiredToken,
    InsufficientScope,
    InvalidRequest,
    MalformedResponse,
    MethodNotFound,
    NotFound,
    OperationTimeLimit,
    Overloaded,
    RateLimited,
    RedirectRefused,
    ServerError,
    TLSFailure,
    TransportError,
    Unreachable,
    WrongAuthType,
)
from provisioner.client.models import BatchResult, ClientStats, OAuthTokens, Response
from provisioner.client.policy import RetryPolicy, is_read
from provisioner.client.ratelimit import LeakyBucket, RateLimit
from provisioner.client.redact import redact

__all__ = [
    "AccessDenied", "AnswerTooLarge", "AuthError", "BatchCommandError", "BatchResult",
    "BitrixAPIError", "BitrixClient", "ClientConfigError", "ClientStats", "CommandDeadline",
    "ConnectionRefused", "DNSFailure", "DeadlineExceeded", "Deadlines", "ExpiredToken",
    "InsecureTLSWarning", "InsufficientScope", "InvalidRequest", "LeakyBucket",
    "MalformedResponse", "MethodNotFound", "NotFound", "OAuthTokens", "OperationTimeLimit",
    "Overloaded", "RateLimit", "RateLimited", "RedirectRefused", "Response", "RetryPolicy",
    "ServerError", "TLSFailure", "TransportError", "Unreachable", "WrongAuthType",
    "batch_command", "is_read", "php_query", "redact",
]
