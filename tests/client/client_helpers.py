"""Helpers of the REST client tests: docs fixtures, envelopes, a virtual clock."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import responses

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "client"
TOKEN = "s3cr3tw3bh00kc0de"  # the webhook code every test uses; must never leak
BASE = f"https://portal.example.com/rest/7/{TOKEN}/"
OAUTH_ENDPOINT = "https://portal.example.com/rest/"
TOKEN_URL = "https://oauth.bitrix.info/oauth/token/"


def example(method: str) -> dict[str, Any]:
    """A docs example file copied from rest-examples/ (request, response, error_example)."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{method}.json").read_text("utf-8"))
    return data


def url(method: str) -> str:
    return f"{BASE}{method}.json"


def ok(result: Any, **extra: Any) -> dict[str, Any]:
    """A success envelope with a realistic `time` block."""
    return {"result": result, **extra,
            "time": {"start": 1752146147.3, "finish": 1752146147.35, "duration": 0.05,
                     "processing": 0.01, "date_start": "2025-07-10T14:15:47+03:00",
                     "date_finish": "2025-07-10T14:15:47+03:00"}}


def request_json(mock: responses.RequestsMock, index: int) -> Any:
    """The JSON body of the index-th request seen by `mock`."""
    body = mock.calls[index].request.body
    assert isinstance(body, (bytes, str))
    return json.loads(body)


class VirtualClock:
    """Monotonic and unix time that only move when the client sleeps."""

    def __init__(self, unix_start: float = 1_752_146_000.0) -> None:
        self.t = 0.0
        self.unix_start = unix_start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def unix(self) -> float:
        return self.unix_start + self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds




@contextlib.contextmanager
def raw_server(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that hands each connection to `handle` (in its own thread);
    yields its port. For answers no HTTP server library would give (trickles, silence)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # the client hung up: what the tests are about
            handle(conn)

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()


def read_request(conn: socket.socket) -> bytes:
    """The request line, headers and body (by Content-Length) of one HTTP request."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def closed_port() -> int:
    """A loopback port where nothing listens (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port: int = sock.getsockname()[1]
    return port


def count_at_the_send(monkeypatch: Any) -> None:
    """The client's bucket as it was before 2026-12-03: each request counted when it is sent
    (client/ratelimit.py says why it now counts at the answer). For tests that show the
    difference."""
    from provisioner.client import LeakyBucket

    original = LeakyBucket.acquire

    def acquire(self: LeakyBucket) -> float:
        waited = original(self)
        self.answered()
        return waited

    monkeypatch.setattr(LeakyBucket, "acquire", acquire)
