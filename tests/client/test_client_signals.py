"""Ctrl-C while the client waits for an answer (client/exchange.py): the wait never blocks for
longer than a short slice, so a signal that came just before it blocked is looked at again
soon; and the threads that do the exchanges leave SIGINT and SIGTERM to the main thread.

Found by tests/cli/test_interrupt.py on a loaded machine: about one SIGINT in fifteen, sent while
a portal held a write batch, went unheard until the request's deadline (60 s there); at 2ec2676
too. The end to end check of the fix ran that scenario 60 times under load: every run exited
130 at once."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any, ClassVar

import pytest
import requests

from provisioner.client import exchange as ex


class _Answer:
    """What `exchange` reads of a requests response: enough for a small body."""

    status_code = 200
    headers: ClassVar[dict[str, str]] = {"Content-Length": "2"}
    _content_consumed = True
    content = b"{}"

    def close(self) -> None:
        pass


def test_a_wait_for_an_answer_looks_for_signals_every_quarter_second(
        monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float | None] = []
    real_wait = threading.Event.wait
    release = threading.Event()

    def wait(self: threading.Event, timeout: float | None = None) -> bool:
        if sys._getframe(1).f_code.co_name == "exchange":  # its wait for the answer
            waits.append(timeout)
        return real_wait(self, timeout)

    def send() -> requests.Response:
        release.wait(1.2)  # an answer 1.2 s away
        return _Answer()  # type: ignore[return-value]

    monkeypatch.setattr(threading.Event, "wait", wait)
    answer = ex.exchange(send, seconds=30.0, max_bytes=1000)
    assert (answer.status, answer.content) == (200, b"{}")
    assert len(waits) >= 4  # 1.2 s in slices of 0.25 s at most, not one wait of 30 s
    assert all(t is not None and t <= ex.WAKE_SECONDS for t in waits)


def test_an_expired_wait_still_expires_on_time() -> None:
    def send() -> requests.Response:
        threading.Event().wait(5.0)
        return _Answer()  # type: ignore[return-value]

    with pytest.raises(ex.Expired):
        ex.exchange(send, seconds=0.6, max_bytes=1000)


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_the_threads_that_do_exchanges_leave_sigint_to_the_main_thread() -> None:
    seen: dict[str, Any] = {}

    def send() -> requests.Response:
        seen["blocked"] = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        return _Answer()  # type: ignore[return-value]

    for _ in range(ex.MAX_IDLE + 2):  # new threads and reused ones alike
        ex.exchange(send, seconds=5.0, max_bytes=1000)
        assert {signal.SIGINT, signal.SIGTERM} <= seen["blocked"]
    main = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert signal.SIGINT not in main and signal.SIGTERM not in main  # restored here
