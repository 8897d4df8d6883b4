"""Call sandbox handlers directly around a new store (no protocol layer involved)."""

from __future__ import annotations

from typing import Any

import pytest

import provisioner.sandbox.handlers  # noqa: F401  (registers the methods and seeders)
from provisioner.sandbox.core import REGISTRY, BitrixError, CallContext, Result
from provisioner.sandbox.store import Store

ADMIN, EMPLOYEE = 1, 3


class Portal:
    """A new sandbox portal and a caller; `call` runs one method as the protocol layer would."""

    def __init__(self) -> None:
        self.store = Store.new()

    def call(self, method: str, params: dict[str, Any] | None = None, *, user: int = ADMIN,
             start: int = 0) -> Result:
        entry = REGISTRY.get(method)
        assert entry is not None, f"{method} is not registered"
        ctx = CallContext(self.store, user, "webhook", frozenset({"crm"}), start)
        return entry.handler(ctx, dict(params or {}))

    def value(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.call(method, params, **kw).value

    def error(self, method: str, params: dict[str, Any] | None = None,
              **kw: Any) -> tuple[str | int, str, int]:
        with pytest.raises(BitrixError) as info:
            self.call(method, params, **kw)
        return info.value.error, info.value.description, info.value.status
