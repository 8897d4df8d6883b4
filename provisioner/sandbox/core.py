"""Shared vocabulary of the sandbox: Bitrix errors, the call context, handler results, the registry.

Handlers are thin: params in, a Bitrix-shaped Result out, BitrixError for refusals. The protocol
layer (app.py) owns URLs, auth, envelopes, batch, paging parameters and the rate limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class BitrixError(Exception):
    """A refusal exactly as the portal sends it: error code, description, HTTP status."""

    def __init__(self, error: str | int, description: str, status: int = 400,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description, **self.extra}


@dataclass
class CallContext:
    """Who calls and how; handed to every handler with the store."""

    store: Any  # provisioner.sandbox.store.Store (kept Any to avoid an import cycle)
    user_id: int
    auth_type: str  # "webhook" or "oauth"
    scopes: frozenset[str]
    start: int = 0  # paging offset, already floored to a multiple of 50; -1 = no count
    app_id: str | None = None  # OAuth application client id, None for webhooks

    def rows_once(self, method: str, params: dict[str, Any],
                  build: Callable[[], list[Any]]) -> list[Any]:
        """All rows of a paged list, built once per request: the other pages of the same list
        (same method, caller and parameters but `start`) asked for in the same request reuse
        them instead of rendering every row again. The protocol layer forgets them at the
        start of each request and after each write (Store.renders)."""
        renders: dict[Any, list[Any]] | None = getattr(self.store, "renders", None)
        if renders is None:
            return build()
        key = (method.lower(), self.user_id, self.auth_type, self.app_id,
               tuple(sorted(self.scopes)), _frozen(params))
        rows = renders.get(key)
        if rows is None:
            rows = renders[key] = build()
        return rows


@dataclass
class Result:
    """A handler's answer; total/next are put in the envelope by the protocol layer."""

    value: Any
    total: int | None = None
    next: int | None = None


Handler = Callable[[CallContext, dict[str, Any]], Result]


@dataclass(frozen=True)
class Method:
    name: str  # lower-case, as the server looks methods up
    scope: str  # "basic" for methods every token may call
    handler: Handler
    app_only: bool = False  # refuses webhooks with WRONG_AUTH_TYPE
    write: bool = False  # changes state (the protocol layer persists after it)
    doc: str = ""  # the docs page this method follows


@dataclass
class Registry:
    methods: dict[str, Method] = field(default_factory=dict)

    def add(self, name: str, scope: str, *, app_only: bool = False, write: bool = False,
            doc: str = "") -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            key = name.lower()
            self.methods[key] = Method(key, scope, fn, app_only, write, doc)
            return fn
        return decorate

    def get(self, name: str) -> Method | None:
        return self.methods.get(name.lower())


REGISTRY = Registry()
PAGE_SIZE = 50


def _frozen(value: Any) -> Any:
    """A hashable, order-independent form of request parameters (a cache key)."""
    if isinstance(value, dict):
        return tuple(sorted(((str(k), _frozen(v)) for k, v in value.items()),
                            key=lambda item: item[0]))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def paginate(rows: list[Any], start: int) -> Result:
    """Page a full row list as paged list methods do (docs: settings/how-to-call-rest-api/list-methods-pecularities.md)."""
    if start == -1:
        return Result(rows[:PAGE_SIZE])
    page = rows[start:start + PAGE_SIZE]
    nxt = start + len(page) if start + len(page) < len(rows) else None
    return Result(page, total=len(rows), next=nxt)
