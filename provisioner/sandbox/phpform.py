"""How PHP reads request parameters and writes JSON, reproduced for the sandbox protocol layer.

Bitrix24 is PHP: form bodies and query strings use PHP bracket notation (`fields[NAME]=x`,
`a[]=1`), and `json_encode` turns an empty array into `[]` and an array keyed 0..n-1 into a list.
Docs: settings/how-to-call-rest-api/data-encoding.md (docs/portal-rules.md#request-encoding, #success-envelope).
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from typing import Any
from urllib.parse import unquote_plus

_SEGMENT = re.compile(r"\[([^\]]*)\]")
_INT_KEY = re.compile(r"^(0|-?[1-9][0-9]*)$")


def php_key(key: str) -> str | int:
    """PHP array keys that look like canonical integers are integers."""
    return int(key) if _INT_KEY.match(key) else key


def parse_query(text: str) -> dict[str, Any]:
    """Parse `a=1&fields[NAME]=x&ids[]=5` as PHP's parse_str does, lists where keys are 0..n-1."""
    return build(pairs(text))


def pairs(text: str) -> list[tuple[str, str]]:
    """URL-decoded (key, value) pairs of a query string, in order."""
    out = []
    for pair in text.split("&"):
        if pair:
            raw_key, _, raw_value = pair.partition("=")
            out.append((unquote_plus(raw_key), unquote_plus(raw_value)))
    return out


def build(items: list[tuple[str, Any]]) -> dict[str, Any]:
    """Nest bracket-notation keys into dicts, then lists where keys are 0..n-1."""
    root: dict[str | int, Any] = {}
    for key, value in items:
        _assign(root, _split_key(key), value)
    return {str(k): v for k, v in listify(root).items()}


def _split_key(key: str) -> list[str | None]:
    """`fields[PHONE][0][VALUE]` -> ["fields", "PHONE", "0", "VALUE"]; `a[]` -> ["a", None]."""
    head, bracket, _ = key.partition("[")
    if not bracket or not head:
        return [key]
    rest = key[len(head):]
    segments: list[str | None] = [head]
    pos = 0
    for match in _SEGMENT.finditer(rest):
        if match.start() != pos:
            break  # PHP ignores anything after a malformed segment
        segments.append(match.group(1) or None)
        pos = match.end()
    return segments


def _assign(node: dict[str | int, Any], path: list[str | None], value: Any) -> None:
    for i, segment in enumerate(path):
        key = _next_index(node) if segment is None else php_key(segment)
        if i == len(path) - 1:
            node[key] = value
            return
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}  # a scalar given earlier is replaced by the array, as in PHP
            node[key] = child
        node = child


def _next_index(node: dict[str | int, Any]) -> int:
    ints = [k for k in node if isinstance(k, int)]
    return max(ints) + 1 if ints else 0


def listify(value: Any) -> Any:
    """Dicts keyed exactly 0..n-1 (in order) become lists, recursively; other dicts stay."""
    if isinstance(value, list):
        return [listify(v) for v in value]
    if not isinstance(value, dict):
        return value
    items = {k: listify(v) for k, v in value.items()}
    if items and list(items) == list(range(len(items))):
        return list(items.values())
    return {str(k): v for k, v in items.items()}


def parse_json_body(body: bytes) -> dict[str, Any]:
    """A JSON body that is not a valid JSON object is read as no parameters at all (no error)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """Fields of a multipart/form-data body, keys in bracket notation like a form body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    items: list[tuple[str, Any]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            items.append((name, payload.decode("utf-8", "replace")
                          if isinstance(payload, bytes) else ""))
    return build(items)


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """Body parameters by content type; anything not JSON or multipart is a form string."""
    if not body:
        return {}
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        return parse_json_body(body)
    if kind == "multipart/form-data":
        return parse_multipart(body, content_type)
    return parse_query(body.decode("utf-8", "replace"))


_LEAVES = frozenset({str, int, float, bool, type(None)})
_TEXT = frozenset({str})


def to_php(value: Any) -> Any:
    """Shape a value as PHP's json_encode would: empty arrays `[]`, 0..n-1 keys as lists."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    # A list of leaves, a dict of text keys and leaves (most of a page's labels, settings and
    # items) is already in shape: handed over as it is, checked at C speed, not copied.
    if kind is list and _LEAVES.issuperset(map(type, value)):
        return value
    if kind is dict and value and _TEXT.issuperset(map(type, value)) \
            and _LEAVES.issuperset(map(type, value.values())):
        return value
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _LEAVES else to_php(v) for v in value]
    if not isinstance(value, dict):
        return value
    if not value:
        return []
    # Leaves are handed over as they are (no call per leaf: a page of 50 fields has thousands).
    if next(iter(value)) == 0 and list(value) == list(range(len(value))):
        return [v if type(v) in _LEAVES else to_php(v) for v in value.values()]
    return {k if type(k) is str else str(k): v if type(v) in _LEAVES else to_php(v)
            for k, v in value.items()}


def dumps(value: Any) -> bytes:
    return json.dumps(to_php(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
