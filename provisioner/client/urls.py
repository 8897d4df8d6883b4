"""Webhook URL parsing, the https rule and method-name checks; no message ever echoes a token."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from provisioner.client.errors import ClientConfigError

SANDBOX_HOST = "sandbox.invalid"  # the in-process sandbox portal (provisioner.sandbox)
WEBHOOK_FORM = "https://<portal>/rest/<user_id>/<webhook_code>/"
_METHOD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")
_USER_ID = re.compile(r"^[0-9]+$")
_CODE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class WebhookURL:
    """A parsed incoming-webhook URL; the code is kept out of repr."""

    origin: str  # scheme://host[:port] plus any path before /rest/
    user_id: str
    code: str = field(repr=False)

    @property
    def base(self) -> str:
        """`<origin>/rest/<user>/<code>/`, to which `<method>.json` is appended."""
        return f"{self.origin}/rest/{self.user_id}/{self.code}/"

    @property
    def display(self) -> str:
        return f"{self.origin}/rest/{self.user_id}/***/"


def parse_webhook_url(url: str) -> WebhookURL:
    """Accept `.../rest/<user>/<code>` with or without a trailing slash or method name."""
    parts = urlsplit(url.strip())
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    segments = parts.path.split("/")
    shown = f"{parts.scheme}://{parts.hostname}" if origin and parts.hostname else ""
    if not shown or "rest" not in segments or parts.query or parts.fragment or "@" in parts.netloc:
        raise _malformed(shown)
    at = segments.index("rest")
    tail = [s for s in segments[at + 1:] if s]
    if len(tail) not in (2, 3) or not _USER_ID.match(tail[0]) or not _CODE.match(tail[1]):
        raise _malformed(shown)
    if len(tail) == 3 and not _METHOD.match(_strip_format(tail[2])):
        raise _malformed(shown)
    prefix = "/".join(segments[:at])
    check_scheme(f"{origin}{prefix}")
    return WebhookURL(origin=f"{origin}{prefix}", user_id=tail[0], code=tail[1])


def _malformed(origin: str) -> ClientConfigError:
    where = f" for {origin}" if origin else ""
    return ClientConfigError(
        f"malformed webhook URL{where}: expected the form {WEBHOOK_FORM} "
        "(as shown in Bitrix24 under Developer resources > Inbound webhook)")


def _strip_format(name: str) -> str:
    return name.removesuffix(".json").removesuffix(".xml")


def normalize_endpoint(endpoint: str) -> str:
    """An OAuth `client_endpoint` (e.g. https://portal.bitrix24.com/rest/), ending with '/'."""
    parts = urlsplit(endpoint.strip())
    if not parts.scheme or not parts.netloc or parts.query or parts.fragment:
        raise ClientConfigError(
            "malformed OAuth endpoint: expected the client_endpoint form https://<portal>/rest/")
    check_scheme(endpoint)
    return endpoint.strip().rstrip("/") + "/"


def check_scheme(url: str) -> None:
    """https everywhere; plain http only for loopback hosts and the in-process sandbox."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https":
        return
    host = (parts.hostname or "").lower()
    if scheme == "http" and _local_host(host):
        return
    raise ClientConfigError(
        f"refusing {scheme or 'scheme-less'} URL for {host or 'an unknown host'}: Bitrix24 "
        "requires https (plain http is allowed only for localhost and the sandbox); "
        "use an https:// URL")


def _local_host(host: str) -> bool:
    if host in ("localhost", SANDBOX_HOST):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_method(method: str) -> str:
    """A method name goes into a URL path: only dotted identifiers are accepted."""
    if not _METHOD.match(method):
        raise ValueError(f"not a Bitrix24 method name: {method[:60]!r}")
    return method
