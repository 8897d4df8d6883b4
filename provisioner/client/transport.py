"""One HTTP exchange with the portal and the reading of its answer into a Response or an error.

Every failure leaves here as a typed BitrixAPIError whose texts are already redacted. Network
exceptions are not chained: their messages carry the request URL, and so the webhook code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import requests

from provisioner.client import errors
from provisioner.client.models import ClientStats, Response
from provisioner.client.redact import redact

Timeout = float | tuple[float, float]
USER_AGENT = "provision/0.1"


class Transport:
    """Sends JSON POSTs (and the OAuth GET) through a requests session and decodes the answer."""

    def __init__(self, session: requests.Session, *, timeout: Timeout, verify: bool,
                 secrets: Callable[[], Iterable[str]], stats: ClientStats) -> None:
        self.session = session
        self.timeout = timeout
        self.verify = verify
        self._secrets = secrets
        self._stats = stats

    def post(self, url: str, body: Mapping[str, Any], *, method: str, write: bool) -> Response:
        """POST `body` as JSON to `url`; return the envelope or raise the typed error."""
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        http = self._send(lambda: self.session.post(
            url, json=body, headers=headers, timeout=self.timeout, verify=self.verify),
            method=method, write=write)
        try:
            return envelope(self.decode(http, method=method, write=write),
                            method=method, status=http.status_code, secrets=self._secrets())
        except errors.ServerError as exc:
            exc.maybe_committed = write  # the portal failed while (maybe) applying the write
            raise

    def get_json(self, url: str, params: Mapping[str, str], *,
                 method: str) -> tuple[int, dict[str, Any]]:
        """GET `url?params`: the HTTP status and the JSON object (for the OAuth token refresh)."""
        http = self._send(lambda: self.session.get(
            url, params=dict(params), headers={"Accept": "application/json"},
            timeout=self.timeout, verify=self.verify), method=method, write=False)
        return http.status_code, self.decode(http, method=method, write=False)

    def _send(self, do: Callable[[], requests.Response], *, method: str,
              write: bool) -> requests.Response:
        self._stats.requests += 1
        try:
            return do()
        except requests.RequestException as exc:
            raise self._transport_error(exc, method=method, write=write) from None

    def _transport_error(self, exc: requests.RequestException, *, method: str,
                         write: bool) -> errors.TransportError:
        # A refused connection never reached the portal; anything later may have been applied.
        reached = not isinstance(exc, requests.ConnectTimeout)
        kind = "timed out" if isinstance(exc, requests.Timeout) else "failed"
        text = redact(str(exc), self._secrets())[:300]
        return errors.TransportError(
            "TRANSPORT_ERROR", f"request {kind}: {type(exc).__name__}: {text}", method=method,
            maybe_committed=write and reached)

    def decode(self, http: requests.Response, *, method: str, write: bool) -> dict[str, Any]:
        """The body as a JSON object; HTML, truncated JSON or a non-object become typed errors."""
        status = http.status_code
        try:
            body = json.loads(http.content)  # JSON is UTF-8; do not let requests guess
        except ValueError:
            raise self._undecodable(http.content, status, method=method, write=write) from None
        if not isinstance(body, dict):
            raise errors.MalformedResponse(
                "MALFORMED_RESPONSE",
                f"the portal answered a JSON {type(body).__name__} instead of an object",
                status=status, method=method, maybe_committed=write)
        return body

    def _undecodable(self, content: bytes, status: int, *, method: str,
                     write: bool) -> errors.BitrixAPIError:
        what = _describe(content)
        if status >= 500:
            return errors.ServerError(f"HTTP_{status}", f"the portal answered {what}",
                                      status=status, method=method, maybe_committed=write)
        return errors.MalformedResponse("MALFORMED_RESPONSE", f"the portal answered {what}",
                                        status=status, method=method, maybe_committed=write)


def _describe(content: bytes) -> str:
    # Only the shape is described: the body itself may echo request parameters.
    stripped = content.lstrip()
    if not stripped:
        return "an empty body instead of JSON"
    if stripped.startswith(b"<"):
        return "an HTML page instead of JSON (a proxy, login or maintenance page?)"
    if stripped[:1] in (b"{", b"["):
        return f"invalid or truncated JSON ({len(content)} bytes)"
    return "a body that is not JSON"


def envelope(body: Mapping[str, Any], *, method: str, status: int,
             secrets: Iterable[str] = ()) -> Response:
    """Turn a decoded body into a Response, or raise the error it carries."""
    if "error" in body:
        raise errors.from_body(body, method=method, status=status, secrets=secrets)
    if "result" not in body:
        raise errors.MalformedResponse("MALFORMED_RESPONSE",
                                       "the portal answered JSON without 'result' or 'error'",
                                       status=status, method=method)
    time_block = body.get("time")
    return Response(result=body["result"], total=as_int(body.get("total")),
                    next=as_int(body.get("next")),
                    time=time_block if isinstance(time_block, Mapping) else None)


def as_int(value: Any) -> int | None:
    """Legacy methods send numbers as strings; anything unreadable is treated as absent."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
