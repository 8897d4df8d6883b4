"""Where the app keeps each installed portal's tokens and the deadline guard's bookkeeping.

One interface (`Storage`), two implementations: SQLite (the default; the file is created with
mode 0600 before SQLite opens it, so the tokens are never readable by other users) and memory
(tests). Tokens never appear in a repr. Claims make the guard idempotent across processes: the
first worker to claim a history entry handles it, any other sees it taken.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

SCHEMA = """
CREATE TABLE IF NOT EXISTS installations (
  member_id TEXT PRIMARY KEY, domain TEXT NOT NULL, client_endpoint TEXT NOT NULL,
  server_endpoint TEXT NOT NULL, application_token TEXT NOT NULL, access_token TEXT NOT NULL,
  refresh_token TEXT NOT NULL, user_id INTEGER, installed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS claims (member_id TEXT, key TEXT, PRIMARY KEY (member_id, key));
CREATE TABLE IF NOT EXISTS reverts (member_id TEXT, task_id INTEGER, deadline TEXT,
  PRIMARY KEY (member_id, task_id, deadline));
"""


@dataclass(frozen=True)
class Installation:
    """One portal the app is installed on (from ONAPPINSTALL), its current token pair."""

    member_id: str
    domain: str
    client_endpoint: str
    server_endpoint: str
    application_token: str = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    user_id: int | None = None  # who installed it (an administrator)
    installed_at: float = 0.0


class Storage(Protocol):
    def save(self, inst: Installation) -> None: ...

    def get(self, member_id: str) -> Installation | None: ...

    def update_tokens(self, member_id: str, access: str, refresh: str) -> None: ...

    def claim(self, member_id: str, key: str) -> bool:
        """True for the first caller with this key, False ever after."""
        ...

    def note_revert(self, member_id: str, task_id: int, deadline: str) -> None: ...

    def take_revert(self, member_id: str, task_id: int, deadline: str) -> bool:
        """True (and forgotten) if the app itself just put this deadline back."""
        ...


class MemoryStorage:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._installs: dict[str, Installation] = {}
        self._claims: set[tuple[str, str]] = set()
        self._reverts: set[tuple[str, int, str]] = set()

    def save(self, inst: Installation) -> None:
        with self._lock:
            self._installs[inst.member_id] = inst

    def get(self, member_id: str) -> Installation | None:
        with self._lock:
            return self._installs.get(member_id)

    def update_tokens(self, member_id: str, access: str, refresh: str) -> None:
        with self._lock:
            found = self._installs.get(member_id)
            if found is not None:
                self._installs[member_id] = replace(found, access_token=access,
                                                    refresh_token=refresh)

    def claim(self, member_id: str, key: str) -> bool:
        with self._lock:
            if (member_id, key) in self._claims:
                return False
            self._claims.add((member_id, key))
            return True

    def note_revert(self, member_id: str, task_id: int, deadline: str) -> None:
        with self._lock:
            self._reverts.add((member_id, task_id, deadline))

    def take_revert(self, member_id: str, task_id: int, deadline: str) -> bool:
        with self._lock:
            key = (member_id, task_id, deadline)
            found = key in self._reverts
            self._reverts.discard(key)
            return found


class SqliteStorage:
    """A SQLite file, mode 0600; one connection per call (safe with a threaded server)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        os.chmod(self.path, 0o600)  # an older file may have been created wider
        with self._connect() as db:
            db.executescript(SCHEMA)

    def __repr__(self) -> str:
        return f"SqliteStorage({str(self.path)!r})"

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)  # autocommit
        try:
            db.execute("PRAGMA journal_mode=WAL")
            yield db
        finally:
            db.close()

    def save(self, inst: Installation) -> None:
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO installations VALUES (?,?,?,?,?,?,?,?,?)",
                       (inst.member_id, inst.domain, inst.client_endpoint,
                        inst.server_endpoint, inst.application_token, inst.access_token,
                        inst.refresh_token, inst.user_id, inst.installed_at))

    def get(self, member_id: str) -> Installation | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM installations WHERE member_id = ?",
                             (member_id,)).fetchone()
        return Installation(*row) if row else None

    def update_tokens(self, member_id: str, access: str, refresh: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE installations SET access_token = ?, refresh_token = ? "
                       "WHERE member_id = ?", (access, refresh, member_id))

    def claim(self, member_id: str, key: str) -> bool:
        with self._connect() as db:
            cursor = db.execute("INSERT OR IGNORE INTO claims VALUES (?, ?)", (member_id, key))
            return cursor.rowcount == 1

    def note_revert(self, member_id: str, task_id: int, deadline: str) -> None:
        with self._connect() as db:
            db.execute("INSERT OR IGNORE INTO reverts VALUES (?, ?, ?)",
                       (member_id, task_id, deadline))

    def take_revert(self, member_id: str, task_id: int, deadline: str) -> bool:
        with self._connect() as db:
            cursor = db.execute("DELETE FROM reverts WHERE member_id = ? AND task_id = ? AND "
                                "deadline = ?", (member_id, task_id, deadline))
            return cursor.rowcount == 1
