"""The reader behind read_live: reads in full batches, each answer within what the client reads.

Every kind's reads go out together in batches of 50 (docs/portal-rules.md#batch). A list that
pages (docs/portal-rules.md#paging: 50 rows a page, `total` in the first answer) is read to the
end without following `next` one page at a time: the spare slots of the first batch already ask
for the likely next pages of the lists whose read call says they often page
(`ReadCall.pages_ahead`), then, in the slots still free, for more pages of those that may run
long (`ReadCall.pages_spare`); once the first answers tell `total`, every page still missing goes
out together in the next batch, ROUND pages of a list at a time, and each page must bear the
total out (a lying total is refused after one round). Pages past `total` are dropped, so no row
is read twice.

The follow-up reads (engine/live.py: asked from the answers as they come in, and nothing is
asked from theirs) join the rounds of pages: each round carries as many as fill its last batch,
so a read that waits on none of the pages still missing rides where a slot would go out empty,
and the rest go in the round after the pages.

A list that answers whole (no paging) can outgrow what the client reads from one answer
(client/transport.py) once several share a batch: a batch is filled only up to a budget of
rows, set from the client's limit (`row_budget`). A list whose length no earlier answer told
names a paged call that counts it (`ReadCall.sized_by`): that count rides in the first batch,
and the list goes out in the next round with its length known (issue 18: the ten classic field
lists of an L100 portal answer about 125 MB together).

Every list is de-duplicated here, for every kind (issue 14, item 2): a row the portal lists
twice, identical, is kept once; two rows with one id and different content are an error naming
the method, never acted on; a row outside the list asked for (`ReadCall.expect`) too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any, Protocol

from provisioner.client.batch import Rows
from provisioner.errors import ProvisionError
from provisioner.model import ReadCall, RowKeys
from provisioner.model.answers import row_id

BATCH = 50  # sub-calls per batch (docs/portal-rules.md#batch)
PAGE = 50  # rows per page of a list method (docs/portal-rules.md#paging)
PAGE_KEY = "{key}~page{start}"
COUNT_KEY = "{key}~count"
ROUND = BATCH  # pages of one list asked at a time, beyond those already read
MIB = 1024 * 1024
# Rows a batch may be expected to answer (`ReadCall.rows`; a call without a count is a page at
# most), per MiB the client reads from one answer: a classic field row with its items is
# 0.82 KB (L100: 12.3 MB for 15,000), so 375 rows are a third of a MiB, and rows larger than
# expected still fit. Without it, 50 label lists of 1,500 fields each answered 60 MB.
ROWS_PER_MIB = 375
ROWS = 32 * ROWS_PER_MIB  # the budget at the client's default limit (32 MiB): 12,000 rows

Commands = Mapping[str, tuple[str, Mapping[str, Any]]]


class Client(Protocol):
    """The part of `provisioner.client.BitrixClient` the engine uses. `rows` is passed only
    for a batch holding a read that keeps some keys of its rows (`ReadCall.trim`); a client
    may ignore it: the reader trims every answer its result does not name in `shaped`
    (`BatchResult.shaped`; an answer without it names none)."""

    def batch(self, calls: Commands, halt: bool = False,
              rows: Mapping[str, Rows] | None = None) -> Any: ...


def row_budget(client: Any) -> int:
    """The rows one batch may be expected to answer, from the most the client reads from one
    answer (`max_answer_bytes`; ROWS for a client that does not say)."""
    cap = getattr(client, "max_answer_bytes", None)
    if not isinstance(cap, int) or isinstance(cap, bool):
        return ROWS
    return max(1, cap * ROWS_PER_MIB // MIB)


class Reader:
    """Sends reads in full batches and puts paged lists back together."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.requests = 0
        self.budget = row_budget(client)
        # Lists counted that no later round carried (a read without `more`): sized, to be
        # read with the next reads (`take_pending`).
        self.pending: dict[str, ReadCall] = {}

    def read(self, calls: Mapping[str, ReadCall], take: Take,
             more: Callable[[], Mapping[str, ReadCall]] | None = None) -> None:
        """The answers of `calls`, lists whole, each handed to `take` as soon as it is whole
        (its last page or its batch in); the reader keeps nothing of it (issue 18: the live
        step folds each answer as it arrives instead of holding every answer of the plan at
        once). A list of unknown length (`sized_by`) goes in the round after its count.

        Reads go out in rounds, each in full batches: the reads new this round with their
        counts and guessed pages, the pages still missing and the lists counted. `more`: the
        follow-up reads asked since it was last called (engine/live.py: nothing is asked from
        their answers), asked after each round. A round carries as many of them as fill the
        slots its batches leave; the rest wait for a round with room, or for the last one (a
        follow-up read that is sized, by a count or by `rows`, goes in the next round).
        Without `more`, a list counted when no page was missing waits in `pending` for the
        next reads."""
        turn = _Turn({}, take)
        out = turn.out
        later: dict[str, int] = {}  # lists counted, with their rows, for the next round
        waiting: dict[str, ReadCall] = {}  # follow-up reads not asked yet
        new, follow_ups = calls, False
        while True:
            fresh = {k: c for k, c in new.items() if k not in turn.calls and k not in waiting}
            if follow_ups:
                waiting.update({k: c for k, c in fresh.items() if _may_wait(c)})
                fresh = {k: c for k, c in fresh.items() if k not in waiting}
            counts = _counts(fresh)
            missing = _next_round(turn.calls, out, turn.done)
            if more is None and later and not (fresh or missing):
                self.pending.update({k: replace(turn.calls[k], rows=n, sized_by=None)
                                     for k, n in later.items()})
                later = {}
            now = {k: c for k, c in fresh.items() if c.sized_by is None}
            commands = {**{k: _command(c) for k, c in now.items()}, **counts,
                        **{k: _command(turn.calls[k]) for k in later}, **missing}
            rows = {**{k: c.rows for k, c in now.items() if c.rows}, **later}
            # the follow-up reads that fill the slots the round's batches leave (all of them
            # in a round that has nothing else to carry)
            room = _room(commands, rows, self.budget) if commands else len(waiting)
            for key in list(waiting)[:room]:
                now[key] = fresh[key] = waiting.pop(key)
                commands[key] = _command(now[key])
            turn.calls.update(fresh)
            if not commands:
                return
            guessed = _guess_pages(now, _room(commands, rows, self.budget))
            self._send(turn, {**commands, **guessed}, set(guessed) | set(counts), rows)
            later = _sized(fresh, out, self.budget)
            for count in counts:
                out.results.pop(count, None)
            turn.settle(fresh)  # the lists counted empty
            new, follow_ups = (more() if more is not None else {}), True

    def take_pending(self) -> dict[str, ReadCall]:
        pending, self.pending = self.pending, {}
        return pending

    def _send(self, turn: _Turn, commands: Commands, guessed: set[str],
              rows: Mapping[str, int] | None = None) -> None:
        for chunk in _chunks(commands, rows or {}, self.budget):
            kept = turn.rows(chunk)
            out = self.client.batch(chunk, halt=False, rows=kept) if kept else \
                self.client.batch(chunk, halt=False)
            self.requests += 1
            turn.out.add(out, chunk, guessed)
            shaped: frozenset[str] = getattr(out, "shaped", frozenset())
            del out
            turn.trim(k for k in chunk if k not in shaped)
            turn.settle(chunk)


Take = Callable[[str, Any], None]  # receives each read's whole answer, by read key


class _Turn:
    """One `Reader.read`: the answers and pages so far; each read handed on (`take`) and
    forgotten as soon as it is whole."""

    def __init__(self, calls: Mapping[str, ReadCall], take: Take) -> None:
        self.calls = dict(calls)  # every read asked so far
        self.take = take
        self.out = _Answers()
        self.done: set[str] = set()

    def rows(self, chunk: Iterable[str]) -> dict[str, Rows]:
        """The keys of each row the reads among `chunk` keep (`ReadCall.trim`), for the client
        to decode only those (`BitrixClient.batch`'s rows): the same rows `trim` would make."""
        kept: dict[str, Rows] = {}
        for key in chunk:
            call = self.calls.get(key.split("~", 1)[0])
            if call is not None and call.trim is not None and not key.endswith("~count"):
                kept[key] = _kept_rows(call.trim, call.list_key)
        return kept

    def trim(self, keys: Iterable[str]) -> None:
        """Each answer and page among `keys` of a read that keeps only some keys of its rows
        (`ReadCall.trim`), as soon as it comes: a list of many pages is held trimmed."""
        results = self.out.results
        for key in keys:
            call = self.calls.get(key.split("~", 1)[0])
            if call is not None and call.trim is not None and key in results and \
                    not key.endswith("~count"):
                results[key] = call.trim.answer(results[key], call.list_key)

    def settle(self, keys: Iterable[str]) -> None:
        """Hand on every read among `keys` (read keys, or page and count keys of one) whose
        answer is whole: its first answer and every page `total` asks for. A page of a read
        handed on already (a look-ahead page past its end) is dropped."""
        results = self.out.results
        for key in dict.fromkeys(k.split("~", 1)[0] for k in keys):
            call = self.calls.get(key)
            if call is None or key not in results:
                continue
            total = self.out.totals.get(key)
            starts = _starts(total, self.out.nexts.get(key))
            if any(PAGE_KEY.format(key=key, start=s) not in results for s in reversed(starts)):
                continue  # (pages come in order: the last one is the first missing)
            for start in starts:
                _check_page(call, total, start, results[PAGE_KEY.format(key=key, start=start)])
            self.done.add(key)
            self.take(key, _checked(call, _joined(key, call, results.pop(key), self.out,
                                                  results)))
        pages = tuple(k for k in results if "~" in k and k.split("~", 1)[0] in self.done)
        for page in pages:
            del results[page]


@lru_cache(maxsize=256)
def _kept_rows(trim: RowKeys, list_key: str | None) -> Rows:
    """The client's description of what `trim` keeps (the client does not know the model)."""
    return Rows(trim.keys, None if trim.one else list_key, trim.lists, trim.one)


def _command(call: ReadCall) -> tuple[str, dict[str, Any]]:
    return call.method, dict(call.params)


def _counts(calls: Mapping[str, ReadCall]) -> dict[str, tuple[str, dict[str, Any]]]:
    """One counting call for each list of unknown length (`sized_by`; lists that share one
    count, as a list in two languages does, ask it once), keyed after the first such list."""
    counts: dict[str, tuple[str, dict[str, Any]]] = {}
    for key, call in calls.items():
        if call.sized_by is not None and _count_key(calls, key) == COUNT_KEY.format(key=key):
            counts[COUNT_KEY.format(key=key)] = _command(call.sized_by)
    return counts


def _count_key(calls: Mapping[str, ReadCall], key: str) -> str:
    counter = calls[key].sized_by
    first = next(k for k, c in calls.items() if c.sized_by is not None and c.sized_by == counter)
    return COUNT_KEY.format(key=first)


def _sized(calls: Mapping[str, ReadCall], out: _Answers, budget: int) -> dict[str, int]:
    """The rows of each list of unknown length, as its count answered (the budget, a batch of
    its own, if the count failed). A list counted empty is not asked: its answer is the empty
    list, as the portal would answer it."""
    rows: dict[str, int] = {}
    for key, call in calls.items():
        if call.sized_by is None:
            continue
        count = _count_of(out, _count_key(calls, key), call.sized_by.list_key)
        if count == 0:
            out.results[key] = {call.list_key: []} if call.list_key else []
        else:
            rows[key] = budget if count is None else count
    return rows


def _count_of(out: _Answers, key: str, list_key: str | None) -> int | None:
    """The `total` a counting call answered (its rows when it does not page), None if it
    failed."""
    if key not in out.results:
        return None
    total = out.totals.get(key)
    return total if total is not None else len(_rows(out.results[key], list_key))


def _chunks(commands: Commands, rows: Mapping[str, int], budget: int = ROWS
            ) -> list[dict[str, tuple[str, Mapping[str, Any]]]]:
    """Batches of at most BATCH calls, whose whole lists (`rows`: the count of a call that
    answers a whole list) are expected to answer at most `budget` rows; any other call answers
    a page at most, 50 such 2,500 rows, which the margin under the client's limit holds. Reads
    of one round do not depend on each other, so the small calls fill the slots the lists
    leave, and no batch goes out half empty for want of rows."""
    large = [k for k in commands if rows.get(k, 0) > 0]
    small = [k for k in commands if rows.get(k, 0) <= 0]
    groups: list[list[str]] = []
    weight = 0
    for key in large:
        if not groups or len(groups[-1]) == BATCH or weight + rows[key] > budget:
            groups.append([])
            weight = 0
        groups[-1].append(key)
        weight += rows[key]
    for group in groups:
        room = BATCH - len(group)
        group.extend(small[:room])
        del small[:room]
    groups += [small[i:i + BATCH] for i in range(0, len(small), BATCH)]
    return [{k: commands[k] for k in group} for group in groups]


class _Answers:
    """Results, totals and nexts of several batches; failed reads raise."""

    def __init__(self) -> None:
        self.results: dict[str, Any] = {}
        self.totals: dict[str, int] = {}
        self.nexts: dict[str, int] = {}

    def add(self, out: Any, chunk: Mapping[str, tuple[str, Any]], guessed: set[str]) -> None:
        # A guessed page may fail past the end of its list; one that is needed is asked again.
        errors = {k: e for k, e in out.errors.items() if k not in guessed}
        if errors:
            key, err = min(errors.items())
            detail = err.detail() if callable(getattr(err, "detail", None)) else err
            raise ProvisionError(f"reading the portal failed: {chunk[key][0]}: {detail}")
        self.results.update(out.results)
        self.totals.update(out.totals)
        self.nexts.update(out.nexts)


def _may_wait(call: ReadCall) -> bool:
    """A follow-up read that can wait for a round with room: one that answers a page at
    most (a sized list goes out as soon as asked, its count first)."""
    return call.sized_by is None and not call.rows


def _room(commands: Commands, rows: Mapping[str, int], budget: int) -> int:
    """The slots the batches of `commands` leave free (`_chunks`): as many calls that answer
    a page at most go out in them without a batch more."""
    return sum(BATCH - len(chunk) for chunk in _chunks(commands, rows, budget))


def _guess_pages(calls: Mapping[str, ReadCall], spare: int) -> dict[str, tuple[str, Any]]:
    """Pages 2, 3, ... of the lists known to page, in the slots the first batch leaves free:
    at most `pages_ahead` pages each; the slots still free then go one page at a time to the
    lists that may run long (`pages_spare`), in turn. A page past the end costs the portal a
    query inside the batch (sub-calls run one after another), so the look-ahead stays short
    where it would cost a request of its own, and fills only slots that would go out empty."""
    guessed: dict[str, tuple[str, Any]] = {}
    ahead: dict[str, int] = {}
    for key, call in calls.items():
        ahead[key] = min(call.pages_ahead, spare - len(guessed))
        for n in range(1, ahead[key] + 1):
            guessed[PAGE_KEY.format(key=key, start=n * PAGE)] = (
                call.method, {**call.params, "start": n * PAGE})
    long = [key for key, call in calls.items() if call.pages_spare]
    while long and len(guessed) < spare:
        for key in long[:spare - len(guessed)]:
            call, n = calls[key], ahead[key] + 1
            ahead[key] = n
            guessed[PAGE_KEY.format(key=key, start=n * PAGE)] = (
                call.method, {**call.params, "start": n * PAGE})
    return guessed


def _next_round(calls: Mapping[str, ReadCall], out: _Answers,
                done: set[str]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Up to ROUND more pages of each paged list not yet whole (`done`), asked only while the
    pages read so far bear out its `total`: a total no page confirms (10**12) costs one round,
    never a request, a key or a byte per page it claims."""
    missing: dict[str, tuple[str, Mapping[str, Any]]] = {}
    pages = out.results
    for key, call in calls.items():
        if key in done:
            continue
        total, asked = out.totals.get(key), 0
        for start in _starts(total, out.nexts.get(key)):
            page_key = PAGE_KEY.format(key=key, start=start)
            if page_key in pages:
                _check_page(call, total, start, pages[page_key])
                continue
            if start >= max_pages() * PAGE:
                raise malformed_answer(f"the list said total={total}: "
                                        f"more than {max_pages()} pages, longer than provision "
                                        "reads", method=call.method)
            missing[page_key] = (call.method, {**call.params, "start": start})
            asked += 1
            if asked == ROUND:
                break
    return missing


def max_pages() -> int:
    from provisioner.client.paging import MAX_PAGES

    return MAX_PAGES


def _check_page(call: ReadCall, total: int | None, start: int, page: Any) -> None:
    """Every page before the last one is full, and none holds more: else `total` lied (or
    rows came or went while the list was read)."""
    expected = min(PAGE, (total or 0) - start)
    found = len(_rows(page, call.list_key))
    if found != expected:
        raise malformed_answer(
            f"the list said total={total}, but its page at start={start} "
            f"holds {found} rows instead of {expected} (a total no page bears out, or rows "
            "added or deleted while it was read: run again)", method=call.method)


def _starts(total: int | None, nxt: int | None) -> range:
    """Starts of the pages after the first one, from the first answer's total."""
    if not nxt:
        return range(0)
    if total is None:
        raise ProvisionError("reading the portal failed: a paged list did not say its total")
    return range(nxt, total, PAGE)


def _joined(key: str, call: ReadCall, first: Any, out: _Answers,
            pages: Mapping[str, Any]) -> Any:
    """The first answer as it came, or every row of a paged list in order (a plain list)."""
    starts = _starts(out.totals.get(key), out.nexts.get(key))
    if not starts:
        return first
    rows = _rows(first, call.list_key)
    for start in starts:
        rows.extend(_rows(pages[PAGE_KEY.format(key=key, start=start)], call.list_key))
    return rows


def _rows(result: Any, key: str | None) -> list[Any]:
    """The rows of one page; PHP sends a list, or an object when its keys are not 0..n-1."""
    if key is not None and isinstance(result, Mapping):
        result = result.get(key)
    if isinstance(result, Mapping):
        return list(result.values())
    if isinstance(result, list):
        return list(result)
    raise ProvisionError("reading the portal failed: a page of a list is not a list")


def _checked(call: ReadCall, result: Any) -> Any:
    """The answer with each row once: an identical repeat is dropped, a contradicting one (one
    id, other content) or a row of another list (`expect`) is a MalformedResponse."""
    rows = _row_list(result, call.list_key)
    if rows is None:
        return result
    ids = [str(rid) for row in rows  # row_id, inlined: every row (a dict, most of them)
           if (type(row) is dict or isinstance(row, Mapping))
           and (rid := row.get("ID", row.get("id"))) is not None]
    if len(set(ids)) == len(ids):  # no id twice (every answer of a sound portal): kept whole
        for row in rows if call.expect else ():
            if isinstance(row, Mapping) and row_id(row) is not None:
                _expected(call, row)
        return result
    seen: dict[str, Mapping[str, Any]] = {}
    kept: list[Any] = []
    for row in rows:
        rid = row_id(row) if isinstance(row, Mapping) else None
        if rid is None:
            kept.append(row)
            continue
        _expected(call, row)
        first = seen.setdefault(str(rid), row)
        if first is row:
            kept.append(row)
        elif first != row:
            differ = sorted(k for k in {*first, *row} if first.get(k) != row.get(k))
            raise malformed_answer(f"the portal lists the row with id {rid} twice, with "
                                    f"different content ({', '.join(differ)} differ): a list "
                                    "provision cannot act on", method=call.method)
    if len(kept) == len(rows):
        return result
    return {**result, call.list_key: kept} if _wrapped(result, call.list_key) else kept


def _expected(call: ReadCall, row: Mapping[str, Any]) -> None:
    for name, value in (call.expect or {}).items():
        if name in row and str(row[name]) != str(value):
            raise malformed_answer(f"asked for {name} {value}, the portal answered row "
                                    f"{row_id(row)} of {name} {row[name]}: it ignored what it "
                                    "was asked", method=call.method)


def _wrapped(result: Any, list_key: str | None) -> bool:
    return list_key is not None and isinstance(result, Mapping) and list_key in result


def _row_list(result: Any, list_key: str | None) -> list[Any] | None:
    """The rows of a list answer, or None for an answer that is not one (app.info, a get)."""
    rows = result[list_key] if _wrapped(result, list_key) else result
    if isinstance(rows, Mapping) and all(isinstance(r, Mapping) for r in rows.values()):
        rows = list(rows.values())  # PHP sends a list as an object when its keys have gaps
    return rows if isinstance(rows, list) else None


def malformed_answer(description: str, method: str) -> ProvisionError:
    """The client's MalformedResponse, imported when needed: the loader's path (`validate`)
    does not load the REST client."""
    from provisioner.client.errors import MalformedResponse

    return MalformedResponse("MALFORMED_RESPONSE", description, method=method)
