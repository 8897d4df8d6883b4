"""A portal that lies: the sandbox served over HTTP on loopback, its answers bent by a named mode.

`HostilePortal` forwards each request to a fresh in-memory sandbox (or does not, as the mode
says), keeps a log of every request and of every write the sandbox really ran, and lets the
mode rewrite, delay, cut or replace the answer. `Recorder` is a second loopback server, on
another host address, that records whatever reaches it: no token may ever get there.
The CLI runs against it unchanged, with B24_WEBHOOK_URL pointing at `webhook_url`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from provisioner.client.policy import is_read
from provisioner.sandbox import Sandbox
from provisioner.sandbox.phpform import parse_body, parse_query

TLS = Path(__file__).resolve().parent / "tls"  # a self-signed pair for 127.0.0.1, tests only
Command = tuple[str, str, dict[str, Any]]  # key, method, params


@dataclass
class Request:
    """One request as the portal saw it: the REST method, its params, a batch's commands."""

    path: str
    method: str
    params: dict[str, Any]
    body: bytes
    headers: dict[str, str]

    @property
    def commands(self) -> list[Command]:
        if self.method != "batch":
            return [("", self.method, self.params)]
        cmd = self.params.get("cmd") or {}
        pairs = cmd.items() if isinstance(cmd, dict) else enumerate(cmd)
        return [(str(k), *_split_command(str(v))) for k, v in pairs]

    @property
    def writes(self) -> bool:
        return any(not is_read(m) for _, m, _ in self.commands)


def _split_command(text: str) -> tuple[str, dict[str, Any]]:
    method, _, query = text.partition("?")
    return method, parse_query(query)


@dataclass
class Reply:
    """What the portal sends back. `trickle`: seconds between body bytes of an answer that never
    ends; `silent`: nothing at all; `endless`: an unending chunked body, as fast as it goes."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    body: bytes = b""
    trickle: float | None = None
    silent: bool = False
    endless: bool = False

    @classmethod
    def of(cls, answer: Any, status: int = 200) -> Reply:
        return cls(status, body=json.dumps(answer, ensure_ascii=False).encode())

    def json(self) -> Any:
        return json.loads(self.body)


class Mode(Protocol):
    """A way of lying; `answer` may call `portal.forward(request)` to let the sandbox run it."""

    @property
    def name(self) -> str: ...

    def answer(self, request: Request, portal: HostilePortal) -> Reply: ...


@dataclass(frozen=True)
class Write:
    """A write the sandbox really ran: its method and params (references left as sent)."""

    method: str
    params: str  # canonical JSON, comparable between runs


class HostilePortal:
    """The sandbox behind a loopback HTTP(S) server whose answers the current mode decides."""

    def __init__(self, mode: Mode | None = None, *, tls: bool = False) -> None:
        self.sandbox = Sandbox.in_memory()
        self.mode = mode
        self.log: list[Request] = []
        self.ran: list[Write] = []
        self.stopping = threading.Event()
        self.recorder_url = ""  # where the redirect modes send the client (a Recorder)
        # the methods whose answers the mode changed, once per changed answer (for the modes
        # that count them: a test can tell the mode bit, not only that the command went well)
        self.bent: list[str] = []
        self._server = _Server(self, tls)
        self.sandbox.base_url = self.url
        self.token = self.sandbox.webhook_url.rstrip("/").rsplit("/", 1)[-1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        scheme = "https" if self._server.tls else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    @property
    def webhook_url(self) -> str:
        return self.sandbox.webhook_url

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def handle(self, request: Request) -> Reply:
        self.log.append(request)
        if self.mode is None:
            return self.forward(request)
        return self.mode.answer(request, self)

    def forward(self, request: Request, body: bytes | None = None) -> Reply:
        """Let the sandbox answer (`body` replaces the request's); note the writes that ran."""
        sent = request.body if body is None else body
        url = urlsplit(request.path)
        status, headers, data = self.sandbox.app.handle(
            "POST", url.path, url.query, request.headers, sent)
        if status == 200 and request.writes:
            self._note_writes(request if body is None else _reparsed(request, sent), data)
        return Reply(status, dict(headers), data)

    def _note_writes(self, request: Request, data: bytes) -> None:
        result = json.loads(data).get("result")
        done = set(result.get("result") or {}) if request.method == "batch" else {""}
        if request.method == "batch" and isinstance(result.get("result"), list):
            done = {str(i) for i in range(len(result["result"]))}
        for key, method, params in request.commands:
            if key in done and not is_read(method):
                self.ran.append(Write(method, json.dumps(params, sort_keys=True)))

    def writes(self) -> list[Write]:
        return list(self.ran)


def _reparsed(request: Request, body: bytes) -> Request:
    return Request(request.path, request.method, _params(body, request.headers), body,
                   request.headers)


def _params(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    kind = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    try:
        return parse_body(body, kind)
    except ValueError:
        return {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, portal: HostilePortal, tls: bool) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.portal = portal
        self.tls = tls
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(TLS / "cert.pem", TLS / "key.pem")
            self.socket = context.wrap_socket(self.socket, server_side=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = dict(self.headers.items())
        name = urlsplit(self.path).path.rsplit("/", 1)[-1].removesuffix(".json")
        request = Request(self.path, name, _params(body, headers), body, headers)
        reply = self.server.portal.handle(request)
        with contextlib.suppress(OSError):
            self._send(reply)

    def _send(self, reply: Reply) -> None:
        stopping = self.server.portal.stopping
        if reply.silent:
            stopping.wait(30)
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.endless:
            self._endless(stopping)
        elif reply.trickle is not None:
            self._trickle(reply.trickle, stopping)
        else:
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

    def _trickle(self, every: float, stopping: threading.Event) -> None:
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        self.wfile.write(b"{")
        while not stopping.wait(every):
            self.wfile.write(b" ")
            self.wfile.flush()
        self.close_connection = True

    def _endless(self, stopping: threading.Event) -> None:
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b" " * 65536
        frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        self.wfile.write(b'1\r\n{\r\n')
        while not stopping.is_set():
            self.wfile.write(frame)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # request lines hold the webhook token


class Recorder:
    """A second loopback server (another host address) that records every request it gets."""

    def __init__(self) -> None:
        host = _other_loopback()
        self.received: list[bytes] = []
        self._listener = socket.create_server((host, 0))
        self.url = f"http://{host}:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._record, args=(conn,), daemon=True).start()

    def _record(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(2)
            data = conn.recv(65536)
            self.received.append(data)
            body = b'{"result": [], "time": {}}'
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()


def _other_loopback() -> str:
    """127.0.0.2 where the system routes it (Linux does), else 127.0.0.1 on another port."""
    try:
        with socket.create_server(("127.0.0.2", 0)):
            return "127.0.0.2"
    except OSError:
        return "127.0.0.1"


@contextlib.contextmanager
def running(mode: Mode | None = None, *, tls: bool = False) -> Iterator[HostilePortal]:
    portal = HostilePortal(mode, tls=tls)
    try:
        yield portal
    finally:
        portal.stop()


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    out = fn()
    return out, time.monotonic() - started
