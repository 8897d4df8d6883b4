"""The `batch` method: up to 50 sub-calls in one request, with `$result[...]` references.

docs: settings/how-to-call-rest-api/batch.md; S21 CRestProvider::methodsBatch and
CRestUtil::processBatchElement (docs/portal-rules.md#batch). The protocol layer runs each sub-call
(method lookup, scope, handler) through `SubCall`; this module owns the batch rules.
"""
# ruff: noqa: ARG001  (every handler takes the registry's (ctx, params), used or not)

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from provisioner.sandbox import phpform
from provisioner.sandbox.core import REGISTRY, BitrixError, CallContext, Result

MAX_LENGTH = 50  # S21 CRestUtil::BATCH_MAX_LENGTH
# S21 processBatchElement: the root may be any bucket name, case-insensitive.
_REFERENCE = re.compile(r"\$(result|next|total|time|error)((?:\[[^\]]+\])+)", re.IGNORECASE)
_SEGMENT = re.compile(r"\[([^\]]+)\]")

SubCall = Callable[[str, dict[str, Any]], dict[str, Any]]
"""Runs one sub-call: {"result", "total"?, "next"?, "time"} or {"error", "error_description"}."""

BUCKETS = ("result", "next", "total", "time", "error")


@REGISTRY.add("batch", "basic", doc="settings/how-to-call-rest-api/batch.md")
def _batch_placeholder(ctx: CallContext, params: dict[str, Any]) -> Result:
    # The protocol layer routes `batch` to run_batch(); reaching this means it was nested.
    raise not_allowed()


def not_allowed() -> BitrixError:
    # docs: settings/how-to-call-rest-api/batch.md (since rest 24.0.0) — nested batch is refused per entry
    return BitrixError("ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage",
                       405)


def length_exceeded() -> dict[str, Any]:
    # docs: settings/how-to-call-rest-api/batch.md — every entry after the 50th, inside result_error
    return {"error": "ERROR_BATCH_LENGTH_EXCEEDED", "error_description": "Max batch length exceeded"}


def halt_flag(value: Any) -> bool:
    """`halt` accepts true/false/1/0 (docs: settings/how-to-call-rest-api/batch.md); strings are read the same way."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "n", "no")
    return bool(value)


def commands(cmd: Any) -> list[tuple[str | int, Any]]:
    """`cmd` as (key, call) pairs; list form and numeric keys become PHP integer keys."""
    if isinstance(cmd, list):
        return list(enumerate(cmd))
    if isinstance(cmd, dict):
        return [(phpform.php_key(str(k)), v) for k, v in cmd.items()]
    return []


def run_batch(params: dict[str, Any], call: SubCall) -> Result:
    """Run the sub-calls in order and shape the answer exactly as the portal does."""
    upper = {str(k).upper(): v for k, v in params.items()}  # S21 array_change_key_case
    halt = halt_flag(upper.get("HALT", False))
    buckets: dict[str, dict[str | int, Any]] = {name: {} for name in BUCKETS}
    for n, (key, text) in enumerate(commands(upper.get("CMD"))):
        answer = _one(n, text, buckets, call)
        if "error" in answer:
            answer.setdefault("error_description", "")
            buckets["error"][key] = answer
            if halt:
                break
            continue
        buckets["result"][key] = answer.get("result")
        for name in ("next", "total", "time"):
            if answer.get(name) is not None:
                buckets[name][key] = answer[name]
    return Result({"result": buckets["result"], "result_error": buckets["error"],
                   "result_total": buckets["total"], "result_next": buckets["next"],
                   "result_time": buckets["time"]})


def _one(n: int, text: Any, buckets: dict[str, dict[str | int, Any]],
         call: SubCall) -> dict[str, Any]:
    if n >= MAX_LENGTH:
        return length_exceeded()
    method, _, query = str(text).partition("?")
    method = method.strip()
    if method.lower() == "batch":
        return not_allowed().body()
    return call(method, sub_params(query, buckets))


def sub_params(query: str, buckets: dict[str, dict[str | int, Any]]) -> dict[str, Any]:
    """Parse `a=1&fields[X]=$result[k][ID]` with references to earlier answers resolved."""
    items = [(_splice(key, buckets), _resolve(value, buckets))
             for key, value in phpform.pairs(query)]
    return phpform.build(items)


def _resolve(value: str, buckets: dict[str, dict[str | int, Any]]) -> Any:
    """A whole-parameter reference becomes the value itself (maybe an array); else spliced text."""
    match = _REFERENCE.fullmatch(value)
    if match:
        return _walk(match, buckets)
    return _splice(value, buckets)


def _splice(text: str, buckets: dict[str, dict[str | int, Any]]) -> str:
    return _REFERENCE.sub(lambda m: php_string(_walk(m, buckets)), text)


def _walk(match: re.Match[str], buckets: dict[str, dict[str | int, Any]]) -> Any:
    """Follow the [..] path; an unresolvable segment stops at the last resolvable level (S21)."""
    node: Any = buckets[match.group(1).lower()]
    for segment in _SEGMENT.findall(match.group(2)):
        child = _child(node, segment)
        if child is _MISSING:
            break
        node = child
    return node


_MISSING = object()


def _child(node: Any, segment: str) -> Any:
    if isinstance(node, dict):
        for key in (phpform.php_key(segment), segment):
            if key in node and node[key] is not None:  # PHP isset(): null counts as missing
                return node[key]
        return _MISSING
    if isinstance(node, list):
        index = phpform.php_key(segment)
        if isinstance(index, int) and 0 <= index < len(node) and node[index] is not None:
            return node[index]
    return _MISSING


def php_string(value: Any) -> str:
    """PHP's string conversion, for references spliced into text."""
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    if isinstance(value, (dict, list)):
        return "Array"
    return str(value)
