"""read_live: the portal's state in as few requests as the API allows.

Every kind's reads go out together (engine/reader.py: batches of 50, paged lists put back
together, each answer within what the client reads). Reads that depend on the first results
(`ReadsMore`) go out after them, the same way. A kind that builds on other kinds' live parts
(`NeedsLive`) receives them once every kind has built its own.
"""

from __future__ import annotations

import hashlib
import json
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
from provisioner.model.kind import KeepsLocal, NeedsLive, ReadsLanguages, ReadsMore
from provisioner.model.shape import type_word

_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS  # the fingerprint's form


Languages = Mapping[str, frozenset[str]]  # kind name -> the label languages it reads


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
        reader = Reader(client)
        results = read_results(reader, kinds, languages)
        live = live_from_results(results, kinds)
        return LiveState(live.parts, live.fingerprint, reader.requests, languages)


def read_results(reader: Reader, kinds: Sequence[AnyKind] = KINDS,
                 languages: Languages | None = None) -> dict[str, Any]:
    """The raw answers of every kind's reads, by read key. Reads that depend on the first
    results go out after them; with them, the lists the first batch only counted, when no
    page was missing to carry them (`Reader.pending`); a kind's own follow-up reads wait for
    all of its first reads."""
    results = reader.read(read_calls(kinds))
    ready = [k for k in kinds if all(key in results for key in k.read_calls())]
    results.update(reader.read({**reader.take_pending(),
                                **follow_up_reads(ready, results, languages)}))
    late = [k for k in kinds if k not in ready]
    results.update(reader.read(follow_up_reads(late, results, languages)))
    return results


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


