"""The sandbox's state file: an SQLite database with one row per entry of each store section.

A write request changes a few entries of a state of thousands (a pipeline and its stages, a
field): after it, the store is compared with a copy of what the file holds and only the entries
that differ are written, in one SQLite transaction, so a process killed mid-write leaves the
file as it was before that write, never half of it (SQLite's rollback journal). Every written row
carries a generation number: another process (a CLI run, `sandbox serve`) reads only the rows
written since it last looked. A state file of the older format (one JSON document holding the
sandbox's sections) is converted on first open, any other JSON refused and left as it is; a new
file is built complete under a temporary name and renamed into place.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from provisioner.errors import ProvisionError
from provisioner.sandbox.mirror import Changes, Mirror, Row

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: no cross-process lock while building
    fcntl = None  # type: ignore[assignment]

SQLITE_MAGIC = b"SQLite format 3\x00"
# What every state file of the older format holds (Store.new seeds it): its webhooks and ids.
OLD_FORMAT_SECTIONS: tuple[tuple[str, Callable[[dict[str, Any]], bool]], ...] = (
    ("auth.webhooks", lambda d: isinstance(d.get("auth"), dict)
     and isinstance(d["auth"].get("webhooks"), list) and bool(d["auth"]["webhooks"])),
    ("ids", lambda d: isinstance(d.get("ids"), dict)))
BUSY_SECONDS = 60.0  # how long a request waits for another process's write to finish
SCHEMA = """
CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), gen INTEGER NOT NULL,
                   epoch TEXT NOT NULL);
CREATE TABLE sections (name TEXT PRIMARY KEY, kind TEXT NOT NULL, value TEXT,
                       gen INTEGER NOT NULL);
CREATE TABLE entries (section TEXT NOT NULL, key TEXT NOT NULL, value TEXT,
                      gen INTEGER NOT NULL, PRIMARY KEY (section, key));
CREATE INDEX sections_gen ON sections (gen);
CREATE INDEX entries_gen ON entries (gen);
"""
# sections.kind: "dict" (its entries are rows of `entries`), "value" (JSON in `value`) or
# "gone" (deleted; kept so that other processes learn of it). entries.value NULL: deleted.


class StateFileError(ProvisionError):
    """The state file cannot be used as a sandbox portal."""


@contextlib.contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """An advisory lock beside the file, held while it is created, converted or replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    with open(f"{path}.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def file_format(path: Path) -> str:
    """"missing", "sqlite", "json" (the older format) or "unknown"."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        return "missing"
    if head == SQLITE_MAGIC:
        return "sqlite"
    return "json" if head.lstrip()[:1] == b"{" else "unknown"


def unusable(path: Path, why: str) -> StateFileError:
    return StateFileError(
        f"{path}: {why}; fix: move the file away, or run `provision sandbox reset --state "
        f"{path}` to start a new sandbox portal there")


def read_old_format(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise unusable(path, f"not a readable sandbox state file ({exc})") from None
    if not isinstance(data, dict):
        raise unusable(path, "not a sandbox state file (the JSON is not an object)")
    # Every sandbox writes its seeded sections; a JSON object without them (`{}`, another
    # tool's file) would become an empty "portal", and the file would be rewritten as SQLite by
    # a mere plan. Refused before anything is written.
    missing = [name for name, holds in OLD_FORMAT_SECTIONS if not holds(data)]
    if missing:
        raise unusable(path, "not a sandbox state file (a JSON object without the sandbox's "
                       f"{' and '.join(f'`{m}`' for m in missing)})")
    return data


def build(path: Path, data: dict[str, Any]) -> None:
    """Write `data` as a complete new state file under a temporary name, then rename it over
    `path` (call under `build_lock`): a reader sees the old file or the whole new one. The file
    keeps the permissions of the one it replaces, else only its owner may read it (it holds
    the sandbox's local webhook token), as the older format's files."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode))
        os.chmod(tmp, mode)  # whatever the umask
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.executescript(SCHEMA)
            db.execute("BEGIN")
            db.execute("INSERT INTO meta VALUES (1, 1, ?)", (uuid.uuid4().hex,))
            sections, entries = Mirror.everything(data)
            write_rows(db, sections, entries, 1)
            db.execute("COMMIT")
        finally:
            db.close()
        for suffix in ("-journal", "-wal", "-shm"):  # left by a deleted database: never replay
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_rows(db: sqlite3.Connection, sections: list[Row], entries: list[Row], gen: int
               ) -> None:
    db.executemany(
        "INSERT INTO sections VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
        "kind = excluded.kind, value = excluded.value, gen = excluded.gen",
        [(name, kind, value, gen) for name, kind, value in sections])
    db.executemany(
        "INSERT INTO entries VALUES (?, ?, ?, ?) ON CONFLICT (section, key) DO UPDATE SET "
        "value = excluded.value, gen = excluded.gen",
        [(section, key, value, gen) for section, key, value in entries])


class StateFile:
    """One open state file and the store loaded from it; not thread-safe (FileStores locks)."""

    def __init__(self, path: Path, seed: Callable[[], dict[str, Any]]) -> None:
        self.path = path
        self._seed = seed
        self._db: sqlite3.Connection | None = None
        self._inode = 0
        self._gen = 0
        self._epoch = ""
        self.data: dict[str, Any] = {}
        self._mirror = Mirror()

    def _open(self) -> sqlite3.Connection:
        """Connect, first creating the file (a new portal) or converting the older format."""
        with build_lock(self.path):
            kind = file_format(self.path)
            if kind == "missing":
                build(self.path, self._seed())
            elif kind == "json":
                build(self.path, read_old_format(self.path))
            elif kind == "unknown":
                raise unusable(self.path, "not a sandbox state file")
            db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None,
                                 check_same_thread=False)
            try:
                # A rollback journal, not a write-ahead log: after each commit the file itself
                # holds the whole portal (a copy of it is a complete sandbox).
                db.execute("PRAGMA journal_mode = DELETE")
                db.execute("SELECT gen, epoch FROM meta").fetchone()
                self._inode = os.stat(self.path).st_ino
            except sqlite3.DatabaseError as exc:
                db.close()
                raise unusable(self.path, f"not a readable sandbox state file ({exc})") from None
        self._gen, self._epoch = 0, ""
        return db

    def _connection(self) -> sqlite3.Connection:
        """The connection, reopened when the file was deleted or replaced meanwhile."""
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            inode = -1
        if self._db is not None and inode != self._inode:
            self.close()
        if self._db is None:
            self._db = self._open()
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @contextlib.contextmanager
    def locked(self) -> Iterator[dict[str, Any]]:
        """The current state, with the file's write lock held until the block ends."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            self._catch_up(db)
            yield self.data
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")  # every write was committed by write()

    def write(self, data: dict[str, Any]) -> None:
        """Persist what differs in `data` from the file. Inside `locked`, the lock is held
        again afterwards; outside, what other processes wrote meanwhile is read first."""
        db = self._connection()
        inside = db.in_transaction
        if not inside:
            db.execute("BEGIN IMMEDIATE")
            self._catch_up(db)
        self.data = data
        changes = self._mirror.changes(data)
        if not changes:
            if not inside:
                db.execute("ROLLBACK")
            return
        self._commit(db, changes, self._gen + 1)
        self._mirror.accept(changes)
        self._gen += 1
        if inside:
            db.execute("BEGIN IMMEDIATE")  # the caller's block goes on holding the lock
            self._catch_up(db)

    def reset(self, data: dict[str, Any]) -> None:
        """Make `data` the whole state (call outside `locked`); other processes reload it.
        A file that is no state file (or an unreadable one) is replaced by a new one."""
        try:
            db = self._connection()
        except StateFileError:
            with build_lock(self.path):
                build(self.path, data)
            db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM sections")
        db.execute("DELETE FROM entries")
        self._epoch = uuid.uuid4().hex
        db.execute("UPDATE meta SET epoch = ?", (self._epoch,))
        self._mirror = Mirror()
        changes = self._mirror.changes(data)
        self._commit(db, changes, 1)
        self._mirror.accept(changes)
        self.data, self._gen = data, 1

    @staticmethod
    def _commit(db: sqlite3.Connection, changes: Changes, gen: int) -> None:
        """Write the rows and the generation in the open transaction, and commit it."""
        try:
            write_rows(db, changes.sections, changes.entries, gen)
            db.execute("UPDATE meta SET gen = ?", (gen,))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _catch_up(self, db: sqlite3.Connection) -> None:
        """Load what other processes wrote since we last looked (everything after a reset)."""
        gen, epoch = db.execute("SELECT gen, epoch FROM meta").fetchone()
        if epoch != self._epoch:
            self._load_all(db)
        elif gen != self._gen:
            self._load_since(db, self._gen)
        self._gen, self._epoch = gen, epoch

    def _load_all(self, db: sqlite3.Connection) -> None:
        self.data, self._mirror = {}, Mirror()
        self._apply(db.execute("SELECT name, kind, value FROM sections ORDER BY name"),
                    db.execute("SELECT section, key, value FROM entries WHERE value IS NOT NULL "
                               "ORDER BY section, key"))

    def _load_since(self, db: sqlite3.Connection, gen: int) -> None:
        self._apply(db.execute("SELECT name, kind, value FROM sections WHERE gen > ?", (gen,)),
                    db.execute("SELECT section, key, value FROM entries WHERE gen > ?", (gen,)))

    def _apply(self, sections: Iterable[Row], entries: Iterable[Row]) -> None:
        self._mirror.load(self.data, sections, entries)
