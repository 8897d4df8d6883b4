"""The sandbox portal's protocol layer: one HTTP request in, the portal's answer out.

Order of checks follows S21 CRestServer::process (docs/portal-rules.md#order-of-checks): route and transport,
method lookup (404 before auth), authentication, scope, then limits and faults, then the handler.
The same app serves in-process (transport.py) and over HTTP (server.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

import provisioner.sandbox.handlers  # noqa: F401  (the handler modules register themselves)
from provisioner.sandbox import auth, batch, envelope, phpform
from provisioner.sandbox.clock import Clock, VirtualClock
from provisioner.sandbox.core import PAGE_SIZE, REGISTRY, BitrixError, CallContext, Method, Result
from provisioner.sandbox.faults import (
    ConnectionDropped,
    Fault,
    FaultKind,
    FaultPlan,
    RequestTimedOut,
    fault_error,
)
from provisioner.sandbox.handlers import system  # noqa: F401  (basic methods)
from provisioner.sandbox.ratelimit import LeakyBucket, RateLimit, RequestCounter
from provisioner.sandbox.store import Store

log = logging.getLogger(__name__)
Answer = tuple[int, dict[str, str], bytes]
AUTH_PARAMS = ("auth", "access_token")


class StoreProvider(Protocol):
    """Where the app gets the portal state for one request and where it persists writes."""

    def transaction(self) -> AbstractContextManager[Store]: ...

    def commit(self, store: Store) -> None: ...


@dataclass(frozen=True)
class Call:
    """One parsed request: the method, its format, credentials and parameters."""

    method: Method
    fmt: str
    creds: auth.Credentials
    params: dict[str, Any] = field(repr=False)


def method_not_found() -> BitrixError:
    # docs: api-reference/error-codes.md — checked before auth (S21 CRestServer::process)
    return BitrixError("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)


def split_path(path: str) -> tuple[str | None, str | None, str, str]:
    """`/rest/<user>/<code>/<method>[.json|.xml]` or `/rest/<method>` -> user, code, method, fmt.

    docs: settings/how-to-call-rest-api/general-principles.md, local-integrations/
    local-webhooks.md (docs/portal-rules.md#url-forms).
    """
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] != "rest" or len(parts) not in (2, 4):
        raise method_not_found()
    name, fmt = parts[-1], "json"
    for suffix in (".json", ".xml"):
        if name.lower().endswith(suffix):
            name, fmt = name[: -len(suffix)], suffix[1:]
    if len(parts) == 4:
        return parts[1], parts[2], name, fmt
    return None, None, name, fmt


def page_start(params: dict[str, Any]) -> int:
    """Take `start` out of the params, floored to a page (docs: settings/how-to-call-rest-api/list-methods-pecularities.md)."""
    raw = params.pop("start", 0)
    params.pop("state", None)  # S21 removes `state` too
    try:
        start = int(str(raw).strip() or 0)
    except ValueError:
        return 0
    if start == -1:
        return -1  # docs: settings/performance/huge-data.md — no count
    return max(0, start) // PAGE_SIZE * PAGE_SIZE


def header(headers: Mapping[str, str], name: str) -> str:
    lower = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lower), "")


def bearer(headers: Mapping[str, str]) -> str | None:
    """S21 rest/lib/oauth/auth.php::getAuthKey checks the Authorization header first."""
    value = header(headers, "Authorization").strip()
    if value[:7].lower() == "bearer ":
        return value[7:].strip() or None
    return None


class SandboxApp:
    """The portal behind the URLs. Thread-safe: one request is handled at a time."""

    def __init__(self, stores: StoreProvider, *, clock: Clock | None = None,
                 rate_limit: RateLimit | None = None, docs_statuses: bool = False,
                 faults: FaultPlan | None = None, counter: RequestCounter | None = None) -> None:
        self.stores = stores
        self.clock: Clock = clock or VirtualClock()
        self.bucket = LeakyBucket(rate_limit, self.clock) if rate_limit else None
        self.docs_statuses = docs_statuses
        self.faults = faults or FaultPlan()
        self.counter = counter or RequestCounter()

    def handle(self, http_method: str, path: str, query_string: str,  # noqa: ARG002
               headers: Mapping[str, str], body: bytes) -> Answer:
        """Answer one HTTP request; may raise ConnectionDropped / RequestTimedOut (faults)."""
        start, tick = self.clock.time(), time.perf_counter()
        fmt = "xml" if path.lower().endswith(".xml") else "json"
        try:
            call = self._parse(path, query_string, headers, body)
            fmt = call.fmt
            self.counter.count(call.method.name)
            result, extra = self._run(call)
        except BitrixError as err:
            return self._answer(err.status, err.body(), fmt)
        processing = time.perf_counter() - tick
        timing = envelope.time_info(start, self.clock.time(), processing)
        return self._answer(200, envelope.success(result, timing), fmt, extra)

    def _answer(self, status: int, body: dict[str, Any], fmt: str,
                extra: dict[str, str] | None = None) -> Answer:
        content_type, data = envelope.render(body, fmt)
        return status, {"Content-Type": content_type, **(extra or {})}, data

    def _parse(self, path: str, query_string: str, headers: Mapping[str, str],
               body: bytes) -> Call:
        try:
            user, code, name, fmt = split_path(path)
            method = REGISTRY.get(name)
            if method is None:
                raise method_not_found()
        except BitrixError:
            self.counter.count(path.rsplit("/", 1)[-1].lower())
            raise
        # docs: settings/how-to-call-rest-api/general-principles.md; S21 CRestUtil::getRequestData — body keys win.
        params = {**phpform.parse_query(query_string),
                  **phpform.parse_body(body, header(headers, "Content-Type"))}
        token = bearer(headers) or _text(params.get("auth")) or _text(params.get("access_token"))
        for key in AUTH_PARAMS:
            params.pop(key, None)
        return Call(method, fmt, auth.Credentials(user, code, token), params)

    def _run(self, call: Call) -> tuple[Result, dict[str, str]]:
        with self.stores.transaction() as store, store.lock:
            store.renders.clear()  # rows rendered for an earlier request may be stale
            caller = auth.authenticate(store, call.creds, self.clock.time(), self.docs_statuses)
            auth.authorize(caller, call.method, self.docs_statuses)
            fault = self.faults.take(call.method.name)
            self._before(fault, caller, store)
            if self.bucket is not None:
                self.bucket.admit()
            result, wrote = self._execute(call, caller, store)
            if wrote:
                self.stores.commit(store)
            self._after(fault)
        extra = {"X-Bitrix-Rest-Application": caller.app_id} if caller.app_id else {}
        return result, extra

    def _before(self, fault: Fault | None, caller: auth.Caller, store: Store) -> None:
        """Faults that answer instead of the method (or delay it)."""
        if fault is None:
            return
        if fault.kind is FaultKind.EXPIRED_TOKEN and caller.auth_type == "oauth":
            auth.expire_access_token(store, caller.token)
            self.stores.commit(store)
        err = fault_error(fault.kind)
        if err is not None:
            raise err
        if fault.kind is FaultKind.SLOW:
            self.clock.sleep(fault.delay)
        if fault.kind is FaultKind.TIMEOUT and not fault.commit:
            raise RequestTimedOut(fault.delay)

    @staticmethod
    def _after(fault: Fault | None) -> None:
        """Faults that strike after the method ran and its writes were committed."""
        if fault is None:
            return
        if fault.kind is FaultKind.DROP_AFTER_COMMIT:
            raise ConnectionDropped()
        if fault.kind is FaultKind.TIMEOUT:
            raise RequestTimedOut(fault.delay)

    def _execute(self, call: Call, caller: auth.Caller, store: Store) -> tuple[Result, bool]:
        """Run the method (or batch); the bool says whether state may have changed."""
        if call.method.name == "batch":
            wrote: list[bool] = []
            result = batch.run_batch(call.params, self._sub_caller(caller, store, wrote))
            return result, any(wrote)
        params = dict(call.params)
        ctx = _context(store, caller, page_start(params))
        try:
            return call.method.handler(ctx, params), call.method.write
        except BitrixError:
            if call.method.write:
                self.stores.commit(store)  # a refusal after a partial change still persists it
            raise
        except Exception:
            log.exception("sandbox handler %s failed", call.method.name)
            raise BitrixError("INTERNAL_SERVER_ERROR", "Internal server error", 500) from None

    def _sub_caller(self, caller: auth.Caller, store: Store,
                    wrote: list[bool]) -> batch.SubCall:
        def call(name: str, params: dict[str, Any]) -> dict[str, Any]:
            start, tick = self.clock.time(), time.perf_counter()
            try:
                method = REGISTRY.get(name)
                if method is None:
                    raise method_not_found()
                auth.authorize(caller, method, self.docs_statuses)
                wrote.append(method.write)
                ctx = _context(store, caller, page_start(params))
                try:
                    result = method.handler(ctx, params)
                finally:
                    if method.write:
                        store.renders.clear()  # the rows of later pages must show the write
            except BitrixError as err:
                return err.body()
            except Exception:
                log.exception("sandbox handler %s failed in batch", name)
                return {"error": "INTERNAL_SERVER_ERROR", "error_description":
                        "Internal server error"}
            timing = envelope.time_info(start, self.clock.time(), time.perf_counter() - tick,
                                        operating=False)
            return {"result": result.value, "total": result.total, "next": result.next,
                    "time": timing}
        return call


def _context(store: Store, caller: auth.Caller, start: int) -> CallContext:
    return CallContext(store=store, user_id=caller.user_id, auth_type=caller.auth_type,
                       scopes=caller.scopes, start=start, app_id=caller.app_id)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
