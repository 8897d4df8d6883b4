"""Building a `batch` request and reading its answer (docs/portal-rules.md#batch).

The answer's members are PHP arrays: `[]` when empty, a JSON list when the keys are 0..n-1,
an object otherwise. They are all read as string-keyed maps here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from provisioner.client import errors
from provisioner.client.encoding import batch_command
from provisioner.client.models import BatchResult
from provisioner.client.transport import as_int

MAX_COMMANDS = 50
Call = tuple[str, Mapping[str, Any] | None]
Calls = Mapping[str, Call] | Sequence[Call]


def keyed(calls: Calls) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(key, method, params) in the given order; a sequence is keyed "0", "1", ..."""
    pairs = calls.items() if isinstance(calls, Mapping) else enumerate(calls)
    out = [(str(key), method, params or {}) for key, (method, params) in pairs]
    if len(out) > MAX_COMMANDS:
        raise ValueError(f"batch takes at most {MAX_COMMANDS} commands, got {len(out)}; "
                         "use batch_calls() to split")
    return out


def request_body(commands: list[tuple[str, str, Mapping[str, Any]]], *, as_list: bool,
                 halt: bool) -> dict[str, Any]:
    """`{"halt": 0|1, "cmd": ...}`; cmd strings are not encoded again inside a JSON body."""
    strings = [(key, batch_command(method, params)) for key, method, params in commands]
    cmd: Any = [s for _, s in strings] if as_list else dict(strings)
    return {"halt": 1 if halt else 0, "cmd": cmd}


def parse(result: Any, methods: Mapping[str, str], secrets: Iterable[str] = ()) -> BatchResult:
    """Read `result.result / result_error / result_total / result_next / result_time`."""
    if not isinstance(result, Mapping):
        raise errors.MalformedResponse("MALFORMED_RESPONSE",
                                       "the batch answer's result is not an object",
                                       method="batch")
    failures = {key: _command_error(body, key, methods.get(key, ""), tuple(secrets))
                for key, body in _as_map(result.get("result_error")).items()}
    return BatchResult(
        results={k: v for k, v in _as_map(result.get("result")).items() if k not in failures},
        errors=failures,
        totals=_ints(result.get("result_total")),
        nexts=_ints(result.get("result_next")),
        times=_as_map(result.get("result_time")),
    )


def _command_error(body: Any, key: str, method: str,
                   secrets: tuple[str, ...]) -> errors.BitrixAPIError:
    if not isinstance(body, Mapping):
        body = {"error": "", "error_description": str(body)}
    exc = errors.from_body(body, method=method, status=None, secrets=secrets)
    return errors.for_command(exc, key)


def _as_map(member: Any) -> dict[str, Any]:
    if isinstance(member, Mapping):
        return {str(k): v for k, v in member.items()}
    if isinstance(member, list):
        return {str(i): v for i, v in enumerate(member)}
    return {}


def _ints(member: Any) -> dict[str, int]:
    pairs = ((k, as_int(v)) for k, v in _as_map(member).items())
    return {k: v for k, v in pairs if v is not None}
