"""Batch `cmd` strings: `method?query` with PHP bracket notation, as the server's parse_str reads.

The server (CRestUtil::ParseBatchQuery, docs/portal-rules.md#batch) runs parse_str on the query first
and substitutes `$result[key][field]` references in the *decoded* values afterwards, so any
encoding round-trips. We still leave `$`, `[` and `]` literal inside values: references then read
exactly as in the docs' examples and survive a server that substituted before decoding. Every
other reserved character (`&`, `=`, `+`, `%`, `#`, spaces, non-ASCII) is percent-encoded.

Scalars follow PHP's http_build_query, the form parse_str is the inverse of: True -> "1",
False -> "0", None and empty lists/dicts are omitted. Methods that want "Y"/"N" (legacy CRM) or
"true"/"false" (D7 relation flags) must be given those strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

_VALUE_SAFE = "$[]"  # keeps `$result[key][0][ID]` references readable; see the module docstring


def php_query(params: Mapping[str, Any]) -> str:
    """`{"fields": {"NAME": "a&b"}, "ids": [1, 2]}` -> `fields[NAME]=a%26b&ids[0]=1&ids[1]=2`."""
    return "&".join(f"{key}={quote(value, safe=_VALUE_SAFE)}"
                    for key, value in _pairs(params, prefix=None))


def _pairs(value: Any, prefix: str | None) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        items: Iterator[tuple[Any, Any]] = iter(value.items())
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        items = enumerate(value)
    else:
        scalar = _scalar(value)
        if scalar is not None and prefix is not None:
            yield prefix, scalar
        return
    for key, child in items:
        name = quote(str(key), safe="$")
        yield from _pairs(child, name if prefix is None else f"{prefix}[{name}]")


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def batch_command(method: str, params: Mapping[str, Any] | None) -> str:
    """One `cmd` entry; a call without parameters is the bare method name, as in the docs."""
    query = php_query(params or {})
    return f"{method}?{query}" if query else method
