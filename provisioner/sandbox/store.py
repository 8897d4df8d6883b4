"""The sandbox portal's state: one JSON-serialisable dict of sections (statefile.py keeps it).

Sections are owned by the code that uses them: "auth" by the protocol layer (app.py), the CRM
sections by the handlers. A new store is filled by the registered seeders, so that a new sandbox
looks like a new real portal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

Seeder = Callable[["Store"], None]
SEEDERS: list[Seeder] = []


def seeder(fn: Seeder) -> Seeder:
    """Register a function that fills part of a new portal's state."""
    SEEDERS.append(fn)
    return fn


class Store:
    """State of one sandbox portal. Mutate only under `lock`."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data: dict[str, Any] = data if data is not None else {"ids": {}}
        self.lock = threading.RLock()
        # Rows of paged lists built during the current request (CallContext.rows_once); not
        # part of the state. The protocol layer empties it per request and after each write.
        self.renders: dict[Any, list[Any]] = {}

    @classmethod
    def new(cls) -> Store:
        store = cls()
        for fn in SEEDERS:
            fn(store)
        return store

    def section(self, name: str, default: Any) -> Any:
        """The named part of the state, created from `default` on first use."""
        return self.data.setdefault(name, default)

    def next_id(self, counter: str, start: int = 1) -> int:
        """Next value of a named id sequence (ids are never reused, as in a database)."""
        ids: dict[str, int] = self.data.setdefault("ids", {})
        value = ids.get(counter, start - 1) + 1
        ids[counter] = value
        return value
