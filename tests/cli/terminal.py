"""Running `provision` in a child process, with its stdout or stderr on a pseudo-terminal (what
a person sees) or piped (what a script sees), and a loopback portal that holds a write batch
until the test lets it go (an apply interrupted mid-batch)."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from provisioner.client.policy import is_read
from provisioner.sandbox import Sandbox
from provisioner.sandbox.phpform import parse_body

ROOT = Path(__file__).resolve().parents[2]
ENTRY = "import sys; from provisioner.cli import run; sys.argv[0] = 'provision'; run()"
ANSI = "\x1b["


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child `provision`: no real portal, no colour switch, a terminal
    type that allows colour."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("B24_WEBHOOK_URL", "NO_COLOR", "PROVISION_SANDBOX_STATE")}
    return {**env, "TERM": "xterm-256color", "COLUMNS": "200", **extra}


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str


def run_with_terminal(args: list[str], on: str = "stdout", **env: str) -> Ran:
    """`provision ARGS` with `on` ("stdout" or "stderr") on a pseudo-terminal, the other piped.
    The terminal's text has its "\\r\\n" turned back into "\\n"."""
    master, slave = pty.openpty()
    pipes: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, on: slave}
    proc = subprocess.Popen([sys.executable, "-c", ENTRY, *args], cwd=ROOT, env=child_env(**env),
                            stdin=subprocess.DEVNULL, **pipes)
    os.close(slave)
    seen = _drain(master, proc)
    other = proc.stderr if on == "stdout" else proc.stdout
    assert other is not None
    rest = other.read().decode()
    proc.wait(timeout=60)
    shown = seen.replace("\r\n", "\n")
    return Ran(proc.returncode, *((shown, rest) if on == "stdout" else (rest, shown)))


def _drain(master: int, proc: subprocess.Popen[bytes]) -> str:
    out = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None and not select.select([master], [], [], 0)[0]:
            break
    os.close(master)
    return out.decode()


@dataclass
class HoldingPortal:
    """A sandbox on loopback HTTP whose `hold`-th write batch is held: `held` is set when it
    arrives, and it is dropped unanswered (never run) when `release` is set."""

    hold: int = 2
    sandbox: Sandbox = field(default_factory=Sandbox.in_memory)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    writes: int = 0
    holding: bool = True

    def answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, Any, bytes]:
        url = urlsplit(handler.path)
        headers = dict(handler.headers.items())
        if self.holding and _writes(url.path, body, headers):
            self.writes += 1
            if self.writes == self.hold:
                self.held.set()
                self.release.wait(60)
                return 0, {}, b""  # the client gave up: nothing is run, nothing answered
        return self.sandbox.app.handle("POST", url.path, url.query, headers, body)


def _writes(path: str, body: bytes, headers: dict[str, str]) -> bool:
    if not path.rstrip("/").removesuffix(".json").endswith("/batch"):
        return False
    kind = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    cmd = parse_body(body, kind).get("cmd") or {}
    commands = cmd.values() if isinstance(cmd, dict) else cmd
    return any(not is_read(str(c).split("?", 1)[0]) for c in commands)


@contextlib.contextmanager
def serving(portal: HoldingPortal) -> Iterator[str]:
    """The portal on 127.0.0.1; yields its webhook URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers, data = portal.answer(self, body)
            if not status:
                self.close_connection = True
                return
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            pass  # request lines hold the webhook token

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    portal.sandbox.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield portal.sandbox.webhook_url
    finally:
        portal.release.set()
        server.shutdown()
        server.server_close()
