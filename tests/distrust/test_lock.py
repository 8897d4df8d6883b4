"""The lock per portal (provisioner/workspace/lock.py), issue 14 item 1(b): one apply at a time
per portal identity on this machine; a second one waits, saying for whom, then refuses; a lock
of a killed apply is never in the way. (tests/hostile/test_hostile_concurrency.py runs real
applies against it.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import write

from provisioner.sandbox import Sandbox
from provisioner.workspace import Consent, Workspace
from provisioner.workspace.identity import PortalIdentity
from provisioner.workspace.lock import PortalBusy, PortalLock
from provisioner.workspace.select import Connection

PORTAL = PortalIdentity.of_url("https://example.bitrix24.ru/rest/1/token/")


class Ticks:
    """A clock that the sleeps move on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_second_apply_waits_then_refuses(tmp_path: Path) -> None:
    ticks, told = Ticks(), []
    second = PortalLock(tmp_path, wait=1.0, clock=ticks.clock, sleep=ticks.sleep)
    with PortalLock(tmp_path, wait=0).held(PORTAL, told.append) as path, \
            pytest.raises(PortalBusy) as err, second.held(PORTAL, told.append):
        pass
    holder = f"pid {os.getpid()} on this machine, since "
    assert len(told) == 1 and told[0].startswith(
        f"Waiting for another apply of https://example.bitrix24.ru to finish ({holder}")
    assert told[0].endswith("); up to 1 s (PROVISION_LOCK_WAIT)...")
    assert str(err.value).startswith(f"another apply of https://example.bitrix24.ru is still "
                                     f"running ({holder}")
    assert str(err.value).endswith(f"); waited 1 s and wrote nothing: run again when it has "
                                   f"finished, or set PROVISION_LOCK_WAIT (seconds) to wait "
                                   f"longer (lock file {path})")
    assert sum(ticks.slept) == pytest.approx(1.0) and path.name == \
        "https_example.bitrix24.ru_443.lock"


def test_the_lock_is_free_again_after_the_apply(tmp_path: Path) -> None:
    lock, told = PortalLock(tmp_path, wait=0), []
    with lock.held(PORTAL, told.append):
        pass
    with lock.held(PORTAL, told.append):
        pass
    assert told == []


def test_a_killed_apply_leaves_the_file_but_not_the_lock(tmp_path: Path) -> None:
    code = ("import sys, time; from provisioner.workspace.lock import PortalLock; "
            "from provisioner.workspace.identity import PortalIdentity; "
            "p = PortalIdentity.of_url('https://example.bitrix24.ru/rest/1/t/'); "
            f"cm = PortalLock(__import__('pathlib').Path({str(tmp_path)!r}), wait=0)"
            ".held(p, print); cm.__enter__(); print('held', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "held\n"
    with pytest.raises(PortalBusy), PortalLock(tmp_path, wait=0).held(PORTAL, print):
        pass
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    path = tmp_path / "https_example.bitrix24.ru_443.lock"
    assert path.read_text(encoding="utf-8").startswith(f"pid {proc.pid} on this machine")
    told: list[str] = []
    with PortalLock(tmp_path, wait=0).held(PORTAL, told.append):
        assert path.read_text(encoding="utf-8").startswith(f"pid {os.getpid()} ")
    assert told == []


def test_one_portal_one_lock_whatever_the_credentials(tmp_path: Path) -> None:
    oauth = PortalIdentity.of_url("https://EXAMPLE.bitrix24.ru/rest/", member_id="abc")
    with PortalLock(tmp_path, wait=0).held(PORTAL, print), pytest.raises(PortalBusy), \
            PortalLock(tmp_path, wait=0).held(oauth, print):
        pass
    other = PortalIdentity.of_url("https://example.bitrix24.ru:8443/rest/1/token/")
    with PortalLock(tmp_path, wait=0).held(PORTAL, print), \
            PortalLock(tmp_path, wait=0).held(other, print):
        pass  # another port, another portal


CONFIG = '[lists.SOURCE]\nitems = [{ code = "FAIR", name = "Выставка" }]\n'


def _busy(tmp_path: Path, identity: PortalIdentity) -> bool:
    try:
        with PortalLock(tmp_path, wait=0).held(identity, print):
            return False
    except PortalBusy:
        return True


@pytest.mark.parametrize("asks", [False, True])
def test_apply_holds_the_lock_from_its_last_read_to_its_last_write(tmp_path: Path,
                                                                   asks: bool) -> None:
    """Without a question the lock covers the plan's read (the read apply writes from); with
    one, it is taken after the answer (a person thinking blocks no one), around the read that
    follows and the writes."""
    sb = Sandbox.in_memory()
    from helpers import client_of
    connection = Connection(client_of(sb), PORTAL)
    seen: dict[str, bool] = {}
    ws = Workspace(write(tmp_path / "c" / "lists.toml", CONFIG), connection,
                   lock=PortalLock(tmp_path, wait=0))

    def ask(_plan: object) -> bool:
        seen["question"] = _busy(tmp_path, PORTAL)
        return True

    def progress(_line: str) -> None:
        seen["write"] = _busy(tmp_path, PORTAL)

    done = ws.apply(Consent(), confirm=ask if asks else None,
                    show=lambda _p: seen.setdefault("plan", _busy(tmp_path, PORTAL)),
                    progress=progress)
    assert done.report is not None and done.report.failed is None
    assert seen == {"plan": not asks, **({"question": False} if asks else {}), "write": True}
    assert not _busy(tmp_path, PORTAL)
