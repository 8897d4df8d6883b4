"""read_live: the portal's state in as few requests as the API allows.

Every kind's reads go out together in batches of 50 (docs/portal-rules.md#batch). A list that
pages (docs/portal-rules.md#paging: 50 rows a page, `total` in the first answer) is read to the
end without following `next` one page at a time: the spare slots of the first batch already ask
for the likely next pages of the lists whose read call says they often page
(`ReadCall.pages_ahead`), and once the first answers tell `total`, every page still missing goes
out together in the next batch, ROUND pages of a list at a time, and each page must bear the
total out (a lying total is refused after one round). Pages past `total` are dropped, so no row
is read twice. Reads that depend on the first results (`ReadsMore`) go out after them, the same
way. A kind that builds on other kinds' live parts (`NeedsLive`) receives them once every kind
has built its own.

Every list is de-duplicated here, for every kind (issue 14, item 2): a row the portal lists
twice, identical, is kept once; two rows with one id and different content are an error naming
the method, never acted on; a row outside the list asked for (`ReadCall.expect`) too.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import orjson

from provisioner.automation import Attestations
from provisioner.engine.gcpause import gc_paused
from provisioner.errors import ProvisionError
from provisioner.kinds import KINDS
from provisioner.model import AnyKind, ReadCall
from provisioner.model.answers import row_id
from provisioner.model.kind import KeepsLocal, NeedsLive, ReadsLanguages, ReadsMore
from provisioner.model.shape import type_word

BATCH = 50  # sub-calls per batch (docs/portal-rules.md#batch)
PAGE = 50  # rows per page of a list method (docs/portal-rules.md#paging)
PAGE_KEY = "{key}~page{start}"
ROUND = BATCH  # pages of one list asked at a time, beyond those already read
# Rows a batch may be expected to answer (`ReadCall.rows`; a call without a count is a page at
# most): about 10 MB at the 0.8 KB of a field row with its items, a third of what the client
# reads from one answer (client/transport.py, 32 MiB), so rows larger than expected still fit.
# Without it, 50 label lists of 1,500 fields each answered 60 MB, and the plan failed.
ROWS = 12_000
_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS  # the fingerprint's form


Languages = Mapping[str, frozenset[str]]  # kind name -> the label languages it reads


class Client(Protocol):
    """The part of `provisioner.client.BitrixClient` the engine uses."""

    def batch(self, calls: Mapping[str, tuple[str, Mapping[str, Any]]], halt: bool = False
              ) -> Any: ...


@dataclass(frozen=True)
class LiveState:
    """Live parts by kind name, a fingerprint of what was read (to refuse stale plans) and the
    HTTP requests the read took."""

    parts: Mapping[str, Any]
    fingerprint: str = ""
    requests: int = 0
    languages: Languages | None = None  # the label languages read (`read_live`; None: all)


def read_calls(kinds: Sequence[AnyKind] = KINDS) -> dict[str, ReadCall]:
    calls: dict[str, ReadCall] = {}
    for kind in kinds:
        for key, call in kind.read_calls().items():
            if key in calls and calls[key] != call:
                raise ValueError(f"read key {key!r} used for two different calls")
            calls[key] = call
    return calls


def read_live(client: Client, kinds: Sequence[AnyKind] = KINDS,
              languages: Languages | None = None) -> LiveState:
    """Every kind's reads batched; lists that page are read to the end, their pages batched.
    `languages` (`read_languages`): the label languages each kind reads beyond ru and en;
    None reads every one (export)."""
    with gc_paused():
        reader = _Reader(client)
        results = reader.read(read_calls(kinds))
        # Reads that depend on the first results go out after them.
        results.update(reader.read(follow_up_reads(kinds, results, languages)))
        live = live_from_results(results, kinds)
        return LiveState(live.parts, live.fingerprint, reader.requests, languages)


def live_from_results(results: Mapping[str, Any], kinds: Sequence[AnyKind] = KINDS) -> LiveState:
    """Normalise raw read results (also used by tests with hand-built results)."""
    parts = {kind.name: _from_live(kind, results) for kind in kinds}
    for kind in kinds:
        if isinstance(kind, NeedsLive):
            parts[kind.name] = kind.link_live(parts[kind.name], _needed(kind, parts))
    return LiveState(parts, fingerprint(results))


def follow_up_reads(kinds: Sequence[AnyKind], results: Mapping[str, Any],
                    languages: Languages | None = None) -> dict[str, ReadCall]:
    """The second batch of reads, asked for by kinds after seeing the first batch's results."""
    calls: dict[str, ReadCall] = {}
    for kind in kinds:
        if isinstance(kind, ReadsLanguages):
            calls.update(kind.more_reads(
                results, None if languages is None else languages.get(kind.name, frozenset())))
        elif isinstance(kind, ReadsMore):
            calls.update(kind.more_reads(results))
    return calls


def read_languages(parts: Mapping[str, Any], kinds: Sequence[AnyKind] = KINDS) -> Languages:
    """The label languages each kind reads for a plan of these desired parts: those they name
    (a plan compares only those, and an update reads a field's whole map before it writes)."""
    return {kind.name: kind.languages(parts.get(kind.name)) for kind in kinds
            if isinstance(kind, ReadsLanguages)}


def _needed(kind: NeedsLive[Any], parts: Mapping[str, Any]) -> dict[str, Any]:
    """The live parts `kind` builds on, each made once by its own kind."""
    missing = [name for name in kind.needs if name not in parts]
    if missing:
        raise ValueError(f"a kind needs the live part of {', '.join(missing)}, which no kind "
                         "read: add that kind to the kinds read")
    return {name: parts[name] for name in kind.needs}


def with_local_records(live: LiveState, local: Attestations,
                       kinds: Sequence[AnyKind] = KINDS) -> LiveState:
    """The live state plus what kinds keep with the config for this portal (`add_local`: the
    automation kind's attestations, read by the workspace); not in the fingerprint."""
    parts = dict(live.parts)
    for kind in kinds:
        if isinstance(kind, KeepsLocal) and kind.name in parts:
            parts[kind.name] = kind.add_local(parts[kind.name], local)
    return replace(live, parts=parts)


# What a kind's from_live raises when an answer has the right envelope but not the shape the
# portal documents (a string for a list, a row without its code): a portal fault, not a bug.
_SHAPE_ERRORS = (AttributeError, KeyError, TypeError, ValueError, IndexError)


def _from_live(kind: AnyKind, results: Mapping[str, Any]) -> Any:
    try:
        return kind.from_live(results)
    except _SHAPE_ERRORS as exc:
        raise _malformed(kind, results, exc) from exc


def _malformed(kind: AnyKind, results: Mapping[str, Any], exc: Exception) -> ProvisionError:
    """Name the read whose answer is of the wrong type, else every read of the kind."""
    calls = {k: c for k, c in kind.read_calls().items() if k in results}
    for key, call in calls.items():
        wrong = _wrong_rows(results[key], call.list_key)
        if wrong:
            return _malformed_answer(f"the portal answered {wrong}", method=call.method)
    methods = ", ".join(dict.fromkeys(c.method for c in calls.values())) or kind.name
    what = f"lacks {exc}" if isinstance(exc, KeyError) else f"is not as documented ({exc})"
    return _malformed_answer(f"an answer of the portal {what}; "
                             f"reading {kind.name} failed", method=methods)


def _malformed_answer(description: str, method: str) -> ProvisionError:
    """The client's MalformedResponse, imported when needed: the loader's path (`validate`)
    does not load the REST client."""
    from provisioner.client.errors import MalformedResponse

    return MalformedResponse("MALFORMED_RESPONSE", description, method=method)


def _wrong_rows(result: Any, list_key: str | None) -> str | None:
    """What is wrong with an answer that should be a list of rows (tables), if anything."""
    rows = result.get(list_key) if list_key and isinstance(result, Mapping) else result
    if isinstance(rows, Mapping):
        rows = list(rows.values())  # PHP sends a list as an object when its keys have gaps
    if not isinstance(rows, list):
        return f"{type_word(rows)} where a list of rows was expected"
    bad = next((r for r in rows if not isinstance(r, Mapping)), None)
    return None if bad is None else f"a list holding {type_word(bad)} where rows (tables) " \
                                    "were expected"


class _Reader:
    """Sends reads in full batches and puts paged lists back together."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.requests = 0

    def read(self, calls: Mapping[str, ReadCall]) -> dict[str, Any]:
        if not calls:
            return {}
        first = {k: (c.method, dict(c.params)) for k, c in calls.items()}
        guessed = _guess_pages(calls, _spare(len(first)))
        out = self._send({**first, **guessed}, set(guessed),
                         {k: c.rows for k, c in calls.items() if c.rows})
        pages = dict(out.results)
        while missing := _next_round(calls, out, pages):
            pages.update(self._send(missing, set()).results)
        return {key: _checked(call, _joined(key, call, out, pages))
                for key, call in calls.items()}

    def _send(self, commands: Mapping[str, tuple[str, Mapping[str, Any]]],
              guessed: set[str], rows: Mapping[str, int] | None = None) -> _Answers:
        answers = _Answers()
        for chunk in _chunks(commands, rows or {}):
            out = self.client.batch(chunk, halt=False)
            self.requests += 1
            answers.add(out, chunk, guessed)
        return answers


def _chunks(commands: Mapping[str, tuple[str, Mapping[str, Any]]], rows: Mapping[str, int]
            ) -> list[dict[str, tuple[str, Mapping[str, Any]]]]:
    """Batches of at most BATCH calls, whose whole lists (`rows`: the count of a call that
    answers a whole list) are expected to answer at most ROWS rows; any other call answers a
    page at most, 50 such 2,500 rows, which the margin under the client's limit holds. Reads of
    one round do not depend on each other, so the small calls fill the slots the large lists
    leave, and no batch goes out half empty for want of rows."""
    large = [k for k in commands if rows.get(k, 0) > PAGE]
    small = [k for k in commands if rows.get(k, 0) <= PAGE]
    groups: list[list[str]] = []
    weight = 0
    for key in large:
        if not groups or len(groups[-1]) == BATCH or weight + rows[key] > ROWS:
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


def _spare(count: int) -> int:
    return math.ceil(count / BATCH) * BATCH - count


def _guess_pages(calls: Mapping[str, ReadCall], spare: int) -> dict[str, tuple[str, Any]]:
    """Pages 2, 3, ... of the lists known to page, in the slots the first batch leaves free:
    at most `pages_ahead` pages each. A page past the end costs the portal a query inside the
    batch (sub-calls run one after another), so the look-ahead stays short."""
    guessed: dict[str, tuple[str, Any]] = {}
    for key, call in calls.items():
        ahead = min(call.pages_ahead, spare - len(guessed))
        for n in range(1, ahead + 1):
            guessed[PAGE_KEY.format(key=key, start=n * PAGE)] = (
                call.method, {**call.params, "start": n * PAGE})
    return guessed


def _next_round(calls: Mapping[str, ReadCall], out: _Answers,
                pages: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Up to ROUND more pages of each paged list, asked only while the pages read so far bear
    out its `total`: a total no page confirms (10**12) costs one round, never a request, a
    key or a byte per page it claims."""
    missing: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for key, call in calls.items():
        total, asked = out.totals.get(key), 0
        for start in _starts(total, out.nexts.get(key)):
            page_key = PAGE_KEY.format(key=key, start=start)
            if page_key in pages:
                _check_page(call, total, start, pages[page_key])
                continue
            if start >= max_pages() * PAGE:
                raise _malformed_answer(f"the list said total={total}: "
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
        raise _malformed_answer(
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


def _joined(key: str, call: ReadCall, out: _Answers, pages: Mapping[str, Any]) -> Any:
    """The first answer as it came, or every row of a paged list in order (a plain list)."""
    first = out.results[key]
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
    ids = [str(row.get("ID", row.get("id"))) for row in rows  # row_id, inlined: every row
           if isinstance(row, Mapping) and row.get("ID", row.get("id")) is not None]
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
            raise _malformed_answer(f"the portal lists the row with id {rid} twice, with "
                                    f"different content ({', '.join(differ)} differ): a list "
                                    "provision cannot act on", method=call.method)
    if len(kept) == len(rows):
        return result
    return {**result, call.list_key: kept} if _wrapped(result, call.list_key) else kept


def _expected(call: ReadCall, row: Mapping[str, Any]) -> None:
    for name, value in (call.expect or {}).items():
        if name in row and str(row[name]) != str(value):
            raise _malformed_answer(f"asked for {name} {value}, the portal answered row "
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


def fingerprint(results: Mapping[str, Any]) -> str:
    """SHA-256 of every read `{key: answer}` in key order, each serialised by orjson with its
    keys sorted: one read at a time (never the whole text in memory: 160 MB at L10 when
    labels are read in every language), five times faster than `json.dumps` (0.08 s at L10
    for 0.4). A read orjson refuses (a lone surrogate, which JSON may hold and UTF-8 cannot;
    an integer past 64 bits) is serialised by `json.dumps` instead, after a byte orjson never
    writes, so the two forms cannot meet."""
    digest = hashlib.sha256()
    for key in sorted(results):
        digest.update(_serialised({key: results[key]}))
    return digest.hexdigest()[:16]


def _serialised(read: Mapping[str, Any]) -> bytes:
    try:
        return orjson.dumps(read, option=_SORTED, default=str)
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(read, sort_keys=True, ensure_ascii=False, default=str)
        return b"\0" + text.encode("utf-8", "surrogatepass")


