"""read_live: the portal's state in as few requests as the API allows.

Every kind's reads go out together (engine/reader.py: batches of 50, paged lists put back
together, each answer within what the client reads). Reads that depend on the first results
(`ReadsMore`) go out after them, the same way, and those that depend on only some of them
(`ReadsEarly`) as soon as those are in, in the slots the pages of the others leave free. Each
answer is taken as soon as it is whole (`LiveStep`): hashed for the fingerprint, kept as its
read says and folded by the kinds that read it, then dropped; each kind's part is built as soon as its reads are in. A kind that
builds on other kinds' live parts (`NeedsLive`) receives them once every kind has built its
own.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson

from provisioner.automation import Attestations
from provisioner.engine.gcpause import gc_paused
from provisioner.engine.reader import Client, Reader, malformed_answer
from provisioner.errors import ProvisionError
from provisioner.kinds import KINDS
from provisioner.model import AnyKind, ReadCall
from provisioner.model.kind import (
    FoldsReads,
    KeepsLocal,
    NeedsLive,
    ReadsEarly,
    ReadsLanguages,
    ReadsMore,
)
from provisioner.model.shape import type_word

_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS  # the fingerprint's form


Languages = Mapping[str, frozenset[str]]  # kind name -> the label languages it reads


@dataclass(frozen=True)
class LiveState:
    """Live parts by kind name, a fingerprint of what was read (to refuse stale plans) and the
    HTTP requests the read took."""

    parts: Mapping[str, Any]
    fingerprint: str = ""  # "" when not made (`read_live`'s `fingerprint`)
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
              languages: Languages | None = None, fingerprint: bool = True) -> LiveState:
    """Every kind's reads batched; lists that page are read to the end, their pages batched.
    `languages` (`read_languages`): the label languages each kind reads beyond ru and en;
    None reads every one (export). `fingerprint`: whether to make the fingerprint of what was
    read (shown only as `plan --json`'s `live_fingerprint`: serialising and hashing every
    answer is about a fifteenth of a large plan's CPU, so the workspace asks for it only where
    it is shown); without it the live state's is ""."""
    with gc_paused():
        reader = Reader(client)
        step = LiveStep(kinds, languages, fingerprint=fingerprint)
        read_into(reader, step)
        live = step.finish()
        return LiveState(live.parts, live.fingerprint, reader.requests, languages)


def read_into(reader: Reader, step: LiveStep) -> None:
    """Every kind's first reads; then the reads that depend on them, in the reader's rounds as
    soon as they are asked (`LiveStep.more_reads`): a kind's own follow-up reads wait for all
    of its first reads, its early reads (`ReadsEarly`) for those they need. Each answer goes to
    `step` as soon as it is whole."""
    calls = step.first_reads()
    while calls:
        reader.read(calls, step.take, step.more_reads)
        calls = {**reader.take_pending(), **step.more_reads()}


def read_results(reader: Reader, kinds: Sequence[AnyKind] = KINDS,
                 languages: Languages | None = None) -> dict[str, Any]:
    """The raw answers of every kind's reads, by read key, as `read_live` reads them (for
    tests; `read_live` keeps none of them)."""
    results: dict[str, Any] = {}
    step = LiveStep(kinds, languages, keep_answers=results)
    read_into(reader, step)
    return results


def live_from_results(results: Mapping[str, Any], kinds: Sequence[AnyKind] = KINDS) -> LiveState:
    """Normalise raw read results (also used by tests with hand-built results): every kind is
    given every answer, kept and folded as a read of its own would be."""
    calls = read_calls(kinds)
    kept = {key: _kept(calls.get(key), _trimmed(calls.get(key), answer))
            for key, answer in results.items()}
    parts: dict[str, Any] = {}
    for kind in kinds:
        views = {key: _folded(kind, key, value) for key, value in kept.items()}
        parts[kind.name] = _from_live(kind, views, {k for k in views if views[k] is not
                                                    results[k]})
    return LiveState(_linked(parts, kinds), fingerprint(results))


class LiveStep:
    """The live state made while the portal is read: each answer, as soon as it is whole, is
    hashed for the fingerprint, kept as its read says (`ReadCall.keep`) and folded by each kind
    that reads it (`FoldsReads`), then dropped; a kind's part is built as soon as all its reads
    (its follow-up reads included) are in, and its folds dropped with it. So the answers of a
    whole plan are never alive at once (issue 18: about 750 MB decoded at L100)."""

    def __init__(self, kinds: Sequence[AnyKind], languages: Languages | None,
                 keep_answers: dict[str, Any] | None = None, fingerprint: bool = True) -> None:
        self.kinds = tuple(kinds)
        self.hashing = fingerprint  # else the fingerprint is "" (`read_live`)
        self.languages = languages
        self.answers = keep_answers
        self.waiting = list(self.kinds)  # kinds whose part is not built yet
        self.wants = {k.name: dict(k.read_calls()) for k in self.kinds}
        self.missing = {name: set(calls) for name, calls in self.wants.items()}  # not in yet
        self.folds = {k.name: k for k in self.kinds if isinstance(k, FoldsReads)}
        self.views: dict[str, dict[str, Any]] = {k.name: {} for k in self.kinds}
        self.folded: dict[str, set[str]] = {k.name: set() for k in self.kinds}
        self.decided: set[str] = set()  # kinds whose follow-up reads are asked
        # kinds whose early reads are not asked yet, with the reads those need (`ReadsEarly`)
        self.early = {k.name: k.early_needs for k in self.kinds if isinstance(k, ReadsEarly)}
        self.asked: dict[str, ReadCall] = {}  # follow-up reads for the next round
        self.awaited: set[str] = set()  # reads handed to the reader, not taken yet
        self.digests: dict[str, bytes] = {}
        self.parts: dict[str, Any] = {}
        self.spent = {"fingerprint": 0.0, "live": 0.0}  # CPU seconds (bench/planphases.py)

    def first_reads(self) -> dict[str, ReadCall]:
        calls = read_calls(self.kinds)
        self.awaited.update(calls)
        return calls

    def more_reads(self) -> dict[str, ReadCall]:
        """The follow-up reads asked since the last call (a read asked already is given to
        every kind waiting for it when it comes)."""
        asked, self.asked = self.asked, {}
        self.awaited.update(asked)
        return asked

    def take(self, key: str, answer: Any) -> None:
        """One read's whole answer."""
        started = time.thread_time()
        if self.hashing:
            self.digests[key] = read_digest(key, answer)
        self.awaited.discard(key)
        if self.answers is not None:
            self.answers[key] = answer
        hashed = time.thread_time()
        readers = [k for k in self.waiting if key in self.wants[k.name]]
        if readers:
            value = _kept(self.wants[readers[0].name][key], answer)
            for kind in readers:
                folds = self.folds.get(kind.name)
                view = self.views[kind.name][key] = value if folds is None else \
                    folds.fold(key, value)
                self.missing[kind.name].discard(key)
                if view is not answer:
                    self.folded[kind.name].add(key)
            del view, value
        del answer
        for kind in readers:
            self._advance(kind)
        self.spent["fingerprint"] += hashed - started
        self.spent["live"] += time.thread_time() - hashed

    def _advance(self, kind: AnyKind) -> None:
        """Ask the kind's early reads once those they need are in (`ReadsEarly`), its
        follow-up reads once its first reads are in; build its part once all are in."""
        name = kind.name
        views = self.views[name]
        needs = self.early.get(name)
        if needs is not None and needs.issubset(views):
            del self.early[name]
            self._ask(name, _early_reads(kind, views))
        if self.missing[name]:
            return
        if name not in self.decided:
            self.decided.add(name)
            self._ask(name, _more_reads(kind, views, self.languages, self.folded[name]))
            self.missing[name].update(k for k in self.wants[name] if k not in views)
            if self.missing[name]:
                return
        self._build(kind)

    def _ask(self, name: str, asked: Mapping[str, ReadCall]) -> None:
        """Reads the kind waits for, asked in the next round unless asked already."""
        more = {k: c for k, c in asked.items() if k not in self.views[name]}
        self.wants[name].update(more)
        self.asked.update({k: c for k, c in more.items() if k not in self.awaited})

    def _build(self, kind: AnyKind) -> None:
        views, folded = self.views.pop(kind.name), self.folded.pop(kind.name)
        self.waiting.remove(kind)
        asked = self.wants.pop(kind.name)
        del self.missing[kind.name]
        self.parts[kind.name] = _from_live(kind, views, folded, asked)

    def finish(self) -> LiveState:
        """Every part (a kind still waiting is given what it has), linked, and the
        fingerprint of everything read."""
        started = time.thread_time()
        for kind in list(self.waiting):
            self._build(kind)
        parts = _linked({k.name: self.parts[k.name] for k in self.kinds}, self.kinds)
        self.spent["live"] += time.thread_time() - started
        return LiveState(parts, combined(self.digests) if self.hashing else "")


def _linked(parts: dict[str, Any], kinds: Sequence[AnyKind]) -> dict[str, Any]:
    for kind in kinds:
        if isinstance(kind, NeedsLive):
            parts[kind.name] = kind.link_live(parts[kind.name], _needed(kind, parts))
    return parts


def _kept(call: ReadCall | None, answer: Any) -> Any:
    return answer if call is None or call.keep is None else call.keep(answer)


def _trimmed(call: ReadCall | None, answer: Any) -> Any:
    """An answer with only the keys its read keeps of each row (`ReadCall.trim`), as the
    reader hands it on."""
    return answer if call is None or call.trim is None else call.trim.answer(answer,
                                                                           call.list_key)


def _folded(kind: AnyKind, key: str, value: Any) -> Any:
    return kind.fold(key, value) if isinstance(kind, FoldsReads) else value


def _early_reads(kind: AnyKind, results: Mapping[str, Any]) -> Mapping[str, ReadCall]:
    """The kind's early reads (`ReadsEarly`); none from an answer they cannot be asked from:
    its `more_reads` asks them again once every first read is in, and names the fault as it
    always has."""
    assert isinstance(kind, ReadsEarly)
    try:
        return kind.early_reads(results)
    except _SHAPE_ERRORS:
        return {}


def _more_reads(kind: AnyKind, results: Mapping[str, Any], languages: Languages | None,
                folded: set[str]) -> Mapping[str, ReadCall]:
    """The kind's follow-up reads; an answer they cannot be asked from (a field list holding
    a string) is named as `from_live` names it, never a traceback."""
    try:
        return follow_up_reads([kind], results, languages)
    except _SHAPE_ERRORS as exc:
        raise _malformed(kind, results, exc, folded) from exc


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


def _from_live(kind: AnyKind, results: Mapping[str, Any], folded: set[str],
               asked: Mapping[str, ReadCall] | None = None) -> Any:
    """The kind's part; `folded`: the reads it was given folded (as documented, by
    construction), not as read; `asked`: every read asked for it, follow-up reads too (its
    first reads when not given)."""
    try:
        return kind.from_live(results)
    except _SHAPE_ERRORS as exc:
        raise _malformed(kind, results, exc, folded, asked) from exc


def _malformed(kind: AnyKind, results: Mapping[str, Any], exc: Exception,
               folded: set[str], asked: Mapping[str, ReadCall] | None = None
               ) -> ProvisionError:
    """Name the read whose answer is of the wrong type, else every read of the kind that was
    answered (`asked`, follow-up reads too; its first reads when not given)."""
    calls = {k: c for k, c in (asked or kind.read_calls()).items() if k in results}
    for key, call in calls.items():
        if key in folded:
            continue
        wrong = _wrong_rows(results[key], call.list_key)
        if wrong:
            return malformed_answer(f"the portal answered {wrong}", method=call.method)
    methods = ", ".join(dict.fromkeys(c.method for c in calls.values())) or kind.name
    what = f"lacks {exc}" if isinstance(exc, KeyError) else f"is not as documented ({exc})"
    return malformed_answer(f"an answer of the portal {what}; "
                             f"reading {kind.name} failed", method=methods)


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


def fingerprint(results: Mapping[str, Any]) -> str:
    """The live fingerprint of `results` (every read `{key: answer}`): what `LiveStep` makes
    of them read one by one."""
    return combined({key: read_digest(key, answer) for key, answer in results.items()})


def read_digest(key: str, answer: Any) -> bytes:
    """SHA-256 of one read `{key: answer}`, serialised by orjson with its keys sorted (five
    times faster than `json.dumps`). A read orjson refuses (a lone surrogate, which JSON may
    hold and UTF-8 cannot; an integer past 64 bits) is serialised by `json.dumps` instead,
    after a byte orjson never writes, so the two forms cannot meet."""
    return hashlib.sha256(_serialised({key: answer})).digest()


def combined(digests: Mapping[str, bytes]) -> str:
    """The reads' digests in key order, hashed: it changes whenever any answer does, and an
    answer can be dropped as soon as its digest is made (the live step keeps no answer until
    the end of the read)."""
    digest = hashlib.sha256()
    for key in sorted(digests):
        digest.update(digests[key])
    return digest.hexdigest()[:16]


def _serialised(read: Mapping[str, Any]) -> bytes:
    try:
        return orjson.dumps(read, option=_SORTED, default=str)
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(read, sort_keys=True, ensure_ascii=False, default=str)
        return b"\0" + text.encode("utf-8", "surrogatepass")


