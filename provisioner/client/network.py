"""Network failures of requests, named in one line: DNS, TLS, refused, timeout, or a broken link.

DNS, TLS and refused connections fail before a byte of the request leaves: retrying does not
help, so they end the command at once, naming the host and the cause. Everything later (a reset,
a closed connection, a timeout) may have reached the portal. The exception's own text is never
shown: it carries the request URL, and so the webhook code.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError

from provisioner.client import errors

INSECURE_HINT = ("for a self-hosted portal with a self-signed certificate you trust, "
                 "--insecure skips the check")


def origin(url: str) -> str:
    """`scheme://host:port` of a URL: never its path, query or user part (they may hold a
    token)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    scheme = parts.scheme.lower() or "?"
    port = port or {"https": 443, "http": 80}.get(scheme)
    host = parts.hostname or "?"
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def unreachable(exc: requests.RequestException, url: str, *,
                method: str) -> errors.Unreachable | None:
    """The typed error for a DNS, TLS or refused-connection failure, else None."""
    where = origin(url)
    host = urlsplit(url).hostname or "?"
    causes = list(_chain(exc))
    if any(isinstance(c, (NameResolutionError, socket.gaierror)) for c in causes):
        return errors.DNSFailure(
            "DNS_ERROR", f"the portal's host name {host} does not resolve (DNS lookup failed); "
            "check the portal address in the webhook URL or portals.toml", method=method)
    if isinstance(exc, requests.exceptions.SSLError):
        return errors.TLSFailure(
            "TLS_ERROR", f"the TLS handshake with {where} failed: {_tls_reason(causes)}; "
            f"{INSECURE_HINT}", method=method)
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return errors.ConnectionRefused(
            "CONNECTION_REFUSED", f"{where} refused the connection (nothing listens there: "
            "a wrong port, or the portal is down)", method=method)
    if any(isinstance(c, NewConnectionError) for c in causes) and not isinstance(
            exc, requests.Timeout):
        return errors.ConnectionRefused(
            "CONNECTION_FAILED", f"could not connect to {where} ({_os_reason(causes)})",
            method=method)
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and urllib3's `reason`, each once."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack += [getattr(item, "reason", None), item.__cause__, item.__context__, *item.args]


def _tls_reason(causes: list[BaseException]) -> str:
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"the certificate was refused ({cause.verify_message or cause.reason})"
    for cause in causes:
        if isinstance(cause, ssl.SSLError) and cause.reason:
            return str(cause.reason).replace("_", " ").lower()
    return "no secure connection could be made"


def _os_reason(causes: list[BaseException]) -> str:
    for cause in causes:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
    return "the network said no"
