"""One HTTP exchange bounded in time and size: a total deadline, not a per-read timeout.

requests' timeouts bound each socket operation, so a portal that sends one byte every few
seconds (or the status line and headers that slowly) keeps a read alive for ever. Here the
exchange runs in a worker thread that reads the body in chunks, counting the bytes (decoded,
so a compressed bomb counts at full size) and stopping past `max_bytes`; the caller waits at most
`seconds` for it. On expiry the connection's socket is shut down (which ends a blocked read) and
the worker, a daemon thread, is left to finish on its own; the next exchange gets another.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import requests

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Answer:
    """What came back: the status, the headers and every byte of the (decoded) body."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""


class TooLarge(Exception):
    """The body passed the size limit (`seen` bytes read, or announced by Content-Length)."""

    def __init__(self, seen: int, announced: bool) -> None:
        super().__init__(seen)
        self.seen = seen
        self.announced = announced


class Expired(Exception):
    """No complete answer within the deadline; `received` body bytes had arrived."""

    def __init__(self, seconds: float, received: int, headers: bool) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        self.received = received
        self.headers = headers  # the status line and headers had arrived


class _Worker:
    """Runs one exchange; its outcome (answer or exception) is read once `done` is set."""

    def __init__(self, send: Callable[[], requests.Response], max_bytes: int) -> None:
        self._send = send
        self._max = max_bytes
        self.done = threading.Event()
        self.cancelled = False
        self.received = 0
        self.response: requests.Response | None = None
        self.answer: Answer | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.answer = self._exchange()
        except BaseException as exc:
            self.error = exc
        finally:
            self.done.set()

    def _exchange(self) -> Answer:
        http = self._send()
        self.response = http
        try:
            announced = _int(http.headers.get("Content-Length"))
            if announced is not None and announced > self._max:
                raise TooLarge(announced, announced=True)
            return Answer(http.status_code, dict(http.headers), self._body(http))
        finally:
            http.close()

    def _body(self, http: requests.Response) -> bytes:
        if http._content_consumed:  # read already (a session's response hook): bounded too
            content: bytes = http.content or b""
            if len(content) > self._max:
                raise TooLarge(len(content), announced=False)
            return content
        # read1: whatever one read brings, so that bytes trickling in are counted as they come
        parts: list[bytes] = []
        while not self.cancelled:
            chunk = http.raw.read1(CHUNK, decode_content=True)
            if not chunk:
                break
            self.received += len(chunk)
            if self.received > self._max:
                raise TooLarge(self.received, announced=False)
            parts.append(chunk)
        return b"".join(parts)

    def abandon(self) -> None:
        """Stop reading: the worker ends at its next chunk, or now if its socket is closed."""
        self.cancelled = True
        sock = _socket(self.response)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Thread:
    """A daemon thread that runs exchanges one after another; it goes back to the pool's idle
    list after each, and ends when idle for IDLE_SECONDS or when its exchange was abandoned."""

    def __init__(self, pool: _Pool) -> None:
        self._pool = pool
        self._jobs: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        thread = threading.Thread(target=self._loop, name="provision-http", daemon=True)
        with _signals_blocked():  # inherited by the thread from its first instruction
            thread.start()

    def give(self, job: _Worker) -> None:
        self._jobs.put(job)

    def _loop(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                if self._pool.retire(self):
                    return
                continue  # taken from the idle list just now: a job is on its way
            job.run()
            if job.cancelled or not self._pool.rest(self):
                return


# Ctrl-C and SIGTERM are for the main thread. The kernel hands a signal sent to the process to
# any thread that does not block it; handed to a worker, Python only notes it, and the main
# thread, waiting on the worker's answer (`exchange`), is not woken until its wait's slice
# ends. Workers are started with both blocked, so the main thread gets them at once.
_MAIN_ONLY = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask"):  # Windows: signals go to the main thread
        yield
        return
    was = signal.pthread_sigmask(signal.SIG_BLOCK, _MAIN_ONLY)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, was)


class _Pool:
    """Threads for exchanges, reused: starting one costs more than a request to the sandbox."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Thread] = []

    def submit(self, job: _Worker) -> None:
        with self._lock:
            thread = self._idle.pop() if self._idle else None
        (thread or _Thread(self)).give(job)

    def rest(self, thread: _Thread) -> bool:
        with self._lock:
            if len(self._idle) >= MAX_IDLE:
                return False
            self._idle.append(thread)
            return True

    def retire(self, thread: _Thread) -> bool:
        """True when `thread` was idle and may end; False when it was just handed a job."""
        with self._lock:
            if thread in self._idle:
                self._idle.remove(thread)
                return True
            return False


IDLE_SECONDS = 30.0
WAKE_SECONDS = 0.25  # the longest a wait for an answer goes without looking for a signal
MAX_IDLE = 4
_POOL = _Pool()


def exchange(send: Callable[[], requests.Response], *, seconds: float,
             max_bytes: int) -> Answer:
    """Run `send` (a streamed requests call) and read its body within `seconds` in all.

    Raises Expired, TooLarge, or what `send` raised (requests' own exceptions).
    """
    worker = _Worker(send, max_bytes)
    _POOL.submit(worker)
    # Waited in slices: a signal that comes just before the wait blocks (after Python last
    # looked for one) wakes nothing, and Ctrl-C went unheard for the whole deadline (seen:
    # one run in about fifteen of a test's SIGINT on a loaded machine); each slice's end
    # looks again.
    end = time.monotonic() + max(seconds, 0.0)
    while not worker.done.wait(max(0.0, min(end - time.monotonic(), WAKE_SECONDS))):
        if time.monotonic() >= end:
            worker.abandon()
            raise Expired(seconds, worker.received, worker.response is not None)
    if worker.error is not None:
        raise worker.error
    assert worker.answer is not None
    return worker.answer


def _socket(response: requests.Response | None) -> socket.socket | None:
    raw = getattr(response, "raw", None)
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
