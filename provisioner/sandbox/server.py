"""The sandbox app over real HTTP on 127.0.0.1 (`provision sandbox serve`).

Same app as in-process; injected dropped connections and timeouts close the socket without an
answer. Request lines are not logged: webhook URLs carry the token in the path.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from provisioner.sandbox.clock import RealClock
from provisioner.sandbox.faults import ConnectionDropped, RequestTimedOut
from provisioner.sandbox.portal import Sandbox
from provisioner.sandbox.ratelimit import RateLimit

HOST = "127.0.0.1"


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sandbox: Sandbox, port: int = 0) -> None:
        super().__init__((HOST, port), _Handler)
        self.sandbox = sandbox
        sandbox.base_url = self.url

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            status, headers, data = self.server.sandbox.app.handle(
                self.command, url.path, url.query, dict(self.headers.items()), body)
        except ConnectionDropped:
            self._abort()
            return
        except RequestTimedOut as timeout:
            time.sleep(timeout.delay)
            self._abort()
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _abort(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request line holds the webhook token: never log it


class Running:
    """A server running in a background thread (tests, `serve`)."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        # a short poll interval keeps stop() (and so each test) fast
        self.thread = threading.Thread(target=server.serve_forever, args=(0.05,),
                                       name="sandbox-http", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start(sandbox: Sandbox, port: int = 0) -> Running:
    """Serve `sandbox` on 127.0.0.1:`port` (0 = any free port) in a background thread."""
    return Running(SandboxServer(sandbox, port))


def open_sandbox(state_path: Path, rate_limit: bool = True) -> Sandbox:
    """The file-backed portal as `serve` runs it: wall clock, rate limit on by default."""
    return Sandbox.open(state_path, clock=RealClock(),
                        rate_limit=RateLimit() if rate_limit else None)


def serve(port: int, state_path: Path, rate_limit: bool = True,
          on_ready: Callable[[Sandbox], None] | None = None) -> None:
    """Serve until interrupted; `on_ready` gets the sandbox once the socket is bound."""
    sandbox = open_sandbox(state_path, rate_limit)
    server = SandboxServer(sandbox, port)
    try:
        if on_ready is not None:
            on_ready(sandbox)
        server.serve_forever()
    finally:
        server.server_close()
