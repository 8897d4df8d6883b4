"""Building a `batch` request and reading its answer (docs/portal-rules.md#batch).

The answer's members are PHP arrays: `[]` when empty, a JSON list when the keys are 0..n-1,
an object otherwise. They are all read as string-keyed maps here. The answer is checked against
the request: every command that ran has a result or an error (a failed one has no result; with
`halt`, the commands after the first failure are absent), counts are whole numbers, and a page's
`next` moves forward. Anything else is a MalformedResponse naming the command's method.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypedDict

import msgspec

from provisioner.client import errors
from provisioner.client.encoding import batch_command
from provisioner.client.models import BatchResult
from provisioner.client.paging import check_page, type_word
from provisioner.client.transport import as_int, decode_json

MAX_COMMANDS = 50
Call = tuple[str, Mapping[str, Any] | None]
Calls = Mapping[str, Call] | Sequence[Call]
Command = tuple[str, str, Mapping[str, Any]]


def keyed(calls: Calls) -> list[Command]:
    """(key, method, params) in the given order; a sequence is keyed "0", "1", ..."""
    pairs = calls.items() if isinstance(calls, Mapping) else enumerate(calls)
    out = [(str(key), method, params or {}) for key, (method, params) in pairs]
    if len(out) > MAX_COMMANDS:
        raise ValueError(f"batch takes at most {MAX_COMMANDS} commands, got {len(out)}; "
                         "use batch_calls() to split")
    return out


def request_body(commands: list[Command], *, as_list: bool, halt: bool) -> dict[str, Any]:
    """`{"halt": 0|1, "cmd": ...}`; cmd strings are not encoded again inside a JSON body."""
    strings = [(key, batch_command(method, params)) for key, method, params in commands]
    cmd: Any = [s for _, s in strings] if as_list else dict(strings)
    return {"halt": 1 if halt else 0, "cmd": cmd}


@dataclass(frozen=True)
class Rows:
    """The keys of each row a reader keeps of a list command's result: its rows under
    `list_key` (an object holding that key only), or the result itself a list of rows (or
    PHP's object of them); with `one`, the result holds one row under that key (an object
    holding that key only: a get). `lists`: keys of a row whose value is rows in turn, each
    kept with only the keys given (a field's enumeration items). Decoded so, a row's other
    keys are never made: a smart process's field list in a second language is mostly what
    its reader drops (issue 18). engine/reader.py makes it of the model's `RowKeys`."""

    keys: tuple[str, ...]
    list_key: str | None = None
    lists: tuple[tuple[str, tuple[str, ...]], ...] = ()
    one: str | None = None


@lru_cache(maxsize=64)
def _rows_decoder(rows: Rows) -> msgspec.json.Decoder[Any]:
    """A decoder of `rows`' results: a row is a TypedDict of its keys (the others skipped,
    never made; each value decoded as any JSON, or as rows of `lists`), a result with more
    than `list_key` (or `one`) refused."""
    row = _row(rows.keys, dict(rows.lists))
    wrapper = rows.one or rows.list_key
    if wrapper is None:
        return msgspec.json.Decoder(_listed(row))
    page = msgspec.defstruct("page", [(wrapper, row if rows.one else _listed(row))],
                             forbid_unknown_fields=True)
    return msgspec.json.Decoder(page)


def _row(keys: tuple[str, ...], lists: Mapping[str, tuple[str, ...]]) -> Any:
    fields = {k: _listed(_row(lists[k], {})) if k in lists else Any for k in keys}
    return TypedDict("row", fields, total=False)  # type: ignore[operator]


def _listed(row: Any) -> Any:
    """Rows as a list, or as PHP's object of them (a list whose keys have gaps)."""
    return list[row] | dict[str, row]


def decoded(result: Any, rows: Mapping[str, Rows]) -> tuple[Any, frozenset[str]]:
    """A batch answer's `result` with its commands' results decoded (`transport.decode_batch`
    leaves them as JSON text), and the keys of those decoded with only the keys of each row
    `rows` asks for: a result of the shape `Rows` describes. Any other result is decoded
    whole, exactly as `decode_json` reads a body (the reader then keeps what it keeps)."""
    members = result.get("result") if isinstance(result, Mapping) else None
    if isinstance(members, list):
        texts: Iterable[tuple[Any, Any]] = enumerate(members)
    elif isinstance(members, Mapping):
        texts = members.items()
    else:
        return result, frozenset()
    out: dict[Any, Any] = {}
    shaped: set[str] = set()
    for key, text in texts:
        if not isinstance(text, msgspec.Raw):
            return result, frozenset()  # read whole already (decode_batch's other shapes)
        asked = rows.get(key) if isinstance(key, str) else None
        if asked is not None:
            try:
                value = _rows_decoder(asked).decode(text)
            except msgspec.DecodeError:  # another shape: whole, and the reader sees it so
                pass
            else:
                wrapper = asked.one or asked.list_key
                out[key] = value if wrapper is None else {wrapper: getattr(value, wrapper)}
                shaped.add(key)
                continue
        out[key] = _whole(text)
    whole: Any = list(out.values()) if isinstance(members, list) else out
    return {**result, "result": whole}, frozenset(shaped)


def _whole(text: msgspec.Raw) -> Any:
    """One command's result as `decode_json` reads a body; JSON msgspec took as part of the
    answer but neither reads (none known) is a MalformedResponse."""
    try:
        return decode_json(text)
    except ValueError:
        raise errors.MalformedResponse(
            "MALFORMED_RESPONSE", "a command's result in the batch answer is not JSON",
            method="batch") from None


class _Reader:
    """Reads one batch answer against the commands that were sent."""

    def __init__(self, commands: Sequence[Command], secrets: tuple[str, ...], credential: str,
                 write: bool) -> None:
        self.commands = commands
        self.methods = {key: method for key, method, _ in commands}
        self.secrets = secrets
        self.credential = credential
        self.write = write

    def malformed(self, text: str, method: str = "batch") -> errors.MalformedResponse:
        return errors.MalformedResponse("MALFORMED_RESPONSE", text, method=method,
                                        maybe_committed=self.write)

    def member(self, result: Mapping[str, Any], name: str) -> dict[str, Any]:
        value = result.get(name)
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return {str(k): v for k, v in value.items()}
        if isinstance(value, list):
            return {str(i): v for i, v in enumerate(value)}
        raise self.malformed(f"the batch answer's {name} is {type_word(value)}, "
                             "not an object")

    def counts(self, result: Mapping[str, Any], name: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for key, value in self.member(result, name).items():
            number = as_int(value)
            if number is None or number < 0:
                raise self.malformed(f"{name} of command {key!r} is {str(value)[:40]!r}, not a "
                                     "count of rows", self.methods.get(key, "batch"))
            out[key] = number
        return out

    def failure(self, key: str, body: Any) -> errors.BitrixAPIError:
        if not isinstance(body, Mapping):
            body = {"error": "", "error_description": str(body)}
        exc = errors.from_body(body, method=self.methods.get(key, ""), status=None,
                               secrets=self.secrets, credential=self.credential)
        return errors.for_command(exc, key)

    def check_present(self, results: Mapping[str, Any], failures: Mapping[str, Any],
                      halt: bool) -> None:
        """Every command ran (a result or an error), but for those after a halting failure."""
        stopped = False
        for key, method, _ in self.commands:
            if key in failures:
                stopped = stopped or halt
            elif key not in results and not stopped:
                raise self.malformed(f"the batch answer has neither a result nor an error for "
                                     f"command {key!r}", method)


def parse(result: Any, commands: Sequence[Command], *, halt: bool = False,
          secrets: Iterable[str] = (), credential: str = "webhook",
          write: bool = False) -> BatchResult:
    """Read `result.result / result_error / result_total / result_next / result_time`."""
    reader = _Reader(commands, tuple(secrets), credential, write)
    if not isinstance(result, Mapping):
        raise reader.malformed("the batch answer's result is not an object")
    failures = {key: reader.failure(key, body)
                for key, body in reader.member(result, "result_error").items()}
    results = {k: v for k, v in reader.member(result, "result").items() if k not in failures}
    reader.check_present(results, failures, halt)
    totals, nexts = reader.counts(result, "result_total"), reader.counts(result, "result_next")
    for key, method, params in commands:
        if key in results:
            problem = check_page(results[key], params, totals.get(key), nexts.get(key))
            if problem:
                raise reader.malformed(f"{problem} (command {key!r})", method)
    return BatchResult(results=results, errors=failures, totals=totals, nexts=nexts,
                       times=reader.member(result, "result_time"))
