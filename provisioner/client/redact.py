"""Masking of secrets (webhook codes, OAuth tokens, client secrets) in any text we show or log."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"

# A webhook path is /rest/<user>/<code>/...; REST 3.0 puts "api/" in front of the user id.
_WEBHOOK_PATH = re.compile(r"(/rest/(?:api/)?\d+/)[^/\s?#\"']+")
_SECRET_NAMES = r"auth|access_token|refresh_token|client_secret|code|ap|token"
# auth=..., refresh_token=... in query strings and form bodies.
_QUERY_SECRET = re.compile(rf"((?:^|[?&\s;,(])(?:{_SECRET_NAMES})=)[^&\s\"'#]+", re.IGNORECASE)
# "auth": "...", 'refresh_token': '...' in JSON or Python reprs.
_MAPPING_SECRET = re.compile(
    rf"""(["'](?:{_SECRET_NAMES})["']\s*:\s*["'])[^"']*""", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return text with every known secret shape, and every literal secret given, masked."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _WEBHOOK_PATH.sub(rf"\1{MASK}", text)
    text = _QUERY_SECRET.sub(rf"\1{MASK}", text)
    text = _MAPPING_SECRET.sub(rf"\1{MASK}", text)
    return _BEARER.sub(rf"\1{MASK}", text)


class RedactingFilter(logging.Filter):
    """Last line of defence: a record of the client's logger is redacted before any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: let logging report it as usual
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


# urllib3 logs every request line at DEBUG, path and query included: with a webhook that is the
# code, with the token refresh the client secret. A logger's filters only see records created on
# that very logger, so each one is guarded by name.
GUARDED_LOGGERS = ("provisioner.client", "urllib3.connectionpool")


def client_logger() -> logging.Logger:
    """The client's logger; the redacting filter is installed once on every guarded logger."""
    for name in GUARDED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
    return logging.getLogger(GUARDED_LOGGERS[0])
