"""The Bitrix24 REST client: webhook and OAuth auth, typed errors, paging, batch, rate limit."""

from provisioner.client.client import BitrixClient, InsecureTLSWarning
from provisioner.client.encoding import batch_command, php_query
from provisioner.client.errors import (
    AccessDenied,
    AuthError,
    BatchCommandError,
    BitrixAPIError,
    ClientConfigError,
    ExpiredToken,
    InsufficientScope,
    InvalidRequest,
    MalformedResponse,
    MethodNotFound,
    NotFound,
    OperationTimeLimit,
    Overloaded,
    RateLimited,
    ServerError,
    TransportError,
    WrongAuthType,
)
from provisioner.client.models import BatchResult, ClientStats, OAuthTokens, Response
from provisioner.client.policy import RetryPolicy, is_read
from provisioner.client.ratelimit import LeakyBucket, RateLimit
from provisioner.client.redact import redact

__all__ = [
    "AccessDenied", "AuthError", "BatchCommandError", "BatchResult", "BitrixAPIError",
    "BitrixClient", "ClientConfigError", "ClientStats", "ExpiredToken", "InsecureTLSWarning",
    "InsufficientScope", "InvalidRequest", "LeakyBucket", "MalformedResponse", "MethodNotFound",
    "NotFound", "OAuthTokens", "OperationTimeLimit", "Overloaded", "RateLimit", "RateLimited",
    "Response", "RetryPolicy", "ServerError", "TransportError", "WrongAuthType",
    "batch_command", "is_read", "php_query", "redact",
]
