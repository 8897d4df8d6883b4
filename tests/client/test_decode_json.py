"""`decode_json` (client/transport.py) reads every body exactly as `json.loads` does: the same
value where json reads one, json's error where json refuses. msgspec reads most answers, json
the rest; a difference would change what the portal is believed to hold."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from provisioner.client.transport import decode_json

# Bodies where msgspec and json part ways: json reads them all (NaN, inf, surrogates, a byte-order
# mark, UTF-16), or refuses them all; integers past 64 bits json reads exactly.
EDGES = [b"NaN", b"-Infinity", b"1e400", b'"\\ud800"', b'"\\udc00\\ud800"', b'"\xed\xa0\x80"',
         b"\xef\xbb\xbf{}", b"\xff\xfe{\x00}\x00", b"123456789012345678901234567890",
         b"-99999999999999999999", b"18446744073709551616", b'{"a": 1, "b": 2, "a": 3}',
         b"[1,]", b"1 2", b"", b'"\xff"', b"{'a': 1}", b"0.1", b"1E-400", b"-0.0"]


def _same(one: Any, other: Any) -> bool:
    """Equal, and of one type all the way down (1 and 1.0 and True differ; NaN is NaN)."""
    if type(one) is not type(other):
        return False
    if isinstance(one, float):
        return (math.isnan(one) and math.isnan(other)) or \
            (one == other and math.copysign(1, one) == math.copysign(1, other))
    if isinstance(one, dict):
        return list(one) == list(other) and all(_same(one[k], other[k]) for k in one)
    if isinstance(one, list):
        return len(one) == len(other) and all(map(_same, one, other))
    return bool(one == other)


def _outcome(decode: Any, body: bytes) -> tuple[str, Any]:
    try:
        return "value", decode(body)
    except (ValueError, RecursionError) as exc:
        return "error", type(exc)


def _check(body: bytes) -> None:
    ours, theirs = _outcome(decode_json, body), _outcome(json.loads, body)
    assert ours[0] == theirs[0], (body, ours, theirs)
    if ours[0] == "value":
        assert _same(ours[1], theirs[1]), (body, ours, theirs)
    else:
        assert ours[1] is theirs[1], (body, ours, theirs)  # json's own error


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)


@pytest.mark.parametrize("body", EDGES)
def test_the_bodies_where_the_two_decoders_part_read_as_json_reads_them(body: bytes) -> None:
    _check(body)


@given(JSON, st.booleans())
@example({"ID": 2 ** 70, "n": -(2 ** 64)}, False)
@example(["\ud800", float("nan"), float("inf")], True)
def test_any_json_text_reads_as_json_reads_it(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    _check(text.encode("utf-8", "surrogatepass"))


@given(st.binary(max_size=40))
def test_any_bytes_read_or_refused_as_json_does(body: bytes) -> None:
    _check(body)


def test_a_bigint_id_is_read_exactly() -> None:
    assert decode_json(b'{"result": {"ID": 123456789012345678901234567890}}') == \
        {"result": {"ID": 123456789012345678901234567890}}


def test_nesting_too_deep_is_a_recursion_error_as_with_json() -> None:
    with pytest.raises(RecursionError):
        decode_json(b"[" * 100_000 + b"]" * 100_000)
