"""The peers the engine is compared with: a naive client (one request per REST call, no batch)
and fast_bitrix24 reading the same lists from the sandbox served over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.measure import LIMIT, Recorded, Recorder, limited_seconds, read_lists
from provisioner.client import BitrixClient
from provisioner.engine.live import read_live
from provisioner.sandbox import Sandbox
from provisioner.sandbox import server as http
from provisioner.sandbox.clock import RealClock
from provisioner.sandbox.portal import MemoryStores
from provisioner.sandbox.ratelimit import RateLimit as PortalLimit
from provisioner.sandbox.store import Store

# D7 list methods answer {"<key>": [...]}; the key to unwrap when paging one by one.
LIST_KEYS = {"crm.category.list": "categories", "crm.type.list": "types",
             "userfieldconfig.list": "fields"}


def naive_read(client: Recorder, calls: list[Recorded]) -> None:
    """The lists the engine read, each page as its own request (list_all), no batch."""
    for entry in read_lists(calls).values():
        client.list_all(entry.method, entry.params, key=LIST_KEYS.get(entry.method.lower()))


@contextmanager
def select_objects_allowed() -> Iterator[None]:
    """fast_bitrix24 insists on `select` being a list, but userfieldconfig.list takes a PHP
    array {"0": "*", "language": "ru"} (labels in that language). Its type check is switched off
    for the run so that it reads exactly the lists provision reads, labels included."""
    from fast_bitrix24 import user_request

    check = user_request.UserRequestAbstract.check_expected_clause_types
    user_request.UserRequestAbstract.check_expected_clause_types = (
        lambda _self, _p: None)
    NOTES.add("fast_bitrix24 refuses a `select` object (userfieldconfig.list's "
              "{'0': '*', 'language': 'ru'}); its type check was switched off so that it reads "
              "the same lists, labels included")
    try:
        yield
    finally:
        user_request.UserRequestAbstract.check_expected_clause_types = (
            check)


NOTES: set[str] = set()


@dataclass
class HttpRun:
    """One reader's run over HTTP: requests the portal saw, wall seconds, rows read."""

    requests: int
    wall: float
    rows: int
    note: str = ""

    @property
    def limited(self) -> float:
        return limited_seconds(self.requests, LIMIT)


@contextmanager
def served(store: Store) -> Iterator[Sandbox]:
    """The same portal state over HTTP on 127.0.0.1 (wall clock, the portal's rate limit on)."""
    sandbox = Sandbox(MemoryStores(store), clock=RealClock(),
                      rate_limit=PortalLimit(burst=LIMIT.burst, drain=LIMIT.per_second))
    running = http.start(sandbox)
    try:
        yield sandbox
    finally:
        running.stop()


def _count(result: Any) -> int:
    if isinstance(result, Mapping):
        inner = [v for v in result.values() if isinstance(v, list)]
        return len(inner[0]) if len(result) == 1 and inner else len(result)
    return len(result) if isinstance(result, list) else 1


class _Timed:
    """Forwards batch() to a client and adds up the wall time spent in it (HTTP only)."""

    def __init__(self, client: BitrixClient) -> None:
        self.client = client
        self.wall = 0.0
        self.rows = 0

    def batch(self, calls: Any, halt: bool = False, rows: Any = None) -> Any:
        started = time.perf_counter()
        out = self.client.batch(calls, halt=halt, rows=rows)
        self.wall += time.perf_counter() - started
        self.rows += sum(_count(v) for v in out.results.values())
        return out


def engine_over_http(sandbox: Sandbox) -> HttpRun:
    """read_live over HTTP; `wall` counts the requests only (not building the live models),
    as fast_bitrix24's counts only its fetching."""
    sandbox.app.bucket.reset()  # type: ignore[union-attr]
    before = sandbox.requests.total
    client = _Timed(BitrixClient.from_webhook(sandbox.webhook_url, rate=LIMIT))
    read_live(client)
    return HttpRun(sandbox.requests.total - before, client.wall, client.rows)


def fast_bitrix24_over_http(sandbox: Sandbox, calls: list[Recorded]) -> HttpRun:
    """fast_bitrix24 reads every list the engine read, as its README suggests: get_all() for
    lists that page (it pages with batches itself), one call(method, [items]) per method for
    many calls of one method (it batches them by 50), call() for single ones; all at once with
    asyncio.gather, its fastest use. It takes an http:// webhook on 127.0.0.1 as it is."""
    import aiohttp
    from fast_bitrix24 import BitrixAsync

    sandbox.app.bucket.reset()  # type: ignore[union-attr]
    before = sandbox.requests.total
    groups: dict[tuple[str, bool], list[Recorded]] = {}
    for entry in read_lists(calls).values():
        groups.setdefault((entry.method, entry.next is not None), []).append(entry)
    bx = BitrixAsync(sandbox.webhook_url, verbose=False)

    async def paged(entry: Recorded) -> Any:
        try:
            return await bx.get_all(entry.method, dict(entry.params))
        except aiohttp.ClientResponseError as exc:
            # get_all() adds order {"ID": "ASC"}; D7 crm.type.list names fields in lowerCamel
            # and the sandbox refuses "ID" (400). Read it as one plain call instead.
            NOTES.add(f"fast_bitrix24 get_all('{entry.method}') got HTTP {exc.status} (it adds "
                      "order {'ID': 'ASC'}; the D7 list wants 'id'): read with call() instead")
            return await bx.call(entry.method, dict(entry.params), raw=True)

    async def group(method: str, pages: bool, entries: list[Recorded]) -> list[Any]:
        if pages:
            return [await paged(e) for e in entries]
        if len(entries) == 1:
            return [await bx.call(method, dict(entries[0].params), raw=True)]
        return list(await bx.call(method, [dict(e.params) for e in entries]))

    async def every() -> list[Any]:
        done = await asyncio.gather(*(group(m, p, es) for (m, p), es in groups.items()))
        return [r for rs in done for r in rs]

    started = time.perf_counter()
    with warnings.catch_warnings(), select_objects_allowed():
        warnings.simplefilter("ignore")  # get_all()'s advice about method names
        results = asyncio.run(every())
    wall = time.perf_counter() - started
    rows = sum(_count(r.get("result") if isinstance(r, dict) and "result" in r else r)
               for r in results)
    return HttpRun(sandbox.requests.total - before, wall, rows)
