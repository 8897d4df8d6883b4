"""One apply at a time per portal on this machine: a lock file per portal identity.

The portal has no lock API, so two applies that read it before either writes can both create
what is missing (issue 14, item 1). On one machine (or wherever the lock directory is shared)
an apply takes `<lock dir>/<portal key>.lock` with an OS lock (`flock`; `msvcrt.locking` on
Windows) before its last read of the portal and keeps it to its last write. The OS drops the
lock when the process ends, killed or not, so a lock left by a dead apply is never in the way:
the file stays (with the pid and time of its last holder, for the message) and the next apply
takes it at once. A second apply waits, saying once for whom, up to `PROVISION_LOCK_WAIT`
seconds (default 600), then refuses without writing. The lock directory is
`PROVISION_LOCK_DIR`, else `$XDG_STATE_HOME/provision/locks` (`~/.local/state/...`). Applies on
other machines are not seen: there the engine's check after each create is the defence
(engine/applier.py, the later of two twins deletes itself).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from provisioner.errors import ProvisionError
from provisioner.workspace.identity import PortalIdentity

DIR_ENV = "PROVISION_LOCK_DIR"
WAIT_ENV = "PROVISION_LOCK_WAIT"
DEFAULT_WAIT = 600.0  # seconds: longer than a large apply, shorter than a forgotten one
POLL = 0.2  # seconds between tries while another apply holds the lock


class PortalBusy(ProvisionError):
    """Another apply of the same portal held the lock for longer than the wait."""


def default_dir(env: Mapping[str, str] = os.environ) -> Path:
    if env.get(DIR_ENV):
        return Path(env[DIR_ENV])
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "provision" / "locks"


def default_wait(env: Mapping[str, str] = os.environ) -> float:
    raw = env.get(WAIT_ENV, "")
    try:
        return float(raw) if raw else DEFAULT_WAIT
    except ValueError:
        raise ProvisionError(f"{WAIT_ENV}={raw!r} is not a number of seconds: write e.g. "
                             f"{WAIT_ENV}=600") from None


@dataclass(frozen=True)
class PortalLock:
    """Where the locks are, how long to wait for one, and the clock and sleep (for tests)."""

    directory: Path | None = None  # None: default_dir() when taken
    wait: float | None = None  # None: default_wait() when taken
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    @contextlib.contextmanager
    def held(self, identity: PortalIdentity, notice: Callable[[str], None]) -> Iterator[Path]:
        """Hold the lock of `identity` (one per portal, whatever the credentials) while the
        block runs; PortalBusy after waiting in vain."""
        directory = self.directory or default_dir()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{replace(identity, member_id=None).key}.lock"
        with path.open("a+", encoding="utf-8") as file:
            self._take(file, path, identity, notice)
            try:
                _note_holder(file)
                yield path
            finally:
                _unlock(file)

    def _take(self, file: IO[str], path: Path, identity: PortalIdentity,
              notice: Callable[[str], None]) -> None:
        wait = default_wait() if self.wait is None else self.wait
        deadline = self.clock() + wait
        told = False
        while not _try_lock(file):
            holder = _holder(path)
            if self.clock() >= deadline:
                raise PortalBusy(f"another apply of {identity} is still running ({holder}); "
                                 f"waited {wait:g} s and wrote nothing: run again when it has "
                                 f"finished, or set {WAIT_ENV} (seconds) to wait longer "
                                 f"(lock file {path})")
            if not told:
                notice(f"Waiting for another apply of {identity} to finish ({holder}); up to "
                       f"{wait:g} s ({WAIT_ENV})...")
                told = True
            self.sleep(POLL)


def _holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it (`pid 123, since 2026-12-03 10:00:00`)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "its pid not written yet"


def _note_holder(file: IO[str]) -> None:
    since = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    file.seek(0)
    file.truncate()
    file.write(f"pid {os.getpid()} on this machine, since {since}")
    file.flush()


if sys.platform == "win32":
    import msvcrt

    def _try_lock(file: IO[str]) -> bool:
        file.seek(0)
        try:
            msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(file: IO[str]) -> None:
        file.seek(0)
        with contextlib.suppress(OSError):
            msvcrt.locking(file.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(file: IO[str]) -> bool:
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(file: IO[str]) -> None:
        fcntl.flock(file.fileno(), fcntl.LOCK_UN)
