"""The `Sandbox` facade: one local portal, its state (in memory or in a file) and its app.

A file-backed sandbox reads what other processes (a CLI run, `sandbox serve`) wrote before each
request and writes what its own write requests changed, each request under the file's lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import requests

from provisioner.sandbox import auth
from provisioner.sandbox.app import SandboxApp
from provisioner.sandbox.clock import Clock, VirtualClock
from provisioner.sandbox.core import BitrixError
from provisioner.sandbox.faults import FaultPlan
from provisioner.sandbox.ratelimit import RateLimit, RequestCounter
from provisioner.sandbox.statefile import StateFile
from provisioner.sandbox.store import Store
from provisioner.sandbox.transport import mount

IN_PROCESS_BASE = "http://sandbox.invalid"
T = TypeVar("T")


class MemoryStores:
    """State held in memory only (tests, throwaway portals)."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store.new()
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        with self._lock:
            yield self.store

    def commit(self, store: Store) -> None:
        self.store = store

    def replace(self, store: Store) -> None:
        with self._lock:
            self.store = store


class FileStores:
    """State kept in a state file shared with other processes (the CLI, `sandbox serve`);
    statefile.py says how it is kept."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = StateFile(path, lambda: Store.new().data)
        self._store: Store | None = None
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        with self._lock, self._file.locked() as data:
            if self._store is None or self._store.data is not data:
                self._store = Store(data)  # first use, or reloaded whole (a reset elsewhere)
            yield self._store

    def commit(self, store: Store) -> None:
        with self._lock:
            self._file.write(store.data)
            self._store = store

    def replace(self, store: Store) -> None:
        with self._lock:
            self._file.reset(store.data)
            self._store = store

    def close(self) -> None:
        with self._lock:
            self._file.close()


@dataclass(frozen=True)
class OAuthCredentials:
    """The sandbox app's credentials; secrets are kept out of the repr."""

    client_endpoint: str
    client_id: str
    client_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)


class Sandbox:
    """A local Bitrix24 portal: `session()` talks to it in-process, `server.py` over HTTP."""

    def __init__(self, stores: MemoryStores | FileStores, *, clock: Clock | None = None,
                 rate_limit: RateLimit | bool | None = None, docs_statuses: bool = False,
                 base_url: str = IN_PROCESS_BASE) -> None:
        self.stores = stores
        self.clock: Clock = clock or VirtualClock()
        self.faults = FaultPlan()
        self.requests = RequestCounter()
        limit = RateLimit() if rate_limit is True else (rate_limit or None)
        self.app = SandboxApp(stores, clock=self.clock, rate_limit=limit,
                              docs_statuses=docs_statuses, faults=self.faults,
                              counter=self.requests)
        self.base_url = base_url.rstrip("/")

    @classmethod
    def open(cls, path: Path | str, **options: Any) -> Sandbox:
        """The portal kept in `path` (created and seeded when absent)."""
        return cls(FileStores(Path(path)), **options)

    @classmethod
    def in_memory(cls, **options: Any) -> Sandbox:
        return cls(MemoryStores(), **options)

    def __repr__(self) -> str:
        where = self.stores.path if isinstance(self.stores, FileStores) else "memory"
        return f"Sandbox({where}, base_url={self.base_url!r})"

    @property
    def store(self) -> Store:
        """The current state (reloaded from the file when another process changed it)."""
        with self.stores.transaction() as store:
            return store

    def _mutate(self, fn: Callable[[Store], T]) -> T:
        with self.stores.transaction() as store, store.lock:
            out = fn(store)
            self.stores.commit(store)
            return out

    @property
    def webhook_url(self) -> str:
        """`<base>/rest/1/<token>/` of the seeded admin webhook (a local test credential)."""
        hook = auth.default_webhook(self.store)
        return f"{self.base_url}/rest/{hook['user_id']}/{hook['token']}/"

    @property
    def endpoint(self) -> str:
        """The OAuth `client_endpoint`: `<base>/rest/`."""
        return f"{self.base_url}/rest/"

    def add_webhook(self, scopes: tuple[str, ...] | list[str], *, user_id: int = 1,
                    admin: bool | None = None) -> str:
        """A new incoming webhook (e.g. limited scopes, a non-admin user); returns its URL."""
        hook = self._mutate(lambda s: auth.add_webhook(s, scopes, user_id=user_id, admin=admin))
        return f"{self.base_url}/rest/{hook['user_id']}/{hook['token']}/"

    def oauth(self) -> OAuthCredentials:
        """The sandbox app and its newest token pair."""
        store = self.store
        app = auth.default_app(store)
        access, refresh = auth.current_pair(store)
        return OAuthCredentials(self.endpoint, app["client_id"], app["client_secret"], access,
                                refresh)

    def expire_token(self, access_token: str | None = None) -> None:
        """Expire one access token (default: every one), as if an hour had passed."""
        self._mutate(lambda s: auth.expire_access_token(s, access_token))

    def refresh(self, refresh_token: str, client_id: str | None = None,
                client_secret: str | None = None) -> dict[str, Any]:
        """Rotate the token pair as oauth.bitrix.info does; raises BitrixError when refused."""
        creds = self.oauth()
        params = {"grant_type": "refresh_token", "refresh_token": refresh_token,
                  "client_id": client_id or creds.client_id,
                  "client_secret": client_secret or creds.client_secret}
        return self.token_endpoint(params)

    def token_endpoint(self, params: dict[str, Any]) -> dict[str, Any]:
        """The answer of `GET https://oauth.bitrix.info/oauth/token/?...` (refresh grant only)."""
        answer = self._mutate(lambda s: auth.refresh(s, params, self.clock.time()))
        return {**answer, "client_endpoint": self.endpoint}

    def oauth_answer(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            return 200, self.token_endpoint(params)
        except BitrixError as err:
            return err.status, err.body()

    def session(self) -> requests.Session:
        """A requests.Session whose transport is this sandbox (and its OAuth token endpoint)."""
        return mount(requests.Session(), self)

    def reset(self) -> None:
        """A brand-new portal: fresh seed, counters, bucket and fault plan cleared."""
        self.stores.replace(Store.new())
        self.requests.reset()
        self.faults.clear()
        if self.app.bucket is not None:
            self.app.bucket.reset()
