"""Paging that a lying portal cannot stretch: `next` must move forward and stay below `total`,
a page that says more follow must hold rows, and a list is followed for at most MAX_PAGES pages.

The rules are the portal's own (docs/portal-rules.md#paging): 50 rows a page, `next = start + rows`
only while more rows remain, `total` the count of all matches. What breaks them is reported
with the method and how it lied, instead of paging for ever or sizing anything from `total`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from provisioner.client import errors

PAGE = 50
# 100,000 rows: ten times the users of the largest cloud plan, the longest list provision
# reads; a longer list is a portal that does not stop.
MAX_PAGES = 2000


def type_word(value: Any) -> str:
    """`a string`, `an integer`, ... for messages about answers of the wrong type."""
    words = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "an object", type(None): "null"}
    return words.get(type(value), f"a {type(value).__name__}")


def row_count(result: Any) -> int | None:
    """Rows on a page: a list, a PHP list sent as an object, or a D7 `{"items": [...]}`."""
    if isinstance(result, list):
        return len(result)
    if isinstance(result, Mapping):
        lists = [v for v in result.values() if isinstance(v, list)]
        if len(result) == 1 and lists:
            return len(lists[0])
        if all(isinstance(v, Mapping) for v in result.values()):
            return len(result)
    return None


def check_page(result: Any, params: Mapping[str, Any], total: int | None,
               nxt: int | None) -> str | None:
    """What is wrong with one page's paging, if anything (the symptom, for the message)."""
    if nxt is None:
        return None
    raw_start = params.get("start")
    start = int(raw_start) if isinstance(raw_start, int) or (
        isinstance(raw_start, str) and raw_start.isdigit()) else 0
    if nxt <= start:
        return f"paging does not advance (next={nxt} after start={start})"
    if total is not None and nxt >= total:
        return f"the page says more rows follow from next={nxt}, but total={total}"
    rows = row_count(result)
    if rows == 0:
        return f"a page with no rows says more follow (next={nxt} after start={start})"
    if rows is not None and rows > PAGE:
        return (f"a page of {rows} rows says more follow (next={nxt}), but a page holds at "
                f"most {PAGE}")
    return None


class PageGuard:
    """Follows one list method's `next` and refuses the answers no honest portal gives."""

    def __init__(self, method: str, max_pages: int = MAX_PAGES) -> None:
        self.method = method
        self.max_pages = max_pages
        self.pages = 0
        self.rows = 0
        self.total: int | None = None
        self._seen: dict[str, int] = {}

    def lie(self, text: str) -> errors.MalformedResponse:
        return errors.MalformedResponse("MALFORMED_RESPONSE", text, method=self.method)

    def follow(self, result: Any, rows: int, start: int, total: int | None,
               nxt: int | None) -> int | None:
        """The next page's start, or None after the last page; raises when the portal lied."""
        self.pages += 1
        self.rows += rows
        self.total = total if self.total is None else self.total
        problem = check_page(result, {"start": start}, total, nxt)
        if problem:
            raise self.lie(problem)
        self._check_repeat(result, rows, start)
        if self.total is not None and self.rows > self.total:
            raise self.lie(f"the pages hold more rows ({self.rows}) than the total it gave "
                           f"({self.total})")
        if nxt is not None and self.pages >= self.max_pages:
            raise self.lie(f"the list goes on past {self.max_pages} pages "
                           f"({self.max_pages * PAGE} rows); provision reads no longer lists")
        return nxt

    def _check_repeat(self, result: Any, rows: int, start: int) -> None:
        text = json.dumps(result, sort_keys=True, default=str).encode()
        digest = hashlib.sha256(text).hexdigest()
        if rows and digest in self._seen:
            raise self.lie(f"the page at start={start} repeats the page at "
                           f"start={self._seen[digest]}")
        self._seen.setdefault(digest, start)
