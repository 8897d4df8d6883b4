"""A requests transport adapter that hands requests to the sandbox app in-process.

Mounted on `http://sandbox.invalid/` (the app) and on oauth.bitrix.info's token URL (the
sandbox's token rotation), so that a real client, refresh included, works offline.
Injected faults surface as the exceptions requests itself raises.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse

from provisioner.sandbox import phpform
from provisioner.sandbox.app import SandboxApp
from provisioner.sandbox.faults import ConnectionDropped, RequestTimedOut

OAUTH_TOKEN_URL = "https://oauth.bitrix.info/oauth/token/"


class Host(Protocol):
    """What the adapter needs of `provisioner.sandbox.portal.Sandbox` (which mounts it)."""

    base_url: str

    @property
    def app(self) -> SandboxApp: ...

    def oauth_answer(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]: ...


class SandboxAdapter(HTTPAdapter):
    """Answers from the sandbox app instead of the network."""

    def __init__(self, sandbox: Host) -> None:
        super().__init__()
        self.sandbox = sandbox

    # requests calls send() with these keywords; the in-process app needs none of them
    def send(self, request: requests.PreparedRequest, stream: bool = False,  # noqa: ARG002
             timeout: Any = None, verify: Any = True, cert: Any = None,  # noqa: ARG002
             proxies: Mapping[str, str] | None = None) -> requests.Response:  # noqa: ARG002
        url = urlsplit(request.url or "")
        data = _body_bytes(request.body)
        if (request.url or "").startswith(OAUTH_TOKEN_URL):
            status, answer = self.sandbox.oauth_answer(
                {**phpform.parse_query(url.query), **phpform.parse_query(data.decode())})
            return self._response(request, status, {"Content-Type": "application/json"},
                                  json.dumps(answer).encode())
        try:
            status, headers, payload = self.sandbox.app.handle(
                request.method or "GET", url.path, url.query, _headers(request), data)
        except ConnectionDropped:
            raise requests.ConnectionError(
                "sandbox: connection dropped after the call was committed",
                request=request) from None
        except RequestTimedOut:
            raise requests.ReadTimeout("sandbox: injected read timeout", request=request) from None
        return self._response(request, status, headers, payload)

    def _response(self, request: requests.PreparedRequest, status: int,
                  headers: Mapping[str, str], payload: bytes) -> requests.Response:
        raw = HTTPResponse(body=io.BytesIO(payload), headers=dict(headers), status=status,
                           reason=HTTPStatus(status).phrase, preload_content=False,
                           decode_content=False)
        return self.build_response(request, raw)


def _body_bytes(body: Any) -> bytes:
    """A prepared body is bytes, str, or (for streamed uploads) an iterable or file."""
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return body
    if hasattr(body, "read"):
        return _body_bytes(body.read())
    return b"".join(_body_bytes(part) for part in body)


def _headers(request: requests.PreparedRequest) -> dict[str, str]:
    return {k: v.decode("latin-1") if isinstance(v, bytes) else v
            for k, v in request.headers.items()}


def mount(session: requests.Session, sandbox: Host) -> requests.Session:
    adapter = SandboxAdapter(sandbox)
    session.mount(sandbox.base_url + "/", adapter)
    session.mount(OAUTH_TOKEN_URL, adapter)
    return session
